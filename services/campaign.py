"""Rules of the "Dân vận khéo" campaign: deadlines, who has not registered, what came late,
new and continued models, the life cycle of a registered model, and the counts the page shows.

Deadlines always come from the campaign record ("Đợt thi đua"): they differ per ward, per year
and per phase. The plan words each one as "trước ngày X" (seed 004: "đăng ký … trước ngày
07/4/2024", "báo cáo kết quả … trước ngày 05/9/2024", "đến trước ngày 15/12/2024"), and the
campaign columns store X. `last_day` is the one reading of it: the last day allowed is the day
before X, and it ends at midnight Vietnam time (`services.clock.today()`). Every deadline
judgement here (open, passed, late, overdue, days left) goes through it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services.choices import Field, ModelKind, ModelOrigin, RecognitionLevel, RegistrationStatus
from services.coltypes import format_date_vn
from services.progress import units_in_year
from services.reference import CRITERIA
from services.schema import ARCHIVED, REGISTRATIONS, Record
from services.text import fold, natural_key, nfc
from services.validation import Snapshot

Status = RegistrationStatus

# --- ordering ----------------------------------------------------------------------------------


def _newest_first(campaign: Record) -> tuple[Any, ...]:
    # Later deadlines mean a later phase; the phase number breaks ties ("Đợt 2" after "Đợt 1").
    return (campaign.get("register_by") or date.min, campaign.get("start_date") or date.min,
            natural_key(str(campaign.get("phase") or "")), natural_key(str(campaign["name"])))


# --- campaigns and deadlines -------------------------------------------------------------------


def current_campaigns(snapshot: Snapshot, year: int) -> list[Record]:
    """Return the year's campaigns that are not archived, newest phase first."""
    found = [c for c in snapshot["campaigns"].active() if c.get("year") == year]
    return sorted(found, key=_newest_first, reverse=True)


def campaign_names(snapshot: Snapshot, year: int) -> list[str]:
    """Return the names of the year's campaigns, newest phase first."""
    return [str(c["name"]) for c in current_campaigns(snapshot, year)]


def campaign_for(snapshot: Snapshot, registration: Mapping[str, Any]) -> Record | None:
    """Return the campaign a registration belongs to, if it exists and is not archived."""
    campaign = snapshot["campaigns"].labels.get(str(registration.get("campaign") or ""))
    return None if campaign is None or campaign.get(ARCHIVED) else campaign


def last_day(deadline: date) -> date:
    """Return the last day allowed by "trước ngày X" (seed 004): the day before X."""
    return deadline - timedelta(days=1)


def days_left(last: date, today: date) -> int:
    """Return the days from today to a last allowed day: 0 on that day, negative once passed.

    Pass a campaign deadline through `last_day` first; other due dates (a meeting report, an
    indicator's "trong quý I") are last days already.
    """
    return (last - today).days


def is_past(deadline: date, today: date) -> bool:
    """Tell whether "trước ngày `deadline`" has passed: from the day `deadline` itself on."""
    return today > last_day(deadline)


def is_late(done_on: date, deadline: date) -> bool:
    """Tell whether something done on `done_on` missed "trước ngày `deadline`"."""
    return done_on > last_day(deadline)


def days_late(done_on: date, deadline: date) -> int:
    """Return how many days after the last allowed day `done_on` falls (1 on the day X)."""
    return (done_on - last_day(deadline)).days


def registration_open(campaign: Mapping[str, Any], today: date) -> bool:
    """Tell whether units may still register for the campaign on time."""
    register_by = campaign.get("register_by")
    return register_by is not None and not is_past(register_by, today)


def default_campaign(campaigns: Sequence[Record], today: date) -> Record | None:
    """Return the newest campaign still open for registration, else the newest one."""
    return next((c for c in campaigns if registration_open(c, today)),
                campaigns[0] if campaigns else None)


def deadline_text(deadline: date, today: date) -> str:
    """Say how "trước ngày `deadline`" stands today: "hạn cuối 06/04/2024, còn 5 ngày"."""
    last = last_day(deadline)
    left = days_left(last, today)
    when = f"hạn cuối {format_date_vn(last)}"
    if left > 0:
        return f"{when}, còn {left} ngày"
    if left == 0:
        return f"{when}: hôm nay là hạn cuối"
    return f"{when}: đã hết hạn ({-left} ngày trước)"


