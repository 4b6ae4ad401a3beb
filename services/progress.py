"""Progress of Plan 48's indicators: the values entered per year, and each target judged its way.

Everything here is plain Python (no Streamlit) so the indicators page, the dashboard and the
reports judge progress with the same rules. The rules, and why:

Status
    "Đạt" / "Chưa đạt" for a level, a count, a yes/no, a range or a coverage; "Đúng tiến độ" /
    "Chậm tiến độ" for a change per year (the plan sets a pace, "giảm 0,5%/năm", not a level);
    "Chưa có số liệu" when the year's figure (or, for a change, an earlier one) is missing.
    `Status.met` folds them into True / False / None for counting.

Levels (TargetKind.MUC, SO_LUONG)
    GE is ≥, GT is strictly > ("trên 70%": 70 is not enough), LE ≤, LT <. EQ means "reach the
    level": the plan's "55%" is a floor to reach, so 56% counts as met. No comparison means ≥.

A change per year (TargetKind.THAY_DOI)
    The values are the yearly level (the poverty rate in %, e.g. 3,0 → 2,5 → 2,1); the target is
    on its change. The year's change is measured from the nearest earlier year with a value and
    averaged per year when years were skipped (2022 → 2024 is two years). This is how a year-end
    report judges it ("giảm 0,4% so với năm trước, chưa đạt"). The explanation adds the change
    since the baseline (the first year with a value) against the pace the plan asks for since then.

Yes/no (CO_KHONG): 1 is "Đạt", 0 "Chưa đạt".

A range (KHOANG, "phấn đấu đạt từ 3 đến 4 m²")
    Met at or above the lower bound: the plan asks to reach at least 3. Above the upper bound the
    status is "Vượt chỉ tiêu": met and exceeded, never a failure.

Units over time
    A unit counts in a year when it existed on some day of it: "Có từ ngày" (blank: from the
    start) not after 31/12 and "Đến ngày" (blank: still there) not before 01/01; archived units
    never count. `units_in_year` is the one place that says so; every coverage figure uses it,
    so adding a unit today leaves the figures of earlier years as they were.

Coverage over units (BAO_PHU)
    When values per unit (1 = meets the standard, 0 = does not) exist for the year, the value is
    the % with 1 among the units of the indicator's `per_unit_kind` that existed in the year; a
    unit without a value counts as not meeting it and is named as missing. Otherwise a
    ward-level % is used. Per-unit values win over a ward-level % of the same year: they are
    the more detailed source.

Derived indicators (never typed; the entry refuses them)
    MO_HINH_MOI_TO_CHUC: the % of the year's units marked "Phải đăng ký mô hình" that have at
    least one non-archived registration in a campaign of the year (the campaigns sheet gives
    the year). The plan asks every organisation for at least one model, so only 100% is "Đạt".
    TY_LE_TDP_CO_DANH_SACH: the % of the year's residential groups (tổ dân phố, thôn/xóm) with a
    core-force list, i.e. a member who has not left; `approved_only` counts approved members only.
    A derived indicator with a % target (a MUC/BAO_PHU one) is compared with that target instead.

Several values for one indicator, year and unit: the last row of the sheet wins, and an entry
updates that row. Numbers are compared after rounding to 6 decimals, so 2,6 − 3,1 is −0,5.
Per-unit values of a year are entered all at once in a grid (`unit_grid`, `save_unit_grid`):
one write for the changed values and one for the new ones.

A note ("Ghi chú, nguồn số liệu") is asked for when a number moves a lot from the previous
year, never for a yes/no value: ticking a group that now meets the standard is not a surprise.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Any

import pandas as pd

from services import records as saving
from services.auth import Actor, PermissionDenied, require_sheet_write
from services.choices import Comparison, DerivedRule, MemberStatus, TargetKind, UnitKind
from services.coltypes import format_date_vn, format_number, is_blank
from services.memo import per_snapshot
from services.schema import ID, SHEETS, Record
from services.store.base import (
    ConflictError,
    NotFoundError,
    Store,
    StoreError,
    WriteUnknown,
    new_id,
)
from services.text import fold, natural_key
from services.validation import ROW, Problem, Snapshot, validate_record

VALUES = "indicator_values"
INDICATORS = "indicators"
PLAN_FIRST_YEAR = 2022  # Plan 48 covers 2022 - 2026
PLAN_LAST_YEAR = 2026
_DIGITS = 6  # rounding before comparing, so float noise never flips a status
_RESIDENTIAL = (UnitKind.TO_DAN_PHO, UnitKind.THON_XOM)
_NAMES_SHOWN = 5


class Status(StrEnum):
    """How an indicator stands in a year."""

    DAT = "Đạt"
    VUOT = "Vượt chỉ tiêu"  # a range exceeded: met, and more
    CHUA_DAT = "Chưa đạt"
    DUNG_TIEN_DO = "Đúng tiến độ"
    CHAM_TIEN_DO = "Chậm tiến độ"
    CHUA_CO_SO_LIEU = "Chưa có số liệu"

    @property
    def met(self) -> bool | None:
        """Tell whether the target is met (on track), not met (behind), or unknown (None)."""
        if self is Status.CHUA_CO_SO_LIEU:
            return None
        return self in (Status.DAT, Status.VUOT, Status.DUNG_TIEN_DO)

    def label(self) -> str:
        """Return the status as people read it: the words alone, never an emoji.

        The words carry the meaning (an emoji shows as an empty box where no emoji font is
        installed); colour is added where it is drawn (`services.charts.STATUS_COLORS`).
        """
        return str(self)


# --- reading the values --------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """The values of one indicator: for the whole ward, and per unit, by year."""

    code: str
    ward: dict[int, float]
    per_unit: dict[int, dict[str, float]]

    def years(self) -> list[int]:
        """Return every year with a value, ward-level or per unit."""
        return sorted(set(self.ward) | set(self.per_unit))

    def before(self, year: int, unit: str | None = None) -> tuple[int, float] | None:
        """Return (year, value) of the nearest earlier year with a value (of this unit)."""
        if unit is None:
            values = self.ward
        else:
            values = {y: v[unit] for y, v in self.per_unit.items() if unit in v}
        earlier = [y for y in values if y < year]
        return (max(earlier), values[max(earlier)]) if earlier else None


def _same(a: object, b: object) -> bool:
    return fold(str(a or "")) == fold(str(b or ""))


def value_records(snapshot: Snapshot, code: str) -> list[Record]:
    """Return the active value records of one indicator, in sheet order."""
    return list(_values_by_indicator(snapshot).get(fold(str(code or "")), ()))


@per_snapshot(2)
def _values_by_indicator(snapshot: Snapshot) -> dict[str, tuple[Record, ...]]:
    # Each indicator and year asks for its values: one pass over the sheet per snapshot, not one
    # per question (a 100× ward has tens of thousands of values).
    out: dict[str, list[Record]] = {}
    for record in snapshot[VALUES].active():
        out.setdefault(fold(str(record.get("indicator") or "")), []).append(record)
    return {code: tuple(records) for code, records in out.items()}


@per_snapshot(256)
def series(snapshot: Snapshot, code: str) -> Series:
    """Return an indicator's values per year (ward level: no unit) and per unit per year.

    Kept per snapshot and shared by every caller: read it, never change it.
    """
    ward: dict[int, float] = {}
    per_unit: dict[int, dict[str, float]] = {}
    for record in value_records(snapshot, code):  # sheet order: a later row wins
        year, value = record.get("year"), record.get("value")
        if year is None or value is None:
            continue
        if record.get("unit"):
            per_unit.setdefault(year, {})[record["unit"]] = float(value)
        else:
            ward[year] = float(value)
    return Series(code, dict(sorted(ward.items())), {y: per_unit[y] for y in sorted(per_unit)})


def existing_value(snapshot: Snapshot, code: str, year: int, unit: str | None = None
                   ) -> Record | None:
    """Return the record holding this indicator's value for the year (and unit), if any."""
    found = [r for r in value_records(snapshot, code)
             if r.get("year") == year and _same(r.get("unit"), unit)]
    return found[-1] if found else None


