"""Rules of the "Dân vận khéo" campaign, on hand-made records."""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import date
from typing import Any

import pytest

from services import campaign as rules
from services import records as saving
from services.auth import LOCAL_ADMIN
from services.choices import Field, ModelKind, RecognitionLevel, UnitKind
from services.choices import RegistrationStatus as S
from services.reference import CRITERIA
from services.schema import SHEETS, Record
from services.store.sql import SqlStore
from services.validation import RawTable, Snapshot, validate_snapshot

Y = 2024
CAMPAIGN = "“Dân vận khéo” năm 2024 - Đợt 1"


def unit(name: str, *, must: bool = True, archived: bool = False) -> Record:
    return {"id": f"DV-{zlib.crc32(name.encode()):08x}", "name": name,
            "kind": UnitKind.TO_DAN_PHO, "must_register": must, "archived": archived}


def campaign(name: str = CAMPAIGN, year: int = Y, *, phase: str = "Đợt 1",
             register_by: date = date(2024, 4, 7), report_by: date = date(2024, 9, 5),
             end_date: date | None = date(2024, 12, 15), archived: bool = False) -> Record:
    return {"id": f"DT-{zlib.crc32(name.encode()):08x}", "name": name, "year": year, "phase": phase,
            "register_by": register_by, "report_by": report_by, "end_date": end_date,
            "archived": archived}


def registration(rid: str, unit_name: str, *, campaign_name: str = CAMPAIGN,
                 status: S = S.DANG_KY, archived: bool = False, **extra: Any) -> Record:
    values: Record = {"id": rid, "campaign": campaign_name, "unit": unit_name,
                      "kind": ModelKind.TAP_THE, "field": Field.KINH_TE,
                      "model_name": f"Mô hình {rid}", "registered_on": date(2024, 3, 1),
                      "status": status, "archived": archived}
    if status in (S.DA_BAO_CAO, S.CONG_NHAN, S.KHONG_CONG_NHAN):
        values |= {"reported_on": date(2024, 9, 1), "result": "Đạt"}
    if status == S.CONG_NHAN:
        # Recognised models meet all five criteria (seed 004, mục II.4), or the sheet refuses.
        values |= {"recognition": RecognitionLevel.CO_SO} | {c.key: True for c in CRITERIA}
    return values | extra


def snapshot(units: Iterable[Record] = (), campaigns: Iterable[Record] = (),
             registrations: Iterable[Record] = ()) -> Snapshot:
    snap = validate_snapshot({
        "units": RawTable.from_records(SHEETS["units"], units),
        "campaigns": RawTable.from_records(SHEETS["campaigns"], campaigns),
        "registrations": RawTable.from_records(SHEETS["registrations"], registrations),
    })
    # The hand-made records must be valid, or a test would pass for the wrong reason.
    assert [p.text() for p in snap.problems] == []
    return snap


def names(units: Iterable[Record]) -> list[str]:
    return [u["name"] for u in units]


# --- units not registered ----------------------------------------------------------------------


def test_units_without_registration_are_listed_in_natural_order() -> None:
    snap = snapshot(
        [unit("Tổ dân phố 10"), unit("Tổ dân phố 2"), unit("Tổ dân phố 1")],
        [campaign()],
        [registration("MH-1", "Tổ dân phố 1")],
    )
    assert names(rules.units_not_registered(snap, Y)) == ["Tổ dân phố 2", "Tổ dân phố 10"]


def test_archived_unit_is_not_listed_as_not_registered() -> None:
    snap = snapshot([unit("Tổ dân phố 1"), unit("Tổ dân phố 2", archived=True)], [campaign()])
    assert names(rules.units_not_registered(snap, Y)) == ["Tổ dân phố 1"]


def test_unit_not_required_to_register_is_not_listed() -> None:
    snap = snapshot([unit("Tổ dân phố 1"), unit("Tổ dân vận số 1", must=False)], [campaign()])
    assert names(rules.units_not_registered(snap, Y)) == ["Tổ dân phố 1"]


def test_archived_registration_does_not_count_as_registered() -> None:
    snap = snapshot([unit("Tổ dân phố 1")], [campaign()],
                    [registration("MH-1", "Tổ dân phố 1", archived=True)])
    assert names(rules.units_not_registered(snap, Y)) == ["Tổ dân phố 1"]


