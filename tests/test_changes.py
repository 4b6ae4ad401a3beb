"""Changes: the audit trail read back, and rows changed outside the app flagged by comparison."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from services import records as saving
from services.auth import Actor
from services.changes import (
    CellChange,
    OutsideChange,
    audit_diff,
    changes_frame,
    filter_audit,
    newest_first,
    outside_changes,
    summary,
)
from services.choices import AuditAction, Role
from services.clock import VN_TZ, now
from services.schema import ID
from services.store.sql import SqlStore
from tests.conftest import click, open_page

EDITOR = Actor("can.bo@gmail.com", "Cán bộ", Role.EDITOR)
UNITS = [
    {ID: "DV-00000001", "name": "Tổ dân phố 1", "kind": "Tổ dân phố", "head": "Ông Một"},
    {ID: "DV-00000002", "name": "Tổ dân phố 2", "kind": "Tổ dân phố", "head": "Bà Hai"},
    {ID: "DV-00000003", "name": "Chi bộ 3", "kind": "Chi bộ", "head": "Ông Ba"},
]


# --- the audit trail read back -------------------------------------------------------------


def test_audit_diff_reads_the_json_of_before_and_after_column_by_column() -> None:
    entry = {"before": '{"Người phụ trách": "Ông Một", "Lưu trữ": false}',
             "after": '{"Người phụ trách": "Ông Bốn", "Lưu trữ": true}'}
    assert audit_diff(entry) == [CellChange("Người phụ trách", "Ông Một", "Ông Bốn"),
                                 CellChange("Lưu trữ", "Không", "Có")]


def test_audit_diff_of_an_addition_has_empty_befores_and_skips_empty_values() -> None:
    entry = {"before": "", "after": '{"Mã": "DV-1", "Tên đơn vị": "Tổ 9", "Ghi chú": ""}'}
    assert audit_diff(entry) == [CellChange("Mã", "", "DV-1"), CellChange("Tên đơn vị", "", "Tổ 9")]


def test_summary_of_an_addition_leaves_out_the_id_shown_in_its_own_column() -> None:
    entry = {"before": "", "after": '{"Mã": "DV-1", "Tên đơn vị": "Tổ 9", "Loại đơn vị": "Tổ '
                                    'dân phố", "Người phụ trách": "Bà Năm", "Ghi chú": "x"}'}
    assert summary(entry) == ("Tên đơn vị: (trống) → Tổ 9; Loại đơn vị: (trống) → Tổ dân phố; "
                              "Người phụ trách: (trống) → Bà Năm; … (+1 cột)")


def test_audit_diff_of_text_typed_by_hand_is_shown_as_it_is() -> None:
    assert audit_diff({"before": "sửa tay", "after": ""}) == [CellChange("", "sửa tay", "")]


def _entry(at: datetime, **values: Any) -> dict[str, Any]:
    return {"at": at, "actor": "a@x.vn", "action": "Sửa", "sheet": "Đơn vị", "record_id": "DV-1",
            "before": "", "after": "", **values}


def test_rows_of_the_same_second_are_newest_first_in_the_store_order_reversed() -> None:
    second = datetime(2026, 4, 7, 8, 30, tzinfo=VN_TZ)
    rows = [_entry(second, record_id="first"), _entry(second, record_id="second"),
            _entry(datetime(2024, 1, 1, tzinfo=VN_TZ), record_id="old")]
    assert [r["record_id"] for r in newest_first(rows)] == ["second", "first", "old"]


def test_date_filter_uses_the_day_in_vietnam_not_utc() -> None:
    # 23:30 on 6 April in UTC is already 7 April in Vietnam.
    late = _entry(datetime.fromisoformat("2024-04-06T23:30:00+00:00"))
    day = datetime(2024, 4, 7).date()
    assert filter_audit([late], start=day, end=day) == [late]


# --- rows changed outside the app ----------------------------------------------------------


@pytest.fixture
def store(sql_store: SqlStore) -> SqlStore:
    sql_store.load({"units": UNITS})
    return sql_store


def _by_hand(store: SqlStore, statement: Any) -> None:
    """Change the database as someone editing the sheet would: no audit row."""
    with store.engine.begin() as conn:
        conn.execute(statement)


def _units(store: SqlStore) -> sa.Table:
    return store.tables["units"]


def test_row_edited_directly_in_the_store_is_flagged_with_before_and_after(
        store: SqlStore) -> None:
    previous = store.snapshot()
    _by_hand(store, sa.update(_units(store)).where(_units(store).c.id == "DV-00000002")
             .values(head="Bà Năm"))
    [change] = outside_changes(previous, store.snapshot())
    assert change == OutsideChange("units", "DV-00000002", AuditAction.SUA, 3,
                                   (CellChange("Người phụ trách", "Bà Hai", "Bà Năm"),), "head")


def test_row_changed_by_the_app_with_its_audit_row_is_not_flagged(store: SqlStore) -> None:
    previous = store.snapshot()
    unit = previous["units"].by_id["DV-00000002"]
    assert saving.edit(store, previous, "units", unit[ID], {"head": "Bà Năm"}, unit, EDITOR).ok
    assert saving.create(store, previous, "units", {"name": "Tổ dân phố 4",
                                                    "kind": "Tổ dân phố"}, EDITOR).ok
    assert outside_changes(previous, store.snapshot()) == []


def test_app_write_in_the_same_second_as_the_read_is_still_explained(
        store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    # Audit times are whole seconds; the read happened at .300 and the write at .700.
    previous = replace(store.snapshot(),
                       read_at=datetime(2026, 11, 22, 10, 0, 5, 300_000, tzinfo=VN_TZ))
    monkeypatch.setattr("services.store.base.now",
                        lambda: datetime(2026, 11, 22, 10, 0, 5, 700_000, tzinfo=VN_TZ))
    unit = previous["units"].by_id["DV-00000001"]
    assert saving.edit(store, previous, "units", unit[ID], {"head": "Ông Sáu"}, unit, EDITOR).ok
    assert outside_changes(previous, store.snapshot()) == []


def test_audit_row_older_than_the_previous_read_does_not_explain_a_new_change(
        store: SqlStore) -> None:
    unit = store.snapshot()["units"].by_id["DV-00000001"]
    assert saving.edit(store, store.snapshot(), "units", unit[ID], {"head": "Ông Sáu"}, unit,
                       EDITOR).ok
    later = now().replace(microsecond=0) + timedelta(seconds=1)
    previous = replace(store.snapshot(), read_at=later)
    _by_hand(store, sa.update(_units(store)).where(_units(store).c.id == "DV-00000001")
             .values(head="Ông Bảy"))
    [change] = outside_changes(previous, store.snapshot())
    assert change.record_id == "DV-00000001" and change.kind == AuditAction.SUA


def test_rows_added_and_removed_directly_are_flagged(store: SqlStore) -> None:
    previous = store.snapshot()
    _by_hand(store, sa.delete(_units(store)).where(_units(store).c.id == "DV-00000001"))
    _by_hand(store, sa.insert(_units(store)).values(id="DV-00000009", name="Tổ dân phố 9",
                                                    kind="Tổ dân phố"))
    found = {(c.kind, c.record_id, c.row) for c in outside_changes(previous, store.snapshot())}
    assert found == {(AuditAction.XOA, "DV-00000001", 2), (AuditAction.THEM, "DV-00000009", 4)}


def test_row_broken_by_hand_is_reported_as_edited_not_removed(store: SqlStore) -> None:
    previous = store.snapshot()
    _by_hand(store, sa.update(_units(store)).where(_units(store).c.id == "DV-00000003")
             .values(kind="Chi bo ba"))
    [change] = outside_changes(previous, store.snapshot())
    assert change.kind == AuditAction.SUA and "lỗi" in change.cells[0].after


def test_new_audit_rows_are_the_apps_trail_but_an_edited_audit_row_is_flagged(
        store: SqlStore) -> None:
    unit = store.snapshot()["units"].by_id["DV-00000001"]
    assert saving.edit(store, store.snapshot(), "units", unit[ID], {"head": "Ông Sáu"}, unit,
                       EDITOR).ok
    previous = store.snapshot()
    [entry] = previous["audit"].records
    audit = store.tables["audit"]
    _by_hand(store, sa.update(audit).where(audit.c.id == entry[ID]).values(actor="ai.do@x.vn"))
    [change] = outside_changes(previous, store.snapshot())
    assert (change.sheet, change.record_id) == ("audit", entry[ID])
    assert change.cells == (CellChange("Người thực hiện", EDITOR.email, "ai.do@x.vn"),)


def test_changes_table_links_each_row_still_there_to_its_cell() -> None:
    changes = [OutsideChange("units", "DV-2", AuditAction.SUA, 3,
                             (CellChange("Người phụ trách", "Bà Hai", "Bà Năm"),), "head"),
               OutsideChange("units", "DV-1", AuditAction.XOA, 2)]
    frame = changes_frame(changes, lambda sheet, row, col: f"https://x/{sheet}/{row}/{col}")
    assert frame.to_dict("records")[0] == {
        "Bảng": "Đơn vị", "Dòng": 3, "Mã": "DV-2", "Thay đổi": "Sửa",
        "Cột thay đổi (trước → sau)": "Người phụ trách: Bà Hai → Bà Năm",
        "Mở ô": "https://x/units/3/head"}
    assert frame["Mở ô"].isna().iloc[1]  # a removed row has no cell to open


# --- on the data-quality page --------------------------------------------------------------


def test_quality_page_lists_a_row_edited_outside_the_app_after_a_refresh(app_env: Path) -> None:
    at = open_page("pages/quality.py")
    said = " ".join(c.value for c in at.caption)
    assert "Chưa có lần đọc trước" in said
    store = SqlStore(f"sqlite:///{app_env}")
    unit = store.snapshot()["units"].active()[0]
    _by_hand(store, sa.update(_units(store)).where(_units(store).c.id == unit[ID])
             .values(head="Người Sửa Tay"))
    store.engine.dispose()
    click(at, "Làm mới dữ liệu")
    assert any(h.value == "Thay đổi ngoài ứng dụng từ lần đọc trước" for h in at.subheader)
    table = next(d.value for d in at.dataframe if "Mã" in d.value.columns)
    [row] = table.to_dict("records")
    assert row["Mã"] == unit[ID] and row["Bảng"] == "Đơn vị"
    assert row["Cột thay đổi (trước → sau)"].endswith("→ Người Sửa Tay")


def test_quality_page_does_not_list_a_change_the_app_made(app_env: Path) -> None:
    at = open_page("pages/units.py")
    at.text_input(key="units-add::0::name").input("Tổ dân phố 99")
    at.selectbox(key="units-add::0::kind").select("Tổ dân phố")
    click(at, "Lưu")
    at.switch_page("pages/quality.py").run()
    assert not at.exception
    assert "Không có thay đổi nào ngoài ứng dụng." in [i.value for i in at.info]