@dataclass(frozen=True)
class Deadline:
    """One dated milestone of a campaign ("trước ngày `day`"), and how it stands today."""

    label: str
    day: date  # X of "trước ngày X", as the campaign records it
    today: date

    @property
    def last(self) -> date:
        """Return the last day allowed: the day before `day`."""
        return last_day(self.day)

    @property
    def passed(self) -> bool:
        """Tell whether the deadline has passed."""
        return is_past(self.day, self.today)

    @property
    def remaining(self) -> int:
        """Return the days left to the last allowed day (negative once passed)."""
        return days_left(self.last, self.today)

    def text(self) -> str:
        """Return "trước ngày 07/04/2026 · hạn cuối 06/04/2026, còn 3 ngày"."""
        return f"trước ngày {format_date_vn(self.day)} · {deadline_text(self.day, self.today)}"


# Column key and label of the campaign's dated milestones, in the order they fall.
_MILESTONES = (("register_by", "Hạn đăng ký"), ("report_by", "Hạn báo cáo kết quả"),
               ("end_date", "Kết thúc phong trào"))


def deadlines(campaign: Mapping[str, Any], today: date) -> list[Deadline]:
    """Return the campaign's deadlines that are filled in, in the order they fall."""
    return [Deadline(label, campaign[key], today) for key, label in _MILESTONES
            if campaign.get(key) is not None]


# --- compliance --------------------------------------------------------------------------------


def _campaign_set(snapshot: Snapshot, campaigns: int | Iterable[str]) -> set[str]:
    if isinstance(campaigns, int):
        return set(campaign_names(snapshot, campaigns))
    return {nfc(str(name)) for name in campaigns}


def registrations_of(snapshot: Snapshot, campaigns: int | Iterable[str]) -> list[Record]:
    """Return the non-archived registrations of a year's campaigns (or of the named ones)."""
    names = _campaign_set(snapshot, campaigns)
    return [r for r in snapshot["registrations"].active() if r.get("campaign") in names]


def units_that_must_register(snapshot: Snapshot, year: int) -> list[Record]:
    """Return the units marked "Phải đăng ký mô hình" that existed in the year."""
    return [u for u in units_in_year(snapshot, year) if u.get("must_register")]


def units_not_registered(snapshot: Snapshot, campaigns: int | Iterable[str]) -> list[Record]:
    """Return units that must register but have no model in the year's (or named) campaigns.

    Only units that existed in the campaigns' year count (`progress.units_in_year`), so a unit
    created later never shows as missing from an earlier year's campaign.
    """
    registered = {r.get("unit") for r in registrations_of(snapshot, campaigns)}
    if isinstance(campaigns, int):
        years = {campaigns}
    else:
        names = _campaign_set(snapshot, campaigns)
        years = {c.get("year") for c in snapshot["campaigns"].records
                 if c.get("name") in names and c.get("year") is not None}
    units = {u["name"]: u for y in sorted(years) for u in units_in_year(snapshot, y)}
    missing = [u for u in units.values()
               if u.get("must_register") and u.get("name") not in registered]
    return sorted(missing, key=lambda u: natural_key(str(u["name"])))


# Statuses of a model whose results have not been reported yet.
NOT_REPORTED = (Status.DANG_KY, Status.DANG_THUC_HIEN)


@dataclass(frozen=True)
class Overdue:
    """A model whose results are past the campaign's report deadline."""

    registration: Record
    campaign: Record
    report_by: date  # X of "trước ngày X"
    days_overdue: int

    @property
    def last(self) -> date:
        """Return the last day the results were due."""
        return last_day(self.report_by)


def overdue_results(snapshot: Snapshot, today: date, year: int | None = None) -> list[Overdue]:
    """Return models without results after their campaign's report deadline, most overdue first.

    With `year`, only that year's campaigns count.
    """
    out: list[Overdue] = []
    for registration in snapshot["registrations"].active():
        if registration.get("status") not in NOT_REPORTED:
            continue
        campaign = campaign_for(snapshot, registration)
        if campaign is None or (year is not None and campaign.get("year") != year):
            continue
        report_by = campaign.get("report_by")
        if report_by is not None and is_past(report_by, today):
            out.append(Overdue(registration, campaign, report_by, days_late(today, report_by)))
    return sorted(out, key=lambda o: (-o.days_overdue,
                                      natural_key(str(o.registration.get("unit") or "")),
                                      natural_key(str(o.registration.get("model_name") or ""))))


