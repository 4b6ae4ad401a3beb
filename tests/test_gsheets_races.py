"""People editing the sheet inside the app's race windows: every write lands in its own row.

The fake runs a person's edit (sort, insert, delete, type, move) just before the app's write
reaches it, with latency, over real HTTP through the real gspread client. Whatever the person
does, the app's edit, archive, restore and delete change their record and nothing else, and
the audit names the record really changed.
"""

from __future__ import annotations

import socketserver
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest

from services.choices import AuditAction, UnitKind
from services.clock import VN_TZ
from services.config import Backend, Settings
from services.schema import ID, SHEETS
from services.sheet_setup import setup_spreadsheet
from services.store.base import BackendUnavailable, StoreError, WriteUnknown
from services.store.cache import SnapshotCache
from services.store.gsheets import GSheetsStore, RetryPolicy
from tests.fakes.sheets_api import FakeSheetsServer

FAST = RetryPolicy(attempts=5, first_wait=0.01, max_wait=0.05)
MEMBERS = SHEETS["members"].title
ACTOR = "can.bo@example.com"
NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em",
         "Vũ Thị Gấm", "Đặng Văn Hải", "Bùi Thị Lan"]


pytestmark = pytest.mark.usefixtures("clean_fake")


def open_store(fake: FakeSheetsServer, sid: str, **values: Any) -> GSheetsStore:
    """Open a store on the fake spreadsheet."""
    settings = Settings(backend=Backend.GSHEETS, spreadsheet=sid, sheets_api_url=fake.base_url,
                        **values)
    return GSheetsStore.from_settings(settings, policy=FAST)


def ward(fake: FakeSheetsServer) -> tuple[str, GSheetsStore]:
    """Return a prepared spreadsheet with one TDP and eight core-force members, one archived."""
    sid = fake.create_spreadsheet("Khối Dân vận", {"Trang tính1": []})
    store = open_store(fake, sid)
    setup_spreadsheet(store, rows=5, reference_data=False)
    store.load({"units": [{"name": "Tổ dân phố 5", "kind": UnitKind.TO_DAN_PHO}],
                "members": [{"full_name": n, "tdp": "Tổ dân phố 5", "status": "Đề xuất",
                             "note": f"ghi chú {i}", "archived": i == 3}
                            for i, n in enumerate(NAMES)]})
    return sid, open_store(fake, sid)


def by_id(fake: FakeSheetsServer, sid: str) -> dict[str, list[Any]]:
    """Return the members tab's rows by id, as the sheet holds them (cells padded)."""
    header, *rows = fake.get_values(sid, MEMBERS)
    at = header.index("Mã")
    return {r[at]: r + [""] * (len(header) - len(r)) for r in rows if len(r) > at and r[at]}


def typed_rows(fake: FakeSheetsServer, sid: str) -> list[list[Any]]:
    """Return rows people typed (no id) that hold something."""
    header, *rows = fake.get_values(sid, MEMBERS)
    at = header.index("Mã")
    return [r for r in rows if any(c not in ("", None) for c in r) and (len(r) <= at or not r[at])]


def column(fake: FakeSheetsServer, sid: str, header: str) -> int:
    """Return the 0-based position of a header in the members tab."""
    return fake.get_values(sid, MEMBERS)[0].index(header)


Person = Callable[[FakeSheetsServer, str], None]
TYPED = ["", "Người mới gõ tay", "Nữ", 1990, "Tổ dân phố 5", "", "", False, "", "Đề xuất"]
PEOPLE: dict[str, Person] = {
    "sorts by name, Z to A": lambda f, s: f.sort_rows(s, MEMBERS, column(f, s, "Họ và tên"),
                                                       descending=True),
    "inserts a blank row at the top": lambda f, s: f.insert_rows(s, MEMBERS, 2),
    "types a new row at the top": lambda f, s: f.insert_rows(s, MEMBERS, 2, [TYPED]),
    "deletes the first row": lambda f, s: f.delete_rows(s, MEMBERS, 2),
    "moves the last row to the top": lambda f, s: f.move_row(
        s, MEMBERS, len(f.get_values(s, MEMBERS)), 2),
    "types a new row at the bottom": lambda f, s: f.type_row(
        s, MEMBERS, len(f.get_values(s, MEMBERS)) + 1, TYPED),
}


