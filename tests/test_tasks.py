"""Tasks and core-force reports: deadline days, lists, counts, the seeds' tasks in the demo."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from services import clock, records, tasks
from services import dashboard as board
from services.auth import Actor
from services.choices import MemberReportKind, MemberStatus, Role, TaskStatus, UnitKind
from services.dashboard import DueKind
from services.demo import generate, seed_tasks
from services.store.sql import SqlStore
from services.tasks import TaskState
from tests.conftest import clean_snapshot

TODAY = date(2026, 6, 10)
EDITOR = Actor("can.bo@phuong.vn", "Cán bộ", Role.EDITOR)


def _task(deadline: date | None = None, status: TaskStatus = TaskStatus.DANG,
          responsible: str = "Khối Dân vận Đảng ủy", **extra: Any) -> dict[str, Any]:
    done = {"done_on": extra.pop("done_on", deadline or TODAY)} if status == TaskStatus.XONG else {}
    return {"source": "Kế hoạch số 48-KH/ĐU", "content": extra.pop("content", "Nhiệm vụ"),
            "responsible": responsible, "deadline": deadline, "status": status, **done, **extra}


# --- the deadline day ----------------------------------------------------------------------


@pytest.mark.parametrize(("offset", "overdue", "due_soon", "state"), [
    (1, False, True, TaskState.SAP_DEN_HAN),  # tomorrow
    (0, False, True, TaskState.SAP_DEN_HAN),  # the deadline day itself is still on time
    (-1, True, False, TaskState.QUA_HAN),  # the day after the deadline
    (14, False, True, TaskState.SAP_DEN_HAN),  # the last day of the horizon
    (15, False, False, TaskState.TRONG_HAN),  # beyond it
])
def test_deadline_day_is_the_last_day_on_time(offset: int, overdue: bool, due_soon: bool,
                                               state: TaskState) -> None:
    task = _task(TODAY + timedelta(days=offset))
    assert tasks.is_overdue(task, TODAY) is overdue
    assert tasks.is_due_soon(task, TODAY) is due_soon
    assert tasks.state(task, TODAY) == state
    assert tasks.days_left(task, TODAY) == offset


def test_deadline_text_says_today_is_the_last_day_and_how_long_ago_it_passed() -> None:
    assert tasks.deadline_text(_task(TODAY), TODAY) == "10/06/2026 · hôm nay là hạn cuối"
    assert tasks.deadline_text(_task(TODAY - timedelta(days=3)), TODAY) == (
        "07/06/2026 · đã hết hạn (3 ngày trước)")
    assert tasks.deadline_text(_task(TODAY + timedelta(days=5)), TODAY) == (
        "15/06/2026 · còn 5 ngày")


def test_ongoing_task_without_deadline_is_never_overdue() -> None:
    task = _task(None)
    assert not tasks.is_overdue(task, date(2099, 1, 1))
    assert not tasks.is_due_soon(task, TODAY)
    assert tasks.state(task, TODAY) == TaskState.THUONG_XUYEN
    assert tasks.deadline_text(task, TODAY) == "Thường xuyên"


def test_finished_task_is_not_overdue_but_a_late_finish_is_said() -> None:
    deadline = TODAY - timedelta(days=30)
    on_time = _task(deadline, TaskStatus.XONG, done_on=deadline)
    late = _task(deadline, TaskStatus.XONG, done_on=deadline + timedelta(days=4))
    for task in (on_time, late):
        assert not tasks.is_overdue(task, TODAY)
        assert tasks.state(task, TODAY) == TaskState.HOAN_THANH
    assert not tasks.finished_late(on_time)
    assert tasks.finished_late(late)
    assert tasks.deadline_text(late, TODAY) == "11/05/2026 · hoàn thành trễ 4 ngày"


# --- lists and counts ----------------------------------------------------------------------

LIST = [
    _task(None, content="thường xuyên"),
    _task(TODAY + timedelta(days=40), content="còn lâu"),
    _task(TODAY - timedelta(days=2), content="quá hạn 2 ngày", responsible="Mặt trận phường"),
    _task(TODAY - timedelta(days=9), content="quá hạn 9 ngày"),
    _task(TODAY + timedelta(days=3), TaskStatus.CHUA, content="sắp đến hạn"),
    _task(TODAY - timedelta(days=20), TaskStatus.XONG, content="xong cũ",
          done_on=TODAY - timedelta(days=20)),
    _task(TODAY - timedelta(days=5), TaskStatus.XONG, content="xong mới",
          done_on=TODAY - timedelta(days=1), responsible="Mat tran phuong"),
]


def _contents(found: list[dict[str, Any]]) -> list[str]:
    return [t["content"] for t in found]


def test_overdue_longest_first_and_upcoming_nearest_first() -> None:
    assert _contents(tasks.overdue_tasks(LIST, TODAY)) == ["quá hạn 9 ngày", "quá hạn 2 ngày"]
    assert _contents(tasks.upcoming_tasks(LIST, TODAY)) == ["sắp đến hạn"]


def test_sort_puts_overdue_first_then_by_deadline_then_ongoing_then_finished() -> None:
    assert _contents(tasks.sort_tasks(LIST, TODAY)) == [
        "quá hạn 9 ngày", "quá hạn 2 ngày", "sắp đến hạn", "còn lâu", "thường xuyên",
        "xong mới", "xong cũ"]


def test_filter_by_status_by_body_accents_aside_and_overdue() -> None:
    assert _contents(tasks.filter_tasks(LIST, TODAY, statuses=[TaskStatus.CHUA])) == [
        "sắp đến hạn"]
    assert _contents(tasks.filter_tasks(LIST, TODAY, responsible="Mặt trận phường")) == [
        "quá hạn 2 ngày", "xong mới"]
    assert _contents(tasks.filter_tasks(LIST, TODAY, overdue_only=True)) == [
        "quá hạn 2 ngày", "quá hạn 9 ngày"]
    assert len(tasks.filter_tasks(LIST, TODAY)) == len(LIST)


def test_counts_per_status_keep_zeros_and_per_body_merge_spellings() -> None:
    assert tasks.status_counts(LIST) == {TaskStatus.CHUA: 1, TaskStatus.DANG: 4,
                                         TaskStatus.XONG: 2}
    assert tasks.status_counts([]) == dict.fromkeys(TaskStatus, 0)
    assert tasks.responsible_bodies(LIST) == ["Khối Dân vận Đảng ủy", "Mặt trận phường"]
    counts = {c.body: (c.total, c.done, c.open, c.overdue)
              for c in tasks.responsible_counts(LIST, TODAY)}
    assert counts == {"Khối Dân vận Đảng ủy": (5, 1, 4, 1), "Mặt trận phường": (2, 1, 1, 1)}
    frame = tasks.responsible_frame(tasks.responsible_counts(LIST, TODAY))
    assert list(frame.columns) == list(tasks.BODY_HEADERS)


def test_dashboard_due_list_has_overdue_and_upcoming_tasks_not_ongoing_or_finished() -> None:
    snapshot = clean_snapshot(tasks=LIST)
    items = [i for i in board.due_items(snapshot, 2026, TODAY) if i.kind == DueKind.NHIEM_VU]
    assert [(i.days_left, i.who) for i in items] == [
        (-9, "Khối Dân vận Đảng ủy"), (-2, "Mặt trận phường"), (3, "Khối Dân vận Đảng ủy")]
    assert items[0].status == "Quá hạn 9 ngày"
    view = board.build_tasks(snapshot, TODAY)
    assert (view.tasks, view.overdue_tasks, view.due_soon_tasks) == (7, 2, 1)


# --- saving through the schema -------------------------------------------------------------


def test_task_without_responsible_body_is_refused_naming_the_column(
    sql_store: SqlStore,
) -> None:
    result = records.create(sql_store, sql_store.snapshot(), "tasks",
                            {"source": "Kế hoạch số 48-KH/ĐU", "content": "Nhiệm vụ",
                             "status": TaskStatus.XONG}, EDITOR)
    assert not result.ok
    text = " ".join(result.messages())
    assert "Cơ quan chủ trì: bắt buộc" in text
    assert "Ngày hoàn thành" in text and "bắt buộc khi nhiệm vụ đã hoàn thành" in text
    assert not sql_store.snapshot()["tasks"].records


def test_task_is_saved_and_read_back_from_the_store(sql_store: SqlStore) -> None:
    result = records.create(sql_store, sql_store.snapshot(), "tasks",
                            {"source": "Kế hoạch số 48-KH/ĐU", "content": "Báo cáo năm",
                             "responsible": "Khối Dân vận Đảng ủy", "deadline": "7/4/2026",
                             "status": TaskStatus.CHUA}, EDITOR)
    assert result.ok, result.messages()
    [stored] = sql_store.snapshot()["tasks"].records
    assert stored["deadline"] == date(2026, 4, 7)
    assert tasks.is_overdue(stored, date(2026, 4, 8))


# --- the core force's reports --------------------------------------------------------------

UNITS = [{"name": f"Tổ dân phố {k}", "kind": UnitKind.TO_DAN_PHO} for k in (1, 2, 10)]
MEMBERS = [
    {"full_name": "Nguyễn Văn Nho", "tdp": "Tổ dân phố 1", "status": MemberStatus.DA_PHE_DUYET,
     "approval_ref": "215-QĐ/ĐU"},
    {"full_name": "Trần Thị An", "tdp": "Tổ dân phố 1", "status": MemberStatus.DE_XUAT},
    {"full_name": "Lê Văn Bình", "tdp": "Tổ dân phố 1", "status": MemberStatus.THOI_THAM_GIA},
    {"full_name": "Phạm Thị Cúc", "tdp": "Tổ dân phố 2", "status": MemberStatus.DA_PHE_DUYET,
     "approval_ref": "215-QĐ/ĐU"},
]


def _report(member: str, tdp: str, day: date, kind: MemberReportKind,
            handled_on: date | None = None, handling: str | None = None) -> dict[str, Any]:
    return {"member": member, "tdp": tdp, "report_date": day, "kind": kind,
            "content": f"{kind} ngày {day}", "handling": handling, "handled_on": handled_on}


REPORTS = [
    _report("Nguyễn Văn Nho", "Tổ dân phố 1", date(2026, 5, 2), MemberReportKind.DIEM_NONG,
            date(2026, 5, 4), "Công an phường hòa giải thành"),
    _report("Trần Thị An", "Tổ dân phố 1", date(2026, 6, 1), MemberReportKind.KIEN_NGHI,
            handling="Đã chuyển Ủy ban nhân dân phường"),
    _report("Phạm Thị Cúc", "Tổ dân phố 2", date(2026, 6, 5), MemberReportKind.DU_LUAN),
    _report("Nguyễn Văn Nho", "Tổ dân phố 1", date(2026, 4, 20), MemberReportKind.DIEM_NONG),
]


def test_reports_per_tdp_count_kinds_unhandled_and_list_groups_without_reports() -> None:
    snapshot = clean_snapshot(units=UNITS, members=MEMBERS, member_reports=REPORTS)
    rows = {r.tdp: r for r in tasks.per_tdp(snapshot["member_reports"].active(),
                                            ["Tổ dân phố 1", "Tổ dân phố 2", "Tổ dân phố 10"])}
    assert list(rows) == ["Tổ dân phố 1", "Tổ dân phố 2", "Tổ dân phố 10"]
    first = rows["Tổ dân phố 1"]
    assert (first.total, first.unhandled, first.latest) == (3, 2, date(2026, 6, 1))
    assert first.per_kind[MemberReportKind.DIEM_NONG] == 2
    assert first.per_kind[MemberReportKind.TU_TUONG] == 0
    assert (rows["Tổ dân phố 10"].total, rows["Tổ dân phố 10"].latest) == (0, None)
    frame = tasks.per_tdp_frame(list(rows.values()))
    assert list(frame.columns) == ["Tổ dân phố", *map(str, MemberReportKind), "Tổng",
                                   "Chưa xử lý", "Phản ánh gần nhất"]
    assert list(frame["Phản ánh gần nhất"]) == ["01/06/2026", "05/06/2026", ""]


def test_unhandled_reports_latest_first_and_handling_under_way_is_not_handled() -> None:
    found = tasks.unhandled_reports(REPORTS)
    assert [r["report_date"] for r in found] == [date(2026, 6, 5), date(2026, 6, 1),
                                                 date(2026, 4, 20)]
    assert [tasks.handling_state(r) for r in REPORTS] == ["Đã xử lý", "Đang xử lý",
                                                         "Chưa xử lý", "Chưa xử lý"]
    assert [r["report_date"] for r in tasks.reports_of(REPORTS, "to dan pho 1")] == [
        date(2026, 6, 1), date(2026, 5, 2), date(2026, 4, 20)]


def test_member_choices_are_the_tdps_members_still_taking_part_by_given_name() -> None:
    assert tasks.members_of(MEMBERS, "Tổ dân phố 1") == ["Trần Thị An", "Nguyễn Văn Nho"]
    assert tasks.members_of(MEMBERS, "Tổ dân phố 10") == []


# --- the demo: the seeds' tasks ------------------------------------------------------------

SEED_001 = "“Dân vận khéo” Đợt 2 năm 2024, mục "
SEED_002 = "Kế hoạch số 48-KH/ĐU thực hiện Đề án số 13-ĐA/TU, mục III."


def _by_item(prefix: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for task in seed_tasks():
        if prefix in task["source"]:
            item = task["source"].split(prefix)[1].split(";")[0]
            out.setdefault(item, []).append(task)
    return out


def test_demo_has_seed_001_items_1_to_6_with_their_responsible_bodies() -> None:
    items = _by_item(SEED_001)
    assert sorted(items) == ["1", "2", "3", "4", "5", "6"]
    assert [t["responsible"] for t in items["1"]] == ["Khối Dân vận Đảng ủy"]  # "Khối vận"
    assert items["3"][0]["responsible"] == "Ủy ban Mặt trận Tổ quốc Việt Nam phường"
    assert items["3"][0]["cooperating"] == "Các tổ chức chính trị - xã hội phường"
    # Item 4 is the poverty programme of 2024; item 6's peak campaign ends on 11/6/2024.
    assert [t["deadline"] for t in items["4"]] == [date(2024, 12, 31)]
    assert items["6"][0]["deadline"] == date(2024, 6, 11)
    assert "19/05/2024" in items["6"][0]["content"]


def test_demo_has_seed_002_section_iii_ongoing_without_deadline_and_the_impossible_date() -> None:
    items = _by_item(SEED_002)
    assert sorted(items) == ["1.1", "1.2", "1.3", "1.4", "1.5", "2.1.1", "2.1.2", "2.1.3",
                             "2.2", "2.3.1", "2.3.2", "2.3.3"]
    # Agency lines after a group apply to each item of it: 1.1–1.3 share theirs.
    assert {t["responsible"] for i in ("1.1", "1.2", "1.3") for t in items[i]} == {
        "Khối Dân vận Đảng ủy"}
    assert items["2.3.3"][0]["responsible"] == "Ủy ban nhân dân phường"
    # "trước 30/02/2023": a date that does not exist; the last day of February is the deadline.
    [dated] = [t for t in items["1.2"] if t["deadline"] is not None]
    assert dated["deadline"] == date(2023, 2, 28) and "30/02/2023" in dated["content"]
    ongoing = [t for ts in items.values() for t in ts if t is not dated]
    assert all(t["deadline"] is None for t in ongoing)
    assert all("thường xuyên" in t["note"] for t in ongoing)


def test_demo_tasks_and_reports_are_valid_with_done_overdue_upcoming_and_every_kind() -> None:
    data = generate(seed=2024, year=TODAY.year)
    snapshot = clean_snapshot(**{k: data[k] for k in ("units", "members", "tasks",
                                                      "member_reports")})
    found, today = snapshot["tasks"].active(), clock.today()
    assert len(found) == len(data["tasks"])
    assert any(tasks.is_done(t) for t in found)
    assert tasks.overdue_tasks(found, today)
    assert tasks.upcoming_tasks(found, today)
    reports = snapshot["member_reports"].active()
    assert len(reports) == len(data["member_reports"])
    assert {r["kind"] for r in reports} == set(MemberReportKind)
    assert any(tasks.is_handled(r) for r in reports)
    assert tasks.unhandled_reports(reports)
    members = snapshot["members"].active()
    for report in reports:
        assert report["member"] in tasks.members_of(members, report["tdp"])
    per_tdp = {m["tdp"] for m in members}
    assert {r["tdp"] for r in reports} == per_tdp  # every group with a core force reports
