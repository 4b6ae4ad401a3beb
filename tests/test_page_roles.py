"""Sign-in and roles through the whole app (AppTest): each role's navigation and screens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from services.bootstrap import fill
from services.choices import Role
from services.clock import today
from services.navigation import SCREENS, screens_for
from services.store.sql import SqlStore
from tests.conftest import new_app_test
from tests.rendered import rendered

# Streamlit's [auth] keys (see streamlit/auth_util.py: validate_auth_credentials). The provider
# is never reached in these tests: AppTest sets `st.user` directly.
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-test-cookie-secret-not-a-real-one",
    "client_id": "danvan-test",
    "client_secret": "test-client-secret-value",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
BOOTSTRAP_ADMIN = "bi.thu@gmail.com"
PEOPLE = {
    Role.VIEWER: ("lanh.dao@gmail.com", "Trần Thị Lãnh Đạo"),
    Role.EDITOR: ("can.bo@gmail.com", "Nguyễn Văn Cán Bộ"),
    Role.ADMIN: ("quan.tri@gmail.com", "Lê Quản Trị"),
}
STRANGER = ("nguoi.la@gmail.com", "Người Lạ")


@pytest.fixture
def ward(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Fill the app's store with the demo ward and one user per role."""
    monkeypatch.setenv("DANVAN_ADMIN_EMAILS", BOOTSTRAP_ADMIN)
    store = SqlStore(f"sqlite:///{app_env}")
    fill(store, demo=True, year=today().year)
    store.append("users", [{"email": email.upper(), "name": name, "role": role}
                           for role, (email, name) in PEOPLE.items()], "test")
    store.append("users", [{"email": "cu@gmail.com", "role": Role.ADMIN, "archived": True}],
                 "test")
    store.engine.dispose()
    return app_env


def signed_in_app(email: str, name: str, **claims: Any) -> AppTest:
    """Return the app with [auth] configured and this person signed in, after its first run."""
    at = new_app_test()
    at.secrets["auth"] = dict(AUTH)
    at.user = {"is_logged_in": True, "email": email, "name": name, **claims}
    at.run()
    assert not at.exception, at.exception
    return at


def navigation_pages(at: AppTest) -> set[str]:
    """Return the page files the app's navigation offers (AppTest refuses the others)."""
    offered = set()
    for screen in SCREENS:
        try:
            at.switch_page(screen.path)
        except ValueError:
            continue
        offered.add(screen.path)
    at._page_hash = ""  # switching was only a probe: stay where the app is
    return offered


def expected_pages(role: Role | None) -> set[str]:
    return {s.path for screens in screens_for(role).values() for s in screens}


def texts(at: AppTest) -> str:
    """Return the text of the main area as people read it (stored values are escaped)."""
    kinds = ("title", "markdown", "caption", "warning", "error", "info")
    return "\n".join(rendered(str(e.value)) for kind in kinds for e in getattr(at, kind))


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_exactly_its_pages(ward: Path, role: Role) -> None:
    at = signed_in_app(*PEOPLE[role])
    assert navigation_pages(at) == expected_pages(role)
    assert at.title[0].value == "Đảng ủy phường Phố Hòa"  # the dashboard, everyone's default


def test_roles_differ_so_the_page_check_means_something() -> None:
    assert expected_pages(Role.VIEWER) < expected_pages(Role.EDITOR) < expected_pages(Role.ADMIN)
    assert "pages/units.py" not in expected_pages(Role.VIEWER)


def test_email_in_admin_emails_is_admin_with_users_sheet_silent(ward: Path) -> None:
    at = signed_in_app("Bi.Thu@Gmail.com", "Bí thư")
    assert navigation_pages(at) == expected_pages(Role.ADMIN)


def test_email_typed_in_capitals_in_the_users_sheet_still_matches(ward: Path) -> None:
    # The fixture stored every address in capitals; people sign in in lower case.
    at = signed_in_app(*PEOPLE[Role.EDITOR])
    assert "pages/units.py" in navigation_pages(at)


def test_sidebar_names_the_person_and_role_with_a_sign_out_button(ward: Path) -> None:
    at = signed_in_app(*PEOPLE[Role.EDITOR])
    sidebar = " ".join(rendered(c.value) for c in at.sidebar.caption)
    assert "Nguyễn Văn Cán Bộ" in sidebar and "can.bo@gmail.com" in sidebar
    assert "Biên tập" in sidebar
    assert [b.label for b in at.sidebar.button] == ["Đăng xuất"]


