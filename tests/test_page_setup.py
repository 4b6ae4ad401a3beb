"""The admin page that prepares a Google spreadsheet: explains itself locally, sets up a sheet."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from services.schema import SHEETS
from tests.conftest import click, open_page
from tests.fakes.sheets_api import FakeSheetsServer


def test_on_the_embedded_store_it_says_no_setup_is_needed(app_env: Path) -> None:
    at = open_page("pages/setup.py")
    assert "không cần chuẩn bị bảng tính" in at.info[0].value
    assert not [b for b in at.button if b.label == "Chuẩn bị bảng tính"]


@pytest.fixture
def empty_sheet(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeSheetsServer, str]]:
    with FakeSheetsServer() as fake:
        sid = fake.create_spreadsheet("Khối Dân vận", {"Trang tính1": []}, locale="vi_VN")
        monkeypatch.setenv("DANVAN_BACKEND", "gsheets")
        monkeypatch.setenv("DANVAN_SPREADSHEET", sid)
        monkeypatch.setenv("DANVAN_SHEETS_API_URL", fake.base_url)
        st.cache_resource.clear()
        yield fake, sid
        st.cache_resource.clear()


def test_button_creates_every_tab_and_a_second_run_changes_nothing(
    empty_sheet: tuple[FakeSheetsServer, str],
) -> None:
    fake, sid = empty_sheet
    at = click(open_page("pages/setup.py"), "Chuẩn bị bảng tính")
    assert "Đã chuẩn bị xong" in at.success[0].value
    assert {s.title for s in SHEETS.values()} <= set(fake.tabs(sid))
    assert fake.get_values(sid, "Đơn vị")[0][:2] == ["Mã", "Tên đơn vị"]
    writes = fake.count(kind="write")
    click(at, "Chuẩn bị bảng tính")
    assert fake.count(kind="write") == writes
