"""The admin pages: the audit trail lists the test's own writes with before → after; users."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from services.bootstrap import fill
from services.changes import AUDIT, AUDIT_PAGE, filter_audit
from services.choices import Role
from services.clock import VN_TZ, today
from services.export import csv_bytes
from services.schema import ID
from services.store.sql import SqlStore
from tests.conftest import click
from tests.test_page_roles import navigation_pages, signed_in_app

ADMIN = ("quan.tri@gmail.com", "Lê Quản Trị")
EDITOR = ("can.bo@gmail.com", "Nguyễn Văn Cán Bộ")
OLD_ENTRY = {
    ID: "NK-old00001", "at": datetime(2024, 4, 7, 8, 30, tzinfo=VN_TZ),
    "actor": "van.thu@gmail.com", "action": "Thêm", "sheet": "Đăng ký mô hình",
    "record_id": "MH-0001", "before": "",
    "after": '{"Tên mô hình": "Dân vận khéo trong xây dựng nông thôn mới"}',
}
UNIT = "Tổ dân phố 99"


@pytest.fixture
def ward(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo ward, an admin (by setting) and an editor (users sheet), one old audit row."""
    monkeypatch.setenv("DANVAN_ADMIN_EMAILS", ADMIN[0])
    store = SqlStore(f"sqlite:///{app_env}")
    fill(store, demo=True, year=today().year)
    store.load({"audit": [OLD_ENTRY]})
    store.append("users", [{"email": EDITOR[0], "name": EDITOR[1], "role": Role.EDITOR}],
                 "test")
    store.engine.dispose()
    return app_env


def _select(at: AppTest, table_key: str, row: int) -> AppTest:
    """Pick a row of a selectable table, as a click on it does."""
    at.session_state[table_key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def edited(ward: Path) -> Path:
    """As the editor, add a unit on the units page and then change its person in charge."""
    at = signed_in_app(*EDITOR)
    at.switch_page("pages/units.py").run()
    at.text_input(key="units-add::0::name").input(UNIT)
    at.selectbox(key="units-add::0::kind").select("Tổ dân phố")
    click(at, "Lưu")
    listed = list(at.dataframe[0].value["Tên đơn vị"])
    _select(at, "units-table", listed.index(UNIT))
    head = next(t.key for t in at.text_input
                if t.key.startswith("units-edit-") and t.key.endswith("::head"))
    at.text_input(key=head).input("Bà Năm")
    click(at, "Lưu thay đổi")
    return ward


def audit_page() -> AppTest:
    at = signed_in_app(*ADMIN)
    at.switch_page("pages/audit.py").run()
    assert not at.exception, at.exception
    return at


def listed(at: AppTest) -> list[dict[str, str]]:
    frame = at.dataframe(key="audit-table").value
    return frame.to_dict("records")


def test_audit_lists_the_editors_writes_newest_first_with_before_and_after(edited: Path) -> None:
    at = audit_page()
    rows = listed(at)
    assert [r["Thao tác"] for r in rows[:2]] == ["Sửa", "Thêm"]  # newest first
    edit = rows[0]
    assert edit["Người thực hiện"] == EDITOR[0]
    assert edit["Bảng"] == "Đơn vị"
    assert edit["Nội dung thay đổi"] == "Người phụ trách: (trống) → Bà Năm"
    assert rows[-1]["Mã bản ghi"] == OLD_ENTRY["record_id"]  # the oldest last


def test_picking_an_audit_row_shows_a_table_of_column_before_after(edited: Path) -> None:
    at = _select(audit_page(), "audit-table", 0)
    detail = next(d.value for d in at.dataframe if "Trước" in d.value.columns)
    assert list(detail.columns) == ["Cột", "Trước", "Sau"]
    assert detail.to_dict("records") == [{"Cột": "Người phụ trách", "Trước": "",
                                          "Sau": "Bà Năm"}]
    assert any(h.value == "Chi tiết dòng nhật ký" for h in at.subheader)
    assert at.text[0].value.startswith("Sửa · Đơn vị · ")  # stored text, never Markdown
    assert f"{EDITOR[0]}, lúc " in at.text[0].value


def test_filters_by_person_action_sheet_search_and_dates(edited: Path) -> None:
    at = audit_page()
    total = len(listed(at))
    at.multiselect(key="audit-actors").select(EDITOR[0]).run()
    assert {r["Người thực hiện"] for r in listed(at)} == {EDITOR[0]}
    at.multiselect(key="audit-actions").select("Sửa").run()
    assert [r["Thao tác"] for r in listed(at)] == ["Sửa"]
    at.multiselect(key="audit-actors").unselect(EDITOR[0]).run()
    at.multiselect(key="audit-actions").unselect("Sửa").run()
    assert len(listed(at)) == total

    at.multiselect(key="audit-sheets").select("Đăng ký mô hình").run()
    assert [r["Mã bản ghi"] for r in listed(at)] == [OLD_ENTRY["record_id"]]
    at.multiselect(key="audit-sheets").unselect("Đăng ký mô hình").run()

    at.text_input(key="audit-search").input("nong thon moi").run()  # no accents
    assert [r["Mã bản ghi"] for r in listed(at)] == [OLD_ENTRY["record_id"]]
    at.text_input(key="audit-search").input("ba nam").run()
    assert [r["Thao tác"] for r in listed(at)] == ["Sửa"]
    at.text_input(key="audit-search").input("").run()

    at.date_input(key="audit-days").set_value((date(2024, 4, 7), date(2024, 4, 7))).run()
    assert [r["Mã bản ghi"] for r in listed(at)] == [OLD_ENTRY["record_id"]]
    at.date_input(key="audit-days").set_value((today(), today())).run()
    assert OLD_ENTRY["record_id"] not in {r["Mã bản ghi"] for r in listed(at)}
    assert len(listed(at)) == total - 1
    at.text_input(key="audit-search").input("khong co dau vet nao").run()
    assert not at.dataframe and "Không có dòng nhật ký phù hợp" in at.info[0].value


def test_audit_offers_a_csv_of_the_rows_shown(edited: Path) -> None:
    at = audit_page()
    assert [b.label for b in at.get("download_button")] == ["Tải CSV"]
    entries = SqlStore(f"sqlite:///{edited}").read_sheet("audit").records
    text = csv_bytes(AUDIT, filter_audit(entries, actors=[EDITOR[0]])).decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text)))[:3] == ["Mã", "Thời điểm", "Người thực hiện"]
    assert "Bà Năm" in text and OLD_ENTRY["record_id"] not in text


