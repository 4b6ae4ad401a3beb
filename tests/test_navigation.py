"""Which address asks for which page: an unknown one gets the app's own Vietnamese page."""

from __future__ import annotations

import pytest

from services.dashboard import DUE_PAGES, DueKind
from services.navigation import SCREENS, requested_path, unknown_path

KNOWN = ["", "export", "tasks"]


@pytest.mark.parametrize(("url", "path"), [
    (None, ""),
    ("http://127.0.0.1:8501", ""),
    ("http://127.0.0.1:8501/", ""),
    ("http://127.0.0.1:8501/tasks", "tasks"),
    ("http://127.0.0.1:8501/tasks/", "tasks"),
    ("https://danvan.example.vn/app/khong-co", "khong-co"),  # served under a base path
    ("http://127.0.0.1:8501/trang-kh%C3%B4ng-c%C3%B3", "trang-không-có"),
])
def test_requested_path_is_the_last_segment_as_streamlit_matches_it(url: str | None,
                                                                     path: str) -> None:
    assert requested_path(url) == path


def test_an_address_no_page_has_is_unknown_and_the_pages_own_are_not() -> None:
    assert unknown_path("http://127.0.0.1:8501/khong-co-trang", KNOWN) == "khong-co-trang"
    assert unknown_path("http://127.0.0.1:8501/tasks", KNOWN) is None
    assert unknown_path("http://127.0.0.1:8501", KNOWN) is None
    assert unknown_path(None, KNOWN) is None  # no browser (AppTest): nothing to answer


def test_a_slash_typed_as_percent_2f_is_left_to_streamlit() -> None:
    # st.Page refuses a "/" in its address, so no page can be made for it.
    assert unknown_path("http://127.0.0.1:8501/a%2Fb", KNOWN) is None


def test_every_kind_of_due_work_links_to_a_screen_that_exists() -> None:
    paths = {s.path for s in SCREENS}
    assert set(DUE_PAGES) == set(DueKind)
    assert set(DUE_PAGES.values()) <= paths
