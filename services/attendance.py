"""Attendance at residential branch meetings (seed 003): report deadlines, periods, compliance.

Every number comes from `services.reference.ATTENDANCE_RULES`: how many months a level's period
lasts (`every_months`) and how many days after the meeting its report is due
(`report_within_days`, None when the plan sets no deadline). Who must attend comes from the
register (sheet "Người phải dự sinh hoạt"), with the dates each person is bound; only visits to
residential branches count. The Party Committee's assignment (sheet "Phân công dự sinh hoạt") is
followed here too: planned against done, and a proposed rotation, complex areas first.
Functions here are pure: they take the records and "today" and never read the clock or the store
themselves; `save_plan` alone writes, through the store and the same validation as a form.
"""

from __future__ import annotations

import calendar
import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import Any

from services.auth import Actor, require_sheet_write
from services.choices import AttendeeLevel, UnitKind
from services.clock import VN_TZ
from services.coltypes import format_number
from services.memo import per_snapshot
from services.reference import ATTENDANCE_RULES
from services.schema import ID, SHEETS
from services.store.base import Store, StoreError, new_id
from services.text import fold, name_sort_key, natural_key, nfc
from services.validation import Snapshot, validate_record

Record = Mapping[str, Any]
# A window is a calendar year or an inclusive (first day, last day) range.
Window = int | tuple[date, date]

_ROMAN = ("I", "II", "III", "IV")
# Without a register, who is expected to attend in a window: anyone seen in it or in the 12
# months before it, so someone who stopped attending altogether still shows as behind.
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
    # Logged, but not on the register of who must attend: neither met nor missed.
    NGOAI_DANH_SACH = "Chưa có trong danh sách phải dự"


class NotCounted(StrEnum):
    """Why a logged visit does not count toward the obligation of seed 003."""

    KHONG_PHAI_KHU_DAN_CU = "Không phải chi bộ khu dân cư"
    CHI_BO_MINH = "Chi bộ nơi mình sinh hoạt"


# --- report deadlines ------------------------------------------------------------------------


def vn_date(moment: date | datetime) -> date:
    """Return the Vietnamese calendar day of a moment (a naive datetime is taken as Vietnam's)."""
    if isinstance(moment, datetime):
        return moment.astimezone(VN_TZ).date() if moment.tzinfo else moment.date()
    return moment


@lru_cache(maxsize=1 << 14)  # every row of the log, on every rerun of the meetings page
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
    return _status_text(record["level"], record["meeting_date"], record.get("report_date"),
                        vn_date(today))


@lru_cache(maxsize=1 << 15)  # every row of the log, on every rerun of the meetings page
def _status_text(level: str, meeting_date: date, report_date: date | None, today: date) -> str:
    record = {"level": level, "meeting_date": meeting_date, "report_date": report_date}
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
class UncountedVisit:
    """A logged visit that does not count toward the obligation, and why."""

    branch: str
    day: date
    reason: NotCounted


@dataclass(frozen=True)
class AttendeeCompliance:
    """One attendee's visits per period of a window, and their reports."""

    name: str
    level: AttendeeLevel
    periods: tuple[PeriodResult, ...]
    visits: int  # the visits that count, in the window
    late_reports: int
    missing_reports: int
    # False for someone logged but not on the register of who must attend.
    required: bool = True
    uncounted: tuple[UncountedVisit, ...] = ()
    # The register's (from, to) dates; empty when judged from the log alone.
    terms: tuple[tuple[date, date | None], ...] = ()

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

    @cached_property  # asked of every person for every count and list of a page
    def overall(self) -> Attainment:
        """Return Đạt when every ended period had its visit, else Chưa đạt (or "not listed")."""
        if not self.required:
            return Attainment.NGOAI_DANH_SACH
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


def residential_branches(units: Iterable[Record]) -> set[str] | None:
    """Return the folded names of residential branches, or None when no unit says which."""
    found = {fold(str(u["name"])) for u in units
             if u.get("kind") == UnitKind.CHI_BO and u.get("name") and u.get("residential")}
    return found or None


# Why a visit does not count, or None when it does.
Reason = Callable[[Record], NotCounted | None]