def _caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if "dòng nhật ký đã tải" in c.value)


def test_audit_reads_a_page_at_a_time_and_xem_cu_hon_loads_the_older_rows(ward: Path) -> None:
    store = SqlStore(f"sqlite:///{ward}")
    start = datetime(2025, 6, 1, 8, 0, tzinfo=VN_TZ)
    store.load({"audit": [{**OLD_ENTRY, ID: f"NK-bulk{i:04d}", "record_id": f"DV-{i}",
                           "at": start + timedelta(minutes=i)} for i in range(AUDIT_PAGE + 50)]})
    total = len(store.read_sheet("audit").records)
    store.engine.dispose()
    at = audit_page()
    assert len(listed(at)) == AUDIT_PAGE
    assert _caption(at).startswith(f"{AUDIT_PAGE} / {AUDIT_PAGE} dòng nhật ký đã tải")
    assert "Còn dòng cũ hơn" in _caption(at)
    # Filters apply to what is loaded: the oldest row is not there yet.
    at.text_input(key="audit-search").input(OLD_ENTRY["record_id"]).run()
    assert "hoặc bấm “Xem cũ hơn”" in at.info[0].value
    at.text_input(key="audit-search").input("").run()

    click(at, "Xem cũ hơn")
    rows = listed(at)
    assert len(rows) == total and len({r["Mã bản ghi"] for r in rows}) > AUDIT_PAGE
    assert "Đã tải toàn bộ nhật ký." in _caption(at)
    assert not [b for b in at.button if b.label == "Xem cũ hơn"]
    at.text_input(key="audit-search").input(OLD_ENTRY["record_id"]).run()
    assert [r["Mã bản ghi"] for r in listed(at)] == [OLD_ENTRY["record_id"]]


def test_users_page_explains_the_roles_and_adds_a_user_who_can_then_edit(ward: Path) -> None:
    at = signed_in_app(*ADMIN)
    at.switch_page("pages/users.py").run()
    assert not at.exception
    roles = at.table[0].value
    assert list(roles["Quyền"]) == ["Xem", "Biên tập", "Quản trị"]
    assert "xuất dữ liệu" in roles["Được làm gì"][0]
    assert "Nhật ký thay đổi" in roles["Trang mở thêm"][2]
    at.text_input(key="users-add::0::email").input("Moi.Vao@Gmail.com")
    at.text_input(key="users-add::0::name").input("Phạm Thị Mới")
    at.selectbox(key="users-add::0::role").select("Biên tập")
    click(at, "Lưu")
    users = SqlStore(f"sqlite:///{ward}").snapshot()["users"].records
    assert any(u["email"] == "moi.vao@gmail.com" and u["role"] == Role.EDITOR for u in users)

    newcomer = signed_in_app("moi.vao@gmail.com", "Phạm Thị Mới")
    assert "pages/units.py" in navigation_pages(newcomer)
    assert "pages/users.py" not in navigation_pages(newcomer)
