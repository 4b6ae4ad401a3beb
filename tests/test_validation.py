"""The validation engine: one message per bad cell, right row numbers, good rows untouched."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

import pytest

from services.choices import MemberStatus, UnitKind
from services.plan48 import indicator_records
from services.schema import SHEETS
from services.validation import RawTable, Severity, validate_record, validate_snapshot


def _units() -> RawTable:
    return RawTable.from_records(SHEETS["units"], [
        {"id": f"DV-{i}", "name": f"Tổ dân phố {i}", "kind": UnitKind.TO_DAN_PHO} for i in (1, 2)
    ] + [{"id": "DV-9", "name": "Chi bộ Tổ dân phố 1", "kind": UnitKind.CHI_BO}])


MESSY_MEMBERS = RawTable(
    # Sorted, renamed and extended by people: order changed, "Tổ dân phố" typed without accents,
    # upper case, an extra column, NFD text.
    header=["Mã", "HỌ VÀ TÊN", "To dan pho", "Năm sinh", "Cột của tôi", "Giới tính", "Đảng viên",
            "Số điện thoại", "Trạng thái", "Số văn bản phê duyệt", "Ngày phê duyệt"],
    rows=[
        ["NC-1", "Nguyễn Văn Nho", "Tổ dân phố 1", 1970, "ghi chú riêng", "Nam", "x", "0912345678",
         "Đã phê duyệt", "12-QĐ/ĐU", "7/4/2024"],  # row 2 good
        ["NC-2", "Trần Thị Lan", "Tổ dân phố 1", "abc", "", "Nữ", "", "", "Đề xuất", "", ""],  # 3
        ["", "", "", "", "", "", "", "", "", "", ""],  # row 4: blank
        ["NC-4", "Lê Văn Tám", "Tổ dân phố 2", 1980, "", "Nam giới", "", "", "Đề xuất", "", ""],
        ["NC-5", "Phạm Thị Mai", "Tổ dân phố 99", 1990, "", "Nữ", "", "", "Đề xuất", "", ""],  # 6
        ["NC-6", "Hoàng Văn Hải", "Tổ dân phố 2", 1985, "", "Nam", "", "12345", "Đề xuất", "", ""],
        [unicodedata.normalize("NFD", "NC-7"), unicodedata.normalize("NFD", "Đỗ Thị Ánh"),
         " to dan pho 2 ", "1.975", "", "nu", "Có", "0987 654 321", "de xuat", "", ""],  # 8 good
        ["NC-8", "Bùi Văn Minh", "Tổ dân phố 1", 1960, "", "Nam", "", "", "", "", ""],  # row 9
        ["NC-9", "Võ Thị Hằng", "Tổ dân phố 2", 1975, "", "Nữ", "", "", "Đã phê duyệt", "5-QĐ/ĐU",
         "30/02/2023"],  # row 10
        ["NC-10", "Ngô Văn Sơn", "Chi bộ Tổ dân phố 1", 1966, "", "Nam", "", "", "Đề xuất", "", ""],
        ["NC-11", "Dương Văn An", "Tổ dân phố 2", 1999, "", "Nam", "Không", "", "Đã phê duyệt",
         "", ""],  # row 12
        ["NC-12", "Đặng Thị Thu", "Tổ dân phố 1", 1968, "", "Nữ", "", "", "Đề xuất", "", ""],  # 13
    ],
)
EXPECTED_BAD_CELLS = {
    (3, "Năm sinh"),
    (5, "Giới tính"),
    (6, "Tổ dân phố"),
    (7, "Số điện thoại"),
    (9, "Trạng thái"),
    (10, "Ngày phê duyệt"),
    (11, "Tổ dân phố"),
    (12, "Số văn bản phê duyệt"),
}


def _messy_snapshot() -> Any:
    return validate_snapshot({"units": _units(), "members": MESSY_MEMBERS})


def test_messy_table_yields_exactly_one_message_per_bad_cell_with_sheet_row_numbers() -> None:
    problems = [p for p in _messy_snapshot()["members"].problems if p.severity == Severity.ERROR]
    assert sorted((p.row, p.column) for p in problems) == sorted(EXPECTED_BAD_CELLS)


def test_messy_table_good_rows_come_through_normalised() -> None:
    table = _messy_snapshot()["members"]
    assert [r["_row"] for r in table.records] == [2, 8, 13]
    anh = table.by_id["NC-7"]
    assert anh["full_name"] == "Đỗ Thị Ánh"  # NFD input comes out NFC
    assert anh["tdp"] == "Tổ dân phố 2"  # a loosely typed reference is resolved to the label
    assert anh["birth_year"] == 1975 and anh["party_member"] is True
    assert anh["status"] == MemberStatus.DE_XUAT
    assert table.by_id["NC-1"]["approved_on"] == date(2024, 4, 7)
    assert table.extra_columns == ["Cột của tôi"]
    assert table.excluded == 8


def test_messages_name_the_column_row_value_and_what_is_allowed() -> None:
    texts = {p.row: p.text() for p in _messy_snapshot()["members"].problems}
    assert texts[5] == ('Cột "Giới tính", dòng 5: "Nam giới" không hợp lệ (chọn một trong: Nam, '
                        "Nữ)")
    assert texts[6] == 'Cột "Tổ dân phố", dòng 6: "Tổ dân phố 99" không có trong bảng Đơn vị'
    assert texts[9] == 'Cột "Trạng thái", dòng 9: bắt buộc, chưa điền'
    assert "không phải ngày có thật" in texts[10]
    assert texts[11].endswith("không phải là tổ dân phố hoặc thôn, xóm")
    assert texts[12] == ('Cột "Số văn bản phê duyệt", dòng 12: bắt buộc khi trạng thái là Đã phê '
                         "duyệt")


def test_missing_required_column_is_one_clear_error_naming_it() -> None:
    raw = RawTable(["Mã", "Tên đơn vị"], [["DV-1", "Tổ dân phố 1"], ["DV-2", "Tổ dân phố 2"]])
    table = validate_snapshot({"units": raw})["units"]
    assert [p.text() for p in table.problems] == [
        'Cột "Loại đơn vị", dòng 1: thiếu cột bắt buộc "Loại đơn vị" ở dòng tiêu đề'
    ]


def test_duplicated_id_keeps_the_first_row_and_reports_the_second() -> None:
    raw = RawTable(SHEETS["units"].headers, [
        ["DV-1", "Tổ dân phố 1", "Tổ dân phố"], ["DV-1", "Tổ dân phố 2", "Tổ dân phố"]])
    table = validate_snapshot({"units": raw})["units"]
    assert [r["name"] for r in table.records] == ["Tổ dân phố 1"]
    assert [p.text() for p in table.problems] == [
        'Cột "Mã", dòng 3: "DV-1" trùng với dòng 2; mỗi giá trị chỉ được dùng một lần']


def test_row_without_id_is_kept_with_a_warning() -> None:
    raw = RawTable(SHEETS["units"].headers, [["", "Tổ dân phố 1", "Tổ dân phố"]])
    table = validate_snapshot({"units": raw})["units"]
    assert len(table.records) == 1
    assert [(p.row, p.severity) for p in table.problems] == [(2, Severity.WARNING)]


def test_indicator_value_is_checked_against_its_indicator_kind() -> None:
    indicators = RawTable.from_records(SHEETS["indicators"], [
        {**r, "id": f"CT-{i}"} for i, r in enumerate(indicator_records())])
    values = RawTable(["Mã chỉ tiêu", "Năm", "Giá trị", "Mã"], [
        ["2.1.5", 2024, "53,8%", "SL-1"],  # trained labour: fine
        ["2.1.5", 2024, "120", "SL-2"],  # a percentage above 100
        ["2.2.2.3", 2024, "2", "SL-3"],  # yes/no must be 0 or 1
        ["2.1.6", 2024, "1,5", "SL-4"],  # a count must be whole
        ["9.9.9", 2024, "1", "SL-5"],  # no such indicator
        ["2.1.3", 2024, 0.9, "SL-6"],  # 90% typed in Sheets as a percentage arrives as 0.9
    ])
    table = validate_snapshot({"indicators": indicators, "indicator_values": values})[
        "indicator_values"]
    assert [r["id"] for r in table.records] == ["SL-1", "SL-6"]
    assert table.records[0]["value"] == pytest.approx(53.8)
    assert sorted(p.row for p in table.problems) == [3, 4, 5, 6, 7]
    [fraction] = [p for p in table.problems if p.row == 7]
    assert fraction.severity == Severity.WARNING and "hãy nhập 90" in fraction.message


FORM_CASES = [
    ("units", {"name": "", "kind": "Tổ dân phố"}, "Tên đơn vị", "bắt buộc, chưa điền"),
    ("units", {"name": "Tổ dân phố 1", "kind": "Tổ dân phố"}, "Tên đơn vị",
     "đã có trong bảng Đơn vị"),
    ("units", {"name": "Tổ 9", "kind": "Phường"}, "Loại đơn vị", "chọn một trong: Chi bộ"),
    ("units", {"name": "Tổ 9", "kind": "Tổ dân phố", "phone": "0123"}, "Số điện thoại",
     "10 hoặc 11 chữ số"),
    ("registrations", {"campaign": "Đợt X", "unit": "Tổ dân phố 1", "kind": "Tập thể",
                       "field": "Kinh tế", "model_name": "M", "registered_on": date(2024, 4, 1),
                       "status": "Đăng ký"}, "Đợt thi đua", "không có trong bảng Đợt thi đua"),
    ("registrations", {"campaign": "", "unit": "Tổ dân phố 1", "kind": "Cá nhân",
                       "field": "Kinh tế", "model_name": "M", "registered_on": date(2024, 4, 1),
                       "status": "Đăng ký"}, "Họ tên cá nhân", "bắt buộc khi hình thức là Cá nhân"),
    ("registrations", {"unit": "Tổ dân phố 1", "kind": "Tập thể", "field": "Kinh te xa hoi",
                       "model_name": "M", "registered_on": date(2024, 4, 1), "status": "Đăng ký"},
     "Lĩnh vực", "chọn một trong: Kinh tế, Văn hóa - xã hội"),
    ("registrations", {"unit": "Tổ dân phố 1", "kind": "Tập thể", "field": "Kinh tế",
                       "model_name": "M", "registered_on": date(2024, 4, 1),
                       "status": "Được công nhận", "reported_on": date(2024, 3, 1)},
     "Ngày báo cáo kết quả", "không được trước ngày đăng ký"),
    ("registrations", {"unit": "Tổ dân phố 1", "kind": "Tập thể", "field": "Kinh tế",
                       "model_name": "M", "registered_on": date(2024, 4, 1),
                       "status": "Được công nhận", "reported_on": date(2024, 9, 1)},
     "Cấp công nhận", "bắt buộc khi mô hình được công nhận"),
    ("campaigns", {"name": "Đợt 1", "year": 2024, "register_by": date(2024, 9, 5),
                   "report_by": date(2024, 4, 7)}, "Hạn báo cáo kết quả", "phải sau hạn đăng ký"),
    ("members", {"full_name": "A", "tdp": "Tổ dân phố 1", "status": "Đề xuất",
                 "birth_year": 2999}, "Năm sinh", "ngoài khoảng cho phép"),
    ("meetings", {"attendee": "Lê Văn Hải", "level": "Đảng viên công tác tại xã, phường",
                  "home_branch": "Chi bộ Tổ dân phố 1", "branch": "Chi bộ Tổ dân phố 1",
                  "meeting_date": date(2024, 5, 12)}, "Chi bộ dự sinh hoạt",
     "phải là chi bộ khác với chi bộ nơi mình sinh hoạt"),
    ("meetings", {"attendee": "Lê Văn Hải", "level": "Cấp ủy viên cấp huyện",
                  "branch": "Tổ dân phố 1", "meeting_date": date(2024, 5, 12)},
     "Chi bộ dự sinh hoạt", "không phải là chi bộ"),
    ("meetings", {"attendee": "Lê Văn Hải", "level": "Cấp ủy viên cấp huyện",
                  "branch": "Chi bộ Tổ dân phố 1", "meeting_date": date(2024, 5, 12),
                  "report_date": date(2024, 5, 1)}, "Ngày gửi báo cáo",
     "không được trước ngày dự sinh hoạt"),
    ("users", {"email": "không-phải-email", "role": "Xem"}, "Email", "không phải địa chỉ email"),
    ("meetings", {"attendee": "Lê Văn Hải", "level": "Cấp ủy viên cấp huyện",
                  "branch": "Chi bộ Tổ dân phố 1", "meeting_date": date(2099, 1, 1)},
     "Ngày dự", "không được sau hôm nay"),
    ("meetings", {"attendee": "Lê Văn Hải", "level": "Cấp ủy viên cấp huyện",
                  "branch": "Chi bộ Tổ dân phố 1", "meeting_date": "0024-01-01"},
     "Ngày dự", "là ngày của năm 24, trước năm 1900: ngoài khoảng cho phép (ngày theo dạng "
                "ngày/tháng/năm, từ 01/01/1900 đến 31/12/2100"),
    ("members", {"full_name": "Lê Văn \u202eTám", "tdp": "Tổ dân phố 1", "status": "Đề xuất"},
     "Họ và tên", '"Lê Văn [U+202E]Tám" có ký tự đổi chiều văn bản không được phép (U+202E)'),
    ("units", {"name": "Tổ 9", "kind": "Tổ dân phố", "note": "a\x00b"}, "Ghi chú",
     "có ký tự điều khiển không được phép (U+0000) ở vị trí thứ 2"),
]


@pytest.mark.parametrize(("sheet", "values", "header", "fragment"), FORM_CASES)
def test_form_validation_messages(sheet: str, values: dict[str, Any], header: str,
                                  fragment: str) -> None:
    snapshot = validate_snapshot({"units": _units()})
    _, problems = validate_record(sheet, values, snapshot)
    mine = [p for p in problems if p.column == header]
    assert mine, [p.text() for p in problems]
    assert fragment in mine[0].message


def test_a_valid_form_has_no_problems_and_returns_typed_values() -> None:
    snapshot = validate_snapshot({"units": _units()})
    record, problems = validate_record("members", {
        "full_name": " Nguyễn  Văn Nho ", "tdp": "to dan pho 1", "status": "Đề xuất",
        "birth_year": "1970", "party_member": True}, snapshot)
    assert problems == []
    assert record["full_name"] == "Nguyễn Văn Nho" and record["tdp"] == "Tổ dân phố 1"
    assert record["birth_year"] == 1970


def test_editing_a_record_does_not_clash_with_its_own_unique_name() -> None:
    snapshot = validate_snapshot({"units": _units()})
    _, problems = validate_record("units", {"name": "Tổ dân phố 1", "kind": "Tổ dân phố"},
                                  snapshot, record_id="DV-1")
    assert problems == []


@pytest.mark.parametrize(("column", "cell", "says"), [
    ("Ngày phê duyệt", "0024-01-01", '"0024-01-01" là ngày của năm 24, trước năm 1900'),
    ("Ngày phê duyệt", "01/01/0024", '"01/01/0024" là ngày của năm 24, trước năm 1900'),
    ("Ngày phê duyệt", -5, '"-5" là số ngày của một ngày trước năm 1900'),  # Sheets' serial
    ("Số văn bản phê duyệt", "12\x01", '"12[U+0001]" có ký tự điều khiển không được phép'),
])
def test_sheet_rows_with_a_date_before_1900_or_a_control_character_are_left_out(
        column: str, cell: object, says: str) -> None:
    header = ["Mã", "Họ và tên", "Tổ dân phố", "Trạng thái", "Số văn bản phê duyệt",
              "Ngày phê duyệt"]
    good = ["NC-1", "Lê Văn Tám", "Tổ dân phố 1", "Đã phê duyệt", "12-QĐ/ĐU", "7/4/2024"]
    bad = ["NC-2", "Lê Văn Hai", *good[2:]]
    bad[header.index(column)] = cell
    table = validate_snapshot({"units": _units(), "members": RawTable(header, [good, bad])})
    assert [r["id"] for r in table["members"].records] == ["NC-1"]
    [problem] = table["members"].problems
    assert problem.text().startswith(f'Cột "{column}", dòng 3: {says}')
