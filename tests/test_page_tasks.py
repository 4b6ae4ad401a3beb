"""The tasks page: add a task, refuse one naming the fields, filter the list, the empty state."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from services import tasks
from services.choices import TaskStatus
from services.clock import today
from services.navigation import SCREENS
from services.store.sql import SqlStore
from tests.conftest import click, open_page
from tests.rendered import texts

PAGE = "pages/tasks.py"


@pytest.fixture
def app(app_env: Path) -> AppTest:
    return open_page(PAGE)


def _store(app_env: Path) -> SqlStore:
    return SqlStore(f"sqlite:///{app_env}")


def _contents(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["Nội dung nhiệm vụ"])


def test_page_is_under_nghiep_vu_for_editors() -> None:
    [screen] = [s for s in SCREENS if s.path == PAGE]
    assert (screen.title, screen.section, str(screen.role)) == ("Nhiệm vụ", "Nghiệp vụ",
                                                                "Biên tập")


def test_new_task_is_saved_listed_and_said_with_its_deadline(app: AppTest,
                                                             app_env: Path) -> None:
    deadline = today() + timedelta(days=5)
    app.text_input(key="tasks-add::0::source").input("Công văn số 12-CV/ĐU")
    app.text_area(key="tasks-add::0::content").input("Tổng hợp ý kiến nhân dân quý IV")
    app.text_input(key="tasks-add::0::responsible").input("Khối Dân vận Đảng ủy")
    app.text_input(key="tasks-add::0::deadline").input(f"{deadline:%d/%m/%Y}")
    click(app, "Lưu")
    assert (f"Đã lưu nhiệm vụ của Khối Dân vận Đảng ủy: hạn hoàn thành "
            f"{deadline:%d/%m/%Y}.") in texts(app.success)
    [saved] = [t for t in _store(app_env).snapshot()["tasks"].records
               if t["content"] == "Tổng hợp ý kiến nhân dân quý IV"]
    assert (saved["deadline"], saved["status"]) == (deadline, TaskStatus.CHUA)
    assert "Tổng hợp ý kiến nhân dân quý IV" in _contents(app)
    assert app.text_input(key="tasks-add::1::source").value == ""  # a fresh form


def test_task_without_source_and_body_names_both_fields_and_saves_nothing(
    app: AppTest, app_env: Path
) -> None:
    before = len(_store(app_env).snapshot()["tasks"].records)
    app.text_area(key="tasks-add::0::content").input("Nhiệm vụ chưa đủ thông tin")
    app.selectbox(key="tasks-add::0::status").select(TaskStatus.XONG)
    click(app, "Lưu")
    errors = " ".join(texts(app.error))
    assert "Văn bản giao: bắt buộc" in errors
    assert "Cơ quan chủ trì: bắt buộc" in errors
    assert "Ngày hoàn thành" in errors and "bắt buộc khi nhiệm vụ đã hoàn thành" in errors
    assert app.text_area(key="tasks-add::0::content").value == "Nhiệm vụ chưa đủ thông tin"
    assert len(_store(app_env).snapshot()["tasks"].records) == before


def test_list_puts_overdue_first_and_filters_overdue_status_and_body(app: AppTest,
                                                                     app_env: Path) -> None:
    records = _store(app_env).snapshot()["tasks"].active()
    overdue = tasks.overdue_tasks(records, today())
    assert overdue, "the demo ward has an overdue task (seed 001, item 4)"
    assert _contents(app)[0] == overdue[0]["content"]
    assert app.dataframe[0].value["Tình hình"].iloc[0] == "Quá hạn"
    assert any("nhiệm vụ quá hạn chưa hoàn thành" in w for w in texts(app.warning))

    app.toggle(key="tasks-f-overdue").set_value(True).run()
    assert sorted(_contents(app)) == sorted(t["content"] for t in overdue)

    app.toggle(key="tasks-f-overdue").set_value(False).run()
    app.multiselect(key="tasks-f-status").select(TaskStatus.XONG).run()
    assert set(app.dataframe[0].value["Tình trạng"]) == {TaskStatus.XONG.value}

    app.multiselect(key="tasks-f-status").unselect(TaskStatus.XONG).run()
    app.selectbox(key="tasks-f-body").select("Ủy ban nhân dân phường").run()
    assert set(app.dataframe[0].value["Cơ quan chủ trì"]) == {"Ủy ban nhân dân phường"}


def test_counts_per_responsible_body(app: AppTest, app_env: Path) -> None:
    records = _store(app_env).snapshot()["tasks"].active()
    frame = app.dataframe[1].value
    assert list(frame.columns) == list(tasks.BODY_HEADERS)
    assert frame["Số nhiệm vụ"].sum() == len(records)
    assert frame["Quá hạn"].iloc[0] >= 1  # the body with overdue tasks first


def test_empty_page_says_what_to_add(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DANVAN_DEMO_DATA", "false")
    at = open_page(PAGE)
    infos = " ".join(texts(at.info))
    assert "Chưa có nhiệm vụ nào" in infos
    assert "văn bản giao, nội dung, cơ quan chủ trì và hạn hoàn thành" in infos
    assert not at.dataframe
    assert [b for b in at.button if b.label == "Lưu"]  # the form to add the first one is there


def test_dashboard_shows_overdue_tasks_and_unhandled_reports(app_env: Path) -> None:
    at = open_page("pages/dashboard.py")
    snapshot = _store(app_env).snapshot()
    metrics = {m.label: m.value for m in at.metric}
    records, reports = snapshot["tasks"].active(), snapshot["member_reports"].active()
    assert metrics["Nhiệm vụ quá hạn"] == (f"{len(tasks.overdue_tasks(records, today()))}/"
                                          f"{len(records)}")
    assert metrics["Phản ánh chưa xử lý"] == (f"{len(tasks.unhandled_reports(reports))}/"
                                             f"{len(reports)}")
    due = at.dataframe[0].value
    assert "Nhiệm vụ" in set(due["Loại"])


def test_overdue_task_marked_done_leaves_the_overdue_list(app: AppTest, app_env: Path) -> None:
    records = _store(app_env).snapshot()["tasks"].active()
    [first, *_] = tasks.overdue_tasks(records, today())
    app.session_state["tasks-table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    app.run()
    assert not app.exception, app.exception
    key = f"tasks-edit-{first['id']}::0"
    assert "Sửa nhiệm vụ" in app.subheader[0].value
    app.selectbox(key=f"{key}::status").select(TaskStatus.XONG)
    app.text_input(key=f"{key}::done_on").input(f"{today():%d/%m/%Y}")
    app.text_area(key=f"{key}::result").input("Đã báo cáo kết quả")
    click(app, "Lưu thay đổi")
    assert "Đã lưu thay đổi của nhiệm vụ." in texts(app.success)
    stored = _store(app_env).snapshot()["tasks"].by_id[first["id"]]
    assert (stored["status"], stored["done_on"]) == (TaskStatus.XONG, today())
    assert first["id"] not in {t["id"] for t in tasks.overdue_tasks(
        _store(app_env).snapshot()["tasks"].active(), today())}
