"""Attendance at residential branch meetings (seed 003): report deadlines, periods, compliance.

Every number comes from `services.reference.ATTENDANCE_RULES`: how many months a level's period
lasts (`every_months`) and how many days after the meeting its report is due
(`report_within_days`, None when the plan sets no deadline). Functions here are pure: they take
the records and "today" and never read the clock or the store themselves.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from services.choices import AttendeeLevel, UnitKind
from services.clock import VN_TZ
from services.reference import ATTENDANCE_RULES
from services.text import fold, name_sort_key, natural_key, nfc

Record = Mapping[str, Any]
# A window is a calendar year or an inclusive (first day, last day) range.
Window = int | tuple[date, date]

_ROMAN = ("I", "II", "III", "IV")
# Who is expected to attend in a window: anyone seen in it or in the 12 months before it, so
# someone who stopped attending altogether still shows as behind (there is no roster of members).
_LOOKBACK_MONTHS = 12


class ReportStatus(StrEnum):
    """Where the report after a meeting stands."""

    DUNG_HAN = "Đúng hạn"
    TRE_HAN = "Trễ hạn"
    CHUA_BAO_CAO = "Chưa báo cáo"
    CHUA_DEN_HAN = "Chưa đến hạn"
    KHONG_YEU_CAU = "Không yêu cầu"


class Attainment(StrEnum):
    """Whether an attendee has made the visits a period (or a whole window) requires."""

    DAT = "Đạt"
    CHUA_DAT = "Chưa đạt"
    DANG_DIEN_RA = "Kỳ đang diễn ra"


# --- report deadlines ------------------------------------------------------------------------


def vn_date(moment: date | datetime) -> date:
    """Return the Vietnamese calendar day of a moment (a naive datetime is taken as Vietnam's)."""
    if isinstance(moment, datetime):
        return moment.astimezone(VN_TZ).date() if moment.tzinfo else moment.date()
    return moment


def report_due(level: AttendeeLevel | str, meeting_date: date) -> date | None:
    """Return the last day a report is on time, or None when the level has no deadline."""
    within = ATTENDANCE_RULES[AttendeeLevel(level)].report_within_days
    # "Sau 03 ngày dự sinh hoạt, gửi báo cáo": attended on the 12th, due on the 15th.
    return None if within is None else meeting_date + timedelta(days=within)


def report_status(record: Record, today: date | datetime) -> ReportStatus:
    """Return whether a meeting's report came on time, late, not yet, or is not required."""
    due = report_due(record["level"], record["meeting_date"])
    reported = record.get("report_date")
    if due is None:
        return ReportStatus.KHONG_YEU_CAU
    if reported is not None:
        return ReportStatus.DUNG_HAN if reported <= due else ReportStatus.TRE_HAN
    # The due day itself is still on time: it ends at midnight in Vietnam.
    return ReportStatus.CHUA_BAO_CAO if vn_date(today) > due else ReportStatus.CHUA_DEN_HAN


def days_late(record: Record, today: date | datetime) -> int:
    """Return how many days past the due day a report came (or, if missing, has been waited)."""
    due = report_due(record["level"], record["meeting_date"])
    if due is None:
        return 0
    reported = record.get("report_date")
    last = reported if reported is not None else vn_date(today)
    return max(0, (last - due).days)


def status_text(record: Record, today: date | datetime) -> str:
    """Return the status as the list shows it, e.g. "Trễ hạn 1 ngày"."""
    status = report_status(record, today)
    late = days_late(record, today)
    if status == ReportStatus.TRE_HAN:
        return f"{status} {late} ngày"
    if status == ReportStatus.CHUA_BAO_CAO:
        return f"{status} (quá hạn {late} ngày)"
    return str(status)


# --- periods ---------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Period:
    """One period in which a level must attend once: a month, a quarter or a half-year."""

    start: date
    end: date
    label: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _label(year: int, first_month: int, months: int) -> str:
    if months == 1:
        return f"Tháng {first_month}/{year}"
    if months == 3:
        return f"Quý {_ROMAN[(first_month - 1) // 3]}/{year}"
    if months == 6:
        return f"6 tháng {'đầu' if first_month == 1 else 'cuối'} năm {year}"
    if months == 12:
        return f"Năm {year}"
    return f"Tháng {first_month}-{first_month + months - 1}/{year}"


def period_of(level: AttendeeLevel | str, day: date) -> Period:
    """Return the period of this level that contains the day."""
    months = ATTENDANCE_RULES[AttendeeLevel(level)].every_months
    first = (day.month - 1) // months * months + 1
    last = min(12, first + months - 1)
    return Period(date(day.year, first, 1), _month_end(day.year, last),
                  _label(day.year, first, months))


def periods_between(level: AttendeeLevel | str, first: date, last: date) -> list[Period]:
    """Return the level's periods that overlap the days from first to last, in order."""
    out: list[Period] = []
    day = first
    while day <= last:
        period = period_of(level, day)
        out.append(period)
        day = period.end + timedelta(days=1)
    return out


def window_dates(window: Window) -> tuple[date, date]:
    """Return the first and last day of a window (a year, or a range given as two dates)."""
    if isinstance(window, int):
        return date(window, 1, 1), date(window, 12, 31)
    first, last = window
    return first, last


def month_label(day: date) -> str:
    """Return a month as the office writes it, e.g. "Tháng 5/2024"."""
    return f"Tháng {day.month}/{day.year}"


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def recent_window(today: date | datetime, months: int = 12) -> tuple[date, date]:
    """Return the window of the last `months` calendar months, the current one included."""
    today = vn_date(today)
    return _months_before(today, months - 1), today


# --- compliance per attendee -----------------------------------------------------------------


@dataclass(frozen=True)
class PeriodResult:
    """How many times an attendee attended in one period, and whether that is enough."""

    period: Period
    visits: int
    in_progress: bool

    @property
    def met(self) -> bool:
        """Tell whether the period's one required visit was made."""
        return self.visits >= 1

    @property
    def state(self) -> Attainment:
        """Return Đạt, Chưa đạt, or "in progress" for the current period without a visit yet."""
        if self.met:
            return Attainment.DAT
        return Attainment.DANG_DIEN_RA if self.in_progress else Attainment.CHUA_DAT


@dataclass(frozen=True)
class AttendeeCompliance:
    """One attendee's visits per period of a window, and their reports."""

    name: str
    level: AttendeeLevel
    periods: tuple[PeriodResult, ...]
    visits: int
    late_reports: int
    missing_reports: int

    @property
    def ended(self) -> list[PeriodResult]:
        """Return the periods that are over."""
        return [p for p in self.periods if not p.in_progress]

    @property
    def current(self) -> PeriodResult | None:
        """Return the period in progress, if the window reaches today."""
        return next((p for p in self.periods if p.in_progress), None)

    @property
    def missing_periods(self) -> list[Period]:
        """Return the ended periods without a visit."""
        return [p.period for p in self.ended if not p.met]

    @property
    def overall(self) -> Attainment:
        """Return Đạt when every ended period had its visit, else Chưa đạt."""
        return Attainment.CHUA_DAT if self.missing_periods else Attainment.DAT

    def result_at(self, day: date) -> PeriodResult | None:
        """Return the result of the period that contains the day, if it is in the window."""
        return next((p for p in self.periods if day in p.period), None)


def attendee_key(name: str, level: AttendeeLevel | str) -> tuple[str, AttendeeLevel]:
    """Return what identifies an attendee: the name without case or accents, and the level."""
    return fold(name), AttendeeLevel(level)


def _usable(record: Record) -> bool:
    return bool(record.get("attendee")) and bool(record.get("level")) and isinstance(
        record.get("meeting_date"), date)


def compliance(records: Iterable[Record], today: date | datetime,
               window: Window) -> list[AttendeeCompliance]:
    """Return each attendee's required visits per period of the window, the behind first."""
    today = vn_date(today)
    first, last = window_dates(window)
    since = _months_before(first, _LOOKBACK_MONTHS)
    groups: dict[tuple[str, AttendeeLevel], list[Record]] = {}
    for record in records:
        if _usable(record) and since <= record["meeting_date"] <= last:
            groups.setdefault(attendee_key(record["attendee"], record["level"]), []).append(record)
    out: list[AttendeeCompliance] = []
    for (_, level), mine in groups.items():
        in_window = [r for r in mine if first <= r["meeting_date"] <= last]
        results = []
        for period in periods_between(level, first, min(last, today)):
            # Visits count over the whole period, even where the window cuts it.
            visits = sum(1 for r in mine if r["meeting_date"] in period)
            results.append(PeriodResult(period, visits, in_progress=period.end >= today))
        statuses = [report_status(r, today) for r in in_window]
        out.append(AttendeeCompliance(
            name=_shown_name(r["attendee"] for r in mine),
            level=level,
            periods=tuple(results),
            visits=len(in_window),
            late_reports=statuses.count(ReportStatus.TRE_HAN),
            missing_reports=statuses.count(ReportStatus.CHUA_BAO_CAO),
        ))
    order = list(AttendeeLevel)
    return sorted(out, key=lambda a: (a.overall != Attainment.CHUA_DAT, order.index(a.level),
                                      name_sort_key(a.name)))


def _shown_name(names: Iterable[str]) -> str:
    """Return the spelling typed most often (the first one on a tie), in NFC."""
    return Counter(nfc(n) for n in names).most_common(1)[0][0]


# --- visits per branch -----------------------------------------------------------------------


@dataclass(frozen=True)
class BranchVisits:
    """How often a branch's meetings were attended in a window."""

    branch: str
    complex_area: bool
    visits: int
    last_visit: date | None
    attendees: int


def visits_per_branch(records: Iterable[Record], units: Iterable[Record],
                      window: Window) -> list[BranchVisits]:
    """Return visits per branch, zero-visit branches included, complex areas first."""
    first, last = window_dates(window)
    chi_bo = [u for u in units if u.get("kind") == UnitKind.CHI_BO and u.get("name")]
    # Residential branches only, where the units say which they are (office branches such as
    # the police's are not visited under this plan); otherwise every chi bộ.
    residential = [u for u in chi_bo if u.get("residential")]
    branches = {fold(u["name"]): u for u in residential or chi_bo}
    dates: dict[str, list[date]] = {key: [] for key in branches}
    people: dict[str, set[tuple[str, AttendeeLevel]]] = {key: set() for key in branches}
    names = {key: str(u["name"]) for key, u in branches.items()}
    for record in records:
        if not _usable(record) or not record.get("branch"):
            continue
        if not first <= record["meeting_date"] <= last:
            continue
        key = fold(record["branch"])
        # A branch no longer in the units list (archived) still shows its visits.
        names.setdefault(key, nfc(record["branch"]))
        dates.setdefault(key, []).append(record["meeting_date"])
        people.setdefault(key, set()).add(attendee_key(record["attendee"], record["level"]))
    out = [
        BranchVisits(
            branch=names[key],
            complex_area=bool(branches.get(key, {}).get("complex_area")),
            visits=len(days),
            last_visit=max(days, default=None),
            attendees=len({name for name, _ in people[key]}),
        )
        for key, days in dates.items()
    ]
    return sorted(out, key=lambda b: (not b.complex_area, b.visits, natural_key(b.branch)))


# --- the monthly compilation -----------------------------------------------------------------


@dataclass(frozen=True)
class MonthlySummary:
    """The month's figures the grassroots committee reports to its Executive Committee."""

    month: date
    visits: int
    attendees: int
    branches: int
    complex_area_visits: int
    unvisited_branches: list[str]
    by_level: dict[AttendeeLevel, int]
    reports: dict[ReportStatus, int]

    @property
    def label(self) -> str:
        """Return the month as the office writes it, e.g. "Tháng 5/2024"."""
        return month_label(self.month)


def monthly_summary(records: Iterable[Record], month: date, today: date | datetime,
                    units: Iterable[Record] = ()) -> MonthlySummary:
    """Count the month's visits, attendees, branches and reports by status, for the compilation."""
    first = month.replace(day=1)
    last = _month_end(first.year, first.month)
    mine = [r for r in records if _usable(r) and first <= r["meeting_date"] <= last]
    branches = visits_per_branch(mine, units, (first, last))
    statuses = Counter(report_status(r, today) for r in mine)
    levels = Counter(AttendeeLevel(r["level"]) for r in mine)
    return MonthlySummary(
        month=first,
        visits=len(mine),
        attendees=len({attendee_key(r["attendee"], r["level"]) for r in mine}),
        branches=sum(1 for b in branches if b.visits),
        complex_area_visits=sum(b.visits for b in branches if b.complex_area),
        unvisited_branches=[b.branch for b in branches if not b.visits],
        by_level={level: levels.get(level, 0) for level in AttendeeLevel},
        reports={status: statuses.get(status, 0) for status in ReportStatus},
    )
