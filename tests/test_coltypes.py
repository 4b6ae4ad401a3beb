"""Column types parse what people really type, and refuse the rest with a clear reason."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

import pytest

from services.choices import Field
from services.clock import VN_TZ
from services.coltypes import (
    Bool,
    CellError,
    Choice,
    Date,
    Integer,
    Number,
    Phone,
    Text,
    Timestamp,
    Year,
    format_number,
    parse_number,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("55%", 55.0),
        ("55 %", 55.0),
        ("55,5", 55.5),
        ("0,5", 0.5),
        ("1.234", 1234.0),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1.234.567", 1234567.0),
        ("12.5", 12.5),
        ("0.55", 0.55),
        (" 53,8 ", 53.8),
        ("-0,5", -0.5),
        (42, 42.0),
        (2.1, 2.1),
    ],
)
def test_parse_number_accepts_vietnamese_and_plain_forms(raw: object, expected: float) -> None:
    assert parse_number(raw) == pytest.approx(expected)


@pytest.mark.parametrize("raw", ["abc", "5,5,a", "1..2", True, "", "%"])
def test_parse_number_refuses_non_numbers(raw: object) -> None:
    with pytest.raises(CellError):
        parse_number(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7/4/2024", date(2024, 4, 7)),
        ("07/04/2024", date(2024, 4, 7)),
        ("2024-04-07", date(2024, 4, 7)),
        ("7-4-2024", date(2024, 4, 7)),
        ("7.4.2024", date(2024, 4, 7)),
        ("7/4/24", date(2024, 4, 7)),
        (45389, date(2024, 4, 7)),
        (45389.0, date(2024, 4, 7)),
        ("45389", date(2024, 4, 7)),
        (date(2024, 4, 7), date(2024, 4, 7)),
        (datetime(2024, 4, 6, 20, 0, tzinfo=VN_TZ), date(2024, 4, 6)),
    ],
)
def test_date_forms_people_type(raw: object, expected: date) -> None:
    assert Date().parse(raw) == expected


def test_impossible_date_30_february_is_an_error_not_shifted() -> None:
    with pytest.raises(CellError, match="không phải ngày có thật"):
        Date().parse("30/02/2023")


@pytest.mark.parametrize("raw", ["hôm qua", "2024/13/45", "13/2024", 3])
def test_dates_that_are_not_dates(raw: object) -> None:
    with pytest.raises(CellError):
        Date().parse(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Có", True), ("có", True), ("x", True), ("X", True), ("TRUE", True), (True, True), (1, True),
     ("Không", False), ("khong", False), ("FALSE", False), (0, False), ("0", False)],
)
def test_bool_forms(raw: object, expected: bool) -> None:
    assert Bool().parse(raw) is expected


def test_choice_matches_without_accents_case_or_punctuation() -> None:
    kind = Choice(options=tuple(Field))
    assert kind.parse("kinh tế") == Field.KINH_TE
    assert kind.parse("Van hoa xa hoi") == Field.VAN_HOA_XA_HOI
    assert kind.parse("AN NINH – QUỐC PHÒNG") == Field.AN_NINH_QUOC_PHONG


def test_choice_refuses_unknown_and_lists_the_options() -> None:
    kind = Choice(options=tuple(Field))
    with pytest.raises(CellError):
        kind.parse("Kinh doanh")
    assert "Kinh tế" in kind.allowed() and "Xây dựng hệ thống chính trị" in kind.allowed()


def test_text_is_normalised_to_nfc_with_spaces_collapsed() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn  Văn   Nho ")
    assert Text().parse(decomposed) == "Nguyễn Văn Nho"


def test_text_that_looks_like_a_number_keeps_its_leading_zero() -> None:
    assert Text().parse("0123") == "0123"


def test_phone_keeps_leading_zero_even_from_a_number_cell() -> None:
    assert Phone().parse(912345678) == "0912345678"
    assert Phone().parse("0912 345 678") == "0912345678"
    assert Phone().parse("+84 912.345.678") == "0912345678"
    assert Phone().parse("912345678") == "0912345678"  # text from a CSV that Excel saved
    with pytest.raises(CellError):
        Phone().parse("12345")


def test_integer_refuses_fractions_and_bounds() -> None:
    assert Integer().parse("1.234") == 1234
    with pytest.raises(CellError, match="số nguyên"):
        Integer().parse("12,5")
    with pytest.raises(CellError, match="ngoài khoảng"):
        Year(minimum=1920).parse("1850")


def test_number_bounds_message_uses_vietnamese_decimal_comma() -> None:
    with pytest.raises(CellError, match="ngoài khoảng"):
        Number(minimum=0, maximum=100.5).parse("120")
    assert "100,5" in Number(minimum=0, maximum=100.5).allowed()


def test_number_display_uses_decimal_comma_and_dot_thousands() -> None:
    assert format_number(1234.5) == "1.234,5"
    assert Number().display(53.8) == "53,8"
    assert Year().display(2024) == "2024"


def test_date_exports_iso_and_writes_a_serial_number_to_sheets() -> None:
    assert Date().to_export(date(2024, 4, 7)) == "2024-04-07"
    assert Date().to_cell(date(2024, 4, 7)) == 45389
    assert Date().display(date(2024, 4, 7)) == "07/04/2024"


def test_timestamp_round_trips_with_vietnam_offset() -> None:
    moment = datetime(2024, 4, 7, 8, 30, tzinfo=VN_TZ)
    cell = Timestamp().to_cell(moment)
    assert cell == "2024-04-07T08:30:00+07:00"
    assert Timestamp().parse(cell) == moment
