"""The upper level's roll-up: every ward's figures side by side, read within Google's quota.

Reading. One `Rollup` per process holds each ward's store and its last good snapshot. A page
view asks for the wards whose snapshot is older than the TTL (`upper.toml` `cache_ttl`, 10
minutes by default) to be read again, in a thread pool, and waits for them at most the deadline
(`DANVAN_DEADLINE`); a read still running then lands for the next view. Every Google Sheets
request of every ward passes one token bucket (`RateLimiter`), so 100 wards never send more than
the service account's reads a minute (`reads_per_minute`, 60 by default): a cold start of 100
spreadsheets is spread over a few minutes instead of being refused. A ward that fails (not
shared, not found, quota, broken headers, a database file missing) keeps its last good snapshot,
shown as stale with the reason and the time it was read; the other wards are unaffected. The
roll-up only reads: it never writes to a ward's store (not even the outside-change list).

Figures. Each ward's figures are `services.dashboard.build` of its snapshot, the function the
ward's own dashboard uses, for the upper level's working year: the same numbers as the ward sees.
They are computed once per snapshot, year and day; the roll-up's tables (`RollupView`) once per
set of snapshots, so a click that reads nothing recomputes nothing.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd

from services import dashboard as board
from services import progress
from services.config import Settings
from services.store.base import Store, StoreError
from services.text import natural_key
from services.upper import Upper, Ward, load_upper
from services.validation import Severity, Snapshot

Clock = Callable[[], float]
Sleep = Callable[[float], None]

MIN_REFRESH_AGE = 60.0  # seconds: "Làm mới" re-reads only wards read longer ago than this


# --- the quota: one token bucket for every ward's requests ---------------------------------


class RateLimiter:
    """A token bucket: at most `burst + rate × T` requests in any T seconds.

    Built from a per-minute quota with room to spare: the bucket holds `burst` tokens and refills
    so that a full minute of use stays below the quota even when requests reach Google a little
    after their token was taken. `clock` and `sleep` are injectable, so a test can simulate
    minutes of use without waiting.
    """

    def __init__(self, per_minute: int, *, clock: Clock = time.monotonic,
                 sleep: Sleep = time.sleep) -> None:
        self.per_minute = per_minute
        self.burst = max(1, per_minute // 12)
        self.rate = max(per_minute * 0.85 - self.burst, 1.0) / 60.0  # tokens per second
        self.clock, self.sleep = clock, sleep
        self._tokens = float(self.burst)
        self._at = clock()
        self._lock = threading.Lock()
        self._sent: deque[float] = deque(maxlen=100_000)

    def acquire(self) -> None:
        """Wait until a request may be sent, then count it."""
        while True:
            with self._lock:
                now = self.clock()
                self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
                self._at = now
                if self._tokens >= 1.0 - 1e-9:  # rounding must not leave a token unspent
                    self._tokens = max(self._tokens - 1.0, 0.0)
                    self._sent.append(now)
                    return
                wait = max((1.0 - self._tokens) / self.rate, 0.001)
            self.sleep(wait)

    def sent(self) -> list[float]:
        """Return when each request was let through (the clock's seconds), oldest first."""
        with self._lock:
            return list(self._sent)

    def busiest_minute(self) -> int:
        """Return the most requests let through in any 60 seconds."""
        times, best, first = self.sent(), 0, 0
        for last, moment in enumerate(times):
            while moment - times[first] >= 60.0:
                first += 1
            best = max(best, last - first + 1)
        return best


def _quota_session(credentials: Any, limiter: RateLimiter, counter: list[int]) -> Any:
    """Return an authorised HTTP session that takes a token before every request it sends."""
    from google.auth.transport.requests import AuthorizedSession
    from gspread.utils import convert_credentials

    class QuotaSession(AuthorizedSession):
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            limiter.acquire()
            counter[0] += 1
            return super().request(method, url, *args, **kwargs)

    return QuotaSession(convert_credentials(credentials))


# --- one ward's state ----------------------------------------------------------------------


class WardStatus(StrEnum):
    """How far a ward's data can be trusted on the screen."""

    DA_DOC = "Đã đọc"
    DANG_DOC = "Đang đọc"
    DU_LIEU_CU = "Dữ liệu cũ"
    KHONG_DOC_DUOC = "Không đọc được"


@dataclass
class WardState:
    """A ward's last good snapshot, the last failure, and the figures computed from it."""

    ward: Ward
    snapshot: Snapshot | None = None
    loaded_at: float | None = None  # the limiter's clock at the last good read
    error: str = ""  # why the last read failed ("" when it did not)
    failed_at: datetime | None = None
    reading: Future[None] | None = None
    requests: int = 0  # Google Sheets requests this ward's reads have cost
    _figures: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False)

    @property
    def read_at(self) -> datetime | None:
        """Return when the snapshot shown was read (Vietnam time)."""
        return self.snapshot.read_at if self.snapshot is not None else None

    @property
    def busy(self) -> bool:
        """Tell whether a read is running."""
        return self.reading is not None and not self.reading.done()

    def status(self, now: float, ttl: float) -> WardStatus:
        """Say whether the ward's figures are current, stale, coming, or missing."""
        if self.snapshot is None:
            return WardStatus.DANG_DOC if self.busy or not self.error else (
                WardStatus.KHONG_DOC_DUOC)
        if self.error or (self.loaded_at is not None and now - self.loaded_at > ttl
                          and not self.busy):
            return WardStatus.DU_LIEU_CU
        return WardStatus.DA_DOC

    def dashboard(self, year: int, today: date) -> board.Dashboard | None:
        """Return the ward's dashboard figures (as its own dashboard computes them), memoised."""
        snapshot = self.snapshot
        if snapshot is None:
            return None
        key = ("dashboard", id(snapshot), year, today)
        if key not in self._figures:
            self._forget(snapshot)
            self._figures[key] = board.build(snapshot, year, today)
        return self._figures[key]

    def indicators(self, year: int) -> board.IndicatorView | None:
        """Return every indicator of the ward judged in a year, memoised."""
        snapshot = self.snapshot
        if snapshot is None:
            return None
        key = ("indicators", id(snapshot), year)
        if key not in self._figures:
            self._forget(snapshot)
            self._figures[key] = board.build_indicator_view(snapshot, year)
        return self._figures[key]

    def _forget(self, snapshot: Snapshot) -> None:
        """Drop figures of an earlier snapshot."""
        for key in [k for k in self._figures if k[1] != id(snapshot)]:
            del self._figures[key]


