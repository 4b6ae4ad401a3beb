"""Every computed table a page shows downloads as CSV and Excel with the rows shown.

The pages offer their tables through `services.ui.download_table`, whose files are built when
a button is clicked: the callables Streamlit keeps for those clicks are caught here and run, so
the bytes checked are the bytes a person would get.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from services.bootstrap import fill
from services.choices import Role, UnitKind
from services.clock import today
from services.config import load_settings
from services.progress import PROGRESS_COLUMNS
from services.store.sql import SqlStore
from tests.conftest import new_app_test, open_page
from tests.test_page_roles import PEOPLE, signed_in_app
from tests.test_page_roles import ward as ward  # the fixture: demo ward, one user per role

FORMULA_UNIT = '=HYPERLINK("http://x","y")'

# Per page, the keys of `download_table` on the demo ward (each gives "-csv" and "-xlsx").
PAGE_DOWNLOADS = {
    "pages/indicators.py": {"indicator-progress-download", "indicator-trend-download",
                            "indicator-values-download", "indicator-catalogue-download"},
    "pages/meetings.py": {"meetings-list-download", "meetings-period-download",
                          "meetings-per-period-download", "meetings-month-levels-download",
                          "meetings-month-reports-download", "meetings-branch-download",
                          "meetings-register-download", "meetings-plan-person-download",
                          "meetings-plan-branch-download", "meetings-plan-download"},
    "pages/registrations.py": {"registrations-list-download", "registrations-missing-download",
                               "registrations-overdue-download",
                               "registrations-dang-ky-muon-download",
                               "registrations-bao-cao-ket-qua-muon-download",
                               "registrations-summary-linh-vuc",
                               "registrations-summary-trang-thai",
                               "registrations-summary-moi-hay-tiep-noi",
                               "registrations-summary-don-vi"},
    "pages/members.py": {"members-list-download", "members-coverage-download"},
    "pages/tasks.py": {"tasks-list-download", "tasks-bodies-download"},
    "pages/member_reports.py": {"member-reports-list-download", "member-reports-tdp-download"},
}

# The pages that draw only their open tab: (tabs key, label) for each tab holding a download.
PAGE_TABS = {
    "pages/meetings.py": [("meetings-tab", label) for label in (
        "Danh sách", "Theo dõi định kỳ", "Theo chi bộ", "Người phải dự", "Phân công")],
}


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], Any]]:
    """Catch the callables of deferred downloads by their file id, as Streamlit registers them."""
    found: dict[str, Callable[[], Any]] = {}
    register = MediaFileManager.add_deferred

    def add_deferred(self: MediaFileManager, data: Callable[[], Any], *args: Any,
                     **kwargs: Any) -> str:
        file_id = register(self, data, *args, **kwargs)
        found[file_id] = data
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return found


@pytest.fixture
def formula_ward(app_env: Path) -> Path:
    """Fill the store with the demo ward and a unit named like a formula, still to register."""
    store = SqlStore(f"sqlite:///{app_env}")
    fill(store, demo=True, year=today().year)
    store.append("units", [{"name": FORMULA_UNIT, "kind": UnitKind.CHINH_QUYEN,
                            "must_register": True, "head": "Nguyễn Văn A"}], "test")
    store.engine.dispose()
    return app_env


# --- reading what a page offers ----------------------------------------------------------------


def _keys(at: AppTest) -> list[str]:
    return [str(button.key) for button in at.get("download_button")]


def _tables(at: AppTest) -> set[str]:
    """Return the table keys on the page: those offered both as CSV and as Excel."""
    keys = _keys(at)
    return {k.removesuffix("-csv") for k in keys
            if k.endswith("-csv") and k.removesuffix("-csv") + "-xlsx" in keys}


def _data(at: AppTest, built: dict[str, Callable[[], Any]], key: str) -> bytes:
    [button] = [b for b in at.get("download_button") if b.key == key]
    proto = button.proto
    assert proto.deferred_file_id, f"{key}: built on click, not on every rerun"
    data = built[proto.deferred_file_id]()
    assert isinstance(data, bytes)
    return data


def _csv(at: AppTest, built: dict[str, Callable[[], Any]], key: str) -> list[list[str]]:
    data = _data(at, built, f"{key}-csv")
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, or Excel breaks the diacritics"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _xlsx(at: AppTest, built: dict[str, Callable[[], Any]], key: str) -> Any:
    data = _data(at, built, f"{key}-xlsx")
    return openpyxl.load_workbook(io.BytesIO(data)).active


def _text(value: Any) -> str:
    """Write a shown cell as the CSV should hold it: ISO dates, whole numbers, "" for none."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _frame(at: AppTest, *columns: str) -> pd.DataFrame:
    """Return the (first) table shown on the page that has all these columns."""
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))


