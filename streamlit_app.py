"""Entry point: page config, schema check, store, sign-in, and the role's navigation."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from services.app import auth_configured, current_actor, get_settings, get_store, signed_in
from services.auth import Actor, check_sheet_access
from services.config import ConfigError
from services.navigation import SCREENS, screens_for, unknown_path
from services.schema import check_schema
from services.show import literal
from services.store.base import StoreError
from services.upper import upper_path

STYLE_SHEET = Path(__file__).parent / ".streamlit" / "style.css"

# An emoji, not a ":material/…:" icon: Streamlit fetches those from fonts.gstatic.com, a request
# to Google from every visitor's browser; an emoji favicon is drawn in the page itself.
st.set_page_config(page_title="Khối Dân vận", page_icon="🏛️", layout="wide")
st.html(STYLE_SHEET)  # style only: Streamlit sends it aside, it takes no room on the page

if problems := check_schema() + check_sheet_access():
    st.error("Khai báo bảng dữ liệu có lỗi; ứng dụng dừng lại:\n\n" + "\n".join(
        f"- `{p}`" for p in problems))
    st.stop()


def requested_unknown_path(known: Sequence[str]) -> str | None:
    """Return the page part of the address the browser asked for, if no page has it."""
    path = unknown_path(st.context.url, known)
    ctx = get_script_run_ctx()
    if path is None and ctx is not None:
        # Once Streamlit knows a page at this address (the hidden one of the previous run),
        # `st.context.url` drops it; the page name the browser asked for is the address itself.
        name = ctx.pages_manager.intended_page_name or ""
        path = name if name and "/" not in name and name not in known else None
    return path


def with_unknown_address(pages: Sequence[st.Page], screen: Callable[[], None],
                         title: str) -> list[st.Page]:
    """Return the pages, and a hidden page drawing `screen` at an address none of them has.

    Streamlit would run the default page under its English "Page not found" box.
    """
    path = requested_unknown_path([page.url_path for page in pages])
    if path is None:
        return list(pages)
    st.session_state["not-found-path"] = path
    return [*pages, st.Page(screen, title=title, url_path=path, visibility="hidden")]


def not_found_screen() -> None:
    """Say in Vietnamese that the address opens no page of this person's, and where to go."""
    st.title("Không tìm thấy trang")
    path = st.session_state.get("not-found-path", "")
    st.write(f"Địa chỉ “/{literal(path)}” không phải là một trang "
             "của ứng dụng, hoặc tài khoản của bạn không được mở trang này. Hãy chọn trang ở "
             "thanh bên (trên điện thoại: nút trang ở đầu màn hình).")
    home = next(s for s in SCREENS if s.default)
    st.page_link(home.path, label=f"Về {home.title}", icon=":material/home:")


def page_menu(sections: Mapping[str, Sequence[st.Page]], current: st.Page) -> None:
    """Draw the phones' page menu: a button naming this page that lists every page.

    On a narrow screen the sidebar's list of pages stays open over the page after a tap unless
    the browser says it is a phone. This menu is keyed by the page, so it is a new, closed one
    on the page it led to. The style sheet shows it below 768 px only and hides the sidebar's
    list there; wider screens keep the sidebar, which also says who is signed in. Only a
    browser has a screen to fit: without one (AppTest) the pages hold their own content only.
    """
    if st.context.url is None:
        return
    with st.container(key="page-menu"), st.popover(
            current.title, icon=":material/menu:", key=f"page-menu-{current.url_path}"):
        for section, pages in sections.items():
            st.caption(section)
            for page in pages:
                st.page_link(page)


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


def upper_level_app() -> None:
    """Run the upper level's read-only roll-up (`DANVAN_UPPER`); no ward's store is written.

    Without sign-in the one local user may read it; with sign-in, the `DANVAN_ADMIN_EMAILS`
    addresses (the upper level keeps no users sheet of its own).
    """
    from services.app import get_admin_emails
    from services.auth import LOCAL_ADMIN, normalize_email
    from services.choices import Role
    from services.navigation import UPPER_SCREENS
    from services.rollup import shared

    try:
        shared(upper_path(), get_settings())
        auth = auth_configured()
    except ConfigError as err:
        st.error(literal(err), icon=":material/cloud_off:")
        st.stop()
    if auth and not signed_in():
        st.navigation([st.Page(sign_in_screen, title="Đăng nhập", default=True)],
                      position="hidden").run()
        st.stop()
    actor = LOCAL_ADMIN
    if auth:
        email = normalize_email(st.user.get("email"))
        allowed = st.user.get("email_verified") is not False and email in get_admin_emails()
        actor = Actor(email, str(st.user.get("name") or email), Role.VIEWER if allowed else None)
    identity_sidebar(actor, auth)
    if actor.role is None:
        st.warning(f"Tài khoản {literal(actor.email)} chưa được cấp quyền xem bảng tổng hợp.",
                   icon=":material/lock:")
        st.stop()
    st.navigation({"Cấp trên": [st.Page(s.path, title=s.title, icon=s.icon, default=s.default)
                                for s in UPPER_SCREENS]}, position="top").run()
    st.stop()


if upper_path() is not None:
    upper_level_app()

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
    st.navigation(with_unknown_address([st.Page(sign_in_screen, title="Đăng nhập", default=True)],
                                       sign_in_screen, "Đăng nhập"),
                  position="hidden").run()
    st.stop()
if actor.role is None:
    identity_sidebar(actor, auth)
    st.navigation(with_unknown_address(
        [st.Page(no_role_screen, title="Chưa được cấp quyền", default=True)],
        no_role_screen, "Chưa được cấp quyền"), position="hidden").run()
    st.stop()

identity_sidebar(actor, auth)
sections = {section: [st.Page(s.path, title=s.title, icon=s.icon, default=s.default)
                      for s in screens]
            for section, screens in screens_for(actor.role).items()}
every = [page for pages in sections.values() for page in pages]
first = next(iter(sections))  # an unknown address's hidden page goes in a section too
current = st.navigation({**sections, first: [*sections[first], *with_unknown_address(
    every, not_found_screen, "Không tìm thấy trang")[len(every):]]}, expanded=True)
page_menu(sections, current)
current.run()
