"""The Google Sheets store: one tab per sheet, read in one request, written in one request.

Frugal with quota (about 60 reads and 60 writes a minute for the whole app): a snapshot is one
`values:batchGet` of every tab; an append is one `spreadsheets:batchUpdate` carrying its audit
rows; an update reads the tab once and writes once. Spreadsheet metadata (tab titles and ids) is
fetched once per store, that is once per process.

Safe with people editing the sheet: headers are matched by name wherever the columns are; rows
are found by id at write time; an update writes only the cells that change and is refused when
the row no longer holds what the person edited from. User text is always sent as a typed string
(`stringValue`), which Sheets stores literally: `=IMPORTXML(…)` never becomes a formula.
"""

from __future__ import annotations

import ipaddress
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

import requests
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient
from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from services.choices import AuditAction
from services.coltypes import (
    Bool,
    ColumnType,
    Date,
    Integer,
    Number,
    Year,
    is_blank,
)
from services.schema import ID, SHEETS, Column, Record, Sheet
from services.store.base import (
    WRITE_UNKNOWN,
    BackendUnavailable,
    SetupError,
    Store,
    StoreError,
    Update,
    WriteUnknown,
    Written,
    audit_record,
    changed_columns,
    conflict,
    duplicates,
    edit_action,
    not_found,
    with_ids,
)
from services.text import header_key, nfc
from services.validation import (
    Problem,
    RawTable,
    Severity,
    Snapshot,
    Table,
    match_header,
    parse_values,
    validate_snapshot,
    validate_table,
)

if TYPE_CHECKING:
    from google.auth.credentials import Credentials

    from services.config import Settings

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
GOOGLE_API_ORIGINS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
SHEETS_URL = "https://sheets.googleapis.com/v4/spreadsheets"
DOCS_URL = "https://docs.google.com/spreadsheets/d"

OVERLOADED = ("Google Sheets đang quá tải hoặc không phản hồi; chưa lưu gì. Dữ liệu bạn đã nhập "
              "vẫn còn trong biểu mẫu — hãy thử lại sau ít phút.")
READ_FAILED = ("Google Sheets đang quá tải hoặc không phản hồi nên chưa đọc được dữ liệu; hãy thử "
               "lại sau ít phút.")
OUT_OF_TIME = ("Google Sheets trả lời quá chậm nên đã dừng sau {seconds:g} giây; chưa lưu gì. Dữ "
               "liệu bạn đã nhập vẫn còn trong biểu mẫu — hãy thử lại sau ít phút.")
# Every cell the app writes carries its value and its column's number format, nothing else.
CELL_FIELDS = "userEnteredValue,userEnteredFormat.numberFormat"
HEADER_FIELDS = "userEnteredValue,userEnteredFormat.textFormat.bold"
DATE_PATTERN = "dd/mm/yyyy"


# --- pointing gspread somewhere else, retries, timeouts ------------------------------------


def rewrite_google_url(url: str, base_url: str) -> str:
    """Return `url` with a Google API origin replaced by `base_url` (idempotent)."""
    for origin in GOOGLE_API_ORIGINS:
        if url.startswith(origin + "/"):
            return base_url.rstrip("/") + url[len(origin):]
    return url


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a request is retried on 408, 429 and 5xx answers."""

    attempts: int = 6
    # Full jitter: each wait is random in [0, min(max_wait, first_wait * 2**n)], so the many
    # sessions of one app hitting the quota together do not retry in lockstep.
    first_wait: float = 1.0
    max_wait: float = 30.0


class WriteOutcomeUnknown(Exception):
    """A write timed out or lost its connection after being sent: it may have been applied."""


class RequestRejected(StoreError):
    """Google refused a write as invalid (400); the API's own message is on `__cause__`."""


class OutOfTime(Exception):
    """The operation's deadline passed before a request could be sent."""


_RETRY_STATUSES = frozenset({408, 429})
MIN_REQUEST_TIME = 0.05  # seconds: less than this left, and a request is not even started


def _retryable(error: BaseException) -> bool:
    if isinstance(error, APIError):
        return error.code in _RETRY_STATUSES or error.code >= 500
    from google.auth.exceptions import TransportError

    # What reaches here from a write was never sent (refused, connect timeout, token fetch).
    return isinstance(error, (requests.Timeout, requests.ConnectionError, TransportError))


class SheetsHTTPClient(HTTPClient):
    """gspread's HTTP client with a base URL, compact answers and bounded retries.

    `deadline` bounds a whole operation, not each request: inside `budget()` every request,
    retry and wait of one save or one page load shares it, and no request waits past it.
    """

    def __init__(self, auth: Credentials, session: requests.Session | None = None, *,
                 base_url: str = "", timeout: float = 20.0, deadline: float = 60.0,
                 policy: RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(auth, session)
        self.base_url = base_url.rstrip("/")
        self.request_timeout = timeout
        self.deadline = deadline
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self._local = threading.local()
        if self.base_url and _is_loopback(self.base_url):
            # A local fake or proxy: HTTP(S)_PROXY from the environment must not intercept it.
            self.session.trust_env = False

    @contextmanager
    def budget(self) -> Iterator[None]:
        """Share one deadline among every request sent inside (the outermost budget wins)."""
        if getattr(self._local, "until", None) is not None:
            yield
            return
        self._local.until = time.monotonic() + self.deadline
        try:
            yield
        finally:
            self._local.until = None

    def request(self, method: str, endpoint: str, params: Any = None, data: Any = None,
                json: Any = None, files: Any = None, headers: Any = None) -> requests.Response:
        """Send one API call, retrying overload answers until the attempts or deadline run out."""
        url = rewrite_google_url(endpoint, self.base_url) if self.base_url else endpoint
        # Compact JSON: a big read is a third smaller without Google's indentation.
        params = {**(params or {}), "prettyPrint": "false"}
        idempotent = method.upper() == "GET"
        until = getattr(self._local, "until", None) or time.monotonic() + self.deadline

        def out_of_time(state: RetryCallState) -> bool:
            return time.monotonic() + (state.upcoming_sleep or 0.0) >= until - MIN_REQUEST_TIME

        retrying = Retrying(
            stop=stop_after_attempt(self.policy.attempts) | out_of_time,
            wait=wait_random_exponential(multiplier=self.policy.first_wait,
                                         max=self.policy.max_wait),
            retry=retry_if_exception(_retryable),
            sleep=self.sleep,
            reraise=True,
        )
        failures: list[Exception] = []
        for attempt in retrying:
            with attempt:
                left = until - time.monotonic()
                if left <= MIN_REQUEST_TIME:
                    # Said as what went wrong last (Google busy), else as plain slowness.
                    raise failures[-1] if failures else OutOfTime()
                # Never wait on one request past the operation's deadline.
                timeout = min(self.request_timeout, left)
                try:
                    response = self.session.request(method=method, url=url, params=params,
                                                    data=data, json=json, files=files,
                                                    headers=headers, timeout=timeout)
                except (requests.Timeout, requests.ConnectionError) as err:
                    if idempotent or _never_sent(err):
                        failures.append(err)
                        raise
                    # The write may have been applied; sending it again could add a second row.
                    raise WriteOutcomeUnknown(str(err)) from err
                if not response.ok:
                    failures.append(APIError(response))
                    raise failures[-1]
                return response
        raise AssertionError("unreachable: Retrying re-raises the last error")  # pragma: no cover


def _never_sent(error: requests.RequestException) -> bool:
    """Tell whether a request failed before reaching the server (so a write is safe to resend)."""
    from urllib3.exceptions import MaxRetryError, NewConnectionError

    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = error.args[0] if error.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError)


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --- settings to a client ------------------------------------------------------------------

_KEY_IN_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")


def spreadsheet_key(value: str) -> str:
    """Return the spreadsheet key from a key or a full URL."""
    value = value.strip()
    if match := _KEY_IN_URL.search(value):
        return match.group(1)
    if match := re.search(r"[?&]key=([A-Za-z0-9_-]+)", value):
        return match.group(1)
    if "/" in value:
        raise SetupError(f"DANVAN_SPREADSHEET không chứa mã bảng tính hợp lệ: {value!r}. Dán "
                         "đường dẫn dạng https://docs.google.com/spreadsheets/d/<mã>/edit.")
    return value


def credentials_from_settings(settings: Settings) -> tuple[Credentials, str]:
    """Return the service-account credentials and its e-mail (anonymous with a local API URL)."""
    from google.oauth2 import service_account

    try:
        if settings.credentials_info:
            creds = service_account.Credentials.from_service_account_info(
                dict(settings.credentials_info), scopes=SCOPES)
        elif settings.credentials_file:
            creds = service_account.Credentials.from_service_account_file(
                settings.credentials_file, scopes=SCOPES)
        elif settings.sheets_api_url:
            from google.auth.credentials import AnonymousCredentials

            return AnonymousCredentials(), ""
        else:
            raise SetupError(
                "Chưa có thông tin đăng nhập Google: đặt bảng [gcp_service_account] trong "
                ".streamlit/secrets.toml, hoặc DANVAN_CREDENTIALS_FILE / "
                "GOOGLE_APPLICATION_CREDENTIALS trỏ tới tệp khóa JSON của tài khoản dịch vụ.")
    except (OSError, ValueError, KeyError) as err:
        raise SetupError(
            "Không đọc được khóa tài khoản dịch vụ Google (tệp JSON hoặc bảng "
            "[gcp_service_account]); hãy tải lại tệp khóa từ Google Cloud.") from err
    return creds, creds.service_account_email


