"""The dashboard in headless Chromium: its charts render, on the demo ward and on an empty store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COMMITTEE = "Đảng ủy phường Phố Hòa"
CHARTS = ".vega-embed canvas, .vega-embed svg"
SHOTS = Path("/tmp")


@pytest.fixture
def empty_app(tmp_path: Path) -> Iterator[str]:
    """Run the real app on a store holding only Plan 48's indicators; return its URL."""
    from tests.live import running_app

    env = {"DANVAN_DB_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
           "DANVAN_SECRETS": str(tmp_path / "no-secrets.toml"), "DANVAN_LOG_DIR": str(tmp_path),
           "DANVAN_DEMO_DATA": "0"}
    with running_app(env) as url:
        yield url


def _open(page: Any, url: str) -> None:
    page.goto(url)
    page.get_by_role("heading", name=COMMITTEE).wait_for()
    page.get_by_role("heading", name="Lực lượng nòng cốt").wait_for()
    page.get_by_test_id("stMetric").first.wait_for()


def _charts_drawn(page: Any) -> int:
    page.locator(CHARTS).first.wait_for()
    # Vega draws asynchronously: wait until every chart element has its canvas.
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]')]"
        ".every(c => c.querySelector('canvas, svg'))")
    return page.locator(CHARTS).count()


def test_dashboard_draws_its_charts_on_the_demo_ward(live_app: str, page: Any) -> None:
    _open(page, live_app)
    assert _charts_drawn(page) >= 3
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_text("Quá hạn / sắp đến hạn").count() == 1
    # Vietnamese numbers: the figure of 2.1.5 is shown with a decimal comma.
    page.get_by_text("53,8%").first.wait_for(state="attached")  # the grid draws on a canvas
    page.screenshot(path=str(SHOTS / "dashboard-desktop.png"), full_page=True)


def test_dashboard_fits_a_phone_screen(live_app: str, page: Any) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    _open(page, live_app)
    assert _charts_drawn(page) >= 3
    assert page.get_by_test_id("stException").count() == 0
    # Nothing wider than the screen but the tables, which scroll inside themselves.
    width = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollWidth")
    assert width <= 390
    page.screenshot(path=str(SHOTS / "dashboard-phone.png"), full_page=True)


def test_dashboard_on_an_empty_store_says_what_is_missing(empty_app: str, page: Any) -> None:
    _open(page, empty_app)
    page.get_by_text("Chưa có số liệu chỉ tiêu năm").wait_for()
    page.get_by_text("Chưa có đợt thi đua “Dân vận khéo” năm").wait_for()
    page.get_by_text("Chưa có tổ dân phố nào trong danh mục.").wait_for()
    assert _charts_drawn(page) >= 3
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_role("link", name="Nhập số liệu ở trang Chỉ tiêu Kế hoạch 48").count() == 1
    page.screenshot(path=str(SHOTS / "dashboard-empty.png"), full_page=True)
