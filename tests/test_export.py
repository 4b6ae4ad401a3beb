"""Exports: CSV that Excel opens with Vietnamese intact and never runs, and a typed workbook."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from services import clock, export
from services.choices import AuditAction, MemberStatus
from services.clock import VN_TZ
from services.coltypes import Number
from services.demo import generate
from services.schema import ARCHIVED, ID, SHEETS, Record
from services.validation import ROW, RawTable, Snapshot, Table, validate_snapshot

BOM = b"\xef\xbb\xbf"
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
# Each prefix a spreadsheet would run, as OWASP's CSV-injection page lists them.
PAYLOADS = [
    '=IMPORTXML("http://x", "//a")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\tx",
    "\rx",
    " =1",
    "\u00a0+1",
]


def _values(**extra: Any) -> list[Record]:
    """Return hand-made indicator values: decimals, a negative number, text notes, a _row key."""
    rows = [
        {ID: "SL1", "indicator": "2.2.1", "year": 2024, "value": 53.8,
         "note": "Lao động qua đào tạo", ARCHIVED: False, ROW: 2},
        {ID: "SL2", "indicator": "2.2.2", "year": 2024, "value": -0.5,
         "note": "Tỷ lệ hộ nghèo giảm 0,5 điểm", ARCHIVED: None, ROW: 3},
        {ID: "SL3", "indicator": "2.2.3", "year": 2023, "value": 55.0,
         "note": "Dòng một\nDòng hai, có dấu phẩy", ARCHIVED: True, ROW: 4},
    ]
    rows.extend({ID: f"SLX{i}", "indicator": "2.1.1", "year": 2024, "value": 1.0, "note": p,
                 ROW: 10 + i} for i, p in enumerate(extra.get("notes", PAYLOADS)))
    return rows


def _member(**values: Any) -> Record:
    """Return a hand-made core-force member with a date and a yes/no."""
    return {ID: "NC1", "full_name": "Nguyễn Văn Nho", "tdp": "Tổ dân phố 5",
            "party_member": True, "phone": "0912345678", "status": MemberStatus.DA_PHE_DUYET,
            "approval_ref": "12-QĐ/ĐU", "approved_on": date(2024, 4, 7), ROW: 2, **values}


def _snapshot(**tables: list[Record]) -> Snapshot:
    """Build a snapshot of hand-made records (the other sheets empty)."""
    return Snapshot({key: Table(sheet, tables.get(key, []), [], len(tables.get(key, [])))
                     for key, sheet in SHEETS.items()})


def _parse(data: bytes) -> list[list[str]]:
    """Read a CSV as Excel would: strip the BOM, keep embedded line breaks."""
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data[len(BOM):].decode("utf-8"), newline="")))


def _ooxml_text(value: str) -> str:
    """Undo OOXML's _xHHHH_ escapes, as Excel does when it reads a cell (openpyxl does not)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m[1], 16)), value)


