"""Tests of the demo data generator: deterministic, valid against the schema, usefully imperfect."""

from __future__ import annotations

import random
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from services import clock
from services.choices import (
    AttendeeLevel,
    Gender,
    MemberStatus,
    RegistrationStatus,
    Role,
    TargetKind,
    UnitKind,
)
from services.coltypes import Ref
from services.demo import _FAMILY, _GIVEN, _MIDDLE, _unique_name, campaign_name, generate, summary
from services.reference import ATTENDANCE_RULES
from services.schema import ARCHIVED, ID, SHEETS, Column

Data = dict[str, list[dict[str, Any]]]

# Three moments of the office's year: before the campaign opens, while units register, near its
# end. Everything the demo promises must hold at each of them.
TODAYS = [date(2026, 1, 5), date(2026, 3, 10), date(2026, 11, 22)]


@pytest.fixture(params=TODAYS, ids=[d.isoformat() for d in TODAYS])
def today(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> date:
    """Pin Vietnam's "today" so the statuses the demo draws do not depend on the calendar."""
    pinned: date = request.param
    monkeypatch.setattr(clock, "today", lambda: pinned)
    return pinned


@pytest.fixture
def data(today: date) -> Data:
    """Generate the default ward on the pinned day."""
    return generate()


@pytest.fixture
def late_data(monkeypatch: pytest.MonkeyPatch) -> Data:
    """Generate the default ward late in the year, when every life-cycle stage is present."""
    monkeypatch.setattr(clock, "today", lambda: date(2026, 11, 22))
    return generate()


def _values(data: Data) -> Iterator[tuple[str, dict[str, Any], Column, Any]]:
    """Yield (sheet key, record, column, value) for every filled cell."""
    for key, records in data.items():
        sheet = SHEETS[key]
        for record in records:
            for column in sheet.columns:
                if record.get(column.key) is not None:
                    yield key, record, column, record[column.key]


def test_same_seed_gives_identical_data(today: date) -> None:
    assert generate(seed=7) == generate(seed=7)


def test_different_seed_gives_different_data(today: date) -> None:
    assert generate(seed=7) != generate(seed=8)


def test_scale_ten_gives_about_ten_times_the_members(today: date) -> None:
    one, ten = summary(generate()), summary(generate(scale=10))
    assert 9 * one["members"] <= ten["members"] <= 11 * one["members"]
    assert ten["meetings"] > 8 * one["meetings"]
    # Ward-level bodies stay one each, so models grow a little slower than the groups.
    assert ten["registrations"] > 6 * one["registrations"]


def test_scale_hundred_generates_in_a_few_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: date(2026, 11, 22))
    start = time.perf_counter()
    counts = summary(generate(scale=100))
    assert time.perf_counter() - start < 10
    assert counts["members"] >= 14_000


def test_names_stay_unique_after_the_three_word_names_run_out() -> None:
    # A 1,000× ward needs 20,000 attendees' names; there are some 7,000 of three words.
    rng = random.Random(1)
    taken = {f"{family} {middle} {given}" for family in _FAMILY for gender in Gender
             for middle in _MIDDLE[gender] for given in _GIVEN[gender]}
    before = len(taken)
    names = [_unique_name(rng, Gender.NU, taken) for _ in range(2_000)]
    assert len(set(names)) == len(names) == len(taken) - before
    assert all(len(name.split(" ")) >= 4 for name in names)
    assert not any("Thị Thị" in name for name in names)


def test_scale_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        generate(scale=0)


def test_summary_counts_every_sheet_and_no_audit_rows(data: Data) -> None:
    counts = summary(data)
    assert set(counts) == set(SHEETS)
    assert counts["audit"] == 0
    assert all(counts[key] == len(data[key]) for key in data)


def test_records_have_only_schema_columns_and_no_id(data: Data) -> None:
    for key, records in data.items():
        allowed = set(SHEETS[key].keys) - {ID}
        for record in records:
            assert set(record) <= allowed, (key, set(record) - allowed)
            assert record.get(ID) is None
            assert not record.get(ARCHIVED)


def test_every_value_round_trips_through_its_column_type(data: Data) -> None:
    for key, _record, column, value in _values(data):
        parsed = column.type.parse(column.type.to_cell(value))
        assert column.type.same(parsed, value), (key, column.key, value, parsed)


def test_required_columns_are_filled(data: Data) -> None:
    for key, records in data.items():
        required = [c.key for c in SHEETS[key].columns if c.required and c.key != ID]
        for record in records:
            missing = [k for k in required if record.get(k) in (None, "")]
            assert not missing, (key, missing, record)


def test_no_row_check_finds_a_problem(data: Data) -> None:
    for key, records in data.items():
        for record in records:
            problems = [p for check in SHEETS[key].row_checks for p in check(record)]
            assert not problems, (key, problems, record)