def test_registration_of_last_year_does_not_count_this_year() -> None:
    last = "“Dân vận khéo” năm 2023 - Đợt 1"
    snap = snapshot([unit("Tổ dân phố 1")],
                    [campaign(), campaign(last, 2023, register_by=date(2023, 4, 7),
                                          report_by=date(2023, 9, 5), end_date=None)],
                    [registration("MH-1", "Tổ dân phố 1", campaign_name=last)])
    assert names(rules.units_not_registered(snap, Y)) == ["Tổ dân phố 1"]
    assert names(rules.units_not_registered(snap, 2023)) == []


def test_registration_in_any_phase_of_the_year_counts() -> None:
    second = "“Dân vận khéo” năm 2024 - Đợt 2"
    snap = snapshot([unit("Tổ dân phố 1"), unit("Tổ dân phố 2")],
                    [campaign(), campaign(second, phase="Đợt 2", register_by=date(2024, 7, 15),
                                          report_by=date(2024, 11, 30))],
                    [registration("MH-1", "Tổ dân phố 1", campaign_name=second)])
    assert names(rules.units_not_registered(snap, Y)) == ["Tổ dân phố 2"]
    # Named campaigns narrow it to one phase.
    assert names(rules.units_not_registered(snap, [CAMPAIGN])) == ["Tổ dân phố 1",
                                                                   "Tổ dân phố 2"]


def test_a_model_that_was_not_recognised_still_counts_as_registered() -> None:
    snap = snapshot([unit("Tổ dân phố 1")], [campaign()],
                    [registration("MH-1", "Tổ dân phố 1", status=S.KHONG_CONG_NHAN)])
    assert rules.units_not_registered(snap, Y) == []


# --- deadlines ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("today", "overdue_days"), [
    (date(2024, 9, 3), None),
    (date(2024, 9, 4), None),  # "trước ngày 05/9": the 4th is the last day, to midnight
    (date(2024, 9, 5), 1),  # the day X itself is already late
    (date(2024, 10, 4), 30),
])
def test_overdue_from_the_day_named_in_truoc_ngay(today: date, overdue_days: int | None) -> None:
    snap = snapshot([unit("Tổ dân phố 1")], [campaign()],
                    [registration("MH-1", "Tổ dân phố 1", status=S.DANG_THUC_HIEN)])
    found = rules.overdue_results(snap, today)
    assert [o.days_overdue for o in found] == ([] if overdue_days is None else [overdue_days])


@pytest.mark.parametrize("status", [S.DA_BAO_CAO, S.CONG_NHAN, S.KHONG_CONG_NHAN])
def test_models_with_results_are_never_overdue(status: S) -> None:
    snap = snapshot([unit("Tổ dân phố 1")], [campaign()],
                    [registration("MH-1", "Tổ dân phố 1", status=status)])
    assert rules.overdue_results(snap, date(2024, 12, 1)) == []


def test_archived_registration_is_not_overdue() -> None:
    snap = snapshot([unit("Tổ dân phố 1")], [campaign()],
                    [registration("MH-1", "Tổ dân phố 1", archived=True)])
    assert rules.overdue_results(snap, date(2024, 12, 1)) == []


def test_report_deadline_comes_from_each_wards_campaign_record() -> None:
    """Two wards, same year, different deadlines: the same day is late in one only."""
    registered = [registration("MH-1", "Tổ dân phố 1")]
    ward_a = snapshot([unit("Tổ dân phố 1")], [campaign(report_by=date(2024, 9, 5))], registered)
    ward_b = snapshot([unit("Tổ dân phố 1")], [campaign(report_by=date(2024, 9, 30))], registered)
    day = date(2024, 9, 10)
    assert [o.report_by for o in rules.overdue_results(ward_a, day)] == [date(2024, 9, 5)]
    assert rules.overdue_results(ward_b, day) == []


def test_report_deadline_comes_from_each_years_campaign_record() -> None:
    old, new = "“Dân vận khéo” năm 2025", "“Dân vận khéo” năm 2026"
    snap = snapshot(
        [unit("Tổ dân phố 1")],
        [campaign(old, 2025, phase="", register_by=date(2025, 4, 7), report_by=date(2025, 9, 5),
                  end_date=None),
         campaign(new, 2026, phase="", register_by=date(2026, 5, 1), report_by=date(2026, 10, 1),
                  end_date=None)],
        [registration("MH-1", "Tổ dân phố 1", campaign_name=old),
         registration("MH-2", "Tổ dân phố 1", campaign_name=new)],
    )
    today = date(2026, 9, 10)
    found = rules.overdue_results(snap, today)
    assert [(o.registration["id"], o.days_overdue) for o in found] == [("MH-1", 371)]
    assert rules.overdue_results(snap, today, year=2026) == []


