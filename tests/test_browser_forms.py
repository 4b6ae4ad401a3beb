"""Forms as people use them, in headless Chromium: dates typed, drafts kept across pages."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _click_in_navigation(page: Any, section: str, title: str) -> None:
    sidebar = page.get_by_test_id("stSidebarNav")
    if sidebar.count() and sidebar.get_by_text(title, exact=True).count():
        sidebar.get_by_text(title, exact=True).first.click()
        return
    page.get_by_text(section, exact=True).first.click()  # a menu at the top
    page.get_by_text(title, exact=True).last.click()


def go(page: Any, section: str, title: str, heading: str | None = None) -> None:
    """Open a page by clicking it in the navigation; wait until its title (`heading`) shows.

    Streamlit itself (1.67) may keep the page after the first click when that click also ends
    typing in a text field (the field's value is sent, and that run wins): a second click goes.
    The draft is kept either way.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    shown = page.get_by_role("heading", name=heading or title, exact=True).first
    for _ in range(2):
        _click_in_navigation(page, section, title)
        try:
            shown.wait_for(timeout=5_000)
            return
        except PlaywrightTimeout:
            continue  # click once more
    shown.wait_for()


def textbox(page: Any, label: str) -> Any:
    return page.get_by_role("textbox", name=label, exact=True).first


def test_an_impossible_date_is_refused_in_vietnamese_and_kept(live_app: str, page: Any) -> None:
    page.goto(f"{live_app}/tasks")
    page.get_by_role("tab", name="Thêm nhiệm vụ").click()
    textbox(page, "Văn bản giao *").fill("Công văn 11-CV/ĐU")
    textbox(page, "Nội dung nhiệm vụ *").fill("Rà soát danh sách hộ nghèo")
    textbox(page, "Cơ quan chủ trì *").fill("UBND phường")
    textbox(page, "Hạn hoàn thành").fill("30/02/2023")
    page.get_by_role("button", name="Lưu", exact=True).first.click()  # no Tab first
    error = page.get_by_test_id("stAlertContentError").first
    error.wait_for()
    assert 'Hạn hoàn thành: "30/02/2023" không phải ngày có thật trên lịch' in error.inner_text()
    assert textbox(page, "Hạn hoàn thành").input_value() == "30/02/2023"  # never 28/02


def test_a_day_picked_on_the_calendar_fills_the_date_typed(live_app: str, page: Any) -> None:
    page.goto(f"{live_app}/tasks")
    page.get_by_role("tab", name="Thêm nhiệm vụ").click()
    field = textbox(page, "Hạn hoàn thành")
    field.fill("7/4/2024")
    field.press("Tab")  # the next stop is the calendar button
    page.keyboard.press("Enter")
    calendar = page.get_by_test_id("stPopoverBody")
    calendar.wait_for()
    calendar.get_by_role("button").last.click()  # the date picker's calendar
    page.get_by_role("gridcell").filter(has_text="15").first.click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('input[aria-label=\"Hạn hoàn thành\"]')]"
        ".some(e => e.value === '15/04/2024')")


def test_a_half_filled_form_survives_a_trip_to_another_page(live_app: str, page: Any) -> None:
    page.goto(f"{live_app}/units")
    page.get_by_role("tab", name="Thêm đơn vị").click()
    textbox(page, "Tên đơn vị *").fill("Tổ dân phố Nháp")
    textbox(page, "Người phụ trách").fill("Lê Văn Nháp")
    # Leaving the field sends what was typed. A click on another page straight from typing can
    # lose the last field's text (Streamlit 1.67 may run the page change first: README).
    textbox(page, "Người phụ trách").press("Tab")
    go(page, "Tổng quan", "Xuất dữ liệu")
    go(page, "Danh mục", "Đơn vị")
    page.get_by_role("tab", name="Thêm đơn vị").click()
    expect(textbox(page, "Tên đơn vị *")).to_have_value("Tổ dân phố Nháp")
    expect(textbox(page, "Người phụ trách")).to_have_value("Lê Văn Nháp")
    page.get_by_role("button", name="Xóa nội dung đã nhập").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('input[aria-label=\"Tên đơn vị *\"]')]"
        ".every(e => e.value === '')")


def test_a_form_left_with_tab_survives_a_trip_to_another_page(live_app: str, page: Any) -> None:
    page.goto(f"{live_app}/meetings")
    textbox(page, "Người dự *").fill("Trần Thị Nháp")
    textbox(page, "Người dự *").press("Tab")
    textbox(page, "Ngày dự *").fill("30/02/2023")
    textbox(page, "Ngày dự *").press("Tab")
    go(page, "Nghiệp vụ", "Nhiệm vụ")
    go(page, "Nghiệp vụ", "Dự sinh hoạt chi bộ", "Dự sinh hoạt chi bộ khu dân cư")
    # The page comes back with its open tab only, then the draft: wait for the values to settle.
    expect(textbox(page, "Người dự *")).to_have_value("Trần Thị Nháp")
    expect(textbox(page, "Ngày dự *")).to_have_value("30/02/2023")