def _assert_same_rows(at: AppTest, built: dict[str, Callable[[], Any]], key: str,
                      shown: pd.DataFrame) -> None:
    """Assert both files of a download hold exactly the shown table: headers, rows, order."""
    header, *rows = _csv(at, built, key)
    assert header == list(shown.columns)
    assert rows == [[_text(v) for v in row] for row in shown.itertuples(index=False)]
    sheet = _xlsx(at, built, key)
    cells = list(sheet.iter_rows(values_only=True))
    assert list(cells[0]) == list(shown.columns)
    assert len(cells) - 1 == len(shown)
    assert [r[0] for r in cells[1:]] == list(shown.iloc[:, 0])


# --- every page offers its tables ------------------------------------------------------------


@pytest.mark.parametrize("page", sorted(PAGE_DOWNLOADS))
def test_each_page_offers_its_tables_as_csv_and_excel_built_on_click(
        app_env: Path, built: dict[str, Callable[[], Any]], page: str) -> None:
    at = open_page(page)
    offered: set[str] = set()
    for tab in PAGE_TABS.get(page, [None]):  # a page drawing only its open tab, tab by tab
        if tab is not None:
            at.session_state[tab[0]] = tab[1]
            at.run()
        here = _tables(at) & PAGE_DOWNLOADS[page]
        offered |= here
        _assert_offered(at, built, here)
    assert offered >= PAGE_DOWNLOADS[page]


def _assert_offered(at: AppTest, built: dict[str, Callable[[], Any]], keys: set[str]) -> None:
    """Assert each table is offered as CSV and as Excel, both built only on click."""
    labels = {str(b.key): b.label for b in at.get("download_button")}
    for key in keys:
        assert labels[f"{key}-csv"].endswith("(CSV)")
        assert labels[f"{key}-xlsx"].endswith("(Excel)")
        assert _data(at, built, f"{key}-csv").startswith(b"\xef\xbb\xbf")
        assert _data(at, built, f"{key}-xlsx").startswith(b"PK"), "an .xlsx is a zip"


def test_dashboard_keeps_its_downloads_in_one_small_popover_per_section(
        app_env: Path) -> None:
    at = new_app_test().run()
    assert not at.exception, at.exception
    year = load_settings().year
    expected = {"dashboard-qua-han-sap-den-han", f"dashboard-chi-tieu-{year - 1}",
                f"dashboard-don-vi-chua-dang-ky-{year}",
                f"dashboard-mo-hinh-qua-han-bao-cao-{year}",
                f"dashboard-chua-du-sinh-hoat-du-{year}",
                "dashboard-luc-luong-nong-cot-theo-to-dan-pho"}
    assert _tables(at) >= expected
    popovers = list(at.get("popover"))
    assert {p.proto.popover.label for p in popovers} == {"Tải bảng"}
    assert len(popovers) == 5, "one per section: due, indicators, models, attendance, core force"
    inside = {str(b.key) for p in popovers for b in _buttons_in(p)}
    assert inside == set(_keys(at)), "no download button loose on the phone screen"


def _buttons_in(block: Any) -> Iterator[Any]:
    for child in getattr(block, "children", {}).values():
        if getattr(child, "type", None) == "download_button":
            yield child
        yield from _buttons_in(child)


# --- the rows shown, no more, no fewer --------------------------------------------------------


def test_dashboard_due_list_downloads_in_the_order_and_columns_shown(
        app_env: Path, built: dict[str, Callable[[], Any]]) -> None:
    at = new_app_test().run()
    order = ["Tình trạng", "Hạn", "Việc", "Đơn vị/Người", "Loại"]  # how urgent, by when first
    shown = _frame(at, *order)[order]
    assert len(shown) > 1
    _assert_same_rows(at, built, "dashboard-qua-han-sap-den-han", shown)


def test_judged_indicator_table_downloads_every_group_with_its_group(
        app_env: Path, built: dict[str, Callable[[], Any]]) -> None:
    at = open_page("pages/indicators.py")
    year = at.selectbox(key="indicator-progress-year").value
    shown = pd.concat([d.value for d in at.dataframe
                       if list(d.value.columns) == list(PROGRESS_COLUMNS)], ignore_index=True)
    assert len(shown) == 19
    header, *rows = _csv(at, built, "indicator-progress-download")
    assert header == ["Nhóm", *PROGRESS_COLUMNS]
    assert [row[1:] for row in rows] == [[_text(v) for v in r]
                                         for r in shown.itertuples(index=False)]
    assert all(row[0] for row in rows), "every row names its group"
    assert dict(zip(shown["Mã"], shown["Đánh giá"], strict=True))["2.1.5"] == "Chưa đạt"
    cells = list(_xlsx(at, built, "indicator-progress-download").iter_rows(values_only=True))
    assert len(cells) == 20 and list(cells[0]) == header
    labels = {str(b.key): b.label for b in at.get("download_button")}
    assert labels["indicator-progress-download-csv"] == f"Tải bảng chỉ tiêu năm {year} (CSV)"


