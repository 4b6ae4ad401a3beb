"""Progress rules: every target kind and comparison, coverage, derived indicators, big changes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services import progress
from services.auth import LOCAL_ADMIN
from services.choices import (
    Comparison,
    DerivedRule,
    MemberStatus,
    ModelKind,
    RegistrationStatus,
    TargetKind,
    UnitKind,
)
from services.choices import Field as ModelField
from services.demo import generate
from services.plan48 import indicator_records
from services.progress import Status
from services.schema import ID, SHEETS
from services.store.sql import SqlStore
from services.validation import RawTable, Snapshot, validate_snapshot
from tests.conftest import clean_snapshot as _snapshot

YEAR = 2024
Rows = list[dict[str, Any]]


def _indicator(kind: TargetKind, comparison: Comparison | None = None,
               target: float | None = None, *, code: str = "9.1", unit: str = "%",
               target_max: float | None = None, per_unit_kind: UnitKind | None = None,
               derived: DerivedRule | None = None, target_text: str = "chỉ tiêu thử",
               ) -> dict[str, Any]:
    return {"code": code, "group": "Nhóm thử", "text": "Chỉ tiêu thử", "target_text": target_text,
            "target_kind": kind, "comparison": comparison, "target_value": target,
            "target_max": target_max, "unit": unit, "per_unit_kind": per_unit_kind,
            "derived": derived}


def _values(code: str, pairs: list[tuple[int, Any]]) -> Rows:
    return [{"indicator": code, "year": y, "value": v} for y, v in pairs]


def _evaluate(indicator: dict[str, Any], pairs: list[tuple[int, Any]],
              year: int = YEAR) -> progress.Evaluation:
    snapshot = _snapshot(indicators=[indicator], indicator_values=_values(indicator["code"],
                                                                          pairs))
    return progress.evaluate(snapshot["indicators"].records[0], snapshot, year)


MUC, CHANGE = TargetKind.MUC, TargetKind.THAY_DOI
GE, GT, EQ, LE, LT = Comparison.GE, Comparison.GT, Comparison.EQ, Comparison.LE, Comparison.LT
POVERTY = _indicator(CHANGE, LE, -0.5, target_text="giảm 0,5%/năm")
COUNT = _indicator(TargetKind.SO_LUONG, GE, 1, unit="chính sách/năm")
YES_NO = _indicator(TargetKind.CO_KHONG, target_text="Có", unit="")
TREES = _indicator(TargetKind.KHOANG, Comparison.RANGE, 3, target_max=4, unit="m²/người",
                   target_text="từ 3 đến 4 m²/người")

# (indicator, values by year as typed, status in YEAR, a phrase the explanation must hold)
CASES = {
    "ge_85_with_85_is_met": (_indicator(MUC, GE, 85), [(YEAR, "85")], Status.DAT, "85% = 85%"),
    "ge_85_with_84_9_is_not_met": (_indicator(MUC, GE, 85), [(YEAR, "84,9")], Status.CHUA_DAT,
                                   "84,9% < 85%"),
    "gt_70_with_70_is_not_met": (_indicator(MUC, GT, 70), [(YEAR, "70")], Status.CHUA_DAT,
                                 "chỉ tiêu > 70%"),
    "gt_70_with_70_1_is_met": (_indicator(MUC, GT, 70), [(YEAR, "70,1")], Status.DAT,
                               "70,1% > 70%"),
    "eq_55_with_53_8_is_not_met": (_indicator(MUC, EQ, 55), [(YEAR, "53,8")], Status.CHUA_DAT,
                                   "53,8% < 55%"),
    "eq_55_with_56_counts_as_reaching_the_level": (_indicator(MUC, EQ, 55), [(YEAR, "56")],
                                                   Status.DAT, "56% > 55%"),
    "eq_100_with_100_is_met": (_indicator(MUC, EQ, 100), [(YEAR, "100%")], Status.DAT,
                               "100% = 100%"),
    "no_comparison_means_at_least": (_indicator(MUC, None, 50), [(YEAR, "50")], Status.DAT,
                                     "50% = 50%"),
    "le_5_with_5_is_met": (_indicator(MUC, LE, 5), [(YEAR, "5")], Status.DAT, "5% = 5%"),
    "le_5_with_5_1_is_not_met": (_indicator(MUC, LE, 5), [(YEAR, "5,1")], Status.CHUA_DAT,
                                 "cao hơn mức cho phép 0,1 điểm %"),
    "lt_5_with_5_is_not_met": (_indicator(MUC, LT, 5), [(YEAR, "5")], Status.CHUA_DAT,
                               "chỉ tiêu < 5%"),
    "level_without_the_year_has_no_data_and_shows_the_latest": (
        _indicator(MUC, GE, 85), [(YEAR - 1, "80")], Status.CHUA_CO_SO_LIEU,
        "gần nhất: năm 2023: 80%"),
    "change_down_0_4_against_0_5_is_behind": (POVERTY, [(YEAR - 1, "2,5"), (YEAR, "2,1")],
                                              Status.CHAM_TIEN_DO,
                                              "giảm 0,4 điểm % so với 2023"),
    "change_down_0_5_is_on_track": (POVERTY, [(YEAR - 1, "2,5"), (YEAR, "2,0")],
                                    Status.DUNG_TIEN_DO, "chỉ tiêu giảm ≥ 0,5 điểm %/năm"),
    "change_of_3_1_to_2_6_is_exactly_0_5_despite_float_noise": (
        POVERTY, [(YEAR - 1, "3,1"), (YEAR, "2,6")], Status.DUNG_TIEN_DO, "giảm 0,5 điểm %"),
    "change_that_rises_is_behind": (POVERTY, [(YEAR - 1, "2"), (YEAR, "2,3")],
                                    Status.CHAM_TIEN_DO, "tăng 0,3 điểm %"),
    "change_over_a_skipped_year_is_averaged_per_year": (
        POVERTY, [(YEAR - 2, "3"), (YEAR, "2")], Status.DUNG_TIEN_DO, "bình quân giảm 0,5"),
    "change_without_an_earlier_year_has_no_data": (POVERTY, [(YEAR, "2,1")],
                                                   Status.CHUA_CO_SO_LIEU, "năm trước"),
    "change_without_the_year_has_no_data": (POVERTY, [(YEAR - 1, "2,5")],
                                            Status.CHUA_CO_SO_LIEU, "Chưa nhập số liệu năm 2024"),
    "count_at_least_1_with_0_is_not_met": (COUNT, [(YEAR, "0")], Status.CHUA_DAT,
                                           "0 chính sách/năm < 1 chính sách/năm"),
    "count_at_least_1_with_1_is_met": (COUNT, [(YEAR, "1")], Status.DAT, "= 1 chính sách/năm"),
    "yes_no_1_is_met": (YES_NO, [(YEAR, "1")], Status.DAT, "Có"),
    "yes_no_0_is_not_met": (YES_NO, [(YEAR, "0")], Status.CHUA_DAT, "Không (chỉ tiêu: Có)"),
    "range_3_to_4_with_2_9_is_not_met": (TREES, [(YEAR, "2,9")], Status.CHUA_DAT,
                                         "2,9 m²/người < 3 m²/người"),
    "range_3_to_4_with_3_is_met": (TREES, [(YEAR, "3")], Status.DAT, "trong khoảng từ 3 đến 4"),
    "range_3_to_4_with_4_is_met": (TREES, [(YEAR, "4")], Status.DAT, "trong khoảng từ 3 đến 4"),
    # "Phấn đấu đạt từ 3 đến 4 m²": above 4 is exceeded, a met status of its own.
    "range_3_to_4_with_4_1_is_exceeded": (TREES, [(YEAR, "4,1")], Status.VUOT,
                                          "4,1 m²/người > 4 m²/người: vượt chỉ tiêu"),
    "range_3_to_4_with_4_5_is_exceeded": (TREES, [(YEAR, "4,5")], Status.VUOT,
                                          "vượt chỉ tiêu từ 3 đến 4"),
    "coverage_with_only_a_ward_level_percent_uses_it": (
        _indicator(TargetKind.BAO_PHU, EQ, 100), [(YEAR, "95")], Status.CHUA_DAT,
        "95% (số liệu chung"),
}


@pytest.mark.parametrize(("indicator", "pairs", "status", "phrase"), list(CASES.values()),
                         ids=list(CASES))
def test_each_target_kind_and_comparison(indicator: dict[str, Any], pairs: list[tuple[int, Any]],
                                         status: Status, phrase: str) -> None:
    result = _evaluate(indicator, pairs)
    assert result.status == status, result.explanation
    assert phrase in result.explanation


@pytest.mark.parametrize(("indicator", "pairs", "value", "gap"), [
    (_indicator(MUC, EQ, 55), [(YEAR, "53,8")], 53.8, 1.2),
    (_indicator(MUC, GE, 85), [(YEAR, "90")], 90.0, 0.0),
    (_indicator(MUC, GT, 70), [(YEAR, "70")], 70.0, 0.0),  # at the threshold, still not met
    (_indicator(MUC, LE, 5), [(YEAR, "6")], 6.0, 1.0),
    (POVERTY, [(YEAR - 1, "2,5"), (YEAR, "2,1")], -0.4, 0.1),
    (TREES, [(YEAR, "4,5")], 4.5, 0.0),  # exceeded: nothing is missing
    (TREES, [(YEAR, "2,5")], 2.5, 0.5),
], ids=["short_of_a_level", "above_a_level", "strict_at_threshold", "above_a_ceiling",
        "change_short_of_pace", "above_a_range", "below_a_range"])
def test_value_and_gap_are_in_the_targets_terms(indicator: dict[str, Any],
                                                pairs: list[tuple[int, Any]], value: float,
                                                gap: float) -> None:
    result = _evaluate(indicator, pairs)
    assert result.value == pytest.approx(value)
    assert result.gap == pytest.approx(gap)


def test_change_keeps_the_yearly_level_and_the_baseline_for_the_dashboard() -> None:
    result = _evaluate(POVERTY, [(2022, "3"), (2023, "2,5"), (2024, "2,1")])
    assert result.level == 2.1 and result.previous == (2023, 2.5)
    assert result.baseline == (2022, 3.0)
    assert result.value_text == "2,1% (−0,4)"
    assert "so với năm gốc 2022 (3%): giảm 0,9 điểm %" in result.explanation


def test_the_last_of_duplicate_rows_wins_and_duplicates_are_reported() -> None:
    level = _indicator(MUC, GE, 85)
    snapshot = _snapshot(indicators=[level], indicator_values=_values(
        "9.1", [(YEAR, "80"), (YEAR - 1, "70"), (YEAR, "86")]))
    assert progress.series(snapshot, "9.1").ward == {YEAR - 1: 70.0, YEAR: 86.0}
    assert progress.existing_value(snapshot, "9.1", YEAR)["value"] == 86.0
    assert progress.duplicates(snapshot) == [("9.1", YEAR, None, 2)]


def test_status_folds_into_met_not_met_and_unknown() -> None:
    assert [s.met for s in Status] == [True, True, False, True, False, None]
    assert Status.CHAM_TIEN_DO.label() == "Chậm tiến độ"
    assert Status.VUOT.label() == "Vượt chỉ tiêu"


def test_range_exceeded_counts_as_met_and_shows_in_words() -> None:
    result = _evaluate(TREES, [(YEAR, "4,5")])
    assert result.met is True and progress.counts([result]) == {True: 1, False: 0, None: 0}
    assert result.value_text == "4,5 m²/người"
    assert progress.progress_frame([result])["Đánh giá"].tolist() == ["Vượt chỉ tiêu"]


# --- coverage over residential groups ------------------------------------------------------

CULTURE = _indicator(TargetKind.BAO_PHU, EQ, 100, code="2.1.9", per_unit_kind=UnitKind.TO_DAN_PHO)
GROUPS = [f"Tổ dân phố {k}" for k in range(1, 13)]


def _groups(archived: tuple[str, ...] = ()) -> Rows:
    return [{"name": g, "kind": UnitKind.TO_DAN_PHO, "archived": g in archived} for g in GROUPS]


def _per_group(values: dict[str, Any], year: int = YEAR) -> Rows:
    return [{"indicator": "2.1.9", "year": year, "unit": g, "value": v} for g, v in values.items()]


def _coverage_eval(values: Rows, units: Rows | None = None) -> progress.Evaluation:
    snapshot = _snapshot(units=_groups() if units is None else units, indicators=[CULTURE],
                         indicator_values=values)
    return progress.evaluate(snapshot["indicators"].records[0], snapshot, YEAR)


def test_coverage_11_of_12_groups_is_not_met_and_says_11_of_12() -> None:
    result = _coverage_eval(_per_group({g: 0 if g == "Tổ dân phố 7" else 1 for g in GROUPS}))
    assert result.status == Status.CHUA_DAT
    assert "11/12 tổ dân phố đạt" in result.explanation
    assert "chưa đạt: Tổ dân phố 7" in result.explanation
    assert result.value == pytest.approx(100 * 11 / 12)
    assert result.value_text == "91,7% (11/12)"


def test_coverage_counts_a_group_without_a_value_as_not_met_and_names_it() -> None:
    result = _coverage_eval(_per_group({g: 1 for g in GROUPS[:-1]}))
    assert result.status == Status.CHUA_DAT
    assert result.coverage is not None and result.coverage.missing == ("Tổ dân phố 12",)
    assert "11/12" in result.explanation
    assert "1 tổ dân phố chưa có số liệu, tính là chưa đạt: Tổ dân phố 12" in result.explanation


def test_coverage_all_12_groups_is_met() -> None:
    result = _coverage_eval(_per_group(dict.fromkeys(GROUPS, 1)))
    assert result.status == Status.DAT and "12/12" in result.explanation and result.gap == 0


def test_coverage_per_group_values_win_over_a_ward_level_percent() -> None:
    ward_level = {"indicator": "2.1.9", "year": YEAR, "value": 50}
    values = [*_per_group(dict.fromkeys(GROUPS, 1)), ward_level]
    assert _coverage_eval(values).status == Status.DAT


def test_coverage_leaves_archived_groups_out() -> None:
    values = _per_group({g: 1 for g in GROUPS if g != "Tổ dân phố 3"})
    result = _coverage_eval(values, _groups(archived=("Tổ dân phố 3",)))
    assert result.status == Status.DAT and "11/11" in result.explanation


# --- derived indicators --------------------------------------------------------------------

MODELS = _indicator(TargetKind.SO_LUONG, GE, 1, code="2.1.1", unit="mô hình/năm",
                    derived=DerivedRule.MO_HINH_MOI_TO_CHUC, target_text="ít nhất 01 mô hình/năm")
BODIES = ["Hội Liên hiệp Phụ nữ phường", "Hội Cựu chiến binh phường", "Chi bộ Tổ dân phố 1"]


def _registration(unit: str, campaign: str = "Đợt xuân", archived: bool = False) -> dict[str, Any]:
    return {"campaign": campaign, "unit": unit, "kind": ModelKind.TAP_THE,
            "field": ModelField.KINH_TE, "model_name": f"Mô hình của {unit}",
            "registered_on": date(YEAR, 3, 1), "status": RegistrationStatus.DANG_KY,
            "archived": archived}


def _models_eval(registrations: Rows, year: int = YEAR) -> progress.Evaluation:
    units = [{"name": n, "kind": UnitKind.DOAN_THE, "must_register": True} for n in BODIES]
    units.append({"name": "Tổ dân phố 1", "kind": UnitKind.TO_DAN_PHO, "must_register": False})
    # Campaign names without a year: the year must come from the campaigns sheet.
    campaigns = [{"name": name, "year": y, "register_by": date(y, 4, 7),
                  "report_by": date(y, 9, 5)}
                 for name, y in (("Đợt xuân", YEAR), ("Đợt thu", YEAR), ("Đợt cũ", YEAR - 1))]
    snapshot = _snapshot(units=units, campaigns=campaigns, registrations=registrations,
                         indicators=[MODELS])
    return progress.evaluate(snapshot["indicators"].records[0], snapshot, year)


def test_models_derived_one_must_register_unit_without_a_model_is_not_met() -> None:
    result = _models_eval([_registration(BODIES[0]), _registration(BODIES[1], "Đợt thu"),
                           _registration("Tổ dân phố 1")])  # not required: does not count
    assert result.status == Status.CHUA_DAT and result.derived
    assert "2/3 đơn vị đã đăng ký mô hình năm 2024" in result.explanation
    assert "chưa đăng ký: Chi bộ Tổ dân phố 1" in result.explanation


def test_models_derived_archived_registration_does_not_count() -> None:
    result = _models_eval([_registration(b) for b in BODIES[:2]]
                          + [_registration(BODIES[2], archived=True)])
    assert result.status == Status.CHUA_DAT and "2/3" in result.explanation


def test_models_derived_a_model_of_last_years_campaign_does_not_count() -> None:
    result = _models_eval([_registration(b) for b in BODIES[:2]]
                          + [_registration(BODIES[2], "Đợt cũ")])
    assert result.status == Status.CHUA_DAT


def test_models_derived_every_unit_registered_is_met() -> None:
    result = _models_eval([_registration(b) for b in BODIES])
    assert result.status == Status.DAT and result.value == 100 and "3/3" in result.explanation


def test_models_derived_without_a_campaign_of_the_year_has_no_data() -> None:
    result = _models_eval([_registration(b) for b in BODIES], year=YEAR + 1)
    assert result.status == Status.CHUA_CO_SO_LIEU
    assert "Chưa có đợt thi đua" in result.explanation


def test_roster_share_counts_groups_with_a_list_but_not_members_who_left() -> None:
    units = [{"name": g, "kind": UnitKind.TO_DAN_PHO} for g in GROUPS[:3]]
    members = [
        {"full_name": "Nguyễn Văn Nho", "tdp": GROUPS[0], "status": MemberStatus.DA_PHE_DUYET,
         "approval_ref": "12-QĐ/ĐU", "approved_on": date(YEAR, 3, 1)},
        {"full_name": "Trần Thị Lan", "tdp": GROUPS[1], "status": MemberStatus.DE_XUAT},
        {"full_name": "Lê Văn Tám", "tdp": GROUPS[2], "status": MemberStatus.THOI_THAM_GIA},
    ]
    snapshot = _snapshot(units=units, members=members)
    listed = progress.roster_coverage(snapshot, YEAR)
    assert listed is not None and (listed.met, listed.total) == (2, 3)
    assert listed.short == (GROUPS[2],)
    approved = progress.roster_coverage(snapshot, YEAR, approved_only=True)
    assert approved is not None and approved.met == 1
    before = progress.roster_coverage(snapshot, YEAR - 1, approved_only=True)
    assert before is not None and before.met == 0  # approved after 2023 ended


# --- the whole plan ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> Snapshot:
    data = generate(year=2026)
    return _snapshot_unchecked(data)


def _snapshot_unchecked(data: dict[str, Rows]) -> Snapshot:
    raw = {key: RawTable.from_records(SHEETS[key], [{ID: f"{SHEETS[key].id_prefix}-{i}", **r}
                                                    for i, r in enumerate(records)])
           for key, records in data.items()}
    return validate_snapshot(raw)


def test_evaluate_all_lists_every_indicator_in_plan_order(demo: Snapshot) -> None:
    codes = [e.code for e in progress.evaluate_all(demo, 2025)]
    assert codes == [r["code"] for r in indicator_records()]
    assert codes.index("2.1.9") < codes.index("2.1.10") < codes.index("2.2.1.1")


def test_demo_year_end_figures_tell_the_offices_story(demo: Snapshot) -> None:
    by_code = {e.code: e for e in progress.evaluate_all(demo, 2025)}
    assert by_code["2.1.5"].status == Status.CHUA_DAT
    assert "53,8% < 55%" in by_code["2.1.5"].explanation
    assert by_code["2.1.4"].status == Status.CHAM_TIEN_DO
    assert "giảm 0,4 điểm % so với 2024" in by_code["2.1.4"].explanation
    assert by_code["2.1.9"].coverage is not None and by_code["2.1.9"].coverage.per_unit
    assert by_code["2.1.1"].derived and "đơn vị đã đăng ký" in by_code["2.1.1"].explanation


def test_trend_has_one_row_per_indicator_and_year(demo: Snapshot) -> None:
    evaluations = progress.evaluate_years(demo, range(2022, 2026))
    frame = progress.trend_frame(evaluations)
    assert list(frame.columns) == list(progress.TREND_COLUMNS)
    assert len(frame) == 19 * 4
    poverty = frame[frame["code"] == "2.1.4"].set_index("year")
    assert poverty.loc[2025, "level"] == 2.1 and poverty.loc[2025, "value"] == pytest.approx(-0.4)
    table = progress.trend_table(evaluations)
    assert list(table.columns) == ["Mã", "Chỉ tiêu", "Mục tiêu", "2022", "2023", "2024", "2025"]
    row = table.set_index("Mã").loc["2.1.5"]
    assert row["2022"] == "—" and row["2025"] == "53,8% (chưa đạt)"


def test_plan_order_sorts_codes_as_the_plan_numbers_them() -> None:
    codes = ["2.2.2.1", "2.1.10", "1", "2.2.1.3b", "2.1.9", "2.2.1.3a", "2.1.1"]
    assert sorted(codes, key=progress.plan_order) == [
        "1", "2.1.1", "2.1.9", "2.1.10", "2.2.1.3a", "2.2.1.3b", "2.2.2.1"]


def test_indicator_label_is_code_and_short_wording() -> None:
    five = next(r for r in indicator_records() if r["code"] == "2.1.5")
    assert progress.indicator_label(five) == "2.1.5 – Tỷ lệ lao động qua đào tạo 55%"
    one = next(r for r in indicator_records() if r["code"] == "2.1.1")
    label = progress.indicator_label(one)
    assert label.startswith("2.1.1 – Hằng năm") and label.endswith("… (tự tính)")


# --- big changes ---------------------------------------------------------------------------

LEVEL = _indicator(MUC, EQ, 55)


@pytest.mark.parametrize(("previous", "new", "indicator", "per_unit", "big"), [
    (53.8, 80.0, LEVEL, False, True),  # 26,2 points > max(10,76; 10)
    (53.1, 53.8, LEVEL, False, False),
    (50.0, 60.0, LEVEL, False, False),  # exactly 10 points: not more than the floor
    (50.0, 60.1, LEVEL, False, True),
    (90.0, 75.0, LEVEL, False, False),  # 15 points < 20% of 90
    (2.5, 2.1, POVERTY, False, False),  # a normal year for a poverty rate
    (2.5, 12.0, POVERTY, False, True),  # "12" typed for "1,2"
    (1.0, 0.0, YES_NO, False, False),  # a yes/no flip: never a note
    (0.0, 1.0, YES_NO, False, False),
    (1.0, 1.0, YES_NO, False, False),
    (1.0, 0.0, CULTURE, True, False),  # one group losing the standard: a yes/no, no note
    (0.0, 1.0, CULTURE, True, False),
    (90.0, 91.7, CULTURE, False, False),
    (1.0, 3.0, COUNT, False, False),
    (1.0, 4.0, COUNT, False, True),
    (3.0, 3.5, TREES, False, False),
    (3.0, 4.0, TREES, False, True),
    (None, 80.0, LEVEL, False, False),  # no previous period: nothing to compare
], ids=["level_jump", "level_normal", "level_exactly_10_points", "level_just_over_10_points",
        "level_within_20_percent", "poverty_normal", "poverty_typo", "yes_no_flip",
        "yes_no_flip_up", "yes_no_same", "per_unit_flip", "per_unit_flip_up",
        "coverage_percent_normal", "count_small", "count_jump", "area_within_20_percent",
        "area_jump", "no_previous"])
def test_big_change(previous: float | None, new: float, indicator: dict[str, Any],
                    per_unit: bool, big: bool) -> None:
    assert progress.big_change(previous, new, indicator, per_unit=per_unit) is big


# --- saving a value ------------------------------------------------------------------------


@pytest.fixture
def store(sql_store: SqlStore) -> SqlStore:
    units = [{"name": g, "kind": UnitKind.TO_DAN_PHO} for g in GROUPS[:2]]
    units.append({"name": "Hội Cựu chiến binh phường", "kind": UnitKind.DOAN_THE})
    sql_store.load({
        "units": units,
        "indicators": indicator_records(),
        "indicator_values": [
            {"indicator": "2.1.5", "year": 2024, "value": 53.8, "note": "Báo cáo UBND"},
        ],
    })
    return sql_store


def _save(store: SqlStore, **values: Any) -> Any:
    return progress.save_value(store, store.snapshot(), values, LOCAL_ADMIN)


def _messages(result: Any) -> str:
    return " ".join(result.messages())


def test_save_refuses_a_derived_indicator_because_it_is_computed(store: SqlStore) -> None:
    result = _save(store, indicator="2.1.1", year=2024, value="1")
    assert not result.ok and "Mã chỉ tiêu" in _messages(result)
    assert "tự tính" in _messages(result)
    assert store.snapshot()["indicator_values"].records[-1]["indicator"] == "2.1.5"


def test_save_requires_a_group_for_a_per_group_indicator(store: SqlStore) -> None:
    result = _save(store, indicator="2.1.9", year=2024, value="1")
    assert not result.ok and "Đơn vị, tổ dân phố: bắt buộc" in _messages(result)


def test_save_refuses_a_unit_of_another_kind(store: SqlStore) -> None:
    result = _save(store, indicator="2.1.9", year=2024, unit="Hội Cựu chiến binh phường",
                   value="1")
    assert not result.ok and "không phải là tổ dân phố" in _messages(result)


def test_save_refuses_a_unit_for_a_ward_level_indicator(store: SqlStore) -> None:
    result = _save(store, indicator="2.1.5", year=2025, unit=GROUPS[0], value="54")
    assert not result.ok and "Đơn vị, tổ dân phố: để trống" in _messages(result)


def test_save_a_per_group_value(store: SqlStore) -> None:
    result = _save(store, indicator="2.1.9", year=2024, unit=GROUPS[0], value="1")
    assert result.ok, result.messages()
    assert progress.series(store.snapshot(), "2.1.9").per_unit == {2024: {GROUPS[0]: 1.0}}


def test_save_updates_the_value_already_there_instead_of_adding_a_duplicate(
        store: SqlStore) -> None:
    result = _save(store, indicator="2.1.5", year=2024, value="54,1", note="")
    assert result.ok, result.messages()
    values = store.snapshot()["indicator_values"].records
    assert len(values) == 1
    assert values[0]["value"] == 54.1 and values[0]["note"] == "Báo cáo UBND"  # note kept


def test_save_big_change_needs_a_note_then_saves(store: SqlStore) -> None:
    result = _save(store, indicator="2.1.5", year=2025, value="80")
    assert not result.ok
    assert "Ghi chú, nguồn số liệu: bắt buộc" in _messages(result)
    assert "khác nhiều so với năm 2024 (53,8%)" in _messages(result)
    result = _save(store, indicator="2.1.5", year=2025, value="80", note="Điều tra lao động 2025")
    assert result.ok, result.messages()


def test_save_a_group_losing_the_standard_needs_no_note(store: SqlStore) -> None:
    assert _save(store, indicator="2.1.9", year=2024, unit=GROUPS[0], value="1").ok
    result = _save(store, indicator="2.1.9", year=2025, unit=GROUPS[0], value="0")
    assert result.ok, result.messages()


def test_save_a_yes_no_flip_needs_no_note(store: SqlStore) -> None:
    assert _save(store, indicator="2.2.2.3", year=2024, value="0").ok
    result = _save(store, indicator="2.2.2.3", year=2025, value="1")
    assert result.ok, result.messages()


def test_save_collects_every_problem_at_once(store: SqlStore) -> None:
    result = _save(store, indicator="2.1.9", year=2024, value="5")
    assert "Đơn vị, tổ dân phố" in _messages(result)
    result = _save(store, indicator="2.1.5", year=2024, value="120")
    assert "Giá trị" in _messages(result) and "từ 0 đến 100" in _messages(result)


def test_save_refuses_a_record_changed_meanwhile(store: SqlStore) -> None:
    seen = store.snapshot()
    [record] = seen["indicator_values"].records
    store.update("indicator_values", record[ID], {"value": 54.0}, record, "người khác")
    result = progress.save_value(store, seen, {"indicator": "2.1.5", "year": 2024,
                                               "value": "54,5"}, LOCAL_ADMIN)
    assert not result.ok and "đã được người khác sửa" in _messages(result)
    assert store.snapshot()["indicator_values"].records[0]["value"] == 54.0


# --- units over time -----------------------------------------------------------------------


def _dated(name: str, start: date | None = None, end: date | None = None, *,
           archived: bool = False) -> dict[str, Any]:
    return {"name": name, "kind": UnitKind.TO_DAN_PHO, "valid_from": start, "valid_to": end,
            "archived": archived}


def test_units_in_year_keeps_those_that_existed_on_some_day_of_it() -> None:
    snapshot = _snapshot(units=[
        _dated("Tổ dân phố 10"),
        _dated("Tổ dân phố 2", date(2024, 12, 31)),  # founded on the year's last day: counts
        _dated("Tổ dân phố 3", date(2025, 1, 1)),  # founded the year after
        _dated("Tổ dân phố 4", None, date(2024, 1, 1)),  # merged away on the year's first day
        _dated("Tổ dân phố 5", None, date(2023, 12, 31)),  # gone before the year
        _dated("Tổ dân phố 6", archived=True),
        {"name": "Hội Cựu chiến binh phường", "kind": UnitKind.DOAN_THE},
    ])
    names = [u["name"] for u in progress.units_in_year(snapshot, 2024, (UnitKind.TO_DAN_PHO,))]
    assert names == ["Tổ dân phố 2", "Tổ dân phố 4", "Tổ dân phố 10"]
    assert len(progress.units_in_year(snapshot, 2024)) == 4  # any kind


def test_coverage_leaves_out_a_group_founded_after_the_year() -> None:
    units = [*_groups(), _dated("Tổ dân phố 13", date(YEAR + 1, 7, 1))]
    result = _coverage_eval(_per_group(dict.fromkeys(GROUPS, 1)), units)
    assert result.status == Status.DAT and "12/12" in result.explanation


def test_save_refuses_a_value_for_a_group_that_did_not_exist_that_year(store: SqlStore) -> None:
    store.append("units", [_dated("Tổ dân phố 13", date(2026, 1, 1))], "thử")
    result = _save(store, indicator="2.1.9", year=2025, unit="Tổ dân phố 13", value="1")
    assert not result.ok
    assert ("Đơn vị, tổ dân phố: “Tổ dân phố 13” không có trong năm 2025 (có từ ngày "
            "01/01/2026)") in _messages(result)
    assert _save(store, indicator="2.1.9", year=2026, unit="Tổ dân phố 13", value="1").ok


# --- the grid of every group's value ----------------------------------------------------------


@pytest.fixture
def grid_store(sql_store: SqlStore) -> SqlStore:
    sql_store.load({
        "units": [_dated(g) for g in GROUPS[:3]] + [_dated("Tổ dân phố 4", date(2026, 2, 1))],
        "indicators": indicator_records(),
        "indicator_values": [
            {"indicator": "2.1.9", "year": 2025, "unit": GROUPS[0], "value": 1.0,
             "note": "Quyết định công nhận 2025"},
            {"indicator": "2.1.9", "year": 2024, "unit": GROUPS[1], "value": 1.0},
        ],
    })
    return sql_store


def _culture(snapshot: Snapshot) -> dict[str, Any]:
    found = progress.find_indicator(snapshot, "2.1.9")
    assert found is not None
    return found


def _writes(store: SqlStore) -> list[Any]:
    seen: list[Any] = []
    store.on_write(seen.append)
    return seen


def test_grid_lists_the_years_groups_with_their_values_as_ticks(grid_store: SqlStore) -> None:
    snapshot = grid_store.snapshot()
    grid = progress.unit_grid(snapshot, _culture(snapshot), 2025)
    assert grid.yes_no and grid.unit_header == "Tổ dân phố" and grid.value_header == "Đạt"
    rows = grid.frame.to_dict("records")
    assert [r["Tổ dân phố"] for r in rows] == GROUPS[:3]  # group 4 was founded in 2026
    assert [r["Đạt"] for r in rows] == [True, False, False]
    assert [r["Năm 2024"] for r in rows] == ["", "đạt", ""]
    assert rows[0]["Ghi chú, nguồn số liệu"] == "Quyết định công nhận 2025"
    later = progress.unit_grid(snapshot, _culture(snapshot), 2026).frame
    assert later["Tổ dân phố"].tolist() == [*GROUPS[:3], "Tổ dân phố 4"]


def test_grid_saves_new_and_changed_values_in_two_writes_without_notes(
        grid_store: SqlStore) -> None:
    snapshot = grid_store.snapshot()
    grid = progress.unit_grid(snapshot, _culture(snapshot), 2025)
    edited = grid.frame.copy()
    edited["Đạt"] = [False, True, True]  # group 1 loses the standard: no note asked for
    writes = _writes(grid_store)
    result = progress.save_unit_grid(grid_store, snapshot, _culture(snapshot), 2025, edited,
                                     LOCAL_ADMIN)
    assert result.ok, result.messages()
    assert len(writes) == 2  # one update, one append
    assert (len(result.changed), len(result.added)) == (1, 2)
    assert result.summary() == ("đã lưu 3 tổ dân phố (thêm mới 2, sửa 1): 2 đạt, 1 chưa đạt.")
    after = grid_store.snapshot()
    assert progress.series(after, "2.1.9").per_unit[2025] == {
        GROUPS[0]: 0.0, GROUPS[1]: 1.0, GROUPS[2]: 1.0}
    assert progress.existing_value(after, "2.1.9", 2025, GROUPS[0])["note"] == (
        "Quyết định công nhận 2025")  # a blank note keeps the one there
    assert len(after["indicator_values"].records) == 4


def test_grid_of_only_new_values_is_one_write_and_unchanged_grid_writes_nothing(
        grid_store: SqlStore) -> None:
    snapshot = grid_store.snapshot()
    grid = progress.unit_grid(snapshot, _culture(snapshot), 2026)
    writes = _writes(grid_store)
    result = progress.save_unit_grid(grid_store, snapshot, _culture(snapshot), 2026, grid.frame,
                                     LOCAL_ADMIN)
    assert result.ok and len(writes) == 1 and len(result.added) == 4
    assert "0 đạt, 4 chưa đạt" in result.summary()
    snapshot = grid_store.snapshot()
    grid = progress.unit_grid(snapshot, _culture(snapshot), 2026)
    again = progress.save_unit_grid(grid_store, snapshot, _culture(snapshot), 2026, grid.frame,
                                    LOCAL_ADMIN)
    assert again.ok and len(writes) == 1 and again.summary() == "không có thay đổi nào để lưu."


def test_grid_keeps_the_ids_of_new_values_so_a_second_save_adds_nothing_twice(
        grid_store: SqlStore) -> None:
    snapshot = grid_store.snapshot()
    grid = progress.unit_grid(snapshot, _culture(snapshot), 2026)
    ids: dict[str, str] = {}
    first = progress.save_unit_grid(grid_store, snapshot, _culture(snapshot), 2026, grid.frame,
                                    LOCAL_ADMIN, ids=ids)
    # The answer was lost: the same grid is saved again from the snapshot read before.
    second = progress.save_unit_grid(grid_store, snapshot, _culture(snapshot), 2026, grid.frame,
                                     LOCAL_ADMIN, ids=ids)
    assert first.ok and second.ok
    assert sorted(r[ID] for r in first.added) == sorted(ids.values())
    assert len([r for r in grid_store.snapshot()["indicator_values"].records
                if r["year"] == 2026]) == 4


def test_grid_problems_name_the_group_and_what_is_allowed_and_nothing_is_written(
        sql_store: SqlStore) -> None:
    numeric = {**next(r for r in indicator_records() if r["code"] == "2.1.5"), "code": "9.9",
               "per_unit_kind": UnitKind.TO_DAN_PHO}
    sql_store.load({"units": [_dated(g) for g in GROUPS[:3]], "indicators": [numeric],
                    "indicator_values": [{"indicator": "9.9", "year": 2024, "unit": GROUPS[2],
                                          "value": 50.0}]})
    snapshot = sql_store.snapshot()
    indicator = progress.find_indicator(snapshot, "9.9")
    assert indicator is not None
    grid = progress.unit_grid(snapshot, indicator, 2024)
    assert not grid.yes_no and grid.value_header == "Giá trị"
    assert grid.frame["Giá trị"].tolist() == ["", "", "50"]
    edited = grid.frame.copy()
    edited["Giá trị"] = ["54,5", "120", ""]
    writes = _writes(sql_store)
    result = progress.save_unit_grid(sql_store, snapshot, indicator, 2024, edited, LOCAL_ADMIN)
    assert not result.ok and writes == []
    said = _messages(result)
    assert "Tổ dân phố 2 – Giá trị: " in said and "120" in said and "từ 0 đến 100" in said
    assert "Tổ dân phố 3 – Giá trị: bắt buộc vì năm này đã có số liệu" in said
    assert "Tổ dân phố 1" not in said


def test_grid_save_refuses_a_viewer(grid_store: SqlStore) -> None:
    from services.auth import Actor
    from services.choices import Role

    snapshot = grid_store.snapshot()
    grid = progress.unit_grid(snapshot, _culture(snapshot), 2025)
    result = progress.save_unit_grid(grid_store, snapshot, _culture(snapshot), 2025, grid.frame,
                                     Actor("lanhdao@example.com", "Lãnh đạo", Role.VIEWER))
    assert not result.ok and result.error
    assert len(grid_store.snapshot()["indicator_values"].records) == 2
