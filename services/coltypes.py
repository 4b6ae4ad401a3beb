"""Column types: each knows how to parse what people type, store, export and display a value.

A type parses a raw cell (whatever a form, a spreadsheet API or a database hands over) into one
canonical Python value, or raises `CellError` with a Vietnamese sentence saying what is allowed.
The same parse runs on form input and on rows typed straight into the sheet.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any, ClassVar

from babel.dates import format_date
from babel.numbers import format_decimal

from services.clock import VN_TZ
from services.text import fold, header_key, nfc

# Google Sheets and Excel count days from 30/12/1899.
SERIAL_EPOCH = date(1899, 12, 30)
# Every date the app takes, from a form, a file or the sheet; the form's date widget has the
# same bounds, so a stored date can always be shown in an edit form.
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2100, 12, 31)
# A serial number below this is more likely a year or a count typed into a date cell ("2024" is
# 16/07/1905) than a date anyone at the office means; 10,000 is 18/05/1927.
_SERIAL_PLAUSIBLE = 10_000
LOCALE = "vi_VN"


class CellError(ValueError):
    """A value that cannot be accepted, with the Vietnamese reason."""


class Widget(StrEnum):
    """Which form widget a column type asks for."""

    TEXT = "text"
    TEXTAREA = "textarea"
    INTEGER = "integer"
    NUMBER = "number"
    DATE = "date"
    CHECKBOX = "checkbox"
    SELECT = "select"
    HIDDEN = "hidden"


def is_blank(raw: object) -> bool:
    """Tell whether a raw cell holds nothing (None, empty or only spaces)."""
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    # Not `nfc(raw) == ""`: NFC never turns whitespace into text or back (checked over every
    # code point), and a sheet's every cell is asked; the cell is normalised once, when parsed.
    return isinstance(raw, str) and not raw.strip()


def quote(raw: object) -> str:
    """Return a raw value as people will recognise it in a message ("120", not "120.0").

    A control or direction character is shown by its code ("[U+202E]"): printed as it is, it
    would be invisible or reorder the message around it.
    """
    if isinstance(raw, float) and math.isfinite(raw):
        return f'"{int(raw)}"' if raw.is_integer() else f'"{format_number(raw, 3)}"'
    text = nfc(raw) if isinstance(raw, str) else str(raw)
    return f'"{_FORBIDDEN.sub(lambda m: f"[U+{ord(m[0]):04X}]", text)}"'


# --- characters ----------------------------------------------------------------------------

# C0 controls other than tab, line feed and carriage return (those are whitespace: a line of
# text turns them into a space, a long text keeps its line breaks), DEL and the C1 controls:
# no one types them, they come from broken exports and can break programs that read the sheet.
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
# Bidirectional embeddings, overrides and isolates make a cell read differently from what it
# holds ("Trojan Source"): a name could show as another.
_BIDI = "\u202a-\u202e\u2066-\u2069"
_FORBIDDEN = re.compile(f"[{_CONTROL}{_BIDI}]")


def check_characters(text: str) -> None:
    """Refuse control characters and direction overrides, saying which and where."""
    found = _FORBIDDEN.search(text)
    if found is None:
        return
    char = found[0]
    kind = "ký tự đổi chiều văn bản" if re.match(f"[{_BIDI}]", char) else "ký tự điều khiển"
    raise CellError(f"có {kind} không được phép (U+{ord(char):04X}) ở vị trí thứ "
                    f"{found.start() + 1}; hãy xoá ký tự đó rồi nhập lại")


# --- numbers -------------------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d+)*|[.,]\d+)$")


def parse_number(raw: object) -> float:
    """Parse a number as Vietnamese offices type it: "55,5", "1.234", "1.234,5", "55%", "0.5"."""
    if isinstance(raw, bool):
        raise CellError("không phải là số")
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not math.isfinite(raw):
            raise CellError("không phải là số")
        return float(raw)
    text = nfc(str(raw)).replace(" ", "").replace("\u00a0", "").rstrip("%")
    if not _NUMBER.match(text):
        raise CellError("không phải là số")
    if "," in text and "." in text:
        # Both separators: whichever comes last is the decimal one ("1.234,5" or "1,234.5").
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        grouping = "." if decimal == "," else ","
        text = text.replace(grouping, "").replace(decimal, ".")
    elif "," in text:
        if text.count(",") > 1:
            text = text.replace(",", "")  # "1,234,567": commas can only be grouping here
        else:
            text = text.replace(",", ".")  # Vietnamese decimal comma: "55,5"
    elif text.count(".") > 1 or re.fullmatch(r"[+-]?\d{1,3}\.\d{3}", text):
        # "1.234" and "1.234.567" are Vietnamese thousands; "12.5" and "0.55" stay decimals.
        text = text.replace(".", "")
    return float(text)


def format_number(value: float | int | None, decimals: int = 2) -> str:
    """Format a number the Vietnamese way: "1.234,5"."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


