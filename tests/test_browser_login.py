"""Sign-in end to end: the real app, Streamlit's OIDC flow, a local OIDC provider, Chromium.

The provider is `oidc-provider-mock` (a Flask app on 127.0.0.1: discovery, JWKS, an authorize
form, a token endpoint issuing RS256 id_tokens, end session). The app reads its [auth] section
from a secrets file given to Streamlit with STREAMLIT_SECRETS_FILES (and to the app with
DANVAN_SECRETS), with `{port}` in redirect_uri so Streamlit fills in its own port.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from services.bootstrap import fill
from services.choices import Role
from services.clock import today
from services.store.sql import SqlStore
from tests.rendered import rendered

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ADMIN = ("bi.thu@gmail.com", "Nguyễn Thị Bí Thư")  # admin by DANVAN_ADMIN_EMAILS
EDITOR = ("can.bo@gmail.com", "Trần Văn Cán Bộ")  # editor in the users sheet
STRANGER = "nguoi.la@gmail.com"  # signs in, has no role
# Anything but loopback is refused: the provider's pages link a stylesheet on a CDN.
NOT_LOOPBACK = re.compile(r"^https?://(?!127\.0\.0\.1[:/]|localhost[:/])")


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """Run the OIDC provider mock on a free loopback port; return its base URL."""
    import werkzeug.serving
    from oidc_provider_mock import User, app

    users = [User(sub=email, claims={"email": email, "name": name, "email_verified": True})
             for email, name in (ADMIN, EDITOR)]
    server = werkzeug.serving.make_server("127.0.0.1", 0, app(user_claims=users),
                                          threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@contextmanager
def app_with_sign_in(provider: str, folder: Path) -> Iterator[str]:
    """Run the real app, a fresh server, with [auth] pointing at the provider; yield its URL."""
    from tests.live import running_app

    db = folder / "app.sqlite3"
    store = SqlStore(f"sqlite:///{db}")
    fill(store, demo=True, year=today().year)
    store.append("users", [{"email": EDITOR[0], "name": EDITOR[1], "role": Role.EDITOR}],
                 "test")
    store.engine.dispose()
    secrets_file = folder / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        'client_id = "danvan-test"\n'
        f'client_secret = "{secrets.token_urlsafe(16)}"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    env = {"DANVAN_DB_URL": f"sqlite:///{db}", "DANVAN_SECRETS": str(secrets_file),
           "STREAMLIT_SECRETS_FILES": str(secrets_file), "DANVAN_ADMIN_EMAILS": ADMIN[0],
           "DANVAN_LOG_DIR": str(folder)}
    with running_app(env) as url:
        yield url


@pytest.fixture(scope="module")
def signed_app(provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run the real app with [auth] for the module's tests; return its URL."""
    with app_with_sign_in(provider, tmp_path_factory.mktemp("login")) as url:
        yield url


@pytest.fixture
def tab(page: Any) -> Any:
    page.route(NOT_LOOPBACK, lambda route: route.abort())
    return page


def sign_in(tab: Any, app_url: str, provider: str, email: str) -> None:
    """Sign in from the app's sign-in screen through the provider's form."""
    tab.goto(app_url)
    tab.get_by_role("heading", name="Đăng nhập").wait_for()
    tab.get_by_role("button", name="Đăng nhập bằng Google").click()
    tab.wait_for_url(f"{provider}/oauth2/authorize**")
    tab.locator("input[name=sub]").fill(email)
    tab.get_by_role("button", name="Authorize", exact=True).click()
    tab.wait_for_url(f"{app_url}/**")


def who_is_signed_in(tab: Any) -> str:
    """Return the sidebar's "Đang đăng nhập" caption, once the app shows it."""
    caption = tab.get_by_test_id("stSidebar").get_by_test_id("stCaptionContainer").filter(
        has_text="Đang đăng nhập")
    caption.wait_for()
    return rendered(caption.inner_text())  # an e-mail carries a word joiner against autolinks


def full_menu(tab: Any) -> Any:
    """Return the sidebar menu with every item shown (a long menu hides some behind a button)."""
    nav = tab.get_by_test_id("stSidebarNav")
    nav.get_by_test_id("stSidebarNavLink").first.wait_for()
    more = nav.get_by_test_id("stSidebarNavViewButton")
    if more.count() and "more" in more.inner_text().lower():
        more.click()
    return nav


