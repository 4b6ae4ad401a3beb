"""The core force roster: coverage per residential group, import from CSV/XLSX, approval."""

from __future__ import annotations

import csv
import io
import re
import time
import tracemalloc
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import pytest
import xlsxwriter
from openpyxl import Workbook

from services import roster
from services.auth import LOCAL_ADMIN, Actor, PermissionDenied
from services.choices import AuditAction, Gender, MemberStatus, Role, UnitKind
from services.clock import today
from services.export import csv_bytes
from services.schema import ID, SHEETS, Record
from services.store.sql import SqlStore
from services.validation import ROW, RawTable, Snapshot, validate_snapshot

EDITOR = Actor(email="canbo@phuong.vn", name="Cán bộ", role=Role.EDITOR)
VIEWER = Actor(email="lanhdao@phuong.vn", name="Lãnh đạo", role=Role.VIEWER)

UNITS = [
    {"id": "DV-1", "name": "Tổ dân phố 1", "kind": UnitKind.TO_DAN_PHO},
    {"id": "DV-2", "name": "Tổ dân phố 2", "kind": UnitKind.TO_DAN_PHO},
    {"id": "DV-10", "name": "Tổ dân phố 10", "kind": UnitKind.TO_DAN_PHO},
    {"id": "DV-11", "name": "Thôn Đông Lâm", "kind": UnitKind.THON_XOM},
    {"id": "DV-12", "name": "Tổ dân phố 12", "kind": UnitKind.TO_DAN_PHO, "archived": True},
    {"id": "DV-20", "name": "Chi bộ Tổ dân phố 1", "kind": UnitKind.CHI_BO},
    {"id": "DV-21", "name": "Hội Liên hiệp Phụ nữ phường", "kind": UnitKind.DOAN_THE},
]

THIS_YEAR = today().year  # the latest birth year allowed


def member(name: str, tdp: str, status: MemberStatus = MemberStatus.DE_XUAT,
           **values: Any) -> Record:
    """Return a member record with what the sheet requires."""
    if status == MemberStatus.DA_PHE_DUYET:
        values.setdefault("approval_ref", "12-QĐ/ĐU")
    return {"full_name": name, "tdp": tdp, "status": status, **values}


def snapshot_of(members: Sequence[Mapping[str, Any]],
                units: Sequence[Mapping[str, Any]] = UNITS) -> Snapshot:
    """Validate hand-made units and members the way a store's snapshot is validated."""
    numbered = [{"id": f"NC-{i}", **m} for i, m in enumerate(members, start=1)]
    snap = validate_snapshot({
        "units": RawTable.from_records(SHEETS["units"], units),
        "members": RawTable.from_records(SHEETS["members"], numbered),
    })
    assert snap["units"].problems == [] and snap["members"].problems == []
    return snap


EXISTING = [
    member("Phạm Thị Mai", "Tổ dân phố 2", birth_year=1985, gender=Gender.NU),
    member("Nguyễn Văn Nho", "Tổ dân phố 1", MemberStatus.DA_PHE_DUYET, birth_year=1962),
]


# --- coverage ------------------------------------------------------------------------------


def test_coverage_counts_each_status_per_group_in_natural_order() -> None:
    snap = snapshot_of([
        member("A", "Tổ dân phố 1", MemberStatus.DA_PHE_DUYET, party_member=True),
        member("B", "Tổ dân phố 1", MemberStatus.DA_PHE_DUYET),
        member("C", "Tổ dân phố 1"),
        member("D", "Tổ dân phố 10", party_member=True),
        member("E", "Thôn Đông Lâm", MemberStatus.DA_PHE_DUYET),
    ])
    cov = roster.coverage(snap)
    assert [r.tdp for r in cov.rows] == ["Thôn Đông Lâm", "Tổ dân phố 1", "Tổ dân phố 2",
                                         "Tổ dân phố 10"]
    by_tdp = {r.tdp: r for r in cov.rows}
    one = by_tdp["Tổ dân phố 1"]
    assert (one.proposed, one.approved, one.left, one.party_members, one.active) == (1, 2, 0, 1, 3)
    assert by_tdp["Tổ dân phố 10"].state == roster.CoverageState.CHO_PHE_DUYET
    assert by_tdp["Thôn Đông Lâm"].state == roster.CoverageState.DA_PHE_DUYET
    totals = cov.totals()
    assert (totals.proposed, totals.approved, totals.party_members) == (2, 3, 2)


def test_group_without_members_is_listed_as_without_list() -> None:
    cov = roster.coverage(snapshot_of([member("A", "Tổ dân phố 1")]))
    assert cov.without_list == ["Thôn Đông Lâm", "Tổ dân phố 2", "Tổ dân phố 10"]
    assert cov.with_list_count == 1


def test_archived_members_are_not_counted() -> None:
    cov = roster.coverage(snapshot_of([
        member("A", "Tổ dân phố 2", MemberStatus.DA_PHE_DUYET, archived=True),
        member("B", "Tổ dân phố 2", archived=True),
    ]))
    two = next(r for r in cov.rows if r.tdp == "Tổ dân phố 2")
    assert (two.proposed, two.approved, two.active) == (0, 0, 0)
    assert "Tổ dân phố 2" in cov.without_list


