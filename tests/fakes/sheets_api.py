"""Fake Google Sheets API v4 served over real HTTP on 127.0.0.1, for tests.

Typical use::

    with FakeSheetsServer() as fake:
        sid = fake.create_spreadsheet("Admin", {"Học viên": [["Tên", "SĐT"], ["An", "0912"]]})
        gc = gspread_client(fake.base_url)
        ws = gc.open_by_key(sid).worksheet("Học viên")
        assert ws.get_all_values() == [["Tên", "SĐT"], ["An", "0912"]]

A person editing inside the race window between an app's read and its write::

    fake.before("spreadsheets.batchUpdate", lambda record: fake.sort_rows(sid, "Học viên", 0))

How the real client reaches the fake: gspread builds every URL from module constants such as
``"https://sheets.googleapis.com/v4/spreadsheets/%s"`` (``gspread/urls.py``) and sends all of
them through one method, ``HTTPClient.request(method, endpoint, ...)``.
:func:`redirecting_http_client` subclasses the HTTP client and swaps the Google origin for
``base_url`` in that one method, so the fake sees exactly the paths Google would see
(``/v4/spreadsheets/...``, range URL-quoted with ``safe=""``). Production code can use the same
subclass to point gspread at any base URL.

Modelling choices (tests may rely on them):

* Storage is per cell and holds the "user entered" input: a value (str/int/float/bool) or a
  formula, plus ``userEnteredFormat`` (only ``numberFormat`` affects rendering), a data
  validation rule and a note. Data validation and protection are stored, never enforced
  (the real API does not enforce them for API writes either).
* Formulas are never evaluated. FORMATTED_VALUE / UNFORMATTED_VALUE reads of a formula cell
  return :data:`FORMULA_PLACEHOLDER` (``"#FORMULA"``) unless a test supplied a result with
  :meth:`FakeSheetsServer.set_formula_result`; FORMULA reads return the formula text.
* RAW input is stored verbatim: strings stay strings (``"=SUM(A1)"``, ``"0123"``, ``"'x"``),
  numbers and bools keep their JSON type, ``""`` clears the cell, ``null`` skips the cell.
* USER_ENTERED input is parsed like the Sheets UI for the spreadsheet ``locale`` (default
  ``en_US``; ``vi_VN`` and other day-first / decimal-comma locales are modelled):
  ``"=..."`` -> formula; ``"'0123"`` -> text ``"0123"``; ``"TRUE"``/``"FALSE"`` -> bool;
  ``"123"``, ``"0123"`` (-> 123), ``"12.5"``, ``"1,234"`` -> numbers (``"12,5"`` is a number
  only in decimal-comma locales); ``"55%"`` -> 0.55 with a PERCENT format;
  ``"7/4/2024"`` (M/D/Y in en_US, D/M/Y in day-first locales) and ``"2024-04-07"`` -> date
  serial (days since 1899-12-30) with a DATE format remembering the typed style; ``"10:30"``
  -> time fraction. A cell whose numberFormat type is TEXT keeps USER_ENTERED input verbatim.
* FORMATTED_VALUE rendering: bools ``"TRUE"``/``"FALSE"``; numbers plainly (12.5 -> ``"12.5"``,
  ``"12,5"`` in decimal-comma locales); PERCENT ``"55%"``; dates in the stored pattern
  (en_US default ``M/d/yyyy`` -> ``"7/4/2024"``, day-first default ``dd/MM/yyyy``, typed ISO
  stays ``"2024-04-07"``). UNFORMATTED_VALUE returns JSON numbers/bools/strings; with
  ``dateTimeRenderOption=FORMATTED_STRING`` date cells come back formatted as above.
* Reads trim trailing empty cells and rows, keep ``""`` for gaps and ``[]`` for empty middle
  rows, and report ``range`` as the requested range clamped to the grid (``'Tab'!A1:Z1000``;
  titles are quoted only when needed, like Google does). A range whose *start* lies outside
  the grid is a 400 "exceeds grid limits"; open or oversized ends are clamped.
* Value writes grow the grid to fit; a bounded multi-cell range must contain the data.
* values.append: the table starts at the range's first row; values go to the first row at or
  below it with no data in the searched columns (so an empty row inside data is filled, as
  in real Sheets), starting at the range's first column. spreadsheets.batchUpdate
  ``appendCells`` appends after the sheet's last row with data.
* spreadsheets.batchUpdate is atomic: if any request fails nothing is applied. With
  ``includeSpreadsheetInResponse`` the reply carries ``updatedSpreadsheet``, built like
  spreadsheets.get: ``responseRanges`` narrows it to the sheets those ranges name (as ``ranges``
  does for spreadsheets.get) and ``responseIncludeGridData`` adds their ``data``; a ``fields``
  mask on the URL trims the reply and, as Google documents, overrides
  ``responseIncludeGridData``. ``moveDimension`` and ``sortRange`` are modelled; sorting puts
  numbers first, then text (case-insensitive), then booleans, and blanks last in both orders.
  ``copyPaste`` copies values, formulas, formats, validation and notes by ``pasteType``
  (repeating over a destination that is a multiple of the source, transposing on request);
  formula references are pasted unchanged, not shifted as Sheets would.
* GridData trims trailing empty rows and cells; an empty row inside the data is ``{}`` and a
  range with no data has no ``rowData`` at all (proto3 JSON omits empty lists).
* Answers are JSON with ``", "``/``": "`` separators; ``prettyPrint=false`` makes them compact.
  Every :class:`RequestRecord` keeps the size of its answer body (``response_bytes``).
  ``max_response_bytes`` turns a too-large values.get / values.batchGet / spreadsheets.get
  answer into a 400 INVALID_ARGUMENT "Response too large ..." (the limit and wording are
  modelled, not Google's documented values).
* People editing the spreadsheet in the browser: :meth:`FakeSheetsServer.sort_rows`,
  ``insert_rows``, ``delete_rows``, ``type_row`` and ``move_row`` change the data as the
  Sheets UI does, through the same code as the API requests. :meth:`FakeSheetsServer.before`
  runs such an edit when a matching request arrives, just before the fake handles it;
  :meth:`FakeSheetsServer.slow` delays matching requests and
  :meth:`FakeSheetsServer.lose_answer` applies a request and then hangs up without answering.
  :meth:`FakeSheetsServer.clear_faults` removes all of these along with injected faults.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

if TYPE_CHECKING:
    import gspread
    from gspread.http_client import HTTPClient

GOOGLE_API_ORIGINS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
FORMULA_PLACEHOLDER = "#FORMULA"
DEFAULT_ROWS = 1000
DEFAULT_COLUMNS = 26

_EPOCH = datetime(1899, 12, 30)
_DATE_TYPES = frozenset({"DATE", "TIME", "DATE_TIME"})
_DECIMAL_COMMA_LOCALES = frozenset(
    {"vi_VN", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR", "pt_PT", "ru_RU", "id_ID", "nl_NL",
     "tr_TR", "pl_PL"}
)
_DAY_FIRST_LOCALES = _DECIMAL_COMMA_LOCALES | {"en_GB", "en_AU", "en_IN", "en_NZ", "en_IE"}
_RENDER_OPTIONS = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
_DATE_RENDER_OPTIONS = ("SERIAL_NUMBER", "FORMATTED_STRING")
_INPUT_OPTIONS = ("RAW", "USER_ENTERED")
_INSERT_OPTIONS = ("OVERWRITE", "INSERT_ROWS")
_DIMENSIONS = ("ROWS", "COLUMNS", "DIMENSION_UNSPECIFIED")
# PASTE_CONDITIONAL_FORMATTING is accepted and copies nothing (the fake keeps no such rules).
_PASTE_TYPES = ("PASTE_NORMAL", "PASTE_VALUES", "PASTE_FORMAT", "PASTE_NO_BORDERS",
                "PASTE_FORMULA", "PASTE_DATA_VALIDATION", "PASTE_CONDITIONAL_FORMATTING")
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_FAULT_MESSAGES = {
    401: "Request had invalid authentication credentials.",
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    500: "Internal error encountered.",
    502: "Bad Gateway",
    503: "The service is currently unavailable.",
    504: "Deadline expired before operation could complete.",
}
# Requests that only change presentation; the fake accepts them and keeps no state.
_IGNORED_REQUESTS = frozenset(
    {"updateBorders", "updateDimensionProperties", "autoResizeDimensions", "mergeCells",
     "unmergeCells", "addConditionalFormatRule", "updateConditionalFormatRule",
     "deleteConditionalFormatRule", "setBasicFilter", "clearBasicFilter"}
)


# --------------------------------------------------------------------------------------------
# gspread wiring
# --------------------------------------------------------------------------------------------


def rewrite_google_url(url: str, base_url: str) -> str:
    """Return ``url`` with a Google API origin replaced by ``base_url``."""
    for origin in GOOGLE_API_ORIGINS:
        if url.startswith(origin + "/"):
            return base_url.rstrip("/") + url[len(origin):]
    return url


def redirecting_http_client(
    base_url: str, parent: type[HTTPClient] | None = None
) -> type[HTTPClient]:
    """Build a gspread HTTPClient subclass that sends Google API calls to ``base_url``."""
    from gspread.http_client import HTTPClient

    base: Any = parent or HTTPClient

    class RedirectingHTTPClient(base):  # type: ignore[misc, valid-type]
        # request() is the single choke point of every gspread call (values, batchUpdate,
        # Drive), so rewriting here covers the whole client. The rewrite is idempotent, which
        # keeps BackOffHTTPClient's recursive self.request() retries correct.
        def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> Any:
            target = rewrite_google_url(endpoint, base_url)
            return super().request(method, target, *args, **kwargs)

    return RedirectingHTTPClient


def gspread_client(base_url: str, parent: type[HTTPClient] | None = None) -> gspread.Client:
    """Build a real gspread.Client with anonymous credentials that talks to ``base_url``."""
    import gspread
    from google.auth.credentials import AnonymousCredentials

    http_client = redirecting_http_client(base_url, parent)
    client = gspread.Client(AnonymousCredentials(), http_client=http_client)
    # The fake lives on loopback; HTTP(S)_PROXY from the environment must not intercept it.
    client.http_client.session.trust_env = False
    return client


# --------------------------------------------------------------------------------------------
# Errors, log records, faults
# --------------------------------------------------------------------------------------------


class ApiError(Exception):
    """A Google-style API error that the fake answers with."""

    def __init__(
        self,
        code: int,
        message: str,
        status: str | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or _STATUS_NAMES.get(code, "UNKNOWN")
        self.details = details

    def body(self) -> dict[str, Any]:
        """Return the JSON error body Google sends."""
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def _bad_request(message: str) -> ApiError:
    return ApiError(400, message)


@dataclass
class RequestRecord:
    """One request the fake received (faulted ones included)."""

    method: str
    path: str
    raw_path: str
    query: dict[str, list[str]]
    body: Any
    kind: str
    operation: str
    spreadsheet_id: str | None
    status: int = 0
    faulted: bool = False
    # Size of the answer body sent (0 when the answer was lost on purpose).
    response_bytes: int = 0
    answer_lost: bool = False
    # With a quota enforced: when it arrived (the quota's clock) and whether it was refused.
    at: float = 0.0
    over_quota: bool = False

    def param(self, name: str, default: str | None = None) -> str | None:
        """Return the first value of query parameter ``name``."""
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class _Fault:
    status: int
    remaining: int | None
    path_contains: str | None
    kind: str | None
    message: str | None

    def matches(self, record: RequestRecord) -> bool:
        if self.kind is not None and record.kind != self.kind:
            return False
        if self.path_contains is None:
            return True
        return self.path_contains in record.path or self.path_contains in record.raw_path


@dataclass
class _Rule:
    """A hook, slowdown or lost answer waiting for matching requests."""

    operation: str | None
    kind: str | None
    remaining: int | None
    action: Callable[[RequestRecord], None] | None = None
    seconds: float = 0.0

    def matches(self, record: RequestRecord) -> bool:
        return self.operation in (None, record.operation) and self.kind in (None, record.kind)


def _take_rules(rules: list[_Rule], record: RequestRecord) -> list[_Rule]:
    """Return the rules matching ``record``, using up one of each one's remaining times."""
    taken = [rule for rule in rules if rule.matches(record)]
    for rule in taken:
        if rule.remaining is not None:
            rule.remaining -= 1
            if rule.remaining <= 0:
                rules.remove(rule)
    return taken


