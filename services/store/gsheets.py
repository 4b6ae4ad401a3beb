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
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

import requests
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
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
from services.schema import ARCHIVED, ID, SHEETS, Column, Record, Sheet
from services.store.base import (
    BackendUnavailable,
    SetupError,
    Store,
    StoreError,
    audit_record,
    changed_columns,
    conflict,
    not_found,
    with_ids,
)
from services.text import header_key, nfc
from services.validation import (
    Problem,
    RawTable,
    Severity,
    Snapshot,
    match_header,
    parse_values,
    validate_snapshot,
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
WRITE_UNKNOWN = ("Google Sheets không trả lời kịp nên không rõ lần lưu vừa rồi đã được ghi hay "
                 "chưa. Dữ liệu bạn đã nhập vẫn còn trong biểu mẫu: hãy bấm “Làm mới dữ liệu”, "
                 "kiểm tra bảng, rồi chỉ lưu lại nếu bản ghi chưa có (tránh ghi trùng).")
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


_RETRY_STATUSES = frozenset({408, 429})


def _retryable(error: BaseException) -> bool:
    if isinstance(error, APIError):
        return error.code in _RETRY_STATUSES or error.code >= 500
    from google.auth.exceptions import TransportError

    # What reaches here from a write was never sent (refused, connect timeout, token fetch).
    return isinstance(error, (requests.Timeout, requests.ConnectionError, TransportError))


class SheetsHTTPClient(HTTPClient):
    """gspread's HTTP client with a base URL, a per-request timeout and bounded retries."""

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
        if self.base_url and _is_loopback(self.base_url):
            # A local fake or proxy: HTTP(S)_PROXY from the environment must not intercept it.
            self.session.trust_env = False

    def request(self, method: str, endpoint: str, params: Any = None, data: Any = None,
                json: Any = None, files: Any = None, headers: Any = None) -> requests.Response:
        """Send one API call, retrying overload answers until the attempts or deadline run out."""
        url = rewrite_google_url(endpoint, self.base_url) if self.base_url else endpoint
        idempotent = method.upper() == "GET"
        started = time.monotonic()
        retrying = Retrying(
            stop=stop_after_attempt(self.policy.attempts) | stop_before_delay(self.deadline),
            wait=wait_random_exponential(multiplier=self.policy.first_wait,
                                         max=self.policy.max_wait),
            retry=retry_if_exception(_retryable),
            sleep=self.sleep,
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                # Never wait on one request past the overall deadline.
                left = self.deadline - (time.monotonic() - started)
                timeout = max(0.1, min(self.request_timeout, left))
                try:
                    response = self.session.request(method=method, url=url, params=params,
                                                    data=data, json=json, files=files,
                                                    headers=headers, timeout=timeout)
                except (requests.Timeout, requests.ConnectionError) as err:
                    if idempotent or _never_sent(err):
                        raise
                    # The write may have been applied; sending it again could add a second row.
                    raise WriteOutcomeUnknown(str(err)) from err
                if not response.ok:
                    raise APIError(response)
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


@dataclass(frozen=True)
class Layout:
    """Where a tab's columns are, as its header row says."""

    header: tuple[str, ...]
    positions: Mapping[str, int]

    @classmethod
    def of(cls, sheet: Sheet, header: Sequence[Any]) -> Layout:
        """Match a header row to the schema."""
        texts = tuple(nfc(str(h)) if h is not None else "" for h in header)
        positions, _extra, _problems = match_header(sheet, texts)
        return cls(texts, positions)

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
        return Layout(tuple(header), positions)


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


@dataclass
class _Row:
    """A row found by id at write time."""

    number: int  # as the sheet shows it (1 = header)
    record: Record


class GSheetsStore(Store):
    """Every sheet a tab of one Google spreadsheet."""

    backend: ClassVar[str] = "gsheets"

    def __init__(self, client: SheetsHTTPClient, spreadsheet_id: str, *,
                 account: str = "") -> None:
        self.client = client
        self.spreadsheet_id = spreadsheet_id
        self.account = account
        self._meta: Metadata | None = None
        self._meta_at = 0.0
        self._layouts: dict[str, Layout] = {}
        self._state = threading.RLock()
        # Writes from the sessions of one process go one at a time: an update's read-check-
        # write then cannot interleave with another write of this app.
        self._writing = threading.Lock()

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
        store.metadata()
        return store

    # ---- requests, with errors translated at this boundary --------------------------------

    def _call(self, send: Callable[[], Any], *, write: bool) -> Any:
        try:
            return send()
        except WriteOutcomeUnknown as err:
            raise BackendUnavailable(WRITE_UNKNOWN) from err
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
            return StoreError("Google Sheets từ chối thao tác ghi (có thể cấu trúc bảng tính vừa "
                              "bị thay đổi); chưa lưu gì. Hãy tải lại dữ liệu rồi thử lại.")
        return StoreError("Google Sheets từ chối yêu cầu đọc dữ liệu; hãy tải lại dữ liệu rồi "
                          "thử lại. Nếu lỗi còn, chạy “Chuẩn bị bảng tính” (setup-sheet).")

    def batch_update(self, requests_: list[dict[str, Any]]) -> Any:
        """Send these requests in one atomic spreadsheets:batchUpdate (nothing when empty)."""
        if not requests_:
            return {}
        return self._call(lambda: self.client.batch_update(self.spreadsheet_id,
                                                           {"requests": requests_}), write=True)

    def grid(self, ranges: list[str], fields: str) -> Mapping[str, Any]:
        """Return cell formats and rules of these ranges (spreadsheets.get with grid data)."""
        params = {"includeGridData": "true", "ranges": ranges, "fields": fields}
        return self._call(lambda: self.client.fetch_sheet_metadata(self.spreadsheet_id,
                                                                   params=params), write=False)

    def _batch_get(self, ranges: list[str]) -> list[list[list[Any]]]:
        params = {"valueRenderOption": "UNFORMATTED_VALUE",
                  "dateTimeRenderOption": "SERIAL_NUMBER", "majorDimension": "ROWS"}
        body = self._call(lambda: self.client.values_batch_get(self.spreadsheet_id, ranges,
                                                               dict(params)), write=False)
        return [r.get("values", []) for r in body.get("valueRanges", [])]

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

    def remember_header(self, sheet_key: str, header: Sequence[Any]) -> Layout:
        """Record a tab's header row as just read or written."""
        layout = Layout.of(SHEETS[sheet_key], header)
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
            rows = self._batch_get([f"{quote_title(tabs[k].title)}!1:1" for k in unknown])
            for key, values in zip(unknown, rows, strict=True):
                self.remember_header(key, values[0] if values else [])
        with self._state:
            return {k: self._layouts[k] for k in keys}

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

    def tab_values(self) -> dict[str, list[list[Any]]]:
        """Return the raw rows of every tab the schema declares (header included), one read."""
        meta = self._metadata_for_read()
        present = [k for k in SHEETS if k in meta.tabs]
        values = self._batch_get([quote_title(meta.tabs[k].title) for k in present])
        return dict(zip(present, values, strict=True))

    def _read(self) -> tuple[dict[str, RawTable], list[str]]:
        try:
            values = self.tab_values()
        except (BackendUnavailable, SetupError):
            raise
        except StoreError:
            # A tab renamed or deleted since the metadata was fetched: fetch it once more.
            self.forget()
            values = self.tab_values()
        out: dict[str, RawTable] = {}
        for key, rows in values.items():
            sheet = SHEETS[key]
            if not rows or all(is_blank(c) for c in rows[0]):
                # A tab with no header yet: it holds nothing the app can read.
                out[key] = RawTable(sheet.headers, [])
                continue
            layout = self.remember_header(key, rows[0])
            out[key] = RawTable(list(layout.header), rows[1:], first_row=2)
        missing = [k for k in SHEETS if k not in out]
        for key in missing:
            out[key] = RawTable(SHEETS[key].headers, [])
        return out, missing

    def read(self) -> dict[str, RawTable]:
        """Read every tab in one request, unformatted, with dates as serial numbers."""
        return self._read()[0]

    def snapshot(self) -> Snapshot:
        """Validate every tab; a missing tab is an empty table and a reported problem."""
        raw, missing = self._read()
        snapshot = validate_snapshot(raw)
        for key in missing:
            sheet = SHEETS[key]
            snapshot.tables[key].problems.insert(0, Problem(
                key, None, "", None,
                f"Bảng tính chưa có trang “{sheet.title}”; hãy chạy “Chuẩn bị bảng tính” "
                "(python -m services.cli setup-sheet) để tạo.", Severity.WARNING))
        return snapshot

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
            "range": {"sheetId": tab.sheet_id, "startRowIndex": 0, "endRowIndex": 1,
                      "startColumnIndex": layout.width, "endColumnIndex": wider.width},
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

    def _commit(self, layouts: Mapping[str, Layout], requests_: list[dict[str, Any]]) -> None:
        self.batch_update(requests_)
        with self._state:
            self._layouts.update(layouts)
            if self._meta is not None:
                for key, layout in layouts.items():
                    tab = self._meta.tabs.get(key)
                    if tab is not None and layout.width > tab.columns:
                        self._meta.tabs[key] = Tab(tab.key, tab.title, tab.sheet_id, tab.rows,
                                                   layout.width)

    def _prepare(self, keys: Iterable[str]) -> tuple[dict[str, Layout], list[dict[str, Any]]]:
        layouts, requests_ = {}, []
        for key, layout in self._layouts_for(keys).items():
            if layout.width == 0:
                # An empty tab: the schema's header goes in row 1 first (nothing is overwritten).
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
            "range": {"sheetId": tab.sheet_id, "startRowIndex": 0, "endRowIndex": 1,
                      "startColumnIndex": 0, "endColumnIndex": layout.width},
            "rows": [{"values": [header_cell(h) for h in layout.header]}],
            "fields": HEADER_FIELDS,
        }})
        return requests_

    # ---- writing --------------------------------------------------------------------------

    def append(self, sheet_key: str, records: Sequence[Mapping[str, Any]], actor: str) -> list[
        Record
    ]:
        """Append the records and their audit rows in one batchUpdate (no read when warm)."""
        sheet = SHEETS[sheet_key]
        stored = with_ids(sheet, records)
        audits = [audit_record(AuditAction.THEM, sheet, r[ID], actor, None, r) for r in stored]
        with self._writing:
            layouts, requests_ = self._prepare([sheet_key, "audit"])
            requests_ += self._append_requests(sheet_key, layouts[sheet_key], stored)
            requests_ += self._append_requests("audit", layouts["audit"], audits)
            self._commit(layouts, requests_)
        return stored

    def _rows_by_id(self, sheet_key: str) -> tuple[Layout, dict[str, list[_Row]]]:
        """Read the tab (and the audit header) now, and index its rows by id: one read."""
        sheet = SHEETS[sheet_key]
        tab, audit = self._tab(sheet_key), self._tab("audit")
        values, audit_header = self._batch_get([quote_title(tab.title),
                                                f"{quote_title(audit.title)}!1:1"])
        self.remember_header("audit", audit_header[0] if audit_header else [])
        layout = self.remember_header(sheet_key, values[0] if values else [])
        if layout.width == 0:
            return layout, {}  # an empty tab: the record is simply not there
        if ID not in layout.positions:
            raise SetupError(
                f"Trang “{tab.title}” không có cột “{sheet.column(ID).header}” nên ứng dụng không "
                "tìm được bản ghi để sửa; hãy chạy “Chuẩn bị bảng tính” (setup-sheet).")
        rows: dict[str, list[_Row]] = {}
        id_at = layout.positions[ID]
        for number, cells in enumerate(values[1:], start=2):
            raw_id = cells[id_at] if id_at < len(cells) else None
            if is_blank(raw_id):
                continue
            found = {k: cells[i] if i < len(cells) else None for k, i in layout.positions.items()}
            record, _problems = parse_values(sheet, found, number, present=layout.positions)
            if record.get(ID):
                rows.setdefault(record[ID], []).append(_Row(number, record))
        return layout, rows

    @staticmethod
    def _one(sheet: Sheet, rows: Mapping[str, list[_Row]], record_id: str) -> _Row:
        found = rows.get(record_id, [])
        if not found:
            raise not_found(sheet, record_id)
        if len(found) > 1:
            numbers = ", ".join(str(r.number) for r in found)
            raise StoreError(
                f"Mã {record_id} có ở nhiều dòng ({numbers}) của trang {sheet.title}; chưa lưu gì. "
                "Hãy sửa trong bảng tính để mỗi mã chỉ ở một dòng, rồi thử lại.")
        return found[0]

    def update_many(self, sheet_key: str,
                    updates: Sequence[tuple[str, Mapping[str, Any], Mapping[str, Any]]],
                    actor: str) -> list[Record]:
        """Check every row, then write only the changed cells and the audit rows at once."""
        sheet = SHEETS[sheet_key]
        with self._writing:
            _, rows = self._rows_by_id(sheet_key)
            # Known now (just read): widened with any column the schema has and the tab lacks.
            layouts, requests_ = self._prepare([sheet_key, "audit"])
            layout = layouts[sheet_key]
            tab = self._tab(sheet_key)
            audits, out = [], []
            for record_id, changes, expected in updates:
                row = self._one(sheet, rows, record_id)
                current = row.record
                if changed := changed_columns(sheet, current, expected):
                    raise conflict(sheet, changed)
                changes = {k: v for k, v in changes.items() if sheet.has(k) and k != ID}
                after = {**current, **changes}
                keys = [k for k in changes if not sheet.column(k).type.same(current.get(k),
                                                                            changes[k])]
                requests_ += _cell_runs(sheet, layout, tab.sheet_id, row.number, after, keys)
                action = AuditAction.LUU_TRU if ARCHIVED in changes else AuditAction.SUA
                audits.append(audit_record(action, sheet, record_id, actor, current, after))
                out.append(after)
            requests_ += self._append_requests("audit", layouts["audit"], audits)
            self._commit(layouts, requests_)
        return out

    def delete(self, sheet_key: str, record_id: str, expected: Mapping[str, Any],
               actor: str) -> None:
        """Delete one row if it still holds what the person saw; audit in the same request."""
        sheet = SHEETS[sheet_key]
        with self._writing:
            _, rows = self._rows_by_id(sheet_key)
            row = self._one(sheet, rows, record_id)
            if changed := changed_columns(sheet, row.record, expected):
                raise conflict(sheet, changed)
            layouts, requests_ = self._prepare(["audit"])
            requests_.append({"deleteDimension": {"range": {
                "sheetId": self._tab(sheet_key).sheet_id, "dimension": "ROWS",
                "startIndex": row.number - 1, "endIndex": row.number}}})
            audit = audit_record(AuditAction.XOA, sheet, record_id, actor, row.record, None)
            requests_ += self._append_requests("audit", layouts["audit"], [audit])
            self._commit(layouts, requests_)

    def load(self, data: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        """Append records in bulk, every tab in one batchUpdate, without audit rows."""
        with self._writing:
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


def _cell_runs(sheet: Sheet, layout: Layout, sheet_id: int, row: int, record: Mapping[str, Any],
               keys: Iterable[str]) -> list[dict[str, Any]]:
    """Return updateCells requests for these cells of one row, one per run of adjacent cells."""
    at = sorted((layout.positions[k], k) for k in keys)
    requests_: list[dict[str, Any]] = []
    run: list[tuple[int, str]] = []
    for position, key in [*at, (-2, "")]:
        if run and position != run[-1][0] + 1:
            requests_.append({"updateCells": {
                "range": {"sheetId": sheet_id, "startRowIndex": row - 1, "endRowIndex": row,
                          "startColumnIndex": run[0][0], "endColumnIndex": run[-1][0] + 1},
                "rows": [{"values": [cell_data(sheet.column(k), record.get(k)) for _, k in run]}],
                "fields": CELL_FIELDS,
            }})
            run = []
        if key:
            run.append((position, key))
    return requests_