def previous_value(snapshot: Snapshot, code: str, year: int, unit: str | None = None
                   ) -> tuple[int, float] | None:
    """Return (year, value) of the previous period: the nearest earlier year with a value."""
    return series(snapshot, code).before(year, unit)


def duplicates(snapshot: Snapshot) -> list[tuple[str, int, str | None, int]]:
    """Return (indicator, year, unit, rows) for each value entered on more than one row."""
    return list(_duplicates(snapshot))


@per_snapshot(2)
def _duplicates(snapshot: Snapshot) -> tuple[tuple[str, int, str | None, int], ...]:
    groups: dict[tuple[str, Any, str], list[Record]] = {}
    for r in snapshot[VALUES].active():
        key = (fold(str(r.get("indicator") or "")), r.get("year"), fold(str(r.get("unit") or "")))
        groups.setdefault(key, []).append(r)
    return tuple((rows[0]["indicator"], rows[0]["year"], rows[0].get("unit"), len(rows))
                 for rows in groups.values() if len(rows) > 1)


# --- the indicators ------------------------------------------------------------------------


@lru_cache(maxsize=4096)  # a list of values sorts by it once per row and rerun
def plan_order(code: str) -> tuple[tuple[int, Any], ...]:
    """Sort codes as the plan numbers them: "1", "2.1.1" … "2.1.10", "2.2.1.3a", "2.2.2.4"."""
    parts = re.findall(r"\d+|[^\d.]+", str(code))
    return tuple((0, int(p)) if p.isdigit() else (1, fold(p)) for p in parts)


def indicators(snapshot: Snapshot) -> list[Record]:
    """Return the active indicators in plan order."""
    return sorted(snapshot[INDICATORS].active(), key=lambda r: plan_order(r["code"]))


def find_indicator(snapshot: Snapshot, code: str) -> Record | None:
    """Return the indicator with this code (typed loosely or not), if there is one."""
    return next((r for r in snapshot[INDICATORS].records if _same(r.get("code"), code)), None)


def short_text(text: str, limit: int = 60) -> str:
    """Shorten an indicator's wording at a word boundary, with "…" when cut."""
    text = " ".join(str(text or "").split()).rstrip(".")
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:-–")
    return cut + "…"


def indicator_label(indicator: Mapping[str, Any], limit: int = 60) -> str:
    """Return how a list names an indicator: "2.1.5 – Tỷ lệ lao động qua đào tạo 55%"."""
    label = f"{indicator.get('code')} – {short_text(indicator.get('text') or '', limit)}"
    return label + (" (tự tính)" if indicator.get("derived") else "")


def derived_source(rule: DerivedRule | str) -> str:
    """Say where a derived indicator is computed from."""
    if rule == DerivedRule.MO_HINH_MOI_TO_CHUC:
        return (f"bảng “{SHEETS['registrations'].title}” (mỗi đơn vị phải đăng ký có ít nhất "
                "01 mô hình trong năm)")
    return (f"bảng “{SHEETS['members'].title}” (tổ dân phố đã có danh sách lực lượng nòng cốt)")


def existed_in(unit: Mapping[str, Any], year: int) -> bool:
    """Tell whether a unit existed on some day of the year (blank dates: always)."""
    start, end = unit.get("valid_from"), unit.get("valid_to")
    return ((start is None or start <= date(year, 12, 31))
            and (end is None or end >= date(year, 1, 1)))


def units_in_year(snapshot: Snapshot, year: int, kinds: Iterable[str] | None = None
                  ) -> list[Record]:
    """Return the units (of these kinds) that existed in the year, archived ones left out.

    Every figure that counts units for a year asks here, so a unit added today never changes
    an earlier year's figures. Natural order by name.
    """
    wanted = None if kinds is None else set(kinds)
    return sorted((u for u in snapshot["units"].active()
                   if (wanted is None or u.get("kind") in wanted) and existed_in(u, year)),
                  key=lambda u: _natural(str(u.get("name") or "")))


def unit_options(snapshot: Snapshot, indicator: Mapping[str, Any], year: int | None = None
                 ) -> list[str]:
    """Return the units a per-unit indicator is entered for (those of the year), naturally."""
    kind = indicator.get("per_unit_kind")
    if not kind:
        return []
    if year is not None:
        return [u["name"] for u in units_in_year(snapshot, year, (kind,))]
    return sorted((u["name"] for u in snapshot["units"].active() if u.get("kind") == kind),
                  key=_natural)