@pytest.mark.parametrize(("today", "is_open", "text"), [
    (date(2024, 4, 3), True, "hạn cuối 06/04/2024, còn 3 ngày"),
    (date(2024, 4, 6), True, "hạn cuối 06/04/2024: hôm nay là hạn cuối"),
    (date(2024, 4, 7), False, "hạn cuối 06/04/2024: đã hết hạn (1 ngày trước)"),
])
def test_registration_before_07_04_closes_at_the_end_of_06_04(today: date, is_open: bool,
                                                               text: str) -> None:
    c = campaign()
    assert rules.registration_open(c, today) is is_open
    assert rules.deadline_text(c["register_by"], today) == text


def test_deadlines_are_read_from_the_campaign_in_order() -> None:
    found = rules.deadlines(campaign(end_date=None), date(2024, 4, 1))
    assert [(d.label, d.day, d.last, d.remaining) for d in found] == [
        ("Hạn đăng ký", date(2024, 4, 7), date(2024, 4, 6), 5),
        ("Hạn báo cáo kết quả", date(2024, 9, 5), date(2024, 9, 4), 156)]
    assert found[0].text() == "trước ngày 07/04/2024 · hạn cuối 06/04/2024, còn 5 ngày"


def test_current_campaigns_are_the_years_unarchived_ones_newest_phase_first() -> None:
    snap = snapshot(campaigns=[
        campaign(),
        campaign("Đợt 2 năm 2024", phase="Đợt 2", register_by=date(2024, 7, 15),
                 report_by=date(2024, 11, 30)),
        campaign("Đợt 3 năm 2024 (hủy)", phase="Đợt 3", register_by=date(2024, 8, 1),
                 report_by=date(2024, 11, 30), archived=True),
        campaign("Năm 2023", 2023, register_by=date(2023, 4, 7), report_by=date(2023, 9, 5)),
    ])
    assert names(rules.current_campaigns(snap, Y)) == ["Đợt 2 năm 2024", CAMPAIGN]


def test_default_campaign_is_the_newest_still_open_else_the_newest() -> None:
    first = campaign()
    second = campaign("Đợt 2", phase="Đợt 2", register_by=date(2024, 7, 15),
                      report_by=date(2024, 11, 30))
    ordered = [second, first]
    assert rules.default_campaign(ordered, date(2024, 7, 14)) is second
    assert rules.default_campaign(ordered, date(2024, 8, 1)) is second  # all closed: newest
    assert rules.default_campaign([campaign(register_by=date(2024, 4, 7)),
                                   campaign("Cũ", register_by=date(2024, 3, 1))],
                                  date(2024, 3, 20))["name"] == CAMPAIGN
    assert rules.default_campaign([], date(2024, 1, 1)) is None


# --- life cycle --------------------------------------------------------------------------------


@pytest.mark.parametrize(("current", "target"), [
    (S.DANG_KY, S.DANG_THUC_HIEN),
    (S.DANG_KY, S.DA_BAO_CAO),  # results may arrive before anyone marked the start
    (S.DANG_THUC_HIEN, S.DA_BAO_CAO),
    (S.DA_BAO_CAO, S.CONG_NHAN),
    (S.DA_BAO_CAO, S.KHONG_CONG_NHAN),
    (S.DANG_THUC_HIEN, S.DANG_KY),  # one step back, for corrections
    (S.DA_BAO_CAO, S.DANG_THUC_HIEN),
    (S.CONG_NHAN, S.DA_BAO_CAO),
    (S.KHONG_CONG_NHAN, S.DA_BAO_CAO),
])
def test_transition_is_allowed(current: S, target: S) -> None:
    assert target in rules.allowed_next(current)


@pytest.mark.parametrize(("current", "target"), [
    (S.DANG_KY, S.DANG_KY),
    (S.DANG_KY, S.CONG_NHAN),  # no recognition without reported results
    (S.DANG_KY, S.KHONG_CONG_NHAN),
    (S.DANG_THUC_HIEN, S.CONG_NHAN),
    (S.CONG_NHAN, S.KHONG_CONG_NHAN),  # change the verdict by going back to "reported" first
    (S.CONG_NHAN, S.DANG_KY),  # back two steps at once
    (S.KHONG_CONG_NHAN, S.DANG_THUC_HIEN),
    (S.DA_BAO_CAO, S.DANG_KY),
])
def test_transition_is_refused_with_a_message(current: S, target: S) -> None:
    record = registration("MH-1", "Tổ dân phố 1", status=current)
    assert target not in rules.allowed_next(current)
    changes, problems = rules.transition(record, target, date(2024, 9, 1))
    assert changes == {}
    assert problems and f"“{current}”" in problems[0] and f"“{target}”" in problems[0]