def _act(op: str, store: GSheetsStore, record: dict[str, Any]) -> None:
    if op == "edit":
        store.update("members", record[ID], {"note": "đã sửa trong ứng dụng"}, record, ACTOR)
    elif op == "archive":
        store.archive("members", record[ID], record, ACTOR)
    elif op == "restore":
        store.restore("members", record[ID], record, ACTOR)
    else:
        store.delete("members", record[ID], record, ACTOR)


@pytest.mark.parametrize("op", ["edit", "archive", "restore", "delete"])
@pytest.mark.parametrize("who", list(PEOPLE))
@pytest.mark.parametrize("target", [0, 3, 5])
def test_a_write_lands_in_its_records_row_whatever_people_do_meanwhile(
    fake: FakeSheetsServer, who: str, op: str, target: int,
) -> None:
    sid, store = ward(fake)
    snapshot = store.snapshot()
    wanted = NAMES[3] if op == "restore" else NAMES[target if target != 3 else 4]
    if who == "deletes the first row" and wanted == NAMES[0]:
        wanted = NAMES[1]  # the person deletes the row the app writes: a different case
    record = next(r for r in snapshot["members"].records if r["full_name"] == wanted)
    before = by_id(fake, sid)
    # The person acts after the app read the tab and before its write lands.
    fake.slow("spreadsheets.batchUpdate", 0.05)
    fake.before("spreadsheets.batchUpdate", lambda _r: PEOPLE[who](fake, sid))
    people_removed = set(before) - set(by_id_after_person(fake, sid, who, before))
    _act(op, store, record)
    after = by_id(fake, sid)
    header = fake.get_values(sid, MEMBERS)[0]
    note, archived = header.index("Ghi chú"), header.index("Lưu trữ")
    for record_id, cells in before.items():
        if record_id in people_removed:
            assert record_id not in after
        elif record_id != record[ID]:
            assert after[record_id] == cells, f"{record_id} was changed by a write to {record[ID]}"
    mine = after.get(record[ID])
    if op == "delete":
        assert mine is None
    elif op == "edit":
        assert mine is not None and mine[note] == "đã sửa trong ứng dụng"
    else:
        assert mine is not None and mine[archived] is (op == "archive")
    if who.startswith("types"):
        assert typed_rows(fake, sid) == [TYPED + [""] * (len(typed_rows(fake, sid)[0])
                                                         - len(TYPED))]
    audit = store.read_sheet("audit").records
    assert [a["record_id"] for a in audit] == [record[ID]]
    assert audit[0]["action"] == {"edit": AuditAction.SUA, "archive": AuditAction.LUU_TRU,
                                  "restore": AuditAction.KHOI_PHUC,
                                  "delete": AuditAction.XOA}[op]


