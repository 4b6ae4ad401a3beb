"""The meetings page: log an attendance, refuse a bad one by field, refuse a conflicting edit;
the register of who must attend, the 100% rate and the visit plan."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from services.choices import AttendeeLevel, UnitKind
from services.clock import today
from services.schema import ID
from services.store.sql import SqlStore
from tests.conftest import click, open_page
from tests.rendered import rendered

ADD = "meetings-add::0::"
TDP5 = "Chi bộ Tổ dân phố 5"


@pytest.fixture
def app(app_env: Path) -> AppTest:
    return open_page("pages/meetings.py")


def stored(app_env: Path) -> list[dict]:
    """Return the meeting records as the store holds them now."""
    return SqlStore(f"sqlite:///{app_env}").snapshot()["meetings"].records


def fill(at: AppTest, attendee: str, level: AttendeeLevel, branch: str, meeting: date,
         report: date | None = None, home: str | None = None) -> None:
    """Type one attendance into the add form."""
    at.text_input(key=ADD + "attendee").input(attendee)
    at.selectbox(key=ADD + "level").select(level)
    if home is not None:
        at.selectbox(key=ADD + "home_branch").select(home)
    at.selectbox(key=ADD + "branch").select(branch)
    at.text_input(key=ADD + "meeting_date").input(f"{meeting:%d/%m/%Y}")
    if report is not None:
        at.text_input(key=ADD + "report_date").input(f"{report:%d/%m/%Y}")


def open_tab(at: AppTest, label: str) -> None:
    """Open one of the page's tabs, as a click on it does (only the open tab is drawn)."""
    at.session_state["meetings-tab"] = label
    at.run()
    assert not at.exception, at.exception


def list_table(at: AppTest):
    """Return the list tab's table (the one with the computed columns)."""
    return next(d.value for d in at.dataframe if "Tình trạng báo cáo" in d.value.columns
                and "Người dự" in d.value.columns)


def test_meeting_date_defaults_to_today(app: AppTest) -> None:
    assert app.text_input(key=ADD + "meeting_date").value == f"{today():%d/%m/%Y}"


def test_valid_attendance_is_saved_with_due_date_and_listed(app: AppTest,
                                                            app_env: Path) -> None:
    meeting = date(today().year - 1, 5, 12)
    fill(app, "Hoàng Thị Kiểm Tra", AttendeeLevel.CAP_HUYEN, TDP5, meeting,
         meeting + timedelta(days=4))
    click(app, "Lưu")
    message = " ".join(rendered(s.value) for s in app.success)
    assert "Đã lưu" in message
    assert f"15/05/{meeting.year}" in message and "Trễ hạn 1 ngày" in message
    [saved] = [r for r in stored(app_env) if r["attendee"] == "Hoàng Thị Kiểm Tra"]
    assert (saved["branch"], saved["meeting_date"]) == (TDP5, meeting)
    # The list finds it without diacritics and shows its computed columns.
    open_tab(app, "Danh sách")
    app.text_input(key="meetings-search").input("hoang thi kiem").run()
    table = list_table(app)
    assert list(table["Người dự"]) == ["Hoàng Thị Kiểm Tra"]
    assert list(table["Tình trạng báo cáo"]) == ["Trễ hạn 1 ngày"]
    assert list(table["Hạn báo cáo"]) == [date(meeting.year, 5, 15)]
    # A fresh, empty form follows a successful save.
    open_tab(app, "Ghi nhận dự sinh hoạt")
    assert app.text_input(key="meetings-add::1::attendee").value == ""


@pytest.mark.parametrize(("case", "field"), [
    ("report_before_meeting", "Ngày gửi báo cáo"),
    ("ward_party_member_at_own_branch", "Chi bộ dự sinh hoạt"),
])
def test_invalid_attendance_names_the_field_saves_nothing_keeps_input(
        app: AppTest, app_env: Path, case: str, field: str) -> None:
    before = len(stored(app_env))
    meeting = today() - timedelta(days=10)
    if case == "report_before_meeting":
        fill(app, "Hoàng Thị Kiểm Tra", AttendeeLevel.CAP_HUYEN, TDP5, meeting,
             meeting - timedelta(days=1))
    else:
        fill(app, "Hoàng Thị Kiểm Tra", AttendeeLevel.DANG_VIEN_XA, TDP5, meeting, home=TDP5)
    click(app, "Lưu")
    errors = " ".join(rendered(e.value) for e in app.error)
    assert f"{field}:" in errors
    assert not app.success
    assert len(stored(app_env)) == before
    assert app.text_input(key=ADD + "attendee").value == "Hoàng Thị Kiểm Tra"
    assert app.text_input(key=ADD + "meeting_date").value == f"{meeting:%d/%m/%Y}"


def test_report_date_entered_later_through_the_edit_form(app: AppTest, app_env: Path) -> None:
    pending = [r for r in stored(app_env) if r["report_date"] is None
               and r["level"] == AttendeeLevel.CAP_HUYEN]
    assert pending, "the demo ward has a district member's missing report"
    record = pending[0]
    open_tab(app, "Danh sách")
    app.selectbox(key="meetings-pick").select(record[ID]).run()
    key = f"meetings-edit-{record[ID]}::0::report_date"
    app.text_input(key=key).input(f"{record['meeting_date'] + timedelta(days=3):%d/%m/%Y}")
    click(app, "Lưu thay đổi")
    assert any("Đã lưu thay đổi" in rendered(s.value) for s in app.success)
    [now] = [r for r in stored(app_env) if r[ID] == record[ID]]
    assert now["report_date"] == record["meeting_date"] + timedelta(days=3)