@dataclass(frozen=True)
class Late:
    """A registration, or a results report, made on or after its "trước ngày" deadline."""

    registration: Record
    campaign: Record
    deadline: date  # X of "trước ngày X", as the campaign records it
    done_on: date
    days_late: int

    @property
    def last(self) -> date:
        """Return the last day that was allowed."""
        return last_day(self.deadline)


def _late(snapshot: Snapshot, campaigns: int | Iterable[str], done_key: str,
          deadline_key: str) -> list[Late]:
    out: list[Late] = []
    for registration in registrations_of(snapshot, campaigns):
        campaign = campaign_for(snapshot, registration)
        done_on = registration.get(done_key)
        deadline = campaign.get(deadline_key) if campaign is not None else None
        if campaign is None or done_on is None or deadline is None:
            continue
        if is_late(done_on, deadline):
            out.append(Late(registration, campaign, deadline, done_on,
                            days_late(done_on, deadline)))
    return sorted(out, key=lambda x: (-x.days_late, natural_key(str(x.registration.get("unit"))),
                                      natural_key(str(x.registration.get("model_name")))))


def late_registrations(snapshot: Snapshot, campaigns: int | Iterable[str]) -> list[Late]:
    """Return models registered on or after the campaign's "Hạn đăng ký", latest first."""
    return _late(snapshot, campaigns, "registered_on", "register_by")


def late_results(snapshot: Snapshot, campaigns: int | Iterable[str]) -> list[Late]:
    """Return results reported on or after the campaign's "Hạn báo cáo kết quả", latest first."""
    return _late(snapshot, campaigns, "reported_on", "report_by")


def lateness(record: Mapping[str, Any], campaign: Mapping[str, Any] | None, today: date) -> str:
    """Say what of a model came, or is, late ("Đăng ký muộn 2 ngày"), or "" when nothing is."""
    if campaign is None:
        return ""
    notes = []
    registered, register_by = record.get("registered_on"), campaign.get("register_by")
    if registered is not None and register_by is not None and is_late(registered, register_by):
        notes.append(f"Đăng ký muộn {days_late(registered, register_by)} ngày")
    reported, report_by = record.get("reported_on"), campaign.get("report_by")
    if report_by is not None and reported is not None and is_late(reported, report_by):
        notes.append(f"Báo cáo kết quả muộn {days_late(reported, report_by)} ngày")
    elif (report_by is not None and record.get("status") in NOT_REPORTED
          and is_past(report_by, today)):
        notes.append(f"Chưa báo cáo kết quả, quá hạn {days_late(today, report_by)} ngày")
    return "; ".join(notes)


# --- new, kept and replicated models -----------------------------------------------------------


def origin_of(record: Mapping[str, Any]) -> ModelOrigin:
    """Return whether a model is new, kept or replicated; a blank cell means new."""
    return ModelOrigin(record.get("origin") or ModelOrigin.MOI)


def continued_label(model_name: str, year: int) -> str:
    """Return how "Tiếp nối mô hình" names an earlier model: "Tên mô hình (2023)"."""
    return f"{nfc(model_name)} ({year})"


def suggest_continued(snapshot: Snapshot, unit: str, model_name: str, year: int) -> str | None:
    """Suggest the earlier model a kept ("Duy trì") one continues, for "Tiếp nối mô hình".

    The unit's own model of an earlier year with the same name, compared without diacritics,
    case or extra spaces; the latest such year. None when there is none.
    """
    wanted_unit, wanted_name = fold(unit or ""), fold(model_name or "")
    if not wanted_unit or not wanted_name:
        return None
    found: list[tuple[int, str]] = []
    for registration in snapshot["registrations"].active():
        campaign = campaign_for(snapshot, registration)
        earlier = campaign.get("year") if campaign is not None else None
        if (earlier is not None and earlier < year
                and fold(str(registration.get("unit") or "")) == wanted_unit
                and fold(str(registration.get("model_name") or "")) == wanted_name):
            found.append((earlier, str(registration["model_name"])))
    if not found:
        return None
    earlier, name = max(found, key=lambda f: f[0])
    return continued_label(name, earlier)


