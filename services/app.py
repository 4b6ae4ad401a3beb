"""Streamlit glue: the settings, the store, the cached snapshot and who is signed in."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any

import streamlit as st

from services.auth import (
    ANONYMOUS,
    LOCAL_ADMIN,
    Actor,
    admin_emails,
    auth_problems,
    normalize_email,
    role_for,
)
from services.bootstrap import open_store
from services.changes import note_outside_changes
from services.config import ConfigError, Settings, load_secrets, load_settings, secrets_path
from services.store.base import Store, StoreError
from services.store.cache import SnapshotCache
from services.validation import Snapshot


def _leave_pages_directory_mode() -> None:
    """Rerun through `streamlit_app.py` when Streamlit ran a page file directly.

    Streamlit treats an app with a `pages/` folder as an old-style multipage app until the
    first `st.navigation` call of the process. A fresh server whose first visitor opens, say,
    /members would then run that page without the entry point: Streamlit's list of every file
    in `pages/`, and no sign-in or role check. Every page calls this module before it reads or
    shows any data, but not always the same function first (/audit and /users ask who is
    signed in and stop a visitor without a role before reading anything), so every public
    function here that a page may call first starts with this check: `get_settings` (and so
    `get_store`, `get_snapshot`, `refresh`), `auth_configured` (and so `current_actor`),
    `signed_in` and `get_admin_emails`.

    `client.showSidebarNavigation = false` is no fix: it would also hide the app's own menu
    (Streamlit applies it to every sidebar navigation), and the page would still run unchecked.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def get_settings() -> Settings:
    """Return the deployment's settings, read once per process."""
    _leave_pages_directory_mode()
    return _settings()


@st.cache_resource(show_spinner=False)
def _settings() -> Settings:
    return load_settings()


@st.cache_resource(show_spinner="Đang mở kho dữ liệu…")
def _store(settings: Settings) -> Store:
    return open_store(settings)


def get_store() -> Store:
    """Return the configured store, opened once per process and shared by every session."""
    return _store(get_settings())


@st.cache_resource(show_spinner=False)
def _snapshot_cache(store_id: int) -> SnapshotCache:
    store = get_store()
    return SnapshotCache(store, on_outside=lambda before, after: note_outside_changes(
        store, before, after))


def get_snapshot() -> Snapshot:
    """Return the validated data of every sheet, read at most once per TTL for all sessions."""
    store = get_store()
    try:
        with st.spinner("Đang tải dữ liệu…"):
            return _snapshot_cache(id(store)).get(get_settings().cache_ttl)
    except StoreError as err:
        # A plain sentence and a way to try again, never a traceback or raw API JSON.
        st.error(str(err), icon=":material/cloud_off:")
        st.button("Thử lại", key="snapshot-retry", on_click=refresh)
        st.stop()


def refresh() -> None:
    """Read the data again at the next page view ("Làm mới dữ liệu").

    Not needed after the app's own writes: the cached snapshot follows them.
    """
    _snapshot_cache(id(get_store())).refresh()


# --- sign-in -------------------------------------------------------------------------------


def _auth_section() -> Mapping[str, Any] | None:
    """Return the [auth] section of Streamlit's secrets (what `st.login` reads), if any."""
    # `st.secrets` looked up on the module, so a test's `AppTest.secrets` is the one read.
    if not st.secrets.load_if_toml_exists():
        return None
    section = st.secrets.get("auth")
    return section if isinstance(section, Mapping) and section else None


@st.cache_resource(show_spinner=False)
def _app_secrets_have_auth() -> bool:
    return isinstance(load_secrets().get("auth"), Mapping)


def auth_configured() -> bool:
    """Tell whether people sign in (an [auth] section is set); raise if it cannot work.

    Without [auth] the app runs for one local admin. An [auth] section Streamlit does not see
    (in a `DANVAN_SECRETS` file only) or an incomplete one stops the app rather than letting
    everyone in as that local admin.
    """
    _leave_pages_directory_mode()
    section = _auth_section()
    if section is None:
        if _app_secrets_have_auth():
            raise ConfigError(
                f"Tệp {secrets_path().name} có mục [auth] nhưng Streamlit không đọc tệp này, nên "
                "chưa đăng nhập được. Hãy đặt mục [auth] trong .streamlit/secrets.toml của thư "
                "mục chạy ứng dụng, hoặc chỉ cho Streamlit tệp đó bằng biến môi trường "
                "STREAMLIT_SECRETS_FILES."
            )
        return False
    if problems := auth_problems(section):
        raise ConfigError("Cấu hình đăng nhập chưa đủ: " + "; ".join(problems) + ".")
    if importlib.util.find_spec("authlib") is None:
        raise ConfigError("Đăng nhập cần thư viện Authlib: hãy cài lại các thư viện trong "
                          "requirements.txt (python3 dev.py run tự làm việc này).")
    return True


def signed_in() -> bool:
    """Tell whether the visitor has signed in through the identity provider."""
    _leave_pages_directory_mode()
    return bool(st.user.get("is_logged_in"))


def get_admin_emails() -> frozenset[str]:
    """Return the `DANVAN_ADMIN_EMAILS` addresses, read once per process."""
    _leave_pages_directory_mode()
    return _admin_emails()


@st.cache_resource(show_spinner=False)
def _admin_emails() -> frozenset[str]:
    return admin_emails()


def current_actor() -> Actor:
    """Return who is using the app: identity for the audit, role for permissions.

    Without [auth], the one local user is an admin. With it, the role comes from the users
    sheet (or `DANVAN_ADMIN_EMAILS`) for the signed-in address, read on every run so a role
    changed by an admin applies at the next read of the data.
    """
    if not auth_configured():
        return LOCAL_ADMIN
    if not signed_in():
        return ANONYMOUS
    user = st.user
    email = normalize_email(user.get("email"))
    name = str(user.get("name") or email)
    if user.get("email_verified") is False:
        # An address the provider has not verified could be anyone's: no role.
        return Actor(email, name, None)
    return Actor(email, name, role_for(email, get_snapshot()["users"].records,
                                      get_admin_emails()))