def test_viewer_cannot_switch_to_an_editor_page(ward: Path) -> None:
    at = signed_in_app(*PEOPLE[Role.VIEWER])
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/units.py")


def test_viewer_requesting_an_editor_pages_url_gets_the_dashboard_not_the_page(
        ward: Path) -> None:
    # The session asks for the units page (an editor opened it; now a viewer's request for
    # the same URL runs): st.navigation does not run a page it was not given.
    at = signed_in_app(*PEOPLE[Role.EDITOR])
    at.switch_page("pages/units.py").run()
    assert at.title[0].value == "Đơn vị"
    email, name = PEOPLE[Role.VIEWER]
    at.user = {"is_logged_in": True, "email": email, "name": name}
    at.run()
    assert not at.exception
    assert "Đơn vị" not in [t.value for t in at.title]
    assert at.title[0].value == "Đảng ủy phường Phố Hòa"
    assert not [b for b in at.button if b.label in ("Lưu", "Lưu thay đổi", "Lưu trữ")]


def test_account_without_role_sees_the_message_and_no_data(ward: Path) -> None:
    at = signed_in_app(*STRANGER)
    said = texts(at)
    assert "Tài khoản nguoi.la@gmail.com chưa được cấp quyền" in said
    assert "liên hệ quản trị viên" in said
    assert not at.dataframe and not at.metric and not at.get("arrow_vega_lite_chart")
    assert navigation_pages(at) == set()
    assert "Đăng xuất" in [b.label for b in at.button]


def test_archived_user_is_treated_as_no_role(ward: Path) -> None:
    at = signed_in_app("cu@gmail.com", "Cán bộ cũ")
    assert "chưa được cấp quyền" in texts(at)
    assert navigation_pages(at) == set()


def test_unverified_email_gets_no_role_even_if_listed(ward: Path) -> None:
    at = signed_in_app(*PEOPLE[Role.ADMIN], email_verified=False)
    assert "chưa được cấp quyền" in texts(at)
    assert navigation_pages(at) == set()


def test_signed_out_visitor_sees_only_the_sign_in_button(ward: Path) -> None:
    at = new_app_test()
    at.secrets["auth"] = dict(AUTH)
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Đăng nhập"]
    assert [b.label for b in at.button] == ["Đăng nhập bằng Google"]
    assert not at.dataframe and not at.metric and not at.sidebar.caption
    assert navigation_pages(at) == set()


def test_sign_out_returns_to_the_sign_in_screen(ward: Path) -> None:
    at = signed_in_app(*PEOPLE[Role.ADMIN])
    next(b for b in at.sidebar.button if b.label == "Đăng xuất").click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Đăng nhập"]
    assert at.user == {"is_logged_in": False}


def test_without_auth_the_local_user_is_admin_and_told_so(ward: Path) -> None:
    at = new_app_test().run()
    assert not at.exception
    notice = [c.value for c in at.sidebar.caption]
    assert notice == ["Chế độ một người dùng: chưa cấu hình đăng nhập, bạn có quyền quản trị."]
    assert not at.sidebar.button  # nobody to sign out
    assert navigation_pages(at) == expected_pages(Role.ADMIN)


def test_auth_only_in_the_apps_secrets_file_stops_rather_than_letting_everyone_in(
        ward: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = tmp_path / "danvan-secrets.toml"
    secrets.write_text('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n'
                       'cookie_secret = "do-not-show-me"\n', encoding="utf-8")
    monkeypatch.setenv("DANVAN_SECRETS", str(secrets))
    at = new_app_test().run()
    assert not at.exception
    assert "STREAMLIT_SECRETS_FILES" in " ".join(rendered(e.value) for e in at.error)
    assert not at.title and not at.dataframe and not at.metric
    assert "do-not-show-me" not in texts(at)


def test_incomplete_auth_section_names_the_missing_key_and_shows_no_secret(ward: Path) -> None:
    at = new_app_test()
    at.secrets["auth"] = {k: v for k, v in AUTH.items() if k != "client_id"}
    at.user = {"is_logged_in": True, "email": PEOPLE[Role.ADMIN][0]}
    at.run()
    said = " ".join(rendered(e.value) for e in at.error)
    assert "client_id" in said
    for value in AUTH.values():
        assert value not in texts(at)
    assert not at.title and not at.dataframe and not at.metric
