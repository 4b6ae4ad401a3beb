"""The embedded store on a real PostgreSQL server: the store contract, a schema per ward, races.

The server is started by the `postgres_server` fixture (tests/conftest.py) in a temporary
folder and stopped at the end; without PostgreSQL's programs these tests are skipped, saying so.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import streamlit as st

from services.config import load_settings
from services.store.base import BackendUnavailable
from services.store.sql import SqlStore
from tests.conftest import new_app_test, postgres_database
from tests.store_contract import ACTOR, StoreContract, unit


class TestPostgresStoreContract(StoreContract):
    @pytest.fixture
    def store(self, pg_store: SqlStore) -> SqlStore:
        return pg_store


def test_the_contract_really_runs_on_postgresql_through_psycopg(pg_store: SqlStore) -> None:
    assert pg_store.engine.dialect.name == "postgresql"
    assert pg_store.engine.dialect.driver == "psycopg"
    with pg_store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version()").scalar_one().startswith("PostgreSQL")


# --- several wards in one database --------------------------------------------------------------


@pytest.fixture
def shared_db(postgres_server: str) -> str:
    """Return the URL of a fresh database that several wards will share."""
    return postgres_database(postgres_server, "wards")


@pytest.fixture
def open_ward(shared_db: str) -> Iterator[Callable[[str], SqlStore]]:
    """Open one ward's store in the shared database, as the roll-up does: `SqlStore(url)` alone."""
    opened: list[SqlStore] = []

    def open_(schema: str) -> SqlStore:
        opened.append(SqlStore(f"{shared_db}#schema={schema}"))
        return opened[-1]

    yield open_
    for store in opened:
        store.engine.dispose()


def _tables(url: str) -> dict[str, set[str]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')").all()
    engine.dispose()
    out: dict[str, set[str]] = {}
    for schema, table in rows:
        out.setdefault(schema, set()).add(table)
    return out


def test_two_wards_in_one_database_each_see_only_their_own_data(
        open_ward: Callable[[str], SqlStore], shared_db: str) -> None:
    ward_a, ward_b = open_ward("ward_a"), open_ward("ward_b")
    ward_a.append("units", [unit("Tổ dân phố 1")], ACTOR)
    ward_b.append("units", [unit("Tổ dân phố 1"), unit("Tổ dân phố 2")], ACTOR)
    assert [r["name"] for r in ward_a.snapshot()["units"].records] == ["Tổ dân phố 1"]
    assert [r["name"] for r in ward_b.snapshot()["units"].records] == ["Tổ dân phố 1",
                                                                       "Tổ dân phố 2"]
    # The same name in another ward is no duplicate; each ward's audit holds its own writes.
    assert len(ward_a.read_sheet("audit").records) == 1
    assert len(ward_b.read_sheet("audit").records) == 2
    tables = _tables(shared_db)
    assert set(tables) == {"ward_a", "ward_b"}  # nothing in "public", nothing elsewhere
    assert tables["ward_a"] == tables["ward_b"] == set(ward_a.tables)


def test_clearing_one_ward_leaves_the_other_alone(open_ward: Callable[[str], SqlStore]) -> None:
    ward_a, ward_b = open_ward("ward_a"), open_ward("ward_b")
    ward_a.load({"units": [unit("Tổ dân phố 1")]})
    ward_b.load({"units": [unit("Tổ dân phố 9")]})
    ward_a.clear()
    assert ward_a.is_empty() and not ward_b.is_empty()
    assert [r["name"] for r in ward_b.snapshot()["units"].records] == ["Tổ dân phố 9"]


def test_a_ward_reopened_by_its_url_finds_its_data(open_ward: Callable[[str], SqlStore]) -> None:
    open_ward("ward_c").append("units", [unit("Tổ dân phố 3")], ACTOR)
    again = open_ward("ward_c")
    assert [r["name"] for r in again.snapshot()["units"].records] == ["Tổ dân phố 3"]
    assert again.describe().endswith("/wards#schema=ward_c)")


def test_wards_of_one_database_share_one_connection_pool(
        open_ward: Callable[[str], SqlStore]) -> None:
    assert open_ward("ward_a").engine is open_ward("ward_b").engine


def test_a_password_in_the_url_is_not_shown(postgres_server: str) -> None:
    url = postgres_server.replace("danvan@", "danvan:bi-mat@") + "#schema=ward_pw"
    store = SqlStore(url)  # trust authentication: the password is not checked
    try:
        assert "bi-mat" not in store.describe()
        assert "#schema=ward_pw" in store.describe()
    finally:
        store.engine.dispose()


@pytest.mark.parametrize("fragment", ["#schema=Ward-A", "#schema=", "#ward_a",
                                      '#schema=a";drop'])
def test_a_schema_name_that_is_not_plain_is_refused(postgres_server: str, fragment: str) -> None:
    with pytest.raises(BackendUnavailable, match="schema=ten_phuong"):
        SqlStore(postgres_server + fragment)


def test_a_schema_on_sqlite_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailable, match="chỉ dùng được với PostgreSQL"):
        SqlStore(f"sqlite:///{tmp_path / 'x.sqlite3'}#schema=ward_a")


