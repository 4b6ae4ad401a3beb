"""The Google Sheets store on the fake Sheets API: contract, request budgets, messy sheets, faults.

Everything runs the real gspread HTTP client over loopback HTTP against `FakeSheetsServer`.
"""

from __future__ import annotations

import socketserver
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import requests
import streamlit as st

from services.choices import Field, ModelKind, RegistrationStatus, UnitKind
from services.coltypes import to_serial
from services.config import Backend, Settings
from services.schema import SHEETS
from services.sheet_setup import setup_spreadsheet
from services.store.base import (
    WRITE_UNKNOWN,
    BackendUnavailable,
    ConflictError,
    SetupError,
    StoreError,
)
from services.store.gsheets import (
    OVERLOADED,
    GSheetsStore,
    RetryPolicy,
    SheetsHTTPClient,
    spreadsheet_key,
)
from services.validation import Severity
from tests.conftest import new_app_test
from tests.fakes.sheets_api import FakeSheetsServer
from tests.store_contract import ACTOR, INJECTIONS, StoreContract, unit

# Tiny waits: the retry tests do not sleep for real seconds.
FAST = RetryPolicy(attempts=5, first_wait=0.01, max_wait=0.05)
# A small grid keeps the fake quick: it copies every guarded cell on each batchUpdate.
ROWS = 5
UNITS, MEMBERS, CAMPAIGNS, AUDIT = "Đơn vị", "Lực lượng nòng cốt", "Đợt thi đua", "Nhật ký thay đổi"


pytestmark = pytest.mark.usefixtures("clean_fake")


def settings_for(fake: FakeSheetsServer, sid: str, **values: Any) -> Settings:
    """Return settings pointing the gsheets backend at the fake."""
    return Settings(backend=Backend.GSHEETS, spreadsheet=sid, sheets_api_url=fake.base_url,
                    **values)


def open_store(fake: FakeSheetsServer, sid: str, policy: RetryPolicy = FAST,
               **values: Any) -> GSheetsStore:
    """Open a store on the fake spreadsheet `sid`."""
    return GSheetsStore.from_settings(settings_for(fake, sid, **values), policy=policy)


def prepared(fake: FakeSheetsServer, *, locale: str = "en_US",
             reference_data: bool = False) -> tuple[str, GSheetsStore]:
    """Return a fresh spreadsheet prepared by `setup-sheet`, and a store on it."""
    sid = fake.create_spreadsheet("Khối Dân vận", {"Trang tính1": []}, locale=locale)
    store = open_store(fake, sid)
    setup_spreadsheet(store, rows=ROWS, reference_data=reference_data)
    fake.reset_log()
    return sid, store


class TestGSheetsStoreContract(StoreContract):
    @pytest.fixture
    def store(self, fake: FakeSheetsServer) -> GSheetsStore:
        return prepared(fake)[1]


# --- request budgets -----------------------------------------------------------------------


def test_cold_snapshot_is_one_read_plus_one_metadata_read(fake: FakeSheetsServer) -> None:
    sid, _ = prepared(fake)
    store = open_store(fake, sid)
    store.snapshot()
    assert fake.count(operation="spreadsheets.get") == 1
    assert fake.count(operation="values.batchGet") == 1
    assert fake.count() == 2
    fake.reset_log()
    store.snapshot()
    assert [r.operation for r in fake.requests] == ["values.batchGet"]
    batch = fake.requests[0]
    assert batch.param("valueRenderOption") == "UNFORMATTED_VALUE"
    assert batch.param("dateTimeRenderOption") == "SERIAL_NUMBER"
    # Every tab of the snapshot in the one request; of the audit trail only its header rows.
    ranges = batch.query["ranges"]
    assert len(ranges) == len(SHEETS)
    assert [r for r in ranges if "Nhật ký" in r] == ["'Nhật ký thay đổi'!1:1"]