def test_every_reference_names_an_existing_record_of_an_allowed_kind(data: Data) -> None:
    for key, _record, column, value in _values(data):
        if not isinstance(column.type, Ref):
            continue
        target = SHEETS[column.type.sheet]
        by_label = {target.label_of(r): r for r in data[target.key]}
        assert value in by_label, (key, column.key, value)
        if column.type.kinds:
            assert by_label[value]["kind"] in column.type.kinds, (key, column.key, value)


@pytest.mark.parametrize("scale", [1, 3])
def test_unique_columns_are_unique(today: date, scale: int) -> None:
    data = generate(scale=scale)
    for key, records in data.items():
        for column in SHEETS[key].columns:
            if column.unique:
                counts = Counter(r[column.key] for r in records)
                assert [v for v, n in counts.items() if n > 1] == [], (key, column.key)


def test_text_is_nfc(data: Data) -> None:
    for key, _record, column, value in _values(data):
        if isinstance(value, str):
            assert unicodedata.normalize("NFC", value) == value, (key, column.key, value)


def test_no_date_is_after_today(data: Data, today: date) -> None:
    # Campaign deadlines are plans and may lie ahead; what happened cannot.
    happened = {"registered_on", "reported_on", "approved_on", "meeting_date", "report_date"}
    for key, _record, column, value in _values(data):
        if column.key in happened:
            assert value <= today, (key, column.key, value)


def test_units_cover_every_registering_kind_and_several_residential_groups(data: Data) -> None:
    kinds = Counter(u["kind"] for u in data["units"])
    assert 8 <= kinds[UnitKind.TO_DAN_PHO] <= 12
    assert kinds[UnitKind.CHI_BO] == kinds[UnitKind.TO_DAN_PHO] + 3
    assert kinds[UnitKind.TO_DAN_VAN] == 7
    assert kinds[UnitKind.DOAN_THE] == 5
    for kind in (UnitKind.CHINH_QUYEN, UnitKind.MAT_TRAN, UnitKind.CONG_AN, UnitKind.QUAN_SU):
        assert kinds[kind] == 1
    assert all(u["must_register"] for u in data["units"])
    assert any(u["complex_area"] for u in data["units"] if u["kind"] == UnitKind.TO_DAN_PHO)


def test_campaigns_are_two_phases_of_each_of_the_last_two_years(data: Data, today: date) -> None:
    names = [c["name"] for c in data["campaigns"]]
    years = (today.year - 1, today.year)
    assert names == [campaign_name(y, p) for y in years for p in (1, 2)]
    first = data["campaigns"][0]
    assert (first["register_by"], first["report_by"], first["end_date"]) == (
        date(today.year - 1, 4, 7), date(today.year - 1, 9, 5), date(today.year - 1, 12, 15))


def test_some_must_register_unit_has_not_registered_this_year(data: Data, today: date) -> None:
    this_year = {c["name"] for c in data["campaigns"] if c["year"] == today.year}
    registered = {r["unit"] for r in data["registrations"] if r["campaign"] in this_year}
    assert [u for u in data["units"] if u["must_register"] and u["name"] not in registered]


def test_most_units_registered_last_year(data: Data, today: date) -> None:
    last_year = {c["name"] for c in data["campaigns"] if c["year"] == today.year - 1}
    registered = {r["unit"] for r in data["registrations"] if r["campaign"] in last_year}
    must = [u["name"] for u in data["units"] if u["must_register"]]
    assert 0.9 * len(must) <= len(registered) < len(must)


def test_some_model_is_past_its_report_deadline_without_results(data: Data, today: date) -> None:
    report_by = {c["name"]: c["report_by"] for c in data["campaigns"]}
    overdue = [r for r in data["registrations"]
               if report_by[r["campaign"]] < today and r["reported_on"] is None]
    assert overdue


def test_registrations_span_the_whole_life_cycle(late_data: Data) -> None:
    statuses = {r["status"] for r in late_data["registrations"]}
    assert statuses == set(RegistrationStatus)
    kinds = {r["kind"] for r in late_data["registrations"]}
    assert len(kinds) == 2
    assert len({r["field"] for r in late_data["registrations"]}) == 4


def test_recognised_models_have_a_level_and_meet_every_criterion(late_data: Data) -> None:
    recognised = [r for r in late_data["registrations"]
                  if r["status"] == RegistrationStatus.CONG_NHAN]
    assert recognised
    for r in recognised:
        assert r["recognition"] is not None and r["result"]
        assert all(r[k] is True for k in ("crit_task", "crit_spread", "crit_effect",
                                          "crit_named", "crit_sustain"))


def test_no_registration_before_its_campaign_opens(data: Data) -> None:
    start = {c["name"]: c["start_date"] for c in data["campaigns"]}
    assert all(r["registered_on"] >= start[r["campaign"]] for r in data["registrations"])


