"""Benchmark: every page's rerun, Sheets API requests and export time at 1×, 10× and 100× a ward.

Run with `python3 dev.py bench` (or `.venv/bin/python tests/benchmark.py --scales 1 10`).
It prints a Markdown table; the README records one run. Timings are measured here, never
asserted in tests; request counts are deterministic and the tests assert them.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.runtime.pages_manager import PagesManager  # noqa: E402
from streamlit.runtime.scriptrunner.script_cache import ScriptCache  # noqa: E402
from streamlit.testing.v1 import AppTest, local_script_runner  # noqa: E402

from services import export, records  # noqa: E402
from services.auth import LOCAL_ADMIN  # noqa: E402
from services.choices import UnitKind  # noqa: E402
from services.config import Backend, Settings  # noqa: E402
from services.demo import generate  # noqa: E402
from services.navigation import SCREENS  # noqa: E402
from services.store.gsheets import GSheetsStore  # noqa: E402
from services.store.sql import SqlStore  # noqa: E402
from tests.fakes.sheets_api import FakeSheetsServer  # noqa: E402

_original_init = PagesManager.__init__


def _init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
    # As in tests/conftest.py: AppTest would otherwise run the page without the entry point.
    _original_init(self, *args, **kwargs)
    PagesManager.uses_pages_directory = False


PagesManager.__init__ = _init  # type: ignore[method-assign]

# The server compiles each script once per process (its ScriptCache); AppTest's runner makes a
# new cache for every run, so each rerun would parse and compile the entry point and the page
# again (0.1–0.2 s) where the real app does not. One cache for the benchmark, as in the server.
_SCRIPTS = ScriptCache()
local_script_runner.ScriptCache = lambda: _SCRIPTS  # type: ignore[attr-defined,assignment]


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Return the median seconds of `repeat` calls and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def dashboard_runs(env: dict[str, str], warm_runs: int = 5) -> tuple[float, float]:
    """Return (cold, warm median) seconds of the dashboard page rendered by AppTest."""
    os.environ.update(env)
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600)
    cold, _ = timed(at.run)
    if at.exception:
        raise RuntimeError(f"dashboard failed: {at.exception}")
    warm, _ = timed(at.run, repeat=warm_runs)
    return cold, warm


def page_reruns(env: dict[str, str], paths: list[str], warm_runs: int = 5,
                ) -> dict[str, tuple[float, float]]:
    """Return (cold, warm median) seconds of each page, opened and rerun through AppTest.

    Cold is the first view of the page in the session (the snapshot already read); warm is the
    same click again, what a person waits for after every widget they touch on that page.
    """
    os.environ.update(env)
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600)
    at.run()  # the entry point reads the snapshot: not part of any page's time
    out = {}
    for path in paths:
        at.switch_page(path)
        cold, _ = timed(at.run)
        if at.exception:
            raise RuntimeError(f"{path} failed: {at.exception}")
        at.run()  # the first rerun may still fill per-session state
        warm, _ = timed(at.run, repeat=warm_runs)
        out[path] = (cold, warm)
    return out


def sheets_requests(fake: FakeSheetsServer, data: dict[str, list[dict[str, Any]]],
                    ) -> dict[str, int]:
    """Count Sheets API requests for a cold and a warm page view and for one save."""
    sid = fake.create_spreadsheet("Benchmark", {"Trang tính1": []}, locale="vi_VN")
    # Generous timeouts: loading a 100× ward into the fake is one large write, and a busy
    # machine must not turn it into a lost answer; requests are counted, not timed, here.
    settings = Settings(backend=Backend.GSHEETS, spreadsheet=sid, sheets_api_url=fake.base_url,
                        request_timeout=300.0, deadline=900.0)
    from services.sheet_setup import setup_spreadsheet

    setup_spreadsheet(GSheetsStore.from_settings(settings), reference_data=False, rows=10)
    GSheetsStore.from_settings(settings).load(data)
    env = {"DANVAN_BACKEND": "gsheets", "DANVAN_SPREADSHEET": sid,
           "DANVAN_SHEETS_API_URL": fake.base_url, "DANVAN_REQUEST_TIMEOUT": "300",
           "DANVAN_DEADLINE": "900"}
    os.environ.update(env)
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600)
    fake.reset_log()
    at.run()
    cold = len(fake.requests)
    fake.reset_log()
    at.run()
    warm = len(fake.requests)
    store = GSheetsStore.from_settings(settings)
    snapshot = store.snapshot()
    fake.reset_log()
    result = records.create(store, snapshot, "units",
                            {"name": "Tổ dân phố Benchmark", "kind": UnitKind.TO_DAN_PHO},
                            LOCAL_ADMIN)
    assert result.ok, result.messages()
    save = len(fake.requests)
    # The snapshot as a fresh process reads it: requests, bytes of the answers, seconds.
    fake.reset_log()
    read_time, _ = timed(GSheetsStore.from_settings(settings).snapshot)
    reads = [r for r in fake.requests if r.operation == "values.batchGet"]
    for key in ("DANVAN_BACKEND", "DANVAN_SPREADSHEET", "DANVAN_SHEETS_API_URL"):
        os.environ.pop(key, None)
    return {"cold": cold, "warm": warm, "save": save, "snap_reads": len(reads),
            "snap_mb": sum(r.response_bytes for r in reads) / 1e6,
            "snap_largest_mb": max(r.response_bytes for r in reads) / 1e6,
            "snap_time": read_time}


def run(scales: list[int], pages: list[str], pages_only: bool = False,
        ) -> list[dict[str, Any]]:
    """Measure every scale and return one row per scale."""
    rows = []
    os.environ["DANVAN_SECRETS"] = str(Path(tempfile.mkdtemp()) / "none.toml")
    # One snapshot for the whole run, as within one TTL: a page's time never includes a re-read.
    os.environ["DANVAN_CACHE_TTL"] = "86400"
    with tempfile.TemporaryDirectory() as tmp, FakeSheetsServer() as fake:
        for scale in scales:
            gen_time, data = timed(lambda scale=scale: generate(scale=scale))
            url = f"sqlite:///{Path(tmp) / f'bench-{scale}.sqlite3'}"
            store = SqlStore(url)
            store.load(data)
            read_time, snapshot = timed(store.snapshot)
            env = {"DANVAN_DB_URL": url, "DANVAN_BACKEND": "local"}
            page_times = page_reruns(env, pages)
            if pages_only:
                rows.append({"scale": scale, "rows": sum(len(v) for v in data.values()),
                             "generate": gen_time, "read": read_time, "pages": page_times})
                store.engine.dispose()
                print(f"  {scale}× done", file=sys.stderr, flush=True)
                continue
            cold, warm = dashboard_runs(env)
            csv_time, _ = timed(lambda snapshot=snapshot: [
                export.csv_bytes(key, table.records) for key, table in snapshot.tables.items()])
            xlsx_time, _ = timed(lambda snapshot=snapshot: export.xlsx_bytes(snapshot))
            requests = sheets_requests(fake, data)
            rows.append({
                "scale": scale,
                "rows": sum(len(v) for v in data.values()),
                "generate": gen_time,
                "read": read_time,
                "cold": cold,
                "warm": warm,
                "req_cold": requests["cold"],
                "req_warm": requests["warm"],
                "req_save": requests["save"],
                "snap_reads": requests["snap_reads"],
                "snap_mb": requests["snap_mb"],
                "snap_largest_mb": requests["snap_largest_mb"],
                "snap_time": requests["snap_time"],
                "csv": csv_time,
                "xlsx": xlsx_time,
                "pages": page_times,
            })
            store.engine.dispose()
            print(f"  {scale}× done", file=sys.stderr, flush=True)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """Format the rows as a Markdown table."""
    head = ("| ward size | rows | read + validate (s) | dashboard cold (s) | dashboard warm (s) "
            "| Sheets requests: page cold / warm / save | Sheets snapshot: reads, MB (largest "
            "answer), s | CSV all sheets (s) | XLSX (s) |")
    lines = [head, "|" + "---|" * 9]
    for r in rows:
        lines.append(
            f"| {r['scale']}× | {r['rows']:,} | {r['read']:.2f} | {r['cold']:.2f} | "
            f"{r['warm']:.3f} | {r['req_cold']} / {r['req_warm']} / {r['req_save']} | "
            f"{r['snap_reads']}, {r['snap_mb']:.1f} ({r['snap_largest_mb']:.1f}), "
            f"{r['snap_time']:.1f} | {r['csv']:.2f} | {r['xlsx']:.2f} |")
    return "\n".join(lines)


def page_table(rows: list[dict[str, Any]]) -> str:
    """Format each page's warm rerun (cold first view in brackets) per scale as a table."""
    head = "| page | " + " | ".join(f"{r['scale']}× warm (cold) s" for r in rows) + " |"
    lines = [head, "|---|" + "---:|" * len(rows)]
    titles = {s.path: s.title for s in SCREENS}
    for path in rows[0]["pages"] if rows else []:
        cells = [f"{r['pages'][path][1]:.3f} ({r['pages'][path][0]:.2f})" for r in rows]
        lines.append(f"| {titles.get(path, path)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# --- the upper level's roll-up (DANVAN_UPPER) ----------------------------------------------


def rollup_bench(counts: list[int], warm_runs: int = 5) -> list[dict[str, Any]]:
    """Time the roll-up page at each number of demo wards, and its Sheets reads per minute.

    Cold: the first page view of a fresh process (every ward read and computed); warm: a rerun
    (a click) afterwards; peak memory of the process's Python objects during the cold view;
    requests per minute: the busiest minute of reading as many ward spreadsheets on the fake
    with a 60-reads-a-minute quota, on a simulated clock (no real waiting).
    """
    import tracemalloc

    from services import rollup as ru
    from services.upper import Upper, UpperLevel, Ward, WardLevel, write_demo

    out = []
    with tempfile.TemporaryDirectory() as tmp, FakeSheetsServer() as fake:
        template = fake.create_spreadsheet("Mẫu", {"Trang tính1": []}, locale="vi_VN")
        settings = Settings(backend=Backend.GSHEETS, spreadsheet=template,
                            sheets_api_url=fake.base_url)
        from services.sheet_setup import setup_spreadsheet

        setup_spreadsheet(GSheetsStore.from_settings(settings), reference_data=False, rows=10)
        GSheetsStore.from_settings(settings).load(generate(seed=5))
        for count in counts:
            path = write_demo(Path(tmp) / f"w{count}", count, year=Settings().year)
            os.environ["DANVAN_UPPER"] = str(path)
            st.cache_resource.clear()
            ru.forget_shared()
            at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=900)
            tracemalloc.start()
            cold, _ = timed(at.run)
            peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
            if at.exception:
                raise RuntimeError(f"roll-up failed: {at.exception}")
            at.run()
            warm, _ = timed(at.run, repeat=warm_runs)
            ru.forget_shared()
            os.environ.pop("DANVAN_UPPER", None)

            clock = [0.0]

            def now(clock: list[float] = clock) -> float:
                return clock[0]

            def sleep(seconds: float, clock: list[float] = clock) -> None:
                clock[0] += seconds

            fake.enforce_quota(60, clock=now)
            fake.reset_log()
            wards = [Ward(f"P{i}", WardLevel.PHUONG, sheet_key=fake.copy_spreadsheet(
                template, f"P{i}")) for i in range(count)]
            rollup = ru.Rollup(Upper("Cấp trên", UpperLevel.TINH, tuple(wards)), settings,
                               clock=now, sleep=sleep)
            while rollup.load(wait=None) and rollup.pending():
                pass
            rollup.close()
            out.append({"wards": count, "cold": cold, "warm": warm, "peak_mb": peak,
                        "busiest": fake.busiest_minute("read"),
                        "refused": fake.quota_refusals(), "reads": fake.count(kind="read"),
                        "minutes": clock[0] / 60})
            fake.clear_faults()
            print(f"  roll-up of {count} wards done", file=sys.stderr, flush=True)
    return out