def _workbook(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def _demo_snapshot(scale: int = 1) -> Snapshot:
    """Validate the demo ward as the store would hand it over (with ids)."""
    data = generate(scale=scale)
    raw = {}
    for key, records in data.items():
        sheet = SHEETS[key]
        with_ids = [{**r, ID: f"{sheet.id_prefix}{n:06d}"} for n, r in enumerate(records, 1)]
        raw[key] = RawTable.from_records(sheet, with_ids)
    return validate_snapshot(raw)


# --- CSV -----------------------------------------------------------------------------------


def test_csv_starts_with_utf8_bom_and_keeps_vietnamese_headers_in_nfc() -> None:
    data = export.csv_bytes("indicator_values", _values())
    assert data.startswith(BOM)
    header = _parse(data)[0]
    assert header == SHEETS["indicator_values"].headers
    assert "Ghi chú, nguồn số liệu" in header
    assert all(unicodedata.is_normalized("NFC", h) for h in header)


def test_csv_rows_end_with_crlf_for_excel() -> None:
    data = export.csv_bytes("members", [_member()])
    assert data.count(b"\r\n") == 2
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_csv_dates_are_iso_not_dd_mm_yyyy() -> None:
    header, row = _parse(export.csv_bytes("members", [_member()]))
    assert row[header.index("Ngày phê duyệt")] == "2024-04-07"


def test_csv_decimals_use_a_dot_and_whole_numbers_no_fraction() -> None:
    rows = _parse(export.csv_bytes("indicator_values", _values()))
    column = rows[0].index("Giá trị")
    assert [r[column] for r in rows[1:4]] == ["53.8", "-0.5", "55"]
    assert "53,8" not in "".join(rows[1])


def test_csv_booleans_are_true_false_and_blank_stays_blank() -> None:
    rows = _parse(export.csv_bytes("indicator_values", _values()))
    column = rows[0].index("Lưu trữ")
    assert [r[column] for r in rows[1:4]] == ["FALSE", "", "TRUE"]


def test_csv_phone_keeps_its_leading_zero() -> None:
    header, row = _parse(export.csv_bytes("members", [_member()]))
    assert row[header.index("Số điện thoại")] == "0912345678"


@pytest.mark.parametrize("payload", PAYLOADS, ids=repr)
def test_csv_text_that_looks_like_a_formula_gets_an_apostrophe(payload: str) -> None:
    rows = _parse(export.csv_bytes("indicator_values", _values(notes=[payload])))
    assert rows[-1][rows[0].index("Ghi chú, nguồn số liệu")] == "'" + payload


def test_csv_negative_number_in_a_number_column_stays_a_number() -> None:
    rows = _parse(export.csv_bytes("indicator_values", _values()))
    assert rows[2][rows[0].index("Giá trị")] == "-0.5"


def test_csv_negative_number_typed_as_text_is_neutralised() -> None:
    rows = _parse(export.csv_bytes("members", [_member(note="-0.5")]))
    assert rows[1][rows[0].index("Ghi chú")] == "'-0.5"


def test_csv_harmless_text_is_left_alone() -> None:
    notes = ["Tổ 5 - khu phố 2", "a=b", "email@x.vn", "'đã có nháy"]
    rows = _parse(export.csv_bytes("indicator_values", _values(notes=notes)))
    column = rows[0].index("Ghi chú, nguồn số liệu")
    assert [r[column] for r in rows[-len(notes):]] == notes


def test_no_csv_cell_except_a_real_number_could_run_as_a_formula() -> None:
    sheet = SHEETS["indicator_values"]
    rows = _parse(export.csv_bytes(sheet, _values()))
    numeric = {i for i, c in enumerate(sheet.columns) if isinstance(c.type, Number)}
    for row in rows:
        for index, cell in enumerate(row):
            if cell.lstrip().startswith(DANGEROUS) or cell.startswith(DANGEROUS):
                assert index in numeric, cell
                float(cell)  # a genuine number, which a spreadsheet reads as a number


def test_csv_multiline_text_round_trips_in_one_cell() -> None:
    rows = _parse(export.csv_bytes("indicator_values", _values()))
    assert rows[3][rows[0].index("Ghi chú, nguồn số liệu")] == "Dòng một\nDòng hai, có dấu phẩy"


def test_row_bookkeeping_key_is_never_exported() -> None:
    data = export.csv_bytes("indicator_values", _values())
    assert ROW.encode() not in data
    assert all(len(r) == len(SHEETS["indicator_values"].columns) for r in _parse(data))
    workbook = _workbook(export.xlsx_bytes(_snapshot(indicator_values=_values())))
    headers = [c.value for c in workbook["Số liệu chỉ tiêu"][1]]
    assert ROW not in headers and headers == SHEETS["indicator_values"].headers


def test_csv_columns_pick_and_order_the_columns() -> None:
    header, row = _parse(export.csv_bytes("members", [_member()], columns=["tdp", "full_name"]))
    assert header == ["Tổ dân phố", "Họ và tên"]
    assert row == ["Tổ dân phố 5", "Nguyễn Văn Nho"]


def test_csv_unknown_column_key_is_refused() -> None:
    with pytest.raises(KeyError):
        export.csv_bytes("members", [_member()], columns=[ROW])


def test_csv_of_an_empty_sheet_is_its_header_only() -> None:
    rows = _parse(export.csv_bytes("meetings", []))
    assert rows == [SHEETS["meetings"].headers]


def test_csv_timestamp_is_iso_with_the_vietnam_offset() -> None:
    moment = datetime(2024, 4, 7, 1, 30, tzinfo=VN_TZ)
    record = {ID: "NK1", "at": moment, "actor": "admin@example.com",
              "action": next(iter(AuditAction)), "sheet": "Đơn vị", "record_id": "DV1"}
    header, row = _parse(export.csv_bytes("audit", [record]))
    assert row[header.index("Thời điểm")] == "2024-04-07T01:30:00+07:00"


def test_frame_csv_keeps_headers_iso_dates_dot_decimals_and_neutralises() -> None:
    frame = pd.DataFrame({
        "Tổ dân phố": ["Tổ dân phố 1", "=1+1"],
        "Ngày dự": [date(2024, 4, 7), None],
        "Thời điểm": pd.to_datetime(["2024-04-07 00:00", "2024-05-01 08:30"]),
        "Tỷ lệ": [53.8, np.nan],
        "Số lượt": np.array([3, -2], dtype=np.int64),
        "Đạt": [True, np.False_],
        "Chênh lệch": [-0.5, 1e-7],
    })
    rows = _parse(export.frame_csv_bytes(frame))
    assert rows[0] == list(frame.columns)
    assert rows[1] == ["Tổ dân phố 1", "2024-04-07", "2024-04-07", "53.8", "3", "TRUE", "-0.5"]
    assert rows[2] == ["'=1+1", "", "2024-05-01T08:30:00", "", "-2", "FALSE", "1e-07"]


def test_frame_csv_of_an_empty_frame_is_its_header_only() -> None:
    rows = _parse(export.frame_csv_bytes(pd.DataFrame(columns=["Họ và tên", "Ngày dự"])))
    assert rows == [["Họ và tên", "Ngày dự"]]


_QUOTED = re.compile(r'"(?:[^"]|"")*"')


@pytest.mark.parametrize("text", ["Tổ 1; Tổ 2", "a,b", 'nói "có"', "dòng 1\r\ndòng 2", "x\ny"])
def test_csv_text_with_a_separator_quote_or_line_break_is_always_quoted(text: str) -> None:
    # Where Windows' list separator is ";" (Vietnamese Windows) Excel splits an unquoted ";".
    data = export.csv_bytes("members", [_member(note=text)])
    outside_quotes = _QUOTED.sub("", data[len(BOM):].decode("utf-8"))
    assert ";" not in outside_quotes and '"' not in outside_quotes
    assert outside_quotes.count("\n") == 2  # only the two line ends
    header, row = _parse(data)
    assert row[header.index("Ghi chú")] == text


def test_every_csv_cell_is_quoted() -> None:
    data = export.frame_csv_bytes(pd.DataFrame({"Tổ": ["Tổ 1; Tổ 2", ""], "Số": [1, 2.5]}))
    assert data[len(BOM):].decode("utf-8").split("\r\n") == [
        '"Tổ","Số"', '"Tổ 1; Tổ 2","1"', '"","2.5"', ""]


def test_export_owns_the_only_csv_writer() -> None:
    # One CSV writer for every download: BOM, quoting and neutralising cannot be forgotten.
    root = Path(__file__).resolve().parents[1]
    writers = re.compile(r"csv\.writer\(|DictWriter|\.to_csv\(")
    found = [str(path.relative_to(root))
             for folder in ("services", "pages") for path in sorted((root / folder).rglob("*.py"))
             if path.name != "__init__.py" and writers.search(path.read_text(encoding="utf-8"))]
    assert found == ["services/export.py"]


# --- file names ----------------------------------------------------------------------------


def test_file_names_are_ascii_slugs_dated_today_in_vietnam(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: date(2026, 11, 21))
    assert export.slug("Đăng ký mô hình") == "dang-ky-mo-hinh"
    assert export.csv_filename("registrations") == "dang-ky-mo-hinh-2026-11-21.csv"
    assert export.csv_filename(SHEETS["meetings"]) == "du-sinh-hoat-chi-bo-2026-11-21.csv"
    assert export.xlsx_filename() == "khoi-dan-van-2026-11-21.xlsx"
    assert export.xlsx_filename(date(2024, 4, 7)) == "khoi-dan-van-2024-04-07.xlsx"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Đăng ký mô hình", "Đăng ký mô hình"),
        ("Báo cáo [Quý I]: 2024/25 *?\\", "Báo cáo -Quý I-- 2024-25 ---"),
        ("'Trích'", "Trích"),
        ("Một tên trang tính rất dài quá ba mươi mốt ký tự", "Một tên trang tính rất dài quá"),
    ],
)
def test_sheet_title_is_a_valid_excel_sheet_name(title: str, expected: str) -> None:
    assert export.sheet_title(title) == expected
    assert len(export.sheet_title(title)) <= 31


