"""Tests of the fake Sheets API, driven through the real gspread client over loopback HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import date

import gspread
import pytest
import requests
from gspread.exceptions import APIError, SpreadsheetNotFound
from gspread.http_client import BackOffHTTPClient
from gspread.utils import ValueInputOption, ValueRenderOption

from tests.fakes.sheets_api import (
    FORMULA_PLACEHOLDER,
    FakeSheetsServer,
    RequestRecord,
    gspread_client,
    rewrite_google_url,
)

VN_TAB = "Tên có dấu và 'nháy'"
VN_TAB_A1 = "'Tên có dấu và ''nháy'''"
JULY_4_2024 = 45477  # days since 1899-12-30
APRIL_7_2024 = 45389


@pytest.fixture
def fake() -> Iterator[FakeSheetsServer]:
    with FakeSheetsServer() as server:
        yield server


@pytest.fixture
def gc(fake: FakeSheetsServer) -> gspread.Client:
    return gspread_client(fake.base_url)


@pytest.fixture
def sid(fake: FakeSheetsServer) -> str:
    return fake.create_spreadsheet(
        "Quản trị",
        {
            "Học viên": [
                ["Tên", "SĐT", "Điểm", "Ngày", "Đạt"],
                ["An", "0912345678", 12.5, date(2024, 7, 4), True],
                ["Bình", "0123", 7, date(2024, 4, 7), False],
            ],
            VN_TAB: [["Cột A", "Cột B"]],
        },
    )


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        # The fake lives on loopback; HTTP(S)_PROXY from the environment must not intercept it.
        session.trust_env = False
        yield session


def _api_error(excinfo: pytest.ExceptionInfo[APIError]) -> dict:
    return dict(excinfo.value.error)


def _column(fake: FakeSheetsServer, sid: str, tab: str, index: int = 0) -> list:
    return [row[index] if len(row) > index else "" for row in fake.get_values(sid, tab)]


# ---- wiring -------------------------------------------------------------------------------


def test_rewrite_google_url_only_touches_google_origins() -> None:
    base = "http://127.0.0.1:5555"
    assert (
        rewrite_google_url("https://sheets.googleapis.com/v4/spreadsheets/x", base)
        == "http://127.0.0.1:5555/v4/spreadsheets/x"
    )
    assert (
        rewrite_google_url("https://www.googleapis.com/drive/v3/files", base + "/")
        == "http://127.0.0.1:5555/drive/v3/files"
    )
    already = "http://127.0.0.1:5555/v4/spreadsheets/x"
    assert rewrite_google_url(already, base) == already
    assert rewrite_google_url("https://example.com/v4", base) == "https://example.com/v4"


def test_server_binds_ephemeral_loopback_port(fake: FakeSheetsServer) -> None:
    assert fake.base_url.startswith("http://127.0.0.1:")
    assert not fake.base_url.endswith(":0")


# ---- reading ------------------------------------------------------------------------------


def test_open_by_key_worksheet_and_get_all_values(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    sh = gc.open_by_key(sid)
    assert sh.title == "Quản trị"
    assert [ws.title for ws in sh.worksheets()] == ["Học viên", VN_TAB]
    ws = sh.worksheet("Học viên")
    assert ws.id == 0
    assert (ws.row_count, ws.col_count, ws.frozen_row_count) == (1000, 26, 0)
    assert ws.get_all_values() == [
        ["Tên", "SĐT", "Điểm", "Ngày", "Đạt"],
        ["An", "0912345678", "12.5", "7/4/2024", "TRUE"],
        ["Bình", "0123", "7", "4/7/2024", "FALSE"],
    ]


def test_unknown_spreadsheet_is_not_found(gc: gspread.Client) -> None:
    with pytest.raises(SpreadsheetNotFound):
        gc.open_by_key("does-not-exist")


def test_values_batch_get_unformatted_serial_number(gc: gspread.Client, sid: str) -> None:
    sh = gc.open_by_key(sid)
    res = sh.values_batch_get(
        ["'Học viên'!A2:E3", f"{VN_TAB_A1}!A:Z"],
        params={"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"},
    )
    first, second = res["valueRanges"]
    assert first["range"] == "'Học viên'!A2:E3"
    assert first["values"] == [
        ["An", "0912345678", 12.5, JULY_4_2024, True],
        ["Bình", "0123", 7, APRIL_7_2024, False],
    ]
    assert isinstance(first["values"][1][2], int)
    assert second["range"] == f"{VN_TAB_A1}!A1:Z1000"
    assert second["values"] == [["Cột A", "Cột B"]]


def test_worksheet_batch_get_formatted_string_dates(gc: gspread.Client, sid: str) -> None:
    ws = gc.open_by_key(sid).worksheet("Học viên")
    ranges = ws.batch_get(
        ["C2:D3", "E2"],
        value_render_option=ValueRenderOption.unformatted,
        date_time_render_option="FORMATTED_STRING",
    )
    assert ranges[0] == [[12.5, "7/4/2024"], [7, "4/7/2024"]]
    assert ranges[0].range == "'Học viên'!C2:D3"
    assert ranges[1] == [[True]]
    assert ranges[1].range == "'Học viên'!E2"


def test_reads_trim_trailing_cells_and_rows(fake: FakeSheetsServer, gc: gspread.Client) -> None:
    sid = fake.create_spreadsheet(
        "Trim", {"Sheet1": [["a", "", None], [], ["", "b", ""], ["", ""], []]}
    )
    sh = gc.open_by_key(sid)
    res = sh.values_get("Sheet1")
    assert res == {
        "range": "Sheet1!A1:Z1000",
        "majorDimension": "ROWS",
        "values": [["a"], [], ["", "b"]],
    }
    by_column = sh.values_get("Sheet1!A1:C5", params={"majorDimension": "COLUMNS"})
    assert by_column["values"] == [["a"], ["", "", "b"]]
    assert "values" not in sh.values_get("Sheet1!D1:F9")


def test_open_ended_and_whole_column_ranges(gc: gspread.Client, sid: str) -> None:
    sh = gc.open_by_key(sid)
    assert sh.values_get("'Học viên'!B2:C")["values"] == [["0912345678", "12.5"], ["0123", "7"]]
    assert sh.values_get("'Học viên'!B2:C")["range"] == "'Học viên'!B2:C1000"
    assert sh.values_get("'Học viên'!A:A")["values"] == [["Tên"], ["An"], ["Bình"]]
    assert sh.values_get("'Học viên'!2:2")["values"] == [
        ["An", "0912345678", "12.5", "7/4/2024", "TRUE"]
    ]
    # No sheet name: the first visible sheet, like Google.
    assert sh.values_get("B3")["values"] == [["0123"]]


def test_missing_tab_is_unable_to_parse_range(gc: gspread.Client, sid: str) -> None:
    sh = gc.open_by_key(sid)
    with pytest.raises(APIError) as excinfo:
        sh.values_get("'Không có'!A1:B2")
    assert excinfo.value.code == 400
    assert "Unable to parse range" in _api_error(excinfo)["message"]
    assert _api_error(excinfo)["status"] == "INVALID_ARGUMENT"


def test_range_starting_outside_grid_is_rejected(gc: gspread.Client, sid: str) -> None:
    sh = gc.open_by_key(sid)
    with pytest.raises(APIError) as excinfo:
        sh.values_get("'Học viên'!A1001:B")
    assert "exceeds grid limits" in _api_error(excinfo)["message"]
    # Oversized ends are clamped rather than rejected.
    assert sh.values_get("'Học viên'!A1:ZZ5000")["range"] == "'Học viên'!A1:Z1000"


def test_fields_mask_on_metadata(gc: gspread.Client, sid: str) -> None:
    sh = gc.open_by_key(sid)
    meta = sh.fetch_sheet_metadata(params={"fields": "sheets(properties(sheetId,title))"})
    assert meta == {
        "sheets": [
            {"properties": {"sheetId": 0, "title": "Học viên"}},
            {"properties": {"sheetId": meta["sheets"][1]["properties"]["sheetId"],
                            "title": VN_TAB}},
        ]
    }
    titles = sh.fetch_sheet_metadata(params={"fields": "properties.title,sheets.properties.index"})
    assert titles == {
        "properties": {"title": "Quản trị"},
        "sheets": [{"properties": {"index": 0}}, {"properties": {"index": 1}}],
    }


# ---- writing ------------------------------------------------------------------------------


def test_append_row_raw_keeps_formula_text_literal(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    ws = gc.open_by_key(sid).worksheet("Học viên")
    ws.append_row(['=IMPORTXML("http://x")', "0123"], value_input_option=ValueInputOption.raw)
    assert fake.cell(sid, "Học viên", "A4") == '=IMPORTXML("http://x")'
    assert not fake.is_formula(sid, "Học viên", "A4")
    assert fake.cell(sid, "Học viên", "B4") == "0123"
    assert ws.get("A4:B4") == [['=IMPORTXML("http://x")', "0123"]]
    assert ws.get("A4", value_render_option=ValueRenderOption.formula) == [
        ['=IMPORTXML("http://x")']
    ]


def test_append_row_user_entered_makes_formula(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    ws = gc.open_by_key(sid).worksheet("Học viên")
    res = ws.append_row(
        ['=IMPORTXML("http://x")', "0123"], value_input_option=ValueInputOption.user_entered
    )
    assert res["updates"]["updatedRange"] == "'Học viên'!A4:B4"
    assert res["tableRange"] == "'Học viên'!A1:E3"
    assert fake.is_formula(sid, "Học viên", "A4")
    assert fake.cell(sid, "Học viên", "B4") == 123
    assert ws.get("A4:B4") == [[FORMULA_PLACEHOLDER, "123"]]
    assert ws.get("A4", value_render_option=ValueRenderOption.formula) == [
        ['=IMPORTXML("http://x")']
    ]
    fake.set_formula_result(sid, "Học viên", "A4", "kết quả")
    assert ws.acell("A4").value == "kết quả"


def test_update_raw_keeps_strings_verbatim(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    ws = gc.open_by_key(sid).worksheet("Học viên")
    ws.update([["=SUM(A1)", "0123", "12,5", "'x", "7/4/2024", 3, True]], "A5", raw=True)
    stored = [fake.cell(sid, "Học viên", f"{col}5") for col in "ABCDEFG"]
    assert stored == ["=SUM(A1)", "0123", "12,5", "'x", "7/4/2024", 3, True]
    assert not fake.is_formula(sid, "Học viên", "A5")
    assert fake.number_format(sid, "Học viên", "E5") is None
    assert ws.get("A5:G5", value_render_option=ValueRenderOption.unformatted) == [
        ["=SUM(A1)", "0123", "12,5", "'x", "7/4/2024", 3, True]
    ]


def test_update_user_entered_parses_like_the_sheets_ui(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    ws = gc.open_by_key(sid).worksheet("Học viên")
    row = ["0123", "12.5", "55%", "7/4/2024", "2024-04-07", "'0123", "TRUE", "=A1", "12,5"]
    ws.update([row], "A6", value_input_option=ValueInputOption.user_entered)
    stored = [fake.cell(sid, "Học viên", f"{col}6") for col in "ABCDEFGHI"]
    assert stored == [123, 12.5, 0.55, JULY_4_2024, APRIL_7_2024, "0123", True, "=A1", "12,5"]
    assert fake.is_formula(sid, "Học viên", "H6")
    assert fake.number_format(sid, "Học viên", "D6") == {"type": "DATE", "pattern": "M/d/yyyy"}
    assert ws.get("A6:I6") == [
        ["123", "12.5", "55%", "7/4/2024", "2024-04-07", "0123", "TRUE", FORMULA_PLACEHOLDER,
         "12,5"]
    ]
    assert ws.get("A6:G6", value_render_option=ValueRenderOption.unformatted) == [
        [123, 12.5, 0.55, JULY_4_2024, APRIL_7_2024, "0123", True]
    ]


def test_gspread_defaults_raw_for_update_but_user_entered_for_update_acell(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    ws = gc.open_by_key(sid).worksheet("Học viên")
    fake.reset_log()
    ws.update([["0123"]], "A7")
    ws.update_acell("B7", "0123")
    assert [r.param("valueInputOption") for r in fake.requests] == ["RAW", "USER_ENTERED"]
    assert fake.cell(sid, "Học viên", "A7") == "0123"
    assert fake.cell(sid, "Học viên", "B7") == 123


def test_vietnamese_locale_decimal_comma_and_day_first_dates(
    fake: FakeSheetsServer, gc: gspread.Client
) -> None:
    sid = fake.create_spreadsheet("VN", {"Trang tính1": []}, locale="vi_VN")
    ws = gc.open_by_key(sid).worksheet("Trang tính1")
    ws.update([["12,5", "7/4/2024", "1.234", "12.5"]], "A1", raw=False)
    assert [fake.cell(sid, "Trang tính1", c) for c in ("A1", "B1", "C1", "D1")] == [
        12.5, APRIL_7_2024, 1234, "12.5"
    ]
    assert ws.get("A1:D1") == [["12,5", "07/04/2024", "1.234", "12.5"]]


def test_text_formatted_column_keeps_user_entered_digits(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    sh = gc.open_by_key(sid)
    sh.batch_update({"requests": [{"repeatCell": {
        "range": {"sheetId": 0, "startColumnIndex": 1, "endColumnIndex": 2},
        "cell": {"userEnteredFormat": {"numberFormat": {"type": "TEXT"}}},
        "fields": "userEnteredFormat.numberFormat",
    }}]})
    ws = sh.worksheet("Học viên")
    ws.update([["0987", "0987"]], "A8", raw=False)
    assert fake.cell(sid, "Học viên", "A8") == 987
    assert fake.cell(sid, "Học viên", "B8") == "0987"


def test_bounded_range_must_contain_the_data(gc: gspread.Client, sid: str) -> None:
    ws = gc.open_by_key(sid).worksheet("Học viên")
    with pytest.raises(APIError) as excinfo:
        ws.update([[1], [2], [3]], "A10:A11")
    assert "tried writing to row [12]" in _api_error(excinfo)["message"]


def test_writes_grow_the_grid(fake: FakeSheetsServer, gc: gspread.Client, sid: str) -> None:
    ws = gc.open_by_key(sid).worksheet("Học viên")
    ws.update([["x"], ["y"], ["z"]], "A999")
    assert fake.sheet_properties(sid, "Học viên")["gridProperties"]["rowCount"] == 1001
    assert fake.cell(sid, "Học viên", "A1001") == "z"


def test_null_skips_and_empty_string_clears(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    sh = gc.open_by_key(sid)
    sh.values_update("'Học viên'!A2", params={"valueInputOption": "RAW"},
                     body={"values": [[None, ""]]})
    assert fake.cell(sid, "Học viên", "A2") == "An"
    assert fake.cell(sid, "Học viên", "B2") is None


def test_values_batch_update_and_clears(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    ws = gc.open_by_key(sid).worksheet("Học viên")
    res = ws.batch_update(
        [{"range": "A5:B5", "values": [["x", "5"]]}, {"range": "D5", "values": [["=1+1"]]}],
        value_input_option=ValueInputOption.user_entered,
    )
    assert res["totalUpdatedCells"] == 3
    assert fake.cell(sid, "Học viên", "B5") == 5
    assert fake.is_formula(sid, "Học viên", "D5")
    ws.batch_clear(["A5:B5"])
    assert fake.cell(sid, "Học viên", "A5") is None
    assert fake.is_formula(sid, "Học viên", "D5")
    ws.clear()
    assert fake.get_values(sid, "Học viên") == []


def test_values_batch_update_is_validated_before_writing(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    sh = gc.open_by_key(sid)
    with pytest.raises(APIError):
        sh.values_batch_update({"valueInputOption": "RAW", "data": [
            {"range": "'Học viên'!A5", "values": [["ok"]]},
            {"range": "'Không có'!A1", "values": [["bad"]]},
        ]})
    assert fake.cell(sid, "Học viên", "A5") is None


def test_append_fills_first_gap_and_insert_rows_shifts_below(
    fake: FakeSheetsServer, gc: gspread.Client
) -> None:
    sid = fake.create_spreadsheet("Gap", {"S": [["h1", "h2"], ["a", "1"], [], ["footer"]]})
    ws = gc.open_by_key(sid).worksheet("S")
    ws.append_row(["b", "2"], insert_data_option="INSERT_ROWS")
    assert fake.get_values(sid, "S") == [["h1", "h2"], ["a", "1"], ["b", "2"], [], ["footer"]]
    ws.append_row(["c"])  # OVERWRITE: the gap row is reused
    assert fake.get_values(sid, "S")[3:] == [["c"], ["footer"]]


def test_set_values_simulates_a_person_editing(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    ws = gc.open_by_key(sid).worksheet("Học viên")
    fake.set_values(sid, "Học viên", [["Tên", "SĐT"], ["Chi", "0901"], ["Dũng", "=1+1"]])
    assert fake.get_values(sid, "Học viên") == [["Tên", "SĐT"], ["Chi", 901], ["Dũng", "=1+1"]]
    assert fake.is_formula(sid, "Học viên", "B3")
    assert ws.get_all_values() == [["Tên", "SĐT"], ["Chi", "901"], ["Dũng", FORMULA_PLACEHOLDER]]
    fake.set_cell(sid, "Học viên", "C2", "'0901")
    assert ws.acell("C2").value == "0901"


def test_get_all_records_numericises_text_client_side(gc: gspread.Client, sid: str) -> None:
    ws = gc.open_by_key(sid).worksheet("Học viên")
    # gspread itself turns the stored text "0912345678" into an int unless told not to.
    records = ws.get_all_records(value_render_option=ValueRenderOption.unformatted)
    assert records[0]["SĐT"] == 912345678
    records = ws.get_all_records(
        value_render_option=ValueRenderOption.unformatted, numericise_ignore=["all"]
    )
    assert records[0] == {
        "Tên": "An", "SĐT": "0912345678", "Điểm": 12.5, "Ngày": JULY_4_2024, "Đạt": True
    }


def test_vietnamese_quoted_tab_name_with_apostrophe(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    sh = gc.open_by_key(sid)
    ws = sh.worksheet(VN_TAB)
    ws.update([["Giá trị", "Ghi chú"]], "A2")
    ws.append_row(["Hàng mới", "ổn"])
    assert ws.get_all_values() == [["Cột A", "Cột B"], ["Giá trị", "Ghi chú"], ["Hàng mới", "ổn"]]
    res = sh.values_get(f"{VN_TAB_A1}!A:Z")
    assert res["range"] == f"{VN_TAB_A1}!A1:Z1000"
    assert fake.get_values(sid, VN_TAB)[2] == ["Hàng mới", "ổn"]
    paths = [r.path for r in fake.requests if r.operation == "values.append"]
    assert paths and paths[-1].endswith(f"/values/{VN_TAB_A1}:append")
    assert "%" in fake.requests[-1].raw_path  # gspread URL-quotes the range


# ---- spreadsheets.batchUpdate ------------------------------------------------------------


def test_batch_update_add_sheet_append_cells_and_validation(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    sh = gc.open_by_key(sid)
    rule = {
        "condition": {"type": "ONE_OF_LIST",
                      "values": [{"userEnteredValue": "Có"}, {"userEnteredValue": "Không"}]},
        "strict": True,
        "showCustomUi": True,
    }
    res = sh.batch_update({"requests": [
        {"addSheet": {"properties": {"title": "Nhật ký", "sheetId": 4242,
                                     "gridProperties": {"rowCount": 50, "columnCount": 4,
                                                        "frozenRowCount": 1}}}},
        {"appendCells": {"sheetId": 4242, "fields": "userEnteredValue", "rows": [
            {"values": [{"userEnteredValue": {"stringValue": "Thời điểm"}},
                        {"userEnteredValue": {"stringValue": "Số"}},
                        {"userEnteredValue": {"stringValue": "Có mặt"}}]},
            {"values": [{"userEnteredValue": {"stringValue": "=not a formula"}},
                        {"userEnteredValue": {"numberValue": 3}},
                        {"userEnteredValue": {"boolValue": True}},
                        {"userEnteredValue": {"formulaValue": "=B2*2"}}]},
        ]}},
        {"setDataValidation": {"range": {"sheetId": 4242, "startRowIndex": 1,
                                         "startColumnIndex": 2, "endColumnIndex": 3},
                               "rule": rule}},
        {"updateBorders": {"range": {"sheetId": 4242}}},
    ]})
    assert len(res["replies"]) == 4
    props = res["replies"][0]["addSheet"]["properties"]
    assert props["sheetId"] == 4242
    assert props["index"] == 2
    assert props["gridProperties"] == {"rowCount": 50, "columnCount": 4, "frozenRowCount": 1}
    assert res["replies"][1:] == [{}, {}, {}]

    ws = sh.worksheet("Nhật ký")
    assert ws.frozen_row_count == 1
    # gspread pads short rows with "" (fill_gaps); the API itself trims them.
    assert ws.get_all_values(value_render_option=ValueRenderOption.formula) == [
        ["Thời điểm", "Số", "Có mặt", ""],
        ["=not a formula", 3, True, "=B2*2"],
    ]
    assert not fake.is_formula(sid, "Nhật ký", "A2")
    assert fake.is_formula(sid, "Nhật ký", "D2")
    assert fake.data_validation(sid, "Nhật ký", "C2") == rule
    assert fake.data_validation(sid, "Nhật ký", "C50") == rule
    assert fake.data_validation(sid, "Nhật ký", "C1") is None

    # A second appendCells lands after the last row with data.
    sh.batch_update({"requests": [{"appendCells": {
        "sheetId": 4242, "fields": "*",
        "rows": [{"values": [{"userEnteredValue": {"stringValue": "tiếp"}}]}],
    }}]})
    assert fake.get_values(sid, "Nhật ký")[2] == ["tiếp"]


def test_batch_update_is_atomic_and_rejects_unknown_requests(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    sh = gc.open_by_key(sid)
    with pytest.raises(APIError) as excinfo:
        sh.batch_update({"requests": [
            {"addSheet": {"properties": {"title": "Tạm"}}},
            {"frobnicateSheet": {}},
        ]})
    assert excinfo.value.code == 400
    assert "frobnicateSheet" in _api_error(excinfo)["message"]
    assert fake.tabs(sid) == ["Học viên", VN_TAB]


def test_duplicate_sheet_title_rejected(gc: gspread.Client, sid: str) -> None:
    sh = gc.open_by_key(sid)
    with pytest.raises(APIError) as excinfo:
        sh.add_worksheet("học viên", rows=10, cols=3)
    assert "already exists" in _api_error(excinfo)["message"]


def test_worksheet_structure_operations(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    sh = gc.open_by_key(sid)
    ws = sh.worksheet("Học viên")
    ws.insert_row(["Mới", "0900"], 2)
    assert [row[0] for row in fake.get_values(sid, "Học viên")] == ["Tên", "Mới", "An", "Bình"]
    ws.delete_rows(3)
    assert [row[0] for row in fake.get_values(sid, "Học viên")] == ["Tên", "Mới", "Bình"]
    assert fake.sheet_properties(sid, "Học viên")["gridProperties"]["rowCount"] == 1000
    ws.freeze(rows=1)
    ws.update_title("Học viên 2025")
    assert sh.worksheet("Học viên 2025").frozen_row_count == 1
    added = sh.add_worksheet("Tạm", rows=5, cols=2)
    assert fake.tabs(sid) == ["Học viên 2025", VN_TAB, "Tạm"]
    sh.del_worksheet(added)
    assert fake.tabs(sid) == ["Học viên 2025", VN_TAB]


def test_protected_range_and_grid_data(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    sh = gc.open_by_key(sid)
    res = sh.batch_update({"requests": [{"addProtectedRange": {"protectedRange": {
        "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1},
        "description": "Tiêu đề", "warningOnly": True,
    }}}]})
    protected = res["replies"][0]["addProtectedRange"]["protectedRange"]
    assert protected["description"] == "Tiêu đề"
    assert isinstance(protected["protectedRangeId"], int)
    meta = sh.fetch_sheet_metadata()
    assert meta["sheets"][0]["protectedRanges"] == [protected]
    assert "protectedRanges" not in meta["sheets"][1]
    assert fake.protected_ranges(sid, "Học viên") == [protected]

    grid = sh.fetch_sheet_metadata(params={"includeGridData": "true", "ranges": "'Học viên'!C2:D2"})
    assert len(grid["sheets"]) == 1
    cells = grid["sheets"][0]["data"][0]["rowData"][0]["values"]
    assert cells[0]["userEnteredValue"] == {"numberValue": 12.5}
    assert cells[1]["formattedValue"] == "7/4/2024"
    assert cells[1]["userEnteredFormat"]["numberFormat"]["type"] == "DATE"


# ---- request log, faults, latency, concurrency ---------------------------------------------


def test_request_log_counts_reads_and_writes(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    sh = gc.open_by_key(sid)
    assert [(r.operation, r.kind) for r in fake.requests] == [("spreadsheets.get", "read")]
    fake.reset_log()
    ranges = [f"'Học viên'!{c}1:{c}3" for c in "ABCDE"]
    res = sh.values_batch_get(ranges)
    assert len(res["valueRanges"]) == 5
    assert len(fake.requests) == 1
    entry = fake.requests[0]
    assert (entry.method, entry.kind, entry.operation) == ("GET", "read", "values.batchGet")
    assert entry.query["ranges"] == ranges
    assert entry.status == 200

    ws = sh.worksheet("Học viên")
    ws.append_row(["x"])
    ws.update([["y"]], "A9")
    sh.batch_update({"requests": [{"updateBorders": {"range": {"sheetId": 0}}}]})
    assert fake.count(kind="read") == 2
    assert fake.count(kind="write") == 3
    assert fake.count(operation="values.append") == 1
    writes = [r for r in fake.requests if r.kind == "write"]
    assert writes[0].body == {"values": [["x"]]}
    assert writes[1].method == "PUT"


def test_fault_injection_429_then_success(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    sh = gc.open_by_key(sid)
    fake.reset_log()
    fake.inject_faults(429, count=2)
    for _ in range(2):
        with pytest.raises(APIError) as excinfo:
            sh.values_get("'Học viên'!A1")
        assert excinfo.value.code == 429
        assert _api_error(excinfo)["status"] == "RESOURCE_EXHAUSTED"
        assert "Read requests" in _api_error(excinfo)["message"]
    assert sh.values_get("'Học viên'!A1")["values"] == [["Tên"]]
    assert [(r.status, r.faulted) for r in fake.requests] == [
        (429, True), (429, True), (200, False)
    ]


def test_permanent_fault_filtered_by_path_until_cleared(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    sh = gc.open_by_key(sid)
    fake.inject_faults(503, None, path_contains=":batchUpdate")
    body = {"requests": [{"addSheet": {"properties": {"title": "Mới"}}}]}
    for _ in range(3):
        with pytest.raises(APIError) as excinfo:
            sh.batch_update(body)
        assert excinfo.value.code == 503
        assert _api_error(excinfo)["status"] == "UNAVAILABLE"
    assert sh.values_get("'Học viên'!A1")["values"] == [["Tên"]]  # other paths unaffected
    assert fake.tabs(sid) == ["Học viên", VN_TAB]
    fake.clear_faults()
    sh.batch_update(body)
    assert fake.tabs(sid) == ["Học viên", VN_TAB, "Mới"]


def test_fault_filtered_by_kind(fake: FakeSheetsServer, gc: gspread.Client, sid: str) -> None:
    sh = gc.open_by_key(sid)
    ws = sh.worksheet("Học viên")
    fake.inject_faults(429, count=1, kind="write")
    assert ws.acell("A1").value == "Tên"
    with pytest.raises(APIError) as excinfo:
        ws.update_acell("A1", "x")
    assert "Write requests" in _api_error(excinfo)["message"]
    ws.update_acell("A1", "x")
    assert fake.cell(sid, "Học viên", "A1") == "x"


def test_backoff_client_composes_with_redirect(
    fake: FakeSheetsServer, sid: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr("gspread.http_client.time.sleep", sleeps.append)
    gc = gspread_client(fake.base_url, parent=BackOffHTTPClient)
    sh = gc.open_by_key(sid)
    fake.reset_log()
    fake.inject_faults(429, count=1)
    assert sh.values_get("'Học viên'!A1")["values"] == [["Tên"]]
    assert sleeps == [2]
    assert [r.status for r in fake.requests] == [429, 200]


def test_latency_is_applied(fake: FakeSheetsServer, gc: gspread.Client, sid: str) -> None:
    sh = gc.open_by_key(sid)
    fake.latency = 0.2
    started = time.perf_counter()
    sh.values_get("'Học viên'!A1")
    assert time.perf_counter() - started >= 0.2


def test_concurrent_appends_are_serialised(fake: FakeSheetsServer, sid: str) -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            ws = gspread_client(fake.base_url).open_by_key(sid).worksheet(VN_TAB)
            for i in range(5):
                ws.append_row([f"w{n}-{i}"])
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    rows = fake.get_values(sid, VN_TAB)
    assert len(rows) == 31
    assert sorted(row[0] for row in rows[1:]) == sorted(
        f"w{n}-{i}" for n in range(6) for i in range(5)
    )


def test_spreadsheets_create_endpoint(fake: FakeSheetsServer, gc: gspread.Client) -> None:
    res = gc.http_client.request(
        "post",
        "https://sheets.googleapis.com/v4/spreadsheets",
        json={"properties": {"title": "Mới", "locale": "vi_VN"},
              "sheets": [{"properties": {"title": "Dữ liệu"}}]},
    ).json()
    assert res["properties"]["locale"] == "vi_VN"
    assert [s["properties"]["title"] for s in res["sheets"]] == ["Dữ liệu"]
    assert fake.tabs(res["spreadsheetId"]) == ["Dữ liệu"]


# ---- batchUpdate's updatedSpreadsheet (verified writes) ------------------------------------


def _cell(text: str) -> dict:
    value = {"stringValue": text}
    return {"userEnteredValue": value, "effectiveValue": value, "formattedValue": text}


def test_updated_spreadsheet_has_grid_data_of_response_ranges_after_the_requests(
    gc: gspread.Client, sid: str
) -> None:
    sh = gc.open_by_key(sid)
    res = sh.batch_update({
        "requests": [{"updateCells": {
            "start": {"sheetId": 0, "rowIndex": 4, "columnIndex": 0},
            "rows": [{"values": [{"userEnteredValue": {"stringValue": "Chi"}}]}],
            "fields": "userEnteredValue",
        }}],
        "includeSpreadsheetInResponse": True,
        "responseIncludeGridData": True,
        "responseRanges": ["'Học viên'!A5:K5", "'Học viên'!A:A", "'Học viên'!7:7",
                           "'Học viên'!D2"],
    })
    assert res["replies"] == [{}]
    updated = res["updatedSpreadsheet"]
    assert updated["spreadsheetId"] == sid
    assert updated["properties"]["title"] == "Quản trị"
    # Like spreadsheets.get with ranges: only the sheets the ranges name are returned.
    [sheet] = updated["sheets"]
    assert sheet["properties"]["title"] == "Học viên"
    assert sheet["properties"]["gridProperties"] == {"rowCount": 1000, "columnCount": 26}
    assert sheet["data"] == [
        {"startRow": 4, "rowData": [{"values": [_cell("Chi")]}]},
        # Whole column: startRow 0 is omitted, the empty row 4 is {} and trailing rows are cut.
        {"rowData": [{"values": [_cell(t)]} if t else {} for t in ("Tên", "An", "Bình", "",
                                                                    "Chi")]},
        {"startRow": 6},  # a range with no data has no rowData at all
        {"startRow": 1, "startColumn": 3, "rowData": [{"values": [{
            "userEnteredValue": {"numberValue": JULY_4_2024},
            "effectiveValue": {"numberValue": JULY_4_2024},
            "formattedValue": "7/4/2024",
            "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": "M/d/yyyy"}},
        }]}]},
    ]


def test_updated_spreadsheet_without_grid_data_or_ranges(
    gc: gspread.Client, sid: str
) -> None:
    sh = gc.open_by_key(sid)
    borders = [{"updateBorders": {"range": {"sheetId": 0}}}]
    assert "updatedSpreadsheet" not in sh.batch_update({"requests": borders})
    whole = sh.batch_update({"requests": borders, "includeSpreadsheetInResponse": True})
    assert [s["properties"]["title"] for s in whole["updatedSpreadsheet"]["sheets"]] == [
        "Học viên", VN_TAB
    ]
    assert all("data" not in s for s in whole["updatedSpreadsheet"]["sheets"])
    named = sh.batch_update({"requests": borders, "includeSpreadsheetInResponse": True,
                             "responseRanges": [f"{VN_TAB_A1}!A1:B2"]})
    assert named["updatedSpreadsheet"]["sheets"] == [
        {"properties": whole["updatedSpreadsheet"]["sheets"][1]["properties"]}
    ]
    everything = sh.batch_update({"requests": borders, "includeSpreadsheetInResponse": True,
                                  "responseIncludeGridData": True})
    data = [s["data"] for s in everything["updatedSpreadsheet"]["sheets"]]
    assert len(data[0][0]["rowData"]) == 3
    assert data[1] == [{"rowData": [{"values": [_cell("Cột A"), _cell("Cột B")]}]}]


def test_batch_update_field_mask_trims_the_reply_and_decides_grid_data(
    gc: gspread.Client, sid: str
) -> None:
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{sid}:batchUpdate"
    body = {
        "requests": [{"updateCells": {
            "range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2,
                      "startColumnIndex": 1, "endColumnIndex": 2},
            "rows": [{"values": [{"userEnteredValue": {"stringValue": "0999"}}]}],
            "fields": "userEnteredValue",
        }}],
        "includeSpreadsheetInResponse": True,
        "responseIncludeGridData": False,  # ignored: the field mask names the grid data
        "responseRanges": ["'Học viên'!B2"],
    }
    fields = "updatedSpreadsheet(sheets(properties(title),data(startRow,rowData(values(" \
             "userEnteredValue)))))"
    res = gc.http_client.request("post", url, json=body, params={"fields": fields}).json()
    assert res == {"updatedSpreadsheet": {"sheets": [{
        "properties": {"title": "Học viên"},
        "data": [{"startRow": 1, "rowData": [{"values": [
            {"userEnteredValue": {"stringValue": "0999"}}
        ]}]}],
    }]}}
    fields = "replies,updatedSpreadsheet.sheets.properties"
    no_grid = gc.http_client.request("post", url, json=body, params={"fields": fields}).json()
    assert no_grid == {"replies": [{}], "updatedSpreadsheet": {"sheets": [
        {"properties": no_grid["updatedSpreadsheet"]["sheets"][0]["properties"]}
    ]}}


def test_bad_response_range_fails_the_batch_update_and_applies_nothing(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    sh = gc.open_by_key(sid)
    with pytest.raises(APIError) as excinfo:
        sh.batch_update({
            "requests": [{"addSheet": {"properties": {"title": "Tạm"}}}],
            "includeSpreadsheetInResponse": True,
            "responseRanges": ["'Không có'!A1"],
        })
    assert excinfo.value.code == 400
    assert "Unable to parse range" in _api_error(excinfo)["message"]
    assert fake.tabs(sid) == ["Học viên", VN_TAB]


# ---- answer size: prettyPrint, response_bytes, max_response_bytes ---------------------------


def test_pretty_print_false_answers_compact_json_and_sizes_are_logged(
    fake: FakeSheetsServer, http: requests.Session, sid: str
) -> None:
    url = f"{fake.base_url}/v4/spreadsheets/{sid}/values:batchGet"
    params = {"ranges": ["'Học viên'!A1:E3"]}
    fake.reset_log()
    default = http.get(url, params=params)
    compact = http.get(url, params={**params, "prettyPrint": "false"})
    assert default.json() == compact.json()
    assert b'": ' in default.content
    assert b'": ' not in compact.content and b", " not in compact.content
    assert b"\n" not in compact.content
    assert [r.response_bytes for r in fake.requests] == [
        len(default.content), len(compact.content)
    ]
    assert len(compact.content) < len(default.content)
    missing = http.get(url, params={"ranges": "'Không có'!A1", "prettyPrint": "false"})
    assert missing.status_code == 400
    assert fake.requests[-1].response_bytes == len(missing.content) > 0
    assert b'{"error":{"code":400,' in missing.content


def test_max_response_bytes_rejects_too_large_reads_only(
    http: requests.Session,
) -> None:
    with FakeSheetsServer(max_response_bytes=400) as fake:
        rows = [["Tên", "SĐT"]] + [[f"Người {i}", f"09{i:08d}"] for i in range(40)]
        sid = fake.create_spreadsheet("Lớn", {"Dữ liệu": rows})
        sh = gspread_client(fake.base_url).open_by_key(sid)
        assert sh.values_get("'Dữ liệu'!A1:B2")["values"] == rows[:2]
        for read in (
            lambda: sh.values_batch_get(["'Dữ liệu'!A:B"]),
            lambda: sh.values_get("'Dữ liệu'!A:B"),
            lambda: sh.fetch_sheet_metadata(params={"includeGridData": "true"}),
        ):
            with pytest.raises(APIError) as excinfo:
                read()
            error = _api_error(excinfo)
            assert (excinfo.value.code, error["status"]) == (400, "INVALID_ARGUMENT")
            assert error["message"].startswith("Response too large")
        # Writes are not capped, even when they echo the values back.
        ws = sh.worksheet("Dữ liệu")
        ws.update(rows, "A1", include_values_in_response=True)
        assert fake.requests[-1].status == 200 and fake.requests[-1].response_bytes > 400
        # The cap counts the bytes actually sent, so a compact answer can fit where another
        # would not.
        url = f"{fake.base_url}/v4/spreadsheets/{sid}/values/%27D%E1%BB%AF%20li%E1%BB%87u%27!A1:B9"
        fake.max_response_bytes = len(http.get(url, params={"prettyPrint": "false"}).content)
        assert http.get(url, params={"prettyPrint": "false"}).status_code == 200
        assert http.get(url).status_code == 400
        fake.clear_faults()
        assert fake.max_response_bytes == 400


# ---- people editing in the browser ---------------------------------------------------------


MIXED = [["Tên", "Số"], ["chi", 2], ["Bình", 10], [None, 7], [5, 1], ["an", 3], [True, 4]]


def test_sort_rows_orders_numbers_text_booleans_and_blanks_last(fake: FakeSheetsServer) -> None:
    sid = fake.create_spreadsheet("Sắp xếp", {"S": MIXED})
    fake.sort_rows(sid, "S", 0)
    assert fake.get_values(sid, "S") == [
        ["Tên", "Số"], [5, 1], ["an", 3], ["Bình", 10], ["chi", 2], [True, 4], ["", 7]
    ]
    fake.sort_rows(sid, "S", 0, descending=True)
    assert fake.get_values(sid, "S") == [
        ["Tên", "Số"], [True, 4], ["chi", 2], ["Bình", 10], ["an", 3], [5, 1], ["", 7]
    ]
    fake.sort_rows(sid, "S", 1)  # numbers compare as numbers: 7 before 10
    assert _column(fake, sid, "S", 1) == ["Số", 1, 2, 3, 4, 7, 10]
    fake.sort_rows(sid, "S", 1, descending=True, first_row=4)
    assert _column(fake, sid, "S", 1) == ["Số", 1, 2, 10, 7, 4, 3]


def test_sort_rows_moves_values_formats_notes_and_validation(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    sh = gc.open_by_key(sid)
    rule = {"condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "0912345678"}]}}
    sh.batch_update({"requests": [
        {"updateCells": {"start": {"sheetId": 0, "rowIndex": 1}, "fields": "note",
                         "rows": [{"values": [{"note": "ghi chú của An"}]}]}},
        {"setDataValidation": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2,
                                         "startColumnIndex": 1, "endColumnIndex": 2},
                               "rule": rule}},
    ]})
    fake.sort_rows(sid, "Học viên", 0, descending=True)
    assert _column(fake, sid, "Học viên") == ["Tên", "Bình", "An"]
    ws = sh.worksheet("Học viên")
    assert ws.get_all_values()[1:] == [
        ["Bình", "0123", "7", "4/7/2024", "FALSE"],
        ["An", "0912345678", "12.5", "7/4/2024", "TRUE"],
    ]
    assert fake.number_format(sid, "Học viên", "D3") == {"type": "DATE", "pattern": "M/d/yyyy"}
    assert ws.get_note("A3") == "ghi chú của An"
    assert ws.get_note("A2") == ""
    assert fake.data_validation(sid, "Học viên", "B3") == rule
    assert fake.data_validation(sid, "Học viên", "B2") is None


def test_insert_rows_blank_or_with_raw_values_shift_rows_down(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    fake.insert_rows(sid, "Học viên", 3, [["Mới", "0900", "=1+1"]])
    assert _column(fake, sid, "Học viên") == ["Tên", "An", "Mới", "Bình"]
    assert fake.cell(sid, "Học viên", "B3") == "0900"
    assert not fake.is_formula(sid, "Học viên", "C3")  # RAW, as typed into the API
    fake.insert_rows(sid, "Học viên", 2, count=2)
    assert _column(fake, sid, "Học viên") == ["Tên", "", "", "An", "Mới", "Bình"]
    assert fake.number_format(sid, "Học viên", "D6") == {"type": "DATE", "pattern": "M/d/yyyy"}
    assert fake.sheet_properties(sid, "Học viên")["gridProperties"]["rowCount"] == 1003
    ws = gc.open_by_key(sid).worksheet("Học viên")
    assert ws.get("A4:A6") == [["An"], ["Mới"], ["Bình"]]


def test_delete_rows_shifts_rows_up(fake: FakeSheetsServer, sid: str) -> None:
    fake.insert_rows(sid, "Học viên", 2, [["X"], ["Y"]])
    fake.delete_rows(sid, "Học viên", 2, count=2)
    assert _column(fake, sid, "Học viên") == ["Tên", "An", "Bình"]
    fake.delete_rows(sid, "Học viên", 2)
    assert fake.get_values(sid, "Học viên")[1][:2] == ["Bình", "0123"]
    assert fake.number_format(sid, "Học viên", "D2") == {"type": "DATE", "pattern": "M/d/yyyy"}
    assert fake.sheet_properties(sid, "Học viên")["gridProperties"]["rowCount"] == 999


def test_type_row_keeps_the_cells_after_the_typed_values(
    fake: FakeSheetsServer, sid: str
) -> None:
    fake.type_row(sid, "Học viên", 2, ["Anh", None, ""])
    assert fake.get_values(sid, "Học viên")[1] == ["Anh", "0912345678", "", JULY_4_2024, True]
    fake.type_row(sid, "Học viên", 5, ["0123"])
    assert fake.cell(sid, "Học viên", "A5") == "0123"
    fake.type_row(sid, "Học viên", 5, ["0123"], value_input_option="USER_ENTERED")
    assert fake.cell(sid, "Học viên", "A5") == 123


def test_move_row_puts_the_row_at_its_new_number(fake: FakeSheetsServer) -> None:
    sid = fake.create_spreadsheet("Kéo", {"M": [["h"], ["a"], ["b"], ["c"], ["d"]]})
    fake.move_row(sid, "M", 2, 4)
    assert _column(fake, sid, "M") == ["h", "b", "c", "a", "d"]
    fake.move_row(sid, "M", 5, 2)
    assert _column(fake, sid, "M") == ["h", "d", "b", "c", "a"]
    fake.move_row(sid, "M", 3, 3)
    assert _column(fake, sid, "M") == ["h", "d", "b", "c", "a"]


def test_move_dimension_and_sort_range_requests(
    fake: FakeSheetsServer, gc: gspread.Client
) -> None:
    sid = fake.create_spreadsheet("API", {"S": [["h1", "h2", "ghi"], ["b", 2, "một"],
                                                ["a", 1, "hai"]]})
    sh = gc.open_by_key(sid)
    # sortRange with column bounds moves only those columns.
    sh.batch_update({"requests": [{"sortRange": {
        "range": {"sheetId": 0, "startRowIndex": 1, "startColumnIndex": 0, "endColumnIndex": 2},
        "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "ASCENDING"}],
    }}]})
    assert fake.get_values(sid, "S") == [["h1", "h2", "ghi"], ["a", 1, "một"], ["b", 2, "hai"]]
    sh.batch_update({"requests": [{"moveDimension": {
        "source": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1},
        "destinationIndex": 3,
    }}]})
    assert fake.get_values(sid, "S")[0] == ["h2", "ghi", "h1"]
    with pytest.raises(APIError) as excinfo:
        sh.batch_update({"requests": [{"moveDimension": {
            "source": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 2},
            "destinationIndex": 1,
        }}]})
    assert "inside the source range" in _api_error(excinfo)["message"]


def test_copy_paste_copies_cells_by_paste_type(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    sh = gc.open_by_key(sid)
    sh.batch_update({"requests": [
        {"updateCells": {"start": {"sheetId": 0, "rowIndex": 1}, "fields": "note",
                         "rows": [{"values": [{"note": "ghi chú"}]}]}},
        {"addSheet": {"properties": {"title": "Nháp", "sheetId": 77,
                                     "gridProperties": {"rowCount": 6, "columnCount": 5}}}},
    ]})
    fake.set_values(sid, "Nháp", [["cũ", "cũ", "cũ", "cũ", "cũ"]])

    def paste(source: dict, destination: dict, **options: str) -> None:
        sh.batch_update({"requests": [{"copyPaste": {
            "source": {"sheetId": 0, **source}, "destination": {"sheetId": 77, **destination},
            **options}}]})

    # PASTE_NORMAL: the whole row, blanks included, with formats and notes.
    row_2 = {"startRowIndex": 1, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 5}
    paste(row_2, {"startRowIndex": 0, "endRowIndex": 1})
    assert fake.get_values(sid, "Nháp") == [["An", "0912345678", 12.5, JULY_4_2024, True]]
    assert fake.number_format(sid, "Nháp", "D1") == {"type": "DATE", "pattern": "M/d/yyyy"}
    assert sh.worksheet("Nháp").get_note("A1") == "ghi chú"
    # A destination twice the source's height gets it twice; PASTE_VALUES keeps formats out.
    name = {"startRowIndex": 2, "endRowIndex": 3, "startColumnIndex": 0, "endColumnIndex": 1}
    paste(name, {"startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": 3,
                 "endColumnIndex": 4}, pasteType="PASTE_VALUES")
    assert [fake.cell(sid, "Nháp", a1) for a1 in ("D2", "D3", "D4")] == ["Bình", "Bình", None]
    assert fake.number_format(sid, "Nháp", "D2") is None
    # TRANSPOSE turns the row into a column.
    paste({**row_2, "endColumnIndex": 3}, {"startRowIndex": 1, "startColumnIndex": 4},
          pasteOrientation="TRANSPOSE")
    assert [fake.cell(sid, "Nháp", f"E{r}") for r in (2, 3, 4)] == ["An", "0912345678", 12.5]
    with pytest.raises(APIError) as excinfo:
        paste(row_2, {"startRowIndex": 5, "startColumnIndex": 1})
    assert "exceeds grid limits" in _api_error(excinfo)["message"]


def test_editing_a_missing_tab_or_outside_the_grid_raises(
    fake: FakeSheetsServer, sid: str
) -> None:
    with pytest.raises(KeyError):
        fake.sort_rows(sid, "Không có", 0)
    with pytest.raises(ValueError, match="past the end"):
        fake.delete_rows(sid, "Học viên", 1000, count=5)
    with pytest.raises(ValueError, match="past the end"):
        fake.insert_rows(sid, "Học viên", 1005)
    assert _column(fake, sid, "Học viên") == ["Tên", "An", "Bình"]


# ---- race windows: hooks, slow requests, lost answers --------------------------------------


def test_before_hook_edits_between_the_apps_read_and_its_write(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    ws = gc.open_by_key(sid).worksheet("Học viên")
    row = [r[0] for r in ws.get_all_values()].index("An") + 1
    seen: list[RequestRecord] = []

    def person_sorts(record: RequestRecord) -> None:
        seen.append(record)
        fake.sort_rows(sid, "Học viên", 0, descending=True)

    fake.before("values.update", person_sorts)
    ws.update([["0999"]], f"B{row}")
    # The person's sort landed first, so the app's write hit Bình's row, not An's.
    assert fake.get_values(sid, "Học viên")[1][:2] == ["Bình", "0999"]
    assert fake.get_values(sid, "Học viên")[2][:2] == ["An", "0912345678"]
    assert [(r.operation, r.body["values"]) for r in seen] == [("values.update", [["0999"]])]
    assert seen[0].status == 200  # the same record, completed after the hook
    ws.update([["0888"]], f"B{row}")  # times=1: the hook is spent
    assert _column(fake, sid, "Học viên", 1) == ["SĐT", "0888", "0912345678"]


def test_before_hook_times_and_kind_filters(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    sh = gc.open_by_key(sid)
    calls: list[str] = []
    fake.before(None, lambda r: calls.append(f"read {r.operation}"), times=None, kind="read")
    fake.before("values.append", lambda r: calls.append("append"), times=2)
    ws = sh.worksheet(VN_TAB)
    for _ in range(3):
        ws.append_row(["x"])
    ws.acell("A1")
    assert calls == ["read spreadsheets.get", "append", "append", "read values.get"]
    fake.clear_hooks()
    ws.acell("A1")
    assert len(calls) == 4


def test_before_hook_runs_without_the_data_lock(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    ws = gc.open_by_key(sid).worksheet("Học viên")
    finished: list[bool] = []

    def person_in_another_thread(record: RequestRecord) -> None:
        # Another thread would block here if the request's thread held the data lock.
        other = threading.Thread(target=fake.type_row, args=(sid, "Học viên", 4, ["Chi"]))
        other.start()
        other.join(timeout=5)
        finished.append(not other.is_alive())

    fake.before("values.get", person_in_another_thread)
    assert ws.get("A4") == [["Chi"]]
    assert finished == [True]


def test_hook_error_fails_the_request_with_500_and_is_kept(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    ws = gc.open_by_key(sid).worksheet("Học viên")
    fake.before("values.get", lambda r: fake.sort_rows(sid, "Không có", 0))
    with pytest.raises(APIError) as excinfo:
        ws.acell("A1")
    assert excinfo.value.code == 500
    assert "hook failed" in _api_error(excinfo)["message"]
    assert [type(e) for e in fake.hook_errors] == [KeyError]
    fake.clear_hooks()
    assert fake.hook_errors == []


def test_clear_faults_also_removes_hooks_slowdowns_and_lost_answers(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    ws = gc.open_by_key(sid).worksheet("Học viên")
    calls: list[RequestRecord] = []
    fake.before(None, calls.append, times=None)
    fake.slow(None, 5.0)
    fake.lose_answer(None, times=None)
    fake.clear_faults()
    started = time.perf_counter()
    assert ws.acell("A1").value == "Tên"
    assert time.perf_counter() - started < 2
    assert calls == []


def test_rules_reject_unknown_operations_kinds_and_times(fake: FakeSheetsServer) -> None:
    with pytest.raises(ValueError, match="unknown operation"):
        fake.before("values.batch_get", lambda r: None)
    with pytest.raises(ValueError, match="kind"):
        fake.slow(None, 1.0, kind="reads")
    with pytest.raises(ValueError, match="times"):
        fake.lose_answer("values.update", times=0)


def test_slow_delays_only_matching_requests(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    sh = gc.open_by_key(sid)
    fake.slow("values.batchGet", 0.3, times=1)

    def timed(call: Callable[[], object]) -> float:
        started = time.perf_counter()
        call()
        return time.perf_counter() - started

    assert timed(lambda: sh.values_get("'Học viên'!A1")) < 0.3
    assert timed(lambda: sh.values_batch_get(["'Học viên'!A1"])) >= 0.3
    assert timed(lambda: sh.values_batch_get(["'Học viên'!A1"])) < 0.3


def test_lose_answer_applies_the_write_then_hangs_up(
    fake: FakeSheetsServer, http: requests.Session, sid: str
) -> None:
    url = f"{fake.base_url}/v4/spreadsheets/{sid}/values/A9"
    fake.reset_log()
    fake.lose_answer("values.update")
    with pytest.raises(requests.ConnectionError):
        http.put(url, params={"valueInputOption": "RAW"}, json={"values": [["đã ghi"]]})
    assert fake.cell(sid, "Học viên", "A9") == "đã ghi"
    [record] = fake.requests
    assert (record.status, record.answer_lost, record.response_bytes) == (200, True, 0)
    # Only the answer was lost: the next request on the same session is answered.
    again = http.put(url, params={"valueInputOption": "RAW"}, json={"values": [["lần 2"]]})
    assert again.status_code == 200
    assert fake.requests[-1].answer_lost is False
    assert fake.cell(sid, "Học viên", "A9") == "lần 2"


def test_lose_answer_reaches_gspread_as_a_connection_error_after_one_send(
    fake: FakeSheetsServer, gc: gspread.Client, sid: str
) -> None:
    sh = gc.open_by_key(sid)
    fake.reset_log()
    fake.lose_answer("spreadsheets.batchUpdate")
    with pytest.raises(requests.exceptions.ConnectionError):
        sh.batch_update({"requests": [{"addSheet": {"properties": {"title": "Mới"}}}]})
    assert fake.tabs(sid) == ["Học viên", VN_TAB, "Mới"]
    assert fake.count(kind="write") == 1  # neither gspread nor urllib3 sent it again
