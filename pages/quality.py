"""Data quality: what to fix in the sheets, row by row, with a link to each cell."""

from __future__ import annotations

import streamlit as st

from services.app import get_previous_snapshot, get_snapshot, get_store, refresh
from services.changes import changes_frame, outside_changes_cached
from services.quality import problems_by_sheet, problems_frame, summary
from services.schema import SHEETS

st.title("Chất lượng dữ liệu")
st.caption("Những ô cần sửa trong bảng tính. Dòng có lỗi không được tính trong bảng điều khiển "
           "cho đến khi được sửa; dòng chỉ có cảnh báo vẫn được tính.")

snapshot = get_snapshot()
store = get_store()
counts = summary(snapshot)
left, middle, right = st.columns(3)
left.metric("Lỗi", counts["errors"], border=True)
middle.metric("Cảnh báo", counts["warnings"], border=True)
right.metric("Dòng bị bỏ qua", counts["excluded"], border=True)

grouped = problems_by_sheet(snapshot)
if not grouped:
    st.success("Không có vấn đề nào: mọi dòng trong các bảng đều hợp lệ.", icon="✅")
for key, problems in grouped.items():
    sheet = SHEETS[key]
    with st.expander(f"{sheet.title}: {len(problems)} vấn đề", expanded=len(grouped) == 1):
        frame = problems_frame(problems, store.cell_link)
        has_links = frame["Mở ô"].notna().any()
        st.dataframe(
            frame if has_links else frame.drop(columns=["Mở ô"]),
            hide_index=True, placeholder="",
            width="stretch",
            column_config={
                "Dòng": st.column_config.NumberColumn("Dòng", format="%d",
                                                      help="Số dòng như bảng tính hiển thị"),
                "Mở ô": st.column_config.LinkColumn("Mở ô", display_text="Mở trong bảng tính"),
            },
        )

st.subheader("Thay đổi ngoài ứng dụng từ lần đọc trước")
previous = get_previous_snapshot()
if previous is None:
    st.caption("Chưa có lần đọc trước để so sánh. Mỗi lần đọc lại dữ liệu, ứng dụng so sánh với "
               "lần đọc trước và liệt kê những dòng được thêm, xóa hoặc sửa thẳng trong bảng "
               "tính (không có dòng nào trong “Nhật ký thay đổi”).")
else:
    outside = outside_changes_cached(previous, snapshot)
    st.caption(f"So sánh lần đọc lúc {previous.read_at:%H:%M:%S %d/%m/%Y} với lần đọc lúc "
               f"{snapshot.read_at:%H:%M:%S %d/%m/%Y}: những dòng được thêm, xóa hoặc sửa mà "
               "“Nhật ký thay đổi” không ghi, tức là sửa thẳng trong bảng tính.")
    if not outside:
        st.info("Không có thay đổi nào ngoài ứng dụng.", icon=":material/check:")
    else:
        changes = changes_frame(outside, store.cell_link)
        st.dataframe(
            changes if changes["Mở ô"].notna().any() else changes.drop(columns=["Mở ô"]),
            hide_index=True, placeholder="",
            width="stretch",
            column_config={
                "Dòng": st.column_config.NumberColumn("Dòng", format="%d",
                                                      help="Số dòng như bảng tính hiển thị"),
                "Mở ô": st.column_config.LinkColumn("Mở ô", display_text="Mở trong bảng tính"),
            },
        )

st.caption(f"Dữ liệu đọc lúc {snapshot.read_at:%H:%M:%S %d/%m/%Y}. Sau khi sửa trong bảng tính, "
           "bấm “Làm mới dữ liệu”.")
if st.button("Làm mới dữ liệu"):
    refresh()
    st.rerun()