# --- life cycle --------------------------------------------------------------------------------

# Forward steps follow seed 004: registered → in progress → results reported → recognised or not.
# Two deliberate additions:
# - "Đăng ký" may go straight to "Đã báo cáo kết quả": the office often learns that a model has
#   started only from its results report, and should not have to click through a step.
# - Every status except "Đăng ký" may go back one step, to correct a mistaken click. Going back
#   clears what the undone step recorded (report date and results, or recognition and criteria)
#   so the record never says more than its status; the audit sheet keeps the old values.
TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    Status.DANG_KY: (Status.DANG_THUC_HIEN, Status.DA_BAO_CAO),
    Status.DANG_THUC_HIEN: (Status.DA_BAO_CAO, Status.DANG_KY),
    Status.DA_BAO_CAO: (Status.CONG_NHAN, Status.KHONG_CONG_NHAN, Status.DANG_THUC_HIEN),
    Status.CONG_NHAN: (Status.DA_BAO_CAO,),
    Status.KHONG_CONG_NHAN: (Status.DA_BAO_CAO,),
}
_ORDER = {s: i for i, s in enumerate((Status.DANG_KY, Status.DANG_THUC_HIEN, Status.DA_BAO_CAO,
                                      Status.CONG_NHAN))} | {Status.KHONG_CONG_NHAN: 3}
_CRITERIA_KEYS = tuple(c.key for c in CRITERIA)


def allowed_next(status: Status | str | None) -> tuple[Status, ...]:
    """Return the statuses a model may move to from this one (none for an unknown status)."""
    try:
        return TRANSITIONS[Status(status)] if status is not None else ()
    except ValueError:
        return ()


def is_backward(current: Status | str, target: Status | str) -> bool:
    """Tell whether a move undoes a step (a correction) rather than advancing."""
    return _ORDER[Status(target)] < _ORDER[Status(current)]


def _header(key: str) -> str:
    return REGISTRATIONS.column(key).header


def transition(
    record: Mapping[str, Any],
    target: Status | str,
    today: date,
    *,
    reported_on: date | None = None,
    result: str | None = None,
    recognition: RecognitionLevel | str | None = None,
    criteria: Mapping[str, bool] | None = None,
) -> tuple[Record, list[str]]:
    """Build the changes that move a model to `target`, or the reasons it cannot move.

    Messages are Vietnamese and name the field, as `SaveResult.messages()` does. Save the
    changes with `services.records.edit`, which validates again with the sheet's rules.
    """
    current = record.get("status")
    if target not in allowed_next(current):
        allowed = ", ".join(f"“{s}”" for s in allowed_next(current)) or "không có"
        return {}, [f"Không chuyển được từ “{current}” sang “{target}” (được chuyển sang: "
                    f"{allowed})."]
    target = Status(target)
    changes: Record = {"status": target}
    if is_backward(str(current), target):
        if target in NOT_REPORTED:
            changes |= {"reported_on": None, "result": None}
        changes |= {"recognition": None} | dict.fromkeys(_CRITERIA_KEYS)
        return changes, []
    problems: list[tuple[str, str]] = []  # (column key, message)
    if target == Status.DA_BAO_CAO:
        text = nfc(result or "")
        if reported_on is None:
            problems.append(("reported_on", "bắt buộc khi báo cáo kết quả"))
        elif reported_on > today:
            problems.append(("reported_on", f"không được sau hôm nay ({format_date_vn(today)})"))
        elif record.get("registered_on") and reported_on < record["registered_on"]:
            problems.append(("reported_on", "không được trước ngày đăng ký "
                                            f"({format_date_vn(record['registered_on'])})"))
        if not text:
            problems.append(("result", "bắt buộc khi báo cáo kết quả"))
        changes |= {"reported_on": reported_on, "result": text or None}
    elif target in (Status.CONG_NHAN, Status.KHONG_CONG_NHAN):
        level = None
        if target == Status.CONG_NHAN:
            try:
                level = RecognitionLevel(recognition) if recognition else None
            except ValueError:
                level = None
            if level is None:
                problems.append(("recognition", "bắt buộc khi mô hình được công nhận "
                                                f"(chọn một trong: {', '.join(RecognitionLevel)})"))
        judged = criteria or {}
        changes |= {"recognition": level} | {k: bool(judged.get(k)) for k in _CRITERIA_KEYS}
    problems += _sheet_rule_problems(record, changes, {key for key, _ in problems})
    if problems:
        return {}, [f"{_header(key)}: {message}" for key, message in problems]
    return changes, []