# --- reading the wards ---------------------------------------------------------------------


def _sheets_reason(err: BaseException) -> str | None:
    """Say in the roll-up's words why Google refused a ward's spreadsheet, from the API code."""
    from gspread.exceptions import APIError

    cause: BaseException | None = err
    while cause is not None and not isinstance(cause, APIError):
        cause = cause.__cause__
    if cause is None:
        return None
    code = cause.code
    if code == 403:
        return ("Bảng tính chưa được chia sẻ với tài khoản dịch vụ của cấp trên (Google trả lời "
                "403): nhờ xã, phường bấm “Chia sẻ” và thêm tài khoản đó với quyền Người xem.")
    if code == 404:
        return ("Không tìm thấy bảng tính (Google trả lời 404): kiểm tra sheet_key của xã, phường "
                "này trong tệp cấu hình cấp trên.")
    if code == 429:
        return ("Google Sheets báo vượt hạn mức đọc (429); sẽ đọc lại ở lần tải sau.")
    return None


def structural_problem(snapshot: Snapshot) -> str | None:
    """Return why a snapshot cannot be rolled up (a tab whose header is gone), if it cannot."""
    for table in snapshot.tables.values():
        for problem in table.problems:
            if problem.severity == Severity.ERROR and problem.row is None and not problem.column:
                return f"Bảng tính có lỗi cấu trúc: {problem.text()}"
    return None


