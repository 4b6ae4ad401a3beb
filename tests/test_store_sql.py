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
    assert snapshot["units"].records == [] and sql_store.read_sheet("audit").records == []


def test_renaming_a_unit_carries_its_references_along(sql_store: SqlStore) -> None:
    from datetime import date

    from services import records
    from services.auth import LOCAL_ADMIN

    sql_store.append("units", [unit("Hội Liên hiệp Phụ nữ phường", kind="Đoàn thể chính trị - xã "
                                    "hội")], ACTOR)
    sql_store.append("campaigns", [{"name": "Đợt 1", "year": 2026, "register_by": date(2026, 4, 7),
                                    "report_by": date(2026, 9, 5)}], ACTOR)
    sql_store.append("registrations", [{
        "campaign": "Đợt 1", "unit": "Hội Liên hiệp Phụ nữ phường", "kind": "Tập thể",
        "field": "Kinh tế", "model_name": "Phụ nữ giúp nhau", "registered_on": date(2026, 4, 1),
        "status": "Đăng ký"}], ACTOR)
    snapshot = sql_store.snapshot()
    [hoi] = snapshot["units"].records
    result = records.edit(sql_store, snapshot, "units", hoi["id"], {"name": "Hội LHPN phường"},
                          hoi, LOCAL_ADMIN)
    assert result.ok and result.error is None
    after = sql_store.snapshot()
    assert [r["unit"] for r in after["registrations"].records] == ["Hội LHPN phường"]
    assert after.problems == []
    # A rename in case or accents only carries the references too.
    hoi = after["units"].records[0]
    result = records.edit(sql_store, after, "units", hoi["id"], {"name": "HỘI LHPN PHƯỜNG"},
                          hoi, LOCAL_ADMIN)
    assert result.ok
    assert [r["unit"] for r in sql_store.snapshot()["registrations"].records] == [
        "HỘI LHPN PHƯỜNG"]