def _reason(residential: set[str] | None,
            homes: Mapping[tuple[str, AttendeeLevel], str] | None = None) -> Reason:
    """Build the rule that says whether a logged visit counts toward the obligation."""

    def why(record: Record) -> NotCounted | None:
        branch = fold(str(record.get("branch") or ""))
        # Seed 003 is about residential branches: a visit to the police's or an office's
        # branch is kept in the log but does not count.
        if residential is not None and branch not in residential:
            return NotCounted.KHONG_PHAI_KHU_DAN_CU
        if AttendeeLevel(record["level"]) == AttendeeLevel.DANG_VIEN_XA:
            key = attendee_key(record["attendee"], record["level"])
            home = record.get("home_branch") or (homes or {}).get(key)
            if home and fold(str(home)) == branch:
                return NotCounted.CHI_BO_MINH
        return None

    return why


def _judge(level: AttendeeLevel, mine: Sequence[Record], spans: Iterable[tuple[date, date]],
           window: tuple[date, date], today: date, why: Reason, **fields: Any,
           ) -> AttendeeCompliance:
    """Judge one attendee over the periods of their level that overlap the spans."""
    first, last = window
    periods = sorted({p for start, end in spans for p in periods_between(level, start, end)})
    counted = [r for r in mine if why(r) is None]
    results = tuple(
        # Visits count over the whole period, even where the window or the dates cut it.
        PeriodResult(p, sum(1 for r in counted if r["meeting_date"] in p),
                     in_progress=p.end >= today)
        for p in periods)
    in_window = [r for r in mine if first <= r["meeting_date"] <= last]
    statuses = [report_status(r, today) for r in in_window]
    if "name" not in fields:
        fields["name"] = _shown_name(r["attendee"] for r in mine)
    return AttendeeCompliance(
        level=level,
        periods=results,
        visits=sum(1 for r in in_window if why(r) is None),
        late_reports=statuses.count(ReportStatus.TRE_HAN),
        missing_reports=statuses.count(ReportStatus.CHUA_BAO_CAO),
        uncounted=tuple(UncountedVisit(nfc(str(r.get("branch") or "")), r["meeting_date"], reason)
                        for r in in_window if (reason := why(r)) is not None),
        **fields,
    )


def _ordered(rows: Iterable[AttendeeCompliance]) -> list[AttendeeCompliance]:
    order = list(AttendeeLevel)
    return sorted(rows, key=lambda a: (a.overall != Attainment.CHUA_DAT, order.index(a.level),
                                       name_sort_key(a.name)))


def _by_attendee(records: Iterable[Record], first: date | None = None,
                 last: date | None = None) -> dict[tuple[str, AttendeeLevel], list[Record]]:
    groups: dict[tuple[str, AttendeeLevel], list[Record]] = {}
    for record in records:
        if not _usable(record):
            continue
        if (first and record["meeting_date"] < first) or (last and record["meeting_date"] > last):
            continue
        groups.setdefault(attendee_key(record["attendee"], record["level"]), []).append(record)
    return groups


def compliance(records: Iterable[Record], today: date | datetime, window: Window,
               units: Iterable[Record] | None = None) -> list[AttendeeCompliance]:
    """Return each attendee seen in the log, their visits per period of the window, behind first.

    This is the judgement without a register: who is expected is whoever was seen in the window
    or in the 12 months before it. Given `units`, only visits to residential branches count.
    """
    today = vn_date(today)
    first, last = window_dates(window)
    why = _reason(residential_branches(units) if units is not None else None)
    groups = _by_attendee(records, _months_before(first, _LOOKBACK_MONTHS), last)
    spans = [(first, min(last, today))]
    return _ordered(_judge(level, mine, spans, (first, last), today, why)
                    for (_, level), mine in groups.items())