def test_members_who_left_are_not_active_and_do_not_make_a_list() -> None:
    cov = roster.coverage(snapshot_of([
        member("A", "Tổ dân phố 2", MemberStatus.THOI_THAM_GIA, party_member=True),
        member("B", "Tổ dân phố 1", MemberStatus.THOI_THAM_GIA),
        member("C", "Tổ dân phố 1", MemberStatus.DA_PHE_DUYET),
    ]))
    by_tdp = {r.tdp: r for r in cov.rows}
    assert (by_tdp["Tổ dân phố 2"].left, by_tdp["Tổ dân phố 2"].active) == (1, 0)
    assert by_tdp["Tổ dân phố 2"].party_members == 0
    assert (by_tdp["Tổ dân phố 1"].left, by_tdp["Tổ dân phố 1"].active) == (1, 1)
    assert "Tổ dân phố 2" in cov.without_list and "Tổ dân phố 1" not in cov.without_list


def test_archived_groups_and_other_units_are_not_in_coverage() -> None:
    cov = roster.coverage(snapshot_of([]))
    names = [r.tdp for r in cov.rows]
    assert "Tổ dân phố 12" not in names
    assert "Chi bộ Tổ dân phố 1" not in names and "Hội Liên hiệp Phụ nữ phường" not in names


def test_coverage_frame_has_vietnamese_headers_and_one_row_per_group() -> None:
    frame = roster.coverage_frame(roster.coverage(snapshot_of(EXISTING)))
    assert list(frame.columns) == list(roster.COVERAGE_HEADERS.values())
    assert list(frame["Tổ dân phố"]) == ["Thôn Đông Lâm", "Tổ dân phố 1", "Tổ dân phố 2",
                                         "Tổ dân phố 10"]
    assert list(frame["Tình trạng"]) == ["Chưa có danh sách", "Đã phê duyệt",
                                         "Còn người chờ phê duyệt", "Chưa có danh sách"]


# --- reading files -------------------------------------------------------------------------

CSV_RENAMED = (
    "Ho va ten;To dan pho;Nam sinh;Gioi tinh;So dien thoai;Cot rieng cua Mat tran\r\n"
    "Nguyễn Văn Hùng;Tổ dân phố 1;1970;Nam;0912 345 678;ghi chú\r\n"  # 2 valid
    "Trần Thị Lan;Tổ dân phố 1;19x0;Nữ;;\r\n"  # 3 bad birth year
    ";;;;;\r\n"  # 4 blank
    "Lê Văn Tám;Tổ dân phố 99;1980;Nam;;\r\n"  # 5 unknown group
    "pham thi mai;to dan pho 2;1985;nu;;\r\n"  # 6 already in the store
    "Nguyễn  Văn Hùng;TO DAN PHO 1;1970;Nam;;\r\n"  # 7 same as row 2
    "\"Võ Thị Hằng\";Tổ dân phố 10;1990;Nữ;;\"Hội viên, phụ nữ\"\r\n"  # 8 valid, quoted
)


def _problems(result: roster.ImportPreview) -> dict[int, list[str]]:
    return {r.row: [p.text() for p in r.problems] for r in result.rows}


def test_csv_with_bom_semicolons_and_renamed_headers_gives_exactly_the_expected_problems() -> None:
    table = roster.read_table(CSV_RENAMED.encode("utf-8-sig"), "danh-sach.csv")
    assert table.header_row == 1 and table.header[0] == "Ho va ten"  # BOM gone
    result = roster.preview(snapshot_of(EXISTING), table.header, table.rows,
                            first_row=table.first_row)
    assert result.header_problems == []
    assert result.extra_columns == ["Cot rieng cua Mat tran"]
    assert result.renamed == {"Ho va ten": "Họ và tên", "To dan pho": "Tổ dân phố",
                              "Nam sinh": "Năm sinh", "Gioi tinh": "Giới tính",
                              "So dien thoai": "Số điện thoại"}
    assert _problems(result) == {
        2: [],
        3: ['Cột "Năm sinh", dòng 3: "19x0" không phải là số (một số nguyên, từ 1920 đến '
            f'{THIS_YEAR})'],
        5: ['Cột "Tổ dân phố", dòng 5: "Tổ dân phố 99" không có trong bảng Đơn vị'],
        6: [],
        7: [],
        8: [],
    }
    status = {r.row: r.status for r in result.rows}
    assert status == {2: "Hợp lệ", 3: "Có lỗi", 5: "Có lỗi", 6: "Có thể trùng",
                      7: "Có thể trùng", 8: "Hợp lệ"}
    dup = {r.row: r.duplicate_of for r in result.rows if r.duplicate}
    assert dup == {6: "có thể trùng với thành viên đã có: Phạm Thị Mai, Tổ dân phố 2, sinh năm "
                      "1985",
                   7: "có thể trùng với dòng 2 trong tệp"}
    assert [r.row for r in result.preselected()] == [2, 8]
    assert [r.row for r in result.savable()] == [2, 6, 7, 8]


