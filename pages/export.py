"""Export: a CSV of each sheet the person may read, and one Excel workbook of those sheets."""

from __future__ import annotations

from functools import partial

import streamlit as st

from services.app import current_actor, get_snapshot
from services.auth import allows, readable_sheets
from services.export import (
    CSV_MIME,
    XLSX_MIME,
    csv_bytes,
    csv_filename,
    sheet_records,
    xlsx_bytes,
    xlsx_filename,
)
from services.navigation import SCREENS
from services.schema import ARCHIVED, AUDIT, OUTSIDE, SHEETS

XLSX_STATE = "export-xlsx-built"  # (snapshot identity, sheets, workbook bytes) for this session
# Sheets that only grow are not in the snapshot: each is read on its own screen, a page at a
# time, and looked at (the audit trail exported too) there. This page points at that screen.
ELSEWHERE = {AUDIT.key: ("pages/audit.py", "xem, lọc và tải CSV"),
             OUTSIDE.key: ("pages/quality.py", "xem và đánh dấu đã xem")}

st.title("Xuất dữ liệu")
st.caption("Tải dữ liệu để gửi Ban Dân vận cấp trên hoặc lưu trữ: từng bảng dạng CSV, hoặc một "
           "tệp Excel gồm các bảng đó. Danh sách chỉ gồm các bảng tài khoản của bạn được xem.")
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

role = current_actor().role
readable = readable_sheets(role)
keys = [key for key in readable if SHEETS[key].in_snapshot]
if not keys:
    st.info("Tài khoản của bạn chưa được xem bảng dữ liệu nào.", icon=":material/lock:")
    st.stop()
snapshot = get_snapshot()

st.subheader("Tệp Excel: các bảng dưới đây")
identity = (id(snapshot), snapshot.read_at, tuple(keys))
built = st.session_state.get(XLSX_STATE)
slot = st.empty()  # the build button, then in its place the download button
# Build on request only: a workbook of a large ward takes a moment and most visits want a CSV.
if (built is None or built[0] != identity) and slot.button(
    "Tạo tệp Excel", key="export-build-xlsx", type="primary",
    help="Tạo một tệp .xlsx gồm các bảng dưới đây từ dữ liệu hiện có.",
):
    with st.spinner("Đang tạo tệp Excel…"):
        built = (identity, xlsx_bytes(snapshot, keys))
    st.session_state[XLSX_STATE] = built
if built is not None and built[0] == identity:
    slot.download_button("Tải tệp Excel (.xlsx)", data=built[1], file_name=xlsx_filename(),
                         mime=XLSX_MIME, key="export-xlsx", icon="📥", on_click="ignore")
    st.caption(f"Tệp tạo từ dữ liệu đọc lúc {snapshot.read_at:%H:%M:%S %d/%m/%Y}.")

st.subheader("Từng bảng dạng CSV")
for key in keys:
    sheet = SHEETS[key]
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

screens = {s.path: s for s in SCREENS}
for key in readable:
    if key in ELSEWHERE and allows(role, screens[ELSEWHERE[key][0]].role):
        screen, what = screens[ELSEWHERE[key][0]], ELSEWHERE[key][1]
        st.page_link(screen.path, label=f"{SHEETS[key].title}: {what} trên trang "
                                        f"“{screen.title}”", icon=screen.icon)
