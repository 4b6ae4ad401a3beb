"""Attendance rules of seed 003: report deadlines and statuses, periods, compliance, branches."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.attendance import (
    Attainment,
    ReportStatus,
    compliance,
    days_late,
    monthly_summary,
    period_of,
    periods_between,
    recent_window,
    report_due,
    report_status,
    status_text,
    visits_per_branch,
)
from services.choices import AttendeeLevel, UnitKind

TINH, HUYEN, XA, DV = (AttendeeLevel.CAP_TINH, AttendeeLevel.CAP_HUYEN, AttendeeLevel.CAP_XA,
                       AttendeeLevel.DANG_VIEN_XA)
TDP5 = "Chi bộ Tổ dân phố 5"


def visit(attendee: str, level: AttendeeLevel, meeting: date, report: date | None = None,
          branch: str = TDP5) -> dict[str, Any]:
    """Return a meeting record as the snapshot holds it."""
    return {"attendee": attendee, "level": level, "branch": branch, "meeting_date": meeting,
            "report_date": report, "home_branch": None, "note": None}


# --- report deadline and status --------------------------------------------------------------

D = date
ON, LATE, MISSING, NOT_DUE, NONE = (ReportStatus.DUNG_HAN, ReportStatus.TRE_HAN,
                                    ReportStatus.CHUA_BAO_CAO, ReportStatus.CHUA_DEN_HAN,
                                    ReportStatus.KHONG_YEU_CAU)
STATUS_TABLE = [
    # id: level, meeting date, report date, today -> due date, status, days late
    ("district_12th_due_15th_report_16th_late_by_1",
     HUYEN, D(2024, 5, 12), D(2024, 5, 16), D(2024, 5, 20), D(2024, 5, 15), LATE, 1),
    ("district_report_exactly_on_due_date_is_on_time",
     HUYEN, D(2024, 5, 12), D(2024, 5, 15), D(2024, 5, 20), D(2024, 5, 15), ON, 0),
    ("district_report_same_day_is_on_time",
     HUYEN, D(2024, 5, 12), D(2024, 5, 12), D(2024, 5, 12), D(2024, 5, 15), ON, 0),
    ("province_member_also_has_three_days",
     TINH, D(2024, 5, 12), D(2024, 5, 19), D(2024, 5, 20), D(2024, 5, 15), LATE, 4),
    ("ward_party_member_due_next_day_on_time",
     DV, D(2024, 5, 12), D(2024, 5, 13), D(2024, 5, 20), D(2024, 5, 13), ON, 0),
    ("ward_party_member_two_days_after_is_late",
     DV, D(2024, 5, 12), D(2024, 5, 14), D(2024, 5, 20), D(2024, 5, 13), LATE, 1),
    ("commune_level_has_no_deadline_even_without_report",
     XA, D(2024, 5, 12), None, D(2025, 1, 1), None, NONE, 0),
    ("commune_level_has_no_deadline_with_report",
     XA, D(2024, 5, 12), D(2024, 6, 30), D(2025, 1, 1), None, NONE, 0),
    ("not_missing_on_the_due_day_itself",
     HUYEN, D(2024, 5, 12), None, D(2024, 5, 15), D(2024, 5, 15), NOT_DUE, 0),
    ("not_missing_on_the_meeting_day",
     DV, D(2024, 5, 12), None, D(2024, 5, 12), D(2024, 5, 13), NOT_DUE, 0),
    ("missing_once_the_due_day_has_fully_passed",
     HUYEN, D(2024, 5, 12), None, D(2024, 5, 16), D(2024, 5, 15), MISSING, 1),
    ("ward_party_member_missing_the_second_day",
     DV, D(2024, 5, 12), None, D(2024, 5, 14), D(2024, 5, 13), MISSING, 1),
    ("leap_year_28_feb_plus_one_day_is_29_feb",
     DV, D(2024, 2, 28), D(2024, 2, 29), D(2024, 3, 5), D(2024, 2, 29), ON, 0),
    ("leap_day_29_feb_plus_one_day_is_1_march",
     DV, D(2024, 2, 29), D(2024, 3, 1), D(2024, 3, 5), D(2024, 3, 1), ON, 0),
    ("non_leap_year_28_feb_plus_one_day_is_1_march",
     DV, D(2023, 2, 28), D(2023, 3, 2), D(2023, 3, 5), D(2023, 3, 1), LATE, 1),
    ("leap_day_plus_three_days_is_3_march",
     HUYEN, D(2024, 2, 29), None, D(2024, 3, 3), D(2024, 3, 3), NOT_DUE, 0),
    ("end_of_month_30_april_due_3_may",
     TINH, D(2024, 4, 30), None, D(2024, 5, 4), D(2024, 5, 3), MISSING, 1),
    ("end_of_year_31_december_due_1_january",
     DV, D(2024, 12, 31), D(2025, 1, 1), D(2025, 1, 2), D(2025, 1, 1), ON, 0),
]


@pytest.mark.parametrize(("level", "meeting", "report", "today", "due", "status", "late"),
                         [pytest.param(*row[1:], id=row[0]) for row in STATUS_TABLE])
def test_report_due_and_status(level: AttendeeLevel, meeting: date, report: date | None,
                               today: date, due: date | None, status: ReportStatus,
                               late: int) -> None:
    record = visit("Nguyễn Thị Lan", level, meeting, report)
    assert report_due(level, meeting) == due
    assert report_status(record, today) == status
    assert days_late(record, today) == late


def test_late_status_text_gives_the_days_late() -> None:
    record = visit("Nguyễn Thị Lan", HUYEN, D(2024, 5, 12), D(2024, 5, 16))
    assert status_text(record, D(2024, 5, 20)) == "Trễ hạn 1 ngày"


def test_level_given_as_plain_text_from_the_sheet_works() -> None:
    assert report_due("Cấp ủy viên cấp huyện", D(2024, 5, 12)) == D(2024, 5, 15)


@pytest.mark.parametrize(("moment", "status"), [
    # 15/05 16:59 UTC is 23:59 in Vietnam: still the due day.
    pytest.param(datetime(2024, 5, 15, 16, 59, tzinfo=UTC), ReportStatus.CHUA_DEN_HAN,
                 id="due_day_ends_at_midnight_vietnam_not_yet"),
    # 15/05 17:00 UTC is already 16/05 in Vietnam, though still the 15th in UTC.
    pytest.param(datetime(2024, 5, 15, 17, 0, tzinfo=UTC), ReportStatus.CHUA_BAO_CAO,
                 id="midnight_vietnam_passed_while_utc_still_on_due_day"),
])
def test_deadline_day_ends_at_midnight_in_vietnam(moment: datetime,
                                                  status: ReportStatus) -> None:
    record = visit("Nguyễn Thị Lan", HUYEN, D(2024, 5, 12))
    assert report_status(record, moment) == status


# --- periods ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "day", "label", "start", "end"), [
    pytest.param(XA, D(2024, 5, 17), "Tháng 5/2024", D(2024, 5, 1), D(2024, 5, 31),
                 id="commune_level_month"),
    pytest.param(DV, D(2024, 2, 10), "Tháng 2/2024", D(2024, 2, 1), D(2024, 2, 29),
                 id="ward_party_member_month_leap_february"),
    pytest.param(DV, D(2023, 2, 10), "Tháng 2/2023", D(2023, 2, 1), D(2023, 2, 28),
                 id="ward_party_member_month_plain_february"),
    pytest.param(XA, D(2024, 12, 31), "Tháng 12/2024", D(2024, 12, 1), D(2024, 12, 31),
                 id="commune_level_december"),
    pytest.param(HUYEN, D(2024, 1, 1), "Quý I/2024", D(2024, 1, 1), D(2024, 3, 31),
                 id="district_quarter_I_first_day"),
    pytest.param(HUYEN, D(2024, 3, 31), "Quý I/2024", D(2024, 1, 1), D(2024, 3, 31),
                 id="district_quarter_I_last_day"),
    pytest.param(HUYEN, D(2024, 4, 1), "Quý II/2024", D(2024, 4, 1), D(2024, 6, 30),
                 id="district_quarter_II"),
    pytest.param(HUYEN, D(2024, 9, 30), "Quý III/2024", D(2024, 7, 1), D(2024, 9, 30),
                 id="district_quarter_III"),
    pytest.param(HUYEN, D(2024, 10, 1), "Quý IV/2024", D(2024, 10, 1), D(2024, 12, 31),
                 id="district_quarter_IV"),
    pytest.param(TINH, D(2024, 6, 30), "6 tháng đầu năm 2024", D(2024, 1, 1), D(2024, 6, 30),
                 id="province_first_half_last_day"),
    pytest.param(TINH, D(2024, 7, 1), "6 tháng cuối năm 2024", D(2024, 7, 1), D(2024, 12, 31),
                 id="province_second_half_first_day"),
])
def test_period_label_and_boundaries(level: AttendeeLevel, day: date, label: str, start: date,
                                     end: date) -> None:
    period = period_of(level, day)
    assert (period.label, period.start, period.end) == (label, start, end)
    assert day in period


def test_periods_of_a_year_cover_it_without_gaps() -> None:
    quarters = periods_between(HUYEN, D(2024, 1, 1), D(2024, 12, 31))
    assert [p.label for p in quarters] == ["Quý I/2024", "Quý II/2024", "Quý III/2024",
                                           "Quý IV/2024"]
    assert len(periods_between(XA, D(2024, 1, 1), D(2024, 12, 31))) == 12


def test_recent_window_is_twelve_calendar_months_to_today() -> None:
    assert recent_window(D(2024, 5, 20)) == (D(2023, 6, 1), D(2024, 5, 20))


# --- compliance ------------------------------------------------------------------------------


def test_district_member_one_visit_in_q2_meets_q2_misses_q1() -> None:
    # The journey "A branch meeting": attended TDP 5 on the 12th, reported on the 16th.
    records = [visit("Trần Thị Hoa", HUYEN, D(2024, 5, 12), D(2024, 5, 16))]
    [row] = compliance(records, D(2024, 8, 20), 2024)
    assert [(p.period.label, p.visits, p.state) for p in row.periods] == [
        ("Quý I/2024", 0, Attainment.CHUA_DAT),
        ("Quý II/2024", 1, Attainment.DAT),
        ("Quý III/2024", 0, Attainment.DANG_DIEN_RA),
    ]
    assert [p.label for p in row.missing_periods] == ["Quý I/2024"]
    assert row.overall == Attainment.CHUA_DAT
    assert (row.late_reports, row.missing_reports) == (1, 0)


def test_commune_member_missing_one_month_is_behind_for_that_month_only() -> None:
    months = [1, 2, 4, 5, 6]  # March skipped
    records = [visit("Lê Văn Nam", XA, D(2024, m, 10)) for m in months]
    [row] = compliance(records, D(2024, 7, 15), 2024)
    assert [p.label for p in row.missing_periods] == ["Tháng 3/2024"]
    assert len(row.ended) == 6
    assert row.current is not None and row.current.period.label == "Tháng 7/2024"
    assert row.overall == Attainment.CHUA_DAT


def test_current_period_without_visit_yet_is_not_counted_missing() -> None:
    records = [visit("Lê Văn Nam", XA, D(2024, m, 10)) for m in range(1, 7)]
    [row] = compliance(records, D(2024, 7, 31), 2024)
    assert row.current is not None and row.current.state == Attainment.DANG_DIEN_RA
    assert row.missing_periods == []
    assert row.overall == Attainment.DAT


def test_last_day_of_a_quarter_is_still_in_progress() -> None:
    records = [visit("Trần Thị Hoa", HUYEN, D(2024, 2, 12))]
    [row] = compliance(records, D(2024, 6, 30), 2024)
    assert [(p.period.label, p.state) for p in row.periods] == [
        ("Quý I/2024", Attainment.DAT), ("Quý II/2024", Attainment.DANG_DIEN_RA)]


def test_past_year_counts_every_period_as_ended() -> None:
    records = [visit("Phạm Văn Sơn", TINH, D(2023, 3, 2))]
    [row] = compliance(records, D(2024, 8, 1), 2023)
    assert [p.label for p in row.missing_periods] == ["6 tháng cuối năm 2023"]
    assert row.current is None


def test_names_typed_with_different_case_and_nfd_group_together() -> None:
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Lan")
    records = [
        visit("Nguyễn Thị Lan", DV, D(2024, 1, 9), D(2024, 1, 10)),
        visit("nguyễn thị lan", DV, D(2024, 2, 9), D(2024, 2, 10)),
        visit(nfd, DV, D(2024, 3, 9), D(2024, 3, 10)),
        visit(" Nguyễn  Thị Lan", DV, D(2024, 4, 9)),
    ]
    rows = compliance(records, D(2024, 4, 30), 2024)
    assert len(rows) == 1
    assert rows[0].name == "Nguyễn Thị Lan"
    assert unicodedata.is_normalized("NFC", rows[0].name)
    assert rows[0].visits == 4 and rows[0].overall == Attainment.DAT
    assert rows[0].missing_reports == 1


def test_same_name_at_two_levels_is_two_attendees() -> None:
    records = [visit("Nguyễn Thị Lan", XA, D(2024, 1, 9)),
               visit("Nguyễn Thị Lan", HUYEN, D(2024, 1, 9))]
    assert {r.level for r in compliance(records, D(2024, 1, 20), 2024)} == {XA, HUYEN}


def test_behind_attendees_are_listed_first() -> None:
    records = [visit("An Văn Đạt", XA, D(2024, m, 5)) for m in (1, 2)]
    records.append(visit("Bùi Văn Tài", XA, D(2024, 2, 5)))
    rows = compliance(records, D(2024, 3, 10), 2024)
    assert [(r.name, r.overall) for r in rows] == [("Bùi Văn Tài", Attainment.CHUA_DAT),
                                                   ("An Văn Đạt", Attainment.DAT)]


def test_someone_who_stopped_attending_is_still_shown_behind() -> None:
    records = [visit("Trần Thị Hoa", HUYEN, D(2023, 11, 12))]
    [row] = compliance(records, D(2024, 8, 1), 2024)
    assert [p.label for p in row.missing_periods] == ["Quý I/2024", "Quý II/2024"]
    assert row.visits == 0


def test_date_window_counts_visits_over_whole_periods() -> None:
    records = [visit("Trần Thị Hoa", HUYEN, D(2024, 4, 2))]
    [row] = compliance(records, D(2024, 12, 1), (D(2024, 5, 1), D(2024, 9, 30)))
    assert [(p.period.label, p.met) for p in row.periods] == [("Quý II/2024", True),
                                                              ("Quý III/2024", False)]


# --- visits per branch -----------------------------------------------------------------------


def unit(name: str, kind: UnitKind = UnitKind.CHI_BO, complex_area: bool = False) -> dict[str, Any]:
    """Return a unit record."""
    return {"name": name, "kind": kind, "complex_area": complex_area}


def test_visits_per_branch_includes_zero_visit_branch_complex_first() -> None:
    units = [unit("Chi bộ Tổ dân phố 2"), unit("Chi bộ Tổ dân phố 10"),
             unit("Chi bộ Tổ dân phố 1", complex_area=True),
             unit("Tổ dân phố 1", UnitKind.TO_DAN_PHO)]
    records = [
        visit("Nguyễn Thị Lan", DV, D(2024, 3, 9), branch="Chi bộ Tổ dân phố 2"),
        visit("nguyen thi lan", DV, D(2024, 4, 9), branch="chi bo to dan pho 2"),
        visit("Lê Văn Nam", XA, D(2024, 4, 20), branch="Chi bộ Tổ dân phố 2"),
        visit("Lê Văn Nam", XA, D(2024, 5, 2), branch="Chi bộ Tổ dân phố 1"),
        visit("Lê Văn Nam", XA, D(2023, 5, 2), branch="Chi bộ Tổ dân phố 10"),  # outside
    ]
    rows = visits_per_branch(records, units, 2024)
    assert [(r.branch, r.complex_area, r.visits, r.last_visit, r.attendees) for r in rows] == [
        ("Chi bộ Tổ dân phố 1", True, 1, D(2024, 5, 2), 1),
        ("Chi bộ Tổ dân phố 10", False, 0, None, 0),
        ("Chi bộ Tổ dân phố 2", False, 3, D(2024, 4, 20), 2),
    ]


def test_visits_to_a_branch_no_longer_listed_are_still_counted() -> None:
    records = [visit("Lê Văn Nam", XA, D(2024, 5, 2), branch="Chi bộ Tổ dân phố 9")]
    [row] = visits_per_branch(records, [], 2024)
    assert (row.branch, row.visits) == ("Chi bộ Tổ dân phố 9", 1)


# --- monthly compilation ---------------------------------------------------------------------


def test_monthly_summary_counts_visits_people_branches_and_reports() -> None:
    units = [unit(TDP5, complex_area=True), unit("Chi bộ Tổ dân phố 6"),
             unit("Chi bộ Tổ dân phố 7")]
    records = [
        visit("Trần Thị Hoa", HUYEN, D(2024, 5, 12), D(2024, 5, 16)),
        visit("Nguyễn Thị Lan", DV, D(2024, 5, 9), D(2024, 5, 10)),
        visit("nguyễn thị lan", DV, D(2024, 5, 28)),
        visit("Lê Văn Nam", XA, D(2024, 5, 3), branch="Chi bộ Tổ dân phố 6"),
        visit("Lê Văn Nam", XA, D(2024, 6, 3)),  # another month
    ]
    summary = monthly_summary(records, D(2024, 5, 20), D(2024, 5, 30), units)
    assert summary.label == "Tháng 5/2024"
    assert (summary.visits, summary.attendees, summary.branches) == (4, 3, 2)
    assert summary.complex_area_visits == 3
    assert summary.unvisited_branches == ["Chi bộ Tổ dân phố 7"]
    assert summary.by_level == {TINH: 0, HUYEN: 1, XA: 1, DV: 2}
    assert summary.reports == {ReportStatus.DUNG_HAN: 1, ReportStatus.TRE_HAN: 1,
                               ReportStatus.CHUA_BAO_CAO: 1, ReportStatus.CHUA_DEN_HAN: 0,
                               ReportStatus.KHONG_YEU_CAU: 1}


def test_office_branches_are_left_out_once_units_say_which_are_residential() -> None:
    units = [{**unit("Chi bộ Tổ dân phố 1"), "residential": True},
             unit("Chi bộ Công an phường")]
    rows = visits_per_branch([], units, 2024)
    assert [r.branch for r in rows] == ["Chi bộ Tổ dân phố 1"]
