"""Preparing a spreadsheet from the schema (`setup-sheet`), on the fake Sheets API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from services.cli import main
from services.config import Backend, Settings
from services.schema import SHEETS
from services.sheet_setup import HEADER_PROTECTION, setup_spreadsheet
from services.store.gsheets import GSheetsStore, RetryPolicy
from tests.fakes.sheets_api import FakeSheetsServer

ROWS = 20  # a small grid keeps the fake quick; production tabs start with 200 rows
UNITS, MEMBERS, REGISTRATIONS = "Đơn vị", "Lực lượng nòng cốt", "Đăng ký mô hình"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSheetsServer]:
    with FakeSheetsServer() as server:
        yield server


def open_store(fake: FakeSheetsServer, sid: str) -> GSheetsStore:
    """Open a store on the fake spreadsheet `sid`."""
    settings = Settings(backend=Backend.GSHEETS, spreadsheet=sid, sheets_api_url=fake.base_url)
    return GSheetsStore.from_settings(settings, policy=RetryPolicy(first_wait=0.01))


@pytest.fixture
def empty(fake: FakeSheetsServer) -> tuple[str, GSheetsStore]:
    sid = fake.create_spreadsheet("Khối Dân vận", {"Trang tính1": []}, locale="vi_VN")
    return sid, open_store(fake, sid)


def everything(store: GSheetsStore) -> Any:
    """Return the whole spreadsheet as the API shows it: properties, cells, rules, formats."""
    return store.client.fetch_sheet_metadata(store.spreadsheet_id,
                                             params={"includeGridData": "true"})


def test_an_empty_spreadsheet_gets_every_tab_with_a_frozen_protected_header(
    fake: FakeSheetsServer, empty: tuple[str, GSheetsStore]
) -> None:
    sid, store = empty
    fake.reset_log()
    report = setup_spreadsheet(store, rows=ROWS)
    assert fake.count(kind="write") == 1  # everything in one atomic batchUpdate
    assert fake.tabs(sid) == ["Trang tính1", *(s.title for s in SHEETS.values())]
    for sheet in SHEETS.values():
        assert fake.get_values(sid, sheet.title)[0] == sheet.headers
        assert fake.sheet_properties(sid, sheet.title)["gridProperties"]["frozenRowCount"] == 1
        [protected] = fake.protected_ranges(sid, sheet.title)
        assert protected["warningOnly"] is True
        assert protected["description"] == HEADER_PROTECTION
        assert (protected["range"]["startRowIndex"], protected["range"]["endRowIndex"]) == (0, 1)
    assert f"Tạo trang “{UNITS}” với {len(SHEETS['units'].columns)} cột." in report


def test_choice_and_reference_columns_get_dropdowns(
    fake: FakeSheetsServer, empty: tuple[str, GSheetsStore]
) -> None:
    sid, store = empty
    setup_spreadsheet(store, rows=ROWS)
    field = fake.data_validation(sid, REGISTRATIONS, "F2")  # "Lĩnh vực"
    assert field is not None
    assert field["condition"] == {"type": "ONE_OF_LIST", "values": [
        {"userEnteredValue": v} for v in ("Kinh tế", "Văn hóa - xã hội", "An ninh - quốc phòng",
                                          "Xây dựng hệ thống chính trị")]}
    assert (field["strict"], field["showCustomUi"]) == (False, True)
    tdp = fake.data_validation(sid, MEMBERS, f"E{ROWS}")  # "Tổ dân phố", last row too
    assert tdp is not None
    # An open range over the units' names: a unit added later is in the dropdown too.
    assert tdp["condition"] == {"type": "ONE_OF_RANGE",
                                "values": [{"userEnteredValue": "='Đơn vị'!B2:B"}]}
    assert tdp["strict"] is False
    assert fake.data_validation(sid, MEMBERS, "E1") is None  # the header is left alone


@pytest.mark.parametrize(("tab", "cell", "condition", "number_format"), [
    ("Đợt thi đua", "C2", {"type": "NUMBER_BETWEEN", "values": [
        {"userEnteredValue": "1900"}, {"userEnteredValue": "2100"}]},
     {"type": "NUMBER", "pattern": "0"}),
    ("Đợt thi đua", "F2", {"type": "DATE_IS_VALID"}, {"type": "DATE", "pattern": "dd/mm/yyyy"}),
    ("Số liệu chỉ tiêu", "E2", {"type": "CUSTOM_FORMULA", "values": [
        {"userEnteredValue": "=ISNUMBER(E2)"}]}, {"type": "NUMBER", "pattern": "#,##0.0#"}),
    (UNITS, "D2", {"type": "BOOLEAN"}, None),
    (UNITS, "G2", None, {"type": "TEXT", "pattern": "@"}),  # phone: "0912…" stays text
    (UNITS, "A2", None, {"type": "TEXT", "pattern": "@"}),  # id
])
def test_columns_get_number_date_checkbox_rules_and_formats(
    fake: FakeSheetsServer, empty: tuple[str, GSheetsStore], tab: str, cell: str,
    condition: dict[str, Any] | None, number_format: dict[str, str] | None,
) -> None:
    sid, store = empty
    setup_spreadsheet(store, rows=ROWS)
    rule = fake.data_validation(sid, tab, cell)
    assert (rule or {}).get("condition") == condition
    assert fake.number_format(sid, tab, cell) == number_format


def test_text_typed_into_a_prepared_sheet_keeps_its_leading_zero(
    fake: FakeSheetsServer, empty: tuple[str, GSheetsStore]
) -> None:
    sid, store = empty
    setup_spreadsheet(store, rows=ROWS)
    fake.set_cell(sid, UNITS, "G2", "0912345678")
    fake.set_cell(sid, UNITS, "B2", "0123")
    assert (fake.cell(sid, UNITS, "G2"), fake.cell(sid, UNITS, "B2")) == ("0912345678", "0123")


def test_a_second_run_changes_nothing(
    fake: FakeSheetsServer, empty: tuple[str, GSheetsStore]
) -> None:
    _, store = empty
    setup_spreadsheet(store, rows=ROWS)
    before = everything(store)
    fake.reset_log()
    report = setup_spreadsheet(store, rows=ROWS)
    assert fake.count(kind="write") == 0
    assert report == ["Bảng tính đã sẵn sàng; không cần thay đổi gì."]
    assert everything(store) == before


def test_plan48_indicators_are_filled_once(
    fake: FakeSheetsServer, empty: tuple[str, GSheetsStore]
) -> None:
    _, store = empty
    setup_spreadsheet(store, rows=ROWS)
    setup_spreadsheet(store, rows=ROWS)
    snapshot = store.snapshot()
    assert len(snapshot["indicators"].records) == 19
    assert snapshot.problems == []
    assert store.read_sheet("audit").records == []  # reference data is not an edit


def test_a_partial_spreadsheet_keeps_its_data_and_column_order(fake: FakeSheetsServer) -> None:
    units = [
        ["Loại đơn vị", "Tên đơn vị", "Ghi chú của văn phòng", "Mã"],
        ["Tổ dân phố", "Tổ dân phố 1", "gần chợ", "DV-00000001"],
        ["Chi bộ", "Chi bộ 2", "", ""],  # typed by hand, without an id
    ]
    sid = fake.create_spreadsheet("Cũ", {UNITS: units}, locale="vi_VN")
    store = open_store(fake, sid)
    report = setup_spreadsheet(store, rows=ROWS)
    header, first, second = fake.get_values(sid, UNITS)
    assert header[:4] == units[0][:4]
    assert header[4:] == ["Phải đăng ký mô hình", "Địa bàn phức tạp", "Người phụ trách",
                          "Số điện thoại", "Ghi chú", "Khu dân cư", "Có từ ngày", "Đến ngày",
                          "Lưu trữ"]
    assert first == units[1]
    assert second[:3] == units[2][:3] and second[3].startswith("DV-")
    # Rules follow the columns where they are: "Loại đơn vị" is column A here.
    kind = fake.data_validation(sid, UNITS, "A2")
    assert kind is not None and kind["condition"]["type"] == "ONE_OF_LIST"
    assert fake.data_validation(sid, UNITS, "C2") is None  # the office's own column
    ref = fake.data_validation(sid, MEMBERS, "E2")
    assert ref is not None
    assert ref["condition"]["values"] == [{"userEnteredValue": "='Đơn vị'!B2:B"}]
    assert any("Thêm cột" in line and UNITS in line for line in report)
    assert any("Điền mã cho 1 dòng" in line for line in report)
    snapshot = store.snapshot()
    assert {r["name"] for r in snapshot["units"].records} == {"Tổ dân phố 1", "Chi bộ 2"}


def test_a_small_empty_tab_grows_to_hold_the_indicators_and_its_rules_cover_them(
    fake: FakeSheetsServer,
) -> None:
    sid = fake.create_spreadsheet("Cũ", {"Chỉ tiêu": [["Mã", "Mã chỉ tiêu"]]})
    store = open_store(fake, sid)
    gid = fake.sheet_properties(sid, "Chỉ tiêu")["sheetId"]
    store.batch_update([{"updateSheetProperties": {
        "properties": {"sheetId": gid, "gridProperties": {"rowCount": 10}},
        "fields": "gridProperties.rowCount"}}])
    setup_spreadsheet(store, rows=ROWS)
    rows = fake.sheet_properties(sid, "Chỉ tiêu")["gridProperties"]["rowCount"]
    assert rows > 20
    assert fake.number_format(sid, "Chỉ tiêu", f"B{rows}") == {"type": "TEXT", "pattern": "@"}
    assert len(store.snapshot()["indicators"].records) == 19
    fake.reset_log()
    assert setup_spreadsheet(store, rows=ROWS) == ["Bảng tính đã sẵn sàng; không cần thay đổi gì."]
    assert fake.count(kind="write") == 0


def test_a_tab_named_without_diacritics_is_used_not_duplicated(fake: FakeSheetsServer) -> None:
    sid = fake.create_spreadsheet("Cũ", {"don vi": [["Mã", "Tên đơn vị", "Loại đơn vị"]]})
    store = open_store(fake, sid)
    setup_spreadsheet(store, rows=ROWS)
    assert "don vi" in fake.tabs(sid) and UNITS not in fake.tabs(sid)
    ref = fake.data_validation(sid, MEMBERS, "E2")
    assert ref is not None
    assert ref["condition"]["values"] == [{"userEnteredValue": "='don vi'!B2:B"}]


def test_demo_fills_the_ward_once_and_only_into_empty_tabs(
    fake: FakeSheetsServer, empty: tuple[str, GSheetsStore]
) -> None:
    sid, store = empty
    report = setup_spreadsheet(store, demo=True, year=2026, rows=ROWS)
    assert any(line.startswith("Nạp dữ liệu mẫu") for line in report)
    snapshot = store.snapshot()
    counts = {key: len(t.records) for key, t in snapshot.tables.items()}
    assert counts["units"] > 30 and counts["members"] > 100 and counts["indicators"] == 19
    assert [p for p in snapshot.problems if p.severity == "Lỗi"] == []
    # The guard rails reach below the loaded rows.
    rows = fake.sheet_properties(sid, MEMBERS)["gridProperties"]["rowCount"]
    assert rows > counts["members"] + 1
    assert fake.data_validation(sid, MEMBERS, f"E{rows}") is not None
    fake.reset_log()
    again = setup_spreadsheet(store, demo=True, year=2026, rows=ROWS)
    assert again == ["Không nạp dữ liệu mẫu: các trang nghiệp vụ đã có dữ liệu."]
    assert fake.count(kind="write") == 0


def test_the_cli_verb_prepares_the_spreadsheet_end_to_end(
    fake: FakeSheetsServer, empty: tuple[str, GSheetsStore], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sid, _ = empty
    monkeypatch.setenv("DANVAN_BACKEND", "gsheets")
    monkeypatch.setenv("DANVAN_SPREADSHEET", f"https://docs.google.com/spreadsheets/d/{sid}/edit")
    monkeypatch.setenv("DANVAN_SHEETS_API_URL", fake.base_url)
    assert main(["setup-sheet"]) == 0
    out = capsys.readouterr().out
    assert "Google Sheets: Khối Dân vận" in out and f"Tạo trang “{UNITS}”" in out
    assert all(s.title in fake.tabs(sid) for s in SHEETS.values())
    assert len(open_store(fake, sid).snapshot()["indicators"].records) == 19
    assert main(["setup-sheet"]) == 0
    assert "không cần thay đổi gì" in capsys.readouterr().out


def test_the_cli_verb_without_a_spreadsheet_says_which_setting_is_missing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["setup-sheet"]) == 1
    assert "DANVAN_SPREADSHEET" in capsys.readouterr().err