# Units sort naturally: "Tổ dân phố 2" before "Tổ dân phố 10".
unit_sort_key = _natural = natural_key


def last_completed_year(working_year: int) -> int:
    """Return the year whose figures are normally entered: the one before the working year."""
    # Figures for a year arrive at its end or early in the next ("Year-end figures").
    return working_year - 1


def report_years(snapshot: Snapshot, working_year: int) -> list[int]:
    """Return the years a progress view offers: the plan's period up to the working year."""
    years = set(range(min(PLAN_FIRST_YEAR, working_year), working_year + 1))
    years |= {r["year"] for r in snapshot[VALUES].active() if r.get("year")}
    return sorted(years)


def entry_years(working_year: int) -> list[int]:
    """Return the years a value may be entered for, newest first (a baseline year included)."""
    return list(range(working_year, min(PLAN_FIRST_YEAR, working_year) - 2, -1))


# --- coverage over units -------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """The share of units meeting something in a year (or a ward-level % when that is all)."""

    year: int
    percent: float
    noun: str = "đơn vị"
    verb: str = "đạt"
    short_label: str = "chưa đạt"
    met: int | None = None  # None: only a ward-level % was entered
    total: int | None = None
    short: tuple[str, ...] = ()  # units that do not meet it
    missing: tuple[str, ...] = ()  # units without a value, counted as not meeting it

    @property
    def per_unit(self) -> bool:
        """Tell whether the share was counted unit by unit."""
        return self.total is not None

    def summary(self) -> str:
        """Return "11/12 tổ dân phố đạt", or the ward-level % when units are not known."""
        if self.total is None:
            return f"{_pct(self.percent)} (số liệu chung, chưa nhập theo từng {self.noun})"
        return f"{self.met}/{self.total} {self.noun} {self.verb}"


def _noun(kind: object) -> str:
    if kind in (*_RESIDENTIAL, UnitKind.CHI_BO, UnitKind.TO_DAN_VAN):
        return str(kind).lower()
    return "đơn vị"


def _percent(met: int, total: int) -> float:
    return round(100 * met / total, _DIGITS)


def coverage(snapshot: Snapshot, indicator: Mapping[str, Any], year: int) -> Coverage | None:
    """Return the share of units meeting a coverage indicator in the year, or None."""
    kind = indicator.get("per_unit_kind")
    values = series(snapshot, indicator["code"])
    per_unit = values.per_unit.get(year, {})
    noun = _noun(kind)
    if per_unit:
        # Only the units that existed in the year: a value typed for one that did not is left
        # out (the entry refuses it; the data-quality list of the sheet would show it).
        units = unit_options(snapshot, indicator, year) or sorted(per_unit, key=_natural)
        met = [u for u in units if per_unit.get(u, 0) >= 1]
        short = tuple(u for u in units if u in per_unit and per_unit[u] < 1)
        missing = tuple(u for u in units if u not in per_unit)
        return Coverage(year, _percent(len(met), len(units)), noun, met=len(met),
                        total=len(units), short=short, missing=missing)
    if year in values.ward:
        return Coverage(year, values.ward[year], noun)
    return None


def registration_coverage(snapshot: Snapshot, year: int) -> Coverage | None:
    """Return the share of units that must register with ≥ 1 model in the year's campaigns."""
    return _registration_coverage(snapshot, year)[0]


def _registration_coverage(snapshot: Snapshot, year: int) -> tuple[Coverage | None, str]:
    campaign_year = {label: r.get("year") for label, r in snapshot["campaigns"].labels.items()}
    if year not in campaign_year.values():
        return None, f"Chưa có đợt thi đua “Dân vận khéo” nào của năm {year}"
    units = [u["name"] for u in units_in_year(snapshot, year) if u.get("must_register")]
    if not units:
        return None, "Chưa có đơn vị nào được đánh dấu “Phải đăng ký mô hình”"
    registered = {r.get("unit") for r in snapshot["registrations"].active()
                  if campaign_year.get(r.get("campaign")) == year}
    short = tuple(u for u in units if u not in registered)
    met = len(units) - len(short)
    return Coverage(year, _percent(met, len(units)), "đơn vị", "đã đăng ký mô hình",
                    "chưa đăng ký", met, len(units), short), ""


def roster_coverage(snapshot: Snapshot, year: int, *, approved_only: bool = False
                    ) -> Coverage | None:
    """Return the share of residential groups with a core-force list (or an approved one).

    The roster has no year: the current list counts, except that with `approved_only` a member
    approved after the year's end does not count for that year.
    """
    return _roster_coverage(snapshot, year, approved_only=approved_only)[0]


def _roster_coverage(snapshot: Snapshot, year: int, *, approved_only: bool = False
                     ) -> tuple[Coverage | None, str]:
    groups = [u["name"] for u in units_in_year(snapshot, year, _RESIDENTIAL)]
    if not groups:
        return None, "Chưa có tổ dân phố nào trong bảng Đơn vị"
    end = date(year, 12, 31)
    listed = set()
    for member in snapshot["members"].active():
        status = member.get("status")
        if approved_only:
            approved = member.get("approved_on")
            ok = status == MemberStatus.DA_PHE_DUYET and (approved is None or approved <= end)
        else:
            ok = status != MemberStatus.THOI_THAM_GIA
        if ok:
            listed.add(member.get("tdp"))
    short = tuple(g for g in groups if g not in listed)
    met = len(groups) - len(short)
    verb = "có danh sách nòng cốt được phê duyệt" if approved_only else "có danh sách nòng cốt"
    return Coverage(year, _percent(met, len(groups)), "tổ dân phố", verb, "chưa " + verb, met,
                    len(groups), short), ""


def derived_coverage(rule: DerivedRule | str, snapshot: Snapshot, year: int) -> Coverage | None:
    """Return what a derived indicator measures in the year, or None without data."""
    return _derived(rule, snapshot, year)[0]


def _derived(rule: DerivedRule | str, snapshot: Snapshot, year: int
             ) -> tuple[Coverage | None, str]:
    if rule == DerivedRule.MO_HINH_MOI_TO_CHUC:
        return _registration_coverage(snapshot, year)
    if rule == DerivedRule.TY_LE_TDP_CO_DANH_SACH:
        return _roster_coverage(snapshot, year)
    return None, f"Chưa có cách tính tự động “{rule}”"


