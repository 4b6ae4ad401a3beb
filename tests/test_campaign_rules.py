"""Seed 004's "Dân vận khéo" rules: "trước ngày X", late as data, new and kept models, criteria.

Cases follow Kế hoạch phát động phong trào thi đua "Dân vận khéo" năm 2024 (xã Nghĩa Thái):
"đăng ký … trước ngày 07/4/2024", "báo cáo kết quả … trước ngày 05/9/2024", "đến trước ngày
15/12/2024"; a recognised model meets the criteria of mục II.4.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services import campaign as rules
from services import clock
from services import dashboard as board
from services import records as saving
from services.auth import LOCAL_ADMIN
from services.choices import Field, ModelKind, ModelOrigin, RecognitionLevel, UnitKind
from services.choices import RegistrationStatus as S
from services.demo import generate
from services.reference import CRITERIA
from services.schema import Record
from services.store.sql import SqlStore
from services.validation import Snapshot, validate_record
from tests.conftest import clean_snapshot

Y = 2024
DOT_1 = "“Dân vận khéo” năm 2024 - Đợt 1"
LAST_YEAR = "“Dân vận khéo” năm 2023"
REGISTER_BY, REPORT_BY, END = date(2024, 4, 7), date(2024, 9, 5), date(2024, 12, 15)
ALL_CRITERIA = {c.key: True for c in CRITERIA}


def _campaigns() -> list[Record]:
    return [{"name": DOT_1, "year": Y, "register_by": REGISTER_BY, "report_by": REPORT_BY,
             "end_date": END},
            {"name": LAST_YEAR, "year": Y - 1, "register_by": date(2023, 4, 7),
             "report_by": date(2023, 9, 5)}]


def _units() -> list[Record]:
    return [{"name": n, "kind": UnitKind.TO_DAN_PHO, "must_register": True}
            for n in ("Tổ dân phố 1", "Tổ dân phố 2", "Tổ dân phố 3")]


def _model(unit: str, name: str, *, campaign: str = DOT_1, registered: date = date(2024, 3, 1),
           reported: date | None = None, status: S = S.DANG_KY, **extra: Any) -> Record:
    values: Record = {"campaign": campaign, "unit": unit, "kind": ModelKind.TAP_THE,
                      "field": Field.VAN_HOA_XA_HOI, "model_name": name,
                      "registered_on": registered, "status": status}
    if reported is not None:
        values |= {"reported_on": reported, "result": "Đạt"}
    return values | extra


def _snapshot(*models: Record) -> Snapshot:
    return clean_snapshot(units=_units(), campaigns=_campaigns(), registrations=list(models))


# --- one reading of "trước ngày X" -------------------------------------------------------------


def test_last_day_of_truoc_ngay_07_04_2024_is_06_04_2024() -> None:
    assert rules.last_day(REGISTER_BY) == date(2024, 4, 6)
    assert rules.last_day(date(2024, 3, 1)) == date(2024, 2, 29)  # leap year


@pytest.mark.parametrize(("done_on", "late", "days"), [
    (date(2024, 4, 6), False, 0),
    (date(2024, 4, 7), True, 1),  # the day named in "trước ngày" is already late
    (date(2024, 4, 10), True, 4),
])
def test_registering_on_the_day_named_in_truoc_ngay_is_late(done_on: date, late: bool,
                                                             days: int) -> None:
    assert rules.is_late(done_on, REGISTER_BY) is late
    assert rules.days_late(done_on, REGISTER_BY) == days


@pytest.mark.parametrize(("today", "is_open"), [(date(2024, 4, 6), True),
                                                 (date(2024, 4, 7), False)])
def test_registration_closes_when_the_day_named_in_truoc_ngay_begins(today: date,
                                                                      is_open: bool) -> None:
    assert rules.registration_open(_campaigns()[0], today) is is_open


def test_every_milestone_says_its_last_day_on_screen() -> None:
    texts = [d.text() for d in rules.deadlines(_campaigns()[0], date(2024, 4, 1))]
    assert texts == ["trước ngày 07/04/2024 · hạn cuối 06/04/2024, còn 5 ngày",
                     "trước ngày 05/09/2024 · hạn cuối 04/09/2024, còn 156 ngày",
                     "trước ngày 15/12/2024 · hạn cuối 14/12/2024, còn 257 ngày"]


def test_results_not_reported_on_the_day_named_in_truoc_ngay_are_overdue() -> None:
    snap = _snapshot(_model("Tổ dân phố 1", "Thư viện sách", status=S.DANG_THUC_HIEN))
    assert rules.overdue_results(snap, date(2024, 9, 4)) == []
    [item] = rules.overdue_results(snap, date(2024, 9, 5))
    assert (item.days_overdue, item.last) == (1, date(2024, 9, 4))


# --- late as data ------------------------------------------------------------------------------


def test_late_registrations_and_results_are_listed_with_days_late_most_late_first() -> None:
    snap = _snapshot(
        _model("Tổ dân phố 1", "Đúng hạn", registered=date(2024, 4, 6),
               reported=date(2024, 9, 4), status=S.DA_BAO_CAO),
        _model("Tổ dân phố 2", "Đăng ký đúng ngày hạn", registered=date(2024, 4, 7)),
        _model("Tổ dân phố 3", "Muộn cả hai", registered=date(2024, 4, 17),
               reported=date(2024, 9, 5), status=S.DA_BAO_CAO),
        _model("Tổ dân phố 1", "Năm trước", campaign=LAST_YEAR, registered=date(2023, 5, 1)),
        _model("Tổ dân phố 2", "Đã lưu trữ", registered=date(2024, 5, 1), archived=True),
    )
    assert [(x.registration["model_name"], x.days_late, x.last)
            for x in rules.late_registrations(snap, Y)] == [
        ("Muộn cả hai", 11, date(2024, 4, 6)), ("Đăng ký đúng ngày hạn", 1, date(2024, 4, 6))]
    assert [(x.registration["model_name"], x.done_on, x.days_late)
            for x in rules.late_results(snap, Y)] == [("Muộn cả hai", date(2024, 9, 5), 1)]
    assert [x.registration["model_name"] for x in rules.late_registrations(snap, Y - 1)] == [
        "Năm trước"]


def test_lateness_says_in_words_what_came_late() -> None:
    campaign = _campaigns()[0]
    on_time = _model("Tổ dân phố 1", "A", registered=date(2024, 4, 6))
    assert rules.lateness(on_time, campaign, date(2024, 9, 4)) == ""
    assert rules.lateness(on_time, campaign, date(2024, 9, 6)) == (
        "Chưa báo cáo kết quả, quá hạn 2 ngày")
    both = _model("Tổ dân phố 1", "B", registered=date(2024, 4, 8), reported=date(2024, 9, 7),
                  status=S.DA_BAO_CAO)
    assert rules.lateness(both, campaign, date(2024, 10, 1)) == (
        "Đăng ký muộn 2 ngày; Báo cáo kết quả muộn 3 ngày")
    assert rules.lateness(both, None, date(2024, 10, 1)) == ""


def test_dashboard_lists_late_work_and_dates_due_items_by_their_last_day() -> None:
    snap = _snapshot(
        _model("Tổ dân phố 1", "Đăng ký đúng ngày hạn", registered=date(2024, 4, 7)),
        _model("Tổ dân phố 2", "Báo cáo đúng ngày hạn", reported=date(2024, 9, 5),
               status=S.DA_BAO_CAO),
    )
    view = board.build_registrations(snap, Y, date(2024, 10, 1))
    assert view.late[["Việc", "Tên mô hình", "Hạn cuối", "Số ngày muộn"]].values.tolist() == [
        ["Đăng ký", "Đăng ký đúng ngày hạn", "06/04/2024", 1],
        ["Báo cáo kết quả", "Báo cáo đúng ngày hạn", "04/09/2024", 1]]
    [due] = [i for i in board.due_items(snap, Y, date(2024, 9, 5))
             if i.kind == board.DueKind.BAO_CAO_MO_HINH]
    assert (due.deadline, due.status) == (date(2024, 9, 4), "Quá hạn 1 ngày")


# --- new, kept and replicated models -----------------------------------------------------------


def test_summary_counts_new_kept_and_replicated_models_blank_as_new() -> None:
    counts = rules.summarise([
        _model("Tổ dân phố 1", "A"),
        _model("Tổ dân phố 2", "B", origin=ModelOrigin.DUY_TRI, continues="B (2023)"),
        _model("Tổ dân phố 3", "C", origin=ModelOrigin.MOI),
    ])
    assert counts.by_origin == [("Mới", 2), ("Duy trì", 1), ("Nhân rộng", 0)]
    view = board.build_registrations(_snapshot(_model("Tổ dân phố 1", "A")), Y, date(2024, 5, 1))
    assert view.by_origin.values.tolist() == [["Mới", 1], ["Duy trì", 0], ["Nhân rộng", 0]]


def test_kept_model_suggests_the_units_latest_earlier_model_of_the_same_folded_name() -> None:
    snap = clean_snapshot(
        units=_units(),
        campaigns=[*_campaigns(), {"name": "“Dân vận khéo” năm 2022", "year": 2022,
                                   "register_by": date(2022, 4, 7),
                                   "report_by": date(2022, 9, 5)}],
        registrations=[
            _model("Tổ dân phố 1", "Phân loại rác tại nguồn", campaign="“Dân vận khéo” năm 2022",
                   registered=date(2022, 3, 1)),
            _model("Tổ dân phố 1", "Phân loại rác tại nguồn", campaign=LAST_YEAR,
                   registered=date(2023, 3, 1)),
            _model("Tổ dân phố 2", "Thư viện sách", campaign=LAST_YEAR,
                   registered=date(2023, 3, 1)),
            _model("Tổ dân phố 3", "Đèn đường", registered=date(2024, 3, 1)),
        ])
    assert rules.suggest_continued(snap, "Tổ dân phố 1", "phan loai  RAC tai nguon", Y) == (
        "Phân loại rác tại nguồn (2023)")
    assert rules.suggest_continued(snap, "Tổ dân phố 1", "Phân loại rác tại nguồn", 2023) == (
        "Phân loại rác tại nguồn (2022)")
    assert rules.suggest_continued(snap, "Tổ dân phố 1", "Thư viện sách", Y) is None  # other unit
    assert rules.suggest_continued(snap, "Tổ dân phố 3", "Đèn đường", Y) is None  # same year
    assert rules.suggest_continued(snap, "Tổ dân phố 1", "", Y) is None


@pytest.mark.parametrize("origin", [ModelOrigin.DUY_TRI, ModelOrigin.NHAN_RONG])
def test_kept_or_replicated_model_needs_the_model_it_continues(origin: ModelOrigin) -> None:
    snap = _snapshot()
    values = _model("Tổ dân phố 1", "Thư viện sách", origin=origin, address="Nhà văn hóa TDP 1")
    _, problems = validate_record("registrations", values, snap)
    assert [(p.column, p.message) for p in problems] == [
        ("Tiếp nối mô hình",
         "bắt buộc với mô hình duy trì hoặc nhân rộng: ghi mô hình được tiếp nối")]
    record, problems = validate_record("registrations",
                                       values | {"continues": "Thư viện sách (2023)"}, snap)
    assert problems == []
    assert (record["origin"], record["address"]) == (origin, "Nhà văn hóa TDP 1")


def test_new_model_is_the_default_origin_and_needs_nothing_continued() -> None:
    record, problems = validate_record("registrations", _model("Tổ dân phố 1", "A"), _snapshot())
    assert problems == [] and record["origin"] is None  # blank reads as new
    assert rules.origin_of(record) == ModelOrigin.MOI


# --- recognition needs the five criteria (seed 004, mục II.4) --------------------------------


def _reported(sql_store: SqlStore) -> Record:
    sql_store.append("units", _units(), "test")
    sql_store.append("campaigns", _campaigns(), "test")
    created = saving.create(sql_store, sql_store.snapshot(), "registrations",
                            _model("Tổ dân phố 1", "Thư viện sách", reported=date(2024, 9, 1),
                                   status=S.DA_BAO_CAO), LOCAL_ADMIN)
    assert created.ok, created.messages()
    assert created.record is not None
    return created.record


def test_recognition_with_no_criterion_met_is_refused_naming_all_five(
    sql_store: SqlStore,
) -> None:
    record = _reported(sql_store)
    changes, problems = rules.transition(record, S.CONG_NHAN, date(2024, 10, 1),
                                         recognition=RecognitionLevel.CO_SO)
    assert changes == {}
    assert problems == ["Trạng thái: chỉ công nhận mô hình đáp ứng đủ các tiêu chí đánh giá; "
                        "chưa đạt: " + "; ".join(c.short for c in CRITERIA)]
    # The store's own validation refuses the same record, in the same words.
    snap = sql_store.snapshot()
    saved = saving.edit(sql_store, snap, "registrations", record["id"],
                        {"status": S.CONG_NHAN, "recognition": RecognitionLevel.CO_SO},
                        snap["registrations"].by_id[record["id"]], LOCAL_ADMIN)
    assert not saved.ok and saved.messages() == problems
    assert sql_store.snapshot()["registrations"].by_id[record["id"]]["status"] == S.DA_BAO_CAO


def test_recognition_with_one_criterion_unmet_names_only_that_one(sql_store: SqlStore) -> None:
    record = _reported(sql_store)
    judged = ALL_CRITERIA | {"crit_sustain": False}
    _, problems = rules.transition(record, S.CONG_NHAN, date(2024, 10, 1),
                                   recognition=RecognitionLevel.HUYEN, criteria=judged)
    assert problems == ["Trạng thái: chỉ công nhận mô hình đáp ứng đủ các tiêu chí đánh giá; "
                        "chưa đạt: Bền vững, được nhân dân đồng tình"]


def test_recognition_with_every_criterion_is_saved(sql_store: SqlStore) -> None:
    record = _reported(sql_store)
    changes, problems = rules.transition(record, S.CONG_NHAN, date(2024, 10, 1),
                                         recognition=RecognitionLevel.HUYEN,
                                         criteria=ALL_CRITERIA)
    assert problems == []
    snap = sql_store.snapshot()
    saved = saving.edit(sql_store, snap, "registrations", record["id"], changes,
                        snap["registrations"].by_id[record["id"]], LOCAL_ADMIN)
    assert saved.ok, saved.messages()


def test_not_recognised_needs_no_criterion() -> None:
    record = _model("Tổ dân phố 1", "A", reported=date(2024, 9, 1), status=S.DA_BAO_CAO)
    changes, problems = rules.transition(record, S.KHONG_CONG_NHAN, date(2024, 10, 1))
    assert problems == [] and changes["status"] == S.KHONG_CONG_NHAN


# --- the demo ward -----------------------------------------------------------------------------


def test_demo_has_addresses_kept_and_replicated_models_and_late_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(clock, "today", lambda: date(2026, 11, 22))
    data = generate()
    snap = clean_snapshot(**{k: data[k] for k in ("units", "campaigns", "registrations")})
    models = snap["registrations"].records
    assert all(r["address"] for r in models)
    kept = [r for r in models if r["origin"] == ModelOrigin.DUY_TRI]
    replicated = [r for r in models if r["origin"] == ModelOrigin.NHAN_RONG]
    assert kept and replicated and all(r["continues"] for r in kept + replicated)
    # A kept model is found again by the suggestion the form offers.
    first = kept[0]
    assert rules.suggest_continued(snap, first["unit"], first["model_name"], 2026) == (
        first["continues"])
    assert rules.late_registrations(snap, 2026) and rules.late_results(snap, 2025)
    assert all(all(r[c.key] for c in CRITERIA) for r in models if r["status"] == S.CONG_NHAN)
