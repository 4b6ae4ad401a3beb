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
    page.get_by_role("tab", name="Nòng cốt").wait_for()
    page.get_by_test_id("stMetric").first.wait_for()


def _show(page: Any, tab: str) -> None:
    """Open one of the dashboard's tabs (the others' content is hidden)."""
    page.get_by_role("tab", name=tab).click()


def _charts_drawn(page: Any) -> int:
    """Wait until every chart of the open tab is drawn; return how many there are."""
    shown = "[role=tabpanel]:not([hidden]) "
    page.locator(shown + CHARTS.replace(", ", ", " + shown)).first.wait_for()
    # Vega draws asynchronously: wait until every chart element has its canvas.
    page.wait_for_function(
        "() => [...document.querySelectorAll("
        "'[role=tabpanel]:not([hidden]) [data-testid=\"stVegaLiteChart\"]')]"
        ".every(c => c.querySelector('canvas, svg'))")
    return page.locator(shown + CHARTS.replace(", ", ", " + shown)).count()


def test_dashboard_draws_its_charts_on_the_demo_ward(live_app: str, page: Any) -> None:
    _open(page, live_app)
    drawn = 0
    for tab in ("Chỉ tiêu", "Mô hình", "Sinh hoạt chi bộ", "Nòng cốt"):
        _show(page, tab)
        drawn += _charts_drawn(page)
    assert drawn >= 8
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_text("Quá hạn / sắp đến hạn").count() == 1
    _show(page, "Chỉ tiêu")
    # Vietnamese numbers: the figure of 2.1.5 is shown with a decimal comma.
    page.get_by_text("53,8%").first.wait_for(state="attached")  # the grid draws on a canvas
    page.screenshot(path=str(SHOTS / "dashboard-desktop.png"), full_page=True)


def test_dashboard_fits_a_phone_screen(live_app: str, page: Any) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    _open(page, live_app)
    _show(page, "Mô hình")
    assert _charts_drawn(page) >= 3
    assert page.get_by_test_id("stException").count() == 0
    # Nothing wider than the screen but the tables, which scroll inside themselves.
    width = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollWidth")
    assert width <= 390
    page.screenshot(path=str(SHOTS / "dashboard-phone.png"), full_page=True)


def test_dashboard_on_an_empty_store_says_what_is_missing(empty_app: str, page: Any) -> None:
    _open(page, empty_app)
    _show(page, "Chỉ tiêu")
    page.get_by_text("Chưa có số liệu chỉ tiêu năm").wait_for()
    _show(page, "Mô hình")
    page.get_by_text("Chưa có đợt thi đua “Dân vận khéo” năm").wait_for()
    _show(page, "Nòng cốt")
    page.get_by_text("Chưa có tổ dân phố nào trong danh mục.").wait_for()
    _show(page, "Mô hình")
    assert _charts_drawn(page) >= 2  # models by field and by status, at zero
    assert page.get_by_test_id("stException").count() == 0
    _show(page, "Chỉ tiêu")
    assert page.get_by_role("link", name="Nhập số liệu ở trang Chỉ tiêu Kế hoạch 48").count() == 1
    page.screenshot(path=str(SHOTS / "dashboard-empty.png"), full_page=True)