def _sheet_rule_problems(record: Mapping[str, Any], changes: Mapping[str, Any],
                         reported: set[str]) -> list[tuple[str, str]]:
    # The sheet's own row rules (recognition needs all five criteria, seed 004 mục II.4) judge
    # the record as the move would leave it, so the person hears of them before saving, in the
    # words validation uses on the sheet. Only the columns this move changes are spoken of.
    after = {**record, **changes}
    out = []
    for check in REGISTRATIONS.row_checks:
        for key, message in check(after):
            if key in changes and key not in reported:
                reported.add(key)
                out.append((key, message))
    return out


def cleared_by_undo(record: Mapping[str, Any], target: Status | str) -> list[str]:
    """Return the headers of the filled-in fields that stepping back to `target` would clear."""
    current = record.get("status")
    if target not in allowed_next(current) or not is_backward(str(current), target):
        return []
    changes, _ = transition(record, target, date.max)
    return [_header(k) for k, v in changes.items()
            if v is None and record.get(k) not in (None, "")]


def action_label(current: Status | str, target: Status | str) -> str:
    """Return the words of the button or choice that makes this move."""
    if is_backward(current, target):
        return f"Quay lại “{target}” (sửa nhầm)"
    return {
        Status.DANG_THUC_HIEN: "Bắt đầu thực hiện",
        Status.DA_BAO_CAO: "Báo cáo kết quả",
        Status.CONG_NHAN: "Đánh giá: được công nhận",
        Status.KHONG_CONG_NHAN: "Đánh giá: không công nhận",
    }.get(Status(target), str(target))


# --- lists and counts --------------------------------------------------------------------------


def filter_registrations(
    records: Iterable[Record],
    *,
    campaigns: Iterable[str] | None = None,
    field: str | None = None,
    status: str | None = None,
    unit: str | None = None,
) -> list[Record]:
    """Keep the registrations that match every filter given (None means any)."""
    names = set(campaigns) if campaigns is not None else None
    return [r for r in records
            if (names is None or r.get("campaign") in names)
            and (field is None or r.get("field") == field)
            and (status is None or r.get("status") == status)
            and (unit is None or r.get("unit") == unit)]


def sort_registrations(records: Iterable[Record]) -> list[Record]:
    """Sort by unit (naturally), then model name."""
    return sorted(records, key=lambda r: (natural_key(str(r.get("unit") or "")),
                                          natural_key(str(r.get("model_name") or ""))))


def registration_label(record: Mapping[str, Any]) -> str:
    """Return a readable one-line label: model, unit (and person), status."""
    who = str(record.get("unit") or "")
    if record.get("kind") == ModelKind.CA_NHAN and record.get("person"):
        who += f" – {record['person']}"
    return f"{record.get('model_name')} · {who} · {record.get('status')}"


@dataclass(frozen=True)
class Summary:
    """Counts of registrations for the page summary, each as (label, count) in display order."""

    total: int
    by_field: list[tuple[str, int]]
    by_status: list[tuple[str, int]]
    by_unit: list[tuple[str, int]]
    by_origin: list[tuple[str, int]]


def summarise(records: Sequence[Record]) -> Summary:
    """Count registrations by field, status and origin (every value, zeros included) and unit."""
    fields = Counter(r.get("field") for r in records)
    statuses = Counter(r.get("status") for r in records)
    origins = Counter(origin_of(r) for r in records)
    units = Counter(str(r.get("unit") or "") for r in records)
    return Summary(
        total=len(records),
        by_field=[(str(f), fields.get(f, 0)) for f in Field],
        by_status=[(str(s), statuses.get(s, 0)) for s in Status],
        by_unit=[(u, units[u]) for u in sorted(units, key=natural_key)],
        by_origin=[(str(o), origins.get(o, 0)) for o in ModelOrigin],
    )
