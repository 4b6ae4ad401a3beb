"""Tasks that directives and plans assign, and what the core force reports from the TDPs.

Pure functions over records (no Streamlit), shared by the tasks page, the core-force reports page
and the dashboard.

The deadline day ("Hạn hoàn thành") is the last day on which the task is still on time: a task is
overdue from the day after it, by Vietnam's calendar (`services.clock.today`). A directive's
"trước ngày X" is entered as the day before X (`services.campaign.last_day`). A task without a
deadline is carried out "thường xuyên" and is never overdue. A task marked "Hoàn thành" is never
overdue, even if it was finished late: `finished_late` says so.

A core-force report counts as handled once it has a "Ngày xử lý xong"; what was done
("Xử lý, trả lời") without that date is handling still under way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import pandas as pd

from services import campaign as cp
from services.choices import MemberReportKind, MemberStatus, TaskStatus
from services.coltypes import format_date_vn
from services.schema import SHEETS, Record
from services.text import fold, name_sort_key, natural_key, nfc

TASKS, REPORTS = SHEETS["tasks"], SHEETS["member_reports"]
DUE_SOON_DAYS = 14  # "sắp đến hạn": as the dashboard's list of what is due
ONGOING = "Thường xuyên"


# --- one task --------------------------------------------------------------------------------


class TaskState(StrEnum):
    """Where a task stands today (the "Tình hình" column of the list)."""

    QUA_HAN = "Quá hạn"
    SAP_DEN_HAN = "Sắp đến hạn"
    TRONG_HAN = "Còn hạn"
    THUONG_XUYEN = "Thường xuyên"
    HOAN_THANH = "Hoàn thành"


def is_done(task: Mapping[str, Any]) -> bool:
    """Tell whether the task is marked "Hoàn thành"."""
    return task.get("status") == TaskStatus.XONG


def deadline_of(task: Mapping[str, Any]) -> date | None:
    """Return the task's last day, or None for a task carried out "thường xuyên"."""
    deadline = task.get("deadline")
    return deadline if isinstance(deadline, date) else None


def days_left(task: Mapping[str, Any], today: date) -> int | None:
    """Return the days to the deadline (0 on the day itself, negative after); None without one."""
    deadline = deadline_of(task)
    return None if deadline is None else cp.days_left(deadline, today)


def is_overdue(task: Mapping[str, Any], today: date) -> bool:
    """Tell whether the deadline has passed and the task is not "Hoàn thành"."""
    left = days_left(task, today)
    return not is_done(task) and left is not None and left < 0


def is_due_soon(task: Mapping[str, Any], today: date, horizon: int = DUE_SOON_DAYS) -> bool:
    """Tell whether an unfinished task's deadline is today or within `horizon` days."""
    left = days_left(task, today)
    return not is_done(task) and left is not None and 0 <= left <= horizon


def finished_late(task: Mapping[str, Any]) -> bool:
    """Tell whether a finished task was finished after its deadline."""
    deadline, done_on = deadline_of(task), task.get("done_on")
    return (is_done(task) and deadline is not None and isinstance(done_on, date)
            and done_on > deadline)


def state(task: Mapping[str, Any], today: date, horizon: int = DUE_SOON_DAYS) -> TaskState:
    """Say where a task stands today."""
    if is_done(task):
        return TaskState.HOAN_THANH
    if deadline_of(task) is None:
        return TaskState.THUONG_XUYEN
    if is_overdue(task, today):
        return TaskState.QUA_HAN
    return TaskState.SAP_DEN_HAN if is_due_soon(task, today, horizon) else TaskState.TRONG_HAN


def deadline_text(task: Mapping[str, Any], today: date) -> str:
    """Say how the deadline stands: "30/06/2026 · còn 5 ngày", "Thường xuyên", "… · trễ 3 ngày"."""
    deadline = deadline_of(task)
    if deadline is None:
        return ONGOING
    if is_done(task):
        done_on = task.get("done_on")
        if finished_late(task) and isinstance(done_on, date):
            return (f"{format_date_vn(deadline)} · hoàn thành trễ "
                    f"{(done_on - deadline).days} ngày")
        return format_date_vn(deadline)
    left = cp.days_left(deadline, today)
    when = (f"còn {left} ngày" if left > 0 else "hôm nay là hạn cuối" if left == 0
            else f"đã hết hạn ({-left} ngày trước)")
    return f"{format_date_vn(deadline)} · {when}"