# --- Excel ---------------------------------------------------------------------------------


@pytest.fixture
def workbook() -> Workbook:
    """Return the workbook of hand-made members and indicator values, reopened."""
    snapshot = _snapshot(members=[_member(note="=HYPERLINK(\"http://x\")")],
                         indicator_values=_values())
    return _workbook(export.xlsx_bytes(snapshot))


def test_xlsx_has_one_worksheet_per_sheet_in_schema_order(workbook: Workbook) -> None:
    assert workbook.sheetnames == [export.sheet_title(s.title) for s in SHEETS.values()]


def test_xlsx_header_is_vietnamese_bold_frozen_and_filtered(workbook: Workbook) -> None:
    for sheet in SHEETS.values():
        ws = workbook[sheet.title]
        assert [c.value for c in ws[1]] == sheet.headers
        assert all(c.font.b for c in ws[1])
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A1:")


def test_xlsx_columns_have_sensible_widths(workbook: Workbook) -> None:
    ws = workbook["Lực lượng nòng cốt"]
    widths = [ws.column_dimensions[get_column_letter(i)].width
              for i in range(1, len(SHEETS["members"].columns) + 1)]
    assert all(8 <= w <= 60 for w in widths)
    assert widths[1] >= len("Họ và tên")


def test_xlsx_date_cell_is_a_real_date_shown_dd_mm_yyyy(workbook: Workbook) -> None:
    ws = workbook["Lực lượng nòng cốt"]
    cell = ws.cell(2, SHEETS["members"].keys.index("approved_on") + 1)
    assert cell.is_date and isinstance(cell.value, datetime)
    assert cell.value.date() == date(2024, 4, 7)
    assert cell.number_format.lower() == "dd/mm/yyyy"


