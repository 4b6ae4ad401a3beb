"""A workflow page on the Google Sheets backend: the units page against the fake Sheets API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from services.config import Backend, Settings
from services.schema import SHEETS
from services.sheet_setup import setup_spreadsheet
from services.store.gsheets import OVERLOADED, GSheetsStore
from tests.conftest import open_page
from tests.fakes.sheets_api import FakeSheetsServer
from tests.rendered import rendered

UNITS = "Đơn vị"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSheetsServer]:
    with FakeSheetsServer() as server:
        yield server


@pytest.fixture
def sid(fake: FakeSheetsServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Prepare a fresh spreadsheet and point the app at it, with every cache forgotten."""
    sid = fake.create_spreadsheet("Khối Dân vận", {"Trang tính1": []}, locale="vi_VN")
    settings = Settings(backend=Backend.GSHEETS, spreadsheet=sid, sheets_api_url=fake.base_url)
    setup_spreadsheet(GSheetsStore.from_settings(settings), rows=10)
    monkeypatch.setenv("DANVAN_BACKEND", "gsheets")
    monkeypatch.setenv("DANVAN_SPREADSHEET", sid)
    monkeypatch.setenv("DANVAN_SHEETS_API_URL", fake.base_url)
    monkeypatch.setenv("DANVAN_DEADLINE", "1")
    st.cache_resource.clear()
    st.cache_data.clear()
    yield sid
    fake.clear_faults()
    st.cache_resource.clear()
    st.cache_data.clear()


def _submit(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Lưu").click().run()
    assert not at.exception, at.exception
    return at


def _names(fake: FakeSheetsServer, sid: str) -> list[str]:
    return [row[1] for row in fake.get_values(sid, UNITS)[1:]]


def test_a_valid_unit_lands_in_the_spreadsheet_with_one_write(
    fake: FakeSheetsServer, sid: str
) -> None:
    at = open_page("pages/units.py")
    at.text_input(key="units-add::0::name").input("Tổ dân phố 99")
    at.selectbox(key="units-add::0::kind").select("Tổ dân phố")
    at.text_area(key="units-add::0::note").input('=IMPORTXML("http://x")')
    fake.reset_log()
    _submit(at)
    assert "Đã lưu" in rendered(at.success[0].value)
    assert fake.count(kind="write") == 1
    assert _names(fake, sid) == ["Tổ dân phố 99"]
    note = chr(ord("A") + SHEETS["units"].keys.index("note")) + "2"
    assert fake.cell(sid, UNITS, note) == '=IMPORTXML("http://x")'
    assert not fake.is_formula(sid, UNITS, note)
    assert len(fake.get_values(sid, "Nhật ký thay đổi")) == 2  # header + the audit row
    assert "Tổ dân phố 99" in set(at.dataframe[0].value["Tên đơn vị"])


def test_an_invalid_unit_names_the_field_and_writes_nothing(
    fake: FakeSheetsServer, sid: str
) -> None:
    at = open_page("pages/units.py")
    at.text_input(key="units-add::0::name").input("Tổ dân phố 98")
    at.text_input(key="units-add::0::phone").input("12345")
    fake.reset_log()
    _submit(at)
    errors = " ".join(rendered(e.value) for e in at.error)
    assert "Loại đơn vị" in errors and "Số điện thoại" in errors
    assert fake.count(kind="write") == 0
    assert _names(fake, sid) == []
    assert at.text_input(key="units-add::0::name").value == "Tổ dân phố 98"


def test_when_google_is_down_the_form_says_so_and_keeps_the_input(
    fake: FakeSheetsServer, sid: str
) -> None:
    at = open_page("pages/units.py")
    at.text_input(key="units-add::0::name").input("Tổ dân phố 97")
    at.selectbox(key="units-add::0::kind").select("Tổ dân phố")
    fake.inject_faults(503, None, kind="write")
    _submit(at)
    assert OVERLOADED in " ".join(rendered(e.value) for e in at.error)
    assert at.text_input(key="units-add::0::name").value == "Tổ dân phố 97"
    assert _names(fake, sid) == []


def test_google_down_shows_a_plain_sentence_and_a_retry_not_a_traceback(
    fake: FakeSheetsServer, sid: str
) -> None:
    fake.inject_faults(503, None, kind="read")
    at = open_page("pages/units.py")
    assert not at.exception
    assert "Google Sheets" in rendered(at.error[0].value)
    assert [b for b in at.button if b.label == "Thử lại"]
    fake.clear_faults()
    next(b for b in at.button if b.label == "Thử lại").click().run()
    assert not at.exception and not at.error


def test_a_failed_data_read_offers_a_retry_that_rereads(fake: FakeSheetsServer, sid: str) -> None:
    fake.inject_faults(503, None, path_contains="batchGet")
    at = open_page("pages/units.py")
    assert not at.exception
    assert "Google Sheets" in rendered(at.error[0].value)
    fake.clear_faults()
    next(b for b in at.button if b.label == "Thử lại").click().run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Đơn vị"


def test_the_peer_scenario_costs_at_most_three_requests_and_keeps_the_persons_row(
    fake: FakeSheetsServer, sid: str
) -> None:
    fake.reset_log()
    first = open_page("pages/units.py")  # a cold view: the metadata and one read
    for _ in range(10):
        first.run()  # reruns of the same visitor
    open_page("pages/units.py")  # a second visitor
    rows = fake.get_values(sid, UNITS)
    fake.type_row(sid, UNITS, len(rows) + 1, ["", "Tổ dân phố người gõ", "Tổ dân phố"])
    first.text_input(key="units-add::0::name").input("Tổ dân phố 99")
    first.selectbox(key="units-add::0::kind").select("Tổ dân phố")
    _submit(first)  # a save
    first.run()  # a rerun shows the app's own write at once
    assert "Tổ dân phố 99" in set(first.dataframe[0].value["Tên đơn vị"])
    third = open_page("pages/units.py")  # a third visitor
    assert not third.exception
    assert fake.count() <= 3, [r.operation for r in fake.requests]
    assert {"Tổ dân phố 99", "Tổ dân phố người gõ"} <= set(_names(fake, sid))