def test_imported_row_is_parsed_to_canonical_values_with_defaults() -> None:
    table = roster.read_table(CSV_RENAMED.encode("utf-8-sig"), "danh-sach.csv")
    result = roster.preview(snapshot_of(EXISTING), table.header, table.rows)
    rows = {r.row: r for r in result.rows}
    assert rows[2].record is not None
    assert {k: rows[2].record[k] for k in ("full_name", "tdp", "birth_year", "gender", "phone",
                                           "status", "party_member")} == {
        "full_name": "Nguyễn Văn Hùng", "tdp": "Tổ dân phố 1", "birth_year": 1970,
        "gender": "Nam", "phone": "0912345678", "status": MemberStatus.DE_XUAT,
        "party_member": False}
    assert rows[6].record is not None and rows[6].record["tdp"] == "Tổ dân phố 2"
    assert rows[3].record is None and rows[5].record is None


def test_csv_without_bom_and_with_commas_is_read() -> None:
    text = "Họ và tên,Tổ dân phố,Năm sinh\nĐỗ Thị Ánh,Tổ dân phố 2,1975\n"
    table = roster.read_table(text.encode("utf-8"), "ds.CSV")
    assert table.header == ["Họ và tên", "Tổ dân phố", "Năm sinh"]
    assert table.rows == [["Đỗ Thị Ánh", "Tổ dân phố 2", "1975"]]


def test_csv_with_one_column_only_is_read() -> None:
    table = roster.read_table("Họ và tên\nĐỗ Thị Ánh\n".encode(), "ds.csv")
    assert table.header == ["Họ và tên"] and table.rows == [["Đỗ Thị Ánh"]]