# --- cells ---------------------------------------------------------------------------------


def number_format(column_type: ColumnType) -> dict[str, str] | None:
    """Return the sheet number format of a column type (text columns are plain text "@")."""
    if isinstance(column_type, Date):
        return {"type": "DATE", "pattern": DATE_PATTERN}
    if isinstance(column_type, Year):
        return {"type": "NUMBER", "pattern": "0"}
    if isinstance(column_type, Integer):
        return {"type": "NUMBER", "pattern": "#,##0"}
    if isinstance(column_type, Number):
        # At least one decimal digit: a "#,##0.##" pattern shows 55 as "55." in Sheets.
        return {"type": "NUMBER", "pattern": "#,##0.0" + "#" * max(0, column_type.decimals - 1)}
    if isinstance(column_type, Bool):
        return None  # the checkbox rule is what shows a boolean
    # Plain text: "0912…" and "0123" typed into the sheet stay text, not numbers.
    return {"type": "TEXT", "pattern": "@"}


def extended_value(value: Any) -> dict[str, Any] | None:
    """Return the typed userEnteredValue of a cell value; text is never a formula."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, (int, float)):
        return {"numberValue": value}
    # A stringValue is stored as typed, even "=…", "+…", "-…" or "@…": no formulaValue ever.
    return {"stringValue": str(value)}


def cell_data(column: Column, value: Any) -> dict[str, Any]:
    """Return the CellData of one value of a column: the typed value and the column's format."""
    out: dict[str, Any] = {}
    cell = column.type.to_cell(value)
    if isinstance(cell, (date, datetime)):  # a type that left a date for the sheet to render
        cell = str(cell)
    fmt = number_format(column.type)
    if fmt is not None and fmt["type"] == "TEXT" and isinstance(cell, (int, float)) and not (
        isinstance(cell, bool)
    ):
        # A code or phone given as a number is still text in a text column ("12", not 12.0).
        cell = str(int(cell)) if float(cell).is_integer() else str(cell)
    if (typed := extended_value(cell)) is not None:
        out["userEnteredValue"] = typed
    if fmt is not None:
        out["userEnteredFormat"] = {"numberFormat": fmt}
    return out


def header_cell(text: str) -> dict[str, Any]:
    """Return the CellData of a header cell: literal text in bold."""
    return {"userEnteredValue": {"stringValue": text},
            "userEnteredFormat": {"textFormat": {"bold": True}}}


def column_letters(index: int) -> str:
    """Return the A1 letters of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def quote_title(title: str) -> str:
    """Return a tab title quoted for A1 notation ('Đơn vị', with ' doubled)."""
    return "'" + title.replace("'", "''") + "'"


def tab_matches(sheet: Sheet, title: str) -> bool:
    """Tell whether a tab title names this sheet (case, spaces and diacritics aside)."""
    return header_key(title) in (header_key(sheet.title), header_key(sheet.key))


# --- metadata and header layouts -----------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    """A tab of the spreadsheet that holds one of the schema's sheets."""

    key: str
    title: str
    sheet_id: int
    rows: int
    columns: int


# The header is the first of these rows that names enough of the schema's columns: office
# sheets often carry a title ("DANH SÁCH LỰC LƯỢNG NÒNG CỐT…") and a blank row above it.
HEADER_SEARCH_ROWS = 10
HEADER_MIN_MATCH = 2


@dataclass(frozen=True)
class Layout:
    """Where a tab's columns are, as its header row says, and which row that is."""

    header: tuple[str, ...]
    positions: Mapping[str, int]
    row: int = 1  # the sheet row of the header; rows above it are never read or written
    found: bool = True  # False: the tab has content but no row reads as the header

    @classmethod
    def of(cls, sheet: Sheet, header: Sequence[Any], row: int = 1) -> Layout:
        """Match a header row to the schema."""
        texts = tuple(nfc(str(h)) if h is not None else "" for h in header)
        while texts and not texts[-1].strip():
            texts = texts[:-1]
        positions, _extra, _problems = match_header(sheet, texts)
        return cls(texts, positions, row)

    @classmethod
    def search(cls, sheet: Sheet, rows: Sequence[Sequence[Any]]) -> Layout:
        """Find the header among the first rows of a tab (a blank tab has none yet)."""
        enough = min(HEADER_MIN_MATCH, len(sheet.columns))
        layouts = [cls.of(sheet, cells, index + 1)
                   for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS])]
        for wanted in (enough, 1):  # a header people renamed nearly all of still counts
            for layout in layouts:
                if len(layout.positions) >= wanted:
                    return layout
        blank = all(is_blank(c) for cells in rows for c in cells)
        return cls((), {}, 1, blank)

    @property
    def width(self) -> int:
        """Return how many header cells the row has (trailing blanks excluded)."""
        return len(self.header)

    def missing(self, sheet: Sheet) -> list[Column]:
        """Return the schema's columns the tab does not have."""
        return [c for c in sheet.columns if c.key not in self.positions]

    def extended(self, sheet: Sheet) -> Layout:
        """Return the layout once the missing columns are added after the last header."""
        header = list(self.header)
        positions = dict(self.positions)
        for column in self.missing(sheet):
            positions[column.key] = len(header)
            header.append(column.header)
        return Layout(tuple(header), positions, self.row, self.found)


def no_header(sheet: Sheet, title: str) -> SetupError:
    """Build the error for a tab with content where no row reads as the header."""
    names = ", ".join(f"“{h}”" for h in sheet.headers[:4])
    return SetupError(
        f"Trang “{title}” không có dòng tiêu đề mà ứng dụng nhận ra trong {HEADER_SEARCH_ROWS} "
        f"dòng đầu (cần các cột như {names}…), nên ứng dụng không đọc và không ghi vào trang "
        "này. Hãy khôi phục dòng tiêu đề (hoặc chạy “Chuẩn bị bảng tính” trên một trang trống).")


@dataclass
class Metadata:
    """What is fetched once per store: the spreadsheet's title and its tabs."""

    title: str
    tabs: dict[str, Tab]
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


def _metadata_from(raw: Mapping[str, Any]) -> Metadata:
    tabs: dict[str, Tab] = {}
    found = [s.get("properties", {}) for s in raw.get("sheets", [])]
    for sheet in SHEETS.values():
        # An exact title wins over a loose match ("Don vi" only when "Đơn vị" is not there).
        exact = [p for p in found if nfc(p.get("title", "")) == sheet.title]
        loose = [p for p in found if tab_matches(sheet, p.get("title", ""))]
        props = (exact or loose or [None])[0]
        if props is None:
            continue
        grid = props.get("gridProperties", {})
        tabs[sheet.key] = Tab(sheet.key, props["title"], int(props.get("sheetId", 0)),
                              int(grid.get("rowCount", 1000)), int(grid.get("columnCount", 26)))
    return Metadata(str(raw.get("properties", {}).get("title", "")), tabs, raw)


# Seconds before a read looks again for tabs the spreadsheet lacked.
METADATA_RECHECK = 300.0
METADATA_FIELDS = ("properties(title,locale),sheets(properties(sheetId,title,index,"
                   "gridProperties(rowCount,columnCount,frozenRowCount)),"
                   "protectedRanges(protectedRangeId,range,description,warningOnly))")


# --- the store -----------------------------------------------------------------------------


# Bytes one answer may carry: Google refuses answers of about 10 MB, so reads split below it.
RESPONSE_BUDGET = 7_000_000
CELL_BYTES = 20  # bytes a cell takes in a compact answer, until a tab has been read once
# Rounds of "write, check in the reply, put back and write again" before giving up.
VERIFY_ROUNDS = 4
# The hidden tab where a write copies the rows it changes, in the same batch, first.
SCRATCH_TITLE = "_ung_dung_tam"
SCRATCH_ROWS, SCRATCH_COLUMNS = 50, 40
RESTORE_FIELDS = "userEnteredValue,userEnteredFormat"
REPLY_FIELDS = ("replies,updatedSpreadsheet.sheets(properties.sheetId,data(startRow,startColumn,"
                "rowData.values(userEnteredValue,effectiveValue,formattedValue,"
                "userEnteredFormat)))")