# --- dates ---------------------------------------------------------------------------------

_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")


def parse_date(raw: object) -> date:
    """Parse a date: dd/mm/yyyy, d/m/yyyy, ISO yyyy-mm-dd or a spreadsheet serial number.

    Only dates from DATE_MIN to DATE_MAX are taken; "0024-01-01" is year 24, never 2024.
    """
    if isinstance(raw, datetime):
        try:
            return _in_range(raw.astimezone(VN_TZ).date() if raw.tzinfo else raw.date())
        except OverflowError:  # year 9999 in another time zone
            raise _out_of_range(raw.year) from None
    if isinstance(raw, date):
        return _in_range(raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return _from_serial(float(raw))
    text = nfc(str(raw))
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _from_serial(float(text))
    if m := _DMY.match(text):
        day, month, year = int(m[1]), int(m[2]), int(m[3])
        if len(m[3]) == 2:
            year += 2000  # "7/4/24"; a four-digit "0024" stays year 24 and is refused below
    elif m := _YMD.match(text):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    else:
        raise CellError("không phải ngày hợp lệ (nhập theo dạng ngày/tháng/năm, ví dụ 07/04/2024)")
    if not DATE_MIN.year <= year <= DATE_MAX.year:
        raise _out_of_range(year)
    try:
        return date(year, month, day)
    except ValueError:
        # Never shift 30/02 to 02/03: an impossible date is the person's to fix.
        raise CellError("không phải ngày có thật trên lịch") from None


def _out_of_range(year: int) -> CellError:
    side = f"trước năm {DATE_MIN.year}" if year < DATE_MIN.year else f"sau năm {DATE_MAX.year}"
    return CellError(f"là ngày của năm {year}, {side}: ngoài khoảng cho phép")


def _in_range(value: date) -> date:
    if not DATE_MIN <= value <= DATE_MAX:
        raise _out_of_range(value.year)
    return value


def _from_serial(serial: float) -> date:
    """Return the date of a spreadsheet serial number (days since 30/12/1899)."""
    if not math.isfinite(serial):
        raise CellError("không phải ngày hợp lệ (nhập theo dạng ngày/tháng/năm, ví dụ 07/04/2024)")
    if serial < to_serial(DATE_MIN):
        raise CellError(f"là số ngày của một ngày trước năm {DATE_MIN.year}: ngoài khoảng cho "
                        "phép")
    if serial >= to_serial(DATE_MAX) + 1:
        raise CellError(f"là số ngày của một ngày sau năm {DATE_MAX.year}: ngoài khoảng cho "
                        "phép")
    if serial < _SERIAL_PLAUSIBLE:
        raise CellError("là một số, không phải ngày (nếu là năm, hãy nhập đủ ngày/tháng/năm)")
    return SERIAL_EPOCH + timedelta(days=int(serial))


def to_serial(value: date) -> int:
    """Return the spreadsheet serial number of a date."""
    return (value - SERIAL_EPOCH).days


@lru_cache(maxsize=1 << 14)  # labels of long lists repeat the same few hundred days
def format_date_vn(value: date | None) -> str:
    """Format a date as dd/mm/yyyy."""
    return value.strftime("%d/%m/%Y") if value else ""


def format_month_vn(value: date) -> str:
    """Format a month in words, e.g. "tháng 4 năm 2024"."""
    return format_date(value, "'tháng' M 'năm' y", locale=LOCALE)


# --- the types -----------------------------------------------------------------------------

Bound = float | int | Callable[[], float | int] | None


def _bound(value: Bound) -> float | int | None:
    return value() if callable(value) else value


@dataclass(frozen=True)
class ColumnType:
    """Base of all column types: text that is stored as it was typed, NFC-normalised."""

    widget: ClassVar[Widget] = Widget.TEXT
    sql: ClassVar[str] = "text"
    max_length: int = 500

    def parse(self, raw: object) -> Any:
        """Return the canonical value of a non-blank raw cell, or raise `CellError`."""
        # A number cell holding a code such as 12 comes back as 12.0: keep it as "12".
        whole = isinstance(raw, float) and raw.is_integer()
        if not whole:
            check_characters(str(raw))  # before nfc, which would turn some into spaces
        text = str(int(raw)) if whole else nfc(str(raw))
        if len(text) > self.max_length:
            raise CellError(f"dài quá {self.max_length} ký tự")
        return text

    def allowed(self) -> str:
        """Describe, in Vietnamese, what the column accepts."""
        return f"văn bản, tối đa {self.max_length} ký tự"

    def to_cell(self, value: Any) -> Any:
        """Return the value to write into a spreadsheet cell (always literal, never a formula)."""
        return "" if value is None else value

    def to_export(self, value: Any) -> Any:
        """Return the machine-readable value for CSV: ISO dates, "." decimals."""
        return "" if value is None else value

    def display(self, value: Any) -> str:
        """Return the value as the Vietnamese UI shows it."""
        return "" if value is None else str(value)

    def same(self, a: Any, b: Any) -> bool:
        """Tell whether two canonical values are the same for conflict detection."""
        return (a if a not in ("",) else None) == (b if b not in ("",) else None)


@dataclass(frozen=True)
class Text(ColumnType):
    """A line of text."""

    max_length: int = 300


@dataclass(frozen=True)
class LongText(ColumnType):
    """Several lines of text."""

    widget: ClassVar[Widget] = Widget.TEXTAREA
    max_length: int = 5000

    def parse(self, raw: object) -> str:
        """Keep line breaks (CR LF and a lone CR become LF), normalise each line."""
        text = str(raw)
        check_characters(text)
        lines = [nfc(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
        text = "\n".join(lines).strip()
        if len(text) > self.max_length:
            raise CellError(f"dài quá {self.max_length} ký tự")
        return text


@dataclass(frozen=True)
class Id(ColumnType):
    """The record's stable key, given by the app."""

    widget: ClassVar[Widget] = Widget.HIDDEN
    max_length: int = 40

    def allowed(self) -> str:
        """Describe the id."""
        return "mã do ứng dụng cấp, không sửa tay"


@dataclass(frozen=True)
class Phone(ColumnType):
    """A Vietnamese phone number; kept as text so the leading 0 survives."""

    max_length: int = 20

    def parse(self, raw: object) -> str:
        """Accept digits with spaces, dots or dashes; restore a 0 lost in a number cell."""
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            digits = str(int(raw))
            digits = digits if digits.startswith("84") else "0" + digits
        else:
            digits = re.sub(r"[\s.\-()]", "", nfc(str(raw)))
        if digits.startswith("+84"):
            digits = "0" + digits[3:]
        elif re.fullmatch(r"[35789]\d{8}", digits):
            digits = "0" + digits  # a CSV saved by Excel drops the leading 0 of a mobile number
        if not re.fullmatch(r"0\d{9,10}", digits):
            raise CellError("không phải số điện thoại hợp lệ")
        return digits

    def allowed(self) -> str:
        """Describe a phone number."""
        return "10 hoặc 11 chữ số, bắt đầu bằng 0, ví dụ 0912 345 678"


@dataclass(frozen=True)
class Email(ColumnType):
    """An e-mail address, compared in lower case."""

    max_length: int = 200

    def parse(self, raw: object) -> str:
        """Accept one address."""
        check_characters(str(raw))
        text = nfc(str(raw)).lower()
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
            raise CellError("không phải địa chỉ email hợp lệ")
        return text

    def allowed(self) -> str:
        """Describe an e-mail address."""
        return "một địa chỉ email, ví dụ ten@gmail.com"


@dataclass(frozen=True)
class Number(ColumnType):
    """A decimal number, typed with a decimal comma or dot; "55%" means 55."""

    widget: ClassVar[Widget] = Widget.NUMBER
    sql: ClassVar[str] = "float"
    minimum: Bound = None
    maximum: Bound = None
    decimals: int = 2
    unit: str = ""

    def parse(self, raw: object) -> float | int:
        """Parse and check the bounds."""
        value = parse_number(raw)
        self._check_bounds(value)
        return value

    def _check_bounds(self, value: float) -> None:
        low, high = _bound(self.minimum), _bound(self.maximum)
        if (low is not None and value < low) or (high is not None and value > high):
            # The range itself is in allowed(), which every message ends with.
            raise CellError("nằm ngoài khoảng cho phép")

    def _range_text(self) -> str:
        low, high = _bound(self.minimum), _bound(self.maximum)
        parts = []
        if low is not None:
            parts.append(f"từ {format_number(low, self.decimals)}")
        if high is not None:
            parts.append(f"đến {format_number(high, self.decimals)}")
        return " ".join(parts) + (f" {self.unit}" if self.unit else "")

    def allowed(self) -> str:
        """Describe the number and its bounds."""
        bounds = self._range_text()
        return "một số, dùng dấu phẩy cho phần thập phân" + (f", {bounds}" if bounds else "")

    def display(self, value: Any) -> str:
        """Show with decimal comma and dot thousands."""
        return "" if value is None else format_number(value, self.decimals)

    def same(self, a: Any, b: Any) -> bool:
        """Compare numbers with a tolerance: spreadsheets round-trip floats."""
        if a is None or b is None or a == "" or b == "":
            return (a in (None, "")) and (b in (None, ""))
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


@dataclass(frozen=True)
class Integer(Number):
    """A whole number (a year, a count)."""

    widget: ClassVar[Widget] = Widget.INTEGER
    sql: ClassVar[str] = "integer"
    decimals: int = 0
    grouping: bool = True

    def parse(self, raw: object) -> int:
        """Parse, refusing fractions."""
        value = parse_number(raw)
        if not float(value).is_integer():
            raise CellError("phải là số nguyên")
        self._check_bounds(value)
        return int(value)

    def allowed(self) -> str:
        """Describe a whole number and its bounds."""
        bounds = self._range_text()
        return "một số nguyên" + (f", {bounds}" if bounds else "")

    def display(self, value: Any) -> str:
        """Show years without a thousands dot."""
        if value is None:
            return ""
        return format_number(value, 0) if self.grouping else str(int(value))


@dataclass(frozen=True)
class Year(Integer):
    """A calendar year."""

    minimum: Bound = 1900
    maximum: Bound = 2100
    grouping: bool = False

    def _range_text(self) -> str:
        return f"từ {_bound(self.minimum)} đến {_bound(self.maximum)}"


@dataclass(frozen=True)
class Date(ColumnType):
    """A calendar date; shown dd/mm/yyyy, exported ISO, stored in sheets as a real date."""

    widget: ClassVar[Widget] = Widget.DATE
    sql: ClassVar[str] = "date"

    def parse(self, raw: object) -> date:
        """Parse a date in any of the forms people type."""
        return parse_date(raw)

    def allowed(self) -> str:
        """Describe a date."""
        return (f"ngày theo dạng ngày/tháng/năm, từ {format_date_vn(DATE_MIN)} đến "
                f"{format_date_vn(DATE_MAX)}, ví dụ 07/04/2024")

    def to_cell(self, value: Any) -> Any:
        """Write a serial number: with the column's date format the sheet shows a real date."""
        return "" if value is None else to_serial(value)

    def to_export(self, value: Any) -> str:
        """Export ISO 8601."""
        return "" if value is None else value.isoformat()

    def display(self, value: Any) -> str:
        """Show dd/mm/yyyy."""
        return format_date_vn(value)


@dataclass(frozen=True)
class Timestamp(ColumnType):
    """A moment in Vietnam time, as the audit records it."""

    widget: ClassVar[Widget] = Widget.HIDDEN
    sql: ClassVar[str] = "text"

    def parse(self, raw: object) -> datetime:
        """Parse ISO text, a datetime or a serial number with a fraction of a day."""
        if isinstance(raw, datetime):
            return raw if raw.tzinfo else raw.replace(tzinfo=VN_TZ)
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            day = _from_serial(float(raw))
            moment = datetime.combine(day, datetime.min.time()) + timedelta(days=float(raw) % 1)
            return moment.replace(microsecond=0, tzinfo=VN_TZ)
        text = nfc(str(raw))
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            try:
                moment = datetime.strptime(text, "%d/%m/%Y %H:%M:%S")
            except ValueError:
                raise CellError("không phải thời điểm hợp lệ") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)

    def allowed(self) -> str:
        """Describe a timestamp."""
        return "thời điểm dạng 2024-04-07T08:30:00+07:00"

    def to_cell(self, value: Any) -> Any:
        """Write ISO text with the offset, unambiguous for people and programs."""
        return "" if value is None else value.astimezone(VN_TZ).isoformat(timespec="seconds")

    def to_export(self, value: Any) -> str:
        """Export ISO 8601 with offset."""
        return self.to_cell(value)

    def display(self, value: Any) -> str:
        """Show dd/mm/yyyy HH:MM in Vietnam time."""
        return "" if value is None else value.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


_TRUE = {"co", "x", "true", "1", "dung", "yes", "y", "dat", "v"}
_FALSE = {"khong", "false", "0", "sai", "no", "n", "chua", "chuadat", "khongdat"}


@dataclass(frozen=True)
class Bool(ColumnType):
    """Yes or no: "Có"/"Không", "x", TRUE/FALSE, 1/0."""

    widget: ClassVar[Widget] = Widget.CHECKBOX
    sql: ClassVar[str] = "boolean"

    def parse(self, raw: object) -> bool:
        """Parse the ways people tick a box."""
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, (int, float)) and raw in (0, 1):
            return bool(raw)
        key = header_key(str(raw))
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        raise CellError("không hợp lệ")

    def allowed(self) -> str:
        """Describe yes/no."""
        return "Có hoặc Không (hoặc x cho Có)"

    def to_cell(self, value: Any) -> Any:
        """Write a real boolean so the sheet's checkbox rule works."""
        return "" if value is None else bool(value)

    def same(self, a: Any, b: Any) -> bool:
        """Tell yes/no values apart; a blank checkbox is an unticked one."""
        return bool(a) == bool(b)

    def display(self, value: Any) -> str:
        """Show Có/Không."""
        return "" if value is None else ("Có" if value else "Không")


@dataclass(frozen=True)
class Choice(ColumnType):
    """One of a fixed list; matched without regard to case, accents or punctuation."""

    widget: ClassVar[Widget] = Widget.SELECT
    options: Sequence[str] = field(default_factory=tuple)

    def parse(self, raw: object) -> str:
        """Return the canonical option the raw text means."""
        text = nfc(str(raw))
        for option in self.options:
            if text == option:
                return option
        key = header_key(text)
        for option in self.options:
            if header_key(option) == key:
                return option
        raise CellError("không hợp lệ")

    def allowed(self) -> str:
        """List the options."""
        return "chọn một trong: " + ", ".join(self.options)


@dataclass(frozen=True)
class Ref(ColumnType):
    """The label of a record of another sheet (a unit's name, an indicator's code).

    Labels rather than ids are stored so that people editing the sheet pick a readable value
    from the dropdown. The link itself is checked against the snapshot by validation.
    """

    widget: ClassVar[Widget] = Widget.SELECT
    sheet: str = ""
    kinds: Sequence[str] = field(default_factory=tuple)

    def allowed(self) -> str:
        """Describe a reference."""
        return "một giá trị có trong bảng liên quan"

    def same(self, a: Any, b: Any) -> bool:
        """Compare labels as validation resolves them: "to dan pho 5" is "Tổ dân phố 5"."""
        return fold(str(a or "")) == fold(str(b or ""))


def fold_equal(a: str, b: str) -> bool:
    """Tell whether two labels are the same once case and accents are set aside."""
    return fold(a) == fold(b)
