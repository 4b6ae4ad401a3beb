"""Exports for the upper level: CSV per sheet or per list, and one Excel workbook of all sheets.

CSV is for Excel users and for programs alike: UTF-8 with a BOM (or Excel breaks the
diacritics), CRLF line endings, the schema's Vietnamese headers, and machine-readable values
(ISO dates "2024-04-07", "." decimals, yes/no as TRUE/FALSE, numbers unformatted). Every cell
is quoted: where Windows' list separator is ";" (as on Vietnamese Windows) Excel splits cells
at an unquoted ";", which the csv module's minimal quoting leaves bare. `write_csv` is the
app's only CSV writer; every download goes through it.

TRUE/FALSE rather than "Có"/"Không": it is what the Excel workbook holds (real booleans), what
Google Sheets' checkboxes write, and what the import (`Bool.parse`) reads back, in any locale.

A text cell that a spreadsheet program could run as a formula (it starts, perhaps after
whitespace, with "=", "+", "-", "@", a tab or a carriage return) is written with a leading
apostrophe, as the OWASP guidance on CSV injection advises. Real numbers are never text: a
negative number stays "-0.5". In the workbook such text is a string cell (never a formula)
with Excel's quote prefix, so its value is unchanged and Excel still never runs it.

Every good record is exported, archived ones included ("Lưu trữ" column); rows that validation
left out are not (they are listed on the data-quality page). The "_row" bookkeeping key never is.

The workbook is written with XlsxWriter in constant-memory mode: openpyxl (even write-only)
took 12-16 s for a 100× ward (~600k cells), XlsxWriter about 3 s. openpyxl stays the reader the
tests check the workbook with.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter

from services import clock
from services.clock import VN_TZ
from services.coltypes import Bool, Date, LongText, Number, Timestamp
from services.schema import SHEETS, Column, Record, Sheet
from services.text import fold
from services.validation import Snapshot

BOM = "\ufeff"
CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WORKBOOK_STEM = "khoi-dan-van"
TRUE_TEXT, FALSE_TEXT = "TRUE", "FALSE"

# OWASP "CSV Injection": cells starting with these are formulas (or DDE) to a spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "dd/mm/yyyy"
TIMESTAMP_FORMAT = "dd/mm/yyyy hh:mm:ss"
SHEET_TITLE_MAX = 31
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_EXCEL_TEXT_MAX = 32_767  # Excel refuses to open a workbook with a longer cell
_WIDTH_SAMPLE = 500  # rows looked at to size a column: enough to be right, cheap at 100×
_WIDTH_MIN, _WIDTH_MAX = 8, 60


# --- names ---------------------------------------------------------------------------------


def slug(text: str) -> str:
    """Return an ASCII file-name stem: "Đăng ký mô hình" -> "dang-ky-mo-hinh"."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "bang"


def dated_filename(stem: str, extension: str, day: date | None = None) -> str:
    """Return "stem-YYYY-MM-DD.ext" with today's date in Vietnam unless a day is given."""
    day = clock.today() if day is None else day
    return f"{slug(stem)}-{day.isoformat()}.{extension.lstrip('.')}"


def csv_filename(sheet: Sheet | str, day: date | None = None) -> str:
    """Return the dated CSV file name of a sheet, e.g. "dang-ky-mo-hinh-2026-11-21.csv"."""
    return dated_filename(_sheet(sheet).title, "csv", day)


def xlsx_filename(day: date | None = None) -> str:
    """Return the dated workbook file name, e.g. "khoi-dan-van-2026-11-21.xlsx"."""
    return dated_filename(WORKBOOK_STEM, "xlsx", day)


def sheet_title(title: str) -> str:
    """Return a valid Excel sheet name: no []:*?/\\, no edge apostrophe, at most 31 chars."""
    cleaned = _SHEET_TITLE_FORBIDDEN.sub("-", unicodedata.normalize("NFC", title)).strip("'")
    return cleaned[:SHEET_TITLE_MAX].strip() or "Sheet"