def test_unknown_status_typed_in_the_sheet_allows_no_transition() -> None:
    assert rules.allowed_next("dang ky") == ()
    assert rules.allowed_next(None) == ()


def test_reporting_results_requires_date_and_results_naming_both_fields() -> None:
    record = registration("MH-1", "Tổ dân phố 1", status=S.DANG_THUC_HIEN)
    changes, problems = rules.transition(record, S.DA_BAO_CAO, date(2024, 9, 1), result="  ")
    assert changes == {}
    assert [p.split(":")[0] for p in problems] == ["Ngày báo cáo kết quả", "Kết quả thực hiện"]


@pytest.mark.parametrize(("reported_on", "reason"), [
    (date(2024, 9, 2), "không được sau hôm nay (01/09/2024)"),
    (date(2024, 2, 28), "không được trước ngày đăng ký (01/03/2024)"),
])
def test_report_date_must_fall_between_registration_and_today(reported_on: date,
                                                              reason: str) -> None:
    record = registration("MH-1", "Tổ dân phố 1", status=S.DANG_THUC_HIEN)
    _, problems = rules.transition(record, S.DA_BAO_CAO, date(2024, 9, 1),
                                   reported_on=reported_on, result="Đạt")
    assert problems == [f"Ngày báo cáo kết quả: {reason}"]


def test_reporting_results_records_date_and_text() -> None:
    record = registration("MH-1", "Tổ dân phố 1", status=S.DANG_THUC_HIEN)
    changes, problems = rules.transition(record, S.DA_BAO_CAO, date(2024, 9, 5),
                                         reported_on=date(2024, 9, 5), result=" 120 hộ tham gia ")
    assert problems == []
    assert changes == {"status": S.DA_BAO_CAO, "reported_on": date(2024, 9, 5),
                       "result": "120 hộ tham gia"}


def test_recognising_requires_a_level() -> None:
    record = registration("MH-1", "Tổ dân phố 1", status=S.DA_BAO_CAO)
    changes, problems = rules.transition(record, S.CONG_NHAN, date(2024, 10, 1),
                                         criteria={c.key: True for c in CRITERIA})
    assert changes == {}
    assert len(problems) == 1 and problems[0].startswith("Cấp công nhận: bắt buộc")


def test_recognition_records_all_five_criteria() -> None:
    record = registration("MH-1", "Tổ dân phố 1", status=S.DA_BAO_CAO)
    changes, problems = rules.transition(record, S.CONG_NHAN, date(2024, 10, 1),
                                         recognition=RecognitionLevel.HUYEN,
                                         criteria={c.key: True for c in CRITERIA})
    assert problems == []
    assert changes["recognition"] == RecognitionLevel.HUYEN
    assert all(changes[c.key] is True for c in CRITERIA)


def test_not_recognised_records_the_criteria_as_judged() -> None:
    record = registration("MH-1", "Tổ dân phố 1", status=S.DA_BAO_CAO)
    judged = {"crit_task": True, "crit_effect": True}
    changes, problems = rules.transition(record, S.KHONG_CONG_NHAN, date(2024, 10, 1),
                                         criteria=judged)
    assert problems == []
    assert {c.key: changes[c.key] for c in CRITERIA} == {
        "crit_task": True, "crit_spread": False, "crit_effect": True, "crit_named": False,
        "crit_sustain": False}


def test_not_recognised_ignores_a_level_chosen_by_mistake() -> None:
    record = registration("MH-1", "Tổ dân phố 1", status=S.DA_BAO_CAO)
    changes, problems = rules.transition(record, S.KHONG_CONG_NHAN, date(2024, 10, 1),
                                         recognition=RecognitionLevel.TINH)
    assert problems == [] and changes["recognition"] is None


