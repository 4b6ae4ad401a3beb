"""Campaigns: each year's (and phase's) "Dân vận khéo" deadlines."""

from __future__ import annotations

import streamlit as st

from services.ui import registry

st.title("Đợt thi đua “Dân vận khéo”")
st.caption("Mỗi năm, mỗi đợt có hạn đăng ký mô hình và hạn báo cáo kết quả riêng.")
registry(
    "campaigns",
    list_columns=["name", "year", "phase", "register_by", "report_by", "end_date"],
    search_columns=["name", "phase", "note"],
    empty_hint="Chưa có đợt thi đua nào. Hãy mở đợt của năm nay ở thẻ “Thêm đợt thi đua”: "
               "nhập hạn đăng ký và hạn báo cáo kết quả.",
    sort=lambda records: sorted(records, key=lambda r: (-r["year"], r["name"])),
)
