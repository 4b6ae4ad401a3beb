"""What a form keeps and what it offers: drafts survive navigation, no dropdown is a dead end.

Streamlit forgets the value of a widget a run does not draw; each field keeps a draft in a plain
session key until the form is saved or cleared (`services.forms`). A reference field with nothing
to choose says what to add first, and links to the page where it is added.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from services.choices import Role
from services.coltypes import Ref
from services.forms import CLEAR_LABEL, draft_key
from services.navigation import SCREENS, screen_adding
from services.schema import ID, SHEETS
from services.store.sql import SqlStore
from tests.conftest import click, open_page
from tests.rendered import rendered

UNITS = "pages/units.py"
REGISTRATIONS = "pages/registrations.py"


def _store(app_env: Path) -> SqlStore:
    return SqlStore(f"sqlite:///{app_env}")


def drafts(at: AppTest, form: str, sheet: str) -> dict[str, object]:
    """Return the drafts a form keeps, by column."""
    return {c.key: at.session_state[draft_key(form, c.key)] for c in SHEETS[sheet].columns
            if draft_key(form, c.key) in at.session_state}


def round_trip(at: AppTest, page: str, elsewhere: str = "pages/dashboard.py") -> AppTest:
    """Go to another page, then back, as a click in the navigation does."""
    at.switch_page(elsewhere).run()
    assert not at.exception, at.exception
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_a_half_filled_unit_survives_a_trip_to_another_page(app_env: Path) -> None:
    at = open_page(UNITS)
    at.text_input(key="units-add::0::name").input("Tổ dân phố Nháp")
    at.text_input(key="units-add::0::phone").input("0912 345 678")
    at.checkbox(key="units-add::0::complex_area").check()
    at.text_input(key="units-add::0::valid_from").input("7/4/2024").run()
    at.switch_page("pages/dashboard.py").run()
    # Away from the page, Streamlit has dropped the widgets' own values.
    assert "units-add::0::name" not in at.session_state
    round_trip(at, UNITS, "pages/export.py")
    assert at.text_input(key="units-add::0::name").value == "Tổ dân phố Nháp"
    assert at.text_input(key="units-add::0::phone").value == "0912 345 678"
    assert at.checkbox(key="units-add::0::complex_area").value is True
    assert at.text_input(key="units-add::0::valid_from").value == "7/4/2024"
    assert at.selectbox(key="units-add::0::kind").value is None  # never chosen


def test_a_half_filled_registration_survives_a_trip_to_another_page(app_env: Path) -> None:
    at = open_page(REGISTRATIONS)
    at.selectbox(key="registrations-add::0::unit").select("Tổ dân phố 1")
    at.text_input(key="registrations-add::0::model_name").input("Mô hình còn dở")
    at.text_area(key="registrations-add::0::content").input("Nội dung viết dở").run()
    round_trip(at, REGISTRATIONS)
    assert at.selectbox(key="registrations-add::0::unit").value == "Tổ dân phố 1"
    assert at.text_input(key="registrations-add::0::model_name").value == "Mô hình còn dở"
    assert at.text_area(key="registrations-add::0::content").value == "Nội dung viết dở"
    # Then saved: the form is empty, on this page and after another trip.
    at.selectbox(key="registrations-add::0::field").select("Văn hóa - xã hội").run()
    at.button(key="registrations-add::submit").click().run()
    assert not at.exception and not at.error, [rendered(e.value) for e in at.error]
    assert at.text_input(key="registrations-add::1::model_name").value == ""
    round_trip(at, REGISTRATIONS)
    assert at.text_input(key="registrations-add::1::model_name").value == ""
    assert at.selectbox(key="registrations-add::1::unit").value is None
    assert "Mô hình còn dở" in {r["model_name"] for r in
                                _store(app_env).snapshot()["registrations"].records}


def test_a_failed_save_keeps_the_input_across_pages_too(app_env: Path) -> None:
    at = open_page(UNITS)
    at.text_input(key="units-add::0::name").input("Tổ dân phố Lỗi")
    at.text_input(key="units-add::0::phone").input("12345")
    click(at, "Lưu")
    assert "Số điện thoại" in " ".join(rendered(e.value) for e in at.error)
    round_trip(at, UNITS)
    assert at.text_input(key="units-add::0::name").value == "Tổ dân phố Lỗi"
    assert at.text_input(key="units-add::0::phone").value == "12345"


def test_after_a_successful_save_the_form_is_empty(app_env: Path) -> None:
    at = open_page(UNITS)
    at.text_input(key="units-add::0::name").input("Tổ dân phố Lưu Xong")
    at.selectbox(key="units-add::0::kind").select("Tổ dân phố")
    click(at, "Lưu")
    assert "Đã lưu" in rendered(at.success[0].value)
    assert at.text_input(key="units-add::1::name").value == ""
    assert drafts(at, "units-add", "units") == {}
    round_trip(at, UNITS)
    assert at.text_input(key="units-add::1::name").value == ""


def test_clearing_empties_the_form_and_forgets_the_draft(app_env: Path) -> None:
    at = open_page(UNITS)
    assert not [b for b in at.button if b.label == CLEAR_LABEL]  # nothing typed yet
    at.text_input(key="units-add::0::name").input("Tổ dân phố Bỏ").run()
    assert at.session_state[draft_key("units-add", "name")] == "Tổ dân phố Bỏ"
    click(at, CLEAR_LABEL)
    assert at.text_input(key="units-add::1::name").value == ""
    round_trip(at, UNITS)
    assert at.text_input(key="units-add::1::name").value == ""


def test_an_edit_form_keeps_its_draft_and_what_it_was_opened_from(app_env: Path) -> None:
    at = open_page("pages/meetings.py")
    record = _store(app_env).snapshot()["meetings"].active()[0]
    at.session_state["meetings-tab"] = "Danh sách"  # the edit form is on the list's tab
    at.run()
    at.selectbox(key="meetings-pick").select(record[ID]).run()
    key = f"meetings-edit-{record[ID]}::0::note"
    at.text_area(key=key).input("Ghi chú viết dở").run()
    round_trip(at, "pages/meetings.py")
    at.session_state["meetings-tab"] = "Danh sách"  # the page comes back on its first tab
    at.run()
    at.selectbox(key="meetings-pick").select(record[ID]).run()  # the same record again
    assert at.text_area(key=key).value == "Ghi chú viết dở"
    assert at.session_state[f"meetings-edit-{record[ID]}::base"][ID] == record[ID]
    at.button(key=f"meetings-edit-{record[ID]}::submit").click().run()
    assert not at.error, [rendered(e.value) for e in at.error]
    assert _store(app_env).snapshot()["meetings"].by_id[record[ID]]["note"] == "Ghi chú viết dở"


def test_a_custom_form_keeps_its_draft(app_env: Path) -> None:
    at = open_page("pages/members.py")
    at.text_input(key="members-approve::0::approval_ref").input("217-QĐ/ĐU")
    at.text_area(key="members-approve::0::task").input("Nắm tình hình tổ").run()
    round_trip(at, "pages/members.py")
    assert at.text_input(key="members-approve::0::approval_ref").value == "217-QĐ/ĐU"
    assert at.text_area(key="members-approve::0::task").value == "Nắm tình hình tổ"


@pytest.mark.parametrize(("page", "form", "sheet"), [("pages/tasks.py", "tasks-add", "tasks"),
                                                     ("pages/units.py", "units-add", "units")])
def test_a_form_nobody_typed_in_keeps_no_draft(app_env: Path, page: str, form: str,
                                               sheet: str) -> None:
    at = open_page(page)
    at.run()
    assert drafts(at, form, sheet) == {}
    assert not [b for b in at.button if b.label == CLEAR_LABEL]


# --- no dead ends ------------------------------------------------------------------------------

BRANCH_SENTENCE = ("“Chi bộ dự sinh hoạt”: chưa có chi bộ nào trong danh mục Đơn vị. Hãy thêm "
                   "chi bộ ở trang Đơn vị.")


@pytest.fixture
def empty_store(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a store with no demo ward (Plan 48's indicators only)."""
    monkeypatch.setenv("DANVAN_DEMO_DATA", "false")
    return app_env


