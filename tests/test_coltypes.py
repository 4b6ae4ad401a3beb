"""Column types parse what people really type, and refuse the rest with a clear reason."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

import pytest

from services.choices import Field
from services.clock import VN_TZ
from services.coltypes import (
    DATE_MAX,
    DATE_MIN,
    Bool,
    CellError,
    Choice,
    ColumnType,
    Date,
    Email,
    Integer,
    LongText,
    Number,
    Phone,
    Ref,
    Text,
    Timestamp,
    Year,
    format_number,
    parse_number,
    quote,
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


# --- dates before 1900 or after 2100: what the form's date widget cannot show --------------


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("0024-01-01", "là ngày của năm 24, trước năm 1900"),
        ("01/01/0024", "là ngày của năm 24, trước năm 1900"),  # never read as 2024
        ("31/12/1899", "là ngày của năm 1899, trước năm 1900"),
        ("1899-12-31", "là ngày của năm 1899, trước năm 1900"),
        ("01/01/2101", "là ngày của năm 2101, sau năm 2100"),
        ("9999-12-31", "là ngày của năm 9999, sau năm 2100"),
        (date(24, 1, 1), "là ngày của năm 24, trước năm 1900"),
        (datetime(1899, 12, 31, 12, 0), "là ngày của năm 1899, trước năm 1900"),
        (1, "là số ngày của một ngày trước năm 1900"),  # 31/12/1899 as Sheets counts
        (-5, "là số ngày của một ngày trước năm 1900"),
        (-5.5, "là số ngày của một ngày trước năm 1900"),
        ("0", "là số ngày của một ngày trước năm 1900"),
        (73_416, "là số ngày của một ngày sau năm 2100"),  # 01/01/2101
        (2024, "là một số, không phải ngày"),  # a year typed into a date cell
    ],
    ids=repr,
)
def test_dates_outside_1900_to_2100_are_refused_saying_which_year(raw: object,
                                                                   says: str) -> None:
    with pytest.raises(CellError, match=says):
        Date().parse(raw)


def test_first_and_last_dates_allowed_are_01_01_1900_and_31_12_2100() -> None:
    # The bounds of the form's date widget (services/forms.py): a date taken from a file or
    # the sheet can always be shown in an edit form.
    assert (date(1900, 1, 1), date(2100, 12, 31)) == (DATE_MIN, DATE_MAX)
    assert Date().parse("01/01/1900") == DATE_MIN
    assert Date().parse("31/12/2100") == DATE_MAX
    assert Date().parse(73_415) == DATE_MAX
    assert "từ 01/01/1900 đến 31/12/2100" in Date().allowed()


def test_two_digit_year_is_this_century_but_four_digits_are_taken_as_written() -> None:
    assert Date().parse("7/4/24") == date(2024, 4, 7)
    assert Date().parse("7/4/2024") == date(2024, 4, 7)
    with pytest.raises(CellError):
        Date().parse("7/4/0024")


# --- characters that are not text ----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("Nguyễn\x00Văn", "ký tự điều khiển không được phép \\(U\\+0000\\) ở vị trí thứ 7"),
        ("\x1fTổ 5", "ký tự điều khiển không được phép \\(U\\+001F\\) ở vị trí thứ 1"),
        ("a\x0bb", "U\\+000B"),  # vertical tab
        ("a\x7fb", "U\\+007F"),
        ("a\x85b", "U\\+0085"),  # C1
        ("Lê Văn \u202eTám", "ký tự đổi chiều văn bản không được phép \\(U\\+202E\\)"),
        ("\u202aA", "U\\+202A"),
        ("\u2066A\u2069", "ký tự đổi chiều văn bản không được phép \\(U\\+2066\\)"),
        ("\u2069", "U\\+2069"),
    ],
    ids=repr,
)
@pytest.mark.parametrize("kind", [Text(), LongText(), Ref(sheet="units"), Email()],
                         ids=lambda k: type(k).__name__)
def test_control_and_direction_characters_are_refused(kind: ColumnType, raw: str,
                                                      says: str) -> None:
    with pytest.raises(CellError, match=says):
        kind.parse(raw + ("@x.vn" if isinstance(kind, Email) else ""))


def test_tabs_and_line_breaks_are_whitespace_not_control_characters() -> None:
    assert Text().parse("Nguyễn\tVăn\r\nNho") == "Nguyễn Văn Nho"
    assert LongText().parse("Dòng 1\r\nDòng 2\rDòng\t3") == "Dòng 1\nDòng 2\nDòng 3"
    assert Text().parse("Tổ 5 \u200e") == "Tổ 5 \u200e"  # a direction mark overrides nothing


def test_a_refused_character_is_shown_by_its_code_in_the_message() -> None:
    assert quote("Lê\u202eTám\x00") == '"Lê[U+202E]Tám[U+0000]"'