def _sheet(sheet: Sheet | str) -> Sheet:
    return SHEETS[sheet] if isinstance(sheet, str) else sheet


# --- values --------------------------------------------------------------------------------


def looks_like_formula(text: str) -> bool:
    """Tell whether a spreadsheet could run this text as a formula, leading spaces aside."""
    return text.startswith(FORMULA_PREFIXES) or text.lstrip().startswith(FORMULA_PREFIXES)


def neutralise(text: str) -> str:
    """Prefix a formula-looking text with an apostrophe so that it stays text."""
    return "'" + text if looks_like_formula(text) else text


def _is_missing(value: Any) -> bool:
    """Tell whether a cell holds nothing: None, NaN, NaT or pd.NA."""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array in a cell is not "missing"
        return False


def _number_text(value: float) -> str:
    """Write a number with "." and no grouping: 53.8, 55, -0.5."""
    if not math.isfinite(value):
        return ""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)  # the shortest text that reads back as the same float


def csv_text(value: Any) -> str:
    """Return the CSV text of one machine-readable value; formula-looking text neutralised."""
    if value is None:
        return ""
    if isinstance(value, str):  # the common case first: this runs once per cell
        return neutralise(unicodedata.normalize("NFC", value))
    if isinstance(value, (bool, np.bool_)):  # before int: True is an int to Python
        return TRUE_TEXT if value else FALSE_TEXT
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return _number_text(float(value))  # NaN gives ""
    if _is_missing(value):  # NaT, pd.NA
        return ""
    if isinstance(value, datetime):
        midnight = value.tzinfo is None and value.time() == datetime.min.time()
        return value.date().isoformat() if midnight else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(unicodedata.normalize("NFC", str(value)))


# --- CSV -----------------------------------------------------------------------------------


class ExcelCsv(csv.Dialect):
    """The app's CSV: what Excel opens right whatever the list separator of its Windows."""

    delimiter = ","
    quotechar = '"'
    doublequote = True
    skipinitialspace = False
    lineterminator = "\r\n"
    # QUOTE_MINIMAL would leave "Tổ 1; Tổ 2" bare: two cells where the list separator is ";".
    quoting = csv.QUOTE_ALL


