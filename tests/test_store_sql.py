"""The embedded SQL store passes the store contract, plus what is particular to it."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from services.store.sql import SqlStore
from tests.store_contract import ACTOR, StoreContract, unit


class TestSqlStoreContract(StoreContract):
    @pytest.fixture
    def store(self, sql_store: SqlStore) -> SqlStore:
        return sql_store


def test_a_column_added_to_the_schema_is_added_to_an_existing_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql('CREATE TABLE units (seq INTEGER PRIMARY KEY, id VARCHAR(40), '
                             'name TEXT, kind TEXT)')
        conn.exec_driver_sql("INSERT INTO units (id, name, kind) VALUES ('DV-1', 'Tổ dân phố 1', "
                             "'Tổ dân phố')")
    engine.dispose()
    store = SqlStore(url)
    store.append("units", [unit("Tổ dân phố 2", head="Mai Văn Hùng")], ACTOR)
    table = store.snapshot()["units"]
    assert {r["name"] for r in table.records} == {"Tổ dân phố 1", "Tổ dân phố 2"}
    assert table.problems == []


def test_a_failed_write_leaves_no_half_written_record(sql_store: SqlStore) -> None:
    with pytest.raises(sa.exc.StatementError):
        sql_store.append("units", [unit("Tổ dân phố 1"), {"name": object(), "kind": "x"}], ACTOR)
    snapshot = sql_store.snapshot()
    assert snapshot["units"].records == [] and snapshot["audit"].records == []
