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
