"""The "Dân vận khéo" page: register, refuse naming the field, move along, conflicts, compliance."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from services.choices import ModelOrigin, UnitKind
from services.choices import RegistrationStatus as S
from services.clock import today
from services.reference import CRITERIA
from services.schema import Record
from services.store.base import WRITE_UNKNOWN, WriteUnknown
from services.store.sql import SqlStore
from services.text import fold
from tests.conftest import click, open_page
from tests.rendered import rendered

ADD = "registrations-add::0::"
PICK = "registrations-pick"


@pytest.fixture
def app(app_env: Path) -> AppTest:
    return open_page("pages/registrations.py")


def store(app_env: Path) -> SqlStore:
    return SqlStore(f"sqlite:///{app_env}")


def registrations(app_env: Path) -> list[Record]:
    return store(app_env).snapshot()["registrations"].records


def tab(at: AppTest, label: str) -> Any:
    return next(t for t in at.tabs if t.label == label)


def frame_with(at: AppTest, header: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if header in d.value.columns)


def errors(at: AppTest) -> str:
    return " ".join(rendered(e.value) for e in at.error)


def pick(at: AppTest, record_id: str) -> AppTest:
    """Choose a model to edit the keyboard way (AppTest cannot click a dataframe row)."""
    at.selectbox(key=PICK).select(record_id).run()
    assert not at.exception, at.exception
    return at


def one_with_status(app_env: Path, *statuses: S) -> Record:
    year = today().year
    return next(r for r in registrations(app_env)
                if r["status"] in statuses and str(year) in r["campaign"] and not r["archived"])


def test_valid_registration_is_saved_listed_and_stored(app: AppTest, app_env: Path) -> None:
    app.selectbox(key=ADD + "unit").select("Tổ dân phố 1")
    app.selectbox(key=ADD + "field").select("Văn hóa - xã hội")
    app.text_input(key=ADD + "model_name").input("Thư viện sách ở nhà văn hóa Tổ dân phố 1")
    click(app, "Đăng ký mô hình")
    assert "Đã đăng ký mô hình" in " ".join(rendered(s.value) for s in app.success)
    [saved] = [r for r in registrations(app_env)
               if r["model_name"] == "Thư viện sách ở nhà văn hóa Tổ dân phố 1"]
    # Status is set, not asked; the campaign defaults to one of the working year's.
    assert saved["status"] == S.DANG_KY and saved["registered_on"] == today()
    assert str(today().year) in saved["campaign"]
    assert "Thư viện sách ở nhà văn hóa Tổ dân phố 1" in set(frame_with(app, "Tên mô hình")
                                                              ["Tên mô hình"])
    # A fresh, empty form for the next unit.
    assert app.text_input(key="registrations-add::1::model_name").value == ""


def test_individual_model_without_person_names_the_field_and_keeps_input(
    app: AppTest, app_env: Path
) -> None:
    before = len(registrations(app_env))
    app.selectbox(key=ADD + "unit").select("Tổ dân phố 2")
    app.selectbox(key=ADD + "kind").select("Cá nhân")
    app.selectbox(key=ADD + "field").select("Kinh tế")
    app.text_input(key=ADD + "model_name").input("Đảng viên tiên phong hiến đất làm đường")
    click(app, "Đăng ký mô hình")
    assert "Họ tên cá nhân" in errors(app)
    assert not app.success
    assert len(registrations(app_env)) == before
    assert app.text_input(key=ADD + "model_name").value == "Đảng viên tiên phong hiến đất làm đường"


def test_registration_whose_answer_was_lost_before_writing_is_checked_then_saved_once(
    app: AppTest, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = SqlStore.append
    calls: list[int] = []

    def append(self: SqlStore, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise WriteUnknown(WRITE_UNKNOWN)  # nothing written, and nobody knows
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SqlStore, "append", append)
    name = "Thư viện sách ở nhà văn hóa Tổ dân phố 1"
    app.selectbox(key=ADD + "unit").select("Tổ dân phố 1")
    app.selectbox(key=ADD + "field").select("Văn hóa - xã hội")
    app.text_input(key=ADD + "model_name").input(name)
    click(app, "Đăng ký mô hình")
    assert "có thể đã lưu" in " ".join(rendered(w.value) for w in app.warning)
    assert "Hãy sửa" not in errors(app)
    click(app, "Kiểm tra đã lưu chưa")
    assert ("Chưa lưu: bấm “Đăng ký mô hình” để lưu lại; sẽ không tạo dòng trùng."
            in [rendered(i.value) for i in app.info])
    assert app.text_input(key=ADD + "model_name").value == name
    click(app, "Đăng ký mô hình")
    assert "Đã đăng ký mô hình" in " ".join(rendered(s.value) for s in app.success)
    assert len([r for r in registrations(app_env) if r["model_name"] == name]) == 1


def test_search_without_diacritics_finds_the_model(app: AppTest) -> None:
    before = frame_with(app, "Tên mô hình")
    name = before["Tên mô hình"].iloc[0]
    query = fold(name)
    assert query != name.lower()  # the name has diacritics the query lacks
    app.text_input(key="registrations-search").input(query).run()
    after = frame_with(app, "Tên mô hình")
    assert name in set(after["Tên mô hình"]) and len(after) < len(before)


def test_edit_of_a_record_changed_meanwhile_is_refused(app: AppTest, app_env: Path) -> None:
    record = one_with_status(app_env, S.DANG_KY, S.DANG_THUC_HIEN)
    pick(app, record["id"])
    # Someone else renames it (say, straight in the sheet) after the page has loaded it.
    store(app_env).update("registrations", record["id"], {"model_name": "Đổi bởi người khác"},
                          record, "nguoi.khac@example.com")
    app.text_input(key=f"registrations-edit-{record['id']}::0::model_name").input("Tên của tôi")
    click(app, "Lưu thay đổi")
    assert "đã được người khác sửa" in errors(app)
    assert not app.success
    current = store(app_env).snapshot()["registrations"].by_id[record["id"]]
    assert current["model_name"] == "Đổi bởi người khác"


def test_reporting_results_moves_the_model_and_records_date_and_text(
    app: AppTest, app_env: Path
) -> None:
    record = one_with_status(app_env, S.DANG_THUC_HIEN)
    pick(app, record["id"])
    app.radio(key=f"registrations-step-{record['id']}-{record['status']}").set_value(
        S.DA_BAO_CAO).run()
    form = f"registrations-move-{record['id']}-2::0::"
    reported = max(record["registered_on"], today() - timedelta(days=1))
    app.text_input(key=form + "reported_on").input(f"{reported:%d/%m/%Y}")
    app.text_area(key=form + "result").input("Vận động 45 hộ tham gia, 100% hộ phân loại rác.")
    click(app, "Báo cáo kết quả")
    assert "Đã chuyển mô hình" in " ".join(rendered(s.value) for s in app.success)
    saved = store(app_env).snapshot()["registrations"].by_id[record["id"]]
    assert saved["status"] == S.DA_BAO_CAO and saved["reported_on"] == reported
    assert saved["result"] == "Vận động 45 hộ tham gia, 100% hộ phân loại rác."


def test_reporting_without_results_names_the_field_and_saves_nothing(
    app: AppTest, app_env: Path
) -> None:
    record = one_with_status(app_env, S.DANG_THUC_HIEN)
    pick(app, record["id"])
    app.radio(key=f"registrations-step-{record['id']}-{record['status']}").set_value(
        S.DA_BAO_CAO).run()
    click(app, "Báo cáo kết quả")
    assert "Kết quả thực hiện" in errors(app)
    assert store(app_env).snapshot()["registrations"].by_id[record["id"]]["status"] == record[
        "status"]


def test_recognising_records_level_and_criteria(app: AppTest, app_env: Path) -> None:
    record = one_with_status(app_env, S.DA_BAO_CAO)
    pick(app, record["id"])
    app.radio(key=f"registrations-step-{record['id']}-{record['status']}").set_value(
        S.CONG_NHAN).run()
    form = f"registrations-move-{record['id']}-3::0::"
    app.selectbox(key=form + "recognition").select("Cấp huyện")
    for criterion in CRITERIA:
        app.checkbox(key=form + criterion.key).check()
    click(app, "Đánh giá: được công nhận")
    saved = store(app_env).snapshot()["registrations"].by_id[record["id"]]
    assert saved["status"] == S.CONG_NHAN and saved["recognition"] == "Cấp huyện"
    assert all(saved[c.key] is True for c in CRITERIA)


def test_recognising_without_every_criterion_names_the_unmet_ones_and_keeps_input(
    app: AppTest, app_env: Path
) -> None:
    record = one_with_status(app_env, S.DA_BAO_CAO)
    pick(app, record["id"])
    app.radio(key=f"registrations-step-{record['id']}-{record['status']}").set_value(
        S.CONG_NHAN).run()
    form = f"registrations-move-{record['id']}-3::0::"
    app.selectbox(key=form + "recognition").select("Cấp huyện")
    for criterion in CRITERIA[:3]:
        app.checkbox(key=form + criterion.key).check()
    click(app, "Đánh giá: được công nhận")
    message = errors(app)
    assert "Trạng thái: chỉ công nhận mô hình đáp ứng đủ các tiêu chí đánh giá" in message
    assert CRITERIA[3].short in message and CRITERIA[4].short in message
    assert CRITERIA[0].short not in message
    assert store(app_env).snapshot()["registrations"].by_id[record["id"]]["status"] == (
        S.DA_BAO_CAO)
    # What was chosen stays, to tick the rest or change the verdict.
    assert app.selectbox(key=form + "recognition").value == "Cấp huyện"
    assert [app.checkbox(key=form + c.key).value for c in CRITERIA] == [True] * 3 + [False] * 2


def test_not_registered_tab_lists_a_unit_without_registration(app: AppTest,
                                                              app_env: Path) -> None:
    store(app_env).append("units", [{"name": "Tổ dân phố 99", "kind": UnitKind.TO_DAN_PHO,
                                     "must_register": True}], "test")
    click(app, "Tải lại dữ liệu")
    listed = set(tab(app, "Chưa đăng ký").dataframe[0].value["Tên đơn vị"])
    assert "Tổ dân phố 99" in listed
    registered = one_with_status(app_env, *S)["unit"]
    assert registered not in listed


def test_overdue_tab_lists_a_model_past_its_campaigns_report_deadline(
    app: AppTest, app_env: Path
) -> None:
    day = today()
    s = store(app_env)
    # "Báo cáo trước ngày hôm nay": yesterday was the last day.
    s.append("campaigns", [{"name": "Đợt thử nghiệm", "year": day.year,
                            "register_by": day - timedelta(days=10),
                            "report_by": day}], "test")
    s.append("registrations", [{"campaign": "Đợt thử nghiệm", "unit": "Tổ dân phố 1",
                                "kind": "Tập thể", "field": "Kinh tế",
                                "model_name": "Mô hình chưa báo cáo", "status": S.DANG_KY,
                                "registered_on": day - timedelta(days=20)}], "test")
    click(app, "Tải lại dữ liệu")
    frame = tab(app, "Quá hạn báo cáo").dataframe[0].value
    row = frame[frame["Tên mô hình"] == "Mô hình chưa báo cáo"]
    assert list(row["Số ngày quá hạn"]) == [1]


def test_page_without_a_campaign_for_the_year_says_where_to_open_one(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DANVAN_DEMO_DATA", "false")  # a new ward: no units, no campaigns yet
    at = open_page("pages/registrations.py")
    year = today().year
    infos = " ".join(rendered(i.value) for i in at.info)
    assert f"Chưa có đợt thi đua “Dân vận khéo” nào của năm {year}" in infos
    assert "Chưa có mô hình nào được đăng ký" in infos
    assert any(link.proto.page == "campaigns" for link in at.get("page_link"))
    assert not at.get("form")  # nothing to register for yet


def _trial_campaign(app_env: Path, register_by: Any, report_by: Any) -> None:
    store(app_env).append("campaigns", [{"name": "Đợt thử nghiệm", "year": today().year,
                                         "register_by": register_by, "report_by": report_by}],
                          "test")


def test_registration_on_the_day_named_in_truoc_ngay_is_marked_late_in_words(
    app: AppTest, app_env: Path
) -> None:
    day = today()
    _trial_campaign(app_env, day, day + timedelta(days=60))  # "đăng ký trước ngày hôm nay"
    store(app_env).append("registrations", [{
        "campaign": "Đợt thử nghiệm", "unit": "Tổ dân phố 1", "kind": "Tập thể",
        "field": "Kinh tế", "model_name": "Mô hình đăng ký đúng ngày hạn", "status": S.DANG_KY,
        "registered_on": day}], "test")
    click(app, "Tải lại dữ liệu")
    listed = frame_with(app, "Muộn")
    row = listed[listed["Tên mô hình"] == "Mô hình đăng ký đúng ngày hạn"]
    assert list(row["Muộn"]) == ["Đăng ký muộn 1 ngày"]
    on_time = listed[listed["Tên mô hình"] != "Mô hình đăng ký đúng ngày hạn"]
    assert "" in set(on_time["Muộn"])  # rows on time say nothing
    late = tab(app, "Đăng ký, báo cáo muộn")
    frame = next(d.value for d in late.dataframe if "Ngày đăng ký" in d.value.columns)
    assert list(frame[frame["Tên mô hình"] == "Mô hình đăng ký đúng ngày hạn"]["Số ngày muộn"]) \
        == [1]
    # The header says the last day, the day before the one the plan names.
    last = (day - timedelta(days=1)).strftime("%d/%m/%Y")
    assert f"hạn cuối {last}" in " ".join(rendered(m.value) for m in app.markdown)


def test_results_reported_on_the_deadline_day_are_listed_as_late(app: AppTest,
                                                                 app_env: Path) -> None:
    day = today()
    _trial_campaign(app_env, day - timedelta(days=30), day)
    store(app_env).append("registrations", [{
        "campaign": "Đợt thử nghiệm", "unit": "Tổ dân phố 1", "kind": "Tập thể",
        "field": "Kinh tế", "model_name": "Mô hình báo cáo đúng ngày hạn",
        "status": S.DA_BAO_CAO, "registered_on": day - timedelta(days=40),
        "reported_on": day, "result": "Đạt"}], "test")
    click(app, "Tải lại dữ liệu")
    late = tab(app, "Đăng ký, báo cáo muộn")
    frame = next(d.value for d in late.dataframe if "Ngày báo cáo kết quả" in d.value.columns)
    row = frame[frame["Tên mô hình"] == "Mô hình báo cáo đúng ngày hạn"]
    assert list(row["Số ngày muộn"]) == [1]
    listed = frame_with(app, "Muộn")
    assert list(listed[listed["Tên mô hình"] == "Mô hình báo cáo đúng ngày hạn"]["Muộn"]) == [
        "Báo cáo kết quả muộn 1 ngày"]


def test_kept_model_is_offered_last_years_model_of_the_same_unit_and_name(
    app: AppTest, app_env: Path
) -> None:
    year = today().year
    snap = store(app_env).snapshot()
    earlier = next(r for r in snap["registrations"].active()
                   if str(year - 1) in r["campaign"] and r["kind"] == "Tập thể")
    app.selectbox(key=ADD + "unit").select(earlier["unit"])
    app.selectbox(key=ADD + "field").select(earlier["field"])
    app.text_input(key=ADD + "model_name").input(fold(earlier["model_name"]).upper())
    app.selectbox(key=ADD + "origin").select(ModelOrigin.DUY_TRI)
    app.text_input(key=ADD + "address").input("Nhà văn hóa khu phố")
    click(app, "Đăng ký mô hình")
    assert "Tiếp nối mô hình" in errors(app)
    click(app, "Điền vào ô “Tiếp nối mô hình”")
    expected = f"{earlier['model_name']} ({year - 1})"
    assert app.text_input(key=ADD + "continues").value == expected
    assert app.text_input(key=ADD + "address").value == "Nhà văn hóa khu phố"  # kept
    click(app, "Đăng ký mô hình")
    assert "Đã đăng ký mô hình" in " ".join(rendered(m.value) for m in app.success)
    [saved] = [r for r in registrations(app_env) if r["continues"] == expected
               and r["origin"] == ModelOrigin.DUY_TRI and r["address"] == "Nhà văn hóa khu phố"]
    assert str(year) in saved["campaign"]
    listed = frame_with(app, "Tiếp nối mô hình")
    assert expected in set(listed["Tiếp nối mô hình"])
