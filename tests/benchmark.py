"""Benchmark: dashboard time, Sheets API requests and export time at 1×, 10× and 100× a ward.

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
from streamlit.testing.v1 import AppTest  # noqa: E402

from services import export, records  # noqa: E402
from services.auth import LOCAL_ADMIN  # noqa: E402
from services.choices import UnitKind  # noqa: E402
from services.config import Backend, Settings  # noqa: E402
from services.demo import generate  # noqa: E402
from services.store.gsheets import GSheetsStore  # noqa: E402
from services.store.sql import SqlStore  # noqa: E402
from tests.fakes.sheets_api import FakeSheetsServer  # noqa: E402

_original_init = PagesManager.__init__


def _init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
    # As in tests/conftest.py: AppTest would otherwise run the page without the entry point.
    _original_init(self, *args, **kwargs)
    PagesManager.uses_pages_directory = False


PagesManager.__init__ = _init  # type: ignore[method-assign]


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


def sheets_requests(fake: FakeSheetsServer, data: dict[str, list[dict[str, Any]]],
                    ) -> dict[str, int]:
    """Count Sheets API requests for a cold and a warm page view and for one save."""
    sid = fake.create_spreadsheet("Benchmark", {"Trang tính1": []}, locale="vi_VN")
    settings = Settings(backend=Backend.GSHEETS, spreadsheet=sid, sheets_api_url=fake.base_url)
    from services.sheet_setup import setup_spreadsheet

    setup_spreadsheet(GSheetsStore.from_settings(settings), reference_data=False, rows=10)
    GSheetsStore.from_settings(settings).load(data)
    env = {"DANVAN_BACKEND": "gsheets", "DANVAN_SPREADSHEET": sid,
           "DANVAN_SHEETS_API_URL": fake.base_url}
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


def run(scales: list[int]) -> list[dict[str, Any]]:
    """Measure every scale and return one row per scale."""
    rows = []
    os.environ["DANVAN_SECRETS"] = str(Path(tempfile.mkdtemp()) / "none.toml")
    with tempfile.TemporaryDirectory() as tmp, FakeSheetsServer() as fake:
        for scale in scales:
            gen_time, data = timed(lambda scale=scale: generate(scale=scale))
            url = f"sqlite:///{Path(tmp) / f'bench-{scale}.sqlite3'}"
            store = SqlStore(url)
            store.load(data)
            read_time, snapshot = timed(store.snapshot)
            cold, warm = dashboard_runs({"DANVAN_DB_URL": url, "DANVAN_BACKEND": "local"})
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


def main() -> int:
    """Run the benchmark and print the table with the machine it ran on."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    args = parser.parse_args()
    rows = run(args.scales)
    print(f"Machine: {platform.platform()}, {os.cpu_count()} CPU, Python "
          f"{platform.python_version()}")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
