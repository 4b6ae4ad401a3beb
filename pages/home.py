"""Home: the ward, where the data lives, and how many records each sheet holds."""

from __future__ import annotations

import streamlit as st

from services.app import get_settings, get_snapshot, get_store, refresh
from services.coltypes import format_number
from services.schema import SHEETS
from services.show import literal

settings = get_settings()
st.title(literal(settings.committee))
st.caption(f"Khối Dân vận · Năm {settings.year} · {literal(get_store().describe())}")

snapshot = get_snapshot()
st.subheader("Dữ liệu hiện có")
cells = st.columns(3)
# The audit trail and the outside changes are read on their own pages, not with every view.
shown = {k: s for k, s in SHEETS.items() if s.in_snapshot}
for i, (key, sheet) in enumerate(shown.items()):
    table = snapshot[key]
    bad = f"{table.excluded} dòng lỗi" if table.excluded else None
    cells[i % 3].metric(sheet.title, format_number(len(table.active()), 0), delta=bad,
                        delta_color="inverse" if bad else "off", help=sheet.description,
                        border=True)
if snapshot.excluded:
    st.warning(f"Có {snapshot.excluded} dòng bị bỏ qua vì có lỗi cần sửa trong bảng tính.")
st.caption(f"Dữ liệu đọc lúc {snapshot.read_at:%H:%M:%S %d/%m/%Y}. “Nhật ký thay đổi” và "
           "“Thay đổi ngoài ứng dụng” được đọc riêng ở trang của chúng, không kèm mỗi lần xem.")
if st.button("Làm mới dữ liệu", help="Đọc lại dữ liệu mới nhất từ kho dữ liệu."):
    refresh()
    st.rerun()