def rollup_table(rows: list[dict[str, Any]]) -> str:
    """Format the roll-up's measurements as a Markdown table."""
    lines = ["| wards | roll-up cold (s) | warm click (s) | peak memory (MB) | Sheets reads: "
             "total, busiest minute (quota 60), refused, minutes to read all |",
             "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['wards']} | {r['cold']:.2f} | {r['warm']:.3f} | {r['peak_mb']:.0f} | "
                     f"{r['reads']}, {r['busiest']}, {r['refused']}, {r['minutes']:.1f} |")
    return "\n".join(lines)


def main() -> int:
    """Run the benchmark and print the table with the machine it ran on."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--pages", nargs="+", default=[s.path for s in SCREENS],
                        help="pages to time (default: every screen), e.g. pages/meetings.py")
    parser.add_argument("--pages-only", action="store_true",
                        help="time the pages only (no Sheets requests, no exports)")
    parser.add_argument("--rollup", type=int, nargs="*", default=None, metavar="WARDS",
                        help="time only the upper level's roll-up (default 12 and 100 wards)")
    args = parser.parse_args()
    if args.rollup is not None:
        print(rollup_table(rollup_bench(args.rollup or [12, 100])))
        return 0
    rows = run(args.scales, args.pages, args.pages_only)
    print(f"Machine: {platform.platform()}, {os.cpu_count()} CPU, Python "
          f"{platform.python_version()}")
    if not args.pages_only:
        print(table(rows))
        print()
    print(page_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