def test_an_unreachable_server_says_so_in_vietnamese() -> None:
    with pytest.raises(BackendUnavailable, match="Không mở được cơ sở dữ liệu"):
        SqlStore("postgresql://danvan@127.0.0.1:1/none?connect_timeout=2#schema=ward_a")


def test_a_column_added_to_the_schema_is_added_in_the_wards_schema(shared_db: str) -> None:
    engine = sa.create_engine(shared_db)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE SCHEMA ward_old")
        conn.exec_driver_sql("CREATE TABLE ward_old.units (seq SERIAL PRIMARY KEY, "
                             "id VARCHAR(40) NOT NULL UNIQUE, name TEXT, kind TEXT)")
        conn.exec_driver_sql("INSERT INTO ward_old.units (id, name, kind) VALUES "
                             "('DV-1', 'Tổ dân phố 1', 'Tổ dân phố')")
        # Another ward's older table of the same name must be left as it is.
        conn.exec_driver_sql("CREATE TABLE public.units (seq SERIAL PRIMARY KEY, name TEXT)")
    engine.dispose()
    store = SqlStore(f"{shared_db}#schema=ward_old")
    try:
        store.append("units", [unit("Tổ dân phố 2", head="Mai Văn Hùng")], ACTOR)
        table = store.snapshot()["units"]
        assert {r["name"]: r["head"] for r in table.records} == {
            "Tổ dân phố 1": None, "Tổ dân phố 2": "Mai Văn Hùng"}
        assert table.problems == []
    finally:
        store.engine.dispose()
    assert _tables(shared_db)["public"] == {"units"}
    engine = sa.create_engine(shared_db)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("units", schema="public")}
    engine.dispose()
    assert columns == {"seq", "name"}


def test_a_failed_write_leaves_no_half_written_record(pg_store: SqlStore) -> None:
    with pytest.raises(sa.exc.StatementError):
        pg_store.append("units", [unit("Tổ dân phố 1"), {"name": object(), "kind": "x"}], ACTOR)
    assert pg_store.snapshot()["units"].records == []
    assert pg_store.read_sheet("audit").records == []


# --- two people saving at once ------------------------------------------------------------------


