"""Export: a CSV of each sheet and one Excel workbook of all sheets, to send to the upper level."""

from __future__ import annotations

from functools import partial

import streamlit as st

from services.app import get_snapshot
from services.export import (
    CSV_MIME,
    XLSX_MIME,
    csv_bytes,
    csv_filename,
    sheet_records,
    xlsx_bytes,
    xlsx_filename,
)
from services.schema import ARCHIVED, SHEETS

XLSX_STATE = "export-xlsx-built"  # (snapshot identity, workbook bytes) for this session

st.title("Xuất dữ liệu")
st.caption("Tải dữ liệu để gửi Ban Dân vận cấp trên hoặc lưu trữ: từng bảng dạng CSV, hoặc một "
           "tệp Excel gồm tất cả các bảng.")
st.markdown(
    "- **CSV** mở được ngay bằng Excel mà vẫn giữ nguyên tiếng Việt có dấu (mã UTF-8 có BOM), "
    "và máy tính đọc được: ngày ghi theo chuẩn ISO (năm-tháng-ngày, ví dụ 2024-04-07), số thập "
    "phân dùng dấu chấm (53.8), Có/Không ghi TRUE/FALSE.\n"
    "- **Excel**: mỗi bảng một trang tính, dòng tiêu đề tiếng Việt được cố định và có bộ lọc, "
    "ngày là ngày thật (dd/mm/yyyy), số là số.\n"
    "- Ô chữ trông giống công thức (bắt đầu bằng =, +, -, @) được thêm dấu nháy đơn ' ở đầu "
    "để Excel không chạy nó như công thức.\n"
    "- Bản ghi đã lưu trữ cũng được xuất (cột “Lưu trữ”). Dòng có lỗi trong bảng tính không được "
    "xuất: hãy sửa lỗi rồi tải lại."
)

snapshot = get_snapshot()

st.subheader("Tệp Excel: tất cả các bảng")
identity = (id(snapshot), snapshot.read_at)
built = st.session_state.get(XLSX_STATE)
slot = st.empty()  # the build button, then in its place the download button
# Build on request only: a workbook of a large ward takes a moment and most visits want a CSV.
if (built is None or built[0] != identity) and slot.button(
    "Tạo tệp Excel", key="export-build-xlsx", type="primary",
    help="Tạo một tệp .xlsx gồm tất cả các bảng từ dữ liệu hiện có.",
):
    with st.spinner("Đang tạo tệp Excel…"):
        built = (identity, xlsx_bytes(snapshot))
    st.session_state[XLSX_STATE] = built
if built is not None and built[0] == identity:
    slot.download_button("Tải tệp Excel (.xlsx)", data=built[1], file_name=xlsx_filename(),
                         mime=XLSX_MIME, key="export-xlsx", icon="📥", on_click="ignore")
    st.caption(f"Tệp tạo từ dữ liệu đọc lúc {snapshot.read_at:%H:%M:%S %d/%m/%Y}.")

st.subheader("Từng bảng dạng CSV")
for key, sheet in SHEETS.items():
    records = sheet_records(snapshot, key)
    archived = sum(1 for r in records if r.get(ARCHIVED))
    excluded = snapshot[key].excluded if key in snapshot.tables else 0
    info, button = st.columns([4, 1], vertical_alignment="center")
    with info:
        counts = f"{len(records)} dòng"
        if archived:
            counts += f", trong đó {archived} đã lưu trữ"
        st.markdown(f"**{sheet.title}** · {counts}")
        notes = []
        if not records:
            notes.append("Bảng chưa có dữ liệu: tệp chỉ có dòng tiêu đề.")
        if excluded:
            notes.append(f"{excluded} dòng có lỗi không được xuất.")
        if notes:
            st.caption(" ".join(notes))
    with button:
        # The CSV is made when the button is clicked, not on every rerun of the page.
        st.download_button("Tải CSV", data=partial(csv_bytes, sheet, records),
                           file_name=csv_filename(sheet), mime=CSV_MIME, key=f"export-csv-{key}",
                           help=f"Tải bảng “{sheet.title}” dạng CSV.", on_click="ignore",
                           width="stretch")