def test_xlsx_numbers_are_numbers_and_yes_no_are_booleans(workbook: Workbook) -> None:
    ws = workbook["Số liệu chỉ tiêu"]
    keys = SHEETS["indicator_values"].keys
    values = [ws.cell(r, keys.index("value") + 1) for r in (2, 3, 4)]
    assert [c.value for c in values] == [53.8, -0.5, 55]
    assert all(c.data_type == "n" for c in values)
    assert ws.cell(2, keys.index("year") + 1).value == 2024
    archived = [ws.cell(r, keys.index(ARCHIVED) + 1).value for r in (2, 3, 4)]
    assert archived == [False, None, True]


def test_xlsx_phone_stays_text_with_its_leading_zero(workbook: Workbook) -> None:
    cell = workbook["Lực lượng nòng cốt"].cell(2, SHEETS["members"].keys.index("phone") + 1)
    assert (cell.value, cell.data_type) == ("0912345678", "s")


@pytest.mark.parametrize("payload", [*PAYLOADS, "=1+1", "#N/A", "#DIV/0!"], ids=repr)
def test_xlsx_formula_looking_text_is_a_string_never_a_formula(payload: str) -> None:
    data = export.xlsx_bytes(_snapshot(indicator_values=_values(notes=[payload])),
                             ["indicator_values"])
    ws = _workbook(data)["Số liệu chỉ tiêu"]
    cell = ws.cell(ws.max_row, SHEETS["indicator_values"].keys.index("note") + 1)
    assert cell.data_type == "s"
    # Stored as it is (a string cell needs no apostrophe); see _ooxml_text for the escapes.
    assert _ooxml_text(cell.value) == payload
    assert cell.quotePrefix or not export.looks_like_formula(payload)


def test_no_xlsx_cell_is_a_formula(workbook: Workbook) -> None:
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            assert all(c.data_type != "f" for c in row), ws.title


def test_xlsx_timestamp_is_vietnam_wall_clock_time() -> None:
    moment = datetime(2024, 4, 7, 1, 30, 15, tzinfo=VN_TZ)
    record = {ID: "NK1", "at": moment.astimezone(UTC),
              "actor": "admin@example.com", "action": next(iter(AuditAction)),
              "sheet": "Đơn vị", "record_id": "DV1"}
    ws = _workbook(export.xlsx_bytes(_snapshot(audit=[record]), ["audit"]))["Nhật ký thay đổi"]
    cell = ws.cell(2, 2)
    assert cell.value.replace(microsecond=0) == datetime(2024, 4, 7, 1, 30, 15)
    assert cell.number_format.lower().startswith("dd/mm/yyyy")


