"""What is kept per snapshot: computed once, the same as computing it afresh, never stale."""

from __future__ import annotations

import gc
import weakref
from datetime import date

import pytest

from services import attendance as att
from services import clock, memo, progress
from services.demo import generate
from services.listing import display_frame
from services.schema import SHEETS
from services.store.sql import SqlStore
from services.validation import Snapshot, Table

TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def ward(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """Return the demo ward (3×) as the embedded store reads it."""
    store = SqlStore(f"sqlite:///{tmp_path_factory.mktemp('memo') / 'ward.sqlite3'}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "today", lambda: TODAY)
        store.load(generate(scale=3))
    snapshot = store.snapshot()
    store.engine.dispose()
    return snapshot


def test_a_result_is_computed_once_per_snapshot_and_arguments(ward: Snapshot) -> None:
    calls: list[int] = []

    @memo.per_snapshot(4)
    def counted(snapshot: Snapshot, year: int) -> tuple[int, ...]:
        calls.append(year)
        return (year,)

    first = counted(ward, 2025)
    assert counted(ward, 2025) is first
    counted(ward, 2026)
    assert calls == [2025, 2026]


def test_a_new_snapshot_is_computed_afresh_and_the_old_one_is_not_kept_alive() -> None:
    calls: list[int] = []

    @memo.per_snapshot(4)
    def size(snapshot: Snapshot) -> int:
        calls.append(1)
        return len(snapshot["units"].records)

    old = Snapshot({"units": _table_of(2)})
    assert size(old) == 2
    gone = weakref.ref(old)
    del old
    gc.collect()
    assert gone() is None  # the memo holds the snapshot weakly
    new = Snapshot({"units": _table_of(3)})
    assert size(new) == 3
    assert len(calls) == 2


def _table_of(rows: int) -> Table:
    return Table(SHEETS["units"], [{"name": f"TDP {i}"} for i in range(rows)], [], rows)


def test_keep_builds_once_per_key(ward: Snapshot) -> None:
    built: list[str] = []
    for _ in range(3):
        memo.keep(ward, ("test-keep", "a"), lambda: built.append("a") or len(built))
    memo.keep(ward, ("test-keep", "b"), lambda: built.append("b") or len(built))
    assert built == ["a", "b"]


def test_meetings_figures_kept_per_snapshot_equal_the_figures_computed_afresh(
        ward: Snapshot) -> None:
    meetings, units = ward["meetings"].active(), ward["units"]
    year = TODAY.year
    assert att.compliance_of(ward, TODAY, year) == att.register_compliance(
        ward["attendees"].active(), meetings, units.records, TODAY, year)
    assert att.compliance_of(ward, TODAY, year) is att.compliance_of(ward, TODAY, year)
    window = att.recent_window(TODAY)
    assert list(att.branch_visits_of(ward, window)) == att.visits_per_branch(
        meetings, units.active(), window)
    month = date(year, 5, 1)
    assert att.monthly_summary_of(ward, month, TODAY) == att.monthly_summary(
        meetings, month, TODAY, units.active())
    planned = att.plan_progress(ward["visit_plan"].active(), ward["attendees"].active(),
                                meetings, TODAY)
    assert list(att.plan_progress_of(ward, TODAY)) == planned
    in_year = [v for v in planned if v.start.year <= year <= v.end.year]
    assert list(att.plan_year_of(ward, TODAY, year)) == in_year
    assert list(att.plan_by_person_of(ward, TODAY, year)) == att.plan_by_person(in_year)
    assert list(att.plan_by_branch_of(ward, TODAY, year)) == att.plan_by_branch(
        in_year, units.active())
    assert list(att.proposal_of(ward, month)) == att.propose_rotation(
        ward["attendees"].active(), units.active(), month, ward["visit_plan"].active(),
        meetings)


def test_status_text_is_the_same_from_the_cache(ward: Snapshot) -> None:
    for record in ward["meetings"].active()[:200]:
        status = att.report_status(record, TODAY)
        text = att.status_text(record, TODAY)
        assert text.startswith(str(status))


def test_an_indicators_values_are_found_by_its_code_typed_loosely(ward: Snapshot) -> None:
    values = ward[progress.VALUES].active()
    code = values[0]["indicator"]
    expected = [r for r in values if r["indicator"].lower() == code.lower()]
    assert progress.value_records(ward, code) == expected
    assert progress.value_records(ward, f" {code.upper()} ") == expected
    assert progress.value_records(ward, "không có") == []


def test_years_of_evaluations_equal_evaluating_each_indicator_and_year(ward: Snapshot) -> None:
    years = [2023, 2024, 2025]
    assert progress.evaluate_years(ward, years) == [
        progress.evaluate(indicator, ward, y) for indicator in progress.indicators(ward)
        for y in years]
    assert progress.evaluate_all(ward, 2025) == [
        progress.evaluate(indicator, ward, 2025) for indicator in progress.indicators(ward)]


def test_a_list_table_is_reused_but_a_callers_change_stays_its_own(ward: Snapshot) -> None:
    sheet = SHEETS["members"]
    records = ward["members"].active()[:50]
    keys = ["full_name", "tdp", "status"]
    first = display_frame(sheet, records, keys)
    first["Thêm"] = 1
    first[sheet.column("tdp").header] = "đổi"
    again = display_frame(sheet, records, keys)
    assert "Thêm" not in again.columns
    assert list(again[sheet.column("tdp").header]) == [r["tdp"] for r in records]
    # Other records (or the same in another order) are another table.
    assert list(display_frame(sheet, records[::-1], keys)[sheet.column("full_name").header]) == [
        r["full_name"] for r in records[::-1]]
