"""Changes: the audit trail read back a page at a time, and rows changed outside the app kept
until an editor has looked at them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from services import records as saving
from services.auth import Actor, PermissionDenied
from services.changes import (
    CellChange,
    OutsideChange,
    audit_diff,
    filter_audit,
    mark_reviewed,
    newest_first,
    note_outside_changes,
    outside_changes,
    outside_frame,
    outside_record,
    outside_text,
    pending_outside_changes,
    read_audit,
    read_older,
    summary,
)
from services.choices import AuditAction, Role
from services.clock import VN_TZ
from services.schema import ID, SHEETS
from services.store.base import ConflictError
from services.store.cache import SnapshotCache
from services.store.sql import SqlStore
from services.validation import ROW, RawTable, validate_table

EDITOR = Actor("can.bo@gmail.com", "Cán bộ", Role.EDITOR)
ADMIN = Actor("quan.tri@gmail.com", "Quản trị", Role.ADMIN)
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


# --- the audit trail a page at a time ------------------------------------------------------


def _audit_rows(count: int, start: int = 0) -> list[dict[str, Any]]:
    first = datetime(2025, 1, 1, 8, 0, tzinfo=VN_TZ)
    return [_entry(first + timedelta(minutes=i), **{ID: f"NK-{i:08d}", "record_id": f"DV-{i}"})
            for i in range(start, start + count)]


def test_audit_is_read_a_page_at_a_time_newest_first_until_none_remain(
        sql_store: SqlStore) -> None:
    sql_store.load({"audit": _audit_rows(25)})
    loaded = read_audit(sql_store, page_size=10, actor=ADMIN)
    assert (len(loaded.entries), loaded.more, loaded.pages) == (10, True, 1)
    assert loaded.entries[0][ID] == "NK-00000024"  # the last stored first
    loaded = read_older(sql_store, read_older(sql_store, loaded, 10, actor=ADMIN), 10, actor=ADMIN)
    assert (len(loaded.entries), loaded.more, loaded.pages) == (25, False, 3)
    assert [e[ID] for e in loaded.entries] == [f"NK-{i:08d}" for i in range(24, -1, -1)]
    assert read_audit(sql_store, pages=3, page_size=10, actor=ADMIN) == loaded


def test_rows_written_between_two_pages_are_neither_repeated_nor_skipped(
        sql_store: SqlStore) -> None:
    sql_store.load({"audit": _audit_rows(20)})
    first = read_audit(sql_store, page_size=10, actor=ADMIN)
    sql_store.load({"audit": _audit_rows(3, start=100)})  # pushes the older rows down by three
    both = read_older(sql_store, first, 10, actor=ADMIN)
    ids = [e[ID] for e in both.entries]
    assert len(ids) == len(set(ids))
    assert ids == [f"NK-{i:08d}" for i in range(19, 2, -1)]  # 19…10, then 9…3: no gap


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


def _set_head(store: SqlStore, unit_id: str, head: str) -> None:
    _by_hand(store, sa.update(_units(store)).where(_units(store).c.id == unit_id)
             .values(head=head))


def test_row_edited_directly_in_the_store_is_found_with_before_and_after(
        store: SqlStore) -> None:
    previous = store.snapshot()
    _set_head(store, "DV-00000002", "Bà Năm")
    [change] = outside_changes(previous, store.snapshot())
    assert change == OutsideChange("units", "DV-00000002", AuditAction.SUA, 3,
                                   (CellChange("Người phụ trách", "Bà Hai", "Bà Năm"),))


def test_rows_added_and_removed_directly_are_found_with_the_whole_row(store: SqlStore) -> None:
    previous = store.snapshot()
    _by_hand(store, sa.delete(_units(store)).where(_units(store).c.id == "DV-00000001"))
    _by_hand(store, sa.insert(_units(store)).values(id="DV-00000009", name="Tổ dân phố 9",
                                                    kind="Tổ dân phố"))
    found = {c.kind: c for c in outside_changes(previous, store.snapshot())}
    assert {(c.kind, c.record_id, c.row) for c in found.values()} == {
        (AuditAction.XOA, "DV-00000001", 2), (AuditAction.THEM, "DV-00000009", 4)}
    assert CellChange("Người phụ trách", "Ông Một", "") in found[AuditAction.XOA].cells
    assert CellChange("Tên đơn vị", "", "Tổ dân phố 9") in found[AuditAction.THEM].cells


def test_a_sort_alone_is_no_change(store: SqlStore) -> None:
    previous = store.snapshot()
    # Move the first row to the bottom, as sorting the sheet by hand would.
    _by_hand(store, sa.update(_units(store)).where(_units(store).c.id == "DV-00000001")
             .values(seq=100))
    current = store.snapshot()
    assert current["units"].by_id["DV-00000001"][ROW] == 4
    assert outside_changes(previous, current) == []


def test_row_broken_by_hand_is_edited_not_removed_and_mending_it_is_edited_not_added(
        store: SqlStore) -> None:
    previous = store.snapshot()
    _by_hand(store, sa.update(_units(store)).where(_units(store).c.id == "DV-00000003")
             .values(kind="Chi bo ba"))
    broken = store.snapshot()
    [change] = outside_changes(previous, broken)
    assert (change.kind, change.row) == (AuditAction.SUA, 4)
    assert change.cells == (CellChange("Loại đơn vị", "Chi bộ", "Chi bo ba"),)
    _by_hand(store, sa.update(_units(store)).where(_units(store).c.id == "DV-00000003")
             .values(kind="Chi bộ"))
    [mended] = outside_changes(broken, store.snapshot())
    assert mended.kind == AuditAction.SUA
    assert mended.cells == (CellChange("Loại đơn vị", "Chi bo ba", "Chi bộ"),)


def test_a_unit_renamed_by_hand_is_one_change_not_one_per_row_pointing_at_it(
        store: SqlStore) -> None:
    store.append("members", [{"full_name": f"Người {i}", "tdp": "Tổ dân phố 1",
                              "status": "Đề xuất"} for i in range(5)], "app")
    previous = store.snapshot()
    _by_hand(store, sa.update(_units(store)).where(_units(store).c.id == "DV-00000001")
             .values(name="TDP 1"))
    current = store.snapshot()
    assert current["members"].excluded == 5  # they point at a name no longer there: problems
    [change] = outside_changes(previous, current)
    assert (change.sheet, change.kind) == ("units", AuditAction.SUA)
    assert change.cells == (CellChange("Tên đơn vị", "Tổ dân phố 1", "TDP 1"),)


def test_outside_record_keeps_before_and_after_as_json_by_header() -> None:
    edited = outside_record(OutsideChange("units", "DV-2", AuditAction.SUA, 3, (
        CellChange("Người phụ trách", "Bà Hai", "Bà Năm"),)))
    assert json.loads(edited["before"]) == {"Người phụ trách": "Bà Hai"}
    assert json.loads(edited["after"]) == {"Người phụ trách": "Bà Năm"}
    whole = (CellChange("Mã", "DV-1", ""), CellChange("Tên đơn vị", "Tổ 1", ""),
             CellChange("Ghi chú", "", ""))
    removed = outside_record(OutsideChange("units", "DV-1", AuditAction.XOA, 2, whole))
    assert json.loads(removed["before"]) == {"Mã": "DV-1", "Tên đơn vị": "Tổ 1", "Ghi chú": ""}
    assert removed["after"] == ""
    added = outside_record(OutsideChange("units", "DV-9", AuditAction.THEM, 4, tuple(
        CellChange(c.column, "", c.before) for c in whole)))
    assert added["before"] == "" and json.loads(added["after"])["Tên đơn vị"] == "Tổ 1"
    assert (added["sheet"], added["record_id"], added["row"]) == ("Đơn vị", "DV-9", 4)


def _cache(store: SqlStore) -> SnapshotCache:
    return SnapshotCache(store, on_outside=lambda a, b: note_outside_changes(store, a, b))


def _pending(store: SqlStore) -> list[dict[str, Any]]:
    return pending_outside_changes(store.read_sheet("outside"))


def test_only_changes_made_outside_the_app_are_kept_not_the_apps_own_writes(
        store: SqlStore) -> None:
    cache = _cache(store)
    snapshot = cache.get(ttl=3600)
    unit = snapshot["units"].by_id["DV-00000002"]
    assert saving.edit(store, snapshot, "units", unit[ID], {"head": "Bà Năm"}, unit, EDITOR).ok
    assert saving.create(store, snapshot, "units", {"name": "Tổ dân phố 4",
                                                    "kind": "Tổ dân phố"}, EDITOR).ok
    other = snapshot["units"].by_id["DV-00000003"]
    store.archive("units", other[ID], other, EDITOR.label)
    _set_head(store, "DV-00000001", "Người Sửa Tay")
    cache.refresh()
    cache.get(ttl=3600)
    [kept] = _pending(store)
    assert (kept["sheet"], kept["record_id"], kept["action"], kept["row"]) == (
        "Đơn vị", "DV-00000001", AuditAction.SUA, 2)
    assert audit_diff(kept) == [CellChange("Người phụ trách", "Ông Một", "Người Sửa Tay")]
    assert kept["reviewed_by"] is None and kept["reviewed_at"] is None


def test_a_change_stays_listed_across_reads_and_a_restart_until_marked_reviewed(
        store: SqlStore, tmp_path: Path) -> None:
    cache = _cache(store)
    cache.get(ttl=3600)
    _set_head(store, "DV-00000002", "Bà Năm")
    for _ in range(3):  # the read that finds it, then two more
        cache.refresh()
        cache.get(ttl=3600)
    assert [e["record_id"] for e in _pending(store)] == ["DV-00000002"]

    restarted = SqlStore(str(store.engine.url))
    try:
        again = _cache(restarted)
        again.get(ttl=3600)
        again.refresh()
        again.get(ttl=3600)
        [entry] = _pending(restarted)
        assert entry["record_id"] == "DV-00000002"
        [marked] = mark_reviewed(restarted, [entry], EDITOR)
        assert marked["reviewed_by"] == EDITOR.label
        assert isinstance(marked["reviewed_at"], datetime)
        assert _pending(restarted) == []
        again.refresh()
        again.get(ttl=3600)
        assert _pending(restarted) == []  # not found again at the next read
    finally:
        restarted.engine.dispose()


def test_marking_reviewed_is_one_write_refused_to_a_viewer_and_to_a_second_reviewer(
        store: SqlStore) -> None:
    cache = _cache(store)
    cache.get(ttl=3600)
    _set_head(store, "DV-00000001", "Ông Bảy")
    _set_head(store, "DV-00000002", "Bà Năm")
    cache.refresh()
    cache.get(ttl=3600)
    pending = _pending(store)
    assert len(pending) == 2
    with pytest.raises(PermissionDenied):
        mark_reviewed(store, pending, Actor("xem@gmail.com", "Người Xem", Role.VIEWER))
    writes: list[Any] = []
    store.on_write(writes.append)
    assert len(mark_reviewed(store, pending, EDITOR)) == 2
    assert len(writes) == 1 and _pending(store) == []
    with pytest.raises(ConflictError):  # another editor's page still showed them
        mark_reviewed(store, pending[:1], Actor("khac@gmail.com", "Người Khác", Role.EDITOR))
    assert {e["reviewed_by"] for e in store.read_sheet("outside").records} == {EDITOR.label}


def test_pending_changes_are_newest_first_and_rows_reviewed_by_hand_are_not_pending() -> None:
    first = datetime(2026, 3, 1, 9, 0, tzinfo=VN_TZ)
    seen = {"sheet": "units", "action": "Sửa"}
    rows = [{ID: "NG-1", "at": first, "record_id": "a", **seen},
            {ID: "NG-2", "at": first + timedelta(hours=1), "record_id": "b", **seen},
            {ID: "NG-3", "at": first, "record_id": "c", "reviewed_by": "Bà Tư (trên bảng tính)",
             **seen}]
    table = validate_table(SHEETS["outside"], RawTable.from_records(SHEETS["outside"], rows))
    assert [e["record_id"] for e in pending_outside_changes(table)] == ["b", "a"]


def test_outside_list_shows_the_tab_title_and_links_to_where_the_row_is_now(
        store: SqlStore) -> None:
    cache = _cache(store)
    cache.get(ttl=3600)
    _set_head(store, "DV-00000002", "Bà Năm")
    _by_hand(store, sa.delete(_units(store)).where(_units(store).c.id == "DV-00000001"))
    cache.refresh()
    snapshot = cache.get(ttl=3600)
    frame = outside_frame(_pending(store), snapshot,
                          lambda sheet, row, col: f"https://x/{sheet}/{row}/{col}")
    rows = {r["Mã bản ghi"]: r for r in frame.to_dict("records")}
    assert rows["DV-00000002"]["Bảng"] == "Đơn vị"
    assert rows["DV-00000002"]["Dòng"] == 2  # the removed row above moved it up
    assert rows["DV-00000002"]["Mở ô"] == "https://x/units/2/head"
    assert rows["DV-00000002"]["Cột thay đổi (trước → sau)"] == "Người phụ trách: Bà Hai → Bà Năm"
    removed = rows["DV-00000001"]
    assert (removed["Thay đổi"], removed["Dòng"]) == ("Xóa", 2)
    assert pd.isna(removed["Mở ô"])  # a removed row has no cell to open
    assert removed["Cột thay đổi (trước → sau)"].startswith("Tên đơn vị: Tổ dân phố 1; ")


def test_outside_text_of_an_addition_lists_its_values_without_the_id() -> None:
    entry = {"action": AuditAction.THEM, "before": "",
             "after": '{"Mã": "DV-9", "Tên đơn vị": "Tổ 9", "Ghi chú": ""}'}
    assert outside_text(entry) == "Tên đơn vị: Tổ 9"


def test_only_an_admin_reads_the_audit_trail_and_an_editor_the_outside_changes(
        sql_store: SqlStore) -> None:
    from services.changes import read_outside

    viewer = Actor("xem@gmail.com", "Người xem", Role.VIEWER)
    with pytest.raises(PermissionDenied):
        read_audit(sql_store, actor=EDITOR)
    with pytest.raises(PermissionDenied):
        read_outside(sql_store, viewer)
    assert read_audit(sql_store, actor=ADMIN).entries == ()
    assert read_outside(sql_store, EDITOR).records == []
