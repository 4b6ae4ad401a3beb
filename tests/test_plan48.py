"""Tests of the Plan 48 indicators the product carries as its own data."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

import pytest

from services.choices import Comparison, DerivedRule, TargetKind, UnitKind
from services.plan48 import INDICATORS, indicator_records
from services.schema import ARCHIVED, ID
from services.schema import INDICATORS as SHEET

BY_CODE: dict[str, dict[str, Any]] = {r["code"]: r for r in INDICATORS}

EXPECTED_CODES = {
    "1",
    *(f"2.1.{i}" for i in range(1, 11)),
    "2.2.1.1", "2.2.1.2", "2.2.1.3a", "2.2.1.3b",
    *(f"2.2.2.{i}" for i in range(1, 5)),
}


def test_codes_are_exactly_the_plans_items() -> None:
    codes = [r["code"] for r in INDICATORS]
    assert len(codes) == len(set(codes)), "a code appears twice"
    assert set(codes) == EXPECTED_CODES


def test_item_3_of_2_2_1_is_split_into_two_measures() -> None:
    # Edge case: one numbered item of the plan carries two targets.
    assert "2.2.1.3" not in BY_CODE
    assert "trực tuyến mức độ 3 và 4" in BY_CODE["2.2.1.3a"]["text"]
    assert "hài lòng" in BY_CODE["2.2.1.3b"]["text"]


def test_every_record_has_every_column_but_id_and_archived() -> None:
    expected = set(SHEET.keys) - {ID, ARCHIVED}
    for record in INDICATORS:
        assert set(record) == expected, record["code"]


# (code, target_kind, comparison, target_value, target_max, unit)
TARGETS = [
    ("1", TargetKind.CO_KHONG, None, None, None, ""),
    ("2.1.1", TargetKind.SO_LUONG, Comparison.GE, 1.0, None, "mô hình/năm"),
    ("2.1.2", TargetKind.MUC, Comparison.EQ, 100.0, None, "%"),
    ("2.1.3", TargetKind.MUC, Comparison.GE, 85.0, None, "%"),  # "đạt từ 85% trở lên"
    ("2.1.4", TargetKind.THAY_DOI, Comparison.LE, -0.5, None, "%"),  # a fall
    ("2.1.5", TargetKind.MUC, Comparison.EQ, 55.0, None, "%"),  # bare "55%"
    ("2.1.6", TargetKind.SO_LUONG, Comparison.GE, 1.0, None, "chính sách/năm"),
    ("2.1.7", TargetKind.MUC, Comparison.EQ, 100.0, None, "%"),
    ("2.1.8", TargetKind.BAO_PHU, Comparison.EQ, 100.0, None, "%"),
    ("2.1.9", TargetKind.BAO_PHU, Comparison.EQ, 100.0, None, "%"),
    ("2.1.10", TargetKind.MUC, Comparison.GT, 70.0, None, "%"),  # "trên 70%" is strict
    ("2.2.1.1", TargetKind.MUC, Comparison.EQ, 95.0, None, "%"),  # "đạt 95%"
    ("2.2.1.2", TargetKind.CO_KHONG, None, None, None, ""),
    ("2.2.1.3a", TargetKind.MUC, Comparison.EQ, 100.0, None, "%"),
    ("2.2.1.3b", TargetKind.MUC, Comparison.GE, 95.0, None, "%"),  # "95% trở lên"
    ("2.2.2.1", TargetKind.MUC, Comparison.EQ, 95.0, None, "%"),
    ("2.2.2.2", TargetKind.MUC, Comparison.GT, 97.0, None, "%"),  # "đạt trên 97%"
    ("2.2.2.3", TargetKind.CO_KHONG, None, None, None, ""),
    ("2.2.2.4", TargetKind.KHOANG, Comparison.RANGE, 3.0, 4.0, "m²/người"),
]


def test_target_table_covers_every_indicator() -> None:
    assert {row[0] for row in TARGETS} == EXPECTED_CODES


@pytest.mark.parametrize(
    ("code", "kind", "comparison", "value", "maximum", "unit"), TARGETS, ids=[t[0] for t in TARGETS]
)
def test_target(
    code: str,
    kind: TargetKind,
    comparison: Comparison | None,
    value: float | None,
    maximum: float | None,
    unit: str,
) -> None:
    record = BY_CODE[code]
    assert record["target_kind"] is kind
    assert record["comparison"] is comparison
    assert record["target_value"] == value
    assert record["target_max"] == maximum
    assert record["unit"] == unit


def test_numbers_are_floats() -> None:
    # Canonical numbers are floats, as Number.parse returns them from a sheet.
    for record in INDICATORS:
        for key in ("target_value", "target_max"):
            assert record[key] is None or type(record[key]) is float, (record["code"], key)


@pytest.mark.parametrize(
    ("code", "target_text"),
    [("2.1.3", "≥ 85%"), ("2.1.10", "> 70%"), ("2.1.4", "giảm 0,5%/năm"),
     ("2.1.1", "ít nhất 01 mô hình/năm"), ("2.1.6", "ít nhất 01 chính sách/năm"),
     ("2.2.2.4", "từ 3 đến 4 m²/người"), ("2.2.2.3", "Có"), ("2.1.5", "55%")],
)
def test_target_text_words_the_target_as_the_plan_does(code: str, target_text: str) -> None:
    assert BY_CODE[code]["target_text"] == target_text


def test_only_2_1_1_is_derived_from_registrations() -> None:
    derived = {r["code"]: r["derived"] for r in INDICATORS if r["derived"] is not None}
    assert derived == {"2.1.1": DerivedRule.MO_HINH_MOI_TO_CHUC}
    assert BY_CODE["2.1.1"]["per_unit_kind"] is None


def test_coverage_indicators_are_entered_per_residential_group() -> None:
    per_unit = {r["code"]: r["per_unit_kind"] for r in INDICATORS if r["per_unit_kind"]}
    assert per_unit == {"2.1.8": UnitKind.TO_DAN_PHO, "2.1.9": UnitKind.TO_DAN_PHO}


def test_item_1_has_a_deadline_and_the_rest_are_ongoing() -> None:
    first = BY_CODE["1"]
    assert first["group"] == "1. Xây dựng kế hoạch, quán triệt, triển khai"
    assert first["timing"] == "Trong quý I/2023"
    assert first["due_date"] == date(2023, 3, 31)  # last day of the quarter
    for record in INDICATORS:
        if record["code"] != "1":
            assert record["timing"] == "Thường xuyên", record["code"]
            assert record["due_date"] is None, record["code"]


def test_groups_follow_the_sections() -> None:
    for record in INDICATORS:
        code = record["code"]
        if code.startswith("2.1."):
            assert record["group"] == "2.1. Chỉ tiêu chung"
        elif code.startswith("2.2.1."):
            assert record["group"] == "2.2.1. Công tác dân vận góp phần phát triển kinh tế"
        elif code.startswith("2.2.2."):
            assert record["group"] == (
                "2.2.2. Công tác dân vận góp phần xây dựng đô thị văn minh"
            )


def _agencies(code: str) -> tuple[str, str, str]:
    record = BY_CODE[code]
    return record["lead"], record["advisory"], record["implementing"]


def test_agency_lines_after_2_2_1_item_2_also_apply_to_item_1() -> None:
    # Edge case: item (1) has no agency lines of its own; the block after (2) covers both.
    expected = ("Đảng ủy", "Khối Dân vận Đảng ủy, Mặt trận phường",
                "Ủy ban nhân dân phường, Mặt trận phường")
    assert _agencies("2.2.1.1") == expected
    assert _agencies("2.2.1.2") == expected


def test_advisory_and_implementing_line_of_2_2_1_item_3() -> None:
    # Edge case: "Cơ quan tham mưu, thực hiện" fills both columns.
    for code in ("2.2.1.3a", "2.2.1.3b"):
        assert _agencies(code) == ("Đảng ủy", "Ủy ban nhân dân phường", "Ủy ban nhân dân phường")


@pytest.mark.parametrize("code", [f"2.2.2.{i}" for i in range(1, 5)])
def test_agency_lines_after_2_2_2_item_4_apply_to_all_four(code: str) -> None:
    assert _agencies(code) == (
        "Đảng ủy", "Ủy ban nhân dân phường", "Ủy ban nhân dân phường, Mặt trận phường"
    )


@pytest.mark.parametrize(
    ("code", "advisory", "implementing"),
    [
        ("2.1.3", "Mặt trận phường", "Ủy ban nhân dân phường; Mặt trận phường"),
        ("2.1.4", "Ủy ban nhân dân phường", "Ủy ban nhân dân phường"),
        ("2.1.7", "Khối Dân vận Đảng ủy",
         "Khối Dân vận Đảng ủy, UBND, Mặt trận và các tổ chức chính trị - xã hội phường"),
    ],
)
def test_single_item_agencies(code: str, advisory: str, implementing: str) -> None:
    assert _agencies(code) == ("Đảng ủy", advisory, implementing)


def test_agency_text_has_no_trailing_period() -> None:
    for record in INDICATORS:
        for key in ("lead", "advisory", "implementing", "timing"):
            assert record[key] and not record[key].endswith("."), (record["code"], key)


def test_seed_typos_are_kept() -> None:
    # The wording is the signed plan's, typos included.
    assert BY_CODE["2.1.8"]["text"].startswith("Phân đấu")
    assert BY_CODE["2.2.2.4"]["text"].startswith("Phần đầu")


@pytest.mark.parametrize("code", sorted(EXPECTED_CODES))
def test_record_parses_through_the_schema(code: str) -> None:
    record = BY_CODE[code]
    for column in SHEET.columns:
        if column.key in (ID, ARCHIVED):
            continue
        value = record[column.key]
        if column.required:
            assert value not in (None, ""), column.key
        if value is not None:
            assert column.type.parse(value) == value, column.key
    for check in SHEET.row_checks:
        assert list(check(record)) == []


def test_all_text_is_nfc() -> None:
    for record in INDICATORS:
        for key, value in record.items():
            if isinstance(value, str):
                assert unicodedata.is_normalized("NFC", value), (record["code"], key)


def test_indicator_records_returns_copies() -> None:
    records = indicator_records()
    assert records == list(INDICATORS)
    records[0]["text"] = "đã sửa"
    records[0]["new_key"] = 1
    del records[1]["code"]
    assert INDICATORS[0]["text"] != "đã sửa"
    assert "new_key" not in INDICATORS[0]
    assert "code" in INDICATORS[1]
    assert indicator_records() == list(INDICATORS)


# --- Plan 48's rules on the plan's own indicators ---------------------------------------------


def _judged(code: str, values: list[tuple[int, float]], year: int) -> Any:
    from services import progress
    from tests.conftest import clean_snapshot

    snapshot = clean_snapshot(indicators=[BY_CODE[code]], indicator_values=[
        {"indicator": code, "year": y, "value": v} for y, v in values])
    return progress.evaluate(snapshot["indicators"].records[0], snapshot, year)


@pytest.mark.parametrize(("value", "status", "met"), [
    (2.9, "Chưa đạt", False), (3.0, "Đạt", True), (4.0, "Đạt", True),
    (4.5, "Vượt chỉ tiêu", True),
], ids=["below", "lower_bound", "upper_bound", "above_is_exceeded"])
def test_green_area_from_3_to_4_is_met_from_3_and_exceeded_above_4(value: float, status: str,
                                                                   met: bool) -> None:
    # 2.2.2.4 "Phần đầu diện tích cây xanh … đạt từ 3 đến 4m²": 4,5 m² is no failure.
    result = _judged("2.2.2.4", [(2025, value)], 2025)
    assert (str(result.status), result.met) == (status, met)


def _ward_with(values: list[tuple[str, int, float]]) -> Any:
    from tests.conftest import clean_snapshot

    return clean_snapshot(indicators=indicator_records(), indicator_values=[
        {"indicator": c, "year": y, "value": v} for c, y, v in values])


def test_headline_counts_only_indicators_with_data_and_defaults_to_the_latest_year() -> None:
    from services import dashboard as board

    # 2025 complete enough; 2026 has its first figure only.
    snapshot = _ward_with([("2.1.5", 2025, 53.8), ("2.1.3", 2025, 90), ("2.1.10", 2025, 75),
                           ("2.1.5", 2026, 56)])
    figures = board.build(snapshot, 2026, date(2026, 3, 1)).figures
    assert figures.indicator_year == 2026  # the latest year with data
    # One figure of the new year: one met of one with data, never "1/19".
    assert (figures.indicators_met, figures.indicators_with_data) == (1, 1)
    assert figures.indicators_unknown == 18 and figures.indicators_behind == 0
    assert figures.indicator_headline() == "1/1 đạt, 18 chưa có số liệu"
    view = board.indicator_view(snapshot, 2025)
    assert view.headline() == "2/3 đạt, 16 chưa có số liệu"  # 53,8% < 55% is the one behind


def test_headline_without_any_data_says_so_instead_of_zero_met() -> None:
    from services import dashboard as board

    view = board.build_indicator_view(_ward_with([]), 2025)
    assert view.headline() == "Chưa có số liệu" and view.behind == 0
    assert board.indicator_headline(0, 0, 19) == "Chưa có số liệu"
    assert board.indicator_headline(12, 15, 4) == "12/15 đạt, 4 chưa có số liệu"
    assert board.indicator_headline(3, 3, 0) == "3/3 đạt"


def test_latest_year_ignores_values_after_the_working_year() -> None:
    from services import dashboard as board

    snapshot = _ward_with([("2.1.5", 2024, 53.1), ("2.1.5", 2027, 60)])
    assert board.latest_indicator_year(snapshot, 2026) == 2024
    assert board.latest_indicator_year(_ward_with([]), 2026) == 2025


def test_dashboard_headline_card_says_met_of_those_with_data_and_how_many_have_none(
        app_env: Any) -> None:
    import streamlit as st

    from services import dashboard as board
    from services.clock import today
    from services.config import load_settings
    from services.store.sql import SqlStore
    from tests.conftest import new_app_test

    assert not new_app_test().run().exception  # fills the store with the demo ward
    year = load_settings().year
    store = SqlStore(f"sqlite:///{app_env}")
    # The clerk enters the first figure of the working year.
    store.append("indicator_values", [{"indicator": "2.1.5", "year": year, "value": 54.2}],
                 "thử")
    st.cache_data.clear()
    st.cache_resource.clear()
    board.clear_cache()
    at = new_app_test().run()
    assert not at.exception, at.exception
    figures = board.build(store.snapshot(), year, today()).figures
    assert figures.indicator_year == year
    [card] = [m for m in at.metric if m.label == f"Chỉ tiêu đạt {figures.indicator_year}"]
    assert card.value == f"{figures.indicators_met}/{figures.indicators_with_data}"
    assert figures.indicators_with_data < figures.indicators_total  # some have no data
    assert card.proto.delta == f"{figures.indicators_unknown} chưa có số liệu"