# --- judging -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    """How one indicator stands in one year, with the reason in Vietnamese."""

    code: str
    text: str
    target_text: str
    group: str
    kind: str
    year: int
    status: Status
    explanation: str
    # What is compared with the target: the level, the change per year (THAY_DOI), the % of
    # units (coverage and derived indicators); None without data.
    value: float | None = None
    unit: str = ""  # the unit of `value`
    # How far `value` is from meeting the target, in its unit; 0 when met (also for a strict
    # comparison reached exactly, which is still not met); None without data or for yes/no.
    gap: float | None = None
    level: float | None = None  # the year's recorded figure when `value` is its change
    previous: tuple[int, float] | None = None  # THAY_DOI: the year compared with
    baseline: tuple[int, float] | None = None  # THAY_DOI: the first year with a value
    coverage: Coverage | None = None
    derived: bool = False

    @property
    def met(self) -> bool | None:
        """Tell whether the target is met (True), not met (False) or unknown (None)."""
        return self.status.met

    @property
    def short_text(self) -> str:
        """Return the wording shortened for a table."""
        return short_text(self.text)

    @property
    def value_text(self) -> str:
        """Return the value as a table shows it: "53,8%", "2,1% (−0,4)", "91,7% (11/12)"."""
        if self.coverage is not None:
            if self.coverage.per_unit:
                return f"{_pct(self.coverage.percent)} ({self.coverage.met}/{self.coverage.total})"
            return _pct(self.coverage.percent)
        if self.kind == TargetKind.THAY_DOI:
            if self.level is None:
                return ""
            if self.value is None:
                return _qty(self.level, self.unit)
            return f"{_qty(self.level, self.unit)} ({_signed(self.value)})"
        if self.value is None:
            return ""
        if self.kind == TargetKind.CO_KHONG:
            return "Có" if self.value >= 1 else "Không"
        return _qty(self.value, self.unit)


def _num(x: float, decimals: int = 2) -> str:
    return format_number(round(x, decimals), decimals)


def _pct(x: float) -> str:
    return f"{_num(x, 1)}%"


def _qty(x: float, unit: str, decimals: int = 2) -> str:
    if unit == "%":
        return f"{_num(x, decimals)}%"
    return f"{_num(x, decimals)} {unit}".strip()


def _amount(x: float, unit: str) -> str:
    """A difference: percentages differ by points ("0,4 điểm %")."""
    return f"{_num(abs(x))} điểm %" if unit == "%" else _qty(abs(x), unit)


def format_value(indicator: Mapping[str, Any], value: float | None, *,
                 per_unit: bool = False) -> str:
    """Show a value as entered: "53,8%", "Có", "3,2 m²/người", "đạt" (one unit's value)."""
    if value is None:
        return ""
    if per_unit:
        return "đạt" if value >= 1 else "chưa đạt"
    if indicator.get("target_kind") == TargetKind.CO_KHONG:
        return "Có" if value >= 1 else "Không"
    return _qty(value, str(indicator.get("unit") or ""))


def _signed(x: float) -> str:
    if round(x, _DIGITS) == 0:
        return "0"
    return ("+" if x > 0 else "−") + _num(abs(x))


def _judge(value: float, comparison: str | None, target: float) -> bool:
    v, t = round(value, _DIGITS), round(target, _DIGITS)
    if comparison == Comparison.GT:
        return v > t
    if comparison == Comparison.LE:
        return v <= t
    if comparison == Comparison.LT:
        return v < t
    # GE; EQ: "55%" is a level to reach, exceeding it is no failure; RANGE: "phấn đấu đạt từ 3
    # đến 4 m²" is reached at 3, and above 4 it is exceeded (`Status.VUOT`), not missed.
    return v >= t


def _gap(value: float, comparison: str | None, target: float) -> float:
    if comparison in (Comparison.LE, Comparison.LT):
        gap = value - target
    else:  # GE, EQ, GT and a range (met from its lower bound up)
        gap = target - value
    return max(0.0, round(gap, _DIGITS))


def _exceeds_range(value: float, indicator: Mapping[str, Any]) -> bool:
    high = _number(indicator, "target_max")
    return high is not None and round(value, _DIGITS) > round(high, _DIGITS)


def _relation(value: float, target: float) -> str:
    v, t = round(value, _DIGITS), round(target, _DIGITS)
    return "<" if v < t else ">" if v > t else "="


def _names(names: Sequence[str], noun: str) -> str:
    shown = ", ".join(names[:_NAMES_SHOWN])
    rest = len(names) - _NAMES_SHOWN
    return shown + (f" và {rest} {noun} khác" if rest > 0 else "")


def _number(indicator: Mapping[str, Any], key: str) -> float | None:
    value = indicator.get(key)
    return None if value is None else float(value)


def _base(indicator: Mapping[str, Any], year: int) -> dict[str, Any]:
    return {
        "code": str(indicator.get("code") or ""),
        "text": str(indicator.get("text") or ""),
        "target_text": str(indicator.get("target_text") or ""),
        "group": str(indicator.get("group") or ""),
        "kind": str(indicator.get("target_kind") or ""),
        "year": year,
        "unit": str(indicator.get("unit") or ""),
        "derived": bool(indicator.get("derived")),
    }


def _no_data(indicator: Mapping[str, Any], year: int, reason: str, **extra: Any) -> Evaluation:
    return Evaluation(**{**_base(indicator, year), **extra}, status=Status.CHUA_CO_SO_LIEU,
                      explanation=reason)


def _not_entered(indicator: Mapping[str, Any], snapshot: Snapshot, year: int) -> str:
    """Say that the year has no value, and what the latest earlier one was."""
    reason = f"Chưa nhập số liệu năm {year}"
    earlier = [y for y in series(snapshot, indicator["code"]).years() if y < year]
    if earlier:
        latest = evaluate(indicator, snapshot, max(earlier))
        if latest.value_text:
            reason += f" (gần nhất: năm {latest.year}: {latest.value_text})"
    return reason


