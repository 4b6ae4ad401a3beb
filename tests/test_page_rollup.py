"""The upper level's app (AppTest): the roll-up page, the drill-down, downloads, the report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from services import rollup as ru
from services.upper import write_demo
from tests.conftest import click, new_app_test

YEAR = 2026


@pytest.fixture(scope="module")
def demo_upper(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo(tmp_path_factory.mktemp("wards"), 3, year=YEAR)


@pytest.fixture
def upper_env(demo_upper: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DANVAN_UPPER", str(demo_upper))
    st.cache_resource.clear()
    ru.forget_shared()
    yield demo_upper
    ru.forget_shared()


def _labels(at: object) -> list[str]:
    return [b.label for b in at.get("download_button")]  # type: ignore[attr-defined]


def test_the_upper_level_sees_only_the_roll_up(upper_env: Path) -> None:
    at = new_app_test().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Ban Dân vận Tỉnh ủy Quảng Ngãi"
    headings = [s.value for s in at.subheader]
    assert headings[:5] == ["Số liệu chính", f"Chỉ tiêu Kế hoạch 48 năm {YEAR - 1}",
                            "Mô hình “Dân vận khéo”", "Dự sinh hoạt chi bộ", "Lực lượng nòng cốt"]
    figures = at.dataframe[0].value
    assert len(figures) == 3 and list(figures["Mức chưa đạt (%)"]) == sorted(
        figures["Mức chưa đạt (%)"], reverse=True)
    # A ward's pages are not part of the upper level's app: only the two roll-up pages are.
    with pytest.raises(ValueError, match=r"Known pages: \['[^']*pages/rollup.py', "
                                         r"'[^']*pages/rollup_ward.py'\]"):
        at.switch_page("pages/members.py")


def test_every_table_downloads_and_the_report_too(upper_env: Path) -> None:
    at = new_app_test().run()
    labels = _labels(at)
    for name in ("Số liệu chính", f"Chỉ tiêu năm {YEAR - 1}", "Đăng ký mô hình",
                 "Đơn vị chưa đăng ký", "Dự sinh hoạt chi bộ", "Lực lượng nòng cốt"):
        assert f"{name} (CSV)" in labels and f"{name} (Excel)" in labels, name
    assert "Tải báo cáo tổng hợp (DOCX)" in labels


def test_drill_down_shows_the_wards_own_dashboard_figures(upper_env: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    at = new_app_test().run()
    at.selectbox(key="rollup-ward").set_value("Nghĩa Thái")
    click(at, "Mở bảng điều khiển của xã, phường này")
    assert at.title[0].value == "Đảng ủy xã Nghĩa Thái"
    rolled = {m.label: m.value for m in at.metric}

    # The ward's own app on the same database: the same figures.
    from services.upper import load_upper

    ward = load_upper(upper_env).ward("Nghĩa Thái")
    monkeypatch.delenv("DANVAN_UPPER")
    monkeypatch.setenv("DANVAN_DB_URL", ward.db_url)
    monkeypatch.setenv("DANVAN_YEAR", str(YEAR))
    st.cache_resource.clear()
    own = new_app_test().run()
    assert not own.exception, own.exception
    mine = {m.label: m.value for m in own.metric}
    shared = set(rolled) & set(mine)
    assert len(shared) >= 6
    assert {k: rolled[k] for k in shared} == {k: mine[k] for k in shared}


def test_a_wrong_file_stops_the_app_with_its_message(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "upper.toml"
    bad.write_text('name = "Ban Dân vận"\nlevel = "tỉnh"\n[[wards]]\nname = "A"\nlevel = "xã"\n',
                   encoding="utf-8")
    monkeypatch.setenv("DANVAN_UPPER", str(bad))
    st.cache_resource.clear()
    ru.forget_shared()
    at = new_app_test().run()
    # Shown through `literal`: Markdown characters escaped.
    assert r"cần đúng một trong hai khóa “sheet\_key”" in at.error[0].value
