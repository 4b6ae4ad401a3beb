"""The data-quality page: changes made outside the app stay listed until an editor marks them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest

from services.auth import LOCAL_ADMIN
from services.bootstrap import fill
from services.choices import Role
from services.clock import today
from services.schema import ID, Record
from services.store.sql import SqlStore
from services.validation import ROW
from tests.conftest import click, open_page
from tests.test_page_roles import signed_in_app

EDITOR = ("can.bo@gmail.com", "Nguyễn Văn Cán Bộ")
EMPTY = "Không có thay đổi ngoài ứng dụng nào chờ xem."
TABLE = "outside-table"


def _edit_by_hand(db: Path, head: str, count: int = 1) -> list[Record]:
    """Change the person in charge of the first units straight in the database (no audit)."""
    store = SqlStore(f"sqlite:///{db}")
    units = sorted(store.snapshot()["units"].active(), key=lambda u: u[ROW])[:count]
    table = store.tables["units"]
    with store.engine.begin() as conn:
        for i, unit in enumerate(units):
            conn.execute(sa.update(table).where(table.c.id == unit[ID]).values(head=f"{head} {i}"))
    store.engine.dispose()
    return units


def _outside_rows(db: Path) -> list[Record]:
    store = SqlStore(f"sqlite:///{db}")
    try:
        return store.read_sheet("outside").records
    finally:
        store.engine.dispose()


def _listed(at: AppTest) -> pd.DataFrame:
    return at.dataframe(key=TABLE).value


def _tick(at: AppTest, *rows: int) -> AppTest:
    """Tick rows of the list, as clicking their boxes does."""
    at.session_state[TABLE] = {"selection": {"rows": list(rows), "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    return at


def _said(at: AppTest) -> list[str]:
    return [e.value for e in (*at.info, *at.success)]


def test_nothing_pending_says_so_in_a_sentence(app_env: Path) -> None:
    at = open_page("pages/quality.py")
    assert any(h.value == "Thay đổi ngoài ứng dụng chưa xem" for h in at.subheader)
    assert EMPTY in _said(at)
    assert not [b for b in at.button if b.label.startswith("Đánh dấu")]


def test_a_row_edited_outside_is_listed_and_marking_it_reviewed_removes_it(
        app_env: Path) -> None:
    at = open_page("pages/quality.py")
    [unit] = _edit_by_hand(app_env, "Người Sửa Tay")
    click(at, "Làm mới dữ liệu")
    [row] = _listed(at).to_dict("records")
    assert (row["Bảng"], row["Mã bản ghi"], row["Thay đổi"]) == ("Đơn vị", unit[ID], "Sửa")
    assert row["Dòng"] == unit[ROW]
    assert row["Cột thay đổi (trước → sau)"].endswith("→ Người Sửa Tay 0")
    mark = next(b for b in at.button if b.label == "Đánh dấu đã xem")
    assert mark.disabled  # nothing ticked yet

    _tick(at, 0)
    click(at, "Đánh dấu đã xem")
    assert EMPTY in _said(at)
    assert any("Đã đánh dấu 1 thay đổi" in s.value for s in at.success)
    [kept] = _outside_rows(app_env)
    assert kept["reviewed_by"] == LOCAL_ADMIN.label and kept["reviewed_at"] is not None


def test_a_change_is_still_listed_after_more_reads_and_a_restart(app_env: Path) -> None:
    at = open_page("pages/quality.py")
    [unit] = _edit_by_hand(app_env, "Bà Sửa Tay")
    click(at, "Làm mới dữ liệu")
    click(at, "Làm mới dữ liệu")
    assert list(_listed(at)["Mã bản ghi"]) == [unit[ID]]

    st.cache_resource.clear()  # a restart: the process's store and snapshot are gone
    at = open_page("pages/quality.py")
    assert list(_listed(at)["Mã bản ghi"]) == [unit[ID]]


def test_mark_all_reviewed_marks_every_row_listed_in_one_go(app_env: Path) -> None:
    at = open_page("pages/quality.py")
    _edit_by_hand(app_env, "Người Sửa Tay", count=3)
    click(at, "Làm mới dữ liệu")
    assert len(_listed(at)) == 3
    click(at, "Đánh dấu tất cả đã xem")
    assert EMPTY in _said(at)
    assert all(r["reviewed_by"] for r in _outside_rows(app_env))


def test_a_change_the_app_made_is_not_listed(app_env: Path) -> None:
    at = open_page("pages/units.py")
    at.text_input(key="units-add::0::name").input("Tổ dân phố 99")
    at.selectbox(key="units-add::0::kind").select("Tổ dân phố")
    click(at, "Lưu")
    at.switch_page("pages/quality.py").run()
    assert not at.exception
    assert EMPTY in _said(at)
    assert _outside_rows(app_env) == []


@pytest.fixture
def ward(app_env: Path) -> Path:
    """The demo ward with one editor in the users sheet."""
    store = SqlStore(f"sqlite:///{app_env}")
    fill(store, demo=True, year=today().year)
    store.append("users", [{"email": EDITOR[0], "name": EDITOR[1], "role": Role.EDITOR}],
                 "test")
    store.engine.dispose()
    return app_env


def test_an_editor_marks_a_change_reviewed_under_their_own_name(ward: Path) -> None:
    at = signed_in_app(*EDITOR)
    at.switch_page("pages/quality.py").run()
    _edit_by_hand(ward, "Người Sửa Tay")
    click(at, "Làm mới dữ liệu")
    click(at, "Đánh dấu tất cả đã xem")
    [kept] = _outside_rows(ward)
    assert kept["reviewed_by"] == EDITOR[0]
