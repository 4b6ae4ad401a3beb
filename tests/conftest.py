"""Shared fixtures: fresh stores on temporary files, and settings that never touch the network."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from services.schema import ID, SHEETS
from services.store.sql import SqlStore
from services.validation import RawTable, Severity, Snapshot, validate_snapshot


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep tests away from the developer's real configuration and data."""
    for key in ("DANVAN_BACKEND", "DANVAN_DB_URL", "DANVAN_SPREADSHEET", "DANVAN_SHEETS_API_URL",
                "DANVAN_CREDENTIALS_FILE", "GOOGLE_APPLICATION_CREDENTIALS", "DANVAN_YEAR",
                "DANVAN_WARD_NAME", "DANVAN_WARD_LEVEL", "DANVAN_DEMO_DATA", "DANVAN_ADMIN_EMAILS",
                "DANVAN_UPPER", "STREAMLIT_SECRETS_FILES"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DANVAN_SECRETS", str(tmp_path / "no-secrets.toml"))


@pytest.fixture(autouse=True)
def _no_streamlit_secrets(tmp_path: Path) -> Iterator[None]:
    """Keep Streamlit's own secrets (st.login's [auth]) away from a developer's real file."""
    from streamlit import config
    from streamlit.runtime.secrets import secrets_singleton

    saved = config.get_option("secrets.files")
    config.set_option("secrets.files", [str(tmp_path / "no-streamlit-secrets.toml")])
    secrets_singleton._secrets = None
    yield
    config.set_option("secrets.files", saved)
    secrets_singleton._secrets = None


@pytest.fixture(autouse=True)
def _entry_point_runs_every_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make AppTest run pages through `streamlit_app.py`, as the real server does.

    AppTest resets Streamlit's "old-style pages/ folder" flag before every run, so each run
    would execute the page file directly, skipping the entry point (navigation, roles). The
    real server clears that flag for good at its first `st.navigation` call.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def sql_store(tmp_path: Path) -> Iterator[SqlStore]:
    """Return an empty embedded store on a fresh SQLite file."""
    store = SqlStore(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    yield store
    store.engine.dispose()


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app at a fresh embedded store and forget every process-wide cache."""
    import streamlit as st

    db = tmp_path / "app.sqlite3"
    monkeypatch.setenv("DANVAN_DB_URL", f"sqlite:///{db}")
    st.cache_resource.clear()
    st.cache_data.clear()
    return db


def new_app_test() -> AppTest:
    """Return an AppTest of the whole app (navigation included)."""
    return AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)


def click(at: AppTest, label: str) -> AppTest:
    """Click the (first) button with this label, rerun, and fail on an app exception."""
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, at.exception
    return at


def open_page(page: str) -> AppTest:
    """Start the app and switch to one page (e.g. "pages/units.py")."""
    at = new_app_test().run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Return headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    from tests.live import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip("Chromium (/usr/bin/chromium) is not installed; `python3 dev.py test` "
                    "installs it as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[str]:
    """Run the real app on a fresh embedded store (demo ward) and return its URL."""
    from tests.live import running_app

    env = {"DANVAN_DB_URL": f"sqlite:///{tmp_path / 'live.sqlite3'}",
           "DANVAN_SECRETS": str(tmp_path / "no-secrets.toml"), "DANVAN_LOG_DIR": str(tmp_path)}
    with running_app(env) as url:
        yield url


ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Return a fresh browser page; save a screenshot when the test fails."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN",
                                  accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    """Keep each phase's report on the test item, for screenshots on failure."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def clean_snapshot(**sheets: list[dict[str, Any]]) -> Snapshot:
    """Validate hand-made sheets the way a store would (ids given), and insist they are clean."""
    raw = {}
    for key, records in sheets.items():
        sheet = SHEETS[key]
        rows = [{ID: f"{sheet.id_prefix}-{i}", **r} for i, r in enumerate(records, 1)]
        raw[key] = RawTable.from_records(sheet, rows)
    snapshot = validate_snapshot(raw)
    errors = [p.text() for p in snapshot.problems if p.severity == Severity.ERROR]
    assert not errors, errors
    return snapshot


@pytest.fixture(scope="module")
def fake() -> Iterator[Any]:
    """Return the fake Sheets API on 127.0.0.1, one per test module."""
    from tests.fakes.sheets_api import FakeSheetsServer

    with FakeSheetsServer() as server:
        yield server


@pytest.fixture
def clean_fake(fake: Any) -> Iterator[None]:
    """Give a test the fake without the faults, hooks and latency an earlier test set."""
    fake.clear_faults()  # hooks, slow answers and lost answers too
    fake.latency = 0.0
    yield
    fake.clear_faults()
    fake.latency = 0.0


# --- PostgreSQL: one throwaway server for the whole session -------------------------------------

POSTGRES_MISSING = ("PostgreSQL (initdb, pg_ctl) is not installed; `python3 dev.py test` installs "
                    "Debian's postgresql package as root")


def postgres_bin() -> Path | None:
    """Return the folder of PostgreSQL's server programs (Debian's newest), or None."""
    import shutil

    folders = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")]
    folders.sort(key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if folders:
        return folders[-1]
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and shutil.which("initdb") else None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """Start a PostgreSQL cluster in a temporary folder on a free loopback port; stop it at the end.

    Returns the URL of its "postgres" database (user "danvan", no password: trust on loopback).
    As root the server runs as the `postgres` user, which PostgreSQL requires.
    """
    import os
    import shutil
    import socket
    import subprocess
    import tempfile

    folder = postgres_bin()
    if folder is None:
        pytest.skip(POSTGRES_MISSING)
    run_as: list[str] = []
    home = Path(tempfile.mkdtemp(prefix="danvan-pg-"))
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        import pwd

        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("PostgreSQL refuses to run as root and there is no `postgres` user")
        os.chown(home, user.pw_uid, user.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = home / "data"

    def run(*command: str) -> None:
        done = subprocess.run([*run_as, *command], cwd=home, capture_output=True, text=True,
                              timeout=120)
        if done.returncode:
            pytest.fail(f"{Path(command[0]).name} failed:\n{done.stdout}\n{done.stderr}")

    run(str(folder / "initdb"), "-D", str(data), "-U", "danvan", "-A", "trust", "-E", "UTF8",
        "--locale=C.UTF-8", "--no-sync")
    options = (f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    run(str(folder / "pg_ctl"), "-D", str(data), "-l", str(home / "server.log"), "-o", options,
        "-w", "-t", "60", "start")
    try:
        yield f"postgresql://danvan@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*run_as, str(folder / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "-w", "stop"], cwd=home, capture_output=True, timeout=60)
        shutil.rmtree(home, ignore_errors=True)


def postgres_database(server: str, name: str) -> str:
    """Create a fresh database on the test server and return its URL."""
    import sqlalchemy as sa

    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def pg_store(postgres_server: str, request: pytest.FixtureRequest) -> Iterator[SqlStore]:
    """Return an empty embedded store on PostgreSQL, in a schema of its own."""
    import re
    import secrets

    test = re.sub(r"[^a-z0-9_]+", "_", request.node.name.lower())[:40]
    store = SqlStore(f"{postgres_server}#schema=t_{test}_{secrets.token_hex(4)}")
    yield store
    store.engine.dispose()