def test_append_is_exactly_one_write_and_no_read(fake: FakeSheetsServer) -> None:
    sid, store = prepared(fake)
    store.snapshot()
    fake.reset_log()
    store.append("units", [unit("Tổ dân phố 1"), unit("Tổ dân phố 2")], ACTOR)
    assert (fake.count(kind="read"), fake.count(kind="write")) == (0, 1)
    [write] = fake.requests
    assert write.operation == "spreadsheets.batchUpdate"
    kinds = [next(iter(r)) for r in write.body["requests"]]
    assert kinds == ["appendCells", "appendCells"]  # the records and their audit rows together
    assert len(fake.get_values(sid, AUDIT)) == 3


def test_update_is_at_most_one_read_and_one_write(fake: FakeSheetsServer) -> None:
    _, store = prepared(fake)
    [record] = store.append("units", [unit()], ACTOR)
    seen = store.snapshot()["units"].by_id[record["id"]]
    fake.reset_log()
    store.update("units", record["id"], {"head": "Lê Văn Tám"}, seen, ACTOR)
    assert (fake.count(kind="read"), fake.count(kind="write")) == (1, 1)
    fake.reset_log()
    store.delete("units", record["id"], store.snapshot()["units"].by_id[record["id"]], ACTOR)
    assert (fake.count(kind="read"), fake.count(kind="write")) == (2, 1)  # snapshot + check


@pytest.fixture
def gsheets_app_env(fake: FakeSheetsServer,
                    monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, GSheetsStore]]:
    """Point the app at a prepared fake spreadsheet and forget every process-wide cache."""
    sid, store = prepared(fake, reference_data=True)
    monkeypatch.setenv("DANVAN_BACKEND", "gsheets")
    monkeypatch.setenv("DANVAN_SPREADSHEET", sid)
    monkeypatch.setenv("DANVAN_SHEETS_API_URL", fake.base_url)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield sid, store
    st.cache_resource.clear()
    st.cache_data.clear()


def test_a_page_view_with_a_warm_cache_makes_no_request(
    fake: FakeSheetsServer, gsheets_app_env: tuple[str, GSheetsStore]
) -> None:
    fake.reset_log()
    at = new_app_test().run()
    assert not at.exception, at.exception
    assert fake.count(operation="spreadsheets.get") == 1
    assert fake.count(operation="values.batchGet") == 1
    assert fake.count() == 2
    fake.reset_log()
    at.run()
    assert not at.exception
    assert fake.count() == 0


# --- a sheet people edited -----------------------------------------------------------------

MEMBER_HEADER = ["Mã", "Họ và tên", "Giới tính", "Năm sinh", "To dan pho", "Chức danh, vai trò",
                 "Tổ chức", "Đảng viên", "Số điện thoại", "Trạng thái", "Số văn bản phê duyệt",
                 "Ngày phê duyệt", "Ghi chú riêng của tổ"]


def _member(mid: str, name: str, year: str, tdp: str, phone: str = "0912345678",
            approved: str = "") -> list[str]:
    status = "Đã phê duyệt" if approved else "Đề xuất"
    ref = "12-QĐ/ĐU" if approved else ""
    return [mid, name, "Nam", year, tdp, "Tổ trưởng", "Mặt trận", "FALSE", phone, status, ref,
            approved, "ghi chú"]