@dataclass(frozen=True)
class Compliance:
    """Who must attend, judged per period of a window, and the "100% phải tham gia" rate."""

    window: tuple[date, date]
    people: tuple[AttendeeCompliance, ...]  # the register's people in the window, behind first
    unregistered: tuple[AttendeeCompliance, ...]  # logged visits of people not on the register
    from_register: bool  # False: no register yet, `people` are those seen in the log
    residential_known: bool  # False: no unit is marked "Khu dân cư", every chi bộ counts

    @property
    def total(self) -> int:
        """Return how many people must attend in the window."""
        return len(self.people)

    @cached_property
    def met(self) -> int:
        """Return how many of them made the visit of every ended period."""
        return sum(1 for p in self.people if p.overall == Attainment.DAT)

    @property
    def behind(self) -> list[AttendeeCompliance]:
        """Return the people who missed an ended period."""
        return [p for p in self.people if p.overall == Attainment.CHUA_DAT]

    @property
    def percent(self) -> float | None:
        """Return the share of people who met every ended period, in %, or None without people."""
        return 100 * self.met / self.total if self.total else None

    def percent_text(self) -> str:
        """Say the rate the way the office reports it: "85,7% (6/7 người)"."""
        if self.percent is None:
            return "—"
        return f"{format_number(self.percent, 1)}% ({self.met}/{self.total} người)"

    def notes(self) -> list[str]:
        """Say what the figures rest on, when it is less than the register and the units."""
        out = []
        if not self.from_register:
            out.append("Chưa có danh sách người phải dự sinh hoạt: đang tính theo những người đã "
                       "có lượt dự trong nhật ký, nên người chưa từng dự không hiện. Hãy nhập "
                       "danh sách ở trang Dự sinh hoạt chi bộ, thẻ “Người phải dự”.")
        if not self.residential_known:
            out.append("Chưa có chi bộ nào được đánh dấu “Khu dân cư” ở trang Đơn vị: đang tính "
                       "mọi chi bộ, kể cả chi bộ cơ quan.")
        return out


def _bound(entry: Record) -> bool:
    return bool(entry.get("full_name")) and bool(entry.get("level")) and isinstance(
        entry.get("from_date"), date)


def register_compliance(register: Iterable[Record], records: Iterable[Record],
                        units: Iterable[Record], today: date | datetime,
                        window: Window) -> Compliance:
    """Judge everyone on the register over the periods inside their dates (seed 003).

    A period partly inside a person's dates counts; periods before they were bound or after
    they left do not. People who never attended are listed. Logged visits of people not on the
    register are listed apart, never dropped. Without a register, fall back to the log.
    """
    today = vn_date(today)
    first, last = window_dates(window)
    residential = residential_branches(units)
    records = list(records)
    entries: dict[tuple[str, AttendeeLevel], list[Record]] = {}
    for entry in register:
        if _bound(entry):
            entries.setdefault(attendee_key(entry["full_name"], entry["level"]), []).append(entry)
    if not entries:
        return Compliance((first, last), tuple(compliance(records, today, window, units)), (),
                          from_register=False, residential_known=residential is not None)
    logged = _by_attendee(records)
    homes = {key: str(home) for key, mine in entries.items()
             if (home := next((e["home_branch"] for e in mine if e.get("home_branch")), None))}
    why = _reason(residential, homes)
    people = []
    for key, mine in entries.items():
        spans = [(max(first, e["from_date"]), min(last, today, e.get("to_date") or last))
                 for e in mine]
        spans = [(start, end) for start, end in spans if start <= end]
        if spans:
            people.append(_judge(key[1], logged.get(key, []), spans, (first, last), today, why,
                                 name=nfc(str(mine[0]["full_name"])),
                                 terms=tuple((e["from_date"], e.get("to_date")) for e in mine)))
    outside = [r for key, mine in logged.items() if key not in entries for r in mine]
    unregistered = [replace(row, required=False)
                    for row in compliance(outside, today, window, units)
                    if row.visits or row.uncounted]
    return Compliance((first, last), tuple(_ordered(people)), tuple(_ordered(unregistered)),
                      from_register=True, residential_known=residential is not None)


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


# --- the visit plan ----------------------------------------------------------------------------


class PlanState(StrEnum):
    """Where one planned visit stands."""

    DA_DU = "Đã dự"
    DANG_TRONG_KY = "Đang trong kỳ"
    CHUA_DEN_KY = "Chưa đến kỳ"
    QUA_HAN = "Quá hạn, chưa dự"


@dataclass(frozen=True)
class PlannedVisit:
    """One row of the Party Committee's assignment, and whether it was carried out."""

    record: Record
    attendee: str
    branch: str
    start: date
    end: date
    done_on: date | None
    state: PlanState

    @property
    def overdue(self) -> bool:
        """Tell whether the period is over without the visit."""
        return self.state == PlanState.QUA_HAN


def _planned(record: Record) -> bool:
    return (bool(record.get("attendee")) and bool(record.get("branch"))
            and isinstance(record.get("period_start"), date)
            and isinstance(record.get("period_end"), date))


