"""Who must attend (the register), residential branches only, own branch, and the visit plan."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services import attendance as att
from services import dashboard as board
from services.attendance import Attainment, NotCounted, PlanState
from services.auth import Actor
from services.choices import AttendeeLevel, Role, UnitKind
from services.schema import SHEETS
from services.store.sql import SqlStore
from services.validation import RawTable, validate_record, validate_snapshot
from tests.conftest import clean_snapshot

TINH, HUYEN, XA, DV = (AttendeeLevel.CAP_TINH, AttendeeLevel.CAP_HUYEN, AttendeeLevel.CAP_XA,
                       AttendeeLevel.DANG_VIEN_XA)
D = date
TDP5, TDP6, TDP7 = "Chi bộ TDP 5", "Chi bộ TDP 6", "Chi bộ TDP 7"
POLICE = "Chi bộ Công an phường"


def person(name: str, level: AttendeeLevel, since: date, until: date | None = None,
           home: str | None = None) -> dict[str, Any]:
    """Return a register entry as the snapshot holds it."""
    return {"full_name": name, "level": level, "position": None, "home_branch": home,
            "from_date": since, "to_date": until, "note": None}


def visit(name: str, level: AttendeeLevel, held: date, branch: str = TDP5,
          home: str | None = None, report: date | None = None) -> dict[str, Any]:
    """Return a meeting record as the snapshot holds it."""
    return {"attendee": name, "level": level, "branch": branch, "meeting_date": held,
            "report_date": report, "home_branch": home, "note": None}


def unit(name: str, residential: bool = True, complex_area: bool = False) -> dict[str, Any]:
    """Return a chi bộ unit record."""
    return {"name": name, "kind": UnitKind.CHI_BO, "residential": residential,
            "complex_area": complex_area}


UNITS = [unit(TDP5), unit(TDP6), unit(TDP7), unit(POLICE, residential=False)]


def judge(register: list[dict[str, Any]], meetings: list[dict[str, Any]], today: date,
          window: att.Window, units: list[dict[str, Any]] = UNITS) -> att.Compliance:
    """Run the register-based compliance."""
    return att.register_compliance(register, meetings, units, today, window)


def only(result: att.Compliance, name: str) -> att.AttendeeCompliance:
    """Return the one person of that name."""
    [row] = [p for p in result.people if p.name == name]
    return row


# --- periods inside the register's dates -------------------------------------------------------


def test_person_registered_in_q4_is_not_missing_q1_to_q3() -> None:
    result = judge([person("Trần Thị Hoa", HUYEN, D(2024, 10, 15))], [], D(2024, 12, 20), 2024)
    row = only(result, "Trần Thị Hoa")
    assert [p.period.label for p in row.periods] == ["Quý IV/2024"]
    assert row.missing_periods == [] and row.overall == Attainment.DAT


def test_period_partly_inside_the_dates_counts() -> None:
    # Bound from 20 March: March is a period to attend, with no visit it is missed.
    result = judge([person("Lê Văn Nam", DV, D(2024, 3, 20), home=TDP6)], [
        visit("Lê Văn Nam", DV, D(2024, 4, 9))], D(2024, 5, 10), 2024)
    row = only(result, "Lê Văn Nam")
    assert [(p.period.label, p.state) for p in row.periods] == [
        ("Tháng 3/2024", Attainment.CHUA_DAT), ("Tháng 4/2024", Attainment.DAT),
        ("Tháng 5/2024", Attainment.DANG_DIEN_RA)]


def test_periods_after_the_to_date_are_not_required() -> None:
    result = judge([person("Lê Văn Nam", XA, D(2023, 1, 1), until=D(2024, 2, 10))],
                   [visit("Lê Văn Nam", XA, D(2024, 1, 9))], D(2024, 8, 1), 2024)
    row = only(result, "Lê Văn Nam")
    assert [p.period.label for p in row.periods] == ["Tháng 1/2024", "Tháng 2/2024"]
    assert [p.label for p in row.missing_periods] == ["Tháng 2/2024"]
    assert row.terms == ((D(2023, 1, 1), D(2024, 2, 10)),)


def test_person_bound_after_the_window_is_not_listed() -> None:
    result = judge([person("Lê Văn Nam", XA, D(2025, 1, 1))], [], D(2025, 3, 1), 2024)
    assert result.people == () and result.percent is None and result.percent_text() == "—"


def test_person_who_never_attended_is_listed_and_behind() -> None:
    register = [person("Phạm Văn Sơn", TINH, D(2023, 1, 1)),
                person("Trần Thị Hoa", HUYEN, D(2023, 1, 1))]
    result = judge(register, [visit("Trần Thị Hoa", HUYEN, D(2024, 2, 1))], D(2024, 8, 1), 2024)
    never = only(result, "Phạm Văn Sơn")
    assert never.visits == 0
    assert [p.label for p in never.missing_periods] == ["6 tháng đầu năm 2024"]
    assert [p.name for p in result.behind] == ["Phạm Văn Sơn", "Trần Thị Hoa"]


def test_percentage_of_the_100_percent_rule() -> None:
    register = [person("An Văn Đạt", XA, D(2024, 1, 1)), person("Bùi Văn Tài", XA, D(2024, 1, 1)),
                person("Cao Thị Hà", XA, D(2024, 1, 1))]
    meetings = [visit(n, XA, D(2024, m, 5)) for n in ("An Văn Đạt", "Bùi Văn Tài")
                for m in (1, 2)]
    result = judge(register, meetings, D(2024, 3, 10), 2024)
    assert (result.met, result.total) == (2, 3)
    assert result.percent == pytest.approx(200 / 3)
    assert result.percent_text() == "66,7% (2/3 người)"
    assert result.from_register and result.notes() == []


def test_meetings_match_the_register_by_folded_name_and_level() -> None:
    register = [person("Nguyễn Thị Lan", XA, D(2024, 1, 1))]
    meetings = [visit("nguyen thi lan", XA, D(2024, 1, 9)),
                visit("NGUYỄN THỊ LAN", XA, D(2024, 2, 9)),
                visit("Nguyễn Thị Lan", HUYEN, D(2024, 2, 12))]  # another level: not her entry
    result = judge(register, meetings, D(2024, 3, 5), 2024)
    row = only(result, "Nguyễn Thị Lan")
    assert row.visits == 2 and row.overall == Attainment.DAT
    [other] = result.unregistered
    assert (other.name, other.level, other.visits) == ("Nguyễn Thị Lan", HUYEN, 1)


def test_meetings_of_people_not_on_the_register_are_listed_apart_not_dropped() -> None:
    register = [person("Nguyễn Thị Lan", XA, D(2024, 1, 1))]
    meetings = [visit("Nguyễn Thị Lan", XA, D(2024, 1, 9)),
                visit("Hồ Văn Khách", HUYEN, D(2024, 1, 20))]
    result = judge(register, meetings, D(2024, 2, 5), 2024)
    [stranger] = result.unregistered
    assert stranger.name == "Hồ Văn Khách" and stranger.visits == 1
    assert stranger.overall == Attainment.NGOAI_DANH_SACH
    assert str(stranger.overall) == "Chưa có trong danh sách phải dự"
    assert (result.met, result.total) == (1, 1)  # the rate is over the register only


def test_empty_register_falls_back_to_the_log_and_says_so() -> None:
    result = judge([], [visit("Trần Thị Hoa", HUYEN, D(2024, 5, 12))], D(2024, 8, 20), 2024)
    assert not result.from_register
    assert [p.name for p in result.people] == ["Trần Thị Hoa"]
    assert any("Chưa có danh sách người phải dự" in n for n in result.notes())
    assert result.unregistered == ()


# --- residential branches, own branch ----------------------------------------------------------


def test_visit_to_a_non_residential_branch_does_not_count_and_is_shown() -> None:
    register = [person("Trần Thị Hoa", HUYEN, D(2024, 1, 1))]
    meetings = [visit("Trần Thị Hoa", HUYEN, D(2024, 2, 12), branch=POLICE)]
    row = only(judge(register, meetings, D(2024, 5, 1), 2024), "Trần Thị Hoa")
    assert [p.label for p in row.missing_periods] == ["Quý I/2024"]
    assert row.visits == 0
    assert row.uncounted == (att.UncountedVisit(POLICE, D(2024, 2, 12),
                                                NotCounted.KHONG_PHAI_KHU_DAN_CU),)


def test_without_any_residential_mark_every_branch_counts_and_it_is_said() -> None:
    units = [unit(TDP5, residential=False), unit(POLICE, residential=False)]
    register = [person("Trần Thị Hoa", HUYEN, D(2024, 1, 1))]
    meetings = [visit("Trần Thị Hoa", HUYEN, D(2024, 2, 12), branch=POLICE)]
    result = judge(register, meetings, D(2024, 5, 1), 2024, units)
    assert only(result, "Trần Thị Hoa").overall == Attainment.DAT
    assert not result.residential_known and any("Khu dân cư" in n for n in result.notes())


def test_ward_member_visit_to_own_branch_from_the_register_does_not_count() -> None:
    register = [person("Lê Văn Nam", DV, D(2024, 1, 1), home=TDP5)]
    meetings = [visit("Lê Văn Nam", DV, D(2024, 1, 9), branch="chi bo tdp 5")]
    row = only(judge(register, meetings, D(2024, 2, 5), 2024), "Lê Văn Nam")
    assert row.missing_periods[0].label == "Tháng 1/2024"
    assert row.uncounted[0].reason == NotCounted.CHI_BO_MINH


def _meeting_values(branch: str, home: str) -> dict[str, Any]:
    return {"attendee": "Lê Văn Nam", "level": str(DV), "home_branch": home, "branch": branch,
            "meeting_date": D(2024, 5, 12), "report_date": D(2024, 5, 13)}


@pytest.mark.parametrize("typed", ["chi bo tdp 5", "CHI BỘ TDP 5", "  Chi bộ  TDP 5 "])
def test_own_branch_typed_without_diacritics_is_refused_in_a_form(typed: str) -> None:
    snapshot = clean_snapshot(units=[{"name": TDP5, "kind": UnitKind.CHI_BO},
                                     {"name": TDP6, "kind": UnitKind.CHI_BO}])
    _, problems = validate_record("meetings", _meeting_values(typed, TDP5), snapshot)
    assert [(p.column_key, p.message) for p in problems] == [
        ("branch", "phải là chi bộ khác với chi bộ nơi mình sinh hoạt")]
    _, fine = validate_record("meetings", _meeting_values(TDP6, "chi bo tdp 5"), snapshot)
    assert fine == []


def test_own_branch_typed_without_diacritics_in_the_sheet_leaves_the_row_out() -> None:
    meetings = SHEETS["meetings"]
    raw = {
        "units": RawTable.from_records(SHEETS["units"], [
            {"id": "DV-1", "name": TDP5, "kind": str(UnitKind.CHI_BO)}]),
        "meetings": RawTable(meetings.headers, [[
            "SH-1", "Lê Văn Nam", str(DV), "Chi bộ TDP 5", "chi bo tdp 5", "12/5/2024",
            "13/5/2024", None, None]]),
    }
    snapshot = validate_snapshot(raw)
    assert snapshot["meetings"].records == []
    assert [p.message for p in snapshot["meetings"].problems] == [
        "phải là chi bộ khác với chi bộ nơi mình sinh hoạt"]


# --- the visit plan ----------------------------------------------------------------------------


def plan_row(name: str, branch: str, start: date, end: date) -> dict[str, Any]:
    """Return a visit plan record."""
    return {"id": None, "attendee": name, "branch": branch, "period_start": start,
            "period_end": end, "note": None}


REGISTER = [person("Nguyễn Thị Lan", XA, D(2024, 1, 1)),
            person("Trần Thị Hoa", HUYEN, D(2024, 1, 1)),
            person("Lê Văn Nam", DV, D(2024, 1, 1), home=TDP7)]


def test_planned_visit_done_overdue_in_progress_and_not_yet() -> None:
    plan = [plan_row("Nguyễn Thị Lan", TDP5, D(2024, 1, 1), D(2024, 1, 31)),
            plan_row("Nguyễn Thị Lan", TDP6, D(2024, 2, 1), D(2024, 2, 29)),
            plan_row("Nguyễn Thị Lan", TDP5, D(2024, 3, 1), D(2024, 3, 31)),
            plan_row("Nguyễn Thị Lan", TDP5, D(2024, 4, 1), D(2024, 4, 30))]
    meetings = [visit("nguyen thi lan", XA, D(2024, 1, 9), branch="chi bo tdp 5"),
                visit("Nguyễn Thị Lan", XA, D(2024, 2, 9), branch=TDP5)]  # not the planned one
    visits = att.plan_progress(plan, REGISTER, meetings, D(2024, 3, 15))
    assert [(v.start.month, v.state, v.done_on) for v in visits] == [
        (1, PlanState.DA_DU, D(2024, 1, 9)), (2, PlanState.QUA_HAN, None),
        (3, PlanState.DANG_TRONG_KY, None), (4, PlanState.CHUA_DEN_KY, None)]


def test_plan_matches_the_level_the_register_gives() -> None:
    plan = [plan_row("Trần Thị Hoa", TDP5, D(2024, 1, 1), D(2024, 3, 31))]
    other_level = [visit("Trần Thị Hoa", XA, D(2024, 2, 9))]
    [pending] = att.plan_progress(plan, REGISTER, other_level, D(2024, 4, 2))
    assert pending.state == PlanState.QUA_HAN
    [done] = att.plan_progress(plan, REGISTER, [visit("Trần Thị Hoa", HUYEN, D(2024, 2, 9))],
                               D(2024, 4, 2))
    assert done.state == PlanState.DA_DU


def test_plan_tallies_per_person_and_per_branch() -> None:
    units = [unit(TDP5, complex_area=True), unit(TDP6), unit(TDP7), unit(POLICE, False)]
    plan = [plan_row("Nguyễn Thị Lan", TDP5, D(2024, 1, 1), D(2024, 1, 31)),
            plan_row("Nguyễn Thị Lan", TDP6, D(2024, 2, 1), D(2024, 2, 29)),
            plan_row("Lê Văn Nam", TDP5, D(2024, 1, 1), D(2024, 1, 31))]
    meetings = [visit("Nguyễn Thị Lan", XA, D(2024, 1, 9))]
    visits = att.plan_progress(plan, REGISTER, meetings, D(2024, 3, 15))
    assert [(t.name, t.planned, t.done, t.overdue) for t in att.plan_by_person(visits)] == [
        ("Nguyễn Thị Lan", 2, 1, 1), ("Lê Văn Nam", 1, 0, 1)]
    assert [(t.name, t.complex_area, t.planned, t.done, t.overdue)
            for t in att.plan_by_branch(visits, units)] == [
        (TDP5, True, 2, 1, 1), (TDP6, False, 1, 0, 1), (TDP7, False, 0, 0, 0)]


def test_rotation_puts_complex_areas_first_and_more_often() -> None:
    units = [unit("Chi bộ TDP 1"), unit("Chi bộ TDP 2", complex_area=True), unit("Chi bộ TDP 3"),
             unit("Chi bộ TDP 4", complex_area=True), unit(POLICE, residential=False)]
    register = [person(f"Người Số {k}", XA, D(2024, 1, 1)) for k in range(1, 7)]
    rows = att.propose_rotation(register, units, D(2024, 5, 10))
    branches = [r["branch"] for r in rows]
    assert branches[:2] == ["Chi bộ TDP 2", "Chi bộ TDP 4"]
    assert {b: branches.count(b) for b in set(branches)} == {
        "Chi bộ TDP 2": 2, "Chi bộ TDP 4": 2, "Chi bộ TDP 1": 1, "Chi bộ TDP 3": 1}
    assert all((r["period_start"], r["period_end"]) == (D(2024, 5, 1), D(2024, 5, 31))
               for r in rows)


def test_rotation_uses_each_level_period_skips_own_branch_planned_and_unbound() -> None:
    units = [unit(TDP5, complex_area=True), unit(TDP6), unit(TDP7)]
    register = [person("Trần Thị Hoa", HUYEN, D(2024, 1, 1)),
                person("Lê Văn Nam", DV, D(2024, 1, 1), home=TDP5),
                person("Nguyễn Thị Lan", XA, D(2024, 1, 1)),
                person("Phạm Văn Mới", XA, D(2024, 6, 1))]  # bound from next month
    plan = [plan_row("Nguyễn Thị Lan", TDP6, D(2024, 5, 1), D(2024, 5, 31))]
    rows = att.propose_rotation(register, units, D(2024, 5, 10), plan)
    assert [(r["attendee"], r["period_start"], r["period_end"]) for r in rows] == [
        ("Trần Thị Hoa", D(2024, 4, 1), D(2024, 6, 30)),
        ("Lê Văn Nam", D(2024, 5, 1), D(2024, 5, 31))]
    assert rows[0]["branch"] == TDP5  # the complex area first
    assert rows[1]["branch"] != TDP5  # never the ward member's own branch


def test_rotation_sends_each_person_where_they_have_been_least() -> None:
    units = [unit(TDP5, complex_area=True), unit(TDP6, complex_area=True)]
    register = [person("Nguyễn Thị Lan", XA, D(2024, 1, 1))]
    been = [visit("Nguyễn Thị Lan", XA, D(2024, 4, 9), branch=TDP5)]
    [row] = att.propose_rotation(register, units, D(2024, 5, 10), records=been)
    assert row["branch"] == TDP6


def test_saving_a_proposal_writes_every_row_at_once_or_none(
        sql_store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    sql_store.append("units", [unit(TDP5, complex_area=True), unit(TDP6), unit(TDP7)], "test")
    sql_store.append("attendees", REGISTER, "test")
    snapshot = sql_store.snapshot()
    editor = Actor("canbo@example.com", "Cán bộ", Role.EDITOR)
    rows = att.propose_rotation(snapshot["attendees"].active(), snapshot["units"].active(),
                                D(2024, 5, 10))
    assert len(rows) == 3
    bad = [*rows, {**rows[0], "branch": "Chi bộ Không Có"}]
    refused = att.save_plan(sql_store, snapshot, bad, editor)
    assert not refused.ok and "Dòng 4" in refused.problems[0]
    assert sql_store.snapshot()["visit_plan"].records == []
    calls: list[int] = []
    append = sql_store.append

    def counted(sheet_key: str, records: Any, actor: str, **kwargs: Any) -> Any:
        calls.append(len(records))
        return append(sheet_key, records, actor, **kwargs)

    monkeypatch.setattr(sql_store, "append", counted)
    saved = att.save_plan(sql_store, snapshot, rows, editor)
    assert calls == [3]  # one write for the whole plan
    assert saved.ok and len(saved.saved) == 3
    assert len(sql_store.snapshot()["visit_plan"].records) == 3
    leader = Actor("xem@example.com", "Lãnh đạo", Role.VIEWER)
    viewer = att.save_plan(sql_store, snapshot, rows, leader)
    assert not viewer.ok and len(sql_store.snapshot()["visit_plan"].records) == 3


# --- the dashboard -----------------------------------------------------------------------------


def test_dashboard_lists_planned_visits_not_done_and_uses_the_register() -> None:
    today = D(2024, 3, 15)
    snapshot = clean_snapshot(
        units=[{**unit(TDP5), "kind": UnitKind.CHI_BO}, {**unit(TDP6), "kind": UnitKind.CHI_BO}],
        attendees=[person("Nguyễn Thị Lan", XA, D(2024, 1, 1)),
                   person("Phạm Văn Sơn", TINH, D(2023, 1, 1))],
        visit_plan=[{k: v for k, v in plan_row("Nguyễn Thị Lan", TDP5, D(2024, 1, 1),
                                              D(2024, 1, 31)).items() if k != "id"},
                    {k: v for k, v in plan_row("Nguyễn Thị Lan", TDP6, D(2024, 2, 1),
                                              D(2024, 2, 29)).items() if k != "id"}],
        meetings=[visit("Nguyễn Thị Lan", XA, D(2024, 1, 9))],
    )
    items = [i for i in board.due_items(snapshot, 2024, today)
             if i.kind == board.DueKind.DU_SINH_HOAT]
    assert [(i.who, i.deadline, i.overdue) for i in items] == [
        ("Nguyễn Thị Lan", D(2024, 2, 29), True)]
    assert TDP6 in items[0].task
    view = board.build_attendance(snapshot, 2024, today)
    # The province member who never attended is counted; his half-year is not over yet.
    assert view.attendees == 2 and view.behind == 1
    assert view.percent == "50% (1/2 người)"
    assert "Phạm Văn Sơn" not in " ".join(view.unregistered)


def test_demo_register_has_a_mid_year_starter_and_someone_who_never_attended(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from services import clock
    from services.demo import generate

    monkeypatch.setattr(clock, "today", lambda: D(2026, 11, 22))
    data = generate()
    logged = {r["attendee"] for r in data["meetings"]}
    register = data["attendees"]
    assert logged <= {r["full_name"] for r in register}
    assert [r for r in register if r["full_name"] not in logged]
    late = [r for r in register if r["from_date"].year == 2026 and r["from_date"].month > 1
            and r["full_name"] in logged]
    assert late and all(m["meeting_date"] >= late[0]["from_date"] for m in data["meetings"]
                        if m["attendee"] == late[0]["full_name"])
    visits = att.plan_progress(data["visit_plan"], register, data["meetings"], D(2026, 11, 22))
    states = {v.state for v in visits}
    assert {PlanState.DA_DU, PlanState.QUA_HAN} <= states
    assert all(v.start.year == 2026 for v in visits)
