"""Stored Markdown in headless Chromium: no outside request, nothing styled, the text as typed.

The app runs on the ward of `tests.stored_text`: an image pointing at 127.0.0.1:9, a link, LaTeX,
coloured text, bold and HTML in every text cell and in the ward's name. Every request the pages
make is recorded; none may leave the app's own address.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from services.clock import today
from services.demo import campaign_name
from services.schema import SHEETS
from services.show import WORD_JOINER
from tests.stored_text import HOST, PAYLOAD, WARD_NAME, poisoned_ward, with_payload

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COMMITTEE = f"Đảng ủy phường {WARD_NAME}"
MARKDOWN = "[data-testid='stMarkdownContainer']"
NAME_LENGTH = SHEETS["campaigns"].column("name").type.max_length


@pytest.fixture
def poisoned_app(tmp_path: Path) -> Iterator[str]:
    """Run the real app on the poisoned ward; return its URL."""
    from tests.live import running_app

    url = f"sqlite:///{tmp_path / 'poisoned.sqlite3'}"
    poisoned_ward(url, today().year).engine.dispose()
    env = {"DANVAN_DB_URL": url, "DANVAN_SECRETS": str(tmp_path / "no-secrets.toml"),
           "DANVAN_LOG_DIR": str(tmp_path), "DANVAN_WARD_NAME": WARD_NAME}
    with running_app(env) as app_url:
        yield app_url


@pytest.fixture
def requests(page: Any) -> list[str]:
    """Record the address of every request the page makes from now on."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def _outside(requests: list[str], app: str) -> list[str]:
    own = urlsplit(app).netloc
    return [u for u in requests
            if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != own]


def _shown(page: Any) -> str:
    """Return the page's text as people read it (word joiners are invisible)."""
    return page.locator("[data-testid='stMain']").inner_text().replace(WORD_JOINER, "")


def _nothing_read_as_markdown(page: Any) -> None:
    """Check that no element the payload could have made is on the page."""
    assert page.locator(f"img[src*='{HOST}']").count() == 0
    assert page.locator(f"{MARKDOWN} img").count() == 0
    assert page.locator(f"a[href*='{HOST}']").count() == 0
    assert page.locator(f"{MARKDOWN} a[href^='http']").count() == 0
    assert page.locator(".katex").count() == 0
    # What `:red[đỏ]` and `**đậm**` become when read (names inside a bold header stay allowed).
    assert page.locator(".stMarkdownColoredText", has_text=re.compile("^đỏ$")).count() == 0
    assert page.locator(f"{MARKDOWN} strong", has_text=re.compile("^đậm$")).count() == 0
    assert page.locator(f"{MARKDOWN} b").count() == 0


def _settle(page: Any) -> None:
    """Give an image the browser might have started a moment to be requested."""
    page.wait_for_load_state("load")
    page.wait_for_timeout(1000)


def test_dashboard_makes_no_outside_request_and_shows_names_as_typed(
        poisoned_app: str, page: Any, requests: list[str]) -> None:
    page.goto(poisoned_app)
    page.get_by_role("tab", name="Nòng cốt").wait_for()  # the dashboard's last tab
    page.get_by_test_id("stMetric").first.wait_for()
    title = page.get_by_role("heading", level=1).first
    assert title.inner_text().replace(WORD_JOINER, "") == COMMITTEE
    _settle(page)
    assert not _outside(requests, poisoned_app)
    _nothing_read_as_markdown(page)
    assert page.get_by_test_id("stException").count() == 0
    # Campaign names in the caption, units, branches and groups in the warnings, each in its
    # tab of the dashboard (a hidden tab's text is not shown).
    shown = _shown(page)  # the first screen and the first tab
    for tab in ("Chỉ tiêu", "Mô hình", "Sinh hoạt chi bộ", "Nòng cốt"):
        page.get_by_role("tab", name=tab).click()
        panel = page.locator("[role=tabpanel]:not([hidden])")
        panel.wait_for()
        shown += panel.inner_text().replace(WORD_JOINER, "")
    assert shown.count(PAYLOAD) >= 5


def test_registrations_page_makes_no_outside_request_and_shows_names_as_typed(
        poisoned_app: str, page: Any, requests: list[str]) -> None:
    page.goto(f"{poisoned_app}/registrations")
    page.get_by_role("tab", name="Chưa đăng ký").wait_for()
    page.get_by_role("tab", name="Chưa đăng ký").click()
    page.get_by_text("đơn vị chưa đăng ký mô hình “Dân vận khéo”").wait_for()
    _settle(page)
    assert not _outside(requests, poisoned_app)
    _nothing_read_as_markdown(page)
    # The campaign headers name each campaign; the warning names the one whose deadline counts.
    names = [with_payload(campaign_name(today().year, phase), NAME_LENGTH) for phase in (1, 2)]
    shown = _shown(page)
    assert all(name in shown for name in names)
    assert sum(shown.count(name) for name in names) >= 3


def _choose(page: Any, label: str, option: str) -> None:
    """Pick an option of a Streamlit selectbox by its label, with the keyboard."""
    box = page.get_by_label(label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).first.click()


def test_a_unit_saved_with_markdown_in_its_name_is_announced_as_typed(
        poisoned_app: str, page: Any, requests: list[str]) -> None:
    name = f"Tổ dân phố 99 {PAYLOAD}"
    page.goto(f"{poisoned_app}/units")
    page.get_by_role("tab", name="Thêm đơn vị").click()
    page.get_by_role("textbox", name="Tên đơn vị *").fill(name)
    _choose(page, "Loại đơn vị *", "Tổ dân phố")
    page.get_by_role("button", name="Lưu", exact=True).click()
    success = page.get_by_test_id("stAlertContentSuccess").first
    success.wait_for()
    said = success.inner_text().replace(WORD_JOINER, "")
    assert said.endswith(f"Đã lưu đơn vị mới: {name}.")  # after the icon's name
    _settle(page)
    assert not _outside(requests, poisoned_app)
    _nothing_read_as_markdown(page)
