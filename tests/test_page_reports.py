"""The report page in AppTest: each kind previews on the demo ward with its downloads; editors
write the narrative, a viewer cannot; an admin edits the settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from services.choices import ReportKind, Role
from services.show import literal
from tests.conftest import open_page
from tests.test_page_roles import PEOPLE, signed_in_app
from tests.test_page_roles import ward as ward  # the fixture: demo ward, one user per role

PAGE = "pages/reports.py"


def _downloads(at: AppTest) -> list[str]:
    return [element.proto.label for element in at.get("download_button")]


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def _open_as(role: Role) -> AppTest:
    at = signed_in_app(*PEOPLE[role])
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("kind", list(ReportKind))
def test_each_kind_previews_with_the_docx_and_table_downloads(app_env: Path,
                                                              kind: ReportKind) -> None:
    at = open_page(PAGE)
    at.selectbox(key="report-kind").select(kind).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Báo cáo"
    text = _markdown(at)
    assert "**BÁO CÁO**" in text and "I\\. KẾT QUẢ THỰC HIỆN" in text
    downloads = _downloads(at)
    assert downloads[0] == "Tải báo cáo (DOCX)"
    tables = len(at.dataframe)
    assert tables >= 1
    assert downloads.count("Tải bảng (CSV)") == downloads.count("Tải bảng (Excel)") == tables


def test_editor_narrative_shows_in_the_preview(app_env: Path) -> None:
    at = open_page(PAGE)
    at.selectbox(key="report-kind").select(ReportKind.NONG_COT).run()
    area = next(a for a in at.text_area if a.label == "Đánh giá chung")
    area.input("Các tổ dân phố đã kiện toàn *lực lượng*.").run()
    assert not at.exception, at.exception
    # Typed text is shown as typed, never as Markdown.
    assert "Các tổ dân phố đã kiện toàn \\*lực lượng\\*\\." in _markdown(at)


def test_monthly_compilation_and_a_campaign_phase_can_be_chosen(app_env: Path) -> None:
    at = open_page(PAGE)
    at.selectbox(key="report-kind").select(ReportKind.SINH_HOAT).run()
    at.selectbox(key="report-month").select(1).run()
    assert not at.exception, at.exception
    assert literal("dân cư tháng 1/") in _markdown(at)
    at.selectbox(key="report-kind").select(ReportKind.DAN_VAN_KHEO).run()
    phase = at.selectbox(key="report-campaign").options[-1]
    at.selectbox(key="report-campaign").select(phase).run()
    assert not at.exception, at.exception
    assert literal(phase) in _markdown(at)


def test_viewer_sees_figures_and_downloads_but_no_narrative_or_settings(ward: Path) -> None:
    at = _open_as(Role.VIEWER)
    assert not at.text_area
    assert "Tải báo cáo (DOCX)" in _downloads(at)
    assert "Tải bảng (Excel)" in _downloads(at)
    assert not [e for e in at.expander if "Thiết lập" in e.label]
    assert any("Tài khoản chỉ xem" in i.value for i in at.info)


def test_editor_writes_narrative_but_only_an_admin_sets_the_letterhead(ward: Path) -> None:
    editor = _open_as(Role.EDITOR)
    assert len(editor.text_area) == 3
    assert not [e for e in editor.expander if "Thiết lập báo cáo" in e.label]
    admin = _open_as(Role.ADMIN)
    assert [e for e in admin.expander if "Thiết lập báo cáo" in e.label]
    assert any(t.value == "ĐẢNG BỘ TỈNH QUẢNG NGÃI" for t in admin.text_input)