def by_id_after_person(fake: FakeSheetsServer, sid: str, who: str,
                       before: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Return which ids the person's own edit leaves (only "deletes" removes one)."""
    if who != "deletes the first row":
        return before
    header, first, *_ = fake.get_values(sid, MEMBERS)
    return {k: v for k, v in before.items() if k != first[header.index("Mã")]}


def test_a_write_checks_its_row_in_its_own_reply_and_costs_one_read_one_write_when_calm(
    fake: FakeSheetsServer,
) -> None:
    _, store = ward(fake)
    record = store.snapshot()["members"].records[2]
    fake.reset_log()
    store.update("members", record[ID], {"note": "x"}, record, ACTOR)
    assert [(r.operation, r.kind) for r in fake.requests] == [
        ("values.batchGet", "read"), ("spreadsheets.batchUpdate", "write")]
    body = fake.requests[1].body
    assert body["includeSpreadsheetInResponse"] is True and body["responseRanges"]


def test_a_rename_and_its_references_are_one_write_or_none(fake: FakeSheetsServer) -> None:
    from services.auth import Actor
    from services.choices import Role
    from services.records import edit

    sid, store = ward(fake)
    snapshot = store.snapshot()
    unit = snapshot["units"].records[0]
    actor = Actor(ACTOR, "Cán bộ", Role.EDITOR)
    # Someone edits a member meanwhile: the whole rename is refused, nothing is written.
    member = snapshot["members"].records[1]
    fake.set_cell(sid, MEMBERS, f"{chr(65 + column(fake, sid, 'Ghi chú'))}3", "sửa tay")
    fake.reset_log()
    result = edit(store, snapshot, "units", unit[ID], {"name": "TDP số 5"}, unit, actor)
    assert not result.ok and result.conflict and result.record is None
    assert fake.count(kind="write") == 0
    assert "Tổ dân phố 5" in {r[column(fake, sid, "Tổ dân phố")] for r in by_id(fake, sid)
                              .values()}
    # Read again: one write renames the unit and every member pointing at it.
    snapshot = store.snapshot()
    fake.reset_log()
    result = edit(store, snapshot, "units", unit[ID], {"name": "TDP số 5"},
                  snapshot["units"].by_id[unit[ID]], actor)
    assert result.ok, result.messages()
    assert fake.count(kind="write") == 1
    assert {r[column(fake, sid, "Tổ dân phố")] for r in by_id(fake, sid).values()} == {
        "TDP số 5"}
    # A rename in case only carries the references too.
    snapshot = store.snapshot()
    result = edit(store, snapshot, "units", unit[ID], {"name": "TDP SỐ 5"},
                  snapshot["units"].by_id[unit[ID]], actor)
    assert result.ok, result.messages()
    assert {r[column(fake, sid, "Tổ dân phố")] for r in by_id(fake, sid).values()} == {
        "TDP SỐ 5"}
    del member


def test_a_lost_answer_then_a_second_save_adds_exactly_one_row(
    fake: FakeSheetsServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socketserver.BaseServer, "handle_error", lambda *_: None)
    sid, store = ward(fake)
    store.snapshot()
    record = {ID: "LL-0123456789abcdef", "full_name": "Ngô Thị Mới", "tdp": "Tổ dân phố 5",
              "status": "Đề xuất"}
    fake.lose_answer("spreadsheets.batchUpdate")
    with pytest.raises(WriteUnknown):
        store.append("members", [record], ACTOR)
    assert store.find("members", record[ID]) is not None  # the check button's question
    [again] = store.append("members", [record], ACTOR)
    assert again[ID] == record[ID]
    names = [r[column(fake, sid, "Họ và tên")] for r in by_id(fake, sid).values()]
    assert names.count("Ngô Thị Mới") == 1
    audit = [a for a in store.read_sheet("audit").records if a["record_id"] == record[ID]]
    assert len(audit) == 1


def test_a_lost_answer_to_a_write_that_did_not_land_saves_once_on_the_second_press(
    fake: FakeSheetsServer,
) -> None:
    sid, store = ward(fake)
    store.snapshot()
    record = {ID: "LL-fedcba9876543210", "full_name": "Ngô Thị Mới", "tdp": "Tổ dân phố 5",
              "status": "Đề xuất"}
    store._uncertain.add(record[ID])  # as after a timeout the server never acted on
    assert store.find("members", record[ID]) is None
    store.append("members", [record], ACTOR)
    names = [r[column(fake, sid, "Họ và tên")] for r in by_id(fake, sid).values()]
    assert names.count("Ngô Thị Mới") == 1


def test_one_save_with_permanent_503_and_slow_answers_ends_within_the_deadline(
    fake: FakeSheetsServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socketserver.BaseServer, "handle_error", lambda *_: None)
    sid, _ = ward(fake)
    store = GSheetsStore.from_settings(
        Settings(backend=Backend.GSHEETS, spreadsheet=sid, sheets_api_url=fake.base_url,
                 deadline=2.0, request_timeout=0.8),
        policy=RetryPolicy(attempts=100, first_wait=0.05, max_wait=0.3))
    record = store.snapshot()["members"].records[1]
    fake.latency = 0.3
    fake.inject_faults(503, None)
    started = time.monotonic()
    with pytest.raises(BackendUnavailable):
        store.update("members", record[ID], {"note": "x"}, record, ACTOR)
    assert time.monotonic() - started < 2.0 + 0.8
    fake.clear_faults()
    fake.latency = 0.0
    time.sleep(0.4)


def test_a_title_and_a_blank_row_above_the_header_are_read_and_never_written(
    fake: FakeSheetsServer,
) -> None:
    sid, store = ward(fake)
    values = fake.get_values(sid, MEMBERS)
    title = ["DANH SÁCH LỰC LƯỢNG NÒNG CỐT Ở CƠ SỞ - TỔ DÂN PHỐ 5"]
    fake.set_values(sid, MEMBERS, [title, [], *values], value_input_option="RAW")
    store = open_store(fake, sid)
    snapshot = store.snapshot()
    assert len(snapshot["members"].records) == len(NAMES)
    assert not [p for p in snapshot["members"].problems if p.severity == "Lỗi"]
    assert snapshot["members"].records[0]["_row"] == 4
    [new] = store.append("members", [{"full_name": "Ngô Thị Mới", "tdp": "Tổ dân phố 5",
                                      "status": "Đề xuất"}], ACTOR)
    record = store.snapshot()["members"].by_id[new[ID]]
    store.update("members", record[ID], {"note": "dưới tiêu đề"}, record, ACTOR)
    rows = fake.get_values(sid, MEMBERS)
    assert rows[0] == title and rows[1] == [] and rows[2] == values[0]
    assert rows[-1][rows[2].index("Họ và tên")] == "Ngô Thị Mới"
    assert rows[-1][rows[2].index("Ghi chú")] == "dưới tiêu đề"
    setup_spreadsheet(store, rows=5, reference_data=False)
    assert fake.get_values(sid, MEMBERS)[0] == title


def test_a_tab_whose_header_cannot_be_found_is_reported_and_never_written(
    fake: FakeSheetsServer,
) -> None:
    sid, store = ward(fake)
    fake.set_values(sid, MEMBERS, [["DANH SÁCH"], ["STT", "Tên", "Ghi"], ["1", "An", "x"]],
                    value_input_option="RAW")
    store = open_store(fake, sid)
    snapshot = store.snapshot()
    assert any("dòng tiêu đề" in p.message for p in snapshot["members"].problems)
    before = fake.get_values(sid, MEMBERS)
    with pytest.raises(Exception, match="dòng tiêu đề"):
        store.append("members", [{"full_name": "X", "tdp": "Tổ dân phố 5",
                                  "status": "Đề xuất"}], ACTOR)
    assert fake.get_values(sid, MEMBERS) == before
    setup_spreadsheet(store, rows=5, reference_data=False)
    assert fake.get_values(sid, MEMBERS) == before


def test_the_peer_scenario_costs_at_most_three_requests(fake: FakeSheetsServer) -> None:
    sid, _ = ward(fake)
    fake.reset_log()
    store = open_store(fake, sid)
    cache = SnapshotCache(store)
    cache.get(60)                       # cold view: metadata + one read
    for _ in range(10):
        cache.get(60)                   # reruns
    cache.get(60)                       # a second visitor
    fake.type_row(sid, MEMBERS, len(fake.get_values(sid, MEMBERS)) + 1, TYPED)
    [new] = store.append("members", [{"full_name": "Ngô Thị Mới", "tdp": "Tổ dân phố 5",
                                      "status": "Đề xuất"}], ACTOR)
    shown = cache.get(60)               # a rerun shows the app's own write at once
    assert new[ID] in shown["members"].by_id
    cache.get(60)                       # a third visitor
    assert fake.count() <= 3
    assert any(r[1] == "Người mới gõ tay" for r in typed_rows(fake, sid))


def test_a_spreadsheet_with_many_audit_rows_reads_a_snapshot_of_the_same_size(
    fake: FakeSheetsServer,
) -> None:
    sid, store = ward(fake)
    fake.reset_log()
    store.snapshot()
    small = sum(r.response_bytes for r in fake.requests if r.operation == "values.batchGet")
    at = datetime(2025, 1, 1, 8, tzinfo=VN_TZ)
    store.load({"audit": [{"at": at, "actor": ACTOR, "action": "Sửa",
                           "sheet": MEMBERS, "record_id": f"LL-{i:016x}",
                           "before": "{}", "after": '{"Ghi chú": "x"}'} for i in range(5000)]})
    store = open_store(fake, sid)
    fake.reset_log()
    store.snapshot()
    big = sum(r.response_bytes for r in fake.requests if r.operation == "values.batchGet")
    assert big == small
    page, more = store.recent("audit", 50)
    assert len(page) == 50 and more and page[0]["record_id"] == f"LL-{4999:016x}"


@pytest.mark.parametrize("who", ["sorts by name, Z to A", "inserts a blank row at the top",
                                 "deletes the first row", "moves the last row to the top"])
def test_without_copy_paste_a_moved_row_is_put_back_from_what_the_write_read(
    fake: FakeSheetsServer, who: str,
) -> None:
    sid, store = ward(fake)
    store._copies = False  # a server that refuses copyPaste: put-backs use the write's read
    record = next(r for r in store.snapshot()["members"].records if r["full_name"] == NAMES[5])
    before = by_id(fake, sid)
    removed = set(before) - set(by_id_after_person(fake, sid, who, before))
    fake.before("spreadsheets.batchUpdate", lambda _r: PEOPLE[who](fake, sid))
    store.update("members", record[ID], {"note": "đã sửa"}, record, ACTOR)
    after = by_id(fake, sid)
    assert {k: v for k, v in after.items() if k != record[ID]} == {
        k: v for k, v in before.items() if k != record[ID] and k not in removed}
    assert after[record[ID]][column(fake, sid, "Ghi chú")] == "đã sửa"


def test_without_copy_paste_a_write_into_a_row_typed_meanwhile_says_so(
    fake: FakeSheetsServer,
) -> None:
    sid, store = ward(fake)
    store._copies = False
    record = next(r for r in store.snapshot()["members"].records if r["full_name"] == NAMES[0])
    fake.before("spreadsheets.batchUpdate",
                lambda _r: PEOPLE["types a new row at the top"](fake, sid))
    with pytest.raises(StoreError, match="ghi nhầm vào dòng 2"):
        store.update("members", record[ID], {"note": "đã sửa"}, record, ACTOR)
    actions = [a["action"] for a in store.read_sheet("audit").records]
    assert actions == [AuditAction.SUA, AuditAction.HUY]


def test_a_failed_copy_paste_makes_the_store_write_without_copies(
    fake: FakeSheetsServer,
) -> None:
    sid, store = ward(fake)
    record = store.snapshot()["members"].records[1]
    fake.inject_faults(400, 1, kind="write",
                       message='Invalid JSON payload received. Unknown name "copyPaste"')
    store.update("members", record[ID], {"note": "x"}, record, ACTOR)
    assert store._copies is False
    assert by_id(fake, sid)[record[ID]][column(fake, sid, "Ghi chú")] == "x"


def test_an_edit_made_in_the_sheet_stays_listed_across_reads_and_a_restart_until_reviewed(
    fake: FakeSheetsServer,
) -> None:
    from services.auth import Actor
    from services.changes import mark_reviewed, note_outside_changes, pending_outside_changes
    from services.choices import Role

    sid, store = ward(fake)

    def cache_of(store: GSheetsStore) -> SnapshotCache:
        return SnapshotCache(store, on_outside=lambda a, b: note_outside_changes(store, a, b))

    cache = cache_of(store)
    cache.get(60)
    record = cache.get(60)["members"].records[2]
    store.update("members", record[ID], {"note": "sửa trong ứng dụng"}, record, ACTOR)
    store.append("members", [{"full_name": "Ngô Thị Mới", "tdp": "Tổ dân phố 5", "gender": "Nữ",
                              "birth_year": 1990, "party_member": True, "phone": "0912 345 678",
                              "status": "Đề xuất", "approved_on": date(2025, 1, 2)}], ACTOR)
    store.append("units", [{"name": "Tổ dân phố 6", "kind": UnitKind.TO_DAN_PHO,
                            "must_register": True, "complex_area": False}], ACTOR)
    note = chr(65 + column(fake, sid, "Ghi chú"))
    row = next(i for i, r in enumerate(fake.get_values(sid, MEMBERS), start=1)
               if r and r[0] == cache.get(60)["members"].records[4][ID])
    fake.set_cell(sid, MEMBERS, f"{note}{row}", "sửa tay trong bảng tính")
    for _ in range(3):  # the read that notices it, then two more
        cache.refresh()
        cache.get(60)
    pending = pending_outside_changes(store.read_sheet("outside"))
    assert [(p["action"], p["record_id"]) for p in pending] == [
        (AuditAction.SUA, cache.get(60)["members"].records[4][ID])]
    assert "sửa tay trong bảng tính" in pending[0]["after"]
    restarted = cache_of(open_store(fake, sid))  # a restart: a new store and cache
    restarted.get(60)
    pending = pending_outside_changes(restarted.store.read_sheet("outside"))
    assert len(pending) == 1
    mark_reviewed(restarted.store, pending, Actor(ACTOR, "Cán bộ", Role.EDITOR))
    assert pending_outside_changes(restarted.store.read_sheet("outside")) == []


def test_a_snapshot_larger_than_one_answer_is_read_in_blocks_with_rows_in_place(
    fake: FakeSheetsServer,
) -> None:
    sid, store = ward(fake)
    store.load({"members": [{"full_name": f"Thành viên {i}", "tdp": "Tổ dân phố 5",
                             "status": "Đề xuất", "note": "x" * 40} for i in range(1500)]})
    fake.max_response_bytes = 60_000  # Google refuses answers past about 10 MB
    store = open_store(fake, sid)
    store.response_budget = 40_000
    fake.reset_log()
    members = store.snapshot()["members"]
    reads = [r for r in fake.requests if r.operation == "values.batchGet"]
    assert len(reads) > 2 and all(r.status == 200 for r in reads)
    assert len(members.records) == len(NAMES) + 1500 and not members.problems
    rows = [r["_row"] for r in members.records]
    assert rows == list(range(2, 2 + len(rows)))
    # A first guess too small for the tab: the refused answer is read again in finer blocks.
    store = open_store(fake, sid)
    store.response_budget = 2_000_000
    assert len(store.snapshot()["members"].records) == len(NAMES) + 1500


def test_a_name_typed_by_hand_without_an_id_is_taken_for_the_unique_check(
    fake: FakeSheetsServer,
) -> None:
    sid, store = ward(fake)
    store.snapshot()
    units = SHEETS["units"].title
    header = fake.get_values(sid, units)[0]
    row = [""] * len(header)
    row[header.index("Tên đơn vị")] = "Tổ dân vận số 8"
    fake.type_row(sid, units, len(fake.get_values(sid, units)) + 1, row)
    with pytest.raises(StoreError, match="đã có"):
        store.append("units", [{"name": "to dan van so 8", "kind": UnitKind.TO_DAN_VAN}], ACTOR)
    names = [r[header.index("Tên đơn vị")] for r in fake.get_values(sid, units)[1:]]
    assert names.count("Tổ dân vận số 8") == 1 and "to dan van so 8" not in names


def test_a_title_inserted_above_a_prepared_tab_moves_the_header_guard_to_the_header(
    fake: FakeSheetsServer,
) -> None:
    sid, _ = ward(fake)
    fake.insert_rows(sid, MEMBERS, 1, [["DANH SÁCH LỰC LƯỢNG NÒNG CỐT"], []])
    setup_spreadsheet(open_store(fake, sid), rows=5, reference_data=False)
    ranges = fake.protected_ranges(sid, MEMBERS)
    assert [(r["range"].get("startRowIndex", 0), r["range"].get("endRowIndex")) for r in ranges
            ] == [(2, 3)]
    assert fake.sheet_properties(sid, MEMBERS)["gridProperties"]["frozenRowCount"] == 3
    report = setup_spreadsheet(open_store(fake, sid), rows=5, reference_data=False)
    assert report == ["Bảng tính đã sẵn sàng; không cần thay đổi gì."]
