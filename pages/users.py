"""Users (admins): who may view, who may enter data, who administers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.app import auth_configured, current_actor, get_admin_emails
from services.auth import ADMIN_EMAILS_KEY, ROLE_HELP
from services.choices import Role
from services.navigation import SCREENS
from services.show import literal
from services.ui import registry

st.title("Người dùng")
if not current_actor().can_admin():  # the navigation already hides this page; say so anyway
    st.error("Chỉ quản trị viên mới quản lý được người dùng.")
    st.stop()
st.caption("Mỗi người đăng nhập bằng tài khoản Google có email trong danh sách này. Tài khoản "
           "không có trong danh sách (hoặc đã lưu trữ) không xem được dữ liệu.")

if not auth_configured():
    st.info("Chưa cấu hình đăng nhập (mục [auth] trong .streamlit/secrets.toml): ứng dụng đang "
            "chạy cho một người dùng cục bộ có quyền quản trị. Danh sách dưới đây có hiệu lực "
            "khi bật đăng nhập.", icon=":material/info:")

with st.expander("Các quyền", expanded=True):
    st.table(
        pd.DataFrame([[str(role), ROLE_HELP[role],
                       ", ".join(s.title for s in SCREENS if s.role == role)]
                      for role in Role],
                     columns=["Quyền", "Được làm gì", "Trang mở thêm"]),
        hide_index=True,
    )
    if admins := get_admin_emails():
        st.caption(f"Luôn có quyền quản trị (cài đặt {ADMIN_EMAILS_KEY}): "
                   + literal(", ".join(sorted(admins))) + ".")

_ORDER = {role: i for i, role in enumerate(reversed(Role))}
registry(
    "users",
    list_columns=["email", "name", "role", "note"],
    search_columns=["email", "name", "note"],
    empty_hint="Chưa có người dùng nào. Hãy thêm người dùng ở thẻ “Thêm người dùng”; quản trị "
               f"viên đầu tiên vào được nhờ cài đặt {ADMIN_EMAILS_KEY}.",
    sort=lambda records: sorted(records, key=lambda r: (_ORDER.get(r["role"], 9), r["email"])),
)
