"""The app starts on the embedded store; the data overview shows the ward and the counts."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from services.schema import SHEETS
from tests.conftest import open_page


@pytest.fixture
def app(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("DANVAN_WARD_NAME", "Nghĩa Thái")
    monkeypatch.setenv("DANVAN_WARD_LEVEL", "xã")
    return open_page("pages/home.py")


def test_home_page_shows_the_ward_in_vietnamese_and_a_count_per_sheet(app: AppTest) -> None:
    assert not app.exception
    assert app.title[0].value == "Đảng ủy xã Nghĩa Thái"
    counts = {m.label: int(m.value.replace(".", "")) for m in app.metric}
    assert set(counts) == {s.title for s in SHEETS.values() if s.in_snapshot}
    assert counts["Chỉ tiêu"] == 19
    assert counts["Lực lượng nòng cốt"] > 100  # the demo ward fills an empty store


def test_refresh_button_rereads_the_data(app: AppTest) -> None:
    app.button[0].click().run()
    assert not app.exception
    assert app.title[0].value == "Đảng ủy xã Nghĩa Thái"
