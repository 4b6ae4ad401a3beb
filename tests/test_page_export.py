"""The export page: renders on the demo ward and on an empty store, offers every download."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from services.schema import SHEETS
from tests.conftest import ROOT, new_app_test

PAGE = ROOT / "pages" / "export.py"


def _open() -> AppTest:
    """Open the export page through the app's navigation, or on its own until it is listed."""
    at = new_app_test().run()
    try:
        at.switch_page("pages/export.py").run()
    except ValueError:  # not in streamlit_app.py's navigation yet
        at = AppTest.from_file(str(PAGE), default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def _downloads(at: AppTest) -> dict[str, str]:
    """Return the download buttons on the page as {key suffix: label}."""
    found = {}
    for element in at.get("download_button"):
        proto = element.proto
        found[proto.id.rsplit("-export-", 1)[-1]] = proto.label
    return found


def _text(at: AppTest) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def test_demo_ward_shows_a_csv_download_per_sheet_and_the_counts(app_env: Path) -> None:
    at = _open()
    assert at.title[0].value == "Xuất dữ liệu"
    downloads = _downloads(at)
    assert {f"csv-{key}" for key in SHEETS} <= set(downloads)
    assert all(downloads[f"csv-{key}"] == "Tải CSV" for key in SHEETS)
    text = _text(at)
    assert all(f"**{sheet.title}**" in text for sheet in SHEETS.values())
    assert "**Lực lượng nòng cốt** · 0 dòng" not in text
    assert "UTF-8 có BOM" in text and "2024-04-07" in text and "53.8" in text
    assert "dấu nháy đơn" in text


def test_excel_workbook_is_built_on_request_then_offered(app_env: Path) -> None:
    at = _open()
    assert "xlsx" not in _downloads(at), "the workbook is not built on every rerun"
    at.button(key="export-build-xlsx").click().run()
    assert not at.exception, at.exception
    assert _downloads(at)["xlsx"] == "Tải tệp Excel (.xlsx)"
    assert not [b for b in at.button if b.key == "export-build-xlsx"]
    at.run()  # a rerun keeps the workbook already built for this snapshot
    assert not at.exception and "xlsx" in _downloads(at)


def test_empty_store_still_offers_header_only_files(app_env: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DANVAN_DEMO_DATA", "0")
    at = _open()
    assert {f"csv-{key}" for key in SHEETS} <= set(_downloads(at))
    text = _text(at)
    assert "**Dự sinh hoạt chi bộ** · 0 dòng" in text
    assert "Bảng chưa có dữ liệu: tệp chỉ có dòng tiêu đề." in text
    at.button(key="export-build-xlsx").click().run()
    assert not at.exception, at.exception
    assert "xlsx" in _downloads(at)
