"""The dashboard page in AppTest: the demo ward, an empty store, rows left out, a leader's view."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from services.auth import Actor
from services.bootstrap import fill
from services.choices import Role
from services.config import load_settings
from services.store.sql import SqlStore
from tests.conftest import click, new_app_test

COMMITTEE = "Đảng ủy phường Phố Hòa"
FIGURES = {"Việc quá hạn", "Đơn vị chưa đăng ký", "Mô hình quá hạn", "Chưa dự đủ kỳ",
           "TDP chưa có danh sách"}
TABS = ["Việc cần làm", "Chỉ tiêu", "Mô hình", "Sinh hoạt chi bộ", "Nòng cốt"]


def _charts(at: AppTest) -> list[Any]:
    return list(at.get("vega_lite_chart"))


def _texts(at: AppTest) -> str:
    return " ".join(e.value for kind in (at.info, at.warning, at.success, at.caption)
                    for e in kind)


def _links(at: AppTest) -> list[str]:
    return [link.proto.label for link in at.get("page_link")]


@pytest.fixture
def demo(app_env: Path) -> AppTest:
    at = new_app_test().run()
    assert not at.exception, at.exception
    return at


def test_demo_ward_lands_on_the_dashboard_with_figures_charts_and_the_due_list(
        demo: AppTest) -> None:
    year = load_settings().year
    assert demo.title[0].value == COMMITTEE
    assert demo.caption[0].value.startswith(f"Năm {year} · đọc lúc ")
    labels = {m.label for m in demo.metric}
    assert labels >= FIGURES
    assert labels >= {f"Chỉ tiêu đạt {year - 1}", "Nhiệm vụ quá hạn", "Phản ánh chưa xử lý"}
    assert len(_charts(demo)) >= 8
    due = next(d.value for d in demo.dataframe if "Tình trạng" in d.value.columns
               and "Việc" in d.value.columns)
    assert list(due.columns) == ["Loại", "Việc", "Đơn vị/Người", "Hạn", "Tình trạng"]
    assert due["Tình trạng"].str.match(r"^(Quá hạn|Còn) [\d.]+ ngày$|^Hôm nay").all()
    # The first screen: one heading, the urgent work; every detail is in a tab below.
    assert [s.value for s in demo.subheader] == ["Quá hạn / sắp đến hạn"]
    assert [t.label for t in demo.tabs] == TABS


def test_first_screen_lists_the_most_overdue_work_each_with_a_link_to_its_page(
        demo: AppTest) -> None:
    due = next(d.value for d in demo.dataframe if "Tình trạng" in d.value.columns
               and "Việc" in d.value.columns)
    overdue = int(due["Tình trạng"].str.startswith("Quá hạn").sum())
    metrics = {m.label: m.value for m in demo.metric}
    assert metrics["Việc quá hạn"] == str(overdue) and overdue > 3
    # Each card says how late, by when and what kind, then the work, then a link to its page.
    urgent = [m.value for m in demo.markdown if m.value.startswith("**Quá hạn ")]
    assert len(urgent) == 3
    days = [int(u.split()[2].replace(".", "")) for u in urgent]
    assert days == sorted(days, reverse=True)  # the longest overdue first
    assert days[0] == max(int(t.split()[2].replace(".", "")) for t in due["Tình trạng"]
                          if t.startswith("Quá hạn"))
    first_kind = urgent[0].rsplit(" · ", 1)[1]
    pages = {"Nhiệm vụ": "Nhiệm vụ", "Báo cáo dự sinh hoạt": "Dự sinh hoạt chi bộ",
             "Dự sinh hoạt theo phân công": "Dự sinh hoạt chi bộ",
             "Chỉ tiêu Kế hoạch 48": "Chỉ tiêu Kế hoạch 48"}
    links = [label for label in _links(demo) if label.startswith("Xử lý ở trang ")]
    assert len(links) == 3
    assert links[0] == f"Xử lý ở trang {pages[first_kind]}"


def test_indicator_table_shows_the_year_end_figures_with_vietnamese_numbers(
        demo: AppTest) -> None:
    assert demo.selectbox(key="dashboard-indicator-year").value == load_settings().year - 1
    rows = {r["Mã"]: r for d in demo.dataframe if "Mã" in d.value.columns
            for r in d.value.to_dict("records")}
    assert len(rows) == 19
    assert rows["2.1.5"]["Giá trị"] == "53,8%" and rows["2.1.5"]["Đánh giá"] == "Chưa đạt"
    assert rows["2.1.4"]["Đánh giá"] == "Chậm tiến độ"


def test_choosing_another_year_and_indicator_redraws_without_error(demo: AppTest) -> None:
    year = load_settings().year
    demo.selectbox(key="dashboard-indicator-year").select(year - 3).run()
    assert not demo.exception, demo.exception
    demo.selectbox(key="dashboard-trend-indicator").select("2.2.2.4").run()
    assert not demo.exception, demo.exception
    assert "Dải xanh lục: khoảng chỉ tiêu." in _texts(demo)
    demo.selectbox(key="dashboard-indicator-year").select(2022).run()
    assert not demo.exception, demo.exception
    assert "Chưa có số liệu chỉ tiêu năm 2022" in _texts(demo)


def test_refresh_button_rereads_the_data(demo: AppTest) -> None:
    click(demo, "Làm mới")
    assert demo.title[0].value == COMMITTEE


def test_empty_store_shows_a_sentence_for_each_section(app_env: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DANVAN_DEMO_DATA", "0")
    at = new_app_test().run()
    assert not at.exception, at.exception
    year = load_settings().year
    text = _texts(at)
    assert f"Chưa có số liệu chỉ tiêu năm {year - 1}. Nhập ở trang Chỉ tiêu Kế hoạch 48." in text
    assert f"Chưa có đợt thi đua “Dân vận khéo” năm {year}." in text
    assert f"Năm {year} chưa có ai dự sinh hoạt chi bộ." in text
    assert "Chưa có chi bộ nào trong danh mục." in text
    assert "Chưa có tổ dân phố nào trong danh mục." in text
    assert "Nhập số liệu ở trang Chỉ tiêu Kế hoạch 48" in _links(at)
    # Indicators per group (all without figures), models by field and by status, at zero.
    assert len(_charts(at)) == 3
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Đơn vị chưa đăng ký"] == "—"
    assert metrics[f"Chỉ tiêu đạt {year - 1}"] == "—"  # none with data: none counted failed
    assert metrics["Chưa dự đủ kỳ"] == metrics["TDP chưa có danh sách"] == "—"
    # Item "1" (due 31/03/2023) is still the one overdue task.
    due = next(d.value for d in at.dataframe if "Việc" in d.value.columns)
    assert due["Loại"].tolist() == ["Chỉ tiêu Kế hoạch 48"]
    assert not [w for w in at.warning if "bị bỏ qua" in w.value]


def _bad_registration(url: str) -> None:
    """Write a registration whose field is not one of the four, straight into the database."""
    engine = sa.create_engine(url)
    table = sa.Table("registrations", sa.MetaData(), autoload_with=engine)
    with engine.begin() as connection:
        good = connection.execute(sa.select(table).limit(1)).mappings().one()
        connection.execute(table.insert().values(
            id="MH-LOI", campaign=good["campaign"], unit=good["unit"], kind=good["kind"],
            field="kinh doanh", model_name="Mô hình gõ sai lĩnh vực",
            registered_on=date(2026, 3, 1), status="Đăng ký"))
    engine.dispose()


def test_row_left_out_by_validation_is_counted_with_a_link_to_data_quality(
        app_env: Path) -> None:
    url = f"sqlite:///{app_env}"
    store = SqlStore(url)
    fill(store, demo=True, year=load_settings().year)
    store.engine.dispose()
    _bad_registration(url)
    at = new_app_test().run()
    assert not at.exception, at.exception
    [notice] = [w.value for w in at.warning if "bị bỏ qua" in w.value]
    assert notice.startswith("Có 1 dòng bị bỏ qua vì có lỗi")
    assert "Xem và sửa ở trang Chất lượng dữ liệu" in _links(at)


def test_a_leader_who_cannot_open_the_quality_page_gets_no_broken_link(
        app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    leader = Actor(email="lanhdao@example.com", name="Bí thư", role=Role.VIEWER)
    monkeypatch.setattr("services.app.current_actor", lambda: leader)
    url = f"sqlite:///{app_env}"
    store = SqlStore(url)
    fill(store, demo=True, year=load_settings().year)
    store.engine.dispose()
    _bad_registration(url)
    at = new_app_test().run()
    assert not at.exception, at.exception
    assert [w for w in at.warning if w.value.startswith("Có 1 dòng bị bỏ qua")]
    assert "Xem và sửa ở trang Chất lượng dữ liệu" not in _links(at)
    assert "Văn phòng Đảng ủy xem và sửa ở trang Chất lượng dữ liệu." in _texts(at)