def test_visitor_sees_only_the_sign_in_screen(signed_app: str, tab: Any) -> None:
    tab.goto(f"{signed_app}/units")  # a page's URL leads to the sign-in screen too
    tab.get_by_role("button", name="Đăng nhập bằng Google").wait_for()
    assert tab.get_by_test_id("stSidebarNav").count() == 0
    assert tab.get_by_test_id("stDataFrame").count() == 0
    assert tab.get_by_role("heading", name="Đơn vị").count() == 0


@pytest.mark.parametrize("path", ["audit", "users"])
def test_fresh_servers_first_visitor_opening_an_admin_page_gets_the_sign_in_screen(
        provider: str, tmp_path: Path, tab: Any, path: str) -> None:
    # Streamlit runs a `pages/` file on its own, with its own list of every file in the
    # folder, until the app's first `st.navigation` call: the first request of a fresh server.
    # Those two pages stop for a visitor without a role before reading any data.
    with app_with_sign_in(provider, tmp_path) as app_url:
        tab.goto(f"{app_url}/{path}")
        tab.get_by_role("button", name="Đăng nhập bằng Google").wait_for()
        assert tab.get_by_test_id("stSidebarNav").count() == 0
        assert tab.get_by_test_id("stSidebarNavLink").count() == 0
        assert tab.get_by_text("Chỉ quản trị viên", exact=False).count() == 0
        assert tab.get_by_role("heading", name="Nhật ký thay đổi").count() == 0
        assert tab.get_by_role("heading", name="Người dùng").count() == 0


def test_admin_signs_in_sees_name_role_and_admin_pages_then_signs_out(
        signed_app: str, provider: str, tab: Any) -> None:
    sign_in(tab, signed_app, provider, ADMIN[0])
    identity = who_is_signed_in(tab)
    assert ADMIN[1] in identity and ADMIN[0] in identity and "Quyền: Quản trị" in identity
    nav = full_menu(tab)
    for title in ("Bảng điều khiển", "Đơn vị", "Người dùng", "Nhật ký thay đổi"):
        nav.get_by_text(title, exact=True).wait_for()

    tab.get_by_role("button", name="Đăng xuất").click()
    # The provider ends its session too, then sends the browser back to the app.
    tab.wait_for_url(f"{provider}/oauth2/end_session**")
    tab.get_by_role("button", name="End session").click()
    tab.get_by_role("button", name="Đăng nhập bằng Google").wait_for()
    tab.goto(signed_app)
    tab.get_by_role("button", name="Đăng nhập bằng Google").wait_for()
    assert tab.get_by_text(ADMIN[1]).count() == 0


def test_editor_from_the_users_sheet_sees_the_editor_pages_only(
        signed_app: str, provider: str, tab: Any) -> None:
    sign_in(tab, signed_app, provider, EDITOR[0])
    assert "Quyền: Biên tập" in who_is_signed_in(tab)
    nav = full_menu(tab)
    nav.get_by_text("Đơn vị", exact=True).wait_for()
    assert nav.get_by_text("Người dùng", exact=True).count() == 0
    assert nav.get_by_text("Nhật ký thay đổi", exact=True).count() == 0


def test_account_without_a_role_is_told_to_ask_an_admin(
        signed_app: str, provider: str, tab: Any) -> None:
    sign_in(tab, signed_app, provider, STRANGER)
    notice = tab.get_by_test_id("stAlert").filter(has_text="chưa được cấp quyền")
    notice.wait_for()
    assert f"Tài khoản {STRANGER} chưa được cấp quyền" in rendered(notice.inner_text())
    assert tab.get_by_test_id("stSidebarNav").count() == 0
    assert tab.get_by_test_id("stMetric").count() == 0


def test_no_secret_reaches_the_page_or_the_log(signed_app: str, provider: str, tab: Any,
                                               tmp_path_factory: pytest.TempPathFactory) -> None:
    sign_in(tab, signed_app, provider, ADMIN[0])
    who_is_signed_in(tab)
    html = tab.content()
    base = tmp_path_factory.getbasetemp()
    secrets_file = next(base.glob("login*/secrets.toml"))
    values = re.findall(r'^(?:cookie_secret|client_secret) = "(.+)"$',
                        secrets_file.read_text(encoding="utf-8"), flags=re.M)
    logs = "".join(p.read_text(encoding="utf-8") for p in base.glob("login*/streamlit-*.log"))
    assert len(values) == 2
    for value in values:
        assert value not in html and value not in logs