def test_a_messy_sheet_loads_good_rows_and_reports_each_problem_with_its_row(
    fake: FakeSheetsServer,
) -> None:
    sid, store = prepared(fake, locale="vi_VN", reference_data=True)
    store.append("units", [unit("Tổ dân phố 1"), unit("Tổ dân phố 2")], ACTOR)
    # Typed by a person (USER_ENTERED, Vietnamese locale), sorted by name, header renamed
    # without diacritics, an extra column, blank rows, and trouble in several rows.
    fake.set_values(sid, MEMBERS, [
        MEMBER_HEADER,
        _member("NC-0001", "Nguyễn Văn An", "1970", "Tổ dân phố 1", approved="7/4/2024"),
        [],
        _member("NC-0002", "Trần Thị Bình", "khoảng 1970", "to dan pho 2"),
        _member("NC-0002", "Lê Văn Cường", "1981", "Tổ dân phố 2"),
        _member("", "Phạm Thị Dung", "1990", "Tổ dân phố 1", phone="0987 654 321"),
        [],
        _member("NC-0003", "Hoàng Văn Em", "1985", "Tổ dân phố 9"),
    ])
    fake.set_values(sid, "Số liệu chỉ tiêu", [
        ["Mã", "Mã chỉ tiêu", "Năm", "Giá trị", "Ghi chú, nguồn số liệu"],
        ["SL-1", "2.1.5", "2024", "53,8", "UBND"],
        ["SL-2", "2.1.2", "2024", "", "bỏ trống giá trị"],
        ["SL-3", "2.1.3", "2024", "năm mươi", ""],
        ["SL-4", "2.1.7", "2024", "", ""],
    ])
    # "55 %" pasted as plain text into the number column.
    fake.set_cell(sid, "Số liệu chỉ tiêu", "D5", "55 %", value_input_option="RAW")

    snapshot = store.snapshot()
    members = snapshot["members"]
    assert {r["full_name"] for r in members.records} == {"Nguyễn Văn An", "Phạm Thị Dung"}
    an = next(r for r in members.records if r["full_name"] == "Nguyễn Văn An")
    assert an["approved_on"] == date(2024, 4, 7) and an["tdp"] == "Tổ dân phố 1"
    assert an["phone"] == "0912345678" and an["_row"] == 2
    assert members.extra_columns == ["Ghi chú riêng của tổ"]
    found = {(p.row, p.column, p.severity) for p in members.problems}
    assert (4, "Năm sinh", Severity.ERROR) in found
    assert (5, "Mã", Severity.ERROR) in found  # the duplicated id
    assert (6, "Mã", Severity.WARNING) in found  # the row without id is kept, with a warning
    assert (8, "Tổ dân phố", Severity.ERROR) in found  # not in the units tab
    assert not any(p.row in (3, 7) for p in members.problems)  # blank rows are not problems

    values = snapshot["indicator_values"]
    assert {r["id"]: r["value"] for r in values.records} == {"SL-1": 53.8, "SL-4": 55}
    assert {(p.row, p.column) for p in values.problems} == {(3, "Giá trị"), (4, "Giá trị")}


def test_a_missing_tab_is_an_empty_table_and_a_reported_problem(fake: FakeSheetsServer) -> None:
    sid, store = prepared(fake)
    # A person deletes the members tab.
    gid = fake.sheet_properties(sid, MEMBERS)["sheetId"]
    store.batch_update([{"deleteSheet": {"sheetId": gid}}])
    store = open_store(fake, sid)
    snapshot = store.snapshot()
    assert snapshot["members"].records == []
    [problem] = snapshot["members"].problems
    assert MEMBERS in problem.message and "setup-sheet" in problem.message
    with pytest.raises(SetupError, match=MEMBERS):
        store.append("members", [{"full_name": "Nguyễn Văn An"}], ACTOR)


