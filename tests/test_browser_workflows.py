"""Workflows as a new user does them, in headless Chromium against `streamlit run`."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _choose(page: Any, label: str, option: str) -> None:
    """Pick an option of a Streamlit selectbox by its label, with the keyboard."""
    box = page.get_by_label(label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).first.click()


def test_a_registration_is_submitted_and_listed(live_app: str, page: Any) -> None:
    page.goto(f"{live_app}/registrations")
    page.get_by_role("tab", name="Đăng ký mô hình").click()
    _choose(page, "Đơn vị đăng ký *", "Hội Cựu chiến binh phường")
    _choose(page, "Lĩnh vực *", "Văn hóa - xã hội")
    page.get_by_label("Tên mô hình *").fill("Cựu chiến binh giúp nhau làm kinh tế")
    page.get_by_role("button", name="Đăng ký mô hình").click()
    success = page.get_by_test_id("stAlertContentSuccess").first
    success.wait_for()
    assert "Cựu chiến binh giúp nhau làm kinh tế" in success.inner_text()
    # The form starts afresh for the next registration.
    assert page.get_by_label("Tên mô hình *").input_value() == ""


def test_a_bad_registration_shows_the_field_and_keeps_the_input(live_app: str,
                                                                 page: Any) -> None:
    page.goto(f"{live_app}/registrations")
    page.get_by_role("tab", name="Đăng ký mô hình").click()
    _choose(page, "Đơn vị đăng ký *", "Hội Cựu chiến binh phường")
    _choose(page, "Hình thức *", "Cá nhân")
    _choose(page, "Lĩnh vực *", "Kinh tế")
    page.get_by_label("Tên mô hình *").fill("Mô hình thiếu tên người")
    page.get_by_role("button", name="Đăng ký mô hình").click()
    error = page.get_by_test_id("stAlertContentError").first
    error.wait_for()
    assert "Họ tên cá nhân" in error.inner_text()
    assert page.get_by_label("Tên mô hình *").input_value() == "Mô hình thiếu tên người"


def test_csv_download_has_bom_iso_dates_and_no_live_formula(live_app: str, page: Any) -> None:
    page.goto(f"{live_app}/export")
    button = page.get_by_test_id("stDownloadButton").filter(has_text="Tải CSV").nth(2)
    with page.expect_download() as info:
        button.click()
    data = open(info.value.path(), "rb").read()  # noqa: SIM115 - read once, closed by GC
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Mã", "Đợt thi đua", "Đơn vị đăng ký"]
    dates = [row[rows[0].index("Ngày đăng ký")] for row in rows[1:]]
    assert dates and all(len(d) == 10 and d[4] == "-" and d[7] == "-" for d in dates)
    assert not any(cell[:1] in ("=", "+", "@") for row in rows[1:] for cell in row)