def test_going_back_clears_what_the_undone_step_recorded() -> None:
    recognised = registration("MH-1", "Tổ dân phố 1", status=S.CONG_NHAN, crit_task=True)
    changes, _ = rules.transition(recognised, S.DA_BAO_CAO, date(2024, 10, 1))
    assert changes["recognition"] is None and changes["crit_task"] is None
    assert "reported_on" not in changes  # the results stay reported
    reported = registration("MH-2", "Tổ dân phố 1", status=S.DA_BAO_CAO)
    changes, _ = rules.transition(reported, S.DANG_THUC_HIEN, date(2024, 10, 1))
    assert changes["reported_on"] is None and changes["result"] is None


def test_undo_names_only_the_filled_fields_it_clears() -> None:
    recognised = registration("MH-1", "Tổ dân phố 1", status=S.CONG_NHAN, crit_spread=None)
    assert rules.cleared_by_undo(recognised, S.DA_BAO_CAO) == [
        "Cấp công nhận", "Gắn với nhiệm vụ chính trị", "Hiệu quả cao trong lĩnh vực",
        "Rõ tên, địa chỉ, nội dung; được công nhận", "Bền vững, được nhân dân đồng tình"]
    reported = registration("MH-2", "Tổ dân phố 1", status=S.DA_BAO_CAO)
    assert rules.cleared_by_undo(reported, S.DANG_THUC_HIEN) == [
        "Ngày báo cáo kết quả", "Kết quả thực hiện"]
    assert rules.cleared_by_undo(reported, S.CONG_NHAN) == []  # a step forward clears nothing


def test_transition_changes_pass_the_sheets_rules_when_saved(sql_store: SqlStore) -> None:
    sql_store.append("units", [unit("Tổ dân phố 1")], "test")
    sql_store.append("campaigns", [campaign()], "test")
    created = saving.create(sql_store, sql_store.snapshot(), "registrations",
                            {k: v for k, v in registration("", "Tổ dân phố 1").items()
                             if k != "id"}, LOCAL_ADMIN)
    assert created.ok, created.messages()
    record = created.record
    assert record is not None
    for target, inputs in ((S.DA_BAO_CAO, {"reported_on": date(2024, 9, 3), "result": "Đạt"}),
                           (S.CONG_NHAN, {"recognition": RecognitionLevel.CO_SO,
                                          "criteria": {c.key: True for c in CRITERIA}})):
        snap = sql_store.snapshot()
        current = snap["registrations"].by_id[record["id"]]
        changes, problems = rules.transition(current, target, date(2024, 10, 1), **inputs)
        assert problems == []
        saved = saving.edit(sql_store, snap, "registrations", record["id"], changes, current,
                            LOCAL_ADMIN)
        assert saved.ok, saved.messages()
    final = sql_store.snapshot()["registrations"].by_id[record["id"]]
    assert final["status"] == S.CONG_NHAN and final["recognition"] == RecognitionLevel.CO_SO
    assert all(final[c.key] for c in CRITERIA)


# --- lists and counts --------------------------------------------------------------------------


def test_summary_counts_every_field_and_status_including_zeros() -> None:
    regs = [registration("MH-1", "Tổ dân phố 10"), registration("MH-2", "Tổ dân phố 2"),
            registration("MH-3", "Tổ dân phố 2", status=S.CONG_NHAN,
                         field=Field.AN_NINH_QUOC_PHONG)]
    counts = rules.summarise(regs)
    assert counts.total == 3
    assert counts.by_field == [("Kinh tế", 2), ("Văn hóa - xã hội", 0),
                               ("An ninh - quốc phòng", 1), ("Xây dựng hệ thống chính trị", 0)]
    assert dict(counts.by_status) == {"Đăng ký": 2, "Đang thực hiện": 0, "Đã báo cáo kết quả": 0,
                                      "Được công nhận": 1, "Không công nhận": 0}
    assert counts.by_unit == [("Tổ dân phố 2", 2), ("Tổ dân phố 10", 1)]


def test_filters_combine_and_none_means_any() -> None:
    regs = [registration("MH-1", "Tổ dân phố 1"),
            registration("MH-2", "Tổ dân phố 2", field=Field.VAN_HOA_XA_HOI),
            registration("MH-3", "Tổ dân phố 2", status=S.DANG_THUC_HIEN)]
    kept = rules.filter_registrations(regs, unit="Tổ dân phố 2", status=S.DANG_KY)
    assert [r["id"] for r in kept] == ["MH-2"]
    assert len(rules.filter_registrations(regs)) == 3
    assert rules.filter_registrations(regs, campaigns=["Khác"]) == []