def test_a_tab_created_after_the_store_opened_is_found_by_a_later_read(
    fake: FakeSheetsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = fake.create_spreadsheet("Khối Dân vận", {"Trang tính1": []})
    store = open_store(fake, sid)
    assert store.snapshot()["units"].problems  # no tab yet
    setup_spreadsheet(open_store(fake, sid), rows=ROWS)  # run from elsewhere (the CLI)
    monkeypatch.setattr("services.store.gsheets.METADATA_RECHECK", 0.0)
    assert store.snapshot().problems == []


def test_text_typed_into_the_sheet_is_never_numericised(fake: FakeSheetsServer) -> None:
    sid, store = prepared(fake, locale="vi_VN")
    fake.set_values(sid, UNITS, [
        ["Mã", "Tên đơn vị", "Loại đơn vị", "", "", "", "Số điện thoại", "Ghi chú"],
        ["DV-1", "0123", "Tổ dân phố", "", "", "", "0912345678", "12,5"],
    ])
    [record] = store.snapshot()["units"].records
    # The setup made these text columns: what was typed comes back exactly.
    assert (record["name"], record["phone"], record["note"]) == ("0123", "0912345678", "12,5")


def test_append_places_cells_by_the_header_whatever_the_column_order(
    fake: FakeSheetsServer,
) -> None:
    sid, store = prepared(fake)
    fake.set_values(sid, UNITS, [["Ghi chú", "Cột riêng", "Loại đơn vị", "Tên đơn vị", "Mã"]],
                    value_input_option="RAW")
    store.snapshot()
    fake.reset_log()
    [record] = store.append("units", [unit("Tổ dân phố 3", note="gần chợ")], ACTOR)
    assert fake.count(kind="read") == 0 and fake.count(kind="write") == 1
    header, row = fake.get_values(sid, UNITS)[:2]
    # Missing columns were added after the last header, never in between.
    assert header[:5] == ["Ghi chú", "Cột riêng", "Loại đơn vị", "Tên đơn vị", "Mã"]
    assert header[5:] == ["Phải đăng ký mô hình", "Địa bàn phức tạp", "Người phụ trách",
                          "Số điện thoại", "Khu dân cư", "Có từ ngày", "Đến ngày", "Lưu trữ"]
    assert row[:6] == ["gần chợ", "", "Tổ dân phố", "Tổ dân phố 3", record["id"], True]
    assert store.snapshot()["units"].by_id[record["id"]]["note"] == "gần chợ"


# --- writes that meet people's edits --------------------------------------------------------


def test_update_after_a_person_sorted_the_rows_writes_only_that_cell(
    fake: FakeSheetsServer,
) -> None:
    sid, store = prepared(fake)
    records = store.append("units", [unit(f"Tổ dân phố {n}", head=f"Trưởng {n}")
                                     for n in (1, 2, 3)], ACTOR)
    seen = store.snapshot()["units"].by_id[records[0]["id"]]
    header, *rows = fake.get_values(sid, UNITS)
    fake.set_values(sid, UNITS, [header, *reversed(rows)], value_input_option="RAW")  # sorted Z-A
    fake.reset_log()
    store.update("units", records[0]["id"], {"phone": "0987654321"}, seen, ACTOR)
    [write] = [r for r in fake.requests if r.kind == "write"]
    cells = [r["updateCells"] for r in write.body["requests"] if "updateCells" in r]
    assert len(cells) == 1
    assert cells[0]["range"] == {"sheetId": cells[0]["range"]["sheetId"], "startRowIndex": 3,
                                 "endRowIndex": 4, "startColumnIndex": 6, "endColumnIndex": 7}
    assert fake.get_values(sid, UNITS)[3][:7] == [records[0]["id"], "Tổ dân phố 1", "Tổ dân phố",
                                                  True, "", "Trưởng 1", "0987654321"]
    assert [row[1] for row in fake.get_values(sid, UNITS)[1:]] == [
        "Tổ dân phố 3", "Tổ dân phố 2", "Tổ dân phố 1"]


def test_a_persons_edit_since_the_snapshot_makes_the_update_refuse_and_write_nothing(
    fake: FakeSheetsServer,
) -> None:
    sid, store = prepared(fake)
    [record] = store.append("units", [unit(phone="0912345678")], ACTOR)
    seen = store.snapshot()["units"].by_id[record["id"]]
    fake.set_cell(sid, UNITS, "G2", "0900000000")  # someone fixes the phone in the sheet
    before = fake.get_values(sid, UNITS)
    fake.reset_log()
    with pytest.raises(ConflictError) as err:
        store.update("units", record["id"], {"head": "Lê Văn Tám"}, seen, ACTOR)
    assert "Số điện thoại" in str(err.value)
    assert fake.count(kind="write") == 0
    assert fake.get_values(sid, UNITS) == before


def test_a_duplicated_id_is_refused_rather_than_guessed(fake: FakeSheetsServer) -> None:
    sid, store = prepared(fake)
    [record] = store.append("units", [unit()], ACTOR)
    header, row = fake.get_values(sid, UNITS)
    fake.set_values(sid, UNITS, [header, row, [row[0], "Tổ dân phố 6", "Tổ dân phố"]],
                    value_input_option="RAW")
    fake.reset_log()
    with pytest.raises(StoreError, match="nhiều dòng"):
        store.update("units", record["id"], {"head": "X"}, {}, ACTOR)
    assert fake.count(kind="write") == 0


def test_delete_after_rows_were_inserted_above_removes_the_right_row(
    fake: FakeSheetsServer,
) -> None:
    sid, store = prepared(fake)
    [_, gone] = store.append("units", [unit("Tổ dân phố 1"), unit("Tổ dân phố 2")], ACTOR)
    seen = store.snapshot()["units"].by_id[gone["id"]]
    header, *rows = fake.get_values(sid, UNITS)
    fake.set_values(sid, UNITS, [header, ["", "Tổ dân phố 0", "Tổ dân phố"], *rows],
                    value_input_option="RAW")
    store.delete("units", gone["id"], seen, ACTOR)
    assert [row[1] for row in fake.get_values(sid, UNITS)[1:]] == ["Tổ dân phố 0", "Tổ dân phố 1"]


@pytest.mark.parametrize("text", INJECTIONS)
def test_formula_like_input_is_stored_as_literal_text(fake: FakeSheetsServer, text: str) -> None:
    sid, store = prepared(fake)
    [record] = store.append("units", [unit(note=text, head=text)], ACTOR)
    assert not fake.is_formula(sid, UNITS, "H2") and not fake.is_formula(sid, UNITS, "F2")
    assert fake.cell(sid, UNITS, "H2") == text
    seen = store.snapshot()["units"].by_id[record["id"]]
    store.update("units", record["id"], {"head": "=" + text}, seen, ACTOR)
    assert not fake.is_formula(sid, UNITS, "F2")
    assert fake.cell(sid, UNITS, "F2") == "=" + text


def test_dates_land_as_serial_numbers_with_the_date_format(fake: FakeSheetsServer) -> None:
    sid, store = prepared(fake)
    store.append("campaigns", [{"name": "“Dân vận khéo” năm 2024", "year": 2024,
                                "register_by": date(2024, 4, 7),
                                "report_by": date(2024, 9, 5)}], ACTOR)
    assert fake.cell(sid, CAMPAIGNS, "F2") == to_serial(date(2024, 4, 7))
    assert fake.number_format(sid, CAMPAIGNS, "F2") == {"type": "DATE", "pattern": "dd/mm/yyyy"}
    assert fake.cell(sid, CAMPAIGNS, "C2") == 2024


def test_a_registration_round_trips_every_column_type(fake: FakeSheetsServer) -> None:
    _, store = prepared(fake)
    store.append("units", [unit()], ACTOR)
    store.append("campaigns", [{"name": "Đợt 1", "year": 2024, "register_by": date(2024, 4, 7),
                                "report_by": date(2024, 9, 5)}], ACTOR)
    [reg] = store.append("registrations", [{
        "campaign": "Đợt 1", "unit": "Tổ dân phố 5", "kind": ModelKind.TAP_THE,
        "field": Field.KINH_TE, "model_name": "Mô hình", "registered_on": date(2024, 4, 1),
        "status": RegistrationStatus.DANG_KY, "crit_task": False,
    }], ACTOR)
    snapshot = store.snapshot()
    assert snapshot.problems == []
    got = snapshot["registrations"].by_id[reg["id"]]
    assert (got["crit_task"], got["registered_on"], got["field"]) == (
        False, date(2024, 4, 1), Field.KINH_TE)
    assert snapshot["units"].records[0]["kind"] == UnitKind.TO_DAN_PHO


# --- faults --------------------------------------------------------------------------------


def test_a_burst_of_429_is_survived(fake: FakeSheetsServer) -> None:
    _, store = prepared(fake)
    fake.inject_faults(429, count=3)
    store.snapshot()
    assert [r.status for r in fake.requests] == [429, 429, 429, 200]
    fake.reset_log()
    fake.inject_faults(429, count=3, kind="write")
    store.append("units", [unit()], ACTOR)
    assert [r.status for r in fake.requests] == [429, 429, 429, 200]
    assert len(store.snapshot()["units"].records) == 1  # retried, not duplicated


def test_a_permanent_503_ends_in_a_plain_message_within_the_deadline(
    fake: FakeSheetsServer,
) -> None:
    sid, _ = prepared(fake)
    store = open_store(fake, sid, RetryPolicy(attempts=100, first_wait=0.05, max_wait=0.2),
                       deadline=1.0)
    store.snapshot()
    fake.inject_faults(503, None)
    started = time.monotonic()
    with pytest.raises(BackendUnavailable) as err:
        store.append("units", [unit()], ACTOR)
    assert time.monotonic() - started < 1.5
    assert str(err.value) == OVERLOADED
    assert 2 < fake.count(kind="write") < 100
    fake.clear_faults()
    assert store.snapshot()["units"].records == []


def test_a_write_is_not_sent_twice_after_a_client_timeout(
    fake: FakeSheetsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid, _ = prepared(fake)
    store = open_store(fake, sid, request_timeout=0.2)
    store.snapshot()
    fake.reset_log()
    fake.latency = 0.5
    # The fake answers a client that has hung up; keep its broken-pipe traceback out of the log.
    monkeypatch.setattr(socketserver.BaseServer, "handle_error", lambda *_: None)
    with pytest.raises(BackendUnavailable) as err:
        store.append("units", [unit()], ACTOR)
    assert str(err.value) == WRITE_UNKNOWN
    assert fake.count(kind="write") == 1
    time.sleep(0.5)  # let the late answer go out while the hook is quiet


def test_a_write_that_never_reached_the_server_is_retried_then_given_up() -> None:
    from google.auth.credentials import AnonymousCredentials

    waits: list[float] = []
    client = SheetsHTTPClient(AnonymousCredentials(), base_url="http://127.0.0.1:9",
                              policy=RetryPolicy(attempts=3), sleep=waits.append)
    with pytest.raises(requests.ConnectionError):  # refused: nothing was sent, nothing applied
        client.batch_update("x", {"requests": [{"addSheet": {}}]})
    assert len(waits) == 2


def test_an_unknown_spreadsheet_says_to_check_the_setting(fake: FakeSheetsServer) -> None:
    with pytest.raises(SetupError, match="DANVAN_SPREADSHEET"):
        open_store(fake, "khong-co-bang-tinh-nay")


def test_a_forbidden_spreadsheet_says_to_share_it_with_the_service_account(
    fake: FakeSheetsServer,
) -> None:
    _, store = prepared(fake)
    fake.inject_faults(403, count=1)
    with pytest.raises(SetupError, match="Chia sẻ"):
        store.snapshot()


def test_without_credentials_or_api_url_the_message_says_what_to_configure() -> None:
    with pytest.raises(SetupError, match="gcp_service_account"):
        GSheetsStore.from_settings(Settings(backend=Backend.GSHEETS, spreadsheet="abc"))


# --- small things --------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "key"), [
    ("1AbC_d-9", "1AbC_d-9"),
    ("https://docs.google.com/spreadsheets/d/1AbC_d-9/edit#gid=0", "1AbC_d-9"),
    (" https://docs.google.com/spreadsheets/d/1AbC_d-9 ", "1AbC_d-9"),
])
def test_spreadsheet_setting_takes_a_key_or_a_url(given: str, key: str) -> None:
    assert spreadsheet_key(given) == key


def test_cell_link_opens_the_spreadsheet_at_the_cell(fake: FakeSheetsServer) -> None:
    sid, store = prepared(fake)
    store.snapshot()
    gid = fake.sheet_properties(sid, UNITS)["sheetId"]
    base = f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid={gid}"
    assert store.cell_link("units", 17, "phone") == f"{base}&range=G17"
    assert store.cell_link("units", 17, None) == f"{base}&range=17:17"


def test_describe_names_the_spreadsheet_only(fake: FakeSheetsServer) -> None:
    _, store = prepared(fake)
    assert store.describe() == "Google Sheets: Khối Dân vận"
    assert store.is_empty()
