"""Entry point: page config, schema check, store, sign-in, and the role's navigation."""

from __future__ import annotations

import streamlit as st

from services.app import auth_configured, current_actor, get_settings, get_store, signed_in
from services.auth import Actor, check_sheet_access
from services.config import ConfigError
from services.navigation import screens_for
from services.schema import check_schema
from services.show import literal
from services.store.base import StoreError

# An emoji, not a ":material/…:" icon: Streamlit fetches those from fonts.gstatic.com, a request
# to Google from every visitor's browser; an emoji favicon is drawn in the page itself.
st.set_page_config(page_title="Khối Dân vận", page_icon="🏛️", layout="wide")

if problems := check_schema() + check_sheet_access():
    st.error("Khai báo bảng dữ liệu có lỗi; ứng dụng dừng lại:\n\n" + "\n".join(
        f"- `{p}`" for p in problems))
    st.stop()


def sign_out_button(key: str) -> None:
    """Offer to sign out (Streamlit clears its identity cookie and starts a new session)."""
    # A callback, not `if st.button(...)` + rerun: a rerun could drop the redirect to the
    # sign-out endpoint before the browser gets it, leaving the cookie in place.
    st.button("Đăng xuất", icon=":material/logout:", key=key, on_click=st.logout)


def sign_in_screen() -> None:
    """Ask a visitor to sign in; show nothing else."""
    st.title("Đăng nhập")
    st.write(f"Ứng dụng của Khối Dân vận {literal(get_settings().committee)}. Hãy đăng nhập "
             "bằng tài khoản Google đã được quản trị viên cấp quyền.")
    if st.button("Đăng nhập bằng Google", type="primary", icon=":material/login:"):
        st.login()


def no_role_screen() -> None:
    """Tell a signed-in person without a role that they see nothing until an admin adds them."""
    actor = current_actor()
    st.title("Chưa được cấp quyền")
    st.warning(f"Tài khoản {literal(actor.email or actor.name)} chưa được cấp quyền. Hãy liên hệ "
               "quản trị viên của Khối Dân vận để được thêm vào danh sách người dùng, rồi đăng "
               "nhập lại.",
               icon=":material/lock:")
    sign_out_button("sign-out-main")


def identity_sidebar(actor: Actor, auth: bool) -> None:
    """Say in the sidebar who is using the app and with which role."""
    with st.sidebar:
        if not auth:
            st.caption("Chế độ một người dùng: chưa cấu hình đăng nhập, bạn có quyền quản trị.")
            return
        # The name and e-mail come from the sign-in provider: shown as typed, never as Markdown.
        name, email = literal(actor.name), literal(actor.email)
        who = f"**{name}**  \n{email}" if actor.name != actor.email else email
        st.caption(f"Đang đăng nhập: {who}  \nQuyền: **{actor.role or 'chưa được cấp quyền'}**")
        sign_out_button("sign-out")


try:
    get_settings()
    auth = auth_configured()
    # Nobody opens the store before signing in; a signed-in person's role is read from it.
    actor = current_actor() if not auth or signed_in() else None
    if actor is not None:
        get_store()
except (ConfigError, StoreError) as err:
    st.error(literal(err), icon=":material/cloud_off:")
    if isinstance(err, StoreError):
        st.button("Thử lại")  # opening the store is not cached when it fails: a rerun retries
    st.stop()

if actor is None:
    # One hidden page: any URL of the app leads to the sign-in screen and nowhere else.
    st.navigation([st.Page(sign_in_screen, title="Đăng nhập", default=True)],
                  position="hidden").run()
    st.stop()
if actor.role is None:
    identity_sidebar(actor, auth)
    st.navigation([st.Page(no_role_screen, title="Chưa được cấp quyền", default=True)],
                  position="hidden").run()
    st.stop()

identity_sidebar(actor, auth)
sections = screens_for(actor.role)
st.navigation({
    section: [st.Page(s.path, title=s.title, icon=s.icon, default=s.default) for s in screens]
    for section, screens in sections.items()
}, expanded=True).run()