def evaluate(indicator: Mapping[str, Any], snapshot: Snapshot, year: int) -> Evaluation:
    """Judge one indicator in one year against its target, with a Vietnamese explanation."""
    if indicator.get("derived"):
        return _evaluate_derived(indicator, snapshot, year)
    kind = indicator.get("target_kind")
    if kind == TargetKind.THAY_DOI:
        return _evaluate_change(indicator, snapshot, year)
    if kind == TargetKind.BAO_PHU:
        return _evaluate_coverage(indicator, snapshot, year)
    value = series(snapshot, indicator["code"]).ward.get(year)
    if value is None:
        return _no_data(indicator, year, _not_entered(indicator, snapshot, year))
    if kind == TargetKind.CO_KHONG:
        met = value >= 1
        text = "Có" if met else f"Không (chỉ tiêu: {indicator.get('target_text') or 'Có'})"
        return Evaluation(**_base(indicator, year), status=Status.DAT if met else Status.CHUA_DAT,
                          explanation=text, value=value)
    target = _number(indicator, "target_value")
    if target is None:
        return _no_data(indicator, year, "Chỉ tiêu chưa có giá trị mục tiêu để so sánh",
                        value=value)
    comparison = indicator.get("comparison")
    if kind == TargetKind.KHOANG:
        comparison = Comparison.RANGE
    met = _judge(value, comparison, target)
    unit = str(indicator.get("unit") or "")
    gap = _gap(value, comparison, target)
    status = Status.DAT if met else Status.CHUA_DAT
    if kind == TargetKind.KHOANG:
        text = _range_text(value, target, _number(indicator, "target_max"), unit, indicator)
        if _exceeds_range(value, indicator):
            status = Status.VUOT
    else:
        text = _level_text(value, comparison, target, unit, met, gap)
    return Evaluation(**_base(indicator, year), status=status, explanation=text, value=value,
                      gap=gap)


def _level_text(value: float, comparison: str | None, target: float, unit: str, met: bool,
                gap: float) -> str:
    text = f"{_qty(value, unit)} {_relation(value, target)} {_qty(target, unit)}"
    if met:
        return text
    if gap == 0:  # a strict comparison reached exactly: "trên 70%" needs more than 70
        return text + f" (chỉ tiêu {comparison} {_qty(target, unit)})"
    word = "cao hơn mức cho phép" if comparison in (Comparison.LE, Comparison.LT) else "còn thiếu"
    return text + f"; {word} {_amount(gap, unit)}"


def _range_text(value: float, low: float, high: float | None, unit: str,
                indicator: Mapping[str, Any]) -> str:
    high = low if high is None else high
    target = indicator.get("target_text") or f"từ {_num(low)} đến {_num(high)}"
    if round(value, _DIGITS) < round(low, _DIGITS):
        return f"{_qty(value, unit)} < {_qty(low, unit)} (chỉ tiêu {target})"
    if round(value, _DIGITS) > round(high, _DIGITS):
        return f"{_qty(value, unit)} > {_qty(high, unit)}: vượt chỉ tiêu {target}"
    return f"{_qty(value, unit)}, trong khoảng {target}"


def _change_words(change: float, unit: str) -> str:
    if round(change, _DIGITS) == 0:
        return "không đổi"
    return ("giảm " if change < 0 else "tăng ") + _amount(change, unit)


def _target_change_words(comparison: str | None, target: float, unit: str) -> str:
    strict = comparison in (Comparison.GT, Comparison.LT)
    if target < 0 and comparison in (Comparison.LE, Comparison.LT):
        return f"giảm {'>' if strict else '≥'} {_amount(target, unit)}/năm"
    if target > 0 and comparison in (Comparison.GE, Comparison.GT, Comparison.EQ, None):
        return f"tăng {'>' if strict else '≥'} {_amount(target, unit)}/năm"
    return f"thay đổi {comparison or '≥'} {_signed(target)}/năm"


def _evaluate_change(indicator: Mapping[str, Any], snapshot: Snapshot, year: int) -> Evaluation:
    values = series(snapshot, indicator["code"])
    unit = str(indicator.get("unit") or "")
    level = values.ward.get(year)
    if level is None:
        return _no_data(indicator, year, _not_entered(indicator, snapshot, year))
    previous = values.before(year)
    if previous is None:
        return _no_data(indicator, year, f"Có số liệu năm {year} ({_qty(level, unit)}) nhưng "
                        "chưa có số liệu năm trước để tính mức thay đổi", level=level)
    target = _number(indicator, "target_value")
    if target is None:
        return _no_data(indicator, year, "Chỉ tiêu chưa có giá trị mục tiêu để so sánh",
                        level=level)
    comparison = indicator.get("comparison")
    before_year, before = previous
    span = year - before_year
    change = round((level - before) / span, _DIGITS)
    met = _judge(change, comparison, target)
    text = (f"{_qty(before, unit)} → {_qty(level, unit)}: "
            f"{_change_words(level - before, unit)} so với {before_year}")
    if span > 1:
        text += f" (bình quân {_change_words(change, unit)}/năm)"
    text += f" (chỉ tiêu {_target_change_words(comparison, target, unit)})"
    first_year = min(values.ward)
    baseline = (first_year, values.ward[first_year])
    if first_year < before_year:
        years = year - first_year
        text += (f"; so với năm gốc {first_year} ({_qty(baseline[1], unit)}): "
                 f"{_change_words(level - baseline[1], unit)}, chỉ tiêu "
                 f"{_change_words(target * years, unit)} sau {years} năm")
    return Evaluation(**_base(indicator, year),
                      status=Status.DUNG_TIEN_DO if met else Status.CHAM_TIEN_DO,
                      explanation=text, value=change, gap=_gap(change, comparison, target),
                      level=level, previous=previous, baseline=baseline)


def _coverage_text(cov: Coverage, comparison: str | None, target: float, met: bool) -> str:
    relation = f"{_pct(cov.percent)} {_relation(cov.percent, target)} {_pct(target)}"
    if not cov.per_unit:
        return f"{cov.summary()} {_relation(cov.percent, target)} {_pct(target)}"
    text = f"{cov.summary()} ({relation})"
    if cov.short:
        text += f"; {cov.short_label}: {_names(cov.short, cov.noun)}"
    if cov.missing:
        text += (f"; {len(cov.missing)} {cov.noun} chưa có số liệu, tính là chưa đạt: "
                 f"{_names(cov.missing, cov.noun)}")
    if not met and comparison in (Comparison.GT, Comparison.LT) and cov.percent == target:
        text += f" (chỉ tiêu {comparison} {_pct(target)})"
    return text