class Rollup:
    """Every ward's store and last good snapshot, read in parallel within the quota."""

    def __init__(self, upper: Upper, settings: Settings, *, clock: Clock = time.monotonic,
                 sleep: Sleep = time.sleep, limiter: RateLimiter | None = None,
                 ttl: float | None = None) -> None:
        self.upper = upper
        self.settings = settings
        self.clock = clock
        self.ttl = float(upper.cache_ttl if ttl is None else ttl)
        self.limiter = limiter or RateLimiter(upper.reads_per_minute, clock=clock, sleep=sleep)
        self.states = {w.name: WardState(w) for w in upper.wards}
        self._stores: dict[str, Store] = {}
        self._lock = threading.RLock()
        self._pool = ThreadPoolExecutor(max_workers=upper.workers,
                                        thread_name_prefix="rollup-ward")
        self._view: tuple[tuple[Any, ...], RollupView] | None = None

    @property
    def year(self) -> int:
        """Return the working year of the roll-up (the file's `year`, else DANVAN_YEAR)."""
        return self.upper.year or self.settings.year

    # ---- opening and reading one ward ------------------------------------------------------

    def _open(self, ward: Ward, counter: list[int]) -> Store:
        store = self._stores.get(ward.name)
        if store is not None:
            return store
        if ward.sheet_key:
            from services.store.gsheets import (
                GSheetsStore,
                SheetsHTTPClient,
                credentials_from_settings,
                spreadsheet_key,
            )

            creds, account = credentials_from_settings(self.settings)
            client = SheetsHTTPClient(
                creds, _quota_session(creds, self.limiter, counter),
                base_url=self.settings.sheets_api_url, timeout=self.settings.request_timeout,
                deadline=self.settings.deadline)
            store = GSheetsStore(client, spreadsheet_key(ward.sheet_key), account=account)
            with client.budget():
                store.metadata()
        else:
            from services.store.sql import SqlStore

            if ward.db_url.startswith("sqlite:///"):
                path = Path(ward.db_url.removeprefix("sqlite:///"))
                if not path.is_file():
                    raise StoreError(f"Không tìm thấy tệp cơ sở dữ liệu “{path}” của xã, phường "
                                     "này; kiểm tra db_url trong tệp cấu hình cấp trên.")
            store = SqlStore(ward.db_url)
        self._stores[ward.name] = store
        return store

    def _read(self, state: WardState) -> None:
        """Read one ward (in a worker thread); keep the last good snapshot when it fails."""
        counter = [0]
        try:
            store = self._open(state.ward, counter)
            snapshot = store.snapshot()
            if (problem := structural_problem(snapshot)) is not None:
                raise StoreError(problem)
        except Exception as err:  # any failure of one ward stays that ward's
            reason = _sheets_reason(err) or (str(err) if isinstance(err, StoreError) else (
                f"Không đọc được dữ liệu ({type(err).__name__}); sẽ thử lại ở lần tải sau."))
            with self._lock:
                state.error, state.failed_at = reason, _now()
                state.requests += counter[0]
            return
        with self._lock:
            state.snapshot, state.loaded_at, state.error = snapshot, self.clock(), ""
            state.requests += counter[0]
        state.dashboard(self.year, _today())  # the first page view finds the figures ready

    # ---- what a page view calls ------------------------------------------------------------

    def due(self) -> list[WardState]:
        """Return the wards to read now: never read, failed, or older than the TTL."""
        now = self.clock()
        return [s for s in self.states.values() if not s.busy and (
            s.snapshot is None or s.error or s.loaded_at is None or now - s.loaded_at > self.ttl)]

    def start(self) -> list[Future[None]]:
        """Start reading the wards that are due; return every read still running."""
        with self._lock:
            for state in self.due():
                state.reading = self._pool.submit(self._read, state)
            return [s.reading for s in self.states.values() if s.busy and s.reading is not None]

    def load(self, wait: float | None = None) -> list[WardState]:
        """Read what is due and wait for it, at most `wait` seconds (the deadline by default)."""
        running = self.start()
        if running:
            wait_for(running, timeout=self.settings.deadline if wait is None else wait)
        return list(self.states.values())

    def refresh(self, names: Iterable[str] | None = None,
                min_age: float = MIN_REFRESH_AGE) -> int:
        """Read these wards (all by default) again at the next load; return how many.

        A ward read less than `min_age` seconds ago is left alone, so pressing "Làm mới" again
        and again cannot spend the quota.
        """
        now, marked = self.clock(), 0
        with self._lock:
            for name in names if names is not None else list(self.states):
                state = self.states[name]
                if state.loaded_at is not None and now - state.loaded_at >= min_age:
                    state.loaded_at = now - self.ttl - 1
                    marked += 1
        return marked

    def pending(self) -> int:
        """Return how many wards are being read."""
        return sum(s.busy for s in self.states.values())

    def requests(self) -> int:
        """Return the Google Sheets requests sent so far for every ward."""
        return sum(s.requests for s in self.states.values())

    def view(self, plan_year: int, today: date) -> RollupView:
        """Return every roll-up table of the current snapshots, computed once per set of them."""
        now = self.clock()
        with self._lock:
            states = [replace(s) for s in self.states.values()]  # a consistent copy
            for copy, state in zip(states, self.states.values(), strict=True):
                copy._figures = state._figures
            key = (plan_year, today, self.year, tuple(
                (id(s.snapshot), s.error, s.status(now, self.ttl)) for s in states))
            if self._view is not None and self._view[0] == key:
                return self._view[1]
        made = build_view(states, self.year, plan_year, today, now, self.ttl)
        with self._lock:
            self._view = (key, made)
        return made

    def close(self) -> None:
        """Stop the worker threads and close the stores' connections."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        for store in self._stores.values():
            engine = getattr(store, "engine", None)
            if engine is not None:
                engine.dispose()


def _now() -> datetime:
    from services.clock import now

    return now()


def _today() -> date:
    from services.clock import today

    return today()


# --- the roll-up's tables ------------------------------------------------------------------

WARD, LEVEL, STATUS, READ_AT = "Xã, phường", "Cấp", "Tình trạng dữ liệu", "Đọc lúc"
BEHIND = "Mức chưa đạt (%)"


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def behind_share(model: board.Dashboard) -> float:
    """Return how far behind a ward is: the mean shortfall of the four areas, in %.

    Indicators not met among those with data, units that must register and have not, people
    behind on their branch visits, residential groups without a core-force list. An area with
    nothing to judge counts as not behind.
    """
    f = model.figures
    shares = [(f.indicators_behind, f.indicators_with_data),
              (f.units_not_registered, f.units_must_register),
              (f.attendees_behind, f.attendees), (f.groups_without_list, f.groups)]
    return round(sum(_pct(a, b) or 0.0 for a, b in shares) / len(shares), 1)


@dataclass(frozen=True)
class WardRow:
    """One ward as the roll-up shows it."""

    ward: Ward
    status: WardStatus
    read_at: datetime | None
    error: str
    model: board.Dashboard | None
    indicators: board.IndicatorView | None


@dataclass(frozen=True)
class RollupView:
    """Every roll-up table: each sorted with the wards most behind first."""

    year: int
    plan_year: int
    rows: tuple[WardRow, ...]
    figures: pd.DataFrame
    plan48: pd.DataFrame
    registrations: pd.DataFrame
    not_registered: pd.DataFrame
    attendance: pd.DataFrame
    roster: pd.DataFrame
    unavailable: pd.DataFrame

    @property
    def shown(self) -> int:
        """Return how many wards have figures (current or stale)."""
        return sum(r.model is not None for r in self.rows)

    def tables(self) -> list[tuple[str, str, pd.DataFrame]]:
        """Return (title, file stem, frame) of every table, for downloads and the report."""
        return [
            ("Số liệu chính theo xã, phường", f"tong-hop-so-lieu-chinh-{self.year}",
             self.figures),
            (f"Chỉ tiêu Kế hoạch 48 năm {self.plan_year}", f"tong-hop-chi-tieu-{self.plan_year}",
             self.plan48),
            (f"Đăng ký mô hình “Dân vận khéo” năm {self.year}",
             f"tong-hop-dang-ky-mo-hinh-{self.year}", self.registrations),
            ("Đơn vị chưa đăng ký mô hình", f"tong-hop-don-vi-chua-dang-ky-{self.year}",
             self.not_registered),
            (f"Dự sinh hoạt chi bộ năm {self.year}", f"tong-hop-du-sinh-hoat-{self.year}",
             self.attendance),
            ("Lực lượng nòng cốt", "tong-hop-luc-luong-nong-cot", self.roster),
            ("Xã, phường chưa đọc được dữ liệu", "tong-hop-chua-doc-duoc", self.unavailable),
        ]


def _sorted(frame: pd.DataFrame, by: Sequence[str], ascending: Sequence[bool]) -> pd.DataFrame:
    """Sort the wards, most behind first; the ward's name breaks ties, in natural order."""
    if frame.empty:
        return frame
    keyed = frame.assign(_name=[natural_key(str(n)) for n in frame[WARD]])
    keyed = keyed.sort_values([*by, "_name"], ascending=[*ascending, True],
                              na_position="last", kind="stable")
    return keyed.drop(columns="_name").reset_index(drop=True)


