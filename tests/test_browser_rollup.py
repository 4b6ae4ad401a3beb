"""The roll-up page in headless Chromium, on a phone and on a desktop screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

UPPER = "Ban Dân vận Tỉnh ủy Quảng Ngãi"
SHOTS = Path("/tmp")


@pytest.fixture
def upper_app(tmp_path: Path) -> Iterator[str]:
    """Run the real app in upper-level mode on 12 demo wards, one of them missing its file."""
    from services.upper import write_demo
    from tests.live import running_app

    path = write_demo(tmp_path / "wards", 12, year=2026)
    (tmp_path / "wards" / "ward-005.sqlite3").unlink()
    env = {"DANVAN_UPPER": str(path), "DANVAN_SECRETS": str(tmp_path / "no-secrets.toml"),
           "DANVAN_LOG_DIR": str(tmp_path), "DANVAN_YEAR": "2026"}
    with running_app(env) as url:
        yield url


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 900)])
def test_roll_up_page_at_phone_and_desktop_width(browser: Any, upper_app: str, width: int,
                                                 height: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(upper_app)
        page.get_by_role("heading", name=UPPER).wait_for()
        page.get_by_role("heading", name="Số liệu chính").wait_for()
        page.get_by_test_id("stDataFrame").first.wait_for()
        # The ward whose file is missing is named with its reason; the other 11 have figures.
        page.get_by_text("1 xã, phường chưa có số liệu mới").wait_for()
        page.get_by_text("11/12 xã, phường có số liệu").wait_for()
        # The page never overflows the screen sideways (tables scroll inside themselves).
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, overflow
        page.screenshot(path=str(SHOTS / f"rollup-{width}.png"), full_page=False)
    finally:
        context.close()