@dataclass
class _TabRows:
    """A tab as read at write time: its layout, raw rows and where each id is."""

    key: str
    layout: Layout
    rows: list[list[Any]]  # the data rows under the header, as read
    ids: dict[str, list[int]] = field(default_factory=dict)  # id -> sheet row numbers

    @classmethod
    def of(cls, key: str, values: list[list[Any]]) -> _TabRows:
        layout = Layout.search(SHEETS[key], values)
        rows = values[layout.row:] if layout.width else []
        out = cls(key, layout, rows)
        if ID in layout.positions:
            at = layout.positions[ID]
            for number, cells in enumerate(rows, start=layout.row + 1):
                raw = cells[at] if at < len(cells) else None
                if not is_blank(raw):
                    out.ids.setdefault(nfc(str(raw)).strip(), []).append(number)
        return out

    def raw(self, number: int) -> list[Any]:
        """Return the cells of a sheet row as read."""
        index = number - self.layout.row - 1
        return list(self.rows[index]) if 0 <= index < len(self.rows) else []

    def record(self, number: int) -> Record:
        """Return a sheet row parsed by the schema."""
        sheet = SHEETS[self.key]
        cells = self.raw(number)
        found = {k: cells[i] if i < len(cells) else None for k, i in self.layout.positions.items()}
        record, _problems = parse_values(sheet, found, number, present=self.layout.positions)
        return record

    def one(self, record_id: str) -> tuple[int, Record]:
        """Return the row number and record of an id, or say why it cannot be written."""
        sheet = SHEETS[self.key]
        numbers = self.ids.get(record_id, [])
        if not numbers:
            raise not_found(sheet, record_id)
        if len(numbers) > 1:
            listed = ", ".join(str(n) for n in numbers)
            raise StoreError(
                f"Mã {record_id} có ở nhiều dòng ({listed}) của trang {sheet.title}; chưa lưu gì. "
                "Hãy sửa trong bảng tính để mỗi mã chỉ ở một dòng, rồi thử lại.")
        return numbers[0], self.record(numbers[0])

    def records(self) -> list[Record]:
        """Return every row with an id, parsed."""
        return [self.record(n) for numbers in self.ids.values() for n in numbers]


@dataclass
class _Put:
    """Cells to write into the row that holds `record_id` (verified in the write's reply)."""

    key: str
    record_id: str  # "" for a row people typed without an id
    row: int
    cells: dict[int, dict[str, Any]]  # column position -> CellData
    fields: str = CELL_FIELDS  # a put-back restores values (and formats, when copied) only
    restores: bool = False  # a put-back of cells written into the wrong row
    expect: list[dict[str, Any]] | None = None  # a row without id: what it held, to know it


@dataclass
class _Verdict:
    """What the reply of a write says about the rows it touched."""

    ids: dict[str, dict[int, str]]  # sheet key -> sheet row -> id found there
    complete: bool = True  # False: only the written rows are known (from their copies)

    def where(self, key: str, record_id: str) -> list[int]:
        """Return the rows holding this id now."""
        return [n for n, i in self.ids.get(key, {}).items() if i == record_id]