def test_about_150_members_with_names_matching_gender(data: Data) -> None:
    members = data["members"]
    assert 140 <= len(members) <= 160
    for m in members:
        if " Thị " in m["full_name"]:
            assert m["gender"] == Gender.NU, m
        assert 1950 <= m["birth_year"] <= 2000
        if m["status"] == MemberStatus.DA_PHE_DUYET:
            assert m["approval_ref"].endswith("-QĐ/ĐU") and m["approved_on"] is not None
    statuses = Counter(m["status"] for m in members)
    assert statuses[MemberStatus.DA_PHE_DUYET] > len(members) // 2
    assert statuses[MemberStatus.DE_XUAT] and statuses[MemberStatus.THOI_THAM_GIA]


def test_one_residential_group_has_no_members(data: Data) -> None:
    tdps = [u["name"] for u in data["units"] if u["kind"] == UnitKind.TO_DAN_PHO]
    covered = {m["tdp"] for m in data["members"]}
    assert len([t for t in tdps if t not in covered]) == 1


def test_branch_secretaries_in_the_roster_are_the_branches_heads(data: Data) -> None:
    heads = {u["name"]: u["head"] for u in data["units"]}
    for m in data["members"]:
        if m["role"] == "Bí thư chi bộ":
            assert m["full_name"] == heads[f"Chi bộ {m['tdp']}"]


def test_meetings_cover_every_level_and_only_the_last_year(data: Data, today: date) -> None:
    levels = Counter(r["level"] for r in data["meetings"])
    assert set(levels) == set(AttendeeLevel)
    assert levels[AttendeeLevel.CAP_TINH] == 2
    first_day = (today.replace(day=1) - timedelta(days=335)).replace(day=1)
    assert all(first_day <= r["meeting_date"] <= today for r in data["meetings"])


def test_ward_party_members_attend_a_branch_other_than_their_own(data: Data) -> None:
    ward = [r for r in data["meetings"] if r["level"] == AttendeeLevel.DANG_VIEN_XA]
    assert ward and all(r["home_branch"] and r["home_branch"] != r["branch"] for r in ward)


def test_late_and_missing_meeting_reports_exist(data: Data) -> None:
    late, missing = 0, 0
    for r in data["meetings"]:
        within = ATTENDANCE_RULES[r["level"]].report_within_days
        if r["report_date"] is None:
            missing += 1
        elif within is not None and r["report_date"] > r["meeting_date"] + timedelta(within):
            late += 1
    assert late and missing


def test_some_attendee_misses_a_month(data: Data) -> None:
    monthly = Counter(r["attendee"] for r in data["meetings"]
                      if r["level"] == AttendeeLevel.CAP_XA)
    assert min(monthly.values()) < max(monthly.values())


def test_indicator_values_cover_three_past_years_of_entered_indicators(data: Data,
                                                                        today: date) -> None:
    entered = {i["code"] for i in data["indicators"] if i["derived"] is None}
    derived = {i["code"] for i in data["indicators"]} - entered
    years = Counter((v["indicator"], v["year"]) for v in data["indicator_values"])
    expected_years = {today.year - 3, today.year - 2, today.year - 1}
    assert {code for code, _ in years} == entered and not derived & {c for c, _ in years}
    assert {y for _, y in years} == expected_years


def test_indicator_values_fit_their_kind(data: Data) -> None:
    kinds = {i["code"]: i for i in data["indicators"]}
    for v in data["indicator_values"]:
        ind = kinds[v["indicator"]]
        if ind["target_kind"] == TargetKind.CO_KHONG or v["unit"] is not None:
            assert v["value"] in (0.0, 1.0), v
        elif ind["unit"] == "%":
            assert 0 <= v["value"] <= 100, v


def test_some_indicators_are_off_target(data: Data, today: date) -> None:
    last = {v["indicator"]: v["value"] for v in data["indicator_values"]
            if v["year"] == today.year - 1 and v["unit"] is None}
    assert last["2.1.5"] < 55  # trained labour 53,8%
    per_tdp = [v for v in data["indicator_values"]
               if v["indicator"] == "2.1.9" and v["year"] == today.year - 1]
    assert per_tdp and 0 < sum(v["value"] for v in per_tdp) < len(per_tdp)


def test_users_are_one_admin_and_one_viewer(data: Data) -> None:
    roles = {u["email"]: u["role"] for u in data["users"]}
    assert roles["admin@example.com"] == Role.ADMIN
    assert sorted(roles.values()) == sorted([Role.ADMIN, Role.VIEWER])


def test_year_argument_moves_campaigns_and_indicator_years(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: date(2026, 11, 22))
    data = generate(year=2025)
    assert {c["year"] for c in data["campaigns"]} == {2024, 2025}
    assert {v["year"] for v in data["indicator_values"]} == {2022, 2023, 2024}