def _cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: base letters precomposed, tone marks combining."""
    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", char)
            first = unicodedata.normalize("NFC", base + marks[0]) if marks else base
            try:
                out += (first + "".join(marks[1:])).encode("cp1258")
            except UnicodeEncodeError:
                out += (base + "".join(marks)).encode("cp1258")
    return out


@pytest.mark.parametrize("encode", [
    _cp1258,
    lambda text: text.encode("cp1252", errors="replace"),  # "Lê Hòa Tý" fits in cp1252
], ids=["windows-1258", "windows-1252"])
def test_csv_in_an_old_windows_encoding_is_refused_with_what_to_do_never_guessed(
        encode: Any) -> None:
    # Both decode without error in the other code page, to other letters ("Lê Ḥa Tư"):
    # any guess would offer wrong names as valid rows.
    data = encode("Họ và tên;Tổ dân phố;Năm sinh\r\nLê Hòa Tý;Tổ dân phố 2;1980\r\n"
                  "Nguyễn Thị Hồng;Tổ dân phố 2;1980\r\n")
    assert data.decode("cp1258") != data.decode("cp1252")
    with pytest.raises(roster.RosterFileError, match="không phải CSV UTF-8") as refused:
        roster.read_table(data, "cu.csv")
    assert "Hãy lưu lại tệp dưới dạng CSV UTF-8 (Excel: Lưu dưới dạng → CSV UTF-8" in str(
        refused.value)


def test_csv_in_utf16_without_its_bom_is_refused() -> None:
    data = "Họ và tên\tTổ dân phố\r\nLê Thị Hoa\tTổ dân phố 10\r\n".encode("utf-16-le")
    with pytest.raises(roster.RosterFileError, match="CSV UTF-8"):
        roster.read_table(data, "unicode.csv")


def test_csv_saved_as_excel_unicode_text_utf16_with_tabs_is_read() -> None:
    data = "Họ và tên\tTổ dân phố\r\nLê Thị Hoa\tTổ dân phố 10\r\n".encode("utf-16")
    table = roster.read_table(data, "unicode.csv")
    assert table.rows == [["Lê Thị Hoa", "Tổ dân phố 10"]]


def _xlsx(rows: Sequence[Sequence[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_real_date_and_phone_stored_as_number_is_parsed() -> None:
    data = _xlsx([
        ["Họ và tên", "Tổ dân phố", "Năm sinh", "Số điện thoại", "Trạng thái",
         "Số văn bản phê duyệt", "Ngày phê duyệt", "Đảng viên"],
        ["Hoàng Văn Hải", "Tổ dân phố 10", 1968, 912345678, "Đã phê duyệt", "215-QĐ/ĐU",
         datetime(2024, 4, 7), "x"],
        [None, None, None, None, None, None, None, None],
        ["Bùi Thị Thu", "Tổ dân phố 1", 1890, 388123456, "Đề xuất", None, None, None],
    ])
    table = roster.read_table(data, "danh-sach.xlsx")
    result = roster.preview(snapshot_of([]), table.header, table.rows,
                            first_row=table.first_row)
    rows = {r.row: r for r in result.rows}
    assert sorted(rows) == [2, 4]
    record = rows[2].record
    assert record is not None
    assert record["phone"] == "0912345678"  # the leading 0 lost in a number cell is restored
    assert record["approved_on"] == date(2024, 4, 7)
    assert (record["birth_year"], record["status"], record["party_member"]) == (
        1968, MemberStatus.DA_PHE_DUYET, True)
    assert _problems(result)[4] == [
        'Cột "Năm sinh", dòng 4: "1890" nằm ngoài khoảng cho phép '
        f"(một số nguyên, từ 1920 đến {THIS_YEAR})"]


def test_xlsx_title_rows_above_the_header_keep_the_files_row_numbers() -> None:
    data = _xlsx([
        ["DANH SÁCH LỰC LƯỢNG NÒNG CỐT TỔ DÂN PHỐ 2"],
        [],
        ["STT", "Họ và tên", "Tổ dân phố", "Số điện thoại"],
        [1, "Lê Văn Tám", "Tổ dân phố 2", "12345"],
    ])
    table = roster.read_table(data, "tdp2.xlsx")
    assert table.header_row == 3
    result = roster.preview(snapshot_of([]), table.header, table.rows,
                            first_row=table.first_row)
    assert result.extra_columns == ["STT"]
    [row] = result.rows
    assert row.row == 4
    assert [p.text() for p in row.problems] == [
        'Cột "Số điện thoại", dòng 4: "12345" không phải số điện thoại hợp lệ (10 hoặc 11 chữ số, '
        "bắt đầu bằng 0, ví dụ 0912 345 678)"]


def test_missing_required_column_is_reported_once_and_blocks_every_row() -> None:
    header = ["Họ và tên", "Năm sinh"]
    rows = [["Lê Văn Tám", "1980"], ["Võ Thị Hằng", "1990"], ["Ngô Văn Sơn", "1970"]]
    result = roster.preview(snapshot_of([]), header, rows)
    assert [p.text() for p in result.header_problems] == [
        'Cột "Tổ dân phố", dòng 1: thiếu cột bắt buộc "Tổ dân phố" ở dòng tiêu đề']
    assert result.blocked
    assert all(r.problems == [] for r in result.rows)
    assert result.savable() == [] and {r.status for r in result.rows} == {"Có lỗi"}


def test_missing_status_column_means_proposed_not_an_error() -> None:
    result = roster.preview(snapshot_of([]), ["Họ và tên", "TDP"], [["Lê Văn Tám", "Tổ dân phố 1"]])
    assert result.header_problems == [] and not result.blocked
    [row] = result.rows
    assert row.ok and row.record is not None and row.record["status"] == MemberStatus.DE_XUAT


def test_required_cell_left_blank_and_group_of_wrong_kind_are_problems_of_their_row() -> None:
    result = roster.preview(snapshot_of([]), ["Họ và tên", "Tổ dân phố", "Trạng thái"], [
        ["", "Tổ dân phố 1", ""],
        ["Lê Văn Tám", "Chi bộ Tổ dân phố 1", "Đã phê duyệt"],
    ])
    assert _problems(result) == {
        2: ['Cột "Họ và tên", dòng 2: bắt buộc, chưa điền'],
        3: ['Cột "Tổ dân phố", dòng 3: "Chi bộ Tổ dân phố 1" không phải là tổ dân phố hoặc thôn, '
            "xóm",
            'Cột "Số văn bản phê duyệt", dòng 3: bắt buộc khi trạng thái là Đã phê duyệt'],
    }


@pytest.mark.parametrize(("data", "name", "says"), [
    (b"\xd0\xcf\x11\xe0 old excel", "ds.xls", ".xlsx"),
    (b"not a zip at all", "ds.xlsx", "bị hỏng"),
    (b"", "ds.csv", "không có dữ liệu"),
    (b"\r\n;;\r\n", "ds.csv", "không có dữ liệu"),
])
def test_unreadable_file_is_refused_with_a_sentence(data: bytes, name: str, says: str) -> None:
    with pytest.raises(roster.RosterFileError, match=says):
        roster.read_table(data, name)


# --- limits of an upload: refused while reading, never after -------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
    '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
    'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_PART_TYPE = ('<Override PartName="/xl/{part}.xml" ContentType="application/vnd.openxmlformats-'
              'officedocument.spreadsheetml.{part}+xml"/>')


def _raw_xlsx(sheet_data: bytes, *, strings: Sequence[str] | None = None,
              styles: str | None = None, workbook_pr: str = "", chart_first: bool = False,
              sheet_head: bytes = b"") -> bytes:
    """Build an .xlsx with zipfile directly: parts written by hand, as a hostile file could."""
    sheets = '<sheet name="Danh sách" sheetId="1" r:id="rIdSheet"/>'
    if chart_first:
        sheets = '<sheet name="Biểu đồ" sheetId="2" r:id="rIdChart"/>' + sheets
    rels = [f'<Relationship Id="rIdSheet" Type="{_REL}/worksheet" '
            'Target="worksheets/sheet1.xml"/>',
            f'<Relationship Id="rIdChart" Type="{_REL}/chartsheet" '
            'Target="chartsheets/sheet1.xml"/>']
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        # Excel declares each part it writes; readers find shared strings and styles so.
        parts = [p for p, given in (("sharedStrings", strings), ("styles", styles))
                 if given is not None]
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES.replace(
            "</Types>", "".join(_PART_TYPE.format(part=p) for p in parts) + "</Types>"))
        archive.writestr("_rels/.rels", f'<Relationships xmlns="{_RELS}"><Relationship Id="r1" '
                         f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
                         "</Relationships>")
        if strings is not None:
            # Rich text is a list of runs in the <si>, not inside a <t>.
            items = "".join(f"<si>{s}</si>" if s.startswith("<r>") else f"<si><t>{s}</t></si>"
                            for s in strings)
            archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{_MAIN}">{items}</sst>')
            rels.append(f'<Relationship Id="rIdStrings" Type="{_REL}/sharedStrings" '
                        'Target="sharedStrings.xml"/>')
        if styles is not None:
            archive.writestr("xl/styles.xml", f'<styleSheet xmlns="{_MAIN}">{styles}</styleSheet>')
            rels.append(f'<Relationship Id="rIdStyles" Type="{_REL}/styles" '
                        'Target="styles.xml"/>')
        archive.writestr("xl/_rels/workbook.xml.rels",
                         f'<Relationships xmlns="{_RELS}">{"".join(rels)}</Relationships>')
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
                         f"{workbook_pr}<sheets>{sheets}</sheets></workbook>")
        archive.writestr("xl/worksheets/sheet1.xml",
                         f'<worksheet xmlns="{_MAIN}">'.encode() + sheet_head + b"<sheetData>"
                         + sheet_data + b"</sheetData></worksheet>")
    return buffer.getvalue()


def _inline_row(number: int, *texts: str) -> bytes:
    cells = "".join(f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{t}</t></is></c>'
                    for i, t in enumerate(texts))
    return f'<row r="{number}">{cells}</row>'.encode()


class RowCounter:
    """Wrap a reader of file rows and count the rows it hands over."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
        self.count = 0
        reader = getattr(roster, name)

        def counted(data: bytes, filename: str) -> Iterator[tuple[int, list[Any]]]:
            for row in reader(data, filename):
                self.count += 1
                yield row

        monkeypatch.setattr(roster, name, counted)