def _slow_checks(store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Widen the window between a write's unique check and its insert, where a race would hit."""
    check = store._duplicates

    def slow(*args: Any, **kwargs: Any) -> Any:
        found = check(*args, **kwargs)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(store, "_duplicates", slow)


def _at_once(*jobs: Callable[[], object]) -> list[BaseException | None]:
    """Run the jobs in threads released together; return each one's error or None."""
    start = threading.Barrier(len(jobs))
    errors: list[BaseException | None] = [None] * len(jobs)

    def run(i: int) -> None:
        start.wait()
        try:
            jobs[i]()
        except BaseException as err:  # collected: the test looks at every outcome
            errors[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_people_adding_the_same_name_at_once_only_one_lands(
        pg_store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    _slow_checks(pg_store, monkeypatch)
    errors = _at_once(lambda: pg_store.append("units", [unit("Tổ dân phố 6")], ACTOR),
                      lambda: pg_store.append("units", [unit("TỔ DÂN PHỐ 6")], ACTOR))
    assert sorted(type(e).__name__ for e in errors) == ["DuplicateError", "NoneType"]
    assert len(pg_store.snapshot()["units"].records) == 1
    assert len(pg_store.read_sheet("audit").records) == 1


def test_two_other_stores_of_the_same_ward_adding_one_name_at_once_only_one_lands(
        pg_store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two app processes on one ward: two stores, two connections, one schema.
    other = SqlStore(pg_store.url)
    _slow_checks(pg_store, monkeypatch)
    _slow_checks(other, monkeypatch)
    def campaign(name: str) -> dict[str, object]:
        return {"name": name, "year": 2026, "register_by": date(2026, 4, 7),
                "report_by": date(2026, 9, 5)}

    errors = _at_once(lambda: pg_store.append("campaigns", [campaign("Đợt 1")], ACTOR),
                      lambda: other.append("campaigns", [campaign("đợt 1")], ACTOR))
    assert sorted(type(e).__name__ for e in errors) == ["DuplicateError", "NoneType"]
    campaigns = other.snapshot()["campaigns"]
    assert len(campaigns.records) == 1 and campaigns.problems == []


def test_two_renames_onto_one_name_at_once_only_one_lands(
        pg_store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = pg_store.append("units", [unit("Tổ dân phố 1"), unit("Tổ dân phố 2")], ACTOR)
    seen = pg_store.snapshot()["units"].by_id
    _slow_checks(pg_store, monkeypatch)
    errors = _at_once(
        lambda: pg_store.update("units", a["id"], {"name": "Tổ dân phố 10"}, seen[a["id"]], ACTOR),
        lambda: pg_store.update("units", b["id"], {"name": "Tổ dân phố 10"}, seen[b["id"]], ACTOR))
    assert sorted(type(e).__name__ for e in errors) == ["DuplicateError", "NoneType"]
    names = sorted(r["name"] for r in pg_store.snapshot()["units"].records)
    assert names in (["Tổ dân phố 1", "Tổ dân phố 10"], ["Tổ dân phố 10", "Tổ dân phố 2"])


def test_the_same_record_id_saved_twice_at_once_lands_once(
        pg_store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    # A second press of "Lưu" while the first save is still running carries the same id.
    _slow_checks(pg_store, monkeypatch)
    record = {**unit("Tổ dân phố 4"), "id": "DV-0123456789abcdef"}
    results: list[object] = []
    errors = _at_once(lambda: results.append(pg_store.append("units", [record], ACTOR)),
                      lambda: results.append(pg_store.append("units", [record], ACTOR)))
    assert errors == [None, None]
    assert [r["id"] for r in pg_store.snapshot()["units"].records] == ["DV-0123456789abcdef"]
    assert len(pg_store.read_sheet("audit").records) == 1


# --- the app on PostgreSQL ----------------------------------------------------------------------


@pytest.fixture
def app_on_postgres(postgres_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the app at a fresh PostgreSQL database and forget every process-wide cache."""
    url = postgres_database(postgres_server, "app")
    monkeypatch.setenv("DANVAN_DB_URL", url)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield url
    st.cache_resource.clear()
    st.cache_data.clear()


def test_the_app_starts_on_postgresql_with_the_demo_ward_on_its_dashboard(
        app_on_postgres: str) -> None:
    at = new_app_test().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Đảng ủy phường Phố Hòa"
    labels = {m.label for m in at.metric}
    assert {"Đơn vị chưa đăng ký", "Mô hình quá hạn", "TDP chưa có danh sách"} <= labels
    assert f"Chỉ tiêu đạt {load_settings().year - 1}" in labels
    # The demo ward was written to PostgreSQL on first start, and is read back from it.
    store = SqlStore(app_on_postgres)
    try:
        snapshot = store.snapshot()
        assert len(snapshot["units"].records) > 10 and len(snapshot["indicators"].records) == 19
        assert snapshot.problems == []
    finally:
        store.engine.dispose()
    assert "public" in _tables(app_on_postgres)


def test_the_app_on_a_wards_schema_keeps_its_data_there(
        app_on_postgres: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DANVAN_DB_URL", f"{app_on_postgres}#schema=phuong_pho_hoa")
    monkeypatch.setenv("DANVAN_DEMO_DATA", "false")
    at = new_app_test().run()
    assert not at.exception, at.exception
    assert set(_tables(app_on_postgres)) == {"phuong_pho_hoa"}
    store = SqlStore(f"{app_on_postgres}#schema=phuong_pho_hoa")
    try:
        snapshot = store.snapshot()
        assert len(snapshot["indicators"].records) == 19 and snapshot["units"].records == []
    finally:
        store.engine.dispose()