def _fault_error(fault: _Fault, record: RequestRecord) -> ApiError:
    details = None
    if fault.message:
        message = fault.message
    elif fault.status == 429:
        metric = "Read" if record.kind == "read" else "Write"
        message = (
            f"Quota exceeded for quota metric '{metric} requests' and limit '{metric} requests "
            "per minute per user' of service 'sheets.googleapis.com' for consumer "
            "'project_number:000000000000'."
        )
        details = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "RATE_LIMIT_EXCEEDED",
                "domain": "googleapis.com",
                "metadata": {
                    "service": "sheets.googleapis.com",
                    "quota_metric": f"sheets.googleapis.com/{metric.lower()}_requests",
                    "quota_limit": f"{metric}RequestsPerMinutePerUser",
                    "consumer": "projects/000000000000",
                },
            }
        ]
    else:
        message = _FAULT_MESSAGES.get(fault.status, "Fault injected by FakeSheetsServer.")
    return ApiError(fault.status, message, details=details)


# --------------------------------------------------------------------------------------------
# Workbook model
# --------------------------------------------------------------------------------------------


@dataclass
class _Cell:
    value: Any = None
    formula: str | None = None
    fmt: dict[str, Any] = field(default_factory=dict)
    validation: dict[str, Any] | None = None
    note: str | None = None

    @property
    def has_data(self) -> bool:
        return self.value is not None or self.formula is not None

    @property
    def is_blank(self) -> bool:
        return not self.has_data and not self.fmt and self.validation is None and not self.note

    @property
    def number_format(self) -> dict[str, Any] | None:
        return self.fmt.get("numberFormat")


@dataclass
class _Sheet:
    sheet_id: int
    title: str
    row_count: int = DEFAULT_ROWS
    column_count: int = DEFAULT_COLUMNS
    frozen_rows: int = 0
    frozen_columns: int = 0
    hidden: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    cells: dict[tuple[int, int], _Cell] = field(default_factory=dict)
    protected_ranges: list[dict[str, Any]] = field(default_factory=list)

    def last_data_row(self) -> int:
        return max((r for (r, _), cell in self.cells.items() if cell.has_data), default=-1)

    def cell_for_write(self, row: int, col: int) -> _Cell:
        return self.cells.setdefault((row, col), _Cell())

    def tidy(self, row: int, col: int) -> None:
        # Keep the dict sparse: blank cells carry no information.
        cell = self.cells.get((row, col))
        if cell is not None and cell.is_blank:
            del self.cells[(row, col)]


@dataclass
class _Book:
    spreadsheet_id: str
    title: str
    locale: str
    time_zone: str
    sheets: list[_Sheet] = field(default_factory=list)

    def find_sheet(self, name: str) -> _Sheet | None:
        for sheet in self.sheets:
            if sheet.title == name:
                return sheet
        folded = name.casefold()
        for sheet in self.sheets:
            if sheet.title.casefold() == folded:
                return sheet
        return None

    def sheet_by_id(self, sheet_id: Any, where: str) -> _Sheet:
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        raise _bad_request(f"{where}: No grid with id: {sheet_id}")

    def first_visible(self) -> _Sheet:
        return next((s for s in self.sheets if not s.hidden), self.sheets[0])


@dataclass
class _Range:
    sheet: _Sheet
    r0: int
    c0: int
    r1: int | None
    c1: int | None
    single: bool = False
    text: str = ""


# --------------------------------------------------------------------------------------------
# A1 notation
# --------------------------------------------------------------------------------------------

_CELL_RE = re.compile(r"\$?([A-Za-z]{0,3})\$?(\d*)")


def _col_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _col_index(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number - 1


def _quote_title(title: str) -> str:
    plain = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title)
    looks_like_ref = re.fullmatch(r"[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*", title)
    if plain and not looks_like_ref:
        return title
    return "'" + title.replace("'", "''") + "'"


def _a1(sheet: _Sheet, r0: int, c0: int, r1: int, c1: int) -> str:
    start = f"{_col_letters(c0)}{r0 + 1}"
    if r1 - r0 <= 1 and c1 - c0 <= 1:
        return f"{_quote_title(sheet.title)}!{start}"
    return f"{_quote_title(sheet.title)}!{start}:{_col_letters(c1 - 1)}{r1}"


def _cell_key(a1: str) -> tuple[int, int]:
    match = _CELL_RE.fullmatch(a1.strip())
    if not match or not match.group(1) or not match.group(2) or int(match.group(2)) < 1:
        raise ValueError(f"not a single A1 cell: {a1!r}")
    return int(match.group(2)) - 1, _col_index(match.group(1))


def _split_quoted(text: str) -> tuple[str, str] | None:
    # text starts with a quote; '' inside the quotes is an escaped quote.
    name: list[str] = []
    i = 1
    while i < len(text):
        ch = text[i]
        if ch == "'":
            if text[i + 1 : i + 2] == "'":
                name.append("'")
                i += 2
                continue
            return "".join(name), text[i + 1 :]
        name.append(ch)
        i += 1
    return None


def _resolve(book: _Book, text: str) -> _Range:
    bad = _bad_request(f"Unable to parse range: {text}")
    raw = text.strip()
    if not raw:
        raise bad
    a1: str | None
    if raw.startswith("'"):
        parsed = _split_quoted(raw)
        if parsed is None:
            raise bad
        name, rest = parsed
        if rest and not rest.startswith("!"):
            raise bad
        a1 = rest[1:] if rest else None
        sheet = book.find_sheet(name)
    elif "!" in raw:
        name, _, a1 = raw.rpartition("!")
        sheet = book.find_sheet(name)
    else:
        # A bare word is a sheet title if one matches, otherwise A1 on the first visible sheet.
        sheet, a1 = book.find_sheet(raw), None
        if sheet is None:
            sheet, a1 = book.first_visible(), raw
    if sheet is None:
        raise bad
    if a1 is None:
        return _Range(sheet, 0, 0, None, None, text=text)
    parts = a1.split(":")
    matches = [_CELL_RE.fullmatch(part) for part in parts]
    if len(parts) > 2 or any(m is None or not (m.group(1) or m.group(2)) for m in matches):
        raise bad
    groups = [m.groups() for m in matches if m is not None]
    if any(row and int(row) < 1 for _, row in groups):
        raise bad
    col_a, row_a = groups[0]
    if len(groups) == 1:
        if not (col_a and row_a):
            raise bad
        r0, c0 = int(row_a) - 1, _col_index(col_a)
        return _Range(sheet, r0, c0, r0 + 1, c0 + 1, single=True, text=text)
    col_b, row_b = groups[1]
    # "A:5" / "1:B" mix a pure column with a pure row; Sheets rejects those.
    column_then_row = bool(col_a and not row_a and row_b and not col_b)
    row_then_column = bool(row_a and not col_a and col_b and not row_b)
    if column_then_row or row_then_column:
        raise bad
    r0 = int(row_a) - 1 if row_a else 0
    c0 = _col_index(col_a) if col_a else 0
    r1 = int(row_b) if row_b else None
    c1 = _col_index(col_b) + 1 if col_b else None
    if r1 is not None and r1 <= r0:
        r0, r1 = r1 - 1, r0 + 1
    if c1 is not None and c1 <= c0:
        c0, c1 = c1 - 1, c0 + 1
    return _Range(sheet, r0, c0, r1, c1, text=text)


def _exceeds(sheet: _Sheet, label: str) -> ApiError:
    return _bad_request(
        f"Range ({label}) exceeds grid limits. Max rows: {sheet.row_count}, "
        f"max columns: {sheet.column_count}"
    )


def _bounds(rng: _Range) -> tuple[int, int, int, int]:
    sheet = rng.sheet
    if rng.r0 >= sheet.row_count or rng.c0 >= sheet.column_count:
        raise _exceeds(sheet, _a1(sheet, rng.r0, rng.c0, rng.r0 + 1, rng.c0 + 1))
    r1 = sheet.row_count if rng.r1 is None else min(rng.r1, sheet.row_count)
    c1 = sheet.column_count if rng.c1 is None else min(rng.c1, sheet.column_count)
    return rng.r0, rng.c0, r1, c1


# --------------------------------------------------------------------------------------------
# Field masks ("sheets(properties(title,sheetId))", "gridProperties/frozenRowCount", "*")
# --------------------------------------------------------------------------------------------

_MASK_TOKEN = re.compile(r"\s*([A-Za-z0-9_*]+|[./,()])\s*")


def _merge_mask(into: dict[str, Any], other: dict[str, Any]) -> None:
    for key, sub in other.items():
        if key not in into:
            into[key] = sub
        elif into[key] is None or sub is None:
            into[key] = None
        else:
            _merge_mask(into[key], sub)


def _parse_mask(text: str) -> dict[str, Any]:
    bad = _bad_request(f"Invalid field selection {text}")
    tokens: list[str] = []
    pos = 0
    for match in _MASK_TOKEN.finditer(text):
        if match.start() != pos:
            raise bad
        tokens.append(match.group(1))
        pos = match.end()
    if pos != len(text) or not tokens:
        raise bad
    index = 0

    def peek() -> str | None:
        return tokens[index] if index < len(tokens) else None

    def parse_item() -> dict[str, Any]:
        nonlocal index
        name = peek()
        if name is None or name in "./,()":
            raise bad
        index += 1
        if peek() in (".", "/"):
            index += 1
            return {name: parse_item()}
        if peek() == "(":
            index += 1
            sub = parse_list()
            if peek() != ")":
                raise bad
            index += 1
            return {name: sub}
        return {name: None}

    def parse_list() -> dict[str, Any]:
        nonlocal index
        tree: dict[str, Any] = {}
        while True:
            _merge_mask(tree, parse_item())
            if peek() != ",":
                return tree
            index += 1

    tree = parse_list()
    if index != len(tokens):
        raise bad
    return tree


def _mask_selects_grid(mask: dict[str, Any]) -> bool:
    """Tell whether a Spreadsheet field mask asks for ``sheets[].data``."""
    if "*" in mask:
        return True
    if "sheets" not in mask:
        return False
    sheets = mask["sheets"]
    return sheets is None or bool({"data", "*"} & set(sheets))


def _apply_mask(obj: Any, tree: dict[str, Any] | None) -> Any:
    if tree is None or "*" in tree:
        return obj
    if isinstance(obj, list):
        return [_apply_mask(item, tree) for item in obj]
    if isinstance(obj, dict):
        return {key: _apply_mask(obj[key], sub) for key, sub in tree.items() if key in obj}
    return obj


# --------------------------------------------------------------------------------------------
# Value parsing (USER_ENTERED) and rendering
# --------------------------------------------------------------------------------------------

_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_SLASH_DATE_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_DT_TOKEN = re.compile(r'yyyy|yy|mmmm|mmm|mm|m|dd|d|hh|h|ss|s|am/pm|"[^"]*"|\\.|.', re.I)
_DT_FIELDS = frozenset({"yyyy", "yy", "mmmm", "mmm", "mm", "m", "dd", "d", "hh", "h", "ss", "s",
                        "am/pm"})


@dataclass(frozen=True)
class _Parsed:
    value: Any
    formula: str | None = None
    number_format: dict[str, Any] | None = None


def _separators(locale: str) -> tuple[str, str]:
    return (",", ".") if locale in _DECIMAL_COMMA_LOCALES else (".", ",")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _json_number(value: float | int) -> float | int:
    # Google serialises doubles without a trailing ".0", so integral values read back as ints.
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _default_date_pattern(kind: str, locale: str) -> str:
    day = "dd/MM/yyyy" if locale in _DAY_FIRST_LOCALES else "M/d/yyyy"
    if kind == "DATE":
        return day
    if kind == "TIME":
        return "H:mm:ss"
    return f"{day} H:mm:ss"


def _to_serial(moment: datetime) -> float | int:
    delta = moment - _EPOCH
    if delta.seconds == 0 and delta.microseconds == 0:
        return delta.days
    return delta.total_seconds() / 86400