def plan_progress(plan: Iterable[Record], register: Iterable[Record],
                  records: Iterable[Record], today: date | datetime) -> list[PlannedVisit]:
    """Judge each planned visit: done when that person attended that branch within its period.

    The plan names a register entry, whose level is known: a meeting matches by the person's
    name (without case or accents), that level, and the branch (likewise).
    """
    today = vn_date(today)
    levels: dict[str, set[AttendeeLevel]] = {}
    for entry in register:
        if entry.get("full_name") and entry.get("level"):
            levels.setdefault(fold(str(entry["full_name"])), set()).add(
                AttendeeLevel(entry["level"]))
    held: dict[tuple[str, str], list[tuple[date, AttendeeLevel]]] = {}
    for record in records:
        if _usable(record) and record.get("branch"):
            key = fold(str(record["attendee"])), fold(str(record["branch"]))
            held.setdefault(key, []).append((record["meeting_date"],
                                             AttendeeLevel(record["level"])))
    out = []
    for row in plan:
        if not _planned(row):
            continue
        person, start, end = fold(str(row["attendee"])), row["period_start"], row["period_end"]
        wanted = levels.get(person)
        days = sorted(day for day, level in held.get((person, fold(str(row["branch"]))), [])
                      if start <= day <= end and (not wanted or level in wanted))
        done = days[0] if days else None
        if done is not None:
            state = PlanState.DA_DU
        elif today > end:
            state = PlanState.QUA_HAN
        else:
            state = PlanState.CHUA_DEN_KY if today < start else PlanState.DANG_TRONG_KY
        out.append(PlannedVisit(row, nfc(str(row["attendee"])), nfc(str(row["branch"])), start,
                                end, done, state))
    return sorted(out, key=lambda v: (v.start, name_sort_key(v.attendee), natural_key(v.branch)))


@dataclass(frozen=True)
class PlanTally:
    """Planned against done for one person or one branch."""

    name: str
    planned: int
    done: int
    overdue: int
    complex_area: bool = False

    @property
    def open(self) -> int:
        """Return the planned visits whose period is not over yet and not done."""
        return self.planned - self.done - self.overdue


def _tally(visits: Iterable[PlannedVisit], name: Callable[[PlannedVisit], str],
           shown: dict[str, str] | None = None) -> dict[str, PlanTally]:
    counts: dict[str, Counter[PlanState]] = {key: Counter() for key in shown or {}}
    names = dict(shown or {})
    for visit in visits:
        key = fold(name(visit))
        names.setdefault(key, name(visit))
        counts.setdefault(key, Counter())[visit.state] += 1
    return {key: PlanTally(names[key], sum(c.values()), c[PlanState.DA_DU], c[PlanState.QUA_HAN])
            for key, c in counts.items()}


def plan_by_person(visits: Iterable[PlannedVisit]) -> list[PlanTally]:
    """Return planned, done and overdue visits per person, the most overdue first."""
    return sorted(_tally(visits, lambda v: v.attendee).values(),
                  key=lambda t: (-t.overdue, name_sort_key(t.name)))


def plan_by_branch(visits: Iterable[PlannedVisit], units: Iterable[Record]) -> list[PlanTally]:
    """Return planned and done visits per residential branch (unplanned ones too), complex first."""
    units = list(units)
    residential = residential_branches(units)
    branches = {fold(str(u["name"])): u for u in units
                if u.get("kind") == UnitKind.CHI_BO and u.get("name")
                and (residential is None or fold(str(u["name"])) in residential)}
    tallies = _tally(visits, lambda v: v.branch,
                     {key: str(u["name"]) for key, u in branches.items()})
    out = [replace(t, complex_area=bool(branches.get(key, {}).get("complex_area")))
           for key, t in tallies.items()]
    return sorted(out, key=lambda t: (not t.complex_area, -t.overdue, natural_key(t.name)))


def _exists_during(unit: Record, start: date, end: date) -> bool:
    since, until = unit.get("valid_from"), unit.get("valid_to")
    return (since is None or since <= end) and (until is None or until >= start)


def rotation_branches(units: Iterable[Record], start: date, end: date) -> list[Record]:
    """Return the residential branches that exist in the period, complex areas first."""
    units = [u for u in units if u.get("kind") == UnitKind.CHI_BO and u.get("name")
             and _exists_during(u, start, end)]
    residential = residential_branches(units)
    chosen = [u for u in units if residential is None or fold(str(u["name"])) in residential]
    return sorted(chosen, key=lambda u: (not u.get("complex_area"), natural_key(str(u["name"]))))