def _evaluate_coverage(indicator: Mapping[str, Any], snapshot: Snapshot, year: int) -> Evaluation:
    cov = coverage(snapshot, indicator, year)
    if cov is None:
        return _no_data(indicator, year, _not_entered(indicator, snapshot, year))
    target = _number(indicator, "target_value")
    target = 100.0 if target is None else target
    comparison = indicator.get("comparison")
    met = _judge(cov.percent, comparison, target)
    return Evaluation(**{**_base(indicator, year), "unit": "%"},
                      status=Status.DAT if met else Status.CHUA_DAT,
                      explanation=_coverage_text(cov, comparison, target, met),
                      value=cov.percent, gap=_gap(cov.percent, comparison, target),
                      coverage=cov)


def _evaluate_derived(indicator: Mapping[str, Any], snapshot: Snapshot, year: int) -> Evaluation:
    rule = indicator["derived"]
    cov, reason = _derived(rule, snapshot, year)
    if cov is None:
        return _no_data(indicator, year, reason)
    target = _number(indicator, "target_value")
    comparison = indicator.get("comparison")
    percent_target = (indicator.get("unit") == "%" and target is not None
                      and indicator.get("target_kind") in (TargetKind.MUC, TargetKind.BAO_PHU))
    if not percent_target:
        # "Each organisation builds at least one": every unit must, so the share must be 100%.
        target, comparison = 100.0, Comparison.GE
    assert target is not None
    met = _judge(cov.percent, comparison, target)
    text = f"{cov.summary()} năm {year}" if rule == DerivedRule.MO_HINH_MOI_TO_CHUC \
        else cov.summary()
    if percent_target:
        text += f" ({_pct(cov.percent)} {_relation(cov.percent, target)} {_pct(target)})"
    if cov.short:
        text += f"; {cov.short_label}: {_names(cov.short, cov.noun)}"
    return Evaluation(**{**_base(indicator, year), "unit": "%"},
                      status=Status.DAT if met else Status.CHUA_DAT, explanation=text,
                      value=cov.percent, gap=_gap(cov.percent, comparison, target),
                      coverage=cov)


def evaluate_all(snapshot: Snapshot, year: int) -> list[Evaluation]:
    """Judge every active indicator in the year, in plan order (once per snapshot and year)."""
    return list(_evaluate_all(snapshot, year))


@per_snapshot(8)
def _evaluate_all(snapshot: Snapshot, year: int) -> tuple[Evaluation, ...]:
    return tuple(evaluate(indicator, snapshot, year) for indicator in indicators(snapshot))


def evaluate_years(snapshot: Snapshot, years: Iterable[int]) -> list[Evaluation]:
    """Judge every indicator in each year: indicator by indicator, years in order."""
    years = sorted(years)
    by_year = {y: _evaluate_all(snapshot, y) for y in years}
    return [by_year[y][i] for i in range(len(indicators(snapshot))) for y in years]


def counts(evaluations: Iterable[Evaluation]) -> dict[bool | None, int]:
    """Count met (True), not met (False) and without data (None)."""
    tally = Counter(e.met for e in evaluations)
    return {True: tally[True], False: tally[False], None: tally[None]}


def by_group(evaluations: Iterable[Evaluation]) -> list[tuple[str, list[Evaluation]]]:
    """Group evaluations by the plan's group, keeping plan order."""
    groups: dict[str, list[Evaluation]] = {}
    for e in evaluations:
        groups.setdefault(e.group, []).append(e)
    return list(groups.items())


PROGRESS_COLUMNS = ("Mã", "Chỉ tiêu", "Mục tiêu", "Giá trị", "Đánh giá", "Giải thích")
# The same columns as a screen shows them: code, status and value first, so a phone shows them
# without scrolling sideways (files keep `PROGRESS_COLUMNS`).
PROGRESS_ON_SCREEN = ("Mã", "Đánh giá", "Giá trị", "Mục tiêu", "Chỉ tiêu", "Giải thích")


def progress_frame(evaluations: Sequence[Evaluation]) -> pd.DataFrame:
    """Return the progress table with Vietnamese headers and values as people read them."""
    rows = [(e.code, e.short_text, e.target_text, e.value_text, e.status.label(), e.explanation)
            for e in evaluations]
    return pd.DataFrame(rows, columns=list(PROGRESS_COLUMNS))


TREND_COLUMNS = ("code", "indicator", "group", "year", "value", "level", "status", "met")


def trend_frame(evaluations: Iterable[Evaluation]) -> pd.DataFrame:
    """Return one row per indicator and year with machine values, for charts.

    `level` is the year's figure (the poverty rate itself for a change per year); `value` is
    what the target judges (the change, or the % of units).
    """
    rows = [(e.code, indicator_label(_as_record(e)), e.group, e.year, e.value,
             e.level if e.level is not None else e.value, str(e.status), e.met)
            for e in evaluations]
    return pd.DataFrame(rows, columns=list(TREND_COLUMNS))


def trend_table(evaluations: Iterable[Evaluation]) -> pd.DataFrame:
    """Return indicator × year, each cell the value and its status ("53,8% (chưa đạt)")."""
    rows: dict[str, dict[str, str]] = {}
    years: set[int] = set()
    for e in evaluations:
        row = rows.setdefault(e.code, {"Mã": e.code, "Chỉ tiêu": e.short_text,
                                       "Mục tiêu": e.target_text})
        row[str(e.year)] = (f"{e.value_text} ({e.status.label().lower()})" if e.value_text
                            else "—")
        years.add(e.year)
    columns = ["Mã", "Chỉ tiêu", "Mục tiêu", *(str(y) for y in sorted(years))]
    return pd.DataFrame(list(rows.values()), columns=columns)


def _as_record(e: Evaluation) -> dict[str, Any]:
    return {"code": e.code, "text": e.text, "derived": e.derived}


# --- entering values -----------------------------------------------------------------------


def yes_no(indicator: Mapping[str, Any], *, per_unit: bool = False) -> bool:
    """Tell whether values are yes/no: a Có/Không target, or one unit's đạt/chưa đạt."""
    kind = indicator.get("target_kind")
    return kind == TargetKind.CO_KHONG or (per_unit and kind == TargetKind.BAO_PHU)


