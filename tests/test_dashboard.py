"""The dashboard's model: the due list, key figures, the empty store, statuses per target kind."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from services import dashboard as board
from services import progress
from services.choices import (
    AttendeeLevel,
    Comparison,
    DerivedRule,
    MemberStatus,
    ModelKind,
    RegistrationStatus,
    TargetKind,
    UnitKind,
)
from services.choices import Field as ModelField
from services.dashboard import DueKind
from services.plan48 import indicator_records
from services.progress import Status
from services.schema import ID, SHEETS
from services.validation import RawTable, validate_snapshot
from tests.conftest import clean_snapshot as _snapshot

TODAY = date(2026, 6, 10)
YEAR = 2026
Rows = list[dict[str, Any]]


def _unit(name: str, kind: UnitKind = UnitKind.DOAN_THE, must: bool = True,
          **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": kind, "must_register": must, **extra}


def _campaign(name: str = "Đợt 1", *, register_in: int = 30, report_in: int = 90,
              end_in: int | None = None, year: int = YEAR) -> dict[str, Any]:
    return {"name": name, "year": year, "register_by": TODAY + timedelta(days=register_in),
            "report_by": TODAY + timedelta(days=report_in),
            "end_date": TODAY + timedelta(days=end_in) if end_in is not None else None}


def _model(unit: str, campaign: str = "Đợt 1", name: str | None = None,
           status: RegistrationStatus = RegistrationStatus.DANG_KY,
           field: ModelField = ModelField.KINH_TE) -> dict[str, Any]:
    reported = {"reported_on": TODAY - timedelta(days=1)} if status in (
        RegistrationStatus.DA_BAO_CAO,) else {}
    return {"campaign": campaign, "unit": unit, "kind": ModelKind.TAP_THE, "field": field,
            "model_name": name or f"Mô hình của {unit}", "registered_on": TODAY - timedelta(30),
            "status": status, **reported}


UNITS = [_unit("Hội Liên hiệp Phụ nữ phường"), _unit("Hội Cựu chiến binh phường"),
         _unit("Đoàn Thanh niên phường")]


def _kinds(items: list[board.DueItem], kind: DueKind) -> list[board.DueItem]:
    return [i for i in items if i.kind == kind]


# --- the due list ------------------------------------------------------------------------------


def test_registration_before_a_day_three_days_ahead_with_two_units_missing_says_con_2_ngay(
) -> None:
    # "Trước ngày X" with X three days ahead: the last day is in two days.
    snapshot = _snapshot(units=UNITS, campaigns=[_campaign(register_in=3)],
                         registrations=[_model("Hội Liên hiệp Phụ nữ phường")])
    [item] = _kinds(board.due_items(snapshot, YEAR, TODAY), DueKind.DANG_KY)
    assert item.status == "Còn 2 ngày"
    assert item.deadline == TODAY + timedelta(days=2)
    assert item.who.startswith("2 đơn vị chưa đăng ký")
    assert "Hội Cựu chiến binh phường" in item.who and "Đoàn Thanh niên phường" in item.who
    assert "Phụ nữ" not in item.who


def test_registration_deadline_beyond_the_horizon_is_not_listed_yet() -> None:
    snapshot = _snapshot(units=UNITS, campaigns=[_campaign(register_in=board.HORIZON_DAYS + 2)])
    assert not _kinds(board.due_items(snapshot, YEAR, TODAY), DueKind.DANG_KY)


def test_registration_deadline_passed_with_a_unit_missing_is_overdue() -> None:
    snapshot = _snapshot(units=UNITS[:2], campaigns=[_campaign(register_in=-2)],
                         registrations=[_model("Hội Liên hiệp Phụ nữ phường")])
    [item] = _kinds(board.due_items(snapshot, YEAR, TODAY), DueKind.DANG_KY)
    assert item.status == "Quá hạn 3 ngày"
    assert item.who == "1 đơn vị chưa đăng ký: Hội Cựu chiến binh phường"


def test_day_before_the_day_named_in_truoc_ngay_is_the_last_day() -> None:
    snapshot = _snapshot(units=UNITS, campaigns=[_campaign(register_in=1)])
    [item] = _kinds(board.due_items(snapshot, YEAR, TODAY), DueKind.DANG_KY)
    assert item.status == "Hôm nay là hạn cuối" and not item.overdue


def test_day_named_in_truoc_ngay_is_already_overdue() -> None:
    snapshot = _snapshot(units=UNITS, campaigns=[_campaign(register_in=0)])
    [item] = _kinds(board.due_items(snapshot, YEAR, TODAY), DueKind.DANG_KY)
    assert item.status == "Quá hạn 1 ngày" and item.overdue


def test_report_deadline_passed_says_qua_han_n_ngay_for_models_without_results() -> None:
    snapshot = _snapshot(
        units=UNITS, campaigns=[_campaign(register_in=-60, report_in=-5)],
        registrations=[
            _model("Hội Liên hiệp Phụ nữ phường", status=RegistrationStatus.DANG_THUC_HIEN),
            _model("Hội Cựu chiến binh phường"),
            _model("Đoàn Thanh niên phường", status=RegistrationStatus.DA_BAO_CAO),
        ])
    [item] = _kinds(board.due_items(snapshot, YEAR, TODAY), DueKind.BAO_CAO_MO_HINH)
    assert item.status == "Quá hạn 6 ngày"  # the last day was the day before the recorded one
    assert item.task.startswith("Báo cáo kết quả 2 mô hình")
    assert "Đoàn Thanh niên" not in item.who  # it has reported


def test_campaign_deadlines_in_the_next_days_are_listed_but_a_covered_one_is_not_repeated() -> None:
    snapshot = _snapshot(units=UNITS, campaigns=[_campaign(register_in=3, report_in=10,
                                                           end_in=12)])
    items = board.due_items(snapshot, YEAR, TODAY)
    report, end = _kinds(items, DueKind.DOT_THI_DUA)
    assert report.status == "Còn 9 ngày" and report.task.startswith("Hạn báo cáo kết quả")
    assert end.status == "Còn 11 ngày" and end.task.startswith("Kết thúc phong trào")
    # The registration deadline is already a row of its own ("Đăng ký mô hình").
    assert len(_kinds(items, DueKind.DANG_KY)) == 1


def test_item_1_due_31_03_2023_without_a_value_is_overdue_and_not_met() -> None:
    snapshot = _snapshot(indicators=indicator_records())
    [item] = _kinds(board.due_items(snapshot, YEAR, TODAY), DueKind.CHI_TIEU)
    assert item.deadline == date(2023, 3, 31)
    assert item.task.startswith("1 – ")
    days = (TODAY - date(2023, 3, 31)).days
    assert item.status == f"Quá hạn {board.format_number(days, 0)} ngày"
    assert "chưa có số liệu" in item.task


def test_item_1_done_in_its_year_leaves_the_list_and_not_done_stays() -> None:
    done = _snapshot(indicators=indicator_records(),
                     indicator_values=[{"indicator": "1", "year": 2023, "value": 1}])
    assert not _kinds(board.due_items(done, YEAR, TODAY), DueKind.CHI_TIEU)
    not_done = _snapshot(indicators=indicator_records(),
                         indicator_values=[{"indicator": "1", "year": 2023, "value": 0}])
    [item] = _kinds(board.due_items(not_done, YEAR, TODAY), DueKind.CHI_TIEU)
    assert "(chưa đạt)" in item.task and item.overdue


BRANCHES = [_unit("Chi bộ Tổ dân phố 5", UnitKind.CHI_BO, must=False),
            _unit("Chi bộ Cơ quan", UnitKind.CHI_BO, must=False)]


def _meeting(attendee: str, level: AttendeeLevel, held: date,
             reported: date | None = None) -> dict[str, Any]:
    home = "Chi bộ Cơ quan" if level == AttendeeLevel.DANG_VIEN_XA else None
    return {"attendee": attendee, "level": level, "home_branch": home,
            "branch": "Chi bộ Tổ dân phố 5", "meeting_date": held, "report_date": reported}


def test_missing_meeting_report_is_overdue_and_one_due_tomorrow_is_listed() -> None:
    # A district member attended 6 days ago (report due 3 days later); a ward party member
    # attended today (report due tomorrow); a report sent late is done and not listed.
    snapshot = _snapshot(units=BRANCHES, meetings=[
        _meeting("Trần Thị Hoa", AttendeeLevel.CAP_HUYEN, TODAY - timedelta(days=6)),
        _meeting("Lê Văn Nam", AttendeeLevel.DANG_VIEN_XA, TODAY),
        _meeting("Phạm Minh Tâm", AttendeeLevel.CAP_HUYEN, TODAY - timedelta(days=20),
                 TODAY - timedelta(days=10)),
        _meeting("Ngô Văn Bình", AttendeeLevel.CAP_XA, TODAY - timedelta(days=20)),
    ])
    items = {i.who: i for i in _kinds(board.due_items(snapshot, YEAR, TODAY),
                                      DueKind.BAO_CAO_SINH_HOAT)}
    assert set(items) == {"Trần Thị Hoa (Cấp ủy viên cấp huyện)",
                          "Lê Văn Nam (Đảng viên công tác tại xã, phường)"}
    assert items["Trần Thị Hoa (Cấp ủy viên cấp huyện)"].status == "Quá hạn 3 ngày"
    assert items["Lê Văn Nam (Đảng viên công tác tại xã, phường)"].status == "Còn 1 ngày"


def test_due_list_is_sorted_most_urgent_first() -> None:
    snapshot = _snapshot(
        units=[*UNITS, *BRANCHES],
        campaigns=[_campaign("Đợt 1", register_in=-100, report_in=-5),
                   _campaign("Đợt 2", register_in=3, report_in=60)],
        registrations=[_model("Hội Liên hiệp Phụ nữ phường")],
        meetings=[_meeting("Trần Thị Hoa", AttendeeLevel.CAP_HUYEN, TODAY - timedelta(days=4))],
        indicators=indicator_records(),
    )
    items = board.due_items(snapshot, YEAR, TODAY)
    assert [i.kind for i in items] == [DueKind.CHI_TIEU, DueKind.BAO_CAO_MO_HINH,
                                       DueKind.BAO_CAO_SINH_HOAT, DueKind.DANG_KY]
    assert [i.days_left for i in items] == sorted(i.days_left for i in items)
    frame = board.due_frame(items)
    assert list(frame.columns) == ["Loại", "Việc", "Đơn vị/Người", "Hạn", "Tình trạng"]
    assert frame["Tình trạng"].tolist()[1:] == ["Quá hạn 6 ngày", "Quá hạn 1 ngày", "Còn 2 ngày"]
    assert frame["Hạn"].iloc[0] == "31/03/2023"


# --- key figures -------------------------------------------------------------------------------


def test_key_figures_count_registrations_overdue_attendance_and_roster() -> None:
    snapshot = _snapshot(
        units=[*UNITS, *BRANCHES, _unit("Tổ dân phố 1", UnitKind.TO_DAN_PHO, must=False),
               _unit("Tổ dân phố 2", UnitKind.TO_DAN_PHO, must=False)],
        campaigns=[_campaign(register_in=-30, report_in=-1),
                   _campaign("Năm trước", year=YEAR - 1, register_in=-400, report_in=-300)],
        registrations=[_model("Hội Liên hiệp Phụ nữ phường"),
                       _model("Hội Cựu chiến binh phường", name="Thứ hai",
                              status=RegistrationStatus.DA_BAO_CAO),
                       _model("Đoàn Thanh niên phường", "Năm trước")],
        members=[{"full_name": "Nguyễn Văn An", "tdp": "Tổ dân phố 1",
                  "status": MemberStatus.DA_PHE_DUYET, "approval_ref": "12-QĐ/ĐU"}],
        meetings=[_meeting("Trần Thị Hoa", AttendeeLevel.CAP_HUYEN, date(2026, 2, 12),
                           date(2026, 2, 16)),
                  _meeting("Lê Văn Nam", AttendeeLevel.DANG_VIEN_XA, date(2026, 5, 5))],
        indicators=indicator_records(),
        indicator_values=[{"indicator": "2.1.5", "year": 2025, "value": 56},
                          {"indicator": "2.1.3", "year": 2025, "value": 80}],
    )
    f = board.build(snapshot, YEAR, TODAY).figures
    assert f.indicator_year == 2025
    assert (f.indicators_met, f.indicators_total) == (1, 19)
    # 2.1.3 (80% < 85%) and 2.1.1, derived: one unit has no model in last year's campaign.
    assert f.indicators_behind == 2
    assert f.models_registered == 2  # last year's campaign does not count
    assert (f.units_not_registered, f.units_must_register) == (1, 3)
    assert f.overdue_results == 1  # the one that reported is not overdue
    assert f.late_reports == 1 and f.missing_reports == 1
    assert f.attendees == 2
    assert (f.groups_without_list, f.groups) == (1, 2)


def test_rows_left_out_by_validation_are_counted() -> None:
    raw = {"units": RawTable.from_records(SHEETS["units"], [
        {ID: "DV-1", "name": "Hội Phụ nữ", "kind": UnitKind.DOAN_THE},
        {ID: "DV-2", "name": "Hội lạ", "kind": "không có loại này"}])}
    model = board.build(validate_snapshot(raw), YEAR, TODAY)
    assert model.excluded == 1


# --- the empty store ---------------------------------------------------------------------------


def test_empty_store_with_only_plan_48_gives_empty_frames_not_errors() -> None:
    snapshot = _snapshot(indicators=indicator_records())
    model = board.build(snapshot, YEAR, TODAY)
    assert model.indicator_year == YEAR - 1
    assert not model.indicators.has_data and model.indicators.unknown == 19
    assert [i.kind for i in model.due] == [DueKind.CHI_TIEU]  # item "1" only
    reg = model.registrations
    assert reg.campaigns == () and reg.total == 0 and reg.must_register == 0
    assert reg.not_registered.empty and reg.overdue.empty and reg.by_kind.empty
    att = model.attendance
    assert att.attendees == 0 and att.people.empty and att.branches.empty
    assert att.by_level.empty and att.reports.empty and att.neglected.empty
    assert model.roster.groups == 0 and model.roster.chart.empty
    assert not model.figures.has_campaign
    trend = board.build_trend(snapshot, "2.1.5", YEAR - 1)
    assert trend is not None and trend.empty
    # Every chart still builds on the empty frames.
    board.colored_bars(reg.by_kind, "Loại đơn vị", "Số đơn vị", "Tình trạng",
                       board.REGISTRATION_COLORS).to_dict()
    board.trend_chart(trend).to_dict()
    zeros = board.empty_scale(board.charts.bars(reg.by_field, "Lĩnh vực", "Số mô hình"))
    assert zeros.to_dict()["encoding"]["x"]["scale"]["domain"] == [0, 5]


def test_a_store_without_anything_at_all_still_builds() -> None:
    model = board.build(_snapshot(), YEAR, TODAY)
    assert model.indicators.total == 0 and model.due == () and model.due_table.empty


# --- statuses per target kind ------------------------------------------------------------------


def _indicator(kind: TargetKind, comparison: Comparison | None = None,
               target: float | None = None, *, unit: str = "%", **extra: Any) -> dict[str, Any]:
    return {"code": "9.1", "group": "9. Nhóm thử", "text": "Chỉ tiêu thử",
            "target_text": "chỉ tiêu thử", "target_kind": kind, "comparison": comparison,
            "target_value": target, "unit": unit, **extra}


TDPS = [_unit(f"Tổ dân phố {k}", UnitKind.TO_DAN_PHO, must=False) for k in (1, 2)]
# (indicator, values, units, the status in 2025)
KINDS = {
    "level_gt_70_with_70": (_indicator(TargetKind.MUC, Comparison.GT, 70),
                            [(2025, None, 70)], [], Status.CHUA_DAT),
    "change_down_0_4_against_0_5": (
        _indicator(TargetKind.THAY_DOI, Comparison.LE, -0.5),
        [(2024, None, 2.5), (2025, None, 2.1)], [], Status.CHAM_TIEN_DO),
    "change_down_0_5": (_indicator(TargetKind.THAY_DOI, Comparison.LE, -0.5),
                        [(2024, None, 2.5), (2025, None, 2.0)], [], Status.DUNG_TIEN_DO),
    "count_at_least_1": (_indicator(TargetKind.SO_LUONG, Comparison.GE, 1, unit="chính sách"),
                         [(2025, None, 1)], [], Status.DAT),
    "yes_no_without_a_value": (_indicator(TargetKind.CO_KHONG, unit=""), [], [],
                               Status.CHUA_CO_SO_LIEU),
    "range_3_to_4_with_4_1": (  # above the range: exceeded, not missed
        _indicator(TargetKind.KHOANG, Comparison.RANGE, 3, unit="m²/người", target_max=4),
        [(2025, None, 4.1)], [], Status.VUOT),
    "coverage_1_of_2_groups": (
        _indicator(TargetKind.BAO_PHU, Comparison.EQ, 100, per_unit_kind=UnitKind.TO_DAN_PHO),
        [(2025, "Tổ dân phố 1", 1), (2025, "Tổ dân phố 2", 0)], TDPS, Status.CHUA_DAT),
    "derived_roster_list_in_every_group": (
        _indicator(TargetKind.BAO_PHU, Comparison.EQ, 100,
                   derived=DerivedRule.TY_LE_TDP_CO_DANH_SACH), [], TDPS, Status.CHUA_DAT),
}


@pytest.mark.parametrize(("indicator", "values", "units", "status"), list(KINDS.values()),
                         ids=list(KINDS))
def test_status_per_target_kind_reaches_the_dashboard_unchanged(
        indicator: dict[str, Any], values: list[tuple[int, str | None, float]], units: Rows,
        status: Status) -> None:
    snapshot = _snapshot(units=units, indicators=[indicator],
                         indicator_values=[{"indicator": "9.1", "year": y, "unit": u, "value": v}
                                           for y, u, v in values],
                         members=[{"full_name": "Nguyễn Văn An", "tdp": "Tổ dân phố 1",
                                   "status": MemberStatus.DE_XUAT}] if units else [])
    expected = progress.evaluate(snapshot["indicators"].records[0], snapshot, 2025)
    assert expected.status == status, expected.explanation
    view = board.build_indicator_view(snapshot, 2025)
    [evaluation] = view.evaluations
    assert evaluation == expected
    [(group, table)] = view.tables
    assert group == "9. Nhóm thử"
    assert table["Đánh giá"].tolist() == [status.label()]
    assert table["Giải thích"].tolist() == [expected.explanation]
    assert view.counts.to_dict("records") == [
        {"Nhóm": "9. Nhóm thử", "Trạng thái": str(status), "Số chỉ tiêu": 1}]


def test_status_counts_keep_plan_order_and_shorten_long_group_names() -> None:
    snapshot = _snapshot(indicators=indicator_records(),
                         indicator_values=[{"indicator": "2.1.5", "year": 2025, "value": 53.8}])
    counts = board.build_indicator_view(snapshot, 2025).counts
    groups = list(dict.fromkeys(counts["Nhóm"]))
    assert groups[0].startswith("1.") and groups[1] == "2.1. Chỉ tiêu chung"
    assert groups[2].startswith("2.2.1.") and groups[2].endswith("…")
    spec = board.legend_in_columns(board.charts.status_bars(counts)).to_dict()
    assert spec["config"]["legend"]["columns"] == 2
    assert spec["config"]["locale"]["number"]["decimal"] == ","  # the shared style stays
    assert counts.loc[(counts["Nhóm"] == "2.1. Chỉ tiêu chung")
                      & (counts["Trạng thái"] == "Chưa đạt"), "Số chỉ tiêu"].tolist() == [1]


# --- trends ------------------------------------------------------------------------------------


def test_change_trend_shows_the_level_and_the_plans_path_from_the_first_year() -> None:
    snapshot = _snapshot(indicators=indicator_records(), indicator_values=[
        {"indicator": "2.1.4", "year": y, "value": v}
        for y, v in ((2023, 3.0), (2024, 2.5), (2025, 2.1))])
    trend = board.build_trend(snapshot, "2.1.4", 2025)
    assert trend is not None
    assert trend.frame.to_dict("list") == {"Năm": [2023, 2024, 2025], "Giá trị": [3.0, 2.5, 2.1]}
    assert trend.path is not None and trend.path["Lộ trình"].tolist() == [3.0, 2.5, 2.0]
    layers = board.trend_chart(trend).to_dict()["layer"]
    assert layers[0]["mark"]["strokeDash"] == [6, 4]


def test_range_trend_has_a_band_and_yes_no_a_rule_at_one() -> None:
    snapshot = _snapshot(indicators=indicator_records(), indicator_values=[
        {"indicator": "2.2.2.4", "year": 2025, "value": 3.2},
        {"indicator": "2.2.2.3", "year": 2025, "value": 1}])
    trees = board.build_trend(snapshot, "2.2.2.4", 2025)
    assert trees is not None and (trees.target, trees.target_max) == (3.0, 4.0)
    assert board.trend_chart(trees).to_dict()["layer"][0]["mark"]["type"] == "rect"
    yes_no = board.build_trend(snapshot, "2.2.2.3", 2025)
    assert yes_no is not None and yes_no.target == 1.0


# --- the memo ----------------------------------------------------------------------------------


def test_dashboard_is_computed_once_per_snapshot_and_again_for_a_new_one() -> None:
    board.clear_cache()
    first = _snapshot(indicators=indicator_records())
    model = board.dashboard(first, YEAR, TODAY)
    assert board.dashboard(first, YEAR, TODAY) is model
    assert board.dashboard(first, YEAR, TODAY + timedelta(days=1)) is not model
    second = _snapshot(indicators=indicator_records())
    assert board.dashboard(second, YEAR, TODAY) is not model
    assert board.indicator_view(second, 2025) is board.indicator_view(second, 2025)
    assert board.indicator_trend(second, "2.1.5", 2025) is board.indicator_trend(second, "2.1.5",
                                                                                2025)
