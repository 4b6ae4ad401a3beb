"""The real app in headless Chromium: it starts, answers its health check, shows the ward."""

from __future__ import annotations

import urllib.request
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_health_endpoint_answers_ok(live_app: str) -> None:
    with urllib.request.urlopen(f"{live_app}/_stcore/health", timeout=5) as response:
        assert response.read() == b"ok"


def test_home_page_renders_in_chromium_with_vietnamese_text_and_counts(live_app: str,
                                                                        page: Any) -> None:
    page.goto(f"{live_app}/home")
    page.get_by_role("heading", name="Đảng ủy phường Phố Hòa").wait_for()
    page.get_by_text("Dữ liệu hiện có").wait_for()
    members = page.get_by_test_id("stMetric").filter(has_text="Lực lượng nòng cốt")
    assert members.get_by_test_id("stMetricValue").inner_text() == "150"
    assert page.get_by_role("link", name="Đơn vị").count() >= 1


def test_opening_a_page_url_first_still_goes_through_the_entry_point(live_app: str,
                                                                     page: Any) -> None:
    # A fresh server whose first visitor opens /members must show the declared menu, not the
    # raw file names Streamlit would list for an old-style pages/ folder.
    page.goto(f"{live_app}/members")
    page.get_by_role("heading", name="Lực lượng nòng cốt ở cơ sở").wait_for()
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_text("Lực lượng nòng cốt", exact=True).wait_for()
    assert nav.get_by_text("streamlit app").count() == 0
