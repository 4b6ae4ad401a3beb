"""The leaders' dashboard: every figure it shows, computed once per snapshot.

Pure functions over a validated `Snapshot` (no Streamlit), built on the domain services so the
dashboard judges exactly as the pages do: `services.progress` for the indicators,
`services.campaign` for the "Dân vận khéo" deadlines, `services.attendance` for the branch
meetings, `services.roster` for the core force. What the dashboard adds is aggregation into a few
small frames (a chart gets a few dozen rows at most) and one list of what is overdue or due soon.

Speed: a snapshot never changes once read, so what is computed from it is kept (`dashboard`,
`indicator_view`, `indicator_trend`, in `services.memo`) and a rerun of the page with the same
snapshot, working year and day recomputes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import altair as alt
import pandas as pd

from services import attendance as att
from services import campaign as cp
from services import charts, progress, quality, roster, tasks
from services.choices import MemberStatus, TargetKind
from services.coltypes import format_date_vn, format_number
from services.memo import SnapshotMemo, clear_all
from services.text import natural_key
from services.validation import Snapshot

HORIZON_DAYS = 14  # "sắp đến hạn": a deadline within the next two weeks
CHART_ROWS = 15  # bars per chart where the ward could have hundreds of categories
NAMES_SHOWN = 5  # names spelled out in a sentence before "và N … khác"
GROUP_LABEL = 26  # characters of a Plan 48 group's name on a chart axis (phone width)

# Colours beside `charts.STATUS_COLORS`, for categories that are not a target's status: the
# same colour-blind-safe palette, done in green, late in orange, missing in vermillion.
GREEN, AMBER, RED = charts.BLUISH_GREEN, charts.ORANGE, charts.VERMILLION
GREY, LIGHT_GREY = charts.GREY, charts.LIGHT_GREY
REGISTERED, NOT_REGISTERED = "Đã đăng ký", "Chưa đăng ký"
REPORT_COLORS = {
    att.ReportStatus.DUNG_HAN: GREEN,
    att.ReportStatus.TRE_HAN: AMBER,
    att.ReportStatus.CHUA_BAO_CAO: RED,
    att.ReportStatus.CHUA_DEN_HAN: GREY,
    att.ReportStatus.KHONG_YEU_CAU: LIGHT_GREY,
}
ROSTER_COLORS = {MemberStatus.DA_PHE_DUYET: GREEN, MemberStatus.DE_XUAT: AMBER}
REGISTRATION_COLORS = {REGISTERED: GREEN, NOT_REGISTERED: RED}
AnyChart = alt.Chart | alt.LayerChart


# --- the list of what is overdue or due soon ---------------------------------------------------


class DueKind(StrEnum):
    """What kind of work a deadline is for (the "Loại" column)."""

    DANG_KY = "Đăng ký mô hình"
    BAO_CAO_MO_HINH = "Báo cáo kết quả mô hình"
    BAO_CAO_SINH_HOAT = "Báo cáo dự sinh hoạt"
    DU_SINH_HOAT = "Dự sinh hoạt theo phân công"
    CHI_TIEU = "Chỉ tiêu Kế hoạch 48"
    DOT_THI_DUA = "Đợt thi đua"
    NHIEM_VU = "Nhiệm vụ"


_KIND_ORDER = {kind: i for i, kind in enumerate(DueKind)}
# The screen where each kind of work is done: the dashboard links every urgent item to it.
DUE_PAGES = {
    DueKind.DANG_KY: "pages/registrations.py",
    DueKind.BAO_CAO_MO_HINH: "pages/registrations.py",
    DueKind.BAO_CAO_SINH_HOAT: "pages/meetings.py",
    DueKind.DU_SINH_HOAT: "pages/meetings.py",
    DueKind.CHI_TIEU: "pages/indicators.py",
    DueKind.DOT_THI_DUA: "pages/campaigns.py",
    DueKind.NHIEM_VU: "pages/tasks.py",
}
DUE_COLUMNS = ("Loại", "Việc", "Đơn vị/Người", "Hạn", "Tình trạng")


def due_status(days_left: int) -> str:
    """Say how a deadline stands: "Quá hạn 3 ngày", "Hôm nay là hạn cuối", "Còn 5 ngày"."""
    if days_left < 0:
        return f"Quá hạn {format_number(-days_left, 0)} ngày"
    if days_left == 0:
        return "Hôm nay là hạn cuối"
    return f"Còn {format_number(days_left, 0)} ngày"


@dataclass(frozen=True)
class DueItem:
    """One piece of work with a deadline that has passed or falls within the horizon."""

    kind: DueKind
    task: str
    who: str
    deadline: date
    days_left: int  # negative once the deadline has passed

    @property
    def status(self) -> str:
        """Return "Quá hạn 3 ngày" / "Còn 5 ngày"."""
        return due_status(self.days_left)

    @property
    def overdue(self) -> bool:
        """Tell whether the deadline has passed."""
        return self.days_left < 0

    @property
    def page(self) -> str:
        """Return the page file where this work is done (`DUE_PAGES`)."""
        return DUE_PAGES[self.kind]


def names_text(names: Sequence[str], noun: str, shown: int = NAMES_SHOWN) -> str:
    """Name the first few: "A, B, C và 12 đơn vị khác"."""
    rest = len(names) - shown
    return ", ".join(names[:shown]) + (f" và {format_number(rest, 0)} {noun} khác"
                                        if rest > 0 else "")


def _registration_due(snapshot: Snapshot, year: int, today: date, horizon: int,
                      covered: set[tuple[str, date]]) -> list[DueItem]:
    """Units that have not registered, against the registration deadline still relevant."""
    campaign = cp.default_campaign(cp.current_campaigns(snapshot, year), today)
    if campaign is None or campaign.get("register_by") is None:
        return []
    missing = [str(u["name"]) for u in cp.units_not_registered(snapshot, year)]
    last = cp.last_day(campaign["register_by"])  # "trước ngày X": the day before X
    left = cp.days_left(last, today)
    if not missing or left > horizon:
        return []
    covered.add((str(campaign["name"]), campaign["register_by"]))
    return [DueItem(DueKind.DANG_KY, f"Đăng ký mô hình – {campaign['name']}",
                    f"{format_number(len(missing), 0)} đơn vị chưa đăng ký: "
                    + names_text(missing, "đơn vị"),
                    last, left)]


def _results_due(snapshot: Snapshot, year: int, today: date, horizon: int,
                 covered: set[tuple[str, date]]) -> list[DueItem]:
    """Models without results, per campaign whose report deadline has passed or is near."""
    out = []
    for campaign in cp.current_campaigns(snapshot, year):
        report_by = campaign.get("report_by")
        if report_by is None or cp.days_left(cp.last_day(report_by), today) > horizon:
            continue
        pending = [r for r in cp.registrations_of(snapshot, [campaign["name"]])
                   if r.get("status") in cp.NOT_REPORTED]
        if not pending:
            continue
        covered.add((str(campaign["name"]), report_by))
        units = sorted({str(r.get("unit") or "") for r in pending}, key=natural_key)
        out.append(DueItem(DueKind.BAO_CAO_MO_HINH,
                           f"Báo cáo kết quả {format_number(len(pending), 0)} mô hình – "
                           f"{campaign['name']}",
                           names_text(units, "đơn vị"), cp.last_day(report_by),
                           cp.days_left(cp.last_day(report_by), today)))
    return out


def _attendance_due(meetings: Iterable[Mapping[str, Any]], today: date,
                    horizon: int) -> list[DueItem]:
    """Reports after a branch meeting not sent: one row per attendee, the oldest due first.

    Meetings of the last 12 months count (as the meetings page's default window), so a report
    missing since December still shows in January.
    """
    first, last = att.recent_window(today)
    waiting: dict[tuple[str, str], list[tuple[date, Mapping[str, Any]]]] = {}
    names: dict[tuple[str, str], str] = {}
    for record in meetings:
        held = record.get("meeting_date")
        if not record.get("attendee") or not record.get("level") or not isinstance(held, date):
            continue
        if not first <= held <= last or record.get("report_date") is not None:
            continue
        due = att.report_due(record["level"], held)
        if due is None or cp.days_left(due, today) > horizon:
            continue
        key = att.attendee_key(record["attendee"], record["level"])
        waiting.setdefault(key, []).append((due, record))
        names.setdefault(key, f"{record['attendee']} ({record['level']})")
    out = []
    for key, items in waiting.items():
        items.sort(key=lambda item: item[0])
        visits = [f"{r.get('branch') or 'chi bộ'} ngày {format_date_vn(r['meeting_date'])}"
                  for _, r in items]
        if len(items) == 1:
            task = f"Gửi báo cáo dự sinh hoạt {visits[0]}"
        else:
            task = (f"Gửi {len(items)} báo cáo dự sinh hoạt: " + "; ".join(visits[:3])
                    + ("; …" if len(items) > 3 else ""))
        oldest = items[0][0]
        out.append(DueItem(DueKind.BAO_CAO_SINH_HOAT, task, names[key], oldest,
                           cp.days_left(oldest, today)))
    return out


def _planned_visits_due(snapshot: Snapshot, today: date, horizon: int) -> list[DueItem]:
    """Planned branch visits not made: one row per person, the oldest period end first.

    Periods that ended in the last 12 months count (as the reports above), and those ending
    within the horizon.
    """
    first, _ = att.recent_window(today)
    waiting: dict[str, list[att.PlannedVisit]] = {}
    for visit in att.plan_progress(snapshot["visit_plan"].active(),
                                   snapshot["attendees"].records,
                                   snapshot["meetings"].active(), today):
        if (visit.state == att.PlanState.DA_DU or visit.end < first
                or cp.days_left(visit.end, today) > horizon):
            continue
        waiting.setdefault(visit.attendee, []).append(visit)
    out = []
    for person, visits in waiting.items():
        visits.sort(key=lambda v: v.end)
        where = [f"{v.branch} ({format_date_vn(v.start)} – {format_date_vn(v.end)})"
                 for v in visits]
        task = (f"Dự sinh hoạt {where[0]}" if len(visits) == 1 else
                f"Dự {len(visits)} buổi sinh hoạt theo phân công: " + "; ".join(where[:3])
                + ("; …" if len(visits) > 3 else ""))
        out.append(DueItem(DueKind.DU_SINH_HOAT, task, person, visits[0].end,
                           cp.days_left(visits[0].end, today)))
    return out


def _indicator_due(snapshot: Snapshot, today: date, horizon: int) -> list[DueItem]:
    """Indicators with a completion date ("trong quý I/2023") that are not met by it."""
    out = []
    for indicator in progress.indicators(snapshot):
        due = indicator.get("due_date")
        if due is None or cp.days_left(due, today) > horizon:
            continue
        years = set(progress.series(snapshot, indicator["code"]).years()) | {due.year}
        judged = [progress.evaluate(indicator, snapshot, y) for y in sorted(years)]
        if any(e.met for e in judged):
            continue  # done, in its year or later
        status = next(e for e in judged if e.year == due.year).status
        out.append(DueItem(DueKind.CHI_TIEU,
                           f"{progress.indicator_label(indicator)} ({str(status).lower()})",
                           str(indicator.get("advisory") or indicator.get("lead") or ""),
                           due, cp.days_left(due, today)))
    return out


# Who a campaign milestone concerns when no other row names anyone (by `Deadline.label`).
_MILESTONE_WHO = {"Hạn đăng ký": "Các đơn vị đã đăng ký đủ",
                  "Hạn báo cáo kết quả": "Không còn mô hình chờ báo cáo"}


def _milestones_due(snapshot: Snapshot, year: int, today: date, horizon: int,
                    covered: set[tuple[str, date]]) -> list[DueItem]:
    """The year's campaign deadlines in the next days that no other row speaks of."""
    out = []
    for campaign in cp.current_campaigns(snapshot, year):
        for deadline in cp.deadlines(campaign, today):
            if ((str(campaign["name"]), deadline.day) in covered
                    or not 0 <= deadline.remaining <= horizon):
                continue
            out.append(DueItem(DueKind.DOT_THI_DUA, f"{deadline.label} – {campaign['name']}",
                               _MILESTONE_WHO.get(deadline.label, "Các đơn vị đăng ký mô hình"),
                               deadline.last, deadline.remaining))
    return out


def _tasks_due(records: Sequence[Mapping[str, Any]], today: date,
               horizon: int) -> list[DueItem]:
    """Unfinished tasks past their deadline or due within the horizon (`services.tasks`)."""
    due = tasks.overdue_tasks(records, today) + tasks.upcoming_tasks(records, today, horizon)
    return [DueItem(DueKind.NHIEM_VU, tasks.task_label(t), str(t.get("responsible") or ""),
                    t["deadline"], cp.days_left(t["deadline"], today)) for t in due]


def due_items(snapshot: Snapshot, year: int, today: date,
              horizon: int = HORIZON_DAYS) -> list[DueItem]:
    """Return everything overdue or due within `horizon` days, most urgent first."""
    covered: set[tuple[str, date]] = set()
    items = (_registration_due(snapshot, year, today, horizon, covered)
             + _results_due(snapshot, year, today, horizon, covered)
             + _attendance_due(snapshot["meetings"].active(), today, horizon)
             + _planned_visits_due(snapshot, today, horizon)
             + _indicator_due(snapshot, today, horizon)
             + _milestones_due(snapshot, year, today, horizon, covered)
             + _tasks_due(snapshot["tasks"].active(), today, horizon))
    return sorted(items, key=lambda i: (i.days_left, _KIND_ORDER[i.kind], natural_key(i.task)))


def due_frame(items: Sequence[DueItem]) -> pd.DataFrame:
    """Return the list as a table: Loại, Việc, Đơn vị/Người, Hạn (dd/mm/yyyy), Tình trạng."""
    rows = [(str(i.kind), i.task, i.who, format_date_vn(i.deadline), i.status) for i in items]
    return pd.DataFrame(rows, columns=list(DUE_COLUMNS))


# --- Plan 48's indicators ----------------------------------------------------------------------


def latest_indicator_year(snapshot: Snapshot, working_year: int) -> int:
    """Return the latest year (up to the working year) with a value of an active indicator.

    Without any value, the year whose figures are normally entered: the one before. The
    headline of that year counts only the indicators with data, so a year with its first few
    figures is shown as "1/1 đạt, 18 chưa có số liệu", never as 18 failures.
    """
    years = [y for indicator in progress.indicators(snapshot)
             for y in progress.series(snapshot, indicator["code"]).years() if y <= working_year]
    return max(years) if years else progress.last_completed_year(working_year)


def indicator_headline(met: int, with_data: int, unknown: int) -> str:
    """Say "12/15 đạt, 4 chưa có số liệu": an indicator without data is not counted as failed."""
    head = (f"{format_number(met, 0)}/{format_number(with_data, 0)} đạt" if with_data
            else "Chưa có số liệu")
    if with_data and unknown:
        head += f", {format_number(unknown, 0)} chưa có số liệu"
    return head


STATUS_COUNT_COLUMNS = ("Nhóm", "Trạng thái", "Số chỉ tiêu")


def group_label(group: str) -> str:
    """Shorten a Plan 48 group's name for a chart axis."""
    return progress.short_text(group, GROUP_LABEL)


def status_counts(evaluations: Iterable[progress.Evaluation]) -> pd.DataFrame:
    """Count indicators per Plan 48 group and status, groups in plan order, zeros left out."""
    rows = []
    for group, items in progress.by_group(evaluations):
        tally = Counter(str(e.status) for e in items)
        rows += [(group_label(group), str(s), tally[str(s)]) for s in progress.Status
                 if tally[str(s)]]
    return pd.DataFrame(rows, columns=list(STATUS_COUNT_COLUMNS))


@dataclass(frozen=True)
class IndicatorView:
    """Every indicator judged in one year, counted and tabled per Plan 48 group."""

    year: int
    evaluations: tuple[progress.Evaluation, ...]
    counts: pd.DataFrame  # Nhóm / Trạng thái / Số chỉ tiêu
    tables: tuple[tuple[str, pd.DataFrame], ...]  # (group, progress_frame) in plan order

    @property
    def total(self) -> int:
        """Return how many indicators there are."""
        return len(self.evaluations)

    @property
    def met(self) -> int:
        """Return how many are met or on track."""
        return sum(e.met is True for e in self.evaluations)

    @property
    def behind(self) -> int:
        """Return how many are not met or behind."""
        return sum(e.met is False for e in self.evaluations)

    @property
    def unknown(self) -> int:
        """Return how many have no figure for the year."""
        return sum(e.met is None for e in self.evaluations)

    @property
    def with_data(self) -> int:
        """Return how many have a figure for the year (met or not): what the headline counts."""
        return self.total - self.unknown

    @property
    def has_data(self) -> bool:
        """Tell whether any indicator has a figure for the year."""
        return self.unknown < self.total

    def headline(self) -> str:
        """Say "12/15 đạt, 4 chưa có số liệu": met out of those with data, never the rest."""
        return indicator_headline(self.met, self.with_data, self.unknown)

    def default_trend(self) -> str | None:
        """Return the code whose trend to show first: the first one behind, else with data."""
        # A typed indicator has figures for past years; a derived one often only this year's.
        behind = [e.code for e in self.evaluations if e.met is False and not e.derived]
        known = [e.code for e in self.evaluations if e.met is not None]
        codes = behind or known or [e.code for e in self.evaluations]
        return codes[0] if codes else None


def build_indicator_view(snapshot: Snapshot, year: int) -> IndicatorView:
    """Judge every indicator in the year with `services.progress` and tabulate the result."""
    evaluations = tuple(progress.evaluate_all(snapshot, year))
    tables = tuple((group, progress.progress_frame(items))
                   for group, items in progress.by_group(evaluations))
    return IndicatorView(year, evaluations, status_counts(evaluations), tables)


@dataclass(frozen=True)
class Trend:
    """One indicator's figures per year, with what its chart compares them to."""

    code: str
    label: str
    kind: str
    unit: str
    frame: pd.DataFrame  # Năm / Giá trị: the year's figure (the level for a change per year)
    target: float | None = None
    target_max: float | None = None
    # A change per year: the level the plan's pace leads to from the first year (Năm / Lộ trình).
    path: pd.DataFrame | None = None

    @property
    def empty(self) -> bool:
        """Tell whether no year has a figure."""
        return self.frame.empty


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def build_trend(snapshot: Snapshot, code: str, last_year: int) -> Trend | None:
    """Return an indicator's figure per year from the plan's start up to `last_year`."""
    indicator = progress.find_indicator(snapshot, code)
    if indicator is None:
        return None
    years = set(range(progress.PLAN_FIRST_YEAR, last_year + 1))
    years |= {y for y in progress.series(snapshot, indicator["code"]).years() if y <= last_year}
    evaluations = [progress.evaluate(indicator, snapshot, y) for y in sorted(years)]
    raw = progress.trend_frame(evaluations)
    frame = (raw.loc[raw["level"].notna(), ["year", "level"]]
             .rename(columns={"year": "Năm", "level": "Giá trị"})
             .astype({"Năm": int, "Giá trị": float}).reset_index(drop=True))
    kind = str(indicator.get("target_kind") or "")
    unit = next((e.unit for e in evaluations), str(indicator.get("unit") or ""))
    target, high = _number(indicator.get("target_value")), _number(indicator.get("target_max"))
    label = progress.indicator_label(indicator)
    if kind == TargetKind.THAY_DOI:
        path = None
        if not frame.empty and target is not None:
            first = int(frame["Năm"].iloc[0])
            start = float(frame["Giá trị"].iloc[0])
            path = pd.DataFrame({"Năm": list(range(first, last_year + 1))})
            path["Lộ trình"] = [round(start + target * (y - first), 6) for y in path["Năm"]]
        return Trend(indicator["code"], label, kind, unit, frame, path=path)
    if indicator.get("derived") or kind == TargetKind.BAO_PHU:
        # Measured as the % of units; a count target ("ít nhất 01 mô hình") means every unit.
        if not (indicator.get("unit") == "%" and target is not None):
            target = 100.0
        return Trend(indicator["code"], label, kind, "%", frame, target=target)
    if kind == TargetKind.CO_KHONG:
        return Trend(indicator["code"], label, kind, "1 = Có, 0 = Không", frame, target=1.0)
    return Trend(indicator["code"], label, kind, unit, frame, target=target,
                 target_max=high if kind == TargetKind.KHOANG else None)


def trend_chart(trend: Trend) -> AnyChart:
    """Draw a trend: `charts.trend` with the target's rule or band; a change with its path."""
    if trend.path is None:
        return charts.trend(trend.frame, target=trend.target, target_max=trend.target_max,
                            unit=trend.unit)
    title = f"Giá trị ({trend.unit})" if trend.unit else "Giá trị"
    x = alt.X("Năm:O", title=None, axis=alt.Axis(labelAngle=0))
    actual = alt.Chart(trend.frame).mark_line(color=charts.ACCENT, point=True).encode(
        x=x, y=alt.Y("Giá trị:Q", title=title, axis=alt.Axis(format=",.1~f"),
                     scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("Năm:O"), alt.Tooltip("Giá trị:Q", format=",.2~f")])
    path = alt.Chart(trend.path).mark_line(color=charts.TARGET, strokeDash=[6, 4]).encode(
        x=x, y=alt.Y("Lộ trình:Q"),
        tooltip=[alt.Tooltip("Năm:O"), alt.Tooltip("Lộ trình:Q", format=",.2~f",
                                                   title="Lộ trình chỉ tiêu")])
    return charts.style(alt.layer(path, actual), height=220)


# --- "Dân vận khéo" models ---------------------------------------------------------------------


@dataclass(frozen=True)
class RegistrationView:
    """The year's registrations and the campaign's compliance."""

    year: int
    campaigns: tuple[str, ...]
    # "Hạn đăng ký Đợt 2: trước ngày 15/07/2026 · hạn cuối 14/07/2026: đã hết hạn (130 ngày trước)"
    deadline: str
    total: int
    by_field: pd.DataFrame  # Lĩnh vực / Số mô hình
    by_status: pd.DataFrame  # Trạng thái / Số mô hình
    by_kind: pd.DataFrame  # Loại đơn vị / Tình trạng / Số đơn vị
    must_register: int
    not_registered: pd.DataFrame  # Đơn vị / Loại đơn vị / Người phụ trách / Số điện thoại
    overdue: pd.DataFrame  # Đơn vị / Tên mô hình / Hạn cuối báo cáo / Số ngày quá hạn / Đợt thi đua
    # Mô hình mới hay tiếp nối / Số mô hình
    by_origin: pd.DataFrame
    # Việc / Đơn vị / Tên mô hình / Ngày / Hạn cuối / Số ngày muộn / Đợt thi đua
    late: pd.DataFrame

    @property
    def registered_units(self) -> int:
        """Return how many units that must register have registered."""
        return self.must_register - len(self.not_registered)


def build_registrations(snapshot: Snapshot, year: int, today: date) -> RegistrationView:
    """Count the year's models by field and status; who has not registered; who is late."""
    campaigns = cp.current_campaigns(snapshot, year)
    records = cp.registrations_of(snapshot, year)
    summary = cp.summarise(records)
    deadline = ""
    default = cp.default_campaign(campaigns, today)
    if default is not None and default.get("register_by"):
        deadline = (f"Hạn đăng ký {default['name']}: "
                    f"{cp.Deadline('', default['register_by'], today).text()}")
    must = cp.units_that_must_register(snapshot, year)
    missing = cp.units_not_registered(snapshot, year) if campaigns else []
    missing_names = {u["name"] for u in missing}
    per_kind: Counter[tuple[str, str]] = Counter(
        (str(u.get("kind") or "Khác"), NOT_REGISTERED if u["name"] in missing_names
         else REGISTERED) for u in must) if campaigns else Counter()
    kinds = sorted({k for k, _ in per_kind}, key=lambda k: -sum(
        n for (kind, _), n in per_kind.items() if kind == k))
    by_kind = pd.DataFrame([(k, s, per_kind[(k, s)]) for k in kinds
                            for s in (REGISTERED, NOT_REGISTERED) if per_kind[(k, s)]],
                           columns=["Loại đơn vị", "Tình trạng", "Số đơn vị"])
    not_registered = pd.DataFrame(
        [(u["name"], str(u.get("kind") or ""), u.get("head") or "", u.get("phone") or "")
         for u in missing], columns=["Đơn vị", "Loại đơn vị", "Người phụ trách", "Số điện thoại"])
    overdue = pd.DataFrame(
        [(o.registration.get("unit"), o.registration.get("model_name"),
          format_date_vn(o.last), o.days_overdue, o.campaign["name"])
         for o in cp.overdue_results(snapshot, today, year)],
        columns=["Đơn vị", "Tên mô hình", "Hạn cuối báo cáo", "Số ngày quá hạn", "Đợt thi đua"])
    late = pd.DataFrame(
        [(what, x.registration.get("unit"), x.registration.get("model_name"),
          format_date_vn(x.done_on), format_date_vn(x.last), x.days_late, x.campaign["name"])
         for what, found in (("Đăng ký", cp.late_registrations(snapshot, year)),
                             ("Báo cáo kết quả", cp.late_results(snapshot, year)))
         for x in found],
        columns=["Việc", "Đơn vị", "Tên mô hình", "Ngày", "Hạn cuối", "Số ngày muộn",
                 "Đợt thi đua"])
    return RegistrationView(
        year=year,
        campaigns=tuple(str(c["name"]) for c in campaigns),
        deadline=deadline,
        total=summary.total,
        by_field=pd.DataFrame(summary.by_field, columns=["Lĩnh vực", "Số mô hình"]),
        by_status=pd.DataFrame(summary.by_status, columns=["Trạng thái", "Số mô hình"]),
        by_kind=by_kind,
        must_register=len(must),
        not_registered=not_registered,
        overdue=overdue,
        by_origin=pd.DataFrame(summary.by_origin, columns=["Mô hình mới hay tiếp nối",
                                                           "Số mô hình"]),
        late=late,
    )


# --- attendance at branch meetings -------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceView:
    """The year's attendance compliance and the last 12 months' visits per branch."""

    year: int
    attendees: int
    behind: int
    late_reports: int
    missing_reports: int
    by_level: pd.DataFrame  # Cấp / Đánh giá / Số người
    reports: pd.DataFrame  # Tình trạng báo cáo / Số lượt
    people: pd.DataFrame  # the behind, or with late or missing reports, the behind first
    branches: pd.DataFrame  # every branch, the least visited first
    neglected: pd.DataFrame  # the first CHART_ROWS of `branches`: Chi bộ / Số lượt dự
    unvisited: tuple[str, ...]
    window: tuple[date, date]
    percent: str = "—"  # "100% phải tham gia": "85,7% (6/7 người)"
    notes: tuple[str, ...] = ()  # what the figures rest on when there is no register yet
    unregistered: tuple[str, ...] = ()  # logged, not on the register of who must attend


def build_attendance(snapshot: Snapshot, year: int, today: date) -> AttendanceView:
    """Judge each attendee's visits in the year; count visits per branch in the last 12 months."""
    meetings = snapshot["meetings"].active()
    judged = att.register_compliance(snapshot["attendees"].active(), meetings,
                                     snapshot["units"].records, today, year)
    rows = judged.people
    levels = Counter((str(r.level), str(r.overall)) for r in rows)
    by_level = pd.DataFrame(
        [(str(level), str(state), levels[(str(level), str(state))])
         for level in att.AttendeeLevel for state in (att.Attainment.DAT, att.Attainment.CHUA_DAT)
         if levels[(str(level), str(state))]],
        columns=["Cấp", "Đánh giá", "Số người"])
    first, last = att.window_dates(year)
    statuses = Counter(att.report_status(r, today) for r in meetings
                       if isinstance(r.get("meeting_date"), date) and r.get("level")
                       and first <= r["meeting_date"] <= last)
    reports = pd.DataFrame([(str(s), statuses[s]) for s in att.ReportStatus if statuses[s]],
                           columns=["Tình trạng báo cáo", "Số lượt"])
    people = pd.DataFrame(
        [(r.name, str(r.level), ", ".join(p.label for p in r.missing_periods), r.visits,
          r.late_reports, r.missing_reports, str(r.overall))
         for r in rows
         if r.overall == att.Attainment.CHUA_DAT or r.late_reports or r.missing_reports],
        columns=["Người dự", "Cấp", "Kỳ chưa dự", "Số lượt dự", "Báo cáo trễ", "Chưa báo cáo",
                 "Đánh giá"])
    window = att.recent_window(today)
    visits = sorted(att.visits_per_branch(meetings, snapshot["units"].active(), window),
                    key=lambda b: (b.visits, not b.complex_area, natural_key(b.branch)))
    branches = pd.DataFrame(
        [(b.branch, "Có" if b.complex_area else "", b.visits, format_date_vn(b.last_visit),
          b.attendees) for b in visits],
        columns=["Chi bộ", "Địa bàn phức tạp", "Số lượt dự", "Lần dự gần nhất", "Số người dự"])
    return AttendanceView(
        year=year,
        attendees=len(rows),
        behind=sum(r.overall == att.Attainment.CHUA_DAT for r in rows),
        late_reports=sum(r.late_reports for r in rows),
        missing_reports=sum(r.missing_reports for r in rows),
        by_level=by_level,
        reports=reports,
        people=people,
        branches=branches,
        neglected=branches.loc[:, ["Chi bộ", "Số lượt dự"]].head(CHART_ROWS),
        unvisited=tuple(b.branch for b in visits if not b.visits),
        window=window,
        percent=judged.percent_text(),
        notes=tuple(judged.notes()),
        unregistered=tuple(f"{r.name} ({r.level})" for r in judged.unregistered),
    )


# --- the core force ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterView:
    """Core-force coverage per residential group."""

    groups: int
    with_list: int
    without_list: tuple[str, ...]
    pending: int  # groups with members still waiting for approval
    chart: pd.DataFrame  # Tổ dân phố / Trạng thái / Số người, at most CHART_ROWS × 2 groups
    charted_all: bool  # False: only the groups with a list and the fewest approved members
    table: pd.DataFrame  # `roster.coverage_frame`


def build_roster(snapshot: Snapshot) -> RosterView:
    """Count approved and proposed members per group with `services.roster.coverage`."""
    coverage = roster.coverage(snapshot)
    rows = list(coverage.rows)
    limit = 2 * CHART_ROWS
    charted_all = len(rows) <= limit
    if not charted_all:
        # Too many to draw: the groups with a list but the fewest approved members (those
        # without a list are named beside the chart).
        rows = sorted((r for r in rows if r.has_list),
                      key=lambda r: (r.approved, r.active, natural_key(r.tdp)))[:limit]
    chart = pd.DataFrame(
        [(r.tdp, str(status), n) for r in rows
         for status, n in ((MemberStatus.DA_PHE_DUYET, r.approved), (MemberStatus.DE_XUAT,
                                                                     r.proposed))],
        columns=["Tổ dân phố", "Trạng thái", "Số người"])
    return RosterView(
        groups=len(coverage.rows),
        with_list=coverage.with_list_count,
        without_list=tuple(coverage.without_list),
        pending=len(coverage.pending),
        chart=chart,
        charted_all=charted_all,
        table=roster.coverage_frame(coverage),
    )


# --- tasks and the core force's reports -------------------------------------------------------


@dataclass(frozen=True)
class TasksView:
    """The figures of the tasks and of the core force's reports."""

    tasks: int
    overdue_tasks: int
    due_soon_tasks: int
    reports: int
    unhandled_reports: int


def build_tasks(snapshot: Snapshot, today: date, horizon: int = HORIZON_DAYS) -> TasksView:
    """Count overdue and upcoming tasks and unhandled core-force reports (`services.tasks`)."""
    records, reports = snapshot["tasks"].active(), snapshot["member_reports"].active()
    return TasksView(
        tasks=len(records),
        overdue_tasks=len(tasks.overdue_tasks(records, today)),
        due_soon_tasks=len(tasks.upcoming_tasks(records, today, horizon)),
        reports=len(reports),
        unhandled_reports=len(tasks.unhandled_reports(reports)),
    )


# --- key figures and the whole model -----------------------------------------------------------


@dataclass(frozen=True)
class KeyFigures:
    """The row of figures at the top of the dashboard."""

    indicator_year: int
    indicators_met: int
    indicators_total: int
    indicators_behind: int
    indicators_unknown: int
    indicators_with_data: int  # the headline's denominator: "12/15 đạt, 4 chưa có số liệu"
    has_campaign: bool
    models_registered: int
    units_must_register: int
    units_not_registered: int
    overdue_results: int
    attendees: int
    attendees_behind: int
    late_reports: int
    missing_reports: int
    groups: int
    groups_without_list: int

    def indicator_headline(self) -> str:
        """Say "12/15 đạt, 4 chưa có số liệu" for the indicator year."""
        return indicator_headline(self.indicators_met, self.indicators_with_data,
                                  self.indicators_unknown)


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows except the chosen year's indicators and trend."""

    year: int
    today: date
    excluded: int  # rows left out because of errors
    indicator_year: int  # the latest year with figures: the selector's default
    indicators: IndicatorView  # of `indicator_year`
    figures: KeyFigures
    due: tuple[DueItem, ...]
    due_table: pd.DataFrame
    registrations: RegistrationView
    attendance: AttendanceView
    roster: RosterView


def build(snapshot: Snapshot, year: int, today: date) -> Dashboard:
    """Compute the whole dashboard for the working year on the day (no cache)."""
    indicator_year = latest_indicator_year(snapshot, year)
    indicators = indicator_view(snapshot, indicator_year)
    registrations = build_registrations(snapshot, year, today)
    attendance = build_attendance(snapshot, year, today)
    core = build_roster(snapshot)
    due = tuple(due_items(snapshot, year, today))
    figures = KeyFigures(
        indicator_year=indicator_year,
        indicators_met=indicators.met,
        indicators_total=indicators.total,
        indicators_behind=indicators.behind,
        indicators_unknown=indicators.unknown,
        indicators_with_data=indicators.with_data,
        has_campaign=bool(registrations.campaigns),
        models_registered=registrations.total,
        units_must_register=registrations.must_register,
        units_not_registered=len(registrations.not_registered),
        overdue_results=len(registrations.overdue),
        attendees=attendance.attendees,
        attendees_behind=attendance.behind,
        late_reports=attendance.late_reports,
        missing_reports=attendance.missing_reports,
        groups=core.groups,
        groups_without_list=len(core.without_list),
    )
    return Dashboard(year, today, quality.summary(snapshot)["excluded"], indicator_year,
                     indicators, figures, due, due_frame(due), registrations, attendance, core)


def fit_width(chart: AnyChart) -> AnyChart:
    """Fit the chart to the container's width only, keeping its height for the plot.

    Streamlit otherwise sizes a stretched chart with autosize "fit": the height then includes
    the axes and the legend, and a bar chart of four bars is squeezed to a few pixels.
    """
    return chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def legend_in_columns(chart: AnyChart, columns: int = 2) -> AnyChart:
    """Wrap a long legend in columns, so it fits under a narrow plot on a phone."""
    # `configure_legend` replaces the shared style's legend settings: repeat them.
    return chart.configure_legend(orient="bottom", title=None, labelFontSize=12,
                                  columns=columns)


def empty_scale(chart: alt.Chart, top: int = 5) -> alt.Chart:
    """Give a bar chart of zeros an axis from 0 to `top`, rather than a lone "0"."""
    chart = chart.copy(deep=True)
    chart.encoding.x.scale = alt.Scale(domain=[0, top])
    return chart


# --- charts the shared module does not have ----------------------------------------------------


def colored_bars(frame: pd.DataFrame, category: str, count: str, color: str,
                 colors: Mapping[str, str], *, legend: bool = True) -> alt.Chart:
    """Stacked horizontal bars, categories in the frame's order, a fixed colour per `color`.

    For categories that are not a target's status (which `charts.bars` colours): a member's
    approval, a report's timeliness, a unit's registration.
    """
    present = set(frame[color])
    domain = [str(c) for c in colors if c in present] or [str(c) for c in colors]
    chart = alt.Chart(frame).mark_bar().encode(
        y=alt.Y(f"{category}:N", title=None, sort=list(dict.fromkeys(frame[category]))),
        x=alt.X(f"sum({count}):Q", title=count, axis=alt.Axis(tickMinStep=1, format=",d")),
        color=alt.Color(f"{color}:N", legend=alt.Legend() if legend else None,
                        scale=alt.Scale(domain=domain, range=[colors[c] for c in domain])),
        order=alt.Order(f"{color}:N"),
        tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip(f"{color}:N"),
                 alt.Tooltip(f"sum({count}):Q", format=",d", title=count)],
    )
    return charts.style(chart, height=max(120, 28 * frame[category].nunique()))


# --- the memo ----------------------------------------------------------------------------------

_DASHBOARDS = SnapshotMemo(2)
_INDICATOR_VIEWS = SnapshotMemo(6)
_TRENDS = SnapshotMemo(8)


def dashboard(snapshot: Snapshot, year: int, today: date) -> Dashboard:
    """Return the dashboard of the snapshot, computed once per snapshot, year and day."""
    return _DASHBOARDS.get(snapshot, (year, today), lambda: build(snapshot, year, today))


def indicator_view(snapshot: Snapshot, year: int) -> IndicatorView:
    """Return every indicator judged in the year, computed once per snapshot and year."""
    return _INDICATOR_VIEWS.get(snapshot, (year,), lambda: build_indicator_view(snapshot, year))


def indicator_trend(snapshot: Snapshot, code: str, last_year: int) -> Trend | None:
    """Return one indicator's trend up to `last_year`, computed once per snapshot."""
    return _TRENDS.get(snapshot, (code, last_year),
                       lambda: build_trend(snapshot, code, last_year))


def clear_cache() -> None:
    """Forget every computed dashboard (tests; the memo never serves a replaced snapshot)."""
    clear_all()  # and what the services keep per snapshot, which the dashboard is built on