def test_xlsx_keeps_text_that_xml_would_mangle() -> None:
    notes = ["A & B < C > D", "_x0041_ không phải mã", "dòng một\ndòng hai", "  thụt đầu  "]
    ws = _workbook(export.xlsx_bytes(_snapshot(indicator_values=_values(notes=notes)),
                                     ["indicator_values"]))["Số liệu chỉ tiêu"]
    column = SHEETS["indicator_values"].keys.index("note") + 1
    assert [_ooxml_text(ws.cell(r, column).value)
            for r in range(ws.max_row - 3, ws.max_row + 1)] == notes


def test_xlsx_drops_control_characters_excel_refuses() -> None:
    ws = _workbook(export.xlsx_bytes(_snapshot(indicator_values=_values(notes=["a\x01b\x0bc"])),
                                     ["indicator_values"]))["Số liệu chỉ tiêu"]
    assert ws.cell(ws.max_row, SHEETS["indicator_values"].keys.index("note") + 1).value == "abc"


def test_xlsx_includes_archived_rows_with_the_archive_column(workbook: Workbook) -> None:
    ws = workbook["Số liệu chỉ tiêu"]
    assert ws.max_row == 1 + len(_values())
    assert ws.cell(1, ws.max_column).value == "Lưu trữ"


def test_xlsx_empty_sheet_has_its_header_only(workbook: Workbook) -> None:
    ws = workbook["Dự sinh hoạt chi bộ"]
    assert ws.max_row == 1 and [c.value for c in ws[1]] == SHEETS["meetings"].headers


def test_xlsx_of_chosen_sheets_only() -> None:
    data = export.xlsx_bytes(_snapshot(), ["registrations", "units"])
    assert _workbook(data).sheetnames == ["Đăng ký mô hình", "Đơn vị"]
    with pytest.raises(ValueError):
        export.xlsx_bytes(_snapshot(), [])


def test_same_data_gives_the_same_workbook_bytes() -> None:
    snapshot = _snapshot(members=[_member()], indicator_values=_values())
    assert export.xlsx_bytes(snapshot) == export.xlsx_bytes(snapshot)


# --- everything at once, on the demo ward --------------------------------------------------


def test_export_all_writes_a_csv_per_sheet_and_the_workbook(tmp_path: Path) -> None:
    snapshot = _snapshot(members=[_member()])
    paths = export.export_all(snapshot, tmp_path / "out")
    names = [p.name for p in paths]
    assert names == [f"{export.slug(s.title)}.csv" for s in SHEETS.values()] + [
        "khoi-dan-van.xlsx"]
    assert "dang-ky-mo-hinh.csv" in names and "luc-luong-nong-cot.csv" in names
    assert all(p.is_file() and p.parent == tmp_path / "out" for p in paths)
    rows = _parse((tmp_path / "out" / "luc-luong-nong-cot.csv").read_bytes())
    assert rows[1][1] == "Nguyễn Văn Nho"
    assert _workbook(paths[-1].read_bytes()).sheetnames[3] == "Lực lượng nòng cốt"


def test_demo_ward_exports_every_row_and_nothing_runs(tmp_path: Path) -> None:
    snapshot = _demo_snapshot()
    assert snapshot["members"].records, "the demo ward has members"
    paths = export.export_all(snapshot, tmp_path)
    workbook = _workbook(paths[-1].read_bytes())
    for (key, sheet), path in zip(SHEETS.items(), paths, strict=False):
        records = snapshot[key].records
        rows = _parse(path.read_bytes())
        assert rows[0] == sheet.headers
        assert len(rows) == 1 + len(records), key
        numeric = {i for i, c in enumerate(sheet.columns) if isinstance(c.type, Number)}
        for row in rows[1:]:
            assert all(not c.startswith(DANGEROUS) or i in numeric for i, c in enumerate(row))
        ws = workbook[export.sheet_title(sheet.title)]
        assert ws.max_row == 1 + len(records), key
        assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    meetings = workbook["Dự sinh hoạt chi bộ"]
    held = meetings.cell(2, SHEETS["meetings"].keys.index("meeting_date") + 1)
    assert held.is_date and held.value.date() == snapshot["meetings"].records[0]["meeting_date"]