def task_label(task: Mapping[str, Any], width: int = 90) -> str:
    """Name a task in a picker or a list: its source and the start of its content."""
    content = nfc(str(task.get("content") or ""))
    short = content if len(content) <= width else content[:width - 1].rstrip() + "…"
    return f"{task.get('source') or ''}: {short}"


# --- lists of tasks --------------------------------------------------------------------------


def overdue_tasks(tasks: Iterable[Record], today: date) -> list[Record]:
    """Return the unfinished tasks past their deadline, the longest overdue first."""
    return sorted((t for t in tasks if is_overdue(t, today)),
                  key=lambda t: (deadline_of(t), natural_key(task_label(t))))


def upcoming_tasks(tasks: Iterable[Record], today: date,
                   horizon: int = DUE_SOON_DAYS) -> list[Record]:
    """Return the unfinished tasks due today or within `horizon` days, the nearest first."""
    return sorted((t for t in tasks if is_due_soon(t, today, horizon)),
                  key=lambda t: (deadline_of(t), natural_key(task_label(t))))


def sort_tasks(tasks: Iterable[Record], today: date) -> list[Record]:
    """Order tasks as the office works them: dated unfinished ones by deadline (overdue first),
    then ongoing ones, then finished ones, the latest finished first."""
    def key(task: Record) -> tuple[Any, ...]:
        deadline, done_on = deadline_of(task), task.get("done_on")
        if is_done(task):
            return (2, -(done_on.toordinal() if isinstance(done_on, date) else 0), "")
        if deadline is None:
            return (1, 0, fold(task_label(task)))
        return (0, deadline.toordinal(), fold(task_label(task)))
    return sorted(tasks, key=key)


def responsible_bodies(tasks: Iterable[Mapping[str, Any]]) -> list[str]:
    """Return the responsible bodies named in the tasks, once each, in alphabetical order."""
    seen: dict[str, str] = {}
    for task in tasks:
        body = nfc(str(task.get("responsible") or ""))
        if body:
            seen.setdefault(fold(body), body)
    return sorted(seen.values(), key=fold)


def filter_tasks(tasks: Iterable[Record], today: date, *,
                 statuses: Sequence[str] = (), responsible: str | None = None,
                 overdue_only: bool = False) -> list[Record]:
    """Keep the tasks with one of the statuses, of the responsible body, overdue if asked.

    Empty `statuses` and a None `responsible` keep every task; bodies match accents aside.
    """
    wanted = fold(responsible) if responsible else None
    return [t for t in tasks
            if (not statuses or t.get("status") in statuses)
            and (wanted is None or fold(str(t.get("responsible") or "")) == wanted)
            and (not overdue_only or is_overdue(t, today))]


def status_counts(tasks: Iterable[Mapping[str, Any]]) -> dict[TaskStatus, int]:
    """Count tasks per status, every status present (zero included), in the life-cycle order."""
    tally = Counter(t.get("status") for t in tasks)
    return {status: tally[status] for status in TaskStatus}


@dataclass(frozen=True)
class BodyCount:
    """One responsible body's tasks."""

    body: str
    total: int
    done: int
    overdue: int

    @property
    def open(self) -> int:
        """Return the tasks not finished yet."""
        return self.total - self.done


BODY_HEADERS = ("Cơ quan chủ trì", "Số nhiệm vụ", "Hoàn thành", "Chưa hoàn thành", "Quá hạn")


