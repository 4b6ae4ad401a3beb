"""The export page: renders on the demo ward and an empty store, offers what the role may read."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from services.auth import readable_sheets
from services.choices import Role
from services.export import sheet_title
from services.schema import SHEETS
from tests.conftest import open_page
from tests.test_page_roles import PEOPLE, signed_in_app
from tests.test_page_roles import ward as ward  # the fixture: demo ward, one user per role

PAGE = "pages/export.py"
XLSX_STATE = "export-xlsx-built"
IN_SNAPSHOT = [key for key, sheet in SHEETS.items() if sheet.in_snapshot]


def _open() -> AppTest:
    """Open the export page through the app's navigation, as the local admin (no sign-in)."""
    return open_page(PAGE)


def _open_as(role: Role) -> AppTest:
    """Open the export page signed in with this role."""
    at = signed_in_app(*PEOPLE[role])
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _downloads(at: AppTest) -> dict[str, str]:
    """Return the download buttons on the page as {key suffix: label}."""
    found = {}
    for element in at.get("download_button"):
        proto = element.proto
        found[proto.id.rsplit("-export-", 1)[-1]] = proto.label
    return found


def _csv_sheets(at: AppTest) -> set[str]:
    return {k.removeprefix("csv-") for k in _downloads(at) if k.startswith("csv-")}


def _links(at: AppTest) -> list[str]:
    return [link.proto.label for link in at.get("page_link")]


def _text(at: AppTest) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def _workbook(at: AppTest) -> openpyxl.Workbook:
    """Build the workbook on the page and return it as the download would give it."""
    at.button(key="export-build-xlsx").click().run()
    assert not at.exception, at.exception
    assert _downloads(at)["xlsx"] == "Tải tệp Excel (.xlsx)"
    return openpyxl.load_workbook(io.BytesIO(at.session_state[XLSX_STATE][-1]), read_only=True)


def _titles(keys: list[str]) -> list[str]:
    return [sheet_title(SHEETS[k].title) for k in keys]


def test_demo_ward_shows_a_csv_download_per_sheet_and_the_counts(app_env: Path) -> None:
    at = _open()
    assert at.title[0].value == "Xuất dữ liệu"
    downloads = _downloads(at)
    assert _csv_sheets(at) == set(IN_SNAPSHOT)  # the local user is an admin
    assert all(downloads[f"csv-{key}"] == "Tải CSV" for key in IN_SNAPSHOT)
    text = _text(at)
    assert all(f"**{SHEETS[key].title}**" in text for key in IN_SNAPSHOT)
    assert "**Lực lượng nòng cốt** · 0 dòng" not in text
    assert "UTF-8 có BOM" in text and "2024-04-07" in text and "53.8" in text
    assert "dấu nháy đơn" in text


def test_sheets_outside_the_snapshot_are_not_offered_as_empty_files_but_linked(
        app_env: Path) -> None:
    # The audit trail and the outside changes are read on their own pages, never with the
    # snapshot: a CSV from the snapshot would be a header with no rows, whatever they hold.
    at = _open()
    text = _text(at)
    for key in ("audit", "outside"):
        assert not SHEETS[key].in_snapshot
        assert key not in _csv_sheets(at)
        assert f"**{SHEETS[key].title}**" not in text
    assert _links(at) == [
        "Nhật ký thay đổi: xem, lọc và tải CSV trên trang “Nhật ký thay đổi”",
        "Thay đổi ngoài ứng dụng: xem và đánh dấu đã xem trên trang “Chất lượng dữ liệu”",
    ]


def test_excel_workbook_is_built_on_request_then_offered(app_env: Path) -> None:
    at = _open()
    assert "xlsx" not in _downloads(at), "the workbook is not built on every rerun"
    book = _workbook(at)
    assert book.sheetnames == _titles(IN_SNAPSHOT)
    assert not [b for b in at.button if b.key == "export-build-xlsx"]
    at.run()  # a rerun keeps the workbook already built for this snapshot
    assert not at.exception and "xlsx" in _downloads(at)


def test_empty_store_still_offers_header_only_files(app_env: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DANVAN_DEMO_DATA", "0")
    at = _open()
    assert _csv_sheets(at) == set(IN_SNAPSHOT)
    text = _text(at)
    assert "**Dự sinh hoạt chi bộ** · 0 dòng" in text
    assert "Bảng chưa có dữ liệu: tệp chỉ có dòng tiêu đề." in text
    assert _workbook(at).sheetnames == _titles(IN_SNAPSHOT)


# --- what each role may download -----------------------------------------------------------

DATA = ["units", "campaigns", "registrations", "members", "meetings", "attendees", "visit_plan",
        "tasks", "member_reports", "indicators", "indicator_values", "report_settings"]


@pytest.mark.parametrize(("role", "sheets", "links"), [
    (Role.VIEWER, DATA, []),
    (Role.EDITOR, DATA, ["Thay đổi ngoài ứng dụng"]),
    (Role.ADMIN, [*DATA, "users"], ["Nhật ký thay đổi", "Thay đổi ngoài ứng dụng"]),
])
def test_each_role_downloads_only_the_sheets_it_may_read(
        ward: Path, role: Role, sheets: list[str], links: list[str]) -> None:
    at = _open_as(role)
    assert _csv_sheets(at) == set(sheets)
    assert [label.split(":")[0] for label in _links(at)] == links
    book = _workbook(at)
    assert book.sheetnames == _titles(sheets)
    assert sheets == [k for k in readable_sheets(role) if SHEETS[k].in_snapshot]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR])
def test_users_emails_and_roles_reach_no_download_below_admin(ward: Path, role: Role) -> None:
    at = _open_as(role)
    assert "users" not in _csv_sheets(at) and "audit" not in _csv_sheets(at)
    assert "**Người dùng**" not in _text(at)
    book = _workbook(at)
    cells = {str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
             for v in row if v is not None}
    assert not {email for email, _ in PEOPLE.values()} & {c.lower() for c in cells}
    assert "Người dùng" not in book.sheetnames


def test_workbook_built_by_an_admin_is_not_offered_to_the_same_session_as_a_viewer(
        ward: Path) -> None:
    at = _open_as(Role.ADMIN)
    assert "Người dùng" in _workbook(at).sheetnames
    email, name = PEOPLE[Role.VIEWER]
    at.user = {"is_logged_in": True, "email": email, "name": name}
    at.run()
    assert not at.exception, at.exception
    assert "xlsx" not in _downloads(at), "an admin's workbook must be built again, without users"
    assert "Người dùng" not in _workbook(at).sheetnames
