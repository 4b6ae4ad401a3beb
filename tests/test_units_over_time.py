"""Units have a lifetime: a unit added today leaves every figure of the earlier years as it was.

Issue 11: adding a residential group rewrote 2025's "90% (9/10)" as "75% (9/12)". The figures
are taken from the demo ward in the real embedded store, before and after a unit is added
through the same path as the "Đơn vị" form.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services import campaign as cp
from services import clock, progress, roster
from services import dashboard as board
from services import records as saving
from services.auth import LOCAL_ADMIN
from services.choices import TargetKind, UnitKind
from services.demo import generate
from services.store.sql import SqlStore
from services.validation import Snapshot

NEW_GROUP = "Tổ dân phố 99"


@pytest.fixture
def ward(sql_store: SqlStore) -> SqlStore:
    """The demo ward: figures for the three years before the working one."""
    sql_store.load(generate())
    return sql_store


def _earlier_years() -> range:
    return range(progress.PLAN_FIRST_YEAR, clock.today().year)


def figures(snapshot: Snapshot, year: int) -> dict[str, Any]:
    """Every figure of a year that counts units: the indicators, coverage, registrations."""
    per_unit = [i for i in progress.indicators(snapshot)
                if i.get("target_kind") == TargetKind.BAO_PHU and i.get("per_unit_kind")]
    view = board.build_indicator_view(snapshot, year)
    return {
        "evaluations": [(e.code, e.status, e.explanation, e.value_text, e.value, e.coverage)
                        for e in progress.evaluate_all(snapshot, year)],
        "coverage per group": {i["code"]: progress.coverage(snapshot, i, year) for i in per_unit},
        "grid": {i["code"]: progress.unit_grid(snapshot, i, year).frame.to_dict("records")
                 for i in per_unit},
        "registrations": progress.registration_coverage(snapshot, year),
        "not registered": [u["name"] for u in cp.units_not_registered(snapshot, year)],
        "lists": progress.roster_coverage(snapshot, year),
        "approved lists": progress.roster_coverage(snapshot, year, approved_only=True),
        "roster per group": roster.coverage(snapshot, year),
        "dashboard": (view.headline(), view.counts.to_dict("records"),
                      [(g, t.to_dict("records")) for g, t in view.tables]),
    }


def _all(snapshot: Snapshot) -> dict[int, dict[str, Any]]:
    return {year: figures(snapshot, year) for year in _earlier_years()}


def _add_group(store: SqlStore, valid_from: date | None) -> None:
    result = saving.create(store, store.snapshot(), "units",
                           {"name": NEW_GROUP, "kind": UnitKind.TO_DAN_PHO, "must_register": True,
                            "residential": True, "valid_from": valid_from}, LOCAL_ADMIN)
    assert result.ok, result.messages()


def test_adding_a_unit_today_changes_no_figure_of_an_earlier_year(ward: SqlStore) -> None:
    before = _all(ward.snapshot())
    last = clock.today().year - 1
    assert before[last]["coverage per group"]["2.1.9"].total is not None  # there is a figure
    _add_group(ward, clock.today())  # the form's default: "Có từ ngày" today
    after = ward.snapshot()
    for year in _earlier_years():
        for name, figure in figures(after, year).items():
            assert figure == before[year][name], f"{name} of {year} changed"
    # The working year does count it: it exists now.
    this_year = progress.roster_coverage(after, clock.today().year)
    assert this_year is not None and NEW_GROUP in this_year.short
    assert NEW_GROUP in [u["name"] for u in cp.units_not_registered(after, clock.today().year)]


def test_a_unit_without_a_start_date_counts_in_every_year(ward: SqlStore) -> None:
    """The snapshot above can fail: a unit that "existed from the start" changes past years."""
    last = clock.today().year - 1
    before = figures(ward.snapshot(), last)
    _add_group(ward, None)
    after = figures(ward.snapshot(), last)
    assert after["coverage per group"] != before["coverage per group"]
    cov = after["coverage per group"]["2.1.9"]
    assert cov.total == before["coverage per group"]["2.1.9"].total + 1
    assert NEW_GROUP in cov.missing


def test_a_unit_that_ended_counts_up_to_its_last_year_only(ward: SqlStore) -> None:
    last = clock.today().year - 1
    snapshot = ward.snapshot()
    groups = progress.units_in_year(snapshot, last, (UnitKind.TO_DAN_PHO,))
    gone = groups[0]
    result = saving.edit(ward, snapshot, "units", gone["id"],
                         {"valid_to": date(last - 1, 6, 30)}, gone, LOCAL_ADMIN)
    assert result.ok, result.messages()
    after = ward.snapshot()
    assert gone["name"] not in roster.tdp_names(after, last)
    assert gone["name"] in roster.tdp_names(after, last - 1)
    culture = progress.find_indicator(after, "2.1.9")
    assert culture is not None
    cov = progress.coverage(after, culture, last)
    assert cov is not None and cov.total == len(groups) - 1


def test_the_demo_group_split_off_last_year_is_left_out_of_the_years_before(
        ward: SqlStore) -> None:
    snapshot = ward.snapshot()
    last = clock.today().year - 1
    founded = [u for u in snapshot["units"].active()
               if u.get("kind") == UnitKind.TO_DAN_PHO and u.get("valid_from")]
    assert [u["valid_from"] for u in founded] == [date(last, 1, 1)]
    name = founded[0]["name"]
    assert "chia tách" in founded[0]["note"]
    culture = progress.find_indicator(snapshot, "2.1.9")
    assert culture is not None
    counted = {y: progress.coverage(snapshot, culture, y) for y in (last - 2, last)}
    assert counted[last - 2] is not None and counted[last] is not None
    assert counted[last - 2].total == counted[last].total - 1
    assert name not in counted[last - 2].missing  # not "without a value": it did not exist
    assert progress.existing_value(snapshot, "2.1.9", last - 2, name) is None
    assert progress.existing_value(snapshot, "2.1.9", last, name) is not None
