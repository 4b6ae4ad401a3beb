"""Entry point: page config, schema check, store, navigation."""

from __future__ import annotations

import streamlit as st

from services.app import get_settings, get_store
from services.config import ConfigError
from services.schema import check_schema
from services.store.base import StoreError

st.set_page_config(page_title="Khối Dân vận", page_icon=":material/account_balance:", layout="wide")

if problems := check_schema():
    st.error("Khai báo bảng dữ liệu có lỗi; ứng dụng dừng lại:\n\n" + "\n".join(
        f"- `{p}`" for p in problems))
    st.stop()

try:
    settings = get_settings()
    get_store()
except (ConfigError, StoreError) as err:
    st.error(str(err))
    st.stop()

pages = {
    "": [st.Page("pages/home.py", title="Trang chủ", icon=":material/home:", default=True)],
    "Nghiệp vụ": [
        st.Page("pages/registrations.py", title="Mô hình “Dân vận khéo”", icon=":material/workspace_premium:"),
        st.Page("pages/members.py", title="Lực lượng nòng cốt", icon=":material/groups:"),
        st.Page("pages/meetings.py", title="Dự sinh hoạt chi bộ", icon=":material/event_available:"),
        st.Page("pages/indicators.py", title="Chỉ tiêu Kế hoạch 48", icon=":material/flag:"),
    ],
    "Danh mục": [
        st.Page("pages/units.py", title="Đơn vị", icon=":material/apartment:"),
        st.Page("pages/campaigns.py", title="Đợt thi đua", icon=":material/calendar_month:"),
    ],
}
st.navigation(pages).run()