def propose_rotation(register: Iterable[Record], units: Iterable[Record], day: date,
                     plan: Iterable[Record] = (), records: Iterable[Record] = ()) -> list[Record]:
    """Propose who visits which residential branch in the periods containing `day`.

    Everyone bound on some day of their level's period (the month, quarter or half-year holding
    `day`) and not yet planned for it gets one branch other than their own. Complex areas come
    first and more often (each counts as half a visit when spreading the load), and among the
    least loaded branches each person goes where they have been least (rotation), from the log
    and earlier plans. The rows are ready for the "Phân công dự sinh hoạt" sheet; nothing is
    saved here.
    """
    plan = [r for r in plan if _planned(r)]
    # Names repeat across hundreds of rows; folding is the slow part of a large ward.
    key_of = lru_cache(maxsize=None)(lambda text: fold(str(text)))
    branches = rotation_branches(units, day, day)
    if not branches:
        return []
    names = {fold(str(u["name"])): str(u["name"]) for u in branches}
    weight = {fold(str(u["name"])): 2 if u.get("complex_area") else 1 for u in branches}
    # Load of each branch from what is already planned around the day.
    load: Counter[str] = Counter(key_of(r["branch"]) for r in plan
                                 if r["period_start"] <= day <= r["period_end"])
    been: Counter[tuple[str, str]] = Counter(
        (key_of(r["attendee"]), key_of(r["branch"]))
        for r in [*plan, *(m for m in records if m.get("attendee") and m.get("branch"))])
    assigned: dict[str, list[tuple[date, date]]] = {}
    for r in plan:
        assigned.setdefault(key_of(r["attendee"]), []).append((r["period_start"],
                                                                   r["period_end"]))
    people: dict[tuple[str, AttendeeLevel], tuple[Record, Period]] = {}
    for entry in register:
        if not _bound(entry):
            continue
        key = attendee_key(entry["full_name"], entry["level"])
        period = period_of(key[1], day)
        to_date = entry.get("to_date")
        if key in people or entry["from_date"] > period.end or (to_date and to_date < period.start):
            continue
        if any(s <= period.end and e >= period.start for s, e in assigned.get(key[0], [])):
            continue  # already assigned in this period
        people[key] = entry, period
    order = list(AttendeeLevel)
    heap = [(load[k] / weight[k], weight[k] == 1, natural_key(names[k]), k) for k in names]
    heapq.heapify(heap)
    out = []
    ranked = sorted(people.items(), key=lambda p: (order.index(p[0][1]),
                                                   name_sort_key(str(p[1][0]["full_name"]))))
    for (person, _), (entry, period) in ranked:
        home = fold(str(entry.get("home_branch") or ""))

        def cost(k: str, home: str = home, person: str = person) -> tuple[bool, int]:
            return k == home, been[(person, k)]

        branch = _least_loaded(heap, cost)
        if branch is None:
            continue
        load[branch] += 1
        been[(person, branch)] += 1
        heapq.heappush(heap, (load[branch] / weight[branch], weight[branch] == 1,
                              natural_key(names[branch]), branch))
        out.append({"attendee": nfc(str(entry["full_name"])), "branch": names[branch],
                    "period_start": period.start, "period_end": period.end, "note": None})
    return out


def _least_loaded(heap: list[tuple[Any, ...]], cost: Callable[[str], tuple[bool, int]],
                  ) -> str | None:
    """Take from the heap the best branch among the least loaded ones, by the person's cost.

    The branches tied on load and kind are scanned until one costs nothing (the usual case), so
    a ward with hundreds of branches is not searched whole for every person.
    """
    popped: list[tuple[Any, ...]] = []
    best: tuple[Any, ...] | None = None
    while heap:
        if popped and heap[0][:2] != popped[0][:2] and best is not None and not best[0][0]:
            break  # past the tied branches, and one of them is allowed
        entry = heapq.heappop(heap)
        popped.append(entry)
        price = cost(entry[-1])
        if best is None or price < best[0]:
            best = price, entry
        if price == (False, 0):
            break
    if best is None or best[0][0]:
        for entry in popped:
            heapq.heappush(heap, entry)
        return None  # only the person's own branch is left
    for entry in popped:
        if entry is not best[1]:
            heapq.heappush(heap, entry)
    return str(best[1][-1])