def test_an_empty_branch_dropdown_says_what_to_add_and_links_there(empty_store: Path) -> None:
    at = open_page("pages/meetings.py")
    infos = [rendered(i.value) for i in at.info]
    assert BRANCH_SENTENCE in infos
    assert "units" in {link.proto.page for link in at.get("page_link")}
    assert "Mở trang “Đơn vị”" in {link.proto.label for link in at.get("page_link")}
    # No empty dropdown is drawn for it (Streamlit would say "No results").
    assert not [s for s in at.selectbox if s.label.startswith("Chi bộ dự sinh hoạt")]


def test_saving_with_nothing_to_choose_names_the_field(empty_store: Path) -> None:
    at = open_page("pages/meetings.py")
    at.text_input(key="meetings-add::0::attendee").input("Lê Thị Trống")
    at.selectbox(key="meetings-add::0::level").select("Cấp ủy viên cấp huyện")
    at.button(key="meetings-add::submit").click().run()
    errors = " ".join(rendered(e.value) for e in at.error)
    assert "Chi bộ dự sinh hoạt: bắt buộc, chưa điền" in errors
    assert not _store(empty_store).snapshot()["meetings"].records
    assert at.text_input(key="meetings-add::0::attendee").value == "Lê Thị Trống"


def test_once_a_branch_exists_the_dropdown_offers_it(empty_store: Path) -> None:
    at = open_page("pages/units.py")
    at.text_input(key="units-add::0::name").input("Chi bộ Tổ dân phố 1")
    at.selectbox(key="units-add::0::kind").select("Chi bộ")
    click(at, "Lưu")
    at.switch_page("pages/meetings.py").run()
    assert BRANCH_SENTENCE not in [rendered(i.value) for i in at.info]
    assert at.selectbox(key="meetings-add::0::branch").options == ["Chi bộ Tổ dân phố 1"]


def test_a_dropdown_of_groups_names_the_kinds_to_add(empty_store: Path) -> None:
    at = open_page("pages/members.py")
    assert ("“Tổ dân phố”: chưa có tổ dân phố hoặc thôn, xóm nào trong danh mục Đơn vị. Hãy thêm "
            "tổ dân phố hoặc thôn, xóm ở trang Đơn vị.") in [rendered(i.value) for i in at.info]


def test_every_referenced_sheet_names_the_screen_that_adds_it() -> None:
    referenced = {c.type.sheet for sheet in SHEETS.values() for c in sheet.columns
                  if isinstance(c.type, Ref)}
    for key in referenced:
        screen = screen_adding(key, Role.EDITOR)
        assert screen is not None, f"ADDED_ON has no screen for {key!r}"
        assert screen.path in {s.path for s in SCREENS}
