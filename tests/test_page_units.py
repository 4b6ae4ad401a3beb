"""The units page: add a unit, refuse a bad one with a named field, edit with conflict check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from services.store.base import WRITE_UNKNOWN, BackendUnavailable, WriteUnknown
from services.store.sql import SqlStore
from services.validation import Snapshot
from tests.conftest import new_app_test
from tests.rendered import rendered


@pytest.fixture
def app(app_env: Path) -> AppTest:
    at = new_app_test().run()
    at.switch_page("pages/units.py").run()
    assert not at.exception
    return at


def _submit(at: AppTest, label: str = "Lưu") -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception
    return at


def test_valid_unit_is_saved_and_appears_in_the_list(app: AppTest, app_env: Path) -> None:
    app.text_input(key="units-add::0::name").input("Tổ dân phố 99")
    app.selectbox(key="units-add::0::kind").select("Tổ dân phố")
    _submit(app)
    assert app.success and "Đã lưu" in rendered(app.success[0].value)
    names = {r["name"] for r in SqlStore(f"sqlite:///{app_env}").snapshot()["units"].records}
    assert "Tổ dân phố 99" in names
    table = app.dataframe[0].value
    assert "Tổ dân phố 99" in set(table["Tên đơn vị"])


def test_invalid_unit_names_the_field_and_keeps_the_input(app: AppTest, app_env: Path) -> None:
    before = len(SqlStore(f"sqlite:///{app_env}").snapshot()["units"].records)
    app.text_input(key="units-add::0::name").input("Tổ dân phố 98")
    app.text_input(key="units-add::0::phone").input("12345")
    _submit(app)
    errors = " ".join(rendered(e.value) for e in app.error)
    assert "Loại đơn vị" in errors and "Số điện thoại" in errors
    assert app.text_input(key="units-add::0::name").value == "Tổ dân phố 98"
    assert len(SqlStore(f"sqlite:///{app_env}").snapshot()["units"].records) == before


def test_an_archived_unit_can_be_shown_and_restored(app: AppTest, app_env: Path) -> None:
    store = SqlStore(f"sqlite:///{app_env}")
    unit = next(r for r in store.snapshot()["units"].records if r["name"] == "Tổ dân phố 3")
    store.archive("units", unit["id"], unit, "test")
    st.cache_resource.clear()  # forget the cached snapshot, as the TTL would
    app.run()
    assert "Tổ dân phố 3" not in set(app.dataframe[0].value["Tên đơn vị"])
    app.toggle(key="units-archived").set_value(True).run()
    assert "Tổ dân phố 3" in set(app.dataframe[0].value["Tên đơn vị"])


# --- a save is idempotent: the cache follows it, a lost answer can be checked -----------------


def _units_named(app_env: Path, name: str) -> list[dict[str, Any]]:
    return [r for r in SqlStore(f"sqlite:///{app_env}").snapshot()["units"].records
            if r["name"] == name]


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count every full read of the store from now on."""
    reads: list[int] = []
    original = SqlStore.snapshot

    def snapshot(self: SqlStore) -> Snapshot:
        reads.append(1)
        return original(self)

    monkeypatch.setattr(SqlStore, "snapshot", snapshot)
    return reads


def _lose_first_answer(monkeypatch: pytest.MonkeyPatch, app_env: Path, *, applied: bool) -> None:
    """Make the next append lose its answer: written (or not) by the database, then unknown.

    The write goes through another store on the same file, so this process hears nothing of
    it, as when Google's answer never arrives.
    """
    original = SqlStore.append
    calls: list[int] = []

    def append(self: SqlStore, sheet_key: str, records: Any, actor: str,
               **kwargs: Any) -> list[dict[str, Any]]:
        calls.append(1)
        if len(calls) > 1:
            return original(self, sheet_key, records, actor, **kwargs)
        if applied:
            original(SqlStore(f"sqlite:///{app_env}"), sheet_key, records, actor, **kwargs)
        raise WriteUnknown(WRITE_UNKNOWN)

    monkeypatch.setattr(SqlStore, "append", append)


def _fill_new_unit(app: AppTest, name: str) -> None:
    app.text_input(key="units-add::0::name").input(name)
    app.selectbox(key="units-add::0::kind").select("Tổ dân phố")


def _text(elements: Any) -> str:
    return " ".join(rendered(e.value) for e in elements)


