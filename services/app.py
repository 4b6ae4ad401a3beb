"""Streamlit glue: the settings, the store and the cached snapshot, shared across sessions."""

from __future__ import annotations

import time

import streamlit as st

from services.auth import LOCAL_ADMIN, Actor
from services.bootstrap import open_store
from services.config import Settings, load_settings
from services.store.base import Store
from services.validation import Snapshot


def _leave_pages_directory_mode() -> None:
    """Rerun through `streamlit_app.py` when Streamlit ran a page file directly.

    Streamlit treats an app with a `pages/` folder as an old-style multipage app until the
    first `st.navigation` call of the process. A fresh server whose first visitor opens, say,
    /members would then run that page without the entry point: wrong menu, and no sign-in or
    role check. Every page reads the settings first, so this is the one place to catch it.
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


class _SnapshotCache:
    """One snapshot per process, reused until it is older than the TTL or a write clears it.

    Kept by reference, not pickled like `st.cache_data`: a snapshot is never mutated, and
    copying a 100× ward on every rerun would cost more than reading it.
    """

    def __init__(self) -> None:
        self.snapshot: Snapshot | None = None
        self.loaded_at = 0.0

    def get(self, store: Store, ttl: float) -> Snapshot:
        if self.snapshot is None or time.monotonic() - self.loaded_at > ttl:
            self.snapshot = store.snapshot()
            self.loaded_at = time.monotonic()
        return self.snapshot

    def clear(self) -> None:
        self.snapshot = None


@st.cache_resource(show_spinner=False)
def _snapshot_cache(store_id: int) -> _SnapshotCache:
    return _SnapshotCache()


def get_snapshot() -> Snapshot:
    """Return the validated data of every sheet, read at most once per TTL for all sessions."""
    store = get_store()
    with st.spinner("Đang tải dữ liệu…"):
        return _snapshot_cache(id(store)).get(store, get_settings().cache_ttl)


def refresh() -> None:
    """Forget the cached snapshot so the next read fetches fresh data (after a write too)."""
    _snapshot_cache(id(get_store())).clear()


def current_actor() -> Actor:
    """Return who is using the app: identity for the audit, role for permissions."""
    return LOCAL_ADMIN