def responsible_counts(tasks: Iterable[Mapping[str, Any]], today: date) -> list[BodyCount]:
    """Count each responsible body's tasks, finished and overdue; the most overdue first."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    names: dict[str, str] = {}
    for task in tasks:
        body = nfc(str(task.get("responsible") or ""))
        names.setdefault(fold(body), body)
        groups.setdefault(fold(body), []).append(task)
    counts = [BodyCount(names[k], len(items), sum(is_done(t) for t in items),
                        sum(is_overdue(t, today) for t in items)) for k, items in groups.items()]
    return sorted(counts, key=lambda c: (-c.overdue, -c.open, fold(c.body)))


def responsible_frame(counts: Sequence[BodyCount]) -> pd.DataFrame:
    """Return the counts per responsible body as a table with Vietnamese headers."""
    return pd.DataFrame([(c.body, c.total, c.done, c.open, c.overdue) for c in counts],
                        columns=list(BODY_HEADERS))


# --- the core force's reports ----------------------------------------------------------------


def is_handled(report: Mapping[str, Any]) -> bool:
    """Tell whether a report has been dealt with (it has a "Ngày xử lý xong")."""
    return isinstance(report.get("handled_on"), date)


def handling_state(report: Mapping[str, Any]) -> str:
    """Say where a report stands: "Đã xử lý", "Đang xử lý" (something done), "Chưa xử lý"."""
    if is_handled(report):
        return "Đã xử lý"
    return "Đang xử lý" if nfc(str(report.get("handling") or "")) else "Chưa xử lý"


def latest_first(reports: Iterable[Record]) -> list[Record]:
    """Return the reports, the most recent first (then by TDP in natural order)."""
    return sorted(reports, key=lambda r: (
        -(r["report_date"].toordinal() if isinstance(r.get("report_date"), date) else 0),
        natural_key(str(r.get("tdp") or ""))))


def unhandled_reports(reports: Iterable[Record]) -> list[Record]:
    """Return the reports not handled yet, the most recent first."""
    return latest_first(r for r in reports if not is_handled(r))


def reports_of(reports: Iterable[Record], tdp: str | None) -> list[Record]:
    """Return one TDP's reports (all of them for None), the most recent first."""
    wanted = fold(tdp) if tdp else None
    return latest_first(r for r in reports
                        if wanted is None or fold(str(r.get("tdp") or "")) == wanted)


@dataclass(frozen=True)
class TdpReports:
    """One residential group's reports, counted."""

    tdp: str
    per_kind: dict[MemberReportKind, int]
    unhandled: int
    latest: date | None

    @property
    def total(self) -> int:
        """Return how many reports the group has."""
        return sum(self.per_kind.values())


def per_tdp(reports: Iterable[Mapping[str, Any]], tdps: Sequence[str]) -> list[TdpReports]:
    """Count reports per TDP and kind, every TDP of `tdps` listed (also those with none).

    A report of a TDP not in `tdps` (archived since) gets its own row after them.
    """
    by_tdp: dict[str, list[Mapping[str, Any]]] = {fold(t): [] for t in tdps}
    names = {fold(t): t for t in tdps}
    for report in reports:
        tdp = nfc(str(report.get("tdp") or ""))
        names.setdefault(fold(tdp), tdp)
        by_tdp.setdefault(fold(tdp), []).append(report)
    out = []
    for key, items in by_tdp.items():
        kinds = Counter(r.get("kind") for r in items)
        dates = [r["report_date"] for r in items if isinstance(r.get("report_date"), date)]
        out.append(TdpReports(names[key], {k: kinds[k] for k in MemberReportKind},
                              sum(not is_handled(r) for r in items), max(dates, default=None)))
    return out


def per_tdp_frame(rows: Sequence[TdpReports]) -> pd.DataFrame:
    """Return the counts per TDP as a table: Tổ dân phố, each kind, Tổng, Chưa xử lý, latest."""
    return pd.DataFrame(
        [(r.tdp, *(r.per_kind[k] for k in MemberReportKind), r.total, r.unhandled,
          format_date_vn(r.latest)) for r in rows],
        columns=["Tổ dân phố", *(str(k) for k in MemberReportKind), "Tổng", "Chưa xử lý",
                 "Phản ánh gần nhất"])


def members_of(members: Iterable[Record], tdp: str | None) -> list[str]:
    """Return the names of a TDP's core-force members still taking part, sorted by given name."""
    wanted = fold(tdp) if tdp else None
    names = {str(m["full_name"]) for m in members
             if m.get("full_name") and m.get("status") != MemberStatus.THOI_THAM_GIA
             and (wanted is None or fold(str(m.get("tdp") or "")) == wanted)}
    return sorted(names, key=name_sort_key)