def big_change(previous: float | None, new: float | None, indicator: Mapping[str, Any], *,
               per_unit: bool = False) -> bool:
    """Tell whether a value is far enough from the previous period's to ask for a note.

    Never for a yes/no (Có/Không, or a unit's đạt/chưa đạt): a group that now meets the
    standard is what the plan works for, not a typo to explain. Otherwise
    |new − previous| > max(20% of |previous|, floor), where the floor keeps small numbers from
    tripping it: 10 points for a % level, 2 for a count, 3 × the yearly target for a change per
    year (a poverty rate of 2,5 → 2,1 is normal, 2,5 → 12 is a typo), nothing otherwise.
    """
    if previous is None or new is None or yes_no(indicator, per_unit=per_unit):
        return False
    kind = indicator.get("target_kind")
    target = indicator.get("target_value")
    if kind == TargetKind.THAY_DOI and target:
        floor = 3 * abs(float(target))
    elif kind == TargetKind.SO_LUONG:
        floor = 2.0
    elif indicator.get("unit") == "%":
        floor = 10.0
    else:
        floor = 0.0
    return round(abs(new - previous), _DIGITS) > max(0.2 * abs(previous), floor)


@dataclass
class Entry:
    """A value about to be saved: what to write, the record it updates, what stops it."""

    values: Record
    existing: Record | None
    problems: list[Problem]


def _problem(column_key: str, value: Any, message: str) -> Problem:
    sheet = SHEETS[VALUES]
    return Problem(VALUES, None, sheet.column(column_key).header, value, message,
                   column_key=column_key)


def check_entry(snapshot: Snapshot, values: Mapping[str, Any], *,
                record: Mapping[str, Any] | None = None) -> Entry:
    """Check a value typed in a form, with every rule; find the record it updates.

    `values` holds indicator, year, unit, value and note as typed. Without `record`, an existing
    value for the same indicator, year and unit is found and updated (a blank note then keeps
    the note it has); with `record`, that record is the one edited, exactly as typed.
    """
    values = dict(values)
    code = str(values.get("indicator") or "")
    indicator = find_indicator(snapshot, code)
    if indicator is not None and indicator.get("derived"):
        return Entry(values, None, [_problem(
            "indicator", code,
            f"chỉ tiêu {indicator['code']} do ứng dụng tự tính từ "
            f"{derived_source(indicator['derived'])}, không nhập tay")])
    parsed, problems = validate_record(VALUES, values, snapshot)
    unit, year, new = parsed.get("unit"), parsed.get("year"), parsed.get("value")
    values["unit"] = unit
    if indicator is None:
        return Entry(values, None, problems)
    kind = indicator.get("per_unit_kind")
    if kind and unit is None and record is None:
        # The form enters one unit at a time; a ward-level % can still be typed in the sheet.
        problems.append(_problem("unit", None,
                                 f"bắt buộc: chỉ tiêu này nhập theo từng {_noun(kind)}"))
    elif unit is not None and not kind:
        problems.append(_problem("unit", unit,
                                 "để trống: chỉ tiêu này nhập một số cho cả phường"))
    elif unit is not None and snapshot["units"].labels.get(unit, {}).get("kind") != kind:
        problems.append(_problem("unit", unit, f"“{unit}” không phải là {_noun(kind)}"))
    elif unit is not None and year is not None and not existed_in(
            snapshot["units"].labels.get(unit, {}), year):
        problems.append(_problem("unit", unit, f"“{unit}” không có trong năm {year} "
                                               f"({_lifetime(snapshot['units'].labels[unit])})"))
    existing = dict(record) if record is not None else None
    if existing is None and year is not None:
        existing = existing_value(snapshot, indicator["code"], year, unit)
        if existing is not None and is_blank(values.get("note")):
            values["note"] = parsed["note"] = existing.get("note")
    if new is not None and year is not None and is_blank(parsed.get("note")):
        previous = previous_value(snapshot, indicator["code"], year, unit)
        if previous is not None and big_change(previous[1], new, indicator,
                                               per_unit=unit is not None):
            per_unit = unit is not None
            problems.append(_problem(
                "note", None,
                f"bắt buộc vì giá trị {format_value(indicator, new, per_unit=per_unit)} khác "
                f"nhiều so với năm {previous[0]} "
                f"({format_value(indicator, previous[1], per_unit=per_unit)}); hãy ghi nguồn số "
                "liệu hoặc lý do thay đổi"))
    return Entry(values, existing, problems)


def _lifetime(unit: Mapping[str, Any]) -> str:
    start, end = unit.get("valid_from"), unit.get("valid_to")
    parts = ([f"có từ ngày {format_date_vn(start)}"] if start else []) + (
        [f"đến ngày {format_date_vn(end)}"] if end else [])
    return ", ".join(parts)


def save_value(store: Store, snapshot: Snapshot, values: Mapping[str, Any], actor: Actor, *,
               record: Mapping[str, Any] | None = None) -> saving.SaveResult:
    """Check and save one value: a new record, or an update of the one already there.

    An update carries what the person saw, so a record changed meanwhile is refused.
    """
    try:
        require_sheet_write(actor, VALUES)
    except PermissionDenied as err:
        return saving.SaveResult(error=str(err))
    entry = check_entry(snapshot, values, record=record)
    if entry.problems:
        return saving.SaveResult(problems=entry.problems)
    try:
        if entry.existing is None:
            return saving.create(store, snapshot, VALUES, entry.values, actor)
        return saving.edit(store, snapshot, VALUES, entry.existing[ID], entry.values,
                           entry.existing, actor)
    except PermissionDenied as err:
        return saving.SaveResult(error=str(err))


# --- entering every unit's value of a year at once --------------------------------------------


@dataclass(frozen=True)
class UnitGrid:
    """A per-unit indicator's values in a year: one row per unit that existed then."""

    code: str
    year: int
    yes_no: bool  # đạt/chưa đạt ticked in a checkbox; otherwise a number typed as text
    frame: pd.DataFrame  # unit_header, value_header, previous_header, note_header
    unit_header: str
    value_header: str
    previous_header: str
    note_header: str