def _from_serial(serial: float) -> datetime:
    return _EPOCH + timedelta(seconds=round(serial * 86400))


def _parse_number(text: str, locale: str) -> tuple[int | float, dict[str, Any] | None] | None:
    dec, grp = _separators(locale)
    pattern = (
        rf"([+-]?)(\d+|\d{{1,3}}(?:{re.escape(grp)}\d{{3}})+)?"
        rf"(?:{re.escape(dec)}(\d*))?(?:[eE]([+-]?\d+))?"
    )
    match = re.fullmatch(pattern, text)
    if not match or not (match.group(2) or match.group(3)):
        return None
    sign, whole, frac, exp = match.groups()
    digits = (whole or "0").replace(grp, "")
    value: int | float
    if frac is None and exp is None:
        value = int(sign + digits)
        if abs(value) >= 2**53:
            value = float(value)
    else:
        value = float(f"{sign}{digits}.{frac or '0'}e{exp or '0'}")
    number_format = None
    if whole is not None and grp in whole:
        decimals = "." + "0" * len(frac) if frac else ""
        number_format = {"type": "NUMBER", "pattern": "#,##0" + decimals}
    return value, number_format


def _parse_datetime(text: str, locale: str) -> tuple[float | int, dict[str, Any]] | None:
    time_parts: tuple[str | None, ...]
    if match := _ISO_DATE_RE.fullmatch(text):
        year, month, day = (int(x) for x in match.groups()[:3])
        time_parts = match.groups()[3:]
        date_pattern = "yyyy-mm-dd"
    elif match := _SLASH_DATE_RE.fullmatch(text):
        first, second, year = (int(x) for x in match.groups()[:3])
        day_first = locale in _DAY_FIRST_LOCALES
        day, month = (first, second) if day_first else (second, first)
        time_parts = match.groups()[3:]
        date_pattern = _default_date_pattern("DATE", locale)
    elif match := _TIME_RE.fullmatch(text):
        hour, minute, second_ = (int(x or 0) for x in match.groups())
        if hour > 23 or minute > 59 or second_ > 59:
            return None
        serial = (hour * 3600 + minute * 60 + second_) / 86400
        return serial, {"type": "TIME", "pattern": "H:mm:ss"}
    else:
        return None
    hour, minute, second_ = (int(x or 0) for x in time_parts)
    try:
        moment = datetime(year, month, day, hour, minute, second_)
    except ValueError:
        return None
    if time_parts[0] is None:
        return _to_serial(moment), {"type": "DATE", "pattern": date_pattern}
    return _to_serial(moment), {"type": "DATE_TIME", "pattern": f"{date_pattern} H:mm:ss"}


def _parse_user_entered(raw: Any, locale: str, text_format: bool) -> _Parsed | None:
    """Interpret one USER_ENTERED input; None means the cell becomes empty."""
    if not isinstance(raw, str):
        return _Parsed(raw)
    if raw == "":
        return None
    if raw.startswith("'"):
        return _Parsed(raw[1:]) if len(raw) > 1 else None
    if text_format:
        return _Parsed(raw)
    if raw.startswith("=") and len(raw) > 1:
        return _Parsed(None, formula=raw)
    stripped = raw.strip()
    if stripped.upper() in ("TRUE", "FALSE"):
        return _Parsed(stripped.upper() == "TRUE")
    number = _parse_number(stripped, locale)
    if number is not None:
        return _Parsed(number[0], number_format=number[1])
    if stripped.endswith("%"):
        percent = _parse_number(stripped[:-1].strip(), locale)
        if percent is not None:
            dec = _separators(locale)[0]
            pattern = "0.00%" if dec in stripped else "0%"
            return _Parsed(percent[0] / 100, number_format={"type": "PERCENT", "pattern": pattern})
    moment = _parse_datetime(stripped, locale)
    if moment is not None:
        return _Parsed(moment[0], number_format=moment[1])
    return _Parsed(raw)


def _store_input(cell: _Cell, raw: Any, input_option: str, locale: str) -> None:
    if isinstance(raw, (date, datetime)):
        # Python-side seeding convenience only; JSON bodies can never carry dates.
        moment = raw if isinstance(raw, datetime) else datetime(raw.year, raw.month, raw.day)
        kind = "DATE_TIME" if isinstance(raw, datetime) else "DATE"
        cell.value, cell.formula = _to_serial(moment), None
        cell.fmt["numberFormat"] = {"type": kind, "pattern": _default_date_pattern(kind, locale)}
        return
    if input_option == "RAW":
        cell.formula = None
        cell.value = None if raw == "" else raw
        return
    current = cell.number_format or {}
    parsed = _parse_user_entered(raw, locale, text_format=current.get("type") == "TEXT")
    if parsed is None:
        cell.value = cell.formula = None
        return
    cell.value, cell.formula = parsed.value, parsed.formula
    if parsed.number_format is not None:
        cell.fmt["numberFormat"] = parsed.number_format


def _localize(text: str, locale: str) -> str:
    dec, grp = _separators(locale)
    if dec == ".":
        return text
    return text.translate({ord(","): grp, ord("."): dec})


def _pattern_decimals(pattern: str) -> int:
    match = re.search(r"\.([0#]+)", pattern)
    return len(match.group(1)) if match else 0


def _format_serial(serial: float, pattern: str) -> str:
    moment = _from_serial(serial)
    tokens = _DT_TOKEN.findall(pattern)
    positions = [i for i, tok in enumerate(tokens) if tok.lower() in _DT_FIELDS]
    twelve_hour = any(tok.lower() == "am/pm" for tok in tokens)
    out: list[str] = []
    for i, tok in enumerate(tokens):
        low = tok.lower()
        if low not in _DT_FIELDS:
            out.append(tok[1:-1] if tok.startswith('"') else tok.lstrip("\\") or tok)
            continue
        k = positions.index(i)
        prev = tokens[positions[k - 1]].lower() if k > 0 else ""
        nxt = tokens[positions[k + 1]].lower() if k + 1 < len(positions) else ""
        hour = (moment.hour % 12 or 12) if twelve_hour else moment.hour
        # "m"/"mm" mean minutes next to hours or seconds, months elsewhere (Sheets' rule).
        is_minute = low in ("m", "mm") and (prev in ("h", "hh") or nxt in ("s", "ss"))
        values = {
            "yyyy": f"{moment.year:04d}",
            "yy": f"{moment.year % 100:02d}",
            "mmmm": moment.strftime("%B"),
            "mmm": moment.strftime("%b"),
            "mm": f"{moment.minute if is_minute else moment.month:02d}",
            "m": str(moment.minute if is_minute else moment.month),
            "dd": f"{moment.day:02d}",
            "d": str(moment.day),
            "hh": f"{hour:02d}",
            "h": str(hour),
            "ss": f"{moment.second:02d}",
            "s": str(moment.second),
            "am/pm": "AM" if moment.hour < 12 else "PM",
        }
        out.append(values[low])
    return "".join(out)


def _format_number(value: int | float, number_format: dict[str, Any] | None, locale: str) -> str:
    kind = (number_format or {}).get("type", "")
    pattern = (number_format or {}).get("pattern") or ""
    if kind in _DATE_TYPES:
        return _format_serial(float(value), pattern or _default_date_pattern(kind, locale))
    if kind == "PERCENT" or pattern.endswith("%"):
        decimals = _pattern_decimals(pattern)
        return _localize(f"{value * 100:.{decimals}f}", locale) + "%"
    if kind == "NUMBER" and pattern:
        decimals = _pattern_decimals(pattern)
        grouped = "," in pattern.split(".")[0]
        text = f"{value:,.{decimals}f}" if grouped else f"{value:.{decimals}f}"
        return _localize(text, locale)
    if isinstance(value, int) or (value.is_integer() and abs(value) < 1e15):
        return str(int(value))
    text = f"{value:.15g}".replace("e+", "E+").replace("e-", "E-")
    return _localize(text, locale)


def _render(cell: _Cell, render: str, dt_render: str, locale: str) -> Any:
    if cell.formula is not None:
        if render == "FORMULA":
            return cell.formula
        if cell.value is None:
            return FORMULA_PLACEHOLDER
    value = cell.value
    if isinstance(value, (bool, str)):
        if render == "FORMATTED_VALUE" and isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        return value
    if render == "FORMATTED_VALUE":
        return _format_number(value, cell.number_format, locale)
    kind = (cell.number_format or {}).get("type")
    if dt_render == "FORMATTED_STRING" and kind in _DATE_TYPES:
        return _format_number(value, cell.number_format, locale)
    return _json_number(value)


def _extended_value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if _is_number(value):
        return {"numberValue": _json_number(value)}
    return {"stringValue": value}


def _from_extended_value(ev: Any, where: str) -> tuple[Any, str | None]:
    if not ev:
        return None, None
    if not isinstance(ev, dict) or len(ev) != 1:
        raise _bad_request(f"{where}: userEnteredValue must set exactly one field")
    (kind, value), = ev.items()
    if kind == "formulaValue":
        return None, str(value)
    if kind == "stringValue":
        return (str(value) or None), None
    if kind == "numberValue" and _is_number(value):
        return value, None
    if kind == "boolValue" and isinstance(value, bool):
        return value, None
    if kind == "errorValue":
        return "#ERROR!", None
    raise _bad_request(f"{where}: invalid userEnteredValue {ev!r}")


def _sort_key(cell: _Cell | None) -> tuple[int, Any] | None:
    """Return how Sheets orders a cell when sorting: numbers, text, booleans; None if blank."""
    if cell is None or not cell.has_data:
        return None
    value = cell.value if cell.value is not None else FORMULA_PLACEHOLDER
    if isinstance(value, bool):
        return (2, value)
    if _is_number(value):
        return (0, value)
    return (1, str(value).casefold())


def _paste(sheet: _Sheet, row: int, col: int, cell: _Cell | None, paste: str) -> None:
    """Paste one copied cell (None = blank) over (row, col) as copyPaste's pasteType says."""
    source = cell or _Cell()
    target = sheet.cell_for_write(row, col)
    # Formula references are pasted verbatim: the fake never evaluates them.
    if paste in ("PASTE_NORMAL", "PASTE_NO_BORDERS"):
        sheet.cells[(row, col)] = copy.deepcopy(source)
    elif paste == "PASTE_VALUES":
        value = source.value
        if source.formula is not None and value is None:
            value = FORMULA_PLACEHOLDER
        target.value, target.formula = value, None
    elif paste == "PASTE_FORMULA":
        target.value, target.formula = source.value, source.formula
    elif paste == "PASTE_FORMAT":
        target.fmt = copy.deepcopy(source.fmt)
    elif paste == "PASTE_DATA_VALIDATION":
        target.validation = copy.deepcopy(source.validation)
    sheet.tidy(row, col)


def _to_rows(grid: dict[tuple[int, int], Any]) -> list[list[Any]]:
    if not grid:
        return []
    rows: list[list[Any]] = [[] for _ in range(max(r for r, _ in grid) + 1)]
    widths: dict[int, int] = {}
    for r, c in grid:
        widths[r] = max(widths.get(r, 0), c + 1)
    for r, width in widths.items():
        rows[r] = [grid.get((r, c), "") for c in range(width)]
    return rows


def _transpose(rows: list[list[Any]]) -> list[list[Any]]:
    width = max((len(row) for row in rows), default=0)
    return [[row[i] if i < len(row) else None for row in rows] for i in range(width)]


# --------------------------------------------------------------------------------------------
# Query / body helpers
# --------------------------------------------------------------------------------------------


