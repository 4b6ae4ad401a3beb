"""The leader's phone in headless Chromium (390 × 844): the first screen, the page menu, an
unknown address, no English of the app's own, status colours that show without scrolling.

The browser says it is a desktop at phone width, the harder case: Streamlit only closes its
sidebar after a tap when the browser says it is a phone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services.charts import STATUS_COLORS
from tests.test_browser_dashboard import empty_app  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
COMMITTEE = "Đảng ủy phường Phố Hòa"
SHOTS = Path("/tmp")
# Streamlit's own English, in the places the app can keep it away from.
ENGLISH = ("Page not found", "does not seem to exist", "Running the app's main page",
           "No results", "Upload", "View more", "Download as CSV")
TABS = ("Việc cần làm", "Chỉ tiêu", "Mô hình", "Sinh hoạt chi bộ", "Nòng cốt")


def _open_dashboard(page: Any, url: str, size: dict[str, int] = PHONE) -> None:
    page.set_viewport_size(size)
    page.goto(url)
    page.get_by_role("heading", name=COMMITTEE).wait_for()
    page.locator(".st-key-key-figures [data-testid='stMetric']").first.wait_for()


def _box(locator: Any) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None, "not drawn"
    return box


def _on_first_screen(locator: Any, size: dict[str, int] = PHONE) -> None:
    """Assert the element lies wholly inside the first screen, without scrolling either way."""
    box = _box(locator)
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], box


def _uncovered(page: Any, locator: Any) -> bool:
    """Tell whether the element is what a tap on its centre would hit (nothing lies over it)."""
    box = _box(locator)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    return locator.evaluate("(el, [x, y]) => el.contains(document.elementFromPoint(x, y))",
                            [x, y])


def _english(page: Any) -> list[str]:
    text = page.locator("body").inner_text()
    return [phrase for phrase in ENGLISH if phrase in text]


def test_first_phone_screen_shows_the_key_figures_and_the_most_urgent_work(
        live_app: str, page: Any) -> None:
    _open_dashboard(page, live_app)
    figures = page.locator(".st-key-key-figures [data-testid='stMetric']")
    assert figures.count() == 6
    for i in range(figures.count()):
        _on_first_screen(figures.nth(i))
    first = page.locator(".st-key-urgent-0")
    _on_first_screen(first)
    assert first.get_by_text("Quá hạn ").count() >= 1
    link = first.get_by_role("link")
    assert "Xử lý ở trang" in link.inner_text()
    assert _uncovered(page, link)
    assert page.get_by_test_id("stException").count() == 0
    page.screenshot(path=str(SHOTS / "phone-dashboard.png"))
    # The link leads to the page where the work is done.
    page_title = link.inner_text().split("Xử lý ở trang ", 1)[1].strip()
    link.click()
    page.get_by_role("heading", name=page_title).first.wait_for()


def test_tapping_a_page_in_the_phone_menu_leaves_the_page_uncovered(
        live_app: str, page: Any) -> None:
    _open_dashboard(page, live_app)
    # Streamlit's own list of pages moves into the sidebar on a phone; the page menu replaces it.
    page.get_by_test_id("stExpandSidebarButton").click()
    page.get_by_text("Chế độ một người dùng").wait_for()
    assert not page.get_by_test_id("stSidebarNav").is_visible()
    page.get_by_test_id("stSidebarCollapseButton").click()

    page.locator(".st-key-page-menu button").first.click()
    menu = page.get_by_test_id("stPopoverBody")
    menu.wait_for()
    page.screenshot(path=str(SHOTS / "phone-menu-open.png"))
    menu.get_by_role("link").filter(has_text="Nhiệm vụ").click()
    heading = page.get_by_role("heading", name="Nhiệm vụ").first
    heading.wait_for()
    page.wait_for_timeout(500)  # the menu of the page left would close here, if ever
    assert not menu.is_visible()
    assert _uncovered(page, heading)
    # Nothing lies over the left half of the page either (where an open sidebar would be).
    assert page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')"
                         ".contains(document.elementFromPoint(40, 420))")
    assert "Nhiệm vụ" in page.locator(".st-key-page-menu button").first.inner_text()
    page.screenshot(path=str(SHOTS / "phone-after-tap.png"))


def test_desktop_keeps_the_pages_in_the_sidebar_and_no_phone_menu(
        live_app: str, page: Any) -> None:
    _open_dashboard(page, live_app, DESKTOP)
    page.get_by_test_id("stSidebarNav").get_by_text("Nhiệm vụ", exact=True).wait_for()
    assert not page.locator(".st-key-page-menu").is_visible()
    for i in range(6):
        _on_first_screen(page.locator(".st-key-key-figures [data-testid='stMetric']").nth(i),
                         DESKTOP)
    _on_first_screen(page.locator(".st-key-urgent-0"), DESKTOP)
    page.screenshot(path=str(SHOTS / "desktop-dashboard.png"))


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_an_unknown_address_shows_the_apps_own_vietnamese_page(
        live_app: str, page: Any, size: dict[str, int]) -> None:
    # The very first visit of a freshly started server (`live_app` starts one per test): the
    # browser knows no pages yet and asks for the first one it was told about.
    page.set_viewport_size(size)
    page.goto(f"{live_app}/khong-co-trang-nay")
    page.get_by_role("heading", name="Không tìm thấy trang").wait_for()
    page.get_by_text("“/khong-co-trang-nay” không phải là một trang").wait_for()
    page.wait_for_timeout(1000)  # Streamlit's box would have come with the page
    assert page.get_by_role("dialog").count() == 0
    assert _english(page) == []
    page.screenshot(path=str(SHOTS / f"not-found-{size['width']}.png"))
    page.get_by_role("link", name="Về Bảng điều khiển").click()
    page.get_by_role("heading", name=COMMITTEE).wait_for()


def test_dashboard_says_nothing_in_english_on_the_demo_ward(live_app: str, page: Any) -> None:
    _open_dashboard(page, live_app)
    for tab in TABS:
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(300)
        assert _english(page) == [], tab


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_dashboard_on_an_empty_store_says_nothing_in_english(
        empty_app: str, page: Any, size: dict[str, int]) -> None:  # noqa: F811
    _open_dashboard(page, empty_app, size)
    page.get_by_role("heading", name="Quá hạn / sắp đến hạn").wait_for()
    page.screenshot(path=str(SHOTS / f"empty-dashboard-{size['width']}.png"))
    for tab in TABS:
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(300)
        assert _english(page) == [], tab
        assert page.get_by_test_id("stException").count() == 0
    page.get_by_role("tab", name="Chỉ tiêu").click()
    page.get_by_text("Chưa có số liệu chỉ tiêu năm").wait_for()


# The colours the indicator tables paint their status cells with, as the canvas holds them.
_PAINTED = """(grid, colors) => {
  const hits = {};
  for (const canvas of grid.querySelectorAll('canvas')) {
    if (!canvas.width || !canvas.height) continue;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const scale = canvas.width / canvas.getBoundingClientRect().width;
    const left = canvas.getBoundingClientRect().left;
    for (let i = 0; i < data.length; i += 4) {
      for (const [name, [r, g, b]] of Object.entries(colors)) {
        if (Math.abs(data[i] - r) < 3 && Math.abs(data[i + 1] - g) < 3
            && Math.abs(data[i + 2] - b) < 3) {
          const x = left + ((i / 4) % canvas.width) / scale;
          hits[name] = Math.max(hits[name] ?? 0, x);
        }
      }
    }
  }
  return hits;
}"""


def test_indicator_status_shows_in_colour_without_scrolling_sideways(
        live_app: str, page: Any) -> None:
    _open_dashboard(page, live_app)
    page.get_by_role("tab", name="Chỉ tiêu").click()
    grid = page.locator("[role=tabpanel]:not([hidden]) [data-testid='stDataFrame']").nth(1)
    grid.scroll_into_view_if_needed()
    grid.locator("canvas").first.wait_for()
    page.wait_for_timeout(500)
    colors = {name: [int(color[i:i + 2], 16) for i in (1, 3, 5)]
              for name, color in STATUS_COLORS.items()}
    painted = grid.evaluate(_PAINTED, colors)
    # Group 2.1 of the demo ward has indicators met, not met and behind the yearly pace.
    assert {"Đạt", "Chưa đạt", "Chậm tiến độ"} <= set(painted), painted
    assert all(x <= PHONE["width"] for x in painted.values()), painted
    page.screenshot(path=str(SHOTS / "phone-indicator-table.png"))