def test_hostile_xlsx_of_200000_rows_with_a_lying_dimension_stops_at_the_row_limit(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # 200,000 one-cell rows (1.5 MB zipped) under a <dimension> claiming two rows: openpyxl's
    # read-only mode believes the dimension; the old reader read every row before counting.
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i)
                    for i in range(1, 200_001))
    data = _raw_xlsx(rows, sheet_head=b'<dimension ref="A1:A2"/>')
    counter = RowCounter(monkeypatch, "_xlsx_rows")
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(roster.RosterFileError, match=r"có hơn 5\.000 dòng dữ liệu"):
            roster.read_table(data, "ke-xau.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print(f"refused in {time.perf_counter() - started:.2f} s, peak {peak / 1e6:.1f} MB")
    # Reading stopped at the first row past the limit (a title and header may sit above it).
    assert counter.count == roster.MAX_IMPORT_ROWS + 10 + 1
    assert peak < 64 * 1024 * 1024  # a few MB: rows are dropped as they are read


def test_xlsx_whose_sheet_unpacks_past_the_part_limit_is_refused_before_any_row() -> None:
    # 17 MB of sheet XML in about 100 KB zipped: refused by the size the archive declares.
    row = _inline_row(1, "Họ và tên") + b"<row/>" * (17 * 1024 * 1024 // 6)
    data = _raw_xlsx(row)
    assert len(data) < roster.MAX_UPLOAD_BYTES
    with pytest.raises(roster.RosterFileError, match="tới 16 MB"):
        roster.read_table(data, "bom.xlsx")


def test_xlsx_with_a_tag_of_a_million_attributes_is_refused_as_broken() -> None:
    attributes = b" ".join(b'a%d="1"' % i for i in range(1_000_000))
    data = _raw_xlsx(b"<row r=\"1\" " + attributes + b"/>")
    with pytest.raises(roster.RosterFileError, match="bị hỏng"):
        roster.read_table(data, "thuoc-tinh.xlsx")


def test_xlsx_with_a_dtd_is_refused_as_broken() -> None:
    data = _raw_xlsx(_inline_row(1, "Họ và tên"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    parts["xl/worksheets/sheet1.xml"] = (b'<!DOCTYPE x [<!ENTITY a "aaaa">]>'
                                         + parts["xl/worksheets/sheet1.xml"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    with pytest.raises(roster.RosterFileError, match="bị hỏng"):
        roster.read_table(buffer.getvalue(), "dtd.xlsx")


def test_xlsx_with_data_past_the_column_limit_is_refused_naming_the_column() -> None:
    data = _raw_xlsx(_inline_row(1, "Họ và tên") + b'<row r="2"><c r="BZ2"><v>1</v></c></row>')
    with pytest.raises(roster.RosterFileError, match=r"cột thứ 78 \(dòng 2\), quá 50 cột"):
        roster.read_table(data, "rong.xlsx")


def test_xlsx_formatted_empty_cells_far_right_are_not_data() -> None:
    styled = b"".join(b'<c r="%s1" s="0"/>' % c for c in (b"AZ", b"ZZ", b"XFD"))
    data = _raw_xlsx(_inline_row(1, "Họ và tên")[:-6] + styled + b"</row>"
                     + _inline_row(2, "Lê Văn Tám"))
    table = roster.read_table(data, "dinh-dang.xlsx")
    assert (table.header, table.rows) == (["Họ và tên"], [["Lê Văn Tám"]])


def test_xlsx_with_an_empty_formatted_row_far_below_reads_only_the_data() -> None:
    data = _raw_xlsx(_inline_row(1, "Họ và tên") + _inline_row(2, "Lê Văn Tám")
                     + b'<row r="1048576" s="1" customFormat="1"/>')
    table = roster.read_table(data, "dai.xlsx")
    assert (table.header, table.rows) == (["Họ và tên"], [["Lê Văn Tám"]])


def test_xlsx_with_data_past_the_last_row_read_is_refused() -> None:
    data = _raw_xlsx(_inline_row(1, "Họ và tên") + _inline_row(25_000, "Lê Văn Tám"))
    with pytest.raises(roster.RosterFileError, match=r"dòng 25\.000, quá dòng 20\.000"):
        roster.read_table(data, "dai.xlsx")


def test_xlsx_parts_are_read_as_excel_means_them() -> None:
    # Shared strings with rich text runs, an escaped carriage return, a
    # custom date format and a built-in one, booleans, a cached formula result, a chart sheet
    # before the worksheet, and the 1904 date system.
    styles = ('<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
              '<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>'
              '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/>'
              "</cellXfs>")
    strings = ["Họ và tên", "Ghi chú", "<r><t>Nguyễn </t></r><r><rPr><b/></rPr><t>Văn A</t></r>",
               "dòng 1_x000D_\ndòng 2"]
    sheet = (b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c>'
             b'<c r="D1" t="inlineStr"><is><t>Ng\xc3\xa0y</t></is></c></row>'
             b'<row r="3"><c r="A3" t="s"><v>2</v></c><c r="B3" t="b"><v>1</v></c>'
             b'<c r="C3" t="s"><v>3</v></c><c r="D3" s="1"><v>1</v></c><c r="E3" s="2"><v>2</v>'
             b'</c><c r="F3" t="str"><f>A3&amp;""</f><v>=1</v></c></row>')
    data = _raw_xlsx(sheet, strings=strings, styles=styles, chart_first=True,
                     workbook_pr='<workbookPr date1904="1"/>')
    table = roster.read_table(data, "day-du.xlsx")
    assert table.header == ["Họ và tên", None, "Ghi chú", "Ngày"]
    assert table.rows == [[], ["Nguyễn Văn A", True, "dòng 1\r\ndòng 2", datetime(1904, 1, 2),
                               datetime(1904, 1, 3), "=1"]]


def test_xlsx_written_by_xlsxwriter_with_inline_strings_is_read() -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
    sheet = book.add_worksheet()
    for col, value in enumerate(["Họ và tên", "Tổ dân phố", "Ngày phê duyệt", "Năm sinh"]):
        sheet.write_string(0, col, value)
    sheet.write_string(1, 0, "Lê Thị Hoa")
    sheet.write_string(1, 1, "Tổ dân phố 10")
    sheet.write_datetime(1, 2, datetime(2024, 4, 7), book.add_format({"num_format": "d/m/yyyy"}))
    sheet.write_number(1, 3, 1980)
    book.close()
    table = roster.read_table(buffer.getvalue(), "xw.xlsx")
    assert table.rows == [["Lê Thị Hoa", "Tổ dân phố 10", datetime(2024, 4, 7), 1980]]


def test_csv_of_more_than_5000_rows_stops_at_the_row_limit(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = ("Họ và tên;Tổ dân phố\r\n" + "Lê Văn Tám;Tổ dân phố 1\r\n" * 100_000).encode()
    counter = RowCounter(monkeypatch, "_csv_rows")
    with pytest.raises(roster.RosterFileError, match=r"có hơn 5\.000 dòng dữ liệu"):
        roster.read_table(data, "dai.csv")
    assert counter.count == roster.MAX_IMPORT_ROWS + 10 + 1


def test_exactly_5000_rows_under_a_title_and_header_are_read() -> None:
    lines = ["DANH SÁCH", "Họ và tên;Tổ dân phố"] + ["Lê Văn Tám;Tổ dân phố 1"] * 5000
    table = roster.read_table("\r\n".join(lines).encode(), "du.csv")
    assert (table.header_row, len(table.rows)) == (2, 5000)


@pytest.mark.parametrize("name", ["to.csv", "to.xlsx"])
def test_upload_over_the_size_limit_is_refused_before_reading(
        monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    counters = [RowCounter(monkeypatch, "_csv_rows"), RowCounter(monkeypatch, "_xlsx_rows")]
    data = b"a\r\n" * (roster.MAX_UPLOAD_BYTES // 3 + 1)
    with pytest.raises(roster.RosterFileError, match="lớn hơn 5 MB"):
        roster.read_table(data, name)
    assert [c.count for c in counters] == [0, 0]


def test_csv_with_data_past_the_column_limit_is_refused_naming_the_column() -> None:
    data = ("Họ và tên\r\n" + "x," * 60 + "y\r\n").encode()
    with pytest.raises(roster.RosterFileError, match=r"cột thứ 61 \(dòng 2\), quá 50 cột"):
        roster.read_table(data, "rong.csv")


def test_csv_trailing_empty_cells_past_the_column_limit_are_not_data() -> None:
    data = ("Họ và tên" + ";" * 200 + "\r\nLê Văn Tám" + ";" * 200 + "\r\n").encode()
    assert roster.read_table(data, "cham-phay.csv").rows == [["Lê Văn Tám"]]


def test_csv_with_data_below_the_row_limit_is_refused() -> None:
    data = ("Họ và tên\r\nLê Văn Tám" + "\r\n" * 25_000 + "Lê Văn Hai\r\n").encode()
    with pytest.raises(roster.RosterFileError, match=r"dòng 25\.002, quá dòng 20\.000"):
        roster.read_table(data, "xa.csv")


def test_template_has_bom_and_the_schemas_headers_and_reads_back_cleanly() -> None:
    data = roster.template_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    [header] = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header == [c.header for c in SHEETS["members"].form_columns()]
    table = roster.read_table(data + "Lê Văn Tám,Nam,1980,Tổ dân phố 1\r\n".encode(), "mau.csv")
    result = roster.preview(snapshot_of([]), table.header, table.rows)
    assert result.header_problems == [] and result.extra_columns == []
    assert [r.row for r in result.savable()] == [2]


def test_exported_roster_imports_back_as_duplicates_only() -> None:
    snap = snapshot_of(EXISTING)
    data = csv_bytes("members", snap["members"].active())
    table = roster.read_table(data, "xuat.csv")
    result = roster.preview(snap, table.header, table.rows)
    assert {r.status for r in result.rows} == {"Có thể trùng"}
    assert result.preselected() == []


def test_members_csv_neutralises_formulas_and_quotes_every_semicolon() -> None:
    # Every download of members goes through the one CSV writer.
    snap = snapshot_of([member('=HYPERLINK("http://x.vn","Bấm")', "Tổ dân phố 1",
                               note="Tổ 1; Tổ 2", task="@SUM(A1)")])
    data = csv_bytes("members", snap["members"].active())
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert ";" not in re.sub(r'"(?:[^"]|"")*"', "", text)  # never a cell boundary in Excel
    header, row = list(csv.reader(io.StringIO(text, newline="")))
    values = dict(zip(header, row, strict=True))
    assert values["Họ và tên"] == "'" + '=HYPERLINK("http://x.vn","Bấm")'
    assert (values["Ghi chú"], values["Nhiệm vụ được giao"]) == ("Tổ 1; Tổ 2", "'@SUM(A1)")


def test_template_csv_is_quoted_like_every_download() -> None:
    first_line = roster.template_csv().decode("utf-8-sig").split("\r\n")[0]
    assert first_line == ",".join(f'"{c.header}"' for c in SHEETS["members"].form_columns())


# --- saving --------------------------------------------------------------------------------


class CountingStore(SqlStore):
    """The embedded store, counting its writes."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.calls: list[str] = []

    def append(self, sheet_key: str, records: Sequence[Mapping[str, Any]],
               actor: str) -> list[Record]:
        self.calls.append(f"append:{sheet_key}:{len(records)}")
        return super().append(sheet_key, records, actor)

    def update_many(self, sheet_key: str,
                    updates: Sequence[tuple[str, Mapping[str, Any], Mapping[str, Any]]],
                    actor: str) -> list[Record]:
        self.calls.append(f"update_many:{sheet_key}:{len(updates)}")
        return super().update_many(sheet_key, updates, actor)

    def update(self, sheet_key: str, record_id: str, changes: Mapping[str, Any],
               expected: Mapping[str, Any], actor: str) -> Record:
        self.calls.append(f"update:{sheet_key}")
        return super().update(sheet_key, record_id, changes, expected, actor)


@pytest.fixture
def store(tmp_path: Any) -> CountingStore:
    s = CountingStore(f"sqlite:///{tmp_path / 'roster.sqlite3'}")
    s.load({"units": UNITS, "members": EXISTING})
    return s


def _preview(store: SqlStore) -> roster.ImportPreview:
    table = roster.read_table(CSV_RENAMED.encode("utf-8-sig"), "danh-sach.csv")
    return roster.preview(store.snapshot(), table.header, table.rows, first_row=table.first_row)


def test_commit_saves_only_the_confirmed_rows_in_one_append(store: CountingStore) -> None:
    result = _preview(store)
    chosen = [r for r in result.rows if r.row in (2, 8)]
    saved = roster.commit(store, store.snapshot(), chosen, EDITOR)
    assert saved.ok, saved.messages()
    assert store.calls == ["append:members:2"]
    snap = store.snapshot()
    names = {m["full_name"] for m in snap["members"].records}
    assert names == {"Phạm Thị Mai", "Nguyễn Văn Nho", "Nguyễn Văn Hùng", "Võ Thị Hằng"}
    audits = [a for a in store.read_sheet("audit").records
              if a["action"] == AuditAction.THEM]
    assert len(audits) == 2 and {a["actor"] for a in audits} == {"canbo@phuong.vn"}
    assert {a["record_id"] for a in audits} == {m[ID] for m in saved.saved}


def test_commit_refuses_rows_with_errors_and_writes_nothing(store: CountingStore) -> None:
    result = _preview(store)
    chosen = [r for r in result.rows if r.row in (2, 3)]
    saved = roster.commit(store, store.snapshot(), chosen, EDITOR)
    assert not saved.ok and saved.error is not None and "Dòng 3 có lỗi" in saved.error
    assert store.calls == []


def test_commit_checks_again_against_the_current_data(store: CountingStore) -> None:
    result = _preview(store)
    chosen = [r for r in result.rows if r.row == 8]
    # Meanwhile Tổ dân phố 10 was renamed: the preview is stale.
    snap = store.snapshot()
    unit = next(u for u in snap["units"].records if u["name"] == "Tổ dân phố 10")
    store.update("units", unit[ID], {"name": "Tổ dân phố 10A"},
                 {k: v for k, v in unit.items() if k != ROW}, "test")
    store.calls.clear()
    saved = roster.commit(store, store.snapshot(), chosen, EDITOR)
    assert [p.text() for p in saved.problems] == [
        'Cột "Tổ dân phố", dòng 8: "Tổ dân phố 10" không có trong bảng Đơn vị']
    assert store.calls == []


def test_commit_is_refused_for_a_viewer(store: CountingStore) -> None:
    result = _preview(store)
    with pytest.raises(PermissionDenied):
        roster.commit(store, store.snapshot(), result.preselected(), VIEWER)
    assert store.calls == []


def test_commit_of_nothing_writes_nothing(store: CountingStore) -> None:
    assert roster.commit(store, store.snapshot(), [], EDITOR).ok
    assert store.calls == []


# --- approval ------------------------------------------------------------------------------


def _proposed_ids(store: SqlStore, tdp: str) -> list[str]:
    return [m[ID] for m in roster.proposed_members(store.snapshot(), tdp)]


def test_approving_a_groups_proposed_members_is_one_update_many(store: CountingStore) -> None:
    store.append("members", [member("Đỗ Thị Ánh", "Tổ dân phố 2", birth_year=1975)], "test")
    store.calls.clear()
    ids = _proposed_ids(store, "Tổ dân phố 2")
    assert len(ids) == 2
    result = roster.approve(store, store.snapshot(), ids, "215-QĐ/ĐU", date(2024, 4, 7), EDITOR,
                            task="Nắm tình hình tư tưởng nhân dân")
    assert result.ok, result.messages()
    assert store.calls == ["update_many:members:2"]
    members = {m[ID]: m for m in store.snapshot()["members"].records}
    for member_id in ids:
        assert members[member_id]["status"] == MemberStatus.DA_PHE_DUYET
        assert members[member_id]["approval_ref"] == "215-QĐ/ĐU"
        assert members[member_id]["approved_on"] == date(2024, 4, 7)
        assert members[member_id]["task"] == "Nắm tình hình tư tưởng nhân dân"
    assert roster.coverage(store.snapshot()).pending == []


def test_approval_without_a_decision_number_writes_nothing(store: CountingStore) -> None:
    ids = _proposed_ids(store, "Tổ dân phố 2")
    result = roster.approve(store, store.snapshot(), ids, "  ", date(2024, 4, 7), EDITOR)
    assert result.messages() == [
        'Cột "Số văn bản phê duyệt": bắt buộc khi trạng thái là Đã phê duyệt']
    assert store.calls == []


def test_approving_a_member_changed_meanwhile_is_refused_whole(store: CountingStore) -> None:
    store.append("members", [member("Đỗ Thị Ánh", "Tổ dân phố 2", birth_year=1975)], "test")
    snap = store.snapshot()
    ids = _proposed_ids(store, "Tổ dân phố 2")
    first = snap["members"].by_id[ids[1]]
    store.update("members", ids[1], {"phone": "0987654321"},
                 {k: v for k, v in first.items() if k != ROW}, "someone")
    result = roster.approve(store, snap, ids, "215-QĐ/ĐU", None, EDITOR)
    assert result.error is not None and "đã được người khác sửa" in result.error
    statuses = {m["status"] for m in store.snapshot()["members"].records
                if m["tdp"] == "Tổ dân phố 2"}
    assert statuses == {MemberStatus.DE_XUAT}


def test_approving_a_member_not_proposed_is_refused(store: CountingStore) -> None:
    snap = store.snapshot()
    approved = next(m for m in snap["members"].records if m["status"] == "Đã phê duyệt")
    result = roster.approve(store, snap, [approved[ID]], "215-QĐ/ĐU", None, LOCAL_ADMIN)
    assert result.error is not None and "Nguyễn Văn Nho" in result.error
    assert store.calls == []


def test_approval_is_refused_for_a_viewer(store: CountingStore) -> None:
    with pytest.raises(PermissionDenied):
        roster.approve(store, store.snapshot(), _proposed_ids(store, "Tổ dân phố 2"), "1-QĐ/ĐU",
                       None, VIEWER)


def test_preview_table_ticks_only_valid_non_duplicate_rows_and_shows_each_rows_problems() -> None:
    table = roster.read_table(CSV_RENAMED.encode("utf-8-sig"), "danh-sach.csv")
    result = roster.preview(snapshot_of(EXISTING), table.header, table.rows)
    frame = roster.preview_frame(result)
    assert list(frame[roster.ROW_HEADER]) == [2, 3, 5, 6, 7, 8]
    assert list(frame[roster.PICK]) == [True, False, False, False, False, True]
    problems = dict(zip(frame[roster.ROW_HEADER], frame[roster.PROBLEMS_HEADER], strict=True))
    assert problems[3].startswith('Năm sinh: "19x0" không phải là số')
    assert problems[7] == "có thể trùng với dòng 2 trong tệp"
    assert problems[2] == ""
    # A row with an error shows what was typed, a good row the canonical value.
    years = dict(zip(frame[roster.ROW_HEADER], frame["Năm sinh"], strict=True))
    assert (years[2], years[3]) == ("1970", "19x0")


def test_import_summary_says_how_many_per_group_and_which_rows() -> None:
    rows = [roster.PreviewRow(2, {}, {}), roster.PreviewRow(8, {}, {})]
    saved = [member("A", "Tổ dân phố 10"), member("B", "Tổ dân phố 2")]
    assert roster.import_summary("ds.csv", saved, rows, 6) == (
        "Đã lưu 2 thành viên từ tệp “ds.csv” (Tổ dân phố 2: 1, Tổ dân phố 10: 1), dòng 2, 8. "
        "4 dòng không lưu.")
