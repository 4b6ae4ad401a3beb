"""The core-force reports page: add per TDP, refuse naming the fields, the log, empty states."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from services import roster, tasks
from services.choices import MemberReportKind
from services.clock import today
from services.navigation import SCREENS
from services.store.sql import SqlStore
from tests.conftest import click, open_page
from tests.rendered import texts

PAGE = "pages/member_reports.py"
TDP = "member-reports-tdp"


@pytest.fixture
def app(app_env: Path) -> AppTest:
    return open_page(PAGE)


def _store(app_env: Path) -> SqlStore:
    return SqlStore(f"sqlite:///{app_env}")


def _links(at: AppTest) -> set[str]:
    return {link.proto.page for link in at.get("page_link")}


def test_page_is_under_nghiep_vu_for_editors() -> None:
    [screen] = [s for s in SCREENS if s.path == PAGE]
    assert (screen.title, screen.section) == ("Phản ánh của nòng cốt", "Nghiệp vụ")


def test_report_is_added_for_a_member_of_the_chosen_tdp_and_logged(app: AppTest,
                                                                    app_env: Path) -> None:
    snapshot = _store(app_env).snapshot()
    tdp = next(t for t in roster.tdp_names(snapshot)
               if tasks.members_of(snapshot["members"].active(), t))
    names = tasks.members_of(snapshot["members"].active(), tdp)
    app.selectbox(key=TDP).select(tdp).run()
    form = f"member-reports-add-{roster.tdp_names(snapshot).index(tdp)}"
    member = app.selectbox(key=f"{form}::0::member")
    assert list(member.options) == names  # only the chosen group's members
    member.select(names[0])
    app.selectbox(key=f"{form}::0::kind").select(MemberReportKind.DIEM_NONG)
    app.text_area(key=f"{form}::0::content").input("Hai hộ tranh chấp lối đi chung")
    click(app, "Lưu")
    assert (f"Đã ghi phản ánh (điểm nóng) của {names[0]}, {tdp}, ngày "
            f"{today():%d/%m/%Y}.") in texts(app.success)
    [saved] = [r for r in _store(app_env).snapshot()["member_reports"].records
               if r["content"] == "Hai hộ tranh chấp lối đi chung"]
    assert (saved["member"], saved["tdp"], saved["handled_on"]) == (names[0], tdp, None)
    log = app.dataframe[0].value
    assert log["Nội dung"].iloc[0] == "Hai hộ tranh chấp lối đi chung"  # latest first
    assert set(log["Tổ dân phố"]) == {tdp}
    assert log["Tình trạng xử lý"].iloc[0] == "Chưa xử lý"


def test_report_without_member_and_kind_names_both_fields_and_saves_nothing(
    app: AppTest, app_env: Path
) -> None:
    snapshot = _store(app_env).snapshot()
    before = len(snapshot["member_reports"].records)
    tdp = next(t for t in roster.tdp_names(snapshot)
               if tasks.members_of(snapshot["members"].active(), t))
    app.selectbox(key=TDP).select(tdp).run()
    form = f"member-reports-add-{roster.tdp_names(snapshot).index(tdp)}"
    app.text_area(key=f"{form}::0::content").input("Dư luận về giá điện")
    click(app, "Lưu")
    errors = " ".join(texts(app.error))
    assert "Thành viên nòng cốt: bắt buộc" in errors
    assert "Loại: bắt buộc" in errors
    assert app.text_area(key=f"{form}::0::content").value == "Dư luận về giá điện"
    assert len(_store(app_env).snapshot()["member_reports"].records) == before


def test_add_tab_asks_for_a_tdp_first(app: AppTest) -> None:
    assert any("Chọn tổ dân phố ở ô “Tổ dân phố” phía trên" in i for i in texts(app.info))
    assert not [s for s in app.selectbox if s.key and s.key.endswith("::member")]


def test_unhandled_only_and_per_tdp_counts(app: AppTest, app_env: Path) -> None:
    reports = _store(app_env).snapshot()["member_reports"].active()
    assert len(app.dataframe[0].value) == len(reports)
    app.toggle(key="member-reports-f-open").set_value(True).run()
    log = app.dataframe[0].value
    assert len(log) == len(tasks.unhandled_reports(reports))
    assert "Đã xử lý" not in set(log["Tình trạng xử lý"])
    per_tdp = app.dataframe[1].value
    assert per_tdp["Tổng"].sum() == len(reports)
    assert per_tdp["Chưa xử lý"].sum() == len(tasks.unhandled_reports(reports))
    assert [str(k) for k in MemberReportKind] == list(per_tdp.columns[1:5])


def test_tdp_without_members_links_to_the_members_page(app: AppTest, app_env: Path) -> None:
    snapshot = _store(app_env).snapshot()
    bare = [t for t in roster.tdp_names(snapshot)
            if not tasks.members_of(snapshot["members"].active(), t)]
    assert bare, "the demo ward has a group without a core-force list"
    app.selectbox(key=TDP).select(bare[0]).run()
    assert any("chưa có thành viên lực lượng nòng cốt nào" in i for i in texts(app.info))
    assert "members" in _links(app)


def test_new_ward_without_groups_says_where_to_add_them(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DANVAN_DEMO_DATA", "false")
    at = open_page(PAGE)
    assert any("Chưa có tổ dân phố nào" in i for i in texts(at.info))
    assert "units" in _links(at)
    assert not at.dataframe and not at.get("form")