def test_saved_unit_is_listed_at_the_next_run_without_reading_the_store_again(
    app: AppTest, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.app import _snapshot_cache, get_store

    cache = _snapshot_cache(id(get_store()))  # the process's cache, as the page used it
    loaded_at = cache.loaded_at
    assert loaded_at > 0
    reads = _count_reads(monkeypatch)
    _fill_new_unit(app, "Tổ dân phố 99")
    _submit(app)
    assert "Tổ dân phố 99" in set(app.dataframe[0].value["Tên đơn vị"])
    app.run()  # another view of the page
    assert "Tổ dân phố 99" in set(app.dataframe[0].value["Tên đơn vị"])
    assert reads == [] and cache.loaded_at == loaded_at
    assert len(_units_named(app_env, "Tổ dân phố 99")) == 1


def test_lost_answer_of_a_save_that_landed_is_checked_and_found_saved(
    app: AppTest, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _lose_first_answer(monkeypatch, app_env, applied=True)
    _fill_new_unit(app, "Tổ dân phố 99")
    _submit(app)
    assert "Google Sheets không trả lời kịp; có thể đã lưu" in _text(app.warning)
    assert "Hãy sửa các ô sau" not in _text(app.error)
    assert app.text_input(key="units-add::0::name").value == "Tổ dân phố 99"  # input kept
    _submit(app, "Kiểm tra đã lưu chưa")
    assert "Đã lưu: đơn vị mới “Tổ dân phố 99”" in _text(app.success)
    assert app.text_input(key="units-add::1::name").value == ""  # a fresh form, as after a save
    assert not [b for b in app.button if b.label == "Kiểm tra đã lưu chưa"]
    assert len(_units_named(app_env, "Tổ dân phố 99")) == 1


def test_saving_again_after_a_lost_answer_that_landed_stores_one_record(
    app: AppTest, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _lose_first_answer(monkeypatch, app_env, applied=True)
    _fill_new_unit(app, "Tổ dân phố 99")
    _submit(app)
    assert len(_units_named(app_env, "Tổ dân phố 99")) == 1
    _submit(app)  # "Lưu" again, the same form
    assert "Đã lưu đơn vị mới: Tổ dân phố 99." in _text(app.success)
    assert len(_units_named(app_env, "Tổ dân phố 99")) == 1
    assert "Tổ dân phố 99" in set(app.dataframe[0].value["Tên đơn vị"])


def test_lost_answer_of_a_save_that_did_not_land_says_not_saved_then_saves_once(
    app: AppTest, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _lose_first_answer(monkeypatch, app_env, applied=False)
    _fill_new_unit(app, "Tổ dân phố 99")
    _submit(app)
    assert "có thể đã lưu" in _text(app.warning)
    _submit(app, "Kiểm tra đã lưu chưa")
    assert ("Chưa lưu: bấm “Lưu” để lưu lại; sẽ không tạo dòng trùng."
            in [rendered(i.value) for i in app.info])
    assert app.text_input(key="units-add::0::name").value == "Tổ dân phố 99"  # input kept
    assert _units_named(app_env, "Tổ dân phố 99") == []
    _submit(app)
    assert "Đã lưu đơn vị mới: Tổ dân phố 99." in _text(app.success)
    assert len(_units_named(app_env, "Tổ dân phố 99")) == 1


def test_store_error_on_save_is_said_as_it_is_not_as_cells_to_fix(
    app: AppTest, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def append(*args: Any, **kwargs: Any) -> None:
        raise BackendUnavailable("Không ghi được cơ sở dữ liệu; hãy thử lại.")

    monkeypatch.setattr(SqlStore, "append", append)
    _fill_new_unit(app, "Tổ dân phố 99")
    _submit(app)
    assert _text(app.error) == "Chưa lưu. Không ghi được cơ sở dữ liệu; hãy thử lại."
    assert app.text_input(key="units-add::0::name").value == "Tổ dân phố 99"
    assert not [b for b in app.button if b.label == "Kiểm tra đã lưu chưa"]


# --- an edit never overwrites a change made since the form was opened -----------------------


def _open_edit(at: AppTest, name: str) -> str:
    """Select a unit in the list and return its id (the edit form opens under the list)."""
    names = list(at.dataframe[0].value["Tên đơn vị"])
    at.session_state["units-table"] = {"selection": {"rows": [names.index(name)], "columns": [],
                                                     "cells": []}}
    at.run()
    assert not at.exception, at.exception
    unit = next(r for r in SqlStore(f"sqlite:///{at_env(at)}").snapshot()["units"].records
                if r["name"] == name)
    return str(unit["id"])


def at_env(_at: AppTest) -> str:
    import os

    return os.environ["DANVAN_DB_URL"].removeprefix("sqlite:///")


def test_a_change_made_after_the_form_opened_is_never_overwritten(
    app: AppTest, app_env: Path,
) -> None:
    unit_id = _open_edit(app, "Tổ dân phố 3")
    key = f"units-edit-{unit_id}::0"
    # Someone else changes the phone; the cache is read again (the TTL passed).
    other = SqlStore(f"sqlite:///{app_env}")
    seen = other.snapshot()["units"].by_id[unit_id]
    other.update("units", unit_id, {"phone": "0999888777"}, seen, "nguoi.khac@example.com")
    st.cache_resource.clear()
    app.run()
    # This person changes only the head and saves: refused, the phone is not reverted.
    app.text_input(key=f"{key}::head").input("Lê Văn Mới")
    _submit(app, "Lưu thay đổi")
    assert "Số điện thoại" in " ".join(rendered(e.value) for e in app.error)
    assert SqlStore(f"sqlite:///{app_env}").snapshot()["units"].by_id[unit_id]["phone"] == (
        "0999888777")
    # Reloading shows what changed; saving again writes only the head.
    _submit(app, "Tải lại dữ liệu mới nhất")
    assert "0999888777" in " ".join(rendered(i.value) for i in app.info)
    assert app.text_input(key=f"{key}::head").value == "Lê Văn Mới"
    _submit(app, "Lưu thay đổi")
    stored = SqlStore(f"sqlite:///{app_env}").snapshot()["units"].by_id[unit_id]
    assert (stored["head"], stored["phone"]) == ("Lê Văn Mới", "0999888777")