def test_edit_of_a_record_changed_meanwhile_is_refused(app: AppTest, app_env: Path) -> None:
    record = stored(app_env)[0]
    open_tab(app, "Danh sách")
    app.selectbox(key="meetings-pick").select(record[ID]).run()
    # Someone else changes the same record after the page has loaded it.
    SqlStore(f"sqlite:///{app_env}").update(
        "meetings", record[ID], {"note": "Sửa bởi người khác"},
        {k: v for k, v in record.items() if k != "_row"}, "khac@example.com")
    key = f"meetings-edit-{record[ID]}::0::report_date"
    app.text_input(key=key).input(f"{record['meeting_date'] + timedelta(days=1):%d/%m/%Y}")
    click(app, "Lưu thay đổi")
    errors = " ".join(rendered(e.value) for e in app.error)
    assert "đã được người khác sửa" in errors
    [now] = [r for r in stored(app_env) if r[ID] == record[ID]]
    assert now["note"] == "Sửa bởi người khác"
    assert now["report_date"] == record["report_date"]


# --- who must attend, and the visit plan -------------------------------------------------------


def texts(at: AppTest) -> str:
    """Return every message box's text on the page."""
    return " ".join(rendered(e.value) for kind in (at.info, at.warning, at.success, at.error)
                    for e in kind)


def test_compliance_shows_the_rate_and_someone_who_never_attended(app: AppTest,
                                                                   app_env: Path) -> None:
    open_tab(app, "Theo dõi định kỳ")
    [rate] = [m.value for m in app.metric if m.label == "Tỷ lệ (yêu cầu 100%)"]
    assert re.fullmatch(r"[\d,]+% \(\d+/\d+ người\)", rate)
    register = SqlStore(f"sqlite:///{app_env}").snapshot()["attendees"].records
    never = [r["full_name"] for r in register if "lần nào" in (r["note"] or "")]
    assert never
    table = next(d.value for d in app.dataframe if "Thời gian thuộc diện" in d.value.columns)
    [row] = table[table["Người dự"] == never[0]].to_dict("records")
    assert row["Số lượt dự"] == 0 and row["Đánh giá"] == "Chưa đạt"


def test_a_person_added_to_the_register_is_stored(app: AppTest, app_env: Path) -> None:
    open_tab(app, "Người phải dự")
    key = "attendees-add::0::"
    app.text_input(key=key + "full_name").input("Đinh Thị Mới Đến")
    app.selectbox(key=key + "level").select(AttendeeLevel.DANG_VIEN_XA)
    app.selectbox(key=key + "home_branch").select(TDP5)
    app.text_input(key=key + "from_date").input(f"01/07/{today().year}")
    app.button(key="attendees-add::submit").click().run()
    assert not app.exception, app.exception
    [saved] = [r for r in SqlStore(f"sqlite:///{app_env}").snapshot()["attendees"].records
               if r["full_name"] == "Đinh Thị Mới Đến"]
    assert (saved["home_branch"], saved["from_date"]) == (TDP5, date(today().year, 7, 1))


@pytest.fixture
def small_ward(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> SqlStore:
    """Return a store with three residential branches (one complex) and three people to send."""
    monkeypatch.setenv("DANVAN_DEMO_DATA", "0")
    store = SqlStore(f"sqlite:///{app_env}")
    branch = {"kind": UnitKind.CHI_BO, "residential": True}
    store.append("units", [{"name": "Chi bộ TDP 1", **branch},
                           {"name": "Chi bộ TDP 2", **branch, "complex_area": True},
                           {"name": "Chi bộ TDP 3", **branch},
                           {"name": "Chi bộ Công an phường", "kind": UnitKind.CHI_BO}], "test")
    start = date(today().year, 1, 1)
    store.append("attendees", [
        {"full_name": "Nguyễn Thị Lan", "level": AttendeeLevel.CAP_XA, "from_date": start},
        {"full_name": "Trần Thị Hoa", "level": AttendeeLevel.CAP_HUYEN, "from_date": start},
        {"full_name": "Lê Văn Nam", "level": AttendeeLevel.DANG_VIEN_XA,
         "home_branch": "Chi bộ TDP 1", "from_date": start}], "test")
    return store


def test_proposed_rotation_is_saved_in_one_click(small_ward: SqlStore) -> None:
    at = open_page("pages/meetings.py")
    open_tab(at, "Phân công")
    [save] = [b for b in at.button if b.label.startswith("Lưu 3 lượt phân công")]
    save.click().run()
    assert not at.exception, at.exception
    assert "Đã lưu 3 lượt phân công" in texts(at)
    plan = small_ward.snapshot()["visit_plan"].records
    assert len(plan) == 3
    assert {r["branch"] for r in plan} <= {"Chi bộ TDP 1", "Chi bộ TDP 2", "Chi bộ TDP 3"}
    assert "Chi bộ TDP 2" in {r["branch"] for r in plan}  # the complex area is not left out
    # Everyone is planned for the period now: nothing more to propose, and the plan is listed.
    assert "đã được phân công trong kỳ chứa tháng này" in texts(at)
    assert any(m.label == "Lượt phân công" and m.value == "3" for m in at.metric)


def test_empty_ward_says_what_to_add_first(app_env: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DANVAN_DEMO_DATA", "0")
    at = open_page("pages/meetings.py")
    open_tab(at, "Người phải dự")
    text = texts(at)
    open_tab(at, "Phân công")
    text += " " + texts(at)
    assert "Chưa có ai trong danh sách người phải dự sinh hoạt. Hãy thêm từng người" in text
    assert "Chưa có danh sách người phải dự sinh hoạt. Hãy thêm ở thẻ “Người phải dự”" in text