def _head(row: WardRow) -> dict[str, Any]:
    return {WARD: row.ward.name, LEVEL: str(row.ward.level)}


def figures_frame(rows: Sequence[WardRow]) -> pd.DataFrame:
    """Return the dashboard's key figures per ward, the most behind first."""
    out = []
    for row in rows:
        if row.model is None:
            continue
        f = row.model.figures
        out.append({
            **_head(row), BEHIND: behind_share(row.model),
            "Năm chỉ tiêu": f.indicator_year, "Chỉ tiêu đạt": f.indicators_met,
            "Chỉ tiêu có số liệu": f.indicators_with_data,
            "Chỉ tiêu chưa đạt": f.indicators_behind,
            "Chưa có số liệu": f.indicators_unknown,
            "Mô hình đăng ký": f.models_registered,
            "Đơn vị chưa đăng ký": f.units_not_registered if f.has_campaign else None,
            "Đơn vị phải đăng ký": f.units_must_register if f.has_campaign else None,
            "Mô hình quá hạn": f.overdue_results,
            "Chưa dự đủ kỳ": f.attendees_behind, "Người phải dự": f.attendees,
            "Báo cáo trễ": f.late_reports, "Báo cáo chưa gửi": f.missing_reports,
            "TDP chưa có danh sách": f.groups_without_list, "Số TDP": f.groups,
            "Dòng bị bỏ qua": row.model.excluded,
            STATUS: str(row.status), READ_AT: row.read_at,
        })
    columns = [WARD, LEVEL, BEHIND, "Năm chỉ tiêu", "Chỉ tiêu đạt", "Chỉ tiêu có số liệu",
               "Chỉ tiêu chưa đạt", "Chưa có số liệu", "Mô hình đăng ký", "Đơn vị chưa đăng ký",
               "Đơn vị phải đăng ký", "Mô hình quá hạn", "Chưa dự đủ kỳ", "Người phải dự",
               "Báo cáo trễ", "Báo cáo chưa gửi", "TDP chưa có danh sách", "Số TDP",
               "Dòng bị bỏ qua", STATUS, READ_AT]
    return _sorted(pd.DataFrame(out, columns=columns), [BEHIND], [False])