def _first(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _enum(value: Any, allowed: tuple[str, ...], default: str, proto: str) -> str:
    if value is None or value == "":
        return default
    if value not in allowed:
        raise _bad_request(f"Invalid value at '{proto}', \"{value}\"")
    return str(value)


def _input_option(value: Any) -> str:
    if value is None or value == "":
        raise _bad_request("'valueInputOption' is required but not specified")
    if value == "INPUT_VALUE_OPTION_UNSPECIFIED":
        raise _bad_request("Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
    return _enum(value, _INPUT_OPTIONS, "RAW", "value_input_option")


def _major(value: Any) -> str:
    major = _enum(value, _DIMENSIONS, "ROWS", "major_dimension")
    return "ROWS" if major == "DIMENSION_UNSPECIFIED" else major


def _values_matrix(values: Any, major: Any, where: str = "values") -> list[list[Any]]:
    if values is None:
        return []
    if not isinstance(values, list):
        raise _bad_request(f"Invalid {where}: expected a list of lists")
    for i, row in enumerate(values):
        if not isinstance(row, list):
            raise _bad_request(f"Invalid {where}[{i}]: expected a list")
        for j, value in enumerate(row):
            if value is not None and not isinstance(value, (str, int, float, bool)):
                raise _bad_request(f"Invalid {where}[{i}][{j}]: {json.dumps(value)}")
    return _transpose(values) if _major(major) == "COLUMNS" else values


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------

_ID = r"(?P<id>[^/:]+)"
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"/v4/spreadsheets"), "spreadsheets.create"),
    ("GET", re.compile(rf"/v4/spreadsheets/{_ID}"), "spreadsheets.get"),
    ("POST", re.compile(rf"/v4/spreadsheets/{_ID}:batchUpdate"), "spreadsheets.batchUpdate"),
    ("GET", re.compile(rf"/v4/spreadsheets/{_ID}/values:batchGet"), "values.batchGet"),
    ("POST", re.compile(rf"/v4/spreadsheets/{_ID}/values:batchUpdate"), "values.batchUpdate"),
    ("POST", re.compile(rf"/v4/spreadsheets/{_ID}/values:batchClear"), "values.batchClear"),
    ("POST", re.compile(rf"/v4/spreadsheets/{_ID}/values/(?P<range>[^/]+):append"),
     "values.append"),
    ("POST", re.compile(rf"/v4/spreadsheets/{_ID}/values/(?P<range>[^/]+):clear"),
     "values.clear"),
    ("GET", re.compile(rf"/v4/spreadsheets/{_ID}/values/(?P<range>[^/]+)"), "values.get"),
    ("PUT", re.compile(rf"/v4/spreadsheets/{_ID}/values/(?P<range>[^/]+)"), "values.update"),
]
_OPERATIONS = frozenset(name for _, _, name in _ROUTES)
# The reads whose answer max_response_bytes caps, like Google's limit on a response's size.
_SIZE_LIMITED = frozenset({"values.get", "values.batchGet", "spreadsheets.get"})
_KINDS = ("read", "write")


@dataclass
class _Answer:
    status: int
    body: bytes
    lost: bool = False


def _encode(payload: Any, compact: bool) -> bytes:
    separators = (",", ":") if compact else (", ", ": ")
    return json.dumps(payload, ensure_ascii=False, separators=separators).encode("utf-8")


def _too_large(size: int, limit: int) -> ApiError:
    return _bad_request(
        f"Response too large: the response would be {size} bytes, over the limit of {limit} "
        "bytes. Request fewer cells or ranges, or use a field mask."
    )


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeSheetsServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle plus the
    # client's delayed ACK adds ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True
    server: _HTTPServer

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        answer = self.server.fake._handle(self.command, self.path, body)
        if answer.lost:
            # Hang up with nothing written: the request was applied but the client sees the
            # connection close before any status line, as when the network drops the answer.
            self.close_connection = True
            return
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