def unit_grid(snapshot: Snapshot, indicator: Mapping[str, Any], year: int) -> UnitGrid:
    """Return the grid of a per-unit indicator's values in the year, as they stand now.

    A yes/no cell without a value shows unticked: saving the grid records it as "chưa đạt".
    """
    code = str(indicator["code"])
    noun = _noun(indicator.get("per_unit_kind"))
    ticks = yes_no(indicator, per_unit=True)
    value_column = SHEETS[VALUES].column("value")
    headers = (noun[:1].upper() + noun[1:], "Đạt" if ticks else value_column.header,
               f"Năm {year - 1}", SHEETS[VALUES].column("note").header)
    rows = []
    for unit in unit_options(snapshot, indicator, year):
        record = existing_value(snapshot, code, year, unit)
        value = None if record is None else record.get("value")
        before = previous_value(snapshot, code, year, unit)
        shown_before = "" if before is None or before[0] != year - 1 else format_value(
            indicator, before[1], per_unit=ticks)
        if ticks:
            cell: Any = value is not None and value >= 1
        else:
            cell = "" if value is None else value_column.type.display(value)
        note = "" if record is None else str(record.get("note") or "")
        rows.append((unit, cell, shown_before, note))
    frame = pd.DataFrame(rows, columns=list(headers))
    if ticks:
        frame[headers[1]] = frame[headers[1]].astype(bool)
    return UnitGrid(code, year, ticks, frame, *headers)


@dataclass
class GridSave(saving.SaveResult):
    """What saving a grid did: the values added and changed, or why nothing was saved."""

    added: list[Record] = field(default_factory=list)
    changed: list[Record] = field(default_factory=list)
    noun: str = "đơn vị"
    yes_no: bool = False

    @property
    def ok(self) -> bool:
        """Tell whether the grid was saved (also when nothing had changed)."""
        return not self.problems and self.error is None and not self.unknown

    def summary(self) -> str:
        """Say what was written: "đã lưu 12 tổ dân phố (thêm mới 12, sửa 0): 11 đạt, 1 chưa đạt"."""
        if not self.added and not self.changed:
            return "không có thay đổi nào để lưu."
        written = [*self.added, *self.changed]
        text = (f"đã lưu {len(written)} {self.noun} (thêm mới {len(self.added)}, sửa "
                f"{len(self.changed)})")
        if self.yes_no:
            met = sum((r.get("value") or 0) >= 1 for r in written)
            text += f": {met} đạt, {len(written) - met} chưa đạt"
        return text + "."


def _grid_problem(unit: str, problem: Problem) -> Problem:
    """Name the unit in a problem of one grid row: "Tổ dân phố 3 – Giá trị: …"."""
    return Problem(problem.sheet, problem.row, f"{unit} – {problem.column}", problem.value,
                   problem.message, problem.severity, problem.column_key, problem.record_id)


def save_unit_grid(store: Store, snapshot: Snapshot, indicator: Mapping[str, Any], year: int,
                   edited: pd.DataFrame, actor: Actor, *,
                   ids: MutableMapping[str, str] | None = None) -> GridSave:
    """Check every row of an edited grid, then write the changes once and the new values once.

    Each row passes the rules of a single entry (`check_entry`), its problems naming the unit.
    Changed values are written in one update and new ones in one append: at most two writes,
    the update first, so a value changed meanwhile stops the save before anything is written.
    `ids` keeps the ids of new values across attempts (a session's dict): saving again after a
    lost answer finds the rows already added instead of adding them twice.
    """
    noun = _noun(indicator.get("per_unit_kind"))
    try:
        require_sheet_write(actor, VALUES)
    except PermissionDenied as err:
        return GridSave(error=str(err), noun=noun)
    grid = unit_grid(snapshot, indicator, year)
    sheet = SHEETS[VALUES]
    ids = {} if ids is None else ids
    problems: list[Problem] = []
    new: list[Record] = []
    updates: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    for row in edited.to_dict("records"):
        unit = str(row[grid.unit_header])
        raw = row.get(grid.value_header)
        if grid.yes_no:
            raw = 1 if raw is True or (not is_blank(raw) and bool(raw)) else 0
        note = row.get(grid.note_header)
        existing = existing_value(snapshot, grid.code, year, unit)
        if is_blank(raw):
            if existing is not None:
                problems.append(_grid_problem(unit, _problem(
                    "value", None, "bắt buộc vì năm này đã có số liệu; muốn bỏ số liệu thì lưu "
                    "trữ nó ở thẻ “Số liệu đã nhập”")))
            continue
        entry = check_entry(snapshot, {"indicator": grid.code, "year": year, "unit": unit,
                                       "value": raw, "note": None if is_blank(note) else note})
        if entry.problems:
            problems += [_grid_problem(unit, p) for p in entry.problems]
            continue
        record, found = validate_record(VALUES, entry.values, snapshot)
        if found:
            problems += [_grid_problem(unit, p) for p in found]
            continue
        if existing is None:
            taken = set(snapshot[VALUES].by_id) | set(ids.values())
            record[ID] = ids.setdefault(unit, new_id(sheet, taken))
            new.append(record)
            continue
        changes = {k: record[k] for k in ("value", "note")
                   if not sheet.column(k).type.same(record[k], existing.get(k))}
        if changes:
            updates.append((existing[ID], changes,
                            {k: v for k, v in existing.items() if k != ROW}))
    if problems:
        return GridSave(problems=problems, noun=noun, yes_no=grid.yes_no)
    changed: list[Record] = []
    try:
        if updates:
            changed = store.update_many(VALUES, updates, actor.label)
    except StoreError as err:
        return GridSave(error=str(err), conflict=isinstance(err, (ConflictError, NotFoundError)),
                        unknown=isinstance(err, WriteUnknown), noun=noun)
    try:
        added = store.append(VALUES, new, actor.label) if new else []
    except StoreError as err:
        error = str(err)
        if changed:
            error = (f"Đã lưu thay đổi của {len(changed)} {noun}, nhưng chưa thêm được số liệu "
                     f"của {len(new)} {noun} chưa có số liệu: {error}")
        return GridSave(error=error, unknown=isinstance(err, WriteUnknown), noun=noun)
    return GridSave(added=added, changed=changed, noun=noun, yes_no=grid.yes_no)