def test_models_list_downloads_the_rows_a_filter_keeps(
        app_env: Path, built: dict[str, Callable[[], Any]]) -> None:
    at = open_page("pages/registrations.py")
    everything = len(_frame(at, "Tên mô hình", "Muộn"))
    at.selectbox(key="registrations-f-field").select("Kinh tế").run()
    assert not at.exception, at.exception
    shown = _frame(at, "Tên mô hình", "Muộn")
    assert 0 < len(shown) < everything
    assert set(shown["Lĩnh vực"]) == {"Kinh tế"}
    _assert_same_rows(at, built, "registrations-list-download", shown)


def test_member_list_downloads_the_chosen_tdp_only(
        app_env: Path, built: dict[str, Callable[[], Any]]) -> None:
    at = open_page("pages/members.py")
    at.selectbox(key="members-filter-tdp").select("Tổ dân phố 2").run()
    assert not at.exception, at.exception
    shown = _frame(at, "Họ và tên", "Tổ dân phố")
    assert len(shown) and set(shown["Tổ dân phố"]) == {"Tổ dân phố 2"}
    _assert_same_rows(at, built, "members-list-download", shown)


def test_attendance_per_person_downloads_only_those_behind_when_asked(
        app_env: Path, built: dict[str, Callable[[], Any]]) -> None:
    at = open_page("pages/meetings.py")
    at.session_state["meetings-tab"] = "Theo dõi định kỳ"
    at.run()
    everyone = len(_frame(at, "Thời gian thuộc diện", "Kỳ chưa dự"))
    at.checkbox(key="meetings-period-behind").check().run()
    assert not at.exception, at.exception
    shown = _frame(at, "Thời gian thuộc diện", "Kỳ chưa dự")
    assert 0 < len(shown) < everyone
    assert set(shown["Đánh giá"]) == {"Chưa đạt"}
    _assert_same_rows(at, built, "meetings-period-download", shown)


def test_tdp_coverage_downloads_numbers_as_numbers(
        app_env: Path, built: dict[str, Callable[[], Any]]) -> None:
    at = open_page("pages/members.py")
    sheet = _xlsx(at, built, "members-coverage-download")
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[:3] == ("Tổ dân phố", "Đề xuất", "Đã phê duyệt")
    assert rows and all(isinstance(r[2], int) for r in rows)
    assert len(_csv(at, built, "members-coverage-download")) == len(rows) + 1


# --- formula-looking text stays text -----------------------------------------------------------


@pytest.mark.parametrize(("page", "key", "column"), [
    ("pages/registrations.py", "registrations-missing-download", "Tên đơn vị"),
    (None, "dashboard-don-vi-chua-dang-ky-{year}", "Đơn vị"),
])
def test_a_unit_named_like_a_formula_stays_inert_in_both_files(
        formula_ward: Path, built: dict[str, Callable[[], Any]], page: str | None, key: str,
        column: str) -> None:
    at = open_page(page) if page else new_app_test().run()
    assert not at.exception, at.exception
    key = key.format(year=load_settings().year)
    shown = _frame(at, column, "Người phụ trách")
    assert FORMULA_UNIT in set(shown[column]), "the page shows the name as it was typed"
    rows = _csv(at, built, key)
    [cell] = [r[0] for r in rows if FORMULA_UNIT in r[0]]
    assert cell == "'" + FORMULA_UNIT, "a leading apostrophe keeps a spreadsheet from running it"
    assert len(rows) - 1 == len(shown)
    sheet = _xlsx(at, built, key)
    [found] = [c for row in sheet.iter_rows() for c in row if c.value == FORMULA_UNIT]
    assert found.data_type == "s", "a string cell, never a formula"
    assert found.quotePrefix


def test_a_viewer_gets_the_same_dashboard_downloads_as_an_admin(ward: Path) -> None:
    viewer = signed_in_app(*PEOPLE[Role.VIEWER])
    admin = signed_in_app(*PEOPLE[Role.ADMIN])
    assert _tables(viewer) and _tables(viewer) == _tables(admin)