class GSheetsStore(Store):
    """Every sheet a tab of one Google spreadsheet.

    Row numbers are not identity: people sort, insert, delete and type rows at any moment.
    Every write that addresses a row by its number asks the write's own reply for the ids of
    the tab as the write left it; a cell written into another record's row is put back from
    what the write read, and the write is sent again to where the record is now. Appends
    need no check: `appendCells` always adds rows below the last one.
    """

    backend: ClassVar[str] = "gsheets"

    def __init__(self, client: SheetsHTTPClient, spreadsheet_id: str, *,
                 account: str = "") -> None:
        super().__init__()
        self.client = client
        self.spreadsheet_id = spreadsheet_id
        self.account = account
        self._meta: Metadata | None = None
        self._meta_at = 0.0
        self._layouts: dict[str, Layout] = {}
        self._row_bytes: dict[str, float] = {}
        self.response_budget = RESPONSE_BUDGET
        self._caution = 1.0  # grows when an answer was refused: the next read splits finer
        self._state = threading.RLock()
        # Writes from the sessions of one process go one at a time: an update's read-check-
        # write then cannot interleave with another write of this app.
        self._writing = threading.Lock()
        # Ids of appends whose answer was lost: saving them again first looks for them.
        self._uncertain: set[str] = set()
        self._copies = True  # False once the server refused or ignored a copyPaste
        self._scratch_id: tuple[int, int] | None = None

    @classmethod
    def from_settings(cls, settings: Settings, *, policy: RetryPolicy | None = None,
                      sleep: Callable[[float], None] = time.sleep) -> GSheetsStore:
        """Open the configured spreadsheet and fetch its metadata (once per process)."""
        if not settings.spreadsheet:
            raise SetupError("Chưa cấu hình DANVAN_SPREADSHEET (mã hoặc đường dẫn của bảng tính "
                             "Google Sheets).")
        key = spreadsheet_key(settings.spreadsheet)
        creds, account = credentials_from_settings(settings)
        client = SheetsHTTPClient(creds, base_url=settings.sheets_api_url,
                                  timeout=settings.request_timeout, deadline=settings.deadline,
                                  policy=policy, sleep=sleep)
        store = cls(client, key, account=account)
        with client.budget():
            store.metadata()
        return store

    # ---- requests, with errors translated at this boundary --------------------------------

    def _call(self, send: Callable[[], Any], *, write: bool) -> Any:
        try:
            return send()
        except WriteOutcomeUnknown as err:
            raise WriteUnknown(WRITE_UNKNOWN) from err
        except OutOfTime as err:
            raise BackendUnavailable(OUT_OF_TIME.format(seconds=self.client.deadline) if write
                                     else READ_FAILED) from err
        except APIError as err:
            raise self._translate(err, write=write) from err
        except (requests.RequestException, OSError) as err:
            raise BackendUnavailable(OVERLOADED if write else READ_FAILED) from err
        except Exception as err:
            from google.auth.exceptions import GoogleAuthError, TransportError

            if isinstance(err, TransportError):
                raise BackendUnavailable(OVERLOADED if write else READ_FAILED) from err
            if isinstance(err, GoogleAuthError):
                raise SetupError(
                    "Google không chấp nhận thông tin đăng nhập của tài khoản dịch vụ; hãy kiểm "
                    "tra tệp khóa JSON (có thể đã bị thu hồi) rồi thử lại.") from err
            raise

    def _translate(self, err: APIError, *, write: bool) -> StoreError:
        code = err.code
        if code in _RETRY_STATUSES or code >= 500:
            return BackendUnavailable(OVERLOADED if write else READ_FAILED)
        if code == 403:
            who = f"tài khoản dịch vụ {self.account}" if self.account else "tài khoản dịch vụ"
            return SetupError(
                f"Ứng dụng không có quyền với bảng tính này. Hãy mở bảng tính, bấm “Chia sẻ” và "
                f"thêm {who} với quyền Người chỉnh sửa (Editor).")
        if code == 404:
            return SetupError(
                "Không tìm thấy bảng tính Google Sheets; hãy kiểm tra DANVAN_SPREADSHEET (mã hoặc "
                "đường dẫn bảng tính) và rằng bảng tính chưa bị xóa.")
        if code == 401:
            return SetupError("Google từ chối thông tin đăng nhập của tài khoản dịch vụ; hãy kiểm "
                              "tra tệp khóa JSON.")
        if write:
            # Most often the sheet's structure changed under us (a tab deleted or renamed).
            self.forget()
            return RequestRejected("Google Sheets từ chối thao tác ghi (có thể cấu trúc bảng tính "
                                   "vừa bị thay đổi); chưa lưu gì. Hãy tải lại dữ liệu rồi thử "
                                   "lại.")
        return StoreError("Google Sheets từ chối yêu cầu đọc dữ liệu; hãy tải lại dữ liệu rồi "
                          "thử lại. Nếu lỗi còn, chạy “Chuẩn bị bảng tính” (setup-sheet).")


    def batch_update(self, requests_: list[dict[str, Any]],
                     response_ranges: Sequence[str] = ()) -> Mapping[str, Any]:
        """Send these requests in one atomic spreadsheets:batchUpdate (nothing when empty).

        With `response_ranges` the reply carries those ranges as the write left them.
        """
        if not requests_:
            return {}
        body: dict[str, Any] = {"requests": requests_}
        if not response_ranges:
            with self.client.budget():
                return self._call(lambda: self.client.batch_update(self.spreadsheet_id, body),
                                  write=True)
        body.update(includeSpreadsheetInResponse=True, responseIncludeGridData=True,
                    responseRanges=list(response_ranges))
        url = SPREADSHEET_BATCH_UPDATE_URL % self.spreadsheet_id
        with self.client.budget():
            # Only what the checks read: a cell's full formats would make the reply ten times
            # larger on real Google.
            return self._call(lambda: self.client.request(
                "post", url, params={"fields": REPLY_FIELDS}, json=body).json(), write=True)

    def grid(self, ranges: list[str], fields: str) -> Mapping[str, Any]:
        """Return cell formats and rules of these ranges (spreadsheets.get with grid data)."""
        params = {"includeGridData": "true", "ranges": ranges, "fields": fields}
        with self.client.budget():
            return self._call(lambda: self.client.fetch_sheet_metadata(self.spreadsheet_id,
                                                                       params=params),
                              write=False)

    def _batch_get(self, ranges: list[str]) -> list[list[list[Any]]]:
        params = {"valueRenderOption": "UNFORMATTED_VALUE",
                  "dateTimeRenderOption": "SERIAL_NUMBER", "majorDimension": "ROWS"}
        body = self._call(lambda: self.client.values_batch_get(self.spreadsheet_id, ranges,
                                                               dict(params)), write=False)
        got = [r.get("values", []) for r in body.get("valueRanges", [])]
        return got + [[] for _ in range(len(ranges) - len(got))]

    # ---- metadata and layouts -------------------------------------------------------------

    def metadata(self, *, refresh: bool = False) -> Metadata:
        """Return the spreadsheet's title and tabs, fetched once per store."""
        with self._state:
            if self._meta is None or refresh:
                raw = self._call(lambda: self.client.fetch_sheet_metadata(
                    self.spreadsheet_id, params={"fields": METADATA_FIELDS}), write=False)
                self._meta = _metadata_from(raw)
                self._meta_at = time.monotonic()
            return self._meta

    def _metadata_for_read(self) -> Metadata:
        meta = self.metadata()
        stale = time.monotonic() - self._meta_at > METADATA_RECHECK
        if stale and len(meta.tabs) < len(SHEETS):
            # A tab may have been created since (setup-sheet run from elsewhere): look again,
            # but not on every read while the spreadsheet really lacks it.
            meta = self.metadata(refresh=True)
        return meta

    def forget(self) -> None:
        """Forget metadata and header layouts (after the spreadsheet's structure changed)."""
        with self._state:
            self._meta = None
            self._layouts.clear()

    def remember(self, sheet_key: str, layout: Layout) -> Layout:
        """Record where a tab's header is and what it says, as just read or written."""
        with self._state:
            self._layouts[sheet_key] = layout
        return layout

    def _tab(self, sheet_key: str) -> Tab:
        tab = self.metadata().tabs.get(sheet_key)
        if tab is None:
            sheet = SHEETS[sheet_key]
            raise SetupError(
                f"Bảng tính chưa có trang “{sheet.title}”. Hãy chạy “Chuẩn bị bảng tính” "
                "(python -m services.cli setup-sheet) để tạo.")
        return tab

    def _layouts_for(self, keys: Iterable[str]) -> dict[str, Layout]:
        """Return the header layouts of these tabs, reading the unknown header rows at once."""
        keys = list(dict.fromkeys(keys))
        tabs = {k: self._tab(k) for k in keys}
        with self._state:
            unknown = [k for k in keys if k not in self._layouts]
        if unknown:
            rows = self._batch_get([self._head_range(tabs[k]) for k in unknown])
            for key, values in zip(unknown, rows, strict=True):
                self.remember(key, Layout.search(SHEETS[key], values))
        with self._state:
            return {k: self._layouts[k] for k in keys}

    def _head_range(self, tab: Tab) -> str:
        return f"{quote_title(tab.title)}!1:{HEADER_SEARCH_ROWS}"

    def cell_link(self, sheet_key: str, row: int | None, column_key: str | None) -> str | None:
        """Return a link opening the spreadsheet at the cell (or row, or column header)."""
        meta = self._meta
        if meta is None or sheet_key not in meta.tabs:
            return None
        tab = meta.tabs[sheet_key]
        with self._state:
            layout = self._layouts.get(sheet_key)
        position = layout.positions.get(column_key) if layout and column_key else None
        url = f"{DOCS_URL}/{self.spreadsheet_id}/edit#gid={tab.sheet_id}"
        if position is not None:
            return f"{url}&range={column_letters(position)}{row or 1}"
        if row is not None:
            return f"{url}&range={row}:{row}"
        return url


    # ---- reading --------------------------------------------------------------------------

    def _read_plan(self, meta: Metadata, keys: Sequence[str]) -> list[list[tuple[str, str, int]]]:
        """Group the reads of these tabs into requests whose answers stay under the budget.

        Each item is (sheet key, A1 range, first sheet row of the range). A tab estimated
        larger than the budget is read in blocks of rows; the estimate learns from each read.
        """
        groups: list[list[tuple[str, str, int]]] = [[]]
        size = 0.0
        for key in keys:
            tab = meta.tabs[key]
            # Before a first read: the schema's columns and a few of people's own.
            guess = CELL_BYTES * min(tab.columns, len(SHEETS[key].columns) + 4)
            per_row = self._row_bytes.get(key, guess) * self._caution
            total = per_row * max(tab.rows, 1)
            title = quote_title(tab.title)
            if total <= self.response_budget:
                parts = [(key, title, 1)]
            else:
                block = max(100, int(self.response_budget // max(per_row, 1.0)))
                last = column_letters(max(tab.columns, 1) - 1)
                parts = [(key, f"{title}!A{start}:{last}{start + block - 1}", start)
                         for start in range(1, tab.rows + 1, block)]
                # Rows added since the metadata was read land in an open-ended last block.
                start = parts[-1][2]
                parts[-1] = (key, f"{title}!A{start}:{last}", start)
                total = per_row * block
            for part in parts:
                if groups[-1] and size + total > self.response_budget:
                    groups.append([])
                    size = 0.0
                groups[-1].append(part)
                size += total
        return [g for g in groups if g]

    def tab_values(self, keys: Iterable[str] | None = None,
                   heads: Iterable[str] | None = None) -> dict[str, list[list[Any]]]:
        """Return the raw rows of these tabs (all the snapshot's by default), header included.

        The first row of the `heads` tabs (by default those the snapshot leaves out) comes
        along in the same request, to learn where their columns are.
        """
        meta = self._metadata_for_read()
        wanted = [k for k in (keys if keys is not None else
                              [k for k, s in SHEETS.items() if s.in_snapshot])]
        present = [k for k in wanted if k in meta.tabs]
        out: dict[str, list[list[Any]]] = {k: [] for k in present}
        plan = self._read_plan(meta, present) or [[]]
        # The header rows of the tabs left out of the snapshot (the audit trail) ride along,
        # so a write needs no read of its own to know where their columns are.
        if heads is None:
            heads = [k for k, s in SHEETS.items() if keys is None and not s.in_snapshot]
        heads = [k for k in heads if k in meta.tabs]
        # Only their first row: the answer is the same size however long they have grown.
        plan[0] += [(f"head:{k}", f"{quote_title(meta.tabs[k].title)}!1:1", 1) for k in heads]
        with self.client.budget():
            for group in plan:
                values = self._batch_get([rng for _, rng, _ in group])
                for (key, _, start), rows in zip(group, values, strict=True):
                    if key.startswith("head:"):
                        key = key.removeprefix("head:")
                        layout = Layout.search(SHEETS[key], rows)
                        if layout.width:  # else a title or a blank: the first write looks
                            self.remember(key, layout)
                        continue
                    rows_so_far = out[key]
                    if rows and len(rows_so_far) < start - 1:
                        # Reads drop trailing blank rows: keep row numbers right across blocks.
                        rows_so_far.extend([] for _ in range(start - 1 - len(rows_so_far)))
                    rows_so_far.extend(rows)
        for key, rows in out.items():
            if rows:
                sample = rows[-200:]
                self._row_bytes[key] = max(8.0, len(json.dumps(sample, separators=(",", ":"),
                                                               default=str)) / len(sample))
        return out

    def _tables(self, values: Mapping[str, list[list[Any]]]) -> tuple[dict[str, RawTable],
                                                                       list[Problem]]:
        out: dict[str, RawTable] = {}
        problems: list[Problem] = []
        for key, rows in values.items():
            sheet = SHEETS[key]
            layout = self.remember(key, Layout.search(sheet, rows))
            if layout.width == 0:
                # A tab with no header yet holds nothing the app can read.
                out[key] = RawTable(sheet.headers, [])
                if not layout.found:
                    problems.append(Problem(key, None, "", None,
                                            str(no_header(sheet, self._tab(key).title))))
                continue
            out[key] = RawTable(list(layout.header), rows[layout.row:], first_row=layout.row + 1)
        return out, problems

    def _read(self, keys: Iterable[str] | None = None) -> tuple[dict[str, RawTable],
                                                                list[Problem]]:
        with self.client.budget():
            try:
                values = self.tab_values(keys)
            except (BackendUnavailable, SetupError):
                raise
            except StoreError:
                # A tab renamed or deleted since the metadata was fetched, or an answer Google
                # found too large: fetch the metadata again and read in smaller blocks.
                values = None
                try:
                    for _ in range(3):
                        self.forget()
                        self._caution *= 4
                        try:
                            values = self.tab_values(keys)
                            break
                        except (BackendUnavailable, SetupError):
                            raise
                        except StoreError:
                            if self._caution >= 64:
                                raise
                finally:
                    self._caution = 1.0
                assert values is not None
        out, problems = self._tables(values)
        for key in keys if keys is not None else [k for k, s in SHEETS.items() if s.in_snapshot]:
            if key not in out:
                out[key] = RawTable(SHEETS[key].headers, [])
                problems.append(Problem(
                    key, None, "", None,
                    f"Bảng tính chưa có trang “{SHEETS[key].title}”; hãy chạy “Chuẩn bị bảng tính” "
                    "(python -m services.cli setup-sheet) để tạo.", Severity.WARNING))
        return out, problems

    def read(self) -> dict[str, RawTable]:
        """Read the snapshot's tabs, unformatted, with dates as serial numbers (one request)."""
        return self._read()[0]

    def snapshot(self) -> Snapshot:
        """Validate every tab; a missing tab or header is an empty table and a reported problem."""
        raw, problems = self._read()
        snapshot = validate_snapshot(raw)
        for problem in problems:
            snapshot.tables[problem.sheet].problems.insert(0, problem)
        return snapshot

    def read_sheet(self, sheet_key: str) -> Table:
        """Read one tab now, validated on its own (one request)."""
        raw, problems = self._read([sheet_key])
        table = validate_table(SHEETS[sheet_key], raw[sheet_key])
        table.problems[:0] = problems
        return table

    def recent(self, sheet_key: str, limit: int, skip: int = 0) -> tuple[list[Record], bool]:
        """Return a page of a tab, the lowest rows (the last appended) first: two reads.

        The id column says where the rows are; then only the rows of the page are read.
        """
        sheet = SHEETS[sheet_key]
        with self.client.budget():
            [layout] = self._layouts_for([sheet_key]).values()
            if layout.width == 0 or ID not in layout.positions:
                return [], False
            title = quote_title(self._tab(sheet_key).title)
            letters = column_letters(layout.positions[ID])
            [ids] = self._batch_get([f"{title}!{letters}{layout.row + 1}:{letters}"])
            numbers = [n for n, cells in enumerate(ids, start=layout.row + 1)
                       if cells and not is_blank(cells[0])][::-1]
            page = numbers[skip:skip + limit]
            if not page:
                return [], False
            last = column_letters(max(layout.width, 1) - 1)
            [rows] = self._batch_get([f"{title}!A{min(page)}:{last}{max(page)}"])
        raw = [rows[n - min(page)] if n - min(page) < len(rows) else [] for n in page]
        table = validate_table(sheet, RawTable(list(layout.header), raw))
        return table.records, len(numbers) > skip + limit

    def is_empty(self) -> bool:
        """Tell whether no tab holds a non-blank row."""
        return all(not any(not is_blank(c) for c in row)
                   for table in self.read().values() for row in table.rows)

    def describe(self) -> str:
        """Name the spreadsheet, never a secret."""
        return f"Google Sheets: {self.metadata().title}"

    # ---- request builders -----------------------------------------------------------------

    def _widen(self, key: str, layout: Layout) -> tuple[Layout, list[dict[str, Any]]]:
        """Return the layout with the schema's missing columns added, and the requests to do it."""
        sheet, tab = SHEETS[key], self._tab(key)
        missing = layout.missing(sheet)
        if not missing:
            return layout, []
        wider = layout.extended(sheet)
        requests_: list[dict[str, Any]] = []
        if wider.width > max(tab.columns, layout.width):
            requests_.append({"appendDimension": {"sheetId": tab.sheet_id, "dimension": "COLUMNS",
                                                  "length": wider.width - max(tab.columns,
                                                                              layout.width)}})
        requests_.append({"updateCells": {
            "range": {"sheetId": tab.sheet_id, "startRowIndex": layout.row - 1,
                      "endRowIndex": layout.row, "startColumnIndex": layout.width,
                      "endColumnIndex": wider.width},
            "rows": [{"values": [header_cell(c.header) for c in missing]}],
            "fields": HEADER_FIELDS,
        }})
        return wider, requests_

    @staticmethod
    def _row_data(sheet: Sheet, layout: Layout, record: Mapping[str, Any]) -> dict[str, Any]:
        cells: list[dict[str, Any]] = [{} for _ in range(max(layout.positions.values()) + 1)]
        for column in sheet.columns:
            if column.key in layout.positions:
                cells[layout.positions[column.key]] = cell_data(column, record.get(column.key))
        return {"values": cells}  # columns the schema does not know stay empty

    def _append_requests(self, key: str, layout: Layout, records: Sequence[Mapping[str, Any]],
                         sheet_id: int | None = None) -> list[dict[str, Any]]:
        if not records:
            return []
        sheet = SHEETS[key]
        sheet_id = self._tab(key).sheet_id if sheet_id is None else sheet_id
        return [{"appendCells": {"sheetId": sheet_id,
                                 "rows": [self._row_data(sheet, layout, r) for r in records],
                                 "fields": CELL_FIELDS}}]

    def _commit_layouts(self, layouts: Mapping[str, Layout]) -> None:
        with self._state:
            self._layouts.update(layouts)
            if self._meta is not None:
                for key, layout in layouts.items():
                    tab = self._meta.tabs.get(key)
                    if tab is not None and layout.width > tab.columns:
                        self._meta.tabs[key] = Tab(tab.key, tab.title, tab.sheet_id, tab.rows,
                                                   layout.width)

    def _commit(self, layouts: Mapping[str, Layout], requests_: list[dict[str, Any]]) -> None:
        self.batch_update(requests_)
        self._commit_layouts(layouts)

    def _prepare(self, keys: Iterable[str], known: Mapping[str, Layout] | None = None) -> tuple[
        dict[str, Layout], list[dict[str, Any]]
    ]:
        """Return the layouts to write with, and the header requests they need first.

        A blank tab gets the schema's header in row 1; a tab whose header cannot be found is
        refused, so a title row is never written over.
        """
        keys = list(dict.fromkeys(keys))
        found = dict(known or {})
        found.update(self._layouts_for([k for k in keys if k not in found]))
        layouts, requests_ = {}, []
        for key in keys:
            layout = found[key]
            if not layout.found:
                raise no_header(SHEETS[key], self._tab(key).title)
            if layout.width == 0:
                layout = Layout(tuple(SHEETS[key].headers),
                                {k: i for i, k in enumerate(SHEETS[key].keys)})
                requests_ += self._header_requests(key, layout)
            else:
                layout, more = self._widen(key, layout)
                requests_ += more
            layouts[key] = layout
        return layouts, requests_

    def _header_requests(self, key: str, layout: Layout) -> list[dict[str, Any]]:
        tab = self._tab(key)
        requests_: list[dict[str, Any]] = []
        if layout.width > tab.columns:
            requests_.append({"appendDimension": {"sheetId": tab.sheet_id, "dimension": "COLUMNS",
                                                  "length": layout.width - tab.columns}})
        requests_.append({"updateCells": {
            "range": {"sheetId": tab.sheet_id, "startRowIndex": layout.row - 1,
                      "endRowIndex": layout.row, "startColumnIndex": 0,
                      "endColumnIndex": layout.width},
            "rows": [{"values": [header_cell(h) for h in layout.header]}],
            "fields": HEADER_FIELDS,
        }})
        return requests_

    def _read_rows(self, keys: Iterable[str]) -> dict[str, _TabRows]:
        """Read these tabs now (and the audit tab's header if unknown): one request."""
        keys = list(dict.fromkeys(keys))
        tabs = {k: self._tab(k) for k in keys}
        with self._state:
            audit_known = "audit" in self._layouts or "audit" in keys
        values = self.tab_values(keys, heads=[] if audit_known else ["audit"])
        out = {k: _TabRows.of(k, values.get(k, [])) for k in keys}
        for key, rows in out.items():
            self.remember(key, rows.layout)
            if not rows.layout.found:
                raise no_header(SHEETS[key], tabs[key].title)
        return out

    # ---- writing --------------------------------------------------------------------------

    def append(self, sheet_key: str, records: Sequence[Mapping[str, Any]], actor: str, *,
               audit: bool = True) -> list[Record]:
        """Append the records (and their audit rows) in one batchUpdate; no read when warm.

        The tab is read first only for an id whose earlier append lost its answer (is it
        there already?). Values that must be unique (a unit's name) are checked in the
        write's own reply: a name someone else saved meanwhile makes the app take its row out
        again and refuse, so two people saving the same name at once do not both succeed.
        """
        sheet = SHEETS[sheet_key]
        unique = [c for c in sheet.columns if c.unique and c.key != ID]
        with self.client.budget(), self._writing:
            stored = with_ids(sheet, records)
            known: dict[str, Layout] = {}
            present: dict[str, Record] = {}
            if any(r[ID] in self._uncertain for r in stored):
                tab = self._read_rows([sheet_key])[sheet_key]
                known[sheet_key] = tab.layout
                present = {r[ID]: tab.record(tab.ids[r[ID]][0]) for r in stored
                           if r[ID] in tab.ids}
            new = [r for r in stored if r[ID] not in present]
            layouts, requests_ = self._prepare([sheet_key, *(["audit"] if audit else [])], known)
            requests_ += self._append_requests(sheet_key, layouts[sheet_key], new)
            if audit:
                requests_ += self._append_requests("audit", layouts["audit"], [
                    audit_record(AuditAction.THEM, sheet, r[ID], actor, None, r) for r in new])
            ranges = self._column_ranges(sheet_key, layouts[sheet_key],
                                         [ID, *(c.key for c in unique)]) if unique else []
            try:
                reply = self.batch_update(requests_, ranges) if new else {}
            except WriteUnknown:
                self._uncertain.update(r[ID] for r in new)
                raise
            self._commit_layouts(layouts)
            self._uncertain.difference_update(r[ID] for r in stored)
            if new and unique:
                self._undo_duplicates(sheet_key, layouts, reply, new, actor)
        out = [present.get(r[ID], r) for r in stored]
        self._written([Written(sheet_key, added=tuple(out))])
        return out

    def _column_ranges(self, sheet_key: str, layout: Layout, keys: Iterable[str]) -> list[str]:
        title = quote_title(self._tab(sheet_key).title)
        out = []
        for key in keys:
            letters = column_letters(layout.positions[key])
            out.append(f"{title}!{letters}{layout.row + 1}:{letters}")
        return out

    def _undo_duplicates(self, sheet_key: str, layouts: Mapping[str, Layout],
                         reply: Mapping[str, Any], new: Sequence[Record], actor: str) -> None:
        """Take the appended rows out again if a unique value was already in the sheet."""
        sheet = SHEETS[sheet_key]
        layout = layouts[sheet_key]
        columns = _reply_columns(reply, self._tab(sheet_key).sheet_id)
        if columns is None:
            # A server that does not return the written ranges: read the columns instead.
            keys = [ID, *(c.key for c in sheet.columns if c.unique and c.key != ID)]
            values = self._batch_get(self._column_ranges(sheet_key, layout, keys))
            columns = {layout.positions[k]: {layout.row + 1 + i: r[0] for i, r in enumerate(v)
                                             if r and not is_blank(r[0])}
                       for k, v in zip(keys, values, strict=True)}
        id_at = columns.get(layout.positions[ID], {})
        ours = {str(r[ID]) for r in new}
        unique = [c for c in sheet.columns if c.unique and c.key != ID]
        # Rows typed by hand without an id count too: their name is just as taken.
        numbers = set(id_at).union(*(columns.get(layout.positions[c.key], {}) for c in unique))
        stored = []
        for number in sorted(numbers):
            record = {ID: nfc(str(id_at.get(number, ""))).strip() or f"dòng {number}"}
            for column in unique:
                record[column.key] = columns.get(layout.positions[column.key], {}).get(number)
            stored.append((number, record))
        others = [r for _, r in stored if r[ID] not in ours]
        error = duplicates(sheet, others, new)
        if error is None:
            return
        sheet_id = self._tab(sheet_key).sheet_id
        mine = sorted((n for n, r in stored if r[ID] in ours), reverse=True)
        requests_ = [_delete_row(sheet_id, n) for n in mine]
        for record in new:
            requests_ += self._append_requests("audit", layouts["audit"], [audit_record(
                AuditAction.HUY, sheet, record[ID], actor, None, None)]) if "audit" in layouts \
                else []
        # The rows were appended a moment ago below everything else: people rarely touch them.
        reply = self.batch_update(requests_, self._id_ranges([sheet_key], layouts))
        left = self._verdict(reply, [sheet_key], layouts).ids[sheet_key].values()
        if ours & set(left):
            raise StoreError(f"{error} Ứng dụng chưa gỡ được dòng vừa thêm; hãy xóa dòng có mã "
                             f"{', '.join(sorted(ours & set(left)))} trong bảng tính.")
        raise error

    def update_batch(self, batch: Mapping[str, Sequence[Update]], actor: str) -> dict[
        str, list[Record]
    ]:
        """Check every row, then write only the changed cells and the audit rows at once.

        The write's reply says which record each written row holds; a row that moved is put
        right (see the class docstring) before this returns.
        """
        out: dict[str, list[Record]] = {}
        with self.client.budget(), self._writing:
            current = self._read_rows(batch)
            layouts, requests_ = self._prepare([*batch, "audit"],
                                               {k: t.layout for k, t in current.items()})
            puts: list[_Put] = []
            audits: list[Record] = []
            for key, updates in batch.items():
                sheet, tab = SHEETS[key], current[key]
                out[key] = []
                for record_id, changes, expected in updates:
                    number, record = tab.one(record_id)
                    if changed := changed_columns(sheet, record, expected):
                        raise conflict(sheet, changed)
                    changes = {k: v for k, v in changes.items() if sheet.has(k) and k != ID}
                    after = {**record, **changes}
                    # Written when it differs at all: a rename in case only is still a rename.
                    keys = [k for k in changes if record.get(k) != changes[k]
                            or not sheet.column(k).type.same(record.get(k), changes[k])]
                    cells = {layouts[key].positions[k]: cell_data(sheet.column(k), after.get(k))
                             for k in keys}
                    if cells:
                        puts.append(_Put(key, record_id, number, cells))
                    audits.append(audit_record(edit_action(changes), sheet, record_id, actor,
                                               record, after))
                    out[key].append(after)
                touched = {k for _, changes, _ in updates for k in changes}
                if any(c.unique and c.key in touched for c in sheet.columns if c.key != ID):
                    others = [r for r in tab.records() if r[ID] not in {a[ID] for a in out[key]}]
                    if error := duplicates(sheet, others + out[key], out[key]):
                        raise error
            requests_ += [r for p in puts for r in self._put_requests(p)]
            requests_ += self._append_requests("audit", layouts["audit"], audits)
            self._write_verified(requests_, puts, current, layouts, actor)
        self._written([Written(k, updated=tuple(v)) for k, v in out.items()])
        return out

    def _put_requests(self, put: _Put) -> list[dict[str, Any]]:
        """Return updateCells requests for a put, one per run of adjacent cells."""
        sheet_id = self._tab(put.key).sheet_id
        out: list[dict[str, Any]] = []
        run: list[int] = []
        for position in [*sorted(put.cells), -2]:
            if run and position != run[-1] + 1:
                out.append({"updateCells": {
                    "range": {"sheetId": sheet_id, "startRowIndex": put.row - 1,
                              "endRowIndex": put.row, "startColumnIndex": run[0],
                              "endColumnIndex": run[-1] + 1},
                    "rows": [{"values": [put.cells[i] for i in run]}],
                    "fields": put.fields,
                }})
                run = []
            if position >= 0:
                run.append(position)
        return out

    def _id_ranges(self, keys: Iterable[str], layouts: Mapping[str, Layout]) -> list[str]:
        ranges = []
        for key in dict.fromkeys(keys):
            layout = layouts[key]
            letters = column_letters(layout.positions[ID])
            ranges.append(f"{quote_title(self._tab(key).title)}!{letters}{layout.row + 1}:"
                          f"{letters}")
        return ranges

    def _verdict(self, reply: Mapping[str, Any], keys: Iterable[str],
                 layouts: Mapping[str, Layout]) -> _Verdict:
        """Return the ids of these tabs as the write left them: from its reply, else a read."""
        keys = list(dict.fromkeys(keys))
        by_sheet_id = {self._tab(k).sheet_id: k for k in keys}
        found: dict[str, dict[int, str]] = {}
        for entry in reply.get("updatedSpreadsheet", {}).get("sheets", []) or []:
            key = by_sheet_id.get(int(entry.get("properties", {}).get("sheetId", -1)))
            if key is None or not entry.get("data"):
                continue
            column = layouts[key].positions[ID]
            ids: dict[int, str] = {}
            for data in entry["data"]:
                if int(data.get("startColumn", 0)) > column:
                    continue
                offset = column - int(data.get("startColumn", 0))
                start = int(data.get("startRow", 0))
                for index, row in enumerate(data.get("rowData", []) or []):
                    values = (row or {}).get("values", []) or []
                    text = _cell_text(values[offset]) if offset < len(values) else ""
                    if text:
                        ids[start + index + 1] = text
            found[key] = ids
        missing = [k for k in keys if k not in found]
        if missing:
            # A server that does not return the written ranges: read the id columns instead.
            values = self._batch_get(self._id_ranges(missing, layouts))
            for key, rows in zip(missing, values, strict=True):
                start = layouts[key].row + 1
                found[key] = {start + i: nfc(str(r[0])).strip() for i, r in enumerate(rows)
                              if r and not is_blank(r[0])}
        return _Verdict(found)

    # ---- writes by row number, checked in their own reply --------------------------------

    def _scratch(self, width: int) -> tuple[int, list[dict[str, Any]]]:
        """Return the hidden scratch tab's id, and the requests that create or widen it.

        Each write copies the rows it is about to change there first, in the same batch: if a
        row turns out to hold another record, what it held is known exactly and put back.
        """
        meta = self.metadata()
        found = next((s.get("properties", {}) for s in meta.raw.get("sheets", [])
                      if s.get("properties", {}).get("title") == SCRATCH_TITLE), None)
        if self._scratch_id is not None and (found is None or int(found.get("sheetId", -1))
                                             != self._scratch_id[0]):
            found = {"sheetId": self._scratch_id[0],
                     "gridProperties": {"columnCount": self._scratch_id[1]}}
        if found is None:
            sheet_id = secrets.randbelow(2**31 - 2) + 1
            columns = max(width, SCRATCH_COLUMNS)
            self._scratch_id = (sheet_id, columns)
            return sheet_id, [{"addSheet": {"properties": {
                "sheetId": sheet_id, "title": SCRATCH_TITLE, "hidden": True,
                "gridProperties": {"rowCount": SCRATCH_ROWS, "columnCount": columns}}}}]
        sheet_id = int(found.get("sheetId", 0))
        columns = int(found.get("gridProperties", {}).get("columnCount", SCRATCH_COLUMNS))
        self._scratch_id = (sheet_id, max(columns, width))
        if width > columns:
            return sheet_id, [{"appendDimension": {"sheetId": sheet_id, "dimension": "COLUMNS",
                                                   "length": width - columns}}]
        return sheet_id, []

    def _copy(self, put: _Put, scratch: int, slot: int) -> dict[str, Any]:
        """Return the request copying a put's row, as it is when the batch runs, to a slot."""
        tab = self._tab(put.key)
        width = max(tab.columns, self._layouts[put.key].width)
        return {"copyPaste": {
            "source": {"sheetId": tab.sheet_id, "startRowIndex": put.row - 1,
                       "endRowIndex": put.row, "startColumnIndex": 0, "endColumnIndex": width},
            "destination": {"sheetId": scratch, "startRowIndex": slot, "endRowIndex": slot + 1,
                            "startColumnIndex": 0, "endColumnIndex": width},
            "pasteType": "PASTE_NORMAL", "pasteOrientation": "NORMAL"}}

    def _send_checked(self, requests_: list[dict[str, Any]], puts: Sequence[_Put],
                      layouts: Mapping[str, Layout], *, before: Sequence[dict[str, Any]] = (),
                      ) -> tuple[_Verdict, list[list[dict[str, Any]]] | None]:
        """Send a batch whose puts first copy their rows aside; return ids and the copies.

        The copies are None when the server refused or ignored the copy (then the write is
        sent without it, and put-backs rely on what the write read).
        """
        keys = [p.key for p in puts]
        if puts and self._copies:
            width = max(max(self._tab(p.key).columns, layouts[p.key].width) for p in puts)
            scratch, prep = self._scratch(width)
            copies = [self._copy(p, scratch, i) for i, p in enumerate(puts)]
            try:
                # The copies are the rows as the batch found them: their ids say whether each
                # row held its record, and the reply stays small however long the tab is.
                reply = self.batch_update([*prep, *before, *copies, *requests_],
                                          [f"{quote_title(SCRATCH_TITLE)}!1:{len(puts)}"])
            except RequestRejected as err:
                # The scratch tab may have been deleted or renamed: make it anew next time.
                self._scratch_id = None
                if "copyPaste" not in str(err.__cause__):
                    raise
                self._copies = False  # a server without copyPaste: write without copies
            else:
                rows = _reply_rows(reply, scratch, len(puts))
                if rows is not None:
                    found: dict[str, dict[int, str]] = {k: {} for k in keys}
                    for put, row in zip(puts, rows, strict=True):
                        text = _cell_text(_at(row, layouts[put.key].positions[ID]))
                        if text:
                            found[put.key][put.row] = text
                    return _Verdict(found, complete=False), rows
                self._copies = False  # the reply lacks the copies: check by the id columns
                return self._verdict(reply, keys, layouts), None
        reply = self.batch_update([*before, *requests_],
                                  self._id_ranges(keys, layouts) if puts else [])
        return (self._verdict(reply, keys, layouts) if puts else _Verdict({})), None

    def _everywhere(self, verdict: _Verdict, keys: Iterable[str],
                    layouts: Mapping[str, Layout]) -> _Verdict:
        """Return a verdict that knows every row's id (reading the id columns if needed)."""
        return verdict if verdict.complete else self._verdict({}, keys, layouts)

    def _write_verified(self, requests_: list[dict[str, Any]], puts: list[_Put],
                        current: Mapping[str, _TabRows], layouts: Mapping[str, Layout],
                        actor: str) -> None:
        """Send a write that puts cells into rows by number, and make sure each hit its record.

        A row that holds another record when the write lands (people sorted, inserted or
        deleted rows meanwhile) gets back exactly the cells it had, from the copy the same
        batch made; the cells are then written where their record is now. Every round is
        checked the same way.
        """
        for _round in range(VERIFY_ROUNDS):
            verdict, copies = self._send_checked(requests_, puts, layouts)
            self._commit_layouts(layouts)
            if not puts:
                return
            wrong = [(i, p) for i, p in enumerate(puts) if not self._held(p, verdict, copies, i)]
            if not wrong:
                return
            next_puts: list[_Put] = []
            for index, put in wrong:
                hit = verdict.ids[put.key].get(put.row, "")
                before = copies[index] if copies is not None else None
                back = self._put_back(put, hit, before, current[put.key])
                if back is None:
                    raise self._damaged(put, hit, actor)
                next_puts.append(back)
                if put.restores:
                    continue  # a put-back that missed is itself put back; not aimed again
                verdict = self._everywhere(verdict, [p.key for _, p in wrong], layouts)
                now_at = verdict.where(put.key, put.record_id)
                if len(now_at) != 1:
                    self._undo_audit(put, actor)
                    self._send_checked([r for p in next_puts for r in self._put_requests(p)],
                                       next_puts, layouts)
                    sheet = SHEETS[put.key]
                    if not now_at:
                        raise not_found(sheet, put.record_id)
                    raise StoreError(f"Mã {put.record_id} có ở nhiều dòng của trang "
                                     f"{sheet.title}; chưa lưu gì.")
                next_puts.append(_Put(put.key, put.record_id, now_at[0], put.cells))
            puts = next_puts
            requests_ = [r for p in puts for r in self._put_requests(p)]
        raise StoreError("Bảng tính đang được sắp xếp hoặc chèn dòng liên tục nên ứng dụng chưa "
                         "ghi được đúng dòng; hãy đợi một lát rồi tải lại dữ liệu và thử lại.")

    def _held(self, put: _Put, verdict: _Verdict, copies: list[list[dict[str, Any]]] | None,
              index: int) -> bool:
        """Tell whether a put's row held what the put was meant for when the write landed."""
        if put.record_id:
            return verdict.ids[put.key].get(put.row) == put.record_id
        if copies is None or put.expect is None:
            return True  # a row without id, and nothing to compare it with: assume so
        found, expect = copies[index], put.expect
        return all(_same_cell(_at(found, i), _at(expect, i))
                   for i in range(max(len(found), len(expect))) if i not in put.cells)

    def _put_back(self, put: _Put, hit: str, before: list[dict[str, Any]] | None,
                  tab: _TabRows) -> _Put | None:
        """Return the put that gives a wrongly written row back the cells it had, if known."""
        if before is not None:
            cells = {i: _restorable(_at(before, i)) for i in put.cells}
            return _Put(put.key, hit, put.row, cells, RESTORE_FIELDS, restores=True,
                        expect=None if hit else before)
        if hit and hit in tab.ids:
            raw = tab.raw(tab.ids[hit][0])
            old = {i: raw[i] if i < len(raw) else None for i in put.cells}
            cells = {i: {} if is_blank(v) else {"userEnteredValue": extended_value(v)}
                     for i, v in old.items()}
            return _Put(put.key, hit, put.row, cells, "userEnteredValue", restores=True)
        return None

    def _undo_audit(self, put: _Put, actor: str) -> None:
        """Say in the audit that the app's earlier row for this record did not take effect."""
        sheet = SHEETS[put.key]
        row = audit_record(AuditAction.HUY, sheet, put.record_id, actor, None, None)
        layouts, requests_ = self._prepare(["audit"])
        # A failure here is not reported: the error the person sees already says it all.
        with suppress(StoreError):
            self._commit(layouts, requests_ + self._append_requests("audit", layouts["audit"],
                                                                    [row]))

    def _damaged(self, put: _Put, hit: str, actor: str) -> StoreError:
        """Build the error for a write that landed in a row the app had not read (and say so)."""
        sheet = SHEETS[put.key]
        self._undo_audit(put, actor)
        columns = ", ".join(f"“{h}”" for h in
                            [self._layouts[put.key].header[i] for i in sorted(put.cells)
                             if i < len(self._layouts[put.key].header)])
        what = f"dòng có mã {hit}" if hit else "một dòng mới chưa có mã"
        return StoreError(
            f"Trong lúc lưu, ai đó đã chèn hoặc sắp xếp lại trang {sheet.title}, nên ứng dụng đã "
            f"ghi nhầm vào dòng {put.row} ({what}), cột {columns}. Hãy mở dòng đó trong bảng "
            "tính, dùng “Lịch sử chỉnh sửa” (Edit history) để lấy lại giá trị cũ, rồi tải lại dữ "
            f"liệu và lưu lại {sheet.noun} {put.record_id}.")

    def delete(self, sheet_key: str, record_id: str, expected: Mapping[str, Any],
               actor: str) -> None:
        """Delete one row if it still holds what the person saw; audit in the same request.

        The batch first copies the row aside, and its reply lists the tab's ids as the delete
        left them. If the record is still there, another row was deleted: it is put back where
        it was, exactly as copied, and the record's row is deleted where it is now.
        """
        sheet = SHEETS[sheet_key]
        with self.client.budget(), self._writing:
            current = self._read_rows([sheet_key])
            tab = current[sheet_key]
            number, record = tab.one(record_id)
            if changed := changed_columns(sheet, record, expected):
                raise conflict(sheet, changed)
            layouts, requests_ = self._prepare([sheet_key, "audit"], {sheet_key: tab.layout})
            sheet_id = self._tab(sheet_key).sheet_id
            audit = audit_record(AuditAction.XOA, sheet, record_id, actor, record, None)
            before = [*requests_, *self._append_requests("audit", layouts["audit"], [audit])]
            order = [i for i, _ in sorted(((i, n[0]) for i, n in tab.ids.items()),
                                          key=lambda item: item[1])]
            requests_ = [_delete_row(sheet_id, number)]
            for _round in range(VERIFY_ROUNDS):
                put = _Put(sheet_key, record_id, number, {})
                verdict, copies = self._send_checked(requests_, [put], layouts, before=before)
                before = []
                self._commit_layouts(layouts)
                id_at = layouts[sheet_key].positions[ID]
                if copies is not None:
                    if _cell_text(_at(copies[0], id_at)) == record_id:
                        break  # the row removed was the record's, as its copy shows
                    verdict = self._everywhere(verdict, [sheet_key], layouts)
                now_at = {v: k for k, v in verdict.ids[sheet_key].items()}
                if copies is None and record_id not in now_at:
                    break
                if record_id not in now_at and copies is not None:
                    # Someone deleted the record meanwhile, and the app another row: put it back.
                    self.batch_update([{"insertDimension": {
                        "range": {"sheetId": sheet_id, "dimension": "ROWS",
                                  "startIndex": number - 1, "endIndex": number},
                        "inheritFromBefore": False}},
                        self._paste_back(copies[0], sheet_id, number)])
                    self._undo_audit(put, actor)
                    raise not_found(sheet, record_id)
                # Another row was deleted: put it back as it was, then aim at the record again.
                if copies is not None:
                    restore = [{"insertDimension": {
                        "range": {"sheetId": sheet_id, "dimension": "ROWS",
                                  "startIndex": number - 1, "endIndex": number},
                        "inheritFromBefore": False}},
                        self._paste_back(copies[0], sheet_id, number)]
                else:
                    gone = self._deleted_instead(order, now_at, number, record_id)
                    if gone is None:
                        raise self._damaged(put, "", actor)
                    restore = [{"insertDimension": {
                        "range": {"sheetId": sheet_id, "dimension": "ROWS",
                                  "startIndex": number - 1, "endIndex": number},
                        "inheritFromBefore": number > layouts[sheet_key].row + 1}},
                        self._paste_back([{"userEnteredValue": extended_value(c)}
                                          if not is_blank(c) else {}
                                          for c in tab.raw(tab.ids[gone][0])],
                                         sheet_id, number, fields="userEnteredValue")]
                target = now_at[record_id] + (1 if now_at[record_id] >= number else 0)
                before = restore
                requests_ = [_delete_row(sheet_id, target)]
                number = target
            else:
                raise StoreError("Bảng tính đang được sắp xếp hoặc chèn dòng liên tục nên ứng "
                                 "dụng chưa xóa được đúng dòng; hãy đợi một lát rồi thử lại.")
        self._written([Written(sheet_key, deleted=(record_id,))])

    @staticmethod
    def _paste_back(cells: Sequence[Mapping[str, Any]], sheet_id: int, number: int,
                    fields: str = RESTORE_FIELDS) -> dict[str, Any]:
        """Return the request that writes a whole row back as it was."""
        values = [_restorable(c) if fields == RESTORE_FIELDS else dict(c) for c in cells]
        return {"updateCells": {
            "range": {"sheetId": sheet_id, "startRowIndex": number - 1, "endRowIndex": number,
                      "startColumnIndex": 0, "endColumnIndex": max(len(values), 1)},
            "rows": [{"values": values or [{}]}], "fields": fields}}

    @staticmethod
    def _deleted_instead(order: Sequence[str], now_at: Mapping[str, int], number: int,
                         record_id: str) -> str | None:
        """Return the id of the row a delete removed instead of its record, if it can be told.

        Rows below a deleted one move up by one, so the removed row is the one whose next
        surviving row (in the order the delete read) now sits at the deleted row's number.
        """
        gone = [i for i in order if i not in now_at and i != record_id]
        if len(gone) == 1:
            return gone[0]
        for index, candidate in enumerate(order):
            if candidate not in gone:
                continue
            after = next((i for i in order[index + 1:] if i in now_at), None)
            if after is not None and now_at[after] == number:
                return candidate
        return None

    def load(self, data: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        """Append records in bulk, every tab in one batchUpdate, without audit rows."""
        with self.client.budget(), self._writing:
            layouts, requests_ = self._prepare(data.keys())
            requests_ += self.load_requests(layouts, data)
            self._commit(layouts, requests_)

    def load_requests(self, layouts: Mapping[str, Layout],
                      data: Mapping[str, Sequence[Mapping[str, Any]]],
                      sheet_ids: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
        """Return the appendCells requests that bulk-load records (ids given where missing).

        `sheet_ids` names tabs the same batch creates, which the metadata does not know yet.
        """
        requests_: list[dict[str, Any]] = []
        for key, records in data.items():
            sheet = SHEETS[key]
            rows = with_ids(sheet, records)
            requests_ += self._append_requests(key, layouts[key], rows,
                                               (sheet_ids or {}).get(key))
        return requests_


def _delete_row(sheet_id: int, number: int) -> dict[str, Any]:
    return {"deleteDimension": {"range": {"sheetId": sheet_id, "dimension": "ROWS",
                                          "startIndex": number - 1, "endIndex": number}}}


def _at(cells: Sequence[dict[str, Any]], index: int) -> dict[str, Any]:
    return cells[index] if index < len(cells) else {}


def _restorable(cell: Mapping[str, Any]) -> dict[str, Any]:
    """Return the part of a copied CellData that a put-back writes (value and format)."""
    out: dict[str, Any] = {}
    if cell.get("userEnteredValue"):
        out["userEnteredValue"] = cell["userEnteredValue"]
    if cell.get("userEnteredFormat"):
        out["userEnteredFormat"] = cell["userEnteredFormat"]
    return out


def _same_cell(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return (a or {}).get("userEnteredValue") == (b or {}).get("userEnteredValue")


def _reply_rows(reply: Mapping[str, Any], sheet_id: int,
                count: int) -> list[list[dict[str, Any]]] | None:
    """Return the first rows of a tab as a write's reply carries them (None if it does not)."""
    for entry in reply.get("updatedSpreadsheet", {}).get("sheets", []) or []:
        if int(entry.get("properties", {}).get("sheetId", -1)) != sheet_id:
            continue
        if "data" not in entry:
            return None
        # A blank row copied comes back with no rowData: blank cells, not a missing answer.
        rows: list[list[dict[str, Any]]] = [[] for _ in range(count)]
        for data in entry.get("data", []) or []:
            start, column = int(data.get("startRow", 0)), int(data.get("startColumn", 0))
            for index, row in enumerate(data.get("rowData", []) or []):
                if 0 <= start + index < count:
                    values = (row or {}).get("values", []) or []
                    rows[start + index] = [{}] * column + [v or {} for v in values]
        return rows
    return None


def _reply_columns(reply: Mapping[str, Any], sheet_id: int) -> dict[int, dict[int, Any]] | None:
    """Return the cells a write's reply carries for one tab: column -> sheet row -> text."""
    for entry in reply.get("updatedSpreadsheet", {}).get("sheets", []) or []:
        if int(entry.get("properties", {}).get("sheetId", -1)) != sheet_id or not entry.get("data"):
            continue
        out: dict[int, dict[int, Any]] = {}
        for data in entry["data"]:
            column = int(data.get("startColumn", 0))
            start = int(data.get("startRow", 0))
            for index, row in enumerate(data.get("rowData", []) or []):
                for offset, cell in enumerate((row or {}).get("values", []) or []):
                    if text := _cell_text(cell):
                        out.setdefault(column + offset, {})[start + index + 1] = text
        return out
    return None


def _cell_text(cell: Mapping[str, Any]) -> str:
    """Return the text of a CellData as the id column holds it."""
    for source in ("effectiveValue", "userEnteredValue"):
        value = (cell or {}).get(source) or {}
        for kind in ("stringValue", "numberValue", "boolValue"):
            if kind in value:
                found = value[kind]
                if isinstance(found, float) and found.is_integer():
                    found = int(found)
                return nfc(str(found)).strip()
    return nfc(str((cell or {}).get("formattedValue", ""))).strip()
