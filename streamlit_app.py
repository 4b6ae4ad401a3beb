"""Entry point: page config, schema check, store, navigation."""

from __future__ import annotations

import streamlit as st

from services.app import current_actor, get_settings, get_store
from services.config import ConfigError
from services.navigation import screens_for
from services.schema import check_schema
from services.store.base import StoreError

st.set_page_config(page_title="Khối Dân vận", page_icon=":material/account_balance:",
                   layout="wide")

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

sections = screens_for(current_actor().role)
st.navigation({
    section: [st.Page(s.path, title=s.title, icon=s.icon, default=s.default) for s in screens]
    for section, screens in sections.items()
}).run()