def write_csv(header: Sequence[Any], rows: Iterable[Iterable[Any]]) -> bytes:
    """Return a header and rows of values as CSV for Excel; the app's only CSV writer.

    UTF-8 with a BOM, CRLF line endings, every cell quoted, each value written by `csv_text`
    (ISO dates, "." decimals, TRUE/FALSE, formula-looking text neutralised).
    """
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, dialect=ExcelCsv)
    writer.writerow([csv_text(h) for h in header])
    writer.writerows([csv_text(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def csv_bytes(sheet: Sheet | str, records: Iterable[Mapping[str, Any]],
              columns: Sequence[str] | None = None) -> bytes:
    """Return records as CSV for Excel: Vietnamese headers, values as each type exports them."""
    sheet = _sheet(sheet)
    chosen = [sheet.column(k) for k in (sheet.keys if columns is None else columns)]
    exporters = [(c.key, c.type.to_export) for c in chosen]
    rows = ([export(r.get(key)) for key, export in exporters] for r in records)
    return write_csv([c.header for c in chosen], rows)


def frame_csv_bytes(df: pd.DataFrame) -> bytes:
    """Return a table a page shows as CSV for Excel: its headers, ISO dates, "." decimals.

    Pass raw values (numbers, dates, booleans), not text already formatted for display
    ("53,8"), which is exported as it is. For records of a sheet, `csv_bytes` with `columns`
    is the better choice: each column type then decides its export form.
    """
    return write_csv([str(c) for c in df.columns], df.itertuples(index=False, name=None))


# --- a computed table as an Excel file ------------------------------------------------------


def write_xlsx(header: Sequence[Any], rows: Iterable[Iterable[Any]],
               sheet_name: str = "Bảng") -> bytes:
    """Return a header and rows of values as an Excel workbook: the twin of `write_csv`.

    The same headers and rows as the CSV, with typed cells: text is always a string cell
    (formula-looking text gets Excel's quote prefix, its value unchanged, and is never run),
    numbers are numbers, dates real dates (dd/mm/yyyy), TRUE/FALSE booleans.
    """
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    book.set_properties({"title": "Khối Dân vận", "created": datetime(2000, 1, 1)})
    fmt = _Formats(book)
    ws = book.add_worksheet(sheet_title(sheet_name))
    titles = [_clean_text(unicodedata.normalize("NFC", str(h))) for h in header]
    widths = [len(t) + 3 for t in titles]
    for col, title in enumerate(titles):
        ws.write_string(0, col, title, fmt.header)
    count = 0
    for count, row in enumerate(rows, 1):
        for col, value in enumerate(row):
            width = _write_value(ws, count, col, value, fmt)
            if col < len(widths) and count <= _WIDTH_SAMPLE:
                widths[col] = max(widths[col], width + 2)
    for col, width in enumerate(widths):
        ws.set_column(col, col, max(_WIDTH_MIN, min(width, _WIDTH_MAX)))
    if titles:
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(count, 1), len(titles) - 1)
    book.close()
    return buffer.getvalue()


def _write_value(ws: Any, row: int, col: int, value: Any, fmt: _Formats) -> int:
    """Write one value by its Python type; return the width it needs."""
    if value is None or _is_missing(value):
        return 0
    if isinstance(value, (bool, np.bool_)):
        ws.write_boolean(row, col, bool(value))
        return 5
    if isinstance(value, (int, float, np.integer, np.floating)) and math.isfinite(value):
        ws.write_number(row, col, float(value) if isinstance(value, np.floating) else value)
        return len(_number_text(float(value)))
    if isinstance(value, datetime):
        ws.write_datetime(row, col, value.astimezone(VN_TZ).replace(tzinfo=None)
                          if value.tzinfo else value, fmt.moment)
        return 19
    if isinstance(value, date):
        ws.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt.date)
        return 10
    text = _clean_text(unicodedata.normalize("NFC", str(value)))
    ws.write_string(row, col, text, fmt.quoted if looks_like_formula(text) else None)
    return len(text.split("\n", 1)[0])


def frame_xlsx_bytes(df: pd.DataFrame, sheet_name: str = "Bảng") -> bytes:
    """Return a table a page shows as an Excel file: the twin of `frame_csv_bytes`."""
    return write_xlsx([str(c) for c in df.columns], df.itertuples(index=False, name=None),
                      sheet_name)


# --- Excel: a small streaming SpreadsheetML writer -----------------------------------------

_EXCEL_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _clean_text(text: str) -> str:
    """Drop control characters Excel refuses and cut text to Excel's cell limit."""
    return _EXCEL_ILLEGAL.sub("", text)[:_EXCEL_TEXT_MAX]


class _Formats:
    """The workbook's few cell formats, made once per workbook."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.header = book.add_format({"bold": True, "bg_color": "#F6F1EE", "bottom": 1})
        self.date = book.add_format({"num_format": DATE_FORMAT})
        self.moment = book.add_format({"num_format": TIMESTAMP_FORMAT})
        # Excel's quote prefix keeps formula-looking text as text if someone edits the cell.
        self.quoted = book.add_format({"quote_prefix": True})


def _write_cell(ws: Any, row: int, col: int, column: Column, value: Any, fmt: _Formats) -> None:
    """Write one canonical value as a typed cell: text is always a string, never a formula."""
    if value is None:
        return
    kind = column.type
    if isinstance(kind, Date) and isinstance(value, date):
        ws.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt.date)
    elif isinstance(kind, Timestamp) and isinstance(value, datetime):
        # Excel has no time zones: write the moment as Vietnam's wall-clock time.
        ws.write_datetime(row, col, value.astimezone(VN_TZ).replace(tzinfo=None), fmt.moment)
    elif isinstance(kind, Bool) and isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif (isinstance(kind, Number) and isinstance(value, (int, float))
          and not isinstance(value, bool) and math.isfinite(value)):
        ws.write_number(row, col, value)
    else:
        text = _clean_text(str(value))
        ws.write_string(row, col, text, fmt.quoted if looks_like_formula(text) else None)


def _width(column: Column, records: Sequence[Mapping[str, Any]]) -> float:
    """Return a column width that fits the header and typical values."""
    kind = column.type
    header = len(column.header) + 3  # room for the filter arrow
    if isinstance(kind, Date):
        return max(header, 12)
    if isinstance(kind, Timestamp):
        return max(header, 20)
    if isinstance(kind, (Bool, Number)):
        return min(max(header, 10), _WIDTH_MAX)
    longest = 0
    for record in records[:_WIDTH_SAMPLE]:
        value = record.get(column.key)
        if value is not None:
            longest = max(longest, len(str(value).split("\n", 1)[0]))
    limit = _WIDTH_MAX if isinstance(kind, LongText) else _WIDTH_MAX - 10
    return max(_WIDTH_MIN, min(max(header, longest + 2), limit))


def _unique_title(title: str, used: set[str]) -> str:
    """Return the title, numbered if cutting it to 31 characters made it collide."""
    candidate, n = title, 1
    while candidate.casefold() in used:  # Excel compares sheet names case-insensitively
        n += 1
        suffix = f" ({n})"
        candidate = title[: SHEET_TITLE_MAX - len(suffix)] + suffix
    used.add(candidate.casefold())
    return candidate


def sheet_records(snapshot: Snapshot, key: str) -> list[Record]:
    """Return every good record of a sheet, archived ones included; none if it is absent."""
    table = snapshot.tables.get(key)
    return list(table.records) if table is not None else []


def xlsx_bytes(snapshot: Snapshot, sheet_keys: Sequence[str] | None = None) -> bytes:
    """Return one Excel workbook with a worksheet per sheet (all of SHEETS by default)."""
    keys = list(SHEETS) if sheet_keys is None else list(sheet_keys)
    if not keys:
        raise ValueError("xlsx_bytes needs at least one sheet")
    buffer = io.BytesIO()
    # constant_memory streams rows to disk as they are written: a 100× ward stays cheap.
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": False,
                                        "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    book.set_properties({"title": "Khối Dân vận", "created": datetime(2000, 1, 1)})
    fmt = _Formats(book)
    used: set[str] = set()
    for key in keys:
        sheet = SHEETS[key]
        records = sheet_records(snapshot, key)
        ws = book.add_worksheet(_unique_title(sheet_title(sheet.title), used))
        for col, column in enumerate(sheet.columns):
            ws.set_column(col, col, _width(column, records))
            ws.write_string(0, col, _clean_text(column.header), fmt.header)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(records), 1), len(sheet.columns) - 1)
        for row, record in enumerate(records, 1):
            for col, column in enumerate(sheet.columns):
                _write_cell(ws, row, col, column, record.get(column.key), fmt)
    book.close()
    return buffer.getvalue()


# --- everything at once --------------------------------------------------------------------


def export_all(snapshot: Snapshot, directory: Path) -> list[Path]:
    """Write one CSV per sheet and "khoi-dan-van.xlsx" into a directory; return their paths.

    File names are ASCII slugs of the sheet titles ("dang-ky-mo-hinh.csv"), without a date, so
    a scheduled `python -m services.cli export --out DIR` replaces the previous files.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for key, sheet in SHEETS.items():
        path = directory / f"{slug(sheet.title)}.csv"
        path.write_bytes(csv_bytes(sheet, sheet_records(snapshot, key)))
        paths.append(path)
    workbook = directory / f"{WORKBOOK_STEM}.xlsx"
    workbook.write_bytes(xlsx_bytes(snapshot))
    paths.append(workbook)
    return paths
