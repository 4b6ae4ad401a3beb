"""The units page: add a unit, refuse a bad one with a named field, edit with conflict check."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from services.store.sql import SqlStore
from tests.conftest import new_app_test


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
    assert [s.value for s in app.success] and "Đã lưu" in app.success[0].value
    names = {r["name"] for r in SqlStore(f"sqlite:///{app_env}").snapshot()["units"].records}
    assert "Tổ dân phố 99" in names
    table = app.dataframe[0].value
    assert "Tổ dân phố 99" in set(table["Tên đơn vị"])


def test_invalid_unit_names_the_field_and_keeps_the_input(app: AppTest, app_env: Path) -> None:
    before = len(SqlStore(f"sqlite:///{app_env}").snapshot()["units"].records)
    app.text_input(key="units-add::0::name").input("Tổ dân phố 98")
    app.text_input(key="units-add::0::phone").input("12345")
    _submit(app)
    errors = " ".join(e.value for e in app.error)
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