@dataclass(frozen=True)
class PlanSave:
    """What happened to saving a proposed plan: every row saved, or none and why."""

    saved: list[Record]
    problems: list[str]

    @property
    def ok(self) -> bool:
        """Tell whether the rows were written."""
        return not self.problems


def save_plan(store: Store, snapshot: Snapshot, rows: Sequence[Mapping[str, Any]],
              actor: Actor) -> PlanSave:
    """Validate every proposed row as a form would, then append them all in one write."""
    try:
        require_sheet_write(actor, "visit_plan")
    except StoreError as err:
        return PlanSave([], [str(err)])
    sheet = SHEETS["visit_plan"]
    taken = set(snapshot["visit_plan"].by_id)
    records, problems = [], []
    for number, row in enumerate(rows, 1):
        record, found = validate_record("visit_plan", row, snapshot)
        problems += [f"Dòng {number} ({row.get('attendee')} – {row.get('branch')}), "
                     f"{p.column}: {p.message}" for p in found]
        record[ID] = new_id(sheet, taken)
        taken.add(record[ID])
        records.append(record)
    if problems:
        return PlanSave([], problems)
    if not records:
        return PlanSave([], ["Không có dòng phân công nào để lưu."])
    try:
        return PlanSave(store.append("visit_plan", records, actor.label), [])
    except StoreError as err:
        return PlanSave([], [str(err)])


# --- computed once per snapshot ----------------------------------------------------------------
# The meetings page reruns on every click; what it shows of a whole ward is judged once per
# snapshot (and day), from the active records as the page lists them.


@per_snapshot(8)
def compliance_of(snapshot: Snapshot, today: date, window: Window) -> Compliance:
    """Return `register_compliance` of the snapshot's register, log and units."""
    return register_compliance(snapshot["attendees"].active(), snapshot["meetings"].active(),
                               snapshot["units"].records, today, window)


@per_snapshot(8)
def branch_visits_of(snapshot: Snapshot, window: Window) -> tuple[BranchVisits, ...]:
    """Return `visits_per_branch` of the snapshot's log and active units."""
    return tuple(visits_per_branch(snapshot["meetings"].active(), snapshot["units"].active(),
                                   window))


@per_snapshot(8)
def monthly_summary_of(snapshot: Snapshot, month: date, today: date) -> MonthlySummary:
    """Return `monthly_summary` of the snapshot's log and active units."""
    return monthly_summary(snapshot["meetings"].active(), month, today,
                           snapshot["units"].active())


@per_snapshot(4)
def plan_progress_of(snapshot: Snapshot, today: date) -> tuple[PlannedVisit, ...]:
    """Return `plan_progress` of the snapshot's active plan, register and log."""
    return tuple(plan_progress(snapshot["visit_plan"].active(), snapshot["attendees"].active(),
                               snapshot["meetings"].active(), today))


@per_snapshot(8)
def proposal_of(snapshot: Snapshot, day: date) -> tuple[Record, ...]:
    """Return `propose_rotation` for the periods holding the day, from the active records."""
    return tuple(propose_rotation(snapshot["attendees"].active(), snapshot["units"].active(), day,
                                  snapshot["visit_plan"].active(), snapshot["meetings"].active()))


@per_snapshot(8)
def plan_year_of(snapshot: Snapshot, today: date, year: int) -> tuple[PlannedVisit, ...]:
    """Return the planned visits whose period touches the year, judged on the day."""
    return tuple(v for v in plan_progress_of(snapshot, today) if v.start.year <= year <= v.end.year)


@per_snapshot(8)
def plan_by_person_of(snapshot: Snapshot, today: date, year: int) -> tuple[PlanTally, ...]:
    """Return `plan_by_person` of the year's planned visits."""
    return tuple(plan_by_person(plan_year_of(snapshot, today, year)))


@per_snapshot(8)
def plan_by_branch_of(snapshot: Snapshot, today: date, year: int) -> tuple[PlanTally, ...]:
    """Return `plan_by_branch` of the year's planned visits, over the active units."""
    return tuple(plan_by_branch(plan_year_of(snapshot, today, year), snapshot["units"].active()))