MET, NOT_MET, NO_DATA = "Đạt", "Chưa đạt, chậm", "Chưa có số liệu"


def plan48_frame(rows: Sequence[WardRow], year: int) -> pd.DataFrame:
    """Return wards × indicators: each cell the indicator's status in the year."""
    codes: dict[str, None] = {}
    out = []
    for row in rows:
        if row.indicators is None:
            continue
        line = {**_head(row), MET: row.indicators.met, NOT_MET: row.indicators.behind,
                NO_DATA: row.indicators.unknown}
        for e in row.indicators.evaluations:
            codes.setdefault(e.code, None)
            line[e.code] = e.status.label()
        out.append(line)
    ordered = sorted(codes, key=natural_key)
    frame = pd.DataFrame(out, columns=[WARD, LEVEL, MET, NOT_MET, NO_DATA, *ordered])
    return _sorted(frame, [NOT_MET, NO_DATA], [False, False])


def registrations_frame(rows: Sequence[WardRow]) -> pd.DataFrame:
    """Return each ward's registrations: models, units registered, overdue and late work."""
    out = []
    for row in rows:
        if row.model is None:
            continue
        reg = row.model.registrations
        must = reg.must_register if reg.campaigns else 0
        missing = len(reg.not_registered)
        out.append({**_head(row), "Mô hình đăng ký": reg.total, "Đơn vị phải đăng ký": must,
                    "Đã đăng ký": must - missing, "Chưa đăng ký": missing,
                    "Tỷ lệ đã đăng ký (%)": _pct(must - missing, must),
                    "Quá hạn báo cáo kết quả": len(reg.overdue),
                    "Đăng ký, báo cáo muộn": len(reg.late),
                    "Đợt thi đua": "; ".join(reg.campaigns)})
    columns = [WARD, LEVEL, "Mô hình đăng ký", "Đơn vị phải đăng ký", "Đã đăng ký",
               "Chưa đăng ký", "Tỷ lệ đã đăng ký (%)", "Quá hạn báo cáo kết quả",
               "Đăng ký, báo cáo muộn", "Đợt thi đua"]
    return _sorted(pd.DataFrame(out, columns=columns), ["Tỷ lệ đã đăng ký (%)", "Chưa đăng ký"],
                   [True, False])