class FakeSheetsServer:
    """In-memory Google Sheets API v4 served on 127.0.0.1 from a background thread."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        *,
        max_response_bytes: int | None = None,
    ) -> None:
        self.latency = latency
        self.max_response_bytes = max_response_bytes
        self._default_max_response_bytes = max_response_bytes
        self._host = host
        self._port = port
        self._lock = threading.RLock()
        self._books: dict[str, _Book] = {}
        self._log: list[RequestRecord] = []
        self._faults: list[_Fault] = []
        self._hooks: list[_Rule] = []
        self._slowdowns: list[_Rule] = []
        self._lost_answers: list[_Rule] = []
        self._hook_errors: list[BaseException] = []
        self._sheet_ids = itertools.count(1_000_000_007, 7_919)
        self._protected_ids = itertools.count(2_000_000_011, 104_729)
        self._book_numbers = itertools.count(1)
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._quota: dict[str, int] = {}
        self._quota_clock: Callable[[], float] = time.monotonic
        self._quota_used: dict[str, list[float]] = {}

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeSheetsServer:
        """Start serving on an ephemeral loopback port."""
        if self._server is not None:
            return self
        server = _HTTPServer((self._host, self._port), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
            name="FakeSheetsServer",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the server and release the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeSheetsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Return the origin to use instead of https://sheets.googleapis.com."""
        if self._server is None:
            raise RuntimeError("FakeSheetsServer is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # ---- request log and faults ------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """Return a snapshot of the request log, oldest first."""
        with self._lock:
            return list(self._log)

    def reset_log(self) -> None:
        """Forget all logged requests."""
        with self._lock:
            self._log.clear()

    def count(self, kind: str | None = None, operation: str | None = None) -> int:
        """Count logged requests, optionally only one kind ("read"/"write") or operation."""
        with self._lock:
            return sum(
                1
                for record in self._log
                if kind in (None, record.kind) and operation in (None, record.operation)
            )

    def inject_faults(
        self,
        status: int,
        count: int | None = 1,
        path_contains: str | None = None,
        *,
        kind: str | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next ``count`` matching requests (None = until cleared) with ``status``."""
        with self._lock:
            self._faults.append(_Fault(status, count, path_contains, kind, message))

    def clear_faults(self) -> None:
        """Remove every injected fault, hook, slowdown and lost answer; restore the size cap."""
        # Test fixtures call this between tests on a shared server, so it resets everything a
        # test may have armed (but not the latency attribute, which fixtures reset themselves).
        with self._lock:
            self._faults.clear()
            self._hooks.clear()
            self._slowdowns.clear()
            self._lost_answers.clear()
            self.max_response_bytes = self._default_max_response_bytes
            self._quota.clear()

    # ---- race windows: hooks, slow requests, lost answers ----------------------------------

    def before(
        self,
        operation: str | None,
        action: Callable[[RequestRecord], None],
        *,
        times: int | None = 1,
        kind: str | None = None,
    ) -> None:
        """Run ``action(record)`` when a matching request arrives, just before it is handled."""
        # The action runs in the request's thread without the data lock held, so it can call
        # the public editing methods; exceptions become a 500 answer and land in hook_errors.
        with self._lock:
            self._hooks.append(_Rule(*self._rule_filter(operation, kind, times), action=action))

    def clear_hooks(self) -> None:
        """Remove every hook registered with :meth:`before` and forget their errors."""
        with self._lock:
            self._hooks.clear()
            self._hook_errors.clear()

    @property
    def hook_errors(self) -> list[BaseException]:
        """Return the exceptions hook actions raised, oldest first."""
        with self._lock:
            return list(self._hook_errors)

    def slow(
        self,
        operation: str | None,
        seconds: float,
        *,
        times: int | None = None,
        kind: str | None = None,
    ) -> None:
        """Delay matching requests by ``seconds`` before handling them (on top of latency)."""
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        with self._lock:
            self._slowdowns.append(
                _Rule(*self._rule_filter(operation, kind, times), seconds=seconds)
            )

    def lose_answer(
        self, operation: str | None, *, times: int | None = 1, kind: str | None = None
    ) -> None:
        """Apply matching requests, then close the connection without sending the answer."""
        with self._lock:
            self._lost_answers.append(_Rule(*self._rule_filter(operation, kind, times)))

    @staticmethod
    def _rule_filter(
        operation: str | None, kind: str | None, times: int | None
    ) -> tuple[str | None, str | None, int | None]:
        # A misspelt operation would otherwise match nothing and a test would pass vacuously.
        if operation is not None and operation not in _OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}; one of {sorted(_OPERATIONS)}")
        if kind is not None and kind not in _KINDS:
            raise ValueError(f"kind must be one of {_KINDS}, not {kind!r}")
        if times is not None and times < 1:
            raise ValueError("times must be None (every time) or at least 1")
        return operation, kind, times

    # ---- direct state access for tests -----------------------------------------------------

    def create_spreadsheet(
        self,
        title: str = "Fake spreadsheet",
        sheets: dict[str, list[list[Any]]] | None = None,
        *,
        locale: str = "en_US",
        time_zone: str = "Etc/GMT",
        spreadsheet_id: str | None = None,
        value_input_option: str = "RAW",
    ) -> str:
        """Create a spreadsheet whose tabs hold ``sheets`` rows (written RAW by default)."""
        with self._lock:
            book = self._new_book(title, locale, time_zone, spreadsheet_id)
            for name, rows in (sheets or {"Sheet1": []}).items():
                self._add_sheet(book, name, rows, value_input_option)
            return book.spreadsheet_id

    def add_sheet(
        self,
        spreadsheet_id: str,
        title: str,
        rows: list[list[Any]] | None = None,
        *,
        value_input_option: str = "RAW",
    ) -> int:
        """Add a tab directly (as a person would) and return its sheetId."""
        with self._lock:
            book = self._require_book(spreadsheet_id)
            if book.find_sheet(title) is not None:
                raise ValueError(f"tab {title!r} already exists")
            return self._add_sheet(book, title, rows or [], value_input_option).sheet_id

    def tabs(self, spreadsheet_id: str) -> list[str]:
        """Return tab titles in order."""
        with self._lock:
            return [s.title for s in self._require_book(spreadsheet_id).sheets]

    def sheet_properties(self, spreadsheet_id: str, tab: str) -> dict[str, Any]:
        """Return the tab's SheetProperties exactly as the API would."""
        with self._lock:
            book = self._require_book(spreadsheet_id)
            sheet = self._require_sheet(spreadsheet_id, tab)
            return self._sheet_properties(book, sheet)

    def get_values(self, spreadsheet_id: str, tab: str) -> list[list[Any]]:
        """Return stored inputs (formula text for formulas), trimmed like the API, "" for gaps."""
        with self._lock:
            sheet = self._require_sheet(spreadsheet_id, tab)
            grid = {
                key: (cell.formula if cell.formula is not None else cell.value)
                for key, cell in sheet.cells.items()
                if cell.has_data
            }
            return _to_rows(grid)

    def set_values(
        self,
        spreadsheet_id: str,
        tab: str,
        rows: list[list[Any]],
        *,
        value_input_option: str = "USER_ENTERED",
    ) -> None:
        """Replace the tab's values from A1 as a person typing would (formats are kept)."""
        with self._lock:
            book = self._require_book(spreadsheet_id)
            sheet = self._require_sheet(spreadsheet_id, tab)
            for (r, c), cell in list(sheet.cells.items()):
                cell.value = cell.formula = None
                sheet.tidy(r, c)
            self._write(book, sheet, 0, 0, rows, value_input_option)

    def set_cell(
        self,
        spreadsheet_id: str,
        tab: str,
        a1: str,
        value: Any,
        *,
        value_input_option: str = "USER_ENTERED",
    ) -> None:
        """Type one value into a cell as a person would."""
        with self._lock:
            book = self._require_book(spreadsheet_id)
            sheet = self._require_sheet(spreadsheet_id, tab)
            row, col = _cell_key(a1)
            self._write(book, sheet, row, col, [[value]], value_input_option)

    def cell(self, spreadsheet_id: str, tab: str, a1: str) -> Any:
        """Return the stored input of one cell: formula text, typed value, or None."""
        found = self._find_cell(spreadsheet_id, tab, a1)
        if found is None:
            return None
        return found.formula if found.formula is not None else found.value

    def is_formula(self, spreadsheet_id: str, tab: str, a1: str) -> bool:
        """Tell whether the cell holds a formula (not a string that looks like one)."""
        found = self._find_cell(spreadsheet_id, tab, a1)
        return found is not None and found.formula is not None

    def set_formula_result(self, spreadsheet_id: str, tab: str, a1: str, value: Any) -> None:
        """Give a formula cell the computed value that non-FORMULA reads should return."""
        with self._lock:
            found = self._find_cell(spreadsheet_id, tab, a1)
            if found is None or found.formula is None:
                raise ValueError(f"{tab}!{a1} holds no formula")
            found.value = value

    def number_format(self, spreadsheet_id: str, tab: str, a1: str) -> dict[str, Any] | None:
        """Return the cell's userEnteredFormat.numberFormat, if any."""
        found = self._find_cell(spreadsheet_id, tab, a1)
        return copy.deepcopy(found.number_format) if found is not None else None

    def data_validation(self, spreadsheet_id: str, tab: str, a1: str) -> dict[str, Any] | None:
        """Return the cell's data validation rule, if any."""
        found = self._find_cell(spreadsheet_id, tab, a1)
        return copy.deepcopy(found.validation) if found is not None else None

    def protected_ranges(self, spreadsheet_id: str, tab: str) -> list[dict[str, Any]]:
        """Return the tab's protected ranges as the API reports them."""
        with self._lock:
            return copy.deepcopy(self._require_sheet(spreadsheet_id, tab).protected_ranges)

    # ---- people editing in the browser (rows are 1-based, header row included) -------------

    def sort_rows(
        self,
        spreadsheet_id: str,
        tab: str,
        column: int,
        *,
        descending: bool = False,
        first_row: int = 2,
    ) -> None:
        """Sort rows first_row..last row with data by a 0-based column, moving whole rows."""
        with self._lock:
            book, sheet = self._person(spreadsheet_id, tab)
            last = sheet.last_data_row()
            if last < first_row - 1:
                return
            order = "DESCENDING" if descending else "ASCENDING"
            self._as_person(self._req_sortRange, book, {
                "range": {"sheetId": sheet.sheet_id, "startRowIndex": first_row - 1,
                          "endRowIndex": last + 1},
                "sortSpecs": [{"dimensionIndex": column, "sortOrder": order}],
            })

    def insert_rows(
        self,
        spreadsheet_id: str,
        tab: str,
        at_row: int,
        rows: list[list[Any]] | None = None,
        *,
        count: int | None = None,
    ) -> None:
        """Insert ``rows`` (RAW values) or ``count`` blank rows (default 1) before ``at_row``."""
        with self._lock:
            book, sheet = self._person(spreadsheet_id, tab)
            height = count if count is not None else max(len(rows or []), 1)
            if height < len(rows or []) or height < 1:
                raise ValueError("count must be at least 1 and cover the rows given")
            self._as_person(self._req_insertDimension, book, {"range": {
                "sheetId": sheet.sheet_id, "dimension": "ROWS",
                "startIndex": at_row - 1, "endIndex": at_row - 1 + height,
            }})
            self._write(book, sheet, at_row - 1, 0, rows or [], "RAW")

    def delete_rows(self, spreadsheet_id: str, tab: str, row: int, count: int = 1) -> None:
        """Delete ``count`` rows starting at ``row``, shifting the rest up."""
        with self._lock:
            book, sheet = self._person(spreadsheet_id, tab)
            self._as_person(self._req_deleteDimension, book, {"range": {
                "sheetId": sheet.sheet_id, "dimension": "ROWS",
                "startIndex": row - 1, "endIndex": row - 1 + count,
            }})

    def type_row(
        self,
        spreadsheet_id: str,
        tab: str,
        row: int,
        values: list[Any],
        *,
        value_input_option: str = "RAW",
    ) -> None:
        """Type values into a row from column A, leaving the cells after them as they are."""
        with self._lock:
            book, sheet = self._person(spreadsheet_id, tab)
            if row < 1:
                raise ValueError("rows are 1-based")
            self._write(book, sheet, row - 1, 0, [list(values)], value_input_option)

    def move_row(self, spreadsheet_id: str, tab: str, from_row: int, to_row: int) -> None:
        """Drag row ``from_row`` so that it becomes row ``to_row``."""
        with self._lock:
            book, sheet = self._person(spreadsheet_id, tab)
            # moveDimension counts its destination before the source row is taken out.
            destination = to_row - 1 if to_row <= from_row else to_row
            self._as_person(self._req_moveDimension, book, {
                "source": {"sheetId": sheet.sheet_id, "dimension": "ROWS",
                           "startIndex": from_row - 1, "endIndex": from_row},
                "destinationIndex": destination,
            })

    def _person(self, spreadsheet_id: str, tab: str) -> tuple[_Book, _Sheet]:
        return self._require_book(spreadsheet_id), self._require_sheet(spreadsheet_id, tab)

    @staticmethod
    def _as_person(
        request: Callable[[_Book, dict[str, Any], str], dict[str, Any]],
        book: _Book,
        payload: dict[str, Any],
    ) -> None:
        # The same code as the API request, so a person's edit and the app's agree; a person
        # can make no invalid request, so an API error here is a mistake in the test.
        try:
            request(book, payload, "Invalid edit")
        except ApiError as err:
            raise ValueError(err.message) from None

    # ---- internals: state helpers ----------------------------------------------------------

    def _require_book(self, spreadsheet_id: str) -> _Book:
        book = self._books.get(spreadsheet_id)
        if book is None:
            raise KeyError(f"no spreadsheet {spreadsheet_id!r}")
        return book

    def _require_sheet(self, spreadsheet_id: str, tab: str) -> _Sheet:
        for sheet in self._require_book(spreadsheet_id).sheets:
            if sheet.title == tab:
                return sheet
        raise KeyError(f"no tab {tab!r} in {spreadsheet_id!r}")

    def _find_cell(self, spreadsheet_id: str, tab: str, a1: str) -> _Cell | None:
        with self._lock:
            return self._require_sheet(spreadsheet_id, tab).cells.get(_cell_key(a1))

    def _new_book(
        self, title: str, locale: str, time_zone: str, spreadsheet_id: str | None
    ) -> _Book:
        number = next(self._book_numbers)
        sid = spreadsheet_id or f"fake{number:03d}-{uuid.uuid4().hex[:16]}"
        if sid in self._books:
            raise ValueError(f"spreadsheet {sid!r} already exists")
        book = self._books[sid] = _Book(sid, title, locale, time_zone)
        return book

    def _add_sheet(
        self, book: _Book, title: str, rows: list[list[Any]], value_input_option: str
    ) -> _Sheet:
        sheet_id = 0 if not book.sheets else next(self._sheet_ids)
        width = max((len(row) for row in rows), default=0)
        sheet = _Sheet(
            sheet_id,
            title,
            row_count=max(DEFAULT_ROWS, len(rows)),
            column_count=max(DEFAULT_COLUMNS, width),
        )
        book.sheets.append(sheet)
        self._write(book, sheet, 0, 0, rows, value_input_option)
        return sheet

    def _book(self, spreadsheet_id: str | None) -> _Book:
        book = self._books.get(spreadsheet_id or "")
        if book is None:
            raise ApiError(404, "Requested entity was not found.")
        return book

    @staticmethod
    def _write(
        book: _Book, sheet: _Sheet, r0: int, c0: int, rows: list[list[Any]], input_option: str
    ) -> tuple[int, int, int]:
        """Write a block anchored at (r0, c0), growing the grid; return (rows, cols, cells)."""
        height = len(rows)
        width = max((len(row) for row in rows), default=0)
        sheet.row_count = max(sheet.row_count, r0 + height)
        sheet.column_count = max(sheet.column_count, c0 + width)
        written = 0
        for i, row in enumerate(rows):
            for j, raw in enumerate(row):
                if raw is None:
                    continue
                cell = sheet.cell_for_write(r0 + i, c0 + j)
                _store_input(cell, raw, input_option, book.locale)
                sheet.tidy(r0 + i, c0 + j)
                written += 1
        return height, width, written

    @staticmethod
    def _check_write(rng: _Range, rows: list[list[Any]]) -> None:
        sheet = rng.sheet
        if rng.r0 >= sheet.row_count or rng.c0 >= sheet.column_count:
            raise _exceeds(sheet, _a1(sheet, rng.r0, rng.c0, rng.r0 + 1, rng.c0 + 1))
        if rng.single:
            return
        height = len(rows)
        width = max((len(row) for row in rows), default=0)
        if rng.r1 is not None and rng.r0 + height > rng.r1:
            raise _bad_request(
                f"Requested writing within range [{rng.text}], but tried writing to row "
                f"[{rng.r1 + 1}]"
            )
        if rng.c1 is not None and rng.c0 + width > rng.c1:
            raise _bad_request(
                f"Requested writing within range [{rng.text}], but tried writing to column "
                f"[{_col_letters(rng.c1)}]"
            )

    def _read(
        self, book: _Book, rng: _Range, render: str, dt_render: str, major: str
    ) -> dict[str, Any]:
        r0, c0, r1, c1 = _bounds(rng)
        grid: dict[tuple[int, int], Any] = {}
        for (r, c), cell in rng.sheet.cells.items():
            if r0 <= r < r1 and c0 <= c < c1 and cell.has_data:
                grid[(r - r0, c - c0)] = _render(cell, render, dt_render, book.locale)
        if major == "COLUMNS":
            grid = {(c, r): v for (r, c), v in grid.items()}
        out: dict[str, Any] = {"range": _a1(rng.sheet, r0, c0, r1, c1), "majorDimension": major}
        values = _to_rows(grid)
        if values:
            out["values"] = values
        return out

    def _update_response(
        self, book: _Book, sheet: _Sheet, r0: int, c0: int, written: tuple[int, int, int]
    ) -> dict[str, Any]:
        height, width, cells = written
        return {
            "spreadsheetId": book.spreadsheet_id,
            "updatedRange": _a1(sheet, r0, c0, r0 + max(height, 1), c0 + max(width, 1)),
            "updatedRows": height,
            "updatedColumns": width,
            "updatedCells": cells,
        }

    def _updated_data(
        self, book: _Book, sheet: _Sheet, r0: int, c0: int, written: tuple[int, int, int],
        options: dict[str, Any],
    ) -> dict[str, Any]:
        height, width, _ = written
        rng = _Range(sheet, r0, c0, r0 + max(height, 1), c0 + max(width, 1))
        render = _enum(options.get("responseValueRenderOption"), _RENDER_OPTIONS,
                       "FORMATTED_VALUE", "response_value_render_option")
        dt_render = _enum(options.get("responseDateTimeRenderOption"), _DATE_RENDER_OPTIONS,
                          "SERIAL_NUMBER", "response_date_time_render_option")
        return self._read(book, rng, render, dt_render, "ROWS")

    # ---- internals: HTTP dispatch ----------------------------------------------------------

    def _handle(self, method: str, target: str, raw_body: bytes) -> _Answer:
        parts = urlsplit(target)
        raw_path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        body: Any = None
        body_error = False
        if raw_body:
            try:
                body = json.loads(raw_body.decode("utf-8"))
            except ValueError:
                body_error = True
        operation, params = "unknown", {}
        for route_method, pattern, name in _ROUTES:
            match = pattern.fullmatch(raw_path)
            if match and route_method == method:
                operation, params = name, match.groupdict()
                break
        record = RequestRecord(
            method=method,
            path=unquote(raw_path),
            raw_path=raw_path,
            query=query,
            body=body,
            # Quota buckets: every GET is a read; POST/PUT mutate and count as writes.
            kind="read" if method == "GET" else "write",
            operation=operation,
            spreadsheet_id=params.get("id"),
        )
        with self._lock:
            self._log.append(record)
            fault = self._quota_fault(record) or self._take_fault(record)
            hooks = _take_rules(self._hooks, record)
            delay = self.latency + sum(r.seconds for r in _take_rules(self._slowdowns, record))
            lost = bool(_take_rules(self._lost_answers, record))
        if delay:
            time.sleep(delay)
        try:
            # Hooks run last, right before the request is handled, and without the data lock so
            # that they can edit the spreadsheet through the public methods.
            self._run_hooks(hooks, record)
            if fault is not None:
                record.faulted = True
                raise _fault_error(fault, record)
            if body_error:
                raise _bad_request("Invalid JSON payload received.")
            if operation == "unknown":
                raise ApiError(404, "Method not found.")
            handler = getattr(self, "_op_" + operation.replace(".", "_"))
            with self._lock:
                payload = handler(params, query, body if body is not None else {})
            status = 200
        except ApiError as err:
            status, payload = err.code, err.body()
        compact = (_first(query, "prettyPrint") or "").lower() in ("false", "0")
        data = _encode(payload, compact)
        limit = self.max_response_bytes
        if status == 200 and operation in _SIZE_LIMITED and limit is not None and len(data) > limit:
            error = _too_large(len(data), limit)
            status, data = error.code, _encode(error.body(), compact)
        record.status = status
        record.answer_lost = lost
        record.response_bytes = 0 if lost else len(data)
        return _Answer(status, data, lost)

    # ---- quota: Google's requests per minute ----------------------------------------------

    def enforce_quota(
        self,
        reads_per_minute: int | None = 60,
        writes_per_minute: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Answer 429 RESOURCE_EXHAUSTED, as Google does, past these requests a minute.

        Every request counts toward its kind ("read" or "write") in a sliding 60-second window
        of ``clock`` (injectable: a test simulates minutes without sleeping); refused ones do
        not count. ``clear_faults`` turns the quota off.
        """
        with self._lock:
            self._quota = {k: n for k, n in (("read", reads_per_minute),
                                             ("write", writes_per_minute)) if n is not None}
            self._quota_clock = clock
            self._quota_used = {"read": [], "write": []}

    def copy_spreadsheet(self, spreadsheet_id: str, title: str) -> str:
        """Create a copy of a spreadsheet (tabs, cells, ids) and return the copy's id."""
        with self._lock:
            source = self._require_book(spreadsheet_id)
            book = self._new_book(title, source.locale, source.time_zone, None)
            book.sheets = copy.deepcopy(source.sheets)
            return book.spreadsheet_id

    def quota_refusals(self) -> int:
        """Count the requests refused for quota since the log was last reset."""
        with self._lock:
            return sum(1 for record in self._log if record.over_quota)

    def busiest_minute(self, kind: str = "read") -> int:
        """Return the most accepted requests of a kind in any 60 seconds (the quota's clock)."""
        with self._lock:
            times = sorted(r.at for r in self._log if r.kind == kind and not r.over_quota)
        best, first = 0, 0
        for last, moment in enumerate(times):
            while moment - times[first] >= 60.0:
                first += 1
            best = max(best, last - first + 1)
        return best

    def _quota_fault(self, record: RequestRecord) -> _Fault | None:
        """Count a request against its kind's quota; return a 429 fault when it is used up."""
        if not self._quota:
            return None
        record.at = now = self._quota_clock()
        limit = self._quota.get(record.kind)
        if limit is None:
            return None
        used = self._quota_used.setdefault(record.kind, [])
        used[:] = [t for t in used if now - t < 60.0]
        if len(used) >= limit:
            record.over_quota = True
            return _Fault(429, None, None, None, None)
        used.append(now)
        return None

    def _run_hooks(self, hooks: list[_Rule], record: RequestRecord) -> None:
        for hook in hooks:
            if hook.action is None:
                continue
            try:
                hook.action(record)
            except Exception as exc:
                with self._lock:
                    self._hook_errors.append(exc)
                # Fail the request loudly rather than let a broken hook pass unnoticed.
                raise ApiError(500, f"FakeSheetsServer hook failed: {exc!r}") from exc

    def _take_fault(self, record: RequestRecord) -> _Fault | None:
        for fault in self._faults:
            if fault.matches(record):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    # ---- operations: spreadsheets ----------------------------------------------------------

    def _sheet_properties(self, book: _Book, sheet: _Sheet) -> dict[str, Any]:
        grid: dict[str, Any] = {"rowCount": sheet.row_count, "columnCount": sheet.column_count}
        # Proto3 JSON omits zero values, so frozen counts appear only when set.
        if sheet.frozen_rows:
            grid["frozenRowCount"] = sheet.frozen_rows
        if sheet.frozen_columns:
            grid["frozenColumnCount"] = sheet.frozen_columns
        props: dict[str, Any] = {
            "sheetId": sheet.sheet_id,
            "title": sheet.title,
            "index": book.sheets.index(sheet),
            "sheetType": "GRID",
            "gridProperties": grid,
        }
        if sheet.hidden:
            props["hidden"] = True
        props.update(copy.deepcopy(sheet.extra))
        return props

    def _cell_data(self, book: _Book, cell: _Cell) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if cell.formula is not None:
            out["userEnteredValue"] = {"formulaValue": cell.formula}
        elif cell.value is not None:
            out["userEnteredValue"] = _extended_value(cell.value)
        if cell.has_data:
            effective = cell.value if cell.value is not None else FORMULA_PLACEHOLDER
            out["effectiveValue"] = _extended_value(effective)
            out["formattedValue"] = _render(cell, "FORMATTED_VALUE", "SERIAL_NUMBER", book.locale)
        if cell.fmt:
            out["userEnteredFormat"] = copy.deepcopy(cell.fmt)
        if cell.validation:
            out["dataValidation"] = copy.deepcopy(cell.validation)
        if cell.note:
            out["note"] = cell.note
        return out

    def _grid_data(
        self, book: _Book, sheet: _Sheet, r0: int, c0: int, r1: int, c1: int
    ) -> dict[str, Any]:
        grid = {
            (r - r0, c - c0): self._cell_data(book, cell)
            for (r, c), cell in sheet.cells.items()
            if r0 <= r < r1 and c0 <= c < c1 and not cell.is_blank
        }
        # _to_rows pads gaps with "", which CellData spells as an empty object.
        rows = [{"values": [v or {} for v in row]} if row else {} for row in _to_rows(grid)]
        # Proto3 JSON omits zero numbers and empty lists: no startRow 0, no rowData [].
        out: dict[str, Any] = {}
        if r0:
            out["startRow"] = r0
        if c0:
            out["startColumn"] = c0
        if rows:
            out["rowData"] = rows
        return out

    def _resource(
        self, book: _Book, include_grid: bool = False, ranges: list[str] | None = None
    ) -> dict[str, Any]:
        wanted: dict[int, list[tuple[int, int, int, int]]] = {}
        for text in ranges or []:
            rng = _resolve(book, text)
            wanted.setdefault(rng.sheet.sheet_id, []).append(_bounds(rng))
        sheets = []
        for sheet in book.sheets:
            if ranges and sheet.sheet_id not in wanted:
                continue
            entry: dict[str, Any] = {"properties": self._sheet_properties(book, sheet)}
            if sheet.protected_ranges:
                entry["protectedRanges"] = copy.deepcopy(sheet.protected_ranges)
            if include_grid:
                boxes = wanted.get(sheet.sheet_id) or [
                    (0, 0, sheet.row_count, sheet.column_count)
                ]
                entry["data"] = [self._grid_data(book, sheet, *box) for box in boxes]
            sheets.append(entry)
        return {
            "spreadsheetId": book.spreadsheet_id,
            "properties": {
                "title": book.title,
                "locale": book.locale,
                "autoRecalc": "ON_CHANGE",
                "timeZone": book.time_zone,
            },
            "sheets": sheets,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit",
        }

    def _op_spreadsheets_get(
        self, params: dict[str, str], query: dict[str, list[str]], body: Any
    ) -> dict[str, Any]:
        book = self._book(params["id"])
        fields = _first(query, "fields")
        mask = _parse_mask(fields) if fields else None
        include = _flag(_first(query, "includeGridData"))
        if mask is not None:
            # With a field mask Google ignores includeGridData and returns what the mask names.
            include = _mask_selects_grid(mask)
        resource = self._resource(book, include, query.get("ranges"))
        return _apply_mask(resource, mask)

    def _op_spreadsheets_create(
        self, params: dict[str, str], query: dict[str, list[str]], body: Any
    ) -> dict[str, Any]:
        props = body.get("properties") or {}
        book = self._new_book(
            props.get("title") or "Untitled spreadsheet",
            props.get("locale") or "en_US",
            props.get("timeZone") or "Etc/GMT",
            None,
        )
        try:
            for i, sheet in enumerate(body.get("sheets") or [{}]):
                self._req_addSheet(book, sheet, f"Invalid sheets[{i}]")
        except ApiError:
            del self._books[book.spreadsheet_id]
            raise
        return self._resource(book)

    def _op_spreadsheets_batchUpdate(
        self, params: dict[str, str], query: dict[str, list[str]], body: Any
    ) -> dict[str, Any]:
        book = self._book(params["id"])
        requests = body.get("requests") or []
        if not requests:
            raise _bad_request("Must specify at least one request.")
        fields = _first(query, "fields")
        mask = _parse_mask(fields) if fields else None
        snapshot = copy.deepcopy(book)
        replies = []
        try:
            for i, request in enumerate(requests):
                if not isinstance(request, dict) or len(request) != 1:
                    raise _bad_request(f"Invalid requests[{i}]: exactly one kind must be set")
                (kind, payload), = request.items()
                where = f"Invalid requests[{i}].{kind}"
                if kind in _IGNORED_REQUESTS:
                    replies.append({})
                    continue
                handler: Callable[[_Book, dict[str, Any], str], dict[str, Any]] | None
                handler = getattr(self, f"_req_{kind}", None)
                if handler is None:
                    raise _bad_request(
                        f'Invalid JSON payload received. Unknown name "{kind}" at '
                        f"'requests[{i}]': Cannot find field."
                    )
                replies.append(handler(book, payload or {}, where))
            out: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id, "replies": replies}
            if _flag(body.get("includeSpreadsheetInResponse")):
                # Built inside the try: a bad responseRange fails the whole call, unapplied.
                out["updatedSpreadsheet"] = self._updated_spreadsheet(book, mask, body)
        except ApiError:
            # batchUpdate is atomic in Google Sheets: a failing request rolls back the lot.
            self._books[book.spreadsheet_id] = snapshot
            raise
        return _apply_mask(out, mask)

    def _updated_spreadsheet(
        self, book: _Book, mask: dict[str, Any] | None, body: dict[str, Any]
    ) -> dict[str, Any]:
        ranges = body.get("responseRanges")
        if ranges is not None and not (
            isinstance(ranges, list) and all(isinstance(text, str) for text in ranges)
        ):
            raise _bad_request(
                "Invalid JSON payload received. Invalid value at 'response_ranges': expected a "
                "list of strings"
            )
        include = _flag(body.get("responseIncludeGridData"))
        if mask is not None:
            # As for spreadsheets.get, a field mask overrides responseIncludeGridData.
            include = "*" in mask or (
                "updatedSpreadsheet" in mask
                and (mask["updatedSpreadsheet"] is None
                     or _mask_selects_grid(mask["updatedSpreadsheet"]))
            )
        return self._resource(book, include, ranges or None)

    # ---- batchUpdate requests --------------------------------------------------------------

    def _grid_range(
        self, book: _Book, grid_range: dict[str, Any], where: str
    ) -> tuple[_Sheet, int, int, int, int]:
        sheet = book.sheet_by_id(grid_range.get("sheetId", 0), where)
        r0 = grid_range.get("startRowIndex", 0)
        c0 = grid_range.get("startColumnIndex", 0)
        r1 = grid_range.get("endRowIndex", sheet.row_count)
        c1 = grid_range.get("endColumnIndex", sheet.column_count)
        if min(r0, c0) < 0 or r0 > r1 or c0 > c1:
            raise _bad_request(f"{where}: Invalid range {grid_range}")
        if r1 > sheet.row_count or c1 > sheet.column_count:
            label = _a1(sheet, r0, c0, max(r1, r0 + 1), max(c1, c0 + 1))
            raise _bad_request(f"{where}: {_exceeds(sheet, label).message}")
        return sheet, r0, c0, r1, c1

    def _apply_cell_data(
        self, sheet: _Sheet, row: int, col: int, data: dict[str, Any], mask: dict[str, Any],
        where: str,
    ) -> None:
        existing = sheet.cells.get((row, col))
        if existing is None and not data:
            return
        cell = existing or sheet.cell_for_write(row, col)
        everything = "*" in mask
        if everything or "userEnteredValue" in mask:
            cell.value, cell.formula = _from_extended_value(data.get("userEnteredValue"), where)
        if everything or "userEnteredFormat" in mask:
            sub = None if everything else mask["userEnteredFormat"]
            new_fmt = data.get("userEnteredFormat") or {}
            if sub is None or "*" in sub:
                cell.fmt = copy.deepcopy(new_fmt)
            else:
                for key in sub:
                    if key in new_fmt:
                        cell.fmt[key] = copy.deepcopy(new_fmt[key])
                    else:
                        cell.fmt.pop(key, None)
        if everything or "dataValidation" in mask:
            cell.validation = copy.deepcopy(data.get("dataValidation")) or None
        if everything or "note" in mask:
            cell.note = data.get("note") or None
        sheet.tidy(row, col)

    @staticmethod
    def _required_mask(payload: dict[str, Any], where: str) -> dict[str, Any]:
        fields = payload.get("fields")
        if not fields:
            raise _bad_request(f"{where}: At least one field must be specified in 'fields'.")
        return _parse_mask(fields)

    def _req_addSheet(self, book: _Book, payload: dict[str, Any], where: str) -> dict[str, Any]:
        props = payload.get("properties") or {}
        title = props.get("title")
        if not title:
            taken = {s.title for s in book.sheets}
            title = next(f"Sheet{n}" for n in itertools.count(1) if f"Sheet{n}" not in taken)
        # Sheets treats tab names case-insensitively when checking for duplicates.
        if book.find_sheet(title) is not None:
            raise _bad_request(
                f'{where}: A sheet with the name "{title}" already exists. '
                "Please enter another name."
            )
        sheet_id = props.get("sheetId")
        if sheet_id is None:
            sheet_id = 0 if not book.sheets else next(self._sheet_ids)
        elif any(s.sheet_id == sheet_id for s in book.sheets):
            raise _bad_request(f"{where}: Sheet with id {sheet_id} already exists.")
        grid = props.get("gridProperties") or {}
        sheet = _Sheet(
            sheet_id,
            title,
            row_count=grid.get("rowCount", DEFAULT_ROWS),
            column_count=grid.get("columnCount", DEFAULT_COLUMNS),
            frozen_rows=grid.get("frozenRowCount", 0),
            frozen_columns=grid.get("frozenColumnCount", 0),
            hidden=bool(props.get("hidden", False)),
            extra={k: copy.deepcopy(v) for k, v in props.items()
                   if k in ("tabColor", "tabColorStyle", "rightToLeft")},
        )
        index = props.get("index", len(book.sheets))
        book.sheets.insert(max(0, min(index, len(book.sheets))), sheet)
        return {"addSheet": {"properties": self._sheet_properties(book, sheet)}}

    def _req_deleteSheet(self, book: _Book, payload: dict[str, Any], where: str) -> dict[str, Any]:
        sheet = book.sheet_by_id(payload.get("sheetId", 0), where)
        if len(book.sheets) == 1:
            raise _bad_request(f"{where}: You can't remove all the sheets in a document.")
        book.sheets.remove(sheet)
        return {}

    def _req_updateSheetProperties(
        self, book: _Book, payload: dict[str, Any], where: str
    ) -> dict[str, Any]:
        props = payload.get("properties") or {}
        mask = self._required_mask(payload, where)
        sheet = book.sheet_by_id(props.get("sheetId", 0), where)
        if "*" in mask:
            mask = {key: None for key in props if key != "sheetId"}
        for key, sub in mask.items():
            if key == "title":
                title = props.get("title") or ""
                clash = book.find_sheet(title)
                if not title or (clash is not None and clash is not sheet):
                    raise _bad_request(
                        f'{where}: A sheet with the name "{title}" already exists. '
                        "Please enter another name."
                    )
                sheet.title = title
            elif key == "index":
                book.sheets.remove(sheet)
                index = max(0, min(props.get("index", 0), len(book.sheets)))
                book.sheets.insert(index, sheet)
            elif key == "gridProperties":
                self._update_grid(sheet, props.get("gridProperties") or {}, sub, where)
            elif key == "hidden":
                sheet.hidden = bool(props.get("hidden", False))
            elif key != "sheetId":
                if key in props:
                    sheet.extra[key] = copy.deepcopy(props[key])
                else:
                    sheet.extra.pop(key, None)
        return {}

    @staticmethod
    def _update_grid(
        sheet: _Sheet, grid: dict[str, Any], sub: dict[str, Any] | None, where: str
    ) -> None:
        keys = list(grid) if sub is None or "*" in sub else list(sub)
        for key in keys:
            if key == "frozenRowCount":
                sheet.frozen_rows = int(grid.get(key, 0))
            elif key == "frozenColumnCount":
                sheet.frozen_columns = int(grid.get(key, 0))
            elif key in ("rowCount", "columnCount"):
                size = int(grid.get(key, 0))
                if size < 1:
                    raise _bad_request(f"{where}: {key} must be positive")
                axis = 0 if key == "rowCount" else 1
                # Shrinking the grid deletes the cells that fall off it.
                sheet.cells = {k: v for k, v in sheet.cells.items() if k[axis] < size}
                if axis == 0:
                    sheet.row_count = size
                else:
                    sheet.column_count = size

    def _req_appendCells(self, book: _Book, payload: dict[str, Any], where: str) -> dict[str, Any]:
        sheet = book.sheet_by_id(payload.get("sheetId", 0), where)
        mask = self._required_mask(payload, where)
        rows = payload.get("rows") or []
        start = sheet.last_data_row() + 1
        width = max((len(row.get("values") or []) for row in rows), default=0)
        if width > sheet.column_count:
            label = _a1(sheet, start, 0, start + 1, width)
            raise _bad_request(f"{where}: {_exceeds(sheet, label).message}")
        # appendCells inserts rows at the bottom when the grid is full.
        sheet.row_count = max(sheet.row_count, start + len(rows))
        for i, row in enumerate(rows):
            for j, data in enumerate(row.get("values") or []):
                self._apply_cell_data(sheet, start + i, j, data or {}, mask, where)
        return {}

    def _req_updateCells(self, book: _Book, payload: dict[str, Any], where: str) -> dict[str, Any]:
        mask = self._required_mask(payload, where)
        rows = payload.get("rows") or []
        if ("range" in payload) == ("start" in payload):
            raise _bad_request(f"{where}: exactly one of 'range' or 'start' must be set")
        if "range" in payload:
            sheet, r0, c0, r1, c1 = self._grid_range(book, payload["range"], where)
        else:
            start = payload["start"] or {}
            sheet = book.sheet_by_id(start.get("sheetId", 0), where)
            r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
            width = max((len(row.get("values") or []) for row in rows), default=0)
            r1, c1 = r0 + len(rows), c0 + width
            if r1 > sheet.row_count or c1 > sheet.column_count:
                label = _a1(sheet, r0, c0, max(r1, r0 + 1), max(c1, c0 + 1))
                raise _bad_request(f"{where}: {_exceeds(sheet, label).message}")
        for r in range(r0, r1):
            values = (rows[r - r0].get("values") or []) if r - r0 < len(rows) else []
            for c in range(c0, c1):
                data = values[c - c0] if c - c0 < len(values) else {}
                # With an explicit range, cells the rows do not cover are cleared.
                self._apply_cell_data(sheet, r, c, data or {}, mask, where)
        return {}

    def _req_repeatCell(self, book: _Book, payload: dict[str, Any], where: str) -> dict[str, Any]:
        mask = self._required_mask(payload, where)
        sheet, r0, c0, r1, c1 = self._grid_range(book, payload.get("range") or {}, where)
        data = payload.get("cell") or {}
        for r in range(r0, r1):
            for c in range(c0, c1):
                self._apply_cell_data(sheet, r, c, data, mask, where)
        return {}

    def _req_setDataValidation(
        self, book: _Book, payload: dict[str, Any], where: str
    ) -> dict[str, Any]:
        sheet, r0, c0, r1, c1 = self._grid_range(book, payload.get("range") or {}, where)
        rule = payload.get("rule")
        if rule is not None and not (rule.get("condition") or {}).get("type"):
            raise _bad_request(f"{where}: Invalid data validation rule: missing condition type")
        for r in range(r0, r1):
            for c in range(c0, c1):
                if rule is None and (r, c) not in sheet.cells:
                    continue
                sheet.cell_for_write(r, c).validation = copy.deepcopy(rule)
                sheet.tidy(r, c)
        return {}

    def _req_addProtectedRange(
        self, book: _Book, payload: dict[str, Any], where: str
    ) -> dict[str, Any]:
        protected = copy.deepcopy(payload.get("protectedRange") or {})
        grid_range = protected.get("range")
        if not isinstance(grid_range, dict):
            raise _bad_request(f"{where}: protectedRange.range is required")
        sheet, *_ = self._grid_range(book, grid_range, where)
        grid_range.setdefault("sheetId", sheet.sheet_id)
        protected["protectedRangeId"] = next(self._protected_ids)
        protected.setdefault("requestingUserCanEdit", True)
        sheet.protected_ranges.append(protected)
        return {"addProtectedRange": {"protectedRange": copy.deepcopy(protected)}}

    def _req_deleteProtectedRange(
        self, book: _Book, payload: dict[str, Any], where: str
    ) -> dict[str, Any]:
        wanted = payload.get("protectedRangeId")
        for sheet in book.sheets:
            for protected in sheet.protected_ranges:
                if protected["protectedRangeId"] == wanted:
                    sheet.protected_ranges.remove(protected)
                    return {}
        raise _bad_request(f"{where}: No protected range with id: {wanted}")

    def _dimension(
        self, book: _Book, dim_range: dict[str, Any], where: str
    ) -> tuple[_Sheet, int, int, int]:
        sheet = book.sheet_by_id(dim_range.get("sheetId", 0), where)
        dimension = dim_range.get("dimension")
        if dimension not in ("ROWS", "COLUMNS"):
            raise _bad_request(f"{where}: range.dimension must be ROWS or COLUMNS")
        axis = 0 if dimension == "ROWS" else 1
        size = sheet.row_count if axis == 0 else sheet.column_count
        start = dim_range.get("startIndex", 0)
        end = dim_range.get("endIndex", size)
        if start < 0 or end <= start:
            raise _bad_request(f"{where}: Invalid dimension range {dim_range}")
        return sheet, axis, start, end

    @staticmethod
    def _resize(sheet: _Sheet, axis: int, delta: int) -> None:
        if axis == 0:
            sheet.row_count += delta
        else:
            sheet.column_count += delta

    def _req_insertDimension(
        self, book: _Book, payload: dict[str, Any], where: str
    ) -> dict[str, Any]:
        sheet, axis, start, end = self._dimension(book, payload.get("range") or {}, where)
        size = sheet.row_count if axis == 0 else sheet.column_count
        if start > size:
            raise _bad_request(f"{where}: startIndex {start} is past the end of the grid")
        count = end - start
        moved: dict[tuple[int, int], _Cell] = {}
        for key, cell in sheet.cells.items():
            pos = list(key)
            if pos[axis] >= start:
                pos[axis] += count
            moved[(pos[0], pos[1])] = cell
        sheet.cells = moved
        self._resize(sheet, axis, count)
        return {}

    def _req_deleteDimension(
        self, book: _Book, payload: dict[str, Any], where: str
    ) -> dict[str, Any]:
        sheet, axis, start, end = self._dimension(book, payload.get("range") or {}, where)
        size = sheet.row_count if axis == 0 else sheet.column_count
        if end > size:
            raise _bad_request(f"{where}: endIndex {end} is past the end of the grid ({size})")
        if start == 0 and end == size:
            noun = "rows" if axis == 0 else "columns"
            raise _bad_request(f"{where}: You can't delete all the {noun} on the sheet.")
        count = end - start
        moved: dict[tuple[int, int], _Cell] = {}
        for key, cell in sheet.cells.items():
            pos = list(key)
            if start <= pos[axis] < end:
                continue
            if pos[axis] >= end:
                pos[axis] -= count
            moved[(pos[0], pos[1])] = cell
        sheet.cells = moved
        self._resize(sheet, axis, -count)
        return {}

    def _req_copyPaste(self, book: _Book, payload: dict[str, Any], where: str) -> dict[str, Any]:
        paste = _enum(payload.get("pasteType"), _PASTE_TYPES, "PASTE_NORMAL", "paste_type")
        orientation = _enum(payload.get("pasteOrientation"), ("NORMAL", "TRANSPOSE"), "NORMAL",
                            "paste_orientation")
        src, r0, c0, r1, c1 = self._grid_range(book, payload.get("source") or {}, where)
        dst, d0, e0, d1, e1 = self._grid_range(book, payload.get("destination") or {}, where)
        height, width = (r1 - r0, c1 - c0) if orientation == "NORMAL" else (c1 - c0, r1 - r0)
        if not height or not width:
            return {}
        # A destination that is a multiple of the source repeats it; anything else gets one
        # copy, even past the destination's end (as the API documents).
        down = (d1 - d0) // height if (d1 - d0) % height == 0 and d1 - d0 >= height else 1
        across = (e1 - e0) // width if (e1 - e0) % width == 0 and e1 - e0 >= width else 1
        if d0 + down * height > dst.row_count or e0 + across * width > dst.column_count:
            label = _a1(dst, d0, e0, d0 + down * height, e0 + across * width)
            raise _bad_request(f"{where}: {_exceeds(dst, label).message}")
        # Read the whole source first: source and destination may overlap.
        source = {(r - r0, c - c0): copy.deepcopy(cell) for (r, c), cell in src.cells.items()
                  if r0 <= r < r1 and c0 <= c < c1}
        for i in range(down * height):
            for j in range(across * width):
                at = (i % height, j % width)
                key = at if orientation == "NORMAL" else (at[1], at[0])
                _paste(dst, d0 + i, e0 + j, source.get(key), paste)
        return {}

    def _req_moveDimension(
        self, book: _Book, payload: dict[str, Any], where: str
    ) -> dict[str, Any]:
        sheet, axis, start, end = self._dimension(book, payload.get("source") or {}, where)
        size = sheet.row_count if axis == 0 else sheet.column_count
        destination = payload.get("destinationIndex")
        if not isinstance(destination, int) or not 0 <= destination <= size or end > size:
            raise _bad_request(f"{where}: destinationIndex must be within the grid")
        if start < destination < end:
            raise _bad_request(f"{where}: destinationIndex must not be inside the source range")
        # destinationIndex counts positions before the source is taken out of the grid.
        lo, hi = min(start, destination), max(end, destination)
        rest = [i for i in range(lo, hi) if not start <= i < end]
        at = destination - lo if destination <= start else destination - lo - (end - start)
        order = rest[:at] + list(range(start, end)) + rest[at:]
        self._reorder(sheet, axis, lo, order)
        return {}

    def _req_sortRange(self, book: _Book, payload: dict[str, Any], where: str) -> dict[str, Any]:
        sheet, r0, c0, r1, c1 = self._grid_range(book, payload.get("range") or {}, where)
        specs = payload.get("sortSpecs") or []
        if not specs:
            raise _bad_request(f"{where}: sortSpecs must not be empty")
        order = list(range(r0, r1))
        # One stable pass per spec, last spec first, gives the lexicographic order.
        for spec in reversed(specs):
            column = spec.get("dimensionIndex", 0)
            if not c0 <= column < c1:
                raise _bad_request(f"{where}: dimensionIndex {column} is outside the range")
            descending = _enum(spec.get("sortOrder"), ("ASCENDING", "DESCENDING"), "ASCENDING",
                               "sort_order") == "DESCENDING"
            keys = {row: _sort_key(sheet.cells.get((row, column))) for row in order}
            filled = [row for row in order if keys[row] is not None]
            filled.sort(key=lambda row: keys[row], reverse=descending)
            # Blank cells go last whichever way the sort runs, as in Sheets.
            order = filled + [row for row in order if keys[row] is None]
        self._reorder(sheet, 0, r0, order, c0, c1)
        return {}

    @staticmethod
    def _reorder(
        sheet: _Sheet, axis: int, start: int, order: list[int], lo: int = 0,
        hi: int | None = None,
    ) -> None:
        """Put the rows (axis 0) or columns listed in ``order`` at start, start+1, ..."""
        # lo/hi limit the move to part of the other axis (sortRange's columns); cells keep
        # their formats, notes and validation because whole _Cell objects move.
        new_index = {old: start + i for i, old in enumerate(order)}
        moved: dict[tuple[int, int], _Cell] = {}
        for key, cell in sheet.cells.items():
            pos = list(key)
            if pos[axis] in new_index and lo <= pos[1 - axis] and (
                hi is None or pos[1 - axis] < hi
            ):
                pos[axis] = new_index[pos[axis]]
            moved[(pos[0], pos[1])] = cell
        sheet.cells = moved

    def _req_appendDimension(
        self, book: _Book, payload: dict[str, Any], where: str
    ) -> dict[str, Any]:
        sheet = book.sheet_by_id(payload.get("sheetId", 0), where)
        length = payload.get("length", 0)
        if payload.get("dimension") not in ("ROWS", "COLUMNS") or length < 1:
            raise _bad_request(f"{where}: dimension and a positive length are required")
        self._resize(sheet, 0 if payload["dimension"] == "ROWS" else 1, length)
        return {}

    def _req_updateSpreadsheetProperties(
        self, book: _Book, payload: dict[str, Any], where: str
    ) -> dict[str, Any]:
        props = payload.get("properties") or {}
        mask = self._required_mask(payload, where)
        keys = list(props) if "*" in mask else list(mask)
        for key in keys:
            if key == "title":
                book.title = props.get("title") or book.title
            elif key == "locale":
                book.locale = props.get("locale") or book.locale
            elif key == "timeZone":
                book.time_zone = props.get("timeZone") or book.time_zone
        return {}

    # ---- operations: values ----------------------------------------------------------------

    def _read_options(self, query: dict[str, list[str]]) -> tuple[str, str, str]:
        render = _enum(_first(query, "valueRenderOption"), _RENDER_OPTIONS, "FORMATTED_VALUE",
                       "value_render_option")
        dt_render = _enum(_first(query, "dateTimeRenderOption"), _DATE_RENDER_OPTIONS,
                          "SERIAL_NUMBER", "date_time_render_option")
        return render, dt_render, _major(_first(query, "majorDimension"))

    def _op_values_get(
        self, params: dict[str, str], query: dict[str, list[str]], body: Any
    ) -> dict[str, Any]:
        book = self._book(params["id"])
        rng = _resolve(book, unquote(params["range"]))
        return self._read(book, rng, *self._read_options(query))

    def _op_values_batchGet(
        self, params: dict[str, str], query: dict[str, list[str]], body: Any
    ) -> dict[str, Any]:
        book = self._book(params["id"])
        options = self._read_options(query)
        ranges = [_resolve(book, text) for text in query.get("ranges", [])]
        out: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
        if ranges:
            out["valueRanges"] = [self._read(book, rng, *options) for rng in ranges]
        return out

    def _op_values_update(
        self, params: dict[str, str], query: dict[str, list[str]], body: Any
    ) -> dict[str, Any]:
        book = self._book(params["id"])
        input_option = _input_option(_first(query, "valueInputOption"))
        rng = _resolve(book, unquote(params["range"]))
        if body.get("range") and _resolve(book, body["range"]).sheet is not rng.sheet:
            raise _bad_request(
                f"Requested range [{body['range']}] is not the same as the URL range"
            )
        rows = _values_matrix(body.get("values"), body.get("majorDimension"))
        self._check_write(rng, rows)
        written = self._write(book, rng.sheet, rng.r0, rng.c0, rows, input_option)
        out = self._update_response(book, rng.sheet, rng.r0, rng.c0, written)
        if _flag(_first(query, "includeValuesInResponse")):
            options = {k: _first(query, k) for k in
                       ("responseValueRenderOption", "responseDateTimeRenderOption")}
            out["updatedData"] = self._updated_data(
                book, rng.sheet, rng.r0, rng.c0, written, options
            )
        return out

    def _op_values_append(
        self, params: dict[str, str], query: dict[str, list[str]], body: Any
    ) -> dict[str, Any]:
        book = self._book(params["id"])
        input_option = _input_option(_first(query, "valueInputOption"))
        insert = _enum(_first(query, "insertDataOption"), _INSERT_OPTIONS, "OVERWRITE",
                       "insert_data_option")
        rng = _resolve(book, unquote(params["range"]))
        r0, c0, _, c1 = _bounds(rng)
        sheet = rng.sheet
        rows = _values_matrix(body.get("values"), body.get("majorDimension"))
        # Search only the range's columns when it names them; "A1" or a bare tab means the
        # whole row, matching how Sheets finds the table under a single anchor cell.
        search_c1 = sheet.column_count if (rng.single or rng.c1 is None) else c1
        occupied = {
            r for (r, c), cell in sheet.cells.items()
            if cell.has_data and r >= r0 and c0 <= c < search_c1
        }
        start = r0
        while start in occupied:
            start += 1
        out: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
        if start > r0:
            cols = [c for (r, c), cell in sheet.cells.items()
                    if cell.has_data and r0 <= r < start and c0 <= c < search_c1]
            out["tableRange"] = _a1(sheet, r0, min(cols), start, max(cols) + 1)
        if insert == "INSERT_ROWS" and rows:
            self._req_insertDimension(
                book,
                {"range": {"sheetId": sheet.sheet_id, "dimension": "ROWS",
                           "startIndex": min(start, sheet.row_count),
                           "endIndex": min(start, sheet.row_count) + len(rows)}},
                "Invalid insertDataOption",
            )
        written = self._write(book, sheet, start, c0, rows, input_option)
        out["updates"] = self._update_response(book, sheet, start, c0, written)
        if _flag(_first(query, "includeValuesInResponse")):
            options = {k: _first(query, k) for k in
                       ("responseValueRenderOption", "responseDateTimeRenderOption")}
            out["updates"]["updatedData"] = self._updated_data(
                book, sheet, start, c0, written, options
            )
        return out

    def _op_values_batchUpdate(
        self, params: dict[str, str], query: dict[str, list[str]], body: Any
    ) -> dict[str, Any]:
        book = self._book(params["id"])
        input_option = _input_option(body.get("valueInputOption"))
        prepared = []
        # Validate everything first so a bad entry leaves the sheet untouched, as Google does.
        for i, entry in enumerate(body.get("data") or []):
            if not isinstance(entry, dict) or not entry.get("range"):
                raise _bad_request(f"Invalid data[{i}]: range is required")
            rng = _resolve(book, entry["range"])
            rows = _values_matrix(entry.get("values"), entry.get("majorDimension"),
                                  f"data[{i}].values")
            self._check_write(rng, rows)
            prepared.append((rng, rows))
        responses = []
        for rng, rows in prepared:
            written = self._write(book, rng.sheet, rng.r0, rng.c0, rows, input_option)
            response = self._update_response(book, rng.sheet, rng.r0, rng.c0, written)
            if _flag(body.get("includeValuesInResponse")):
                response["updatedData"] = self._updated_data(
                    book, rng.sheet, rng.r0, rng.c0, written, body
                )
            responses.append(response)
        out: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
        if responses:
            out.update(
                totalUpdatedRows=sum(r["updatedRows"] for r in responses),
                totalUpdatedColumns=sum(r["updatedColumns"] for r in responses),
                totalUpdatedCells=sum(r["updatedCells"] for r in responses),
                totalUpdatedSheets=len({id(rng.sheet) for rng, _ in prepared}),
                responses=responses,
            )
        return out

    def _clear(self, rng: _Range) -> str:
        r0, c0, r1, c1 = _bounds(rng)
        sheet = rng.sheet
        for (r, c), cell in list(sheet.cells.items()):
            if r0 <= r < r1 and c0 <= c < c1:
                # Clearing removes values only; formats and validation stay, like the API.
                cell.value = cell.formula = None
                sheet.tidy(r, c)
        return _a1(sheet, r0, c0, r1, c1)

    def _op_values_clear(
        self, params: dict[str, str], query: dict[str, list[str]], body: Any
    ) -> dict[str, Any]:
        book = self._book(params["id"])
        rng = _resolve(book, unquote(params["range"]))
        _bounds(rng)
        return {"spreadsheetId": book.spreadsheet_id, "clearedRange": self._clear(rng)}

    def _op_values_batchClear(
        self, params: dict[str, str], query: dict[str, list[str]], body: Any
    ) -> dict[str, Any]:
        book = self._book(params["id"])
        ranges = [_resolve(book, text) for text in body.get("ranges") or []]
        for rng in ranges:
            _bounds(rng)
        return {
            "spreadsheetId": book.spreadsheet_id,
            "clearedRanges": [self._clear(rng) for rng in ranges],
        }
