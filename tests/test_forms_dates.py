"""Dates typed as people type them: read by the column's strict rules, never moved to a real day.

Every date field of every form is a text field with a calendar beside it (`forms.date_field`):
30/02/2023 is refused with a message naming the field, 7/4/2024 is 07/04/2024, and a day picked
on the calendar is written into the text field.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from services.choices import MemberStatus
from services.choices import RegistrationStatus as S
from services.clock import today
from services.forms import read_date
from services.schema import ID, SHEETS
from services.store.sql import SqlStore
from tests.conftest import open_page
from tests.rendered import rendered

IMPOSSIBLE = "30/02/2023"
REFUSED = "không phải ngày có thật trên lịch"
ALLOWED = "ngày theo dạng ngày/tháng/năm"


def _store(app_env: Path) -> SqlStore:
    return SqlStore(f"sqlite:///{app_env}")


def _widget(at: AppTest, key: str) -> Any:
    """Return the widget with this key, whatever its kind."""
    for kind in (at.text_input, at.selectbox, at.text_area, at.number_input, at.multiselect):
        try:
            return kind(key=key)
        except KeyError:
            continue
    raise KeyError(key)


def fill(at: AppTest, form: str, values: dict[str, Any]) -> None:
    """Type values into fields of a form (first draw of the form: nonce 0)."""
    for column, value in values.items():
        widget = _widget(at, f"{form}::0::{column}")
        if hasattr(widget, "select"):
            widget.select(value)
        elif hasattr(widget, "input") and not isinstance(value, (int, float)):
            widget.input(value)
        else:
            widget.set_value(value)


def submit(at: AppTest, form: str) -> AppTest:
    at.button(key=f"{form}::submit").click().run()
    assert not at.exception, at.exception
    return at


def errors(at: AppTest) -> str:
    return " ".join(rendered(e.value) for e in at.error)


# (page, form, sheet, fields to fill, date column, its header)
FORMS = [
    ("pages/units.py", "units-add", "units",
     {"name": "Tổ dân phố 77", "kind": "Tổ dân phố"}, "valid_from", "Có từ ngày"),
    ("pages/tasks.py", "tasks-add", "tasks",
     {"source": "Công văn 9-CV/ĐU", "content": "Rà soát hộ nghèo", "responsible": "UBND phường"},
     "deadline", "Hạn hoàn thành"),
    ("pages/meetings.py", "meetings-add", "meetings",
     {"attendee": "Phan Văn Ngày", "level": "Cấp ủy viên cấp huyện",
      "branch": "Chi bộ Tổ dân phố 5"}, "meeting_date", "Ngày dự"),
    ("pages/campaigns.py", "campaigns-add", "campaigns",
     {"name": "Đợt thử ngày 2031", "year": 2031, "register_by": "01/03/2031"},
     "report_by", "Hạn báo cáo kết quả"),
    ("pages/registrations.py", "registrations-add", "registrations",
     {"unit": "Tổ dân phố 1", "field": "Văn hóa - xã hội", "model_name": "Mô hình ngày lạ"},
     "registered_on", "Ngày đăng ký"),
]
IDS = [f[2] for f in FORMS]


@pytest.mark.parametrize(("page", "form", "sheet", "values", "column", "header"), FORMS, ids=IDS)
def test_an_impossible_date_is_refused_naming_the_field_and_kept(
    app_env: Path, page: str, form: str, sheet: str, values: dict[str, Any], column: str,
    header: str,
) -> None:
    at = open_page(page)
    before = len(_store(app_env).snapshot()[sheet].records)
    fill(at, form, values | {column: IMPOSSIBLE})
    submit(at, form)
    message = errors(at)
    assert f"{header}: \"{IMPOSSIBLE}\" {REFUSED}" in message
    assert ALLOWED in message and "ví dụ 07/04/2024" in message
    assert len(_store(app_env).snapshot()[sheet].records) == before
    assert at.text_input(key=f"{form}::0::{column}").value == IMPOSSIBLE  # never 28/02/2023
    assert not at.success


def test_a_day_and_month_without_zeros_is_stored_as_that_day(app_env: Path) -> None:
    at = open_page("pages/tasks.py")
    fill(at, "tasks-add", {"source": "Công văn 10-CV/ĐU", "content": "Tổng kết mô hình",
                           "responsible": "Khối Dân vận", "deadline": "7/4/2024"})
    submit(at, "tasks-add")
    assert not at.error
    [saved] = [t for t in _store(app_env).snapshot()["tasks"].records
               if t["content"] == "Tổng kết mô hình"]
    assert saved["deadline"] == date(2024, 4, 7)


def test_an_iso_date_is_accepted_too(app_env: Path) -> None:
    at = open_page("pages/meetings.py")
    fill(at, "meetings-add", {"attendee": "Đỗ Thị Iso", "level": "Cấp ủy viên cấp huyện",
                              "branch": "Chi bộ Tổ dân phố 5", "meeting_date": "2024-04-07"})
    submit(at, "meetings-add")
    assert not at.error, errors(at)
    [saved] = [m for m in _store(app_env).snapshot()["meetings"].records
               if m["attendee"] == "Đỗ Thị Iso"]
    assert saved["meeting_date"] == date(2024, 4, 7)


def test_a_day_picked_on_the_calendar_fills_the_text_field(app_env: Path) -> None:
    at = open_page("pages/units.py")
    field = "units-add::0::valid_from"
    assert at.text_input(key=field).value == f"{today():%d/%m/%Y}"  # the proposed day
    at.date_input(key=f"{field}::calendar").set_value(date(2024, 4, 7)).run()
    assert at.text_input(key=field).value == "07/04/2024"
    fill(at, "units-add", {"name": "Tổ dân phố Lịch", "kind": "Tổ dân phố"})
    submit(at, "units-add")
    [saved] = [u for u in _store(app_env).snapshot()["units"].records
               if u["name"] == "Tổ dân phố Lịch"]
    assert saved["valid_from"] == date(2024, 4, 7)


def test_the_calendar_opens_on_the_day_typed(app_env: Path) -> None:
    at = open_page("pages/tasks.py")
    at.text_input(key="tasks-add::0::deadline").input("7/4/2024").run()
    assert at.date_input(key="tasks-add::0::deadline::calendar").value == date(2024, 4, 7)
    at.text_input(key="tasks-add::0::deadline").input(IMPOSSIBLE).run()
    assert at.date_input(key="tasks-add::0::deadline::calendar").value is None


def test_an_edit_form_refuses_an_impossible_date_and_keeps_the_record(app_env: Path) -> None:
    at = open_page("pages/meetings.py")
    record = _store(app_env).snapshot()["meetings"].active()[0]
    at.session_state["meetings-tab"] = "Danh sách"  # the edit form is on the list's tab
    at.run()
    at.selectbox(key="meetings-pick").select(record[ID]).run()
    key = f"meetings-edit-{record[ID]}"
    at.text_input(key=f"{key}::0::report_date").input(IMPOSSIBLE)
    submit(at, key)
    assert f"Ngày gửi báo cáo: \"{IMPOSSIBLE}\" {REFUSED}" in errors(at)
    assert _store(app_env).snapshot()["meetings"].by_id[record[ID]]["report_date"] == \
        record["report_date"]
    assert at.text_input(key=f"{key}::0::report_date").value == IMPOSSIBLE


def test_reporting_results_on_an_impossible_day_is_refused(app_env: Path) -> None:
    at = open_page("pages/registrations.py")
    year = today().year
    record = next(r for r in _store(app_env).snapshot()["registrations"].active()
                  if r["status"] == S.DANG_THUC_HIEN and str(year) in r["campaign"])
    at.selectbox(key="registrations-pick").select(record[ID]).run()
    at.radio(key=f"registrations-step-{record[ID]}-{record['status']}").set_value(
        S.DA_BAO_CAO).run()
    form = f"registrations-move-{record[ID]}-2"
    at.text_input(key=f"{form}::0::reported_on").input(IMPOSSIBLE)
    at.text_area(key=f"{form}::0::result").input("Vận động 30 hộ tham gia.")
    submit(at, form)
    assert f"Ngày báo cáo kết quả: \"{IMPOSSIBLE}\" {REFUSED}" in errors(at)
    assert _store(app_env).snapshot()["registrations"].by_id[record[ID]]["status"] == \
        S.DANG_THUC_HIEN
    assert at.text_input(key=f"{form}::0::reported_on").value == IMPOSSIBLE
    assert at.text_area(key=f"{form}::0::result").value == "Vận động 30 hộ tham gia."


def test_approving_on_an_impossible_day_is_refused(app_env: Path) -> None:
    at = open_page("pages/members.py")
    tdp = at.selectbox(key="members-approve-tdp").value
    waiting = {m[ID] for m in _store(app_env).snapshot()["members"].active()
               if m["tdp"] == tdp and m["status"] == MemberStatus.DE_XUAT}
    assert waiting
    at.text_input(key="members-approve::0::approval_ref").input("216-QĐ/ĐU")
    at.text_input(key="members-approve::0::approved_on").input(IMPOSSIBLE)
    submit(at, "members-approve")
    assert f"Ngày phê duyệt: \"{IMPOSSIBLE}\" {REFUSED}" in errors(at)
    members = _store(app_env).snapshot()["members"].by_id
    assert {members[i]["status"] for i in waiting} == {MemberStatus.DE_XUAT}
    assert at.text_input(key="members-approve::0::approved_on").value == IMPOSSIBLE


@pytest.mark.parametrize(("typed", "expected"), [
    ("7/4/2024", date(2024, 4, 7)), ("07/04/2024", date(2024, 4, 7)),
    ("2024-04-07", date(2024, 4, 7)), ("07-04-2024", date(2024, 4, 7)), ("", None),
])
def test_read_date_takes_the_ways_people_type(typed: str, expected: date | None) -> None:
    assert read_date(SHEETS["members"].column("approved_on"), typed) == (expected, [])


@pytest.mark.parametrize("typed", [IMPOSSIBLE, "31/04/2024", "29/02/2023", "7/13/2024",
                                   "hôm qua"])
def test_read_date_refuses_with_the_field_and_what_is_allowed(typed: str) -> None:
    value, [message] = read_date(SHEETS["members"].column("approved_on"), typed)
    assert value is None
    assert message.startswith(f'Ngày phê duyệt: "{typed}" ')
    assert "ví dụ 07/04/2024" in message