def not_registered_frame(rows: Sequence[WardRow]) -> pd.DataFrame:
    """Return every unit of every ward that must register and has not."""
    frames = [row.model.registrations.not_registered.assign(**{WARD: row.ward.name})
              for row in rows if row.model is not None
              and not row.model.registrations.not_registered.empty]
    columns = [WARD, "Đơn vị", "Loại đơn vị", "Người phụ trách", "Số điện thoại"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def attendance_frame(rows: Sequence[WardRow]) -> pd.DataFrame:
    """Return each ward's "100% phải tham gia" rate from its register, the lowest first."""
    out = []
    for row in rows:
        if row.model is None:
            continue
        a = row.model.attendance
        out.append({**_head(row), "Người phải dự": a.attendees,
                    "Dự đủ các kỳ": a.attendees - a.behind, "Chưa dự đủ": a.behind,
                    "Tỷ lệ dự đủ (%)": _pct(a.attendees - a.behind, a.attendees),
                    "Báo cáo trễ": a.late_reports, "Báo cáo chưa gửi": a.missing_reports,
                    "Chi bộ chưa được dự": len(a.unvisited)})
    columns = [WARD, LEVEL, "Người phải dự", "Dự đủ các kỳ", "Chưa dự đủ", "Tỷ lệ dự đủ (%)",
               "Báo cáo trễ", "Báo cáo chưa gửi", "Chi bộ chưa được dự"]
    return _sorted(pd.DataFrame(out, columns=columns), ["Tỷ lệ dự đủ (%)", "Chưa dự đủ"],
                   [True, False])


def roster_frame(rows: Sequence[WardRow]) -> pd.DataFrame:
    """Return each ward's core-force coverage of its residential groups, the lowest first."""
    out = []
    for row in rows:
        if row.model is None:
            continue
        r = row.model.roster
        out.append({**_head(row), "Số TDP": r.groups, "Có danh sách": r.with_list,
                    "Chưa có danh sách": len(r.without_list),
                    "Tỷ lệ có danh sách (%)": _pct(r.with_list, r.groups),
                    "TDP còn người chờ phê duyệt": r.pending})
    columns = [WARD, LEVEL, "Số TDP", "Có danh sách", "Chưa có danh sách",
               "Tỷ lệ có danh sách (%)", "TDP còn người chờ phê duyệt"]
    return _sorted(pd.DataFrame(out, columns=columns), ["Tỷ lệ có danh sách (%)"], [True])


def unavailable_frame(rows: Sequence[WardRow]) -> pd.DataFrame:
    """Return the wards not read now: why, and when their data shown was read."""
    out = [{**_head(row), STATUS: str(row.status), "Lý do": row.error or (
        "Đang đọc dữ liệu lần đầu." if row.status == WardStatus.DANG_DOC else
        "Đã quá thời gian làm mới; đang đọc lại."),
            "Đọc được lần cuối": row.read_at}
           for row in rows if row.status != WardStatus.DA_DOC]
    return pd.DataFrame(out, columns=[WARD, LEVEL, STATUS, "Lý do", "Đọc được lần cuối"])


def build_view(states: Sequence[WardState], year: int, plan_year: int, today: date,
               now: float, ttl: float) -> RollupView:
    """Compute every roll-up table from the wards' states."""
    rows = tuple(WardRow(s.ward, s.status(now, ttl), s.read_at, s.error,
                         s.dashboard(year, today), s.indicators(plan_year)) for s in states)
    return RollupView(year, plan_year, rows, figures_frame(rows), plan48_frame(rows, plan_year),
                      registrations_frame(rows), not_registered_frame(rows),
                      attendance_frame(rows), roster_frame(rows), unavailable_frame(rows))


def plan_years(rollup: Rollup) -> list[int]:
    """Return the years a Plan 48 table can be asked for: the plan's years up to this one."""
    return list(range(progress.PLAN_FIRST_YEAR, max(rollup.year, progress.PLAN_FIRST_YEAR) + 1))


def default_plan_year(rollup: Rollup) -> int:
    """Return the latest year with figures in any ward, as each ward's dashboard opens on."""
    years = [s.dashboard(rollup.year, _today()).indicator_year
             for s in rollup.states.values() if s.snapshot is not None]
    return max(years) if years else progress.last_completed_year(rollup.year)


# --- one roll-up per process ---------------------------------------------------------------

_SHARED: dict[tuple[str, float], Rollup] = {}
_SHARED_LOCK = threading.Lock()


def shared(path: Path, settings: Settings) -> Rollup:
    """Return the process's roll-up of this file, read again only once the file has changed.

    Raises `ConfigError` (naming the key and the ward) when the file is wrong.
    """
    path = path.resolve()
    stamp = path.stat().st_mtime if path.is_file() else 0.0
    key = (str(path), stamp)
    with _SHARED_LOCK:
        rollup = _SHARED.get(key)
        if rollup is None:
            upper = load_upper(path)
            for old in [k for k in _SHARED if k[0] == key[0]]:
                _SHARED.pop(old).close()
            rollup = _SHARED[key] = Rollup(upper, settings)
        return rollup


def forget_shared() -> None:
    """Close every shared roll-up (tests, and a changed configuration)."""
    with _SHARED_LOCK:
        for rollup in _SHARED.values():
            rollup.close()
        _SHARED.clear()
