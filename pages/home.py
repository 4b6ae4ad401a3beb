"""Home: the ward, where the data lives, and how many records each sheet holds."""

from __future__ import annotations

import streamlit as st

from services.app import get_settings, get_snapshot, get_store, refresh
from services.schema import SHEETS

settings = get_settings()
st.title(settings.committee)
st.caption(f"Khối Dân vận · Năm {settings.year} · {get_store().describe()}")

snapshot = get_snapshot()
rows = [
    {
        "Bảng": s.title,
        "Nội dung": s.description,
        "Số bản ghi": len(snapshot[key].active()),
        "Dòng có lỗi": snapshot[key].excluded,
    }
    for key, s in SHEETS.items()
]
st.subheader("Dữ liệu hiện có")
st.dataframe(rows, hide_index=True, width="stretch")
if snapshot.excluded:
    st.warning(f"Có {snapshot.excluded} dòng bị bỏ qua vì có lỗi cần sửa trong bảng tính.")
st.caption(f"Dữ liệu đọc lúc {snapshot.read_at:%H:%M:%S %d/%m/%Y}.")
if st.button("Làm mới dữ liệu", help="Đọc lại dữ liệu mới nhất từ kho dữ liệu."):
    refresh()
    st.rerun()
