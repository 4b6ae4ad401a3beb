"""The roll-up: each ward's figures as its own dashboard has them, failures kept to one ward,
each ward read once per TTL, and 100 spreadsheets read within a quota the fake enforces."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services import dashboard as board
from services.choices import WardLevel
from services.clock import today
from services.config import Backend, Settings
from services.demo import generate
from services.rollup import RateLimiter, Rollup, WardStatus, behind_share
from services.schema import SHEETS
from services.store.gsheets import GSheetsStore
from services.store.sql import SqlStore
from services.upper import Upper, UpperLevel, Ward, load_upper, thinned, write_demo

YEAR = 2026


class SimClock:
    """Simulated seconds shared by the fake's quota and the roll-up's limiter: no real waits.

    Sleepers running side by side end at their own wake-up time, so the clock moves as far
    as the longest of them, never their sum.
    """

    def __init__(self) -> None:
        self.t = 1000.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self.t

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.t = max(self.t, self.t + seconds)

    def advance(self, seconds: float) -> None:
        self.sleep(seconds)


def _upper(wards: list[Ward], **kw: Any) -> Upper:
    return Upper("Ban Dân vận Tỉnh ủy Quảng Ngãi", UpperLevel.TINH, tuple(wards), year=YEAR, **kw)


# --- embedded wards: figures equal each ward's own dashboard -----------------------------


@pytest.fixture(scope="module")
def demo_upper(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo(tmp_path_factory.mktemp("wards"), 4, year=YEAR)


def test_figures_equal_each_wards_own_dashboard(demo_upper: Path) -> None:
    upper = load_upper(demo_upper)
    rollup = Rollup(upper, Settings(year=YEAR))
    try:
        rollup.load()
        view = rollup.view(YEAR - 1, today())
        assert view.shown == 4 and view.unavailable.empty
        rows = view.figures.set_index("Xã, phường")
        shares = set()
        for ward in upper.wards:
            # The ward's own app: its store, its snapshot, the dashboard's function.
            store = SqlStore(ward.db_url)
            own = board.dashboard(store.snapshot(), YEAR, today())
            store.engine.dispose()
            ours = next(r.model for r in view.rows if r.ward.name == ward.name)
            assert ours.figures == own.figures, ward.name
            row = rows.loc[ward.name]
            f = own.figures
            assert (row["Chỉ tiêu đạt"], row["Chỉ tiêu có số liệu"], row["Mô hình đăng ký"],
                    row["Chưa dự đủ kỳ"], row["TDP chưa có danh sách"]) == (
                f.indicators_met, f.indicators_with_data, f.models_registered,
                f.attendees_behind, f.groups_without_list)
            shares.add(behind_share(own))
        assert len(shares) == 4, "demo wards should be at different stages"
        # The most behind first.
        assert list(view.figures["Mức chưa đạt (%)"]) == sorted(
            view.figures["Mức chưa đạt (%)"], reverse=True)
        # Plan 48: one column per indicator, every cell a status.
        assert {"2.1.1", "2.2.2.4"} <= set(view.plan48.columns)
        assert view.plan48["2.1.1"].str.contains("Đạt|Chưa|Chậm|Vượt").all()
    finally:
        rollup.close()


def test_a_missing_database_file_is_one_unavailable_ward(demo_upper: Path,
                                                         tmp_path: Path) -> None:
    upper = load_upper(demo_upper)
    gone = Ward("Không Có", WardLevel.XA, db_url=f"sqlite:///{tmp_path / 'none.sqlite3'}")
    rollup = Rollup(_upper([*upper.wards[:2], gone]), Settings(year=YEAR))
    try:
        rollup.load()
        view = rollup.view(YEAR - 1, today())
        assert view.shown == 2
        [missing] = view.unavailable.to_dict("records")
        assert missing["Xã, phường"] == "Không Có"
        assert missing["Tình trạng dữ liệu"] == str(WardStatus.KHONG_DOC_DUOC)
        assert "Không tìm thấy tệp cơ sở dữ liệu" in missing["Lý do"]
        assert not (tmp_path / "none.sqlite3").exists(), "the roll-up must not create the file"
    finally:
        rollup.close()


def test_limiter_never_lets_more_than_the_quota_through_in_a_minute() -> None:
    clock = SimClock()
    limiter = RateLimiter(60, clock=clock.now, sleep=clock.sleep)
    for _ in range(400):
        limiter.acquire()
    assert limiter.busiest_minute() <= 60
    assert clock.now() - 1000.0 < 400 / 40 * 60, "and it does not crawl either"


# --- Google Sheets wards on the fake ------------------------------------------------------


@pytest.fixture(scope="module")
def sheets_wards(fake: Any) -> dict[str, Any]:
    """Three wards at different stages on the fake, to copy as many times as a test needs."""
    headers = {s.title: [list(s.headers)] for s in SHEETS.values()}
    settings = Settings(backend=Backend.GSHEETS, sheets_api_url=fake.base_url, year=YEAR)
    out = {}
    for n, done in enumerate((0.4, 0.7, 1.0)):
        sid = fake.create_spreadsheet(f"Mẫu {n}", headers, locale="vi_VN")
        store = GSheetsStore.from_settings(Settings(**{**settings.__dict__, "spreadsheet": sid}))
        store.load(thinned(generate(seed=100 + n, year=YEAR), done, 100 + n, YEAR))
        out[sid] = done
    return {"settings": settings, "templates": list(out)}


def _sheet_wards(fake: Any, templates: list[str], count: int) -> list[Ward]:
    return [Ward(f"Phường {i + 1}", WardLevel.PHUONG,
                 sheet_key=fake.copy_spreadsheet(templates[i % len(templates)], f"P{i + 1}"))
            for i in range(count)]


@pytest.fixture
def sim(fake: Any, clean_fake: None) -> Iterator[SimClock]:
    clock = SimClock()
    fake.enforce_quota(60, clock=clock.now)
    fake.reset_log()
    yield clock
    fake.clear_faults()


def _rollup(wards: list[Ward], settings: Settings, clock: SimClock, **kw: Any) -> Rollup:
    return Rollup(_upper(wards, **kw), settings, clock=clock.now, sleep=clock.sleep)


def test_sheets_figures_equal_each_wards_own_dashboard(fake: Any, sheets_wards: dict[str, Any],
                                                       sim: SimClock) -> None:
    settings = sheets_wards["settings"]
    wards = _sheet_wards(fake, sheets_wards["templates"], 3)
    rollup = _rollup(wards, settings, sim)
    try:
        rollup.load()
        view = rollup.view(YEAR - 1, today())
        assert view.shown == 3
        for ward in wards:
            own = GSheetsStore.from_settings(Settings(**{**settings.__dict__,
                                                         "spreadsheet": ward.sheet_key}))
            expected = board.build(own.snapshot(), YEAR, today()).figures
            assert next(r.model for r in view.rows if r.ward == ward).figures == expected
    finally:
        rollup.close()


def test_an_unreadable_ward_is_unavailable_and_the_others_intact(
        fake: Any, sheets_wards: dict[str, Any], sim: SimClock) -> None:
    settings = sheets_wards["settings"]
    wards = _sheet_wards(fake, sheets_wards["templates"], 6)
    not_shared, broken, later = wards[1], wards[2], wards[3]
    fake.inject_faults(403, None, path_contains=not_shared.sheet_key)
    rows = fake.get_values(broken.sheet_key, SHEETS["units"].title)
    fake.set_values(broken.sheet_key, SHEETS["units"].title,
                    [["x"] * len(rows[0]), *rows[1:]], value_input_option="RAW")
    rollup = _rollup(wards, settings, sim, cache_ttl=600)
    try:
        rollup.load()
        view = rollup.view(YEAR - 1, today())
        reasons = {r["Xã, phường"]: r for r in view.unavailable.to_dict("records")}
        assert set(reasons) == {not_shared.name, broken.name}
        assert "chưa được chia sẻ" in reasons[not_shared.name]["Lý do"]
        assert "lỗi cấu trúc" in reasons[broken.name]["Lý do"]
        assert view.shown == 4
        intact = {r.ward.name for r in view.rows if r.status == WardStatus.DA_DOC}
        assert intact == {w.name for w in wards} - {not_shared.name, broken.name}

        # A ward read before keeps its last good figures, marked stale with the time of the read.
        good = next(r for r in view.rows if r.ward == later)
        fake.inject_faults(404, None, path_contains=later.sheet_key)
        sim.advance(601)
        rollup.load()
        stale = rollup.view(YEAR - 1, today())
        row = next(r for r in stale.rows if r.ward == later)
        assert row.status == WardStatus.DU_LIEU_CU and "404" in row.error
        assert row.model is not None and row.model.figures == good.model.figures
        record = next(r for r in stale.unavailable.to_dict("records")
                      if r["Xã, phường"] == later.name)
        assert record["Đọc được lần cuối"] == good.read_at
    finally:
        rollup.close()


def test_each_ward_is_read_once_per_ttl(fake: Any, sheets_wards: dict[str, Any],
                                        sim: SimClock) -> None:
    wards = _sheet_wards(fake, sheets_wards["templates"], 5)
    rollup = _rollup(wards, sheets_wards["settings"], sim, cache_ttl=600)
    try:
        rollup.load()
        assert fake.count(operation="values.batchGet") == 5
        for _ in range(10):  # page views within the TTL read nothing
            sim.advance(30)
            rollup.load()
            rollup.view(YEAR - 1, today())
        assert fake.count(operation="values.batchGet") == 5
        sim.advance(600)
        rollup.load()
        assert fake.count(operation="values.batchGet") == 10
        assert fake.count(operation="spreadsheets.get") == 5, "metadata once per ward"
        # "Làm mới" right after a read spends nothing.
        assert rollup.refresh() == 0
    finally:
        rollup.close()


@pytest.mark.slow
def test_100_wards_over_5_minutes_stay_within_the_quota(fake: Any, sheets_wards: dict[str, Any],
                                                        sim: SimClock) -> None:
    wards = _sheet_wards(fake, sheets_wards["templates"], 100)
    # A short TTL, so the 5 minutes re-read every ward while the cold start is still going.
    rollup = _rollup(wards, sheets_wards["settings"], sim, cache_ttl=120)
    start = sim.now()
    try:
        for view in range(30):  # a page view every 10 simulated seconds, at least 5 minutes
            rollup.load(wait=0.05)  # start what is due, show what is there
            if view % 5 == 0:
                rollup.view(YEAR - 1, today())
            sim.advance(10)
            if view % 6 == 5:
                rollup.refresh()  # someone presses "Làm mới dữ liệu" every minute
        while rollup.pending():
            rollup.load(wait=1)
        assert sim.now() - start >= 300
        assert fake.quota_refusals() == 0
        assert fake.busiest_minute("read") <= 60
        assert fake.count(kind="read") > 100
        view = rollup.view(YEAR - 1, today())
        assert view.shown == 100 and not any(r.error for r in view.rows)
    finally:
        rollup.close()


def test_the_fake_refuses_past_its_quota_like_google(fake: Any, clean_fake: None) -> None:
    clock = SimClock()
    fake.enforce_quota(3, clock=clock.now)
    settings = Settings(backend=Backend.GSHEETS, sheets_api_url=fake.base_url)
    sid = fake.create_spreadsheet("Q", {"Trang tính1": []})
    from gspread.exceptions import APIError

    store = GSheetsStore.from_settings(Settings(**{**settings.__dict__, "spreadsheet": sid}))
    client = store.client
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{sid}"
    for _ in range(2):
        client.session.request("get", url.replace("https://sheets.googleapis.com",
                                                  fake.base_url))
    answer = client.session.request("get", url.replace("https://sheets.googleapis.com",
                                                       fake.base_url))
    assert answer.status_code == 429 and "RESOURCE_EXHAUSTED" in answer.text
    assert fake.quota_refusals() == 1
    clock.advance(61)
    assert client.session.request("get", url.replace("https://sheets.googleapis.com",
                                                      fake.base_url)).ok
    assert APIError  # the store turns such a 429 into "Google Sheets đang quá tải"
