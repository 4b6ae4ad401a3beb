"""The store contract: every backend must pass these tests.

A backend's test module subclasses `StoreContract` and provides a `store` fixture giving an
empty store with the schema in place.
"""

from __future__ import annotations

import threading
from datetime import date

import pytest

from services.choices import AuditAction, Field, ModelKind, RegistrationStatus, UnitKind
from services.store.base import ConflictError, DuplicateError, NotFoundError, Store

ACTOR = "can.bo@example.com"
INJECTIONS = ['=IMPORTXML("http://x")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-1+2", "0123"]


def unit(name: str = "Tổ dân phố 5", **extra: object) -> dict[str, object]:
    """Return a valid unit record."""
    return {"name": name, "kind": UnitKind.TO_DAN_PHO, "must_register": True, **extra}


class StoreContract:
    """Behaviour every store implementation promises."""

    def test_empty_store_reads_every_sheet_without_problems(self, store: Store) -> None:
        snapshot = store.snapshot()
        assert all(len(t.records) == 0 for t in snapshot.tables.values())
        assert snapshot.problems == []

    def test_append_returns_records_with_ids_and_they_read_back_typed(self, store: Store) -> None:
        [tdp] = store.append("units", [unit(phone="0912345678")], ACTOR)
        store.append("campaigns", [{"name": "“Dân vận khéo” năm 2024 - Đợt 1", "year": 2024,
                                    "register_by": date(2024, 4, 7),
                                    "report_by": date(2024, 9, 5)}], ACTOR)
        [reg] = store.append("registrations", [{
            "campaign": "“Dân vận khéo” năm 2024 - Đợt 1", "unit": "Tổ dân phố 5",
            "kind": ModelKind.CA_NHAN, "person": "Nguyễn Thị Hoa", "field": Field.KINH_TE,
            "model_name": "Dân vận khéo trong hiến đất làm đường",
            "registered_on": date(2024, 4, 1),
            "status": RegistrationStatus.DANG_KY, "crit_task": True,
        }], ACTOR)
        assert tdp["id"].startswith("DV-") and reg["id"].startswith("MH-")
        snapshot = store.snapshot()
        assert snapshot.problems == []
        got = snapshot["registrations"].by_id[reg["id"]]
        assert got["registered_on"] == date(2024, 4, 1)
        assert got["kind"] == ModelKind.CA_NHAN
        assert got["crit_task"] is True
        assert got["person"] == "Nguyễn Thị Hoa"
        assert snapshot["units"].by_id[tdp["id"]]["phone"] == "0912345678"

    def test_each_append_adds_an_audit_row_with_actor_and_values(self, store: Store) -> None:
        records = store.append("units", [unit("Tổ dân phố 1"), unit("Tổ dân phố 2")], ACTOR)
        audit = store.read_sheet("audit").records
        assert sorted(a["record_id"] for a in audit) == sorted(r["id"] for r in records)
        assert {a["action"] for a in audit} == {AuditAction.THEM}
        assert {a["actor"] for a in audit} == {ACTOR}
        assert all("Tổ dân phố" in a["after"] for a in audit)

    @pytest.mark.parametrize("text", INJECTIONS)
    def test_formula_like_text_is_stored_literally(self, store: Store, text: str) -> None:
        [record] = store.append("units", [unit(note=text)], ACTOR)
        assert store.snapshot()["units"].by_id[record["id"]]["note"] == text

    def test_update_changes_only_the_given_columns_and_is_audited(self, store: Store) -> None:
        [record] = store.append("units", [unit(head="Lê Văn Tám")], ACTOR)
        expected = store.snapshot()["units"].by_id[record["id"]]
        store.update("units", record["id"], {"phone": "0987654321"}, expected, ACTOR)
        after = store.snapshot()
        got = after["units"].by_id[record["id"]]
        assert got["phone"] == "0987654321" and got["head"] == "Lê Văn Tám"
        edit = [a for a in store.read_sheet("audit").records
                if a["action"] == AuditAction.SUA]
        assert len(edit) == 1
        assert "0987654321" in edit[0]["after"] and "Lê Văn Tám" not in edit[0]["after"]

    def test_stale_update_is_refused_and_changes_nothing(self, store: Store) -> None:
        [record] = store.append("units", [unit(head="Lê Văn Tám")], ACTOR)
        seen = store.snapshot()["units"].by_id[record["id"]]
        store.update("units", record["id"], {"head": "Phạm Thị Lan"}, seen, ACTOR)
        audits_before = len(store.read_sheet("audit").records)
        with pytest.raises(ConflictError) as err:
            store.update("units", record["id"], {"head": "Trần Văn Bốn"}, seen, ACTOR)
        assert "Người phụ trách" in str(err.value)
        after = store.snapshot()
        assert after["units"].by_id[record["id"]]["head"] == "Phạm Thị Lan"
        assert len(store.read_sheet("audit").records) == audits_before

    def test_update_of_a_missing_record_says_not_found(self, store: Store) -> None:
        with pytest.raises(NotFoundError):
            store.update("units", "DV-00000000", {"head": "X"}, {}, ACTOR)

    def test_archive_hides_from_active_but_keeps_the_row(self, store: Store) -> None:
        [record] = store.append("units", [unit()], ACTOR)
        seen = store.snapshot()["units"].by_id[record["id"]]
        store.archive("units", record["id"], seen, ACTOR)
        table = store.snapshot()["units"]
        assert table.by_id[record["id"]]["archived"] is True
        assert table.active() == []

    def test_delete_removes_the_row_and_a_stale_delete_is_refused(self, store: Store) -> None:
        [keep, gone] = store.append("units", [unit("Tổ dân phố 1"), unit("Tổ dân phố 2")], ACTOR)
        seen = store.snapshot()["units"].by_id
        store.update("units", keep["id"], {"head": "Mới"}, seen[keep["id"]], ACTOR)
        with pytest.raises(ConflictError):
            store.delete("units", keep["id"], seen[keep["id"]], ACTOR)
        store.delete("units", gone["id"], seen[gone["id"]], ACTOR)
        after = store.snapshot()
        assert set(after["units"].by_id) == {keep["id"]}
        assert any(a["action"] == AuditAction.XOA and a["record_id"] == gone["id"]
                   for a in store.read_sheet("audit").records)

    def test_load_fills_an_empty_store_without_audit_rows(self, store: Store) -> None:
        assert store.is_empty()
        store.load({"units": [unit("Tổ dân phố 1"), unit("Tổ dân phố 2")]})
        snapshot = store.snapshot()
        assert not store.is_empty()
        assert len(snapshot["units"].records) == 2
        assert store.read_sheet("audit").records == []

    @pytest.mark.slow
    def test_two_threads_appending_100_records_each_lose_nothing(self, store: Store) -> None:
        errors: list[BaseException] = []

        def worker(prefix: str) -> None:
            try:
                for i in range(100):
                    store.append("units", [unit(f"{prefix} {i}")], ACTOR)
            except BaseException as err:  # collected: a thread's failure must fail the test
                errors.append(err)

        threads = [threading.Thread(target=worker, args=(p,)) for p in ("Tổ A", "Tổ B")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        snapshot = store.snapshot()
        names = {r["name"] for r in snapshot["units"].records}
        assert len(names) == 200
        assert len(store.read_sheet("audit").records) == 200

    def test_update_many_writes_all_or_nothing_on_a_conflict(self, store: Store) -> None:
        [a, b] = store.append("units", [unit("Tổ dân phố 1"), unit("Tổ dân phố 2")], ACTOR)
        seen = store.snapshot()["units"].by_id
        store.update_many("units", [(a["id"], {"head": "Một"}, seen[a["id"]]),
                                    (b["id"], {"head": "Hai"}, seen[b["id"]])], ACTOR)
        now = store.snapshot()["units"].by_id
        assert (now[a["id"]]["head"], now[b["id"]]["head"]) == ("Một", "Hai")
        with pytest.raises(ConflictError):
            # The first update is fresh, the second stale: neither may land.
            store.update_many("units", [(a["id"], {"head": "Ba"}, now[a["id"]]),
                                        (b["id"], {"head": "Bốn"}, seen[b["id"]])], ACTOR)
        after = store.snapshot()["units"].by_id
        assert (after[a["id"]]["head"], after[b["id"]]["head"]) == ("Một", "Hai")

    def test_a_name_taken_meanwhile_is_refused_at_write_time(self, store: Store) -> None:
        store.append("units", [unit("Tổ dân phố 7")], ACTOR)
        with pytest.raises(DuplicateError) as err:
            # Another person's form was validated before the first save: the store still refuses.
            store.append("units", [unit("to dan pho 7")], ACTOR)
        assert "Tên đơn vị" in str(err.value)
        assert [r["name"] for r in store.snapshot()["units"].records] == ["Tổ dân phố 7"]
        # A transaction writes no audit for it; a spreadsheet says its row was taken out again.
        actions = [a["action"] for a in store.read_sheet("audit").records]
        assert actions in ([AuditAction.THEM], [AuditAction.THEM, AuditAction.THEM,
                                                AuditAction.HUY])

    def test_a_rename_onto_a_taken_name_is_refused_with_nothing_written(self, store: Store) -> None:
        [a, _] = store.append("units", [unit("Tổ dân phố 1"), unit("Tổ dân phố 2")], ACTOR)
        seen = store.snapshot()["units"].by_id[a["id"]]
        with pytest.raises(DuplicateError):
            store.update("units", a["id"], {"name": "Tổ dân phố 2"}, seen, ACTOR)
        assert sorted(r["name"] for r in store.snapshot()["units"].records) == [
            "Tổ dân phố 1", "Tổ dân phố 2"]

    def test_an_append_with_an_id_already_stored_returns_it_and_adds_nothing(
        self, store: Store,
    ) -> None:
        [first] = store.append("units", [unit("Tổ dân phố 3")], ACTOR)
        [again] = store.append("units", [{**unit("Tổ dân phố 3"), "id": first["id"]}], ACTOR)
        assert again["id"] == first["id"]
        assert len(store.snapshot()["units"].records) == 1

    def test_one_update_batch_changes_several_sheets_or_none(self, store: Store) -> None:
        [tdp] = store.append("units", [unit("Tổ dân phố 4")], ACTOR)
        [member] = store.append("members", [{"full_name": "Lê Thị Hoa", "tdp": "Tổ dân phố 4",
                                              "status": "Đề xuất"}], ACTOR)
        snap = store.snapshot()
        stale = snap["members"].by_id[member["id"]]
        store.update("members", member["id"], {"note": "sửa trước"}, stale, ACTOR)
        with pytest.raises(ConflictError):
            store.update_batch({"units": [(tdp["id"], {"name": "TDP 4"},
                                           snap["units"].by_id[tdp["id"]])],
                                "members": [(member["id"], {"tdp": "TDP 4"}, stale)]}, ACTOR)
        assert store.snapshot()["units"].by_id[tdp["id"]]["name"] == "Tổ dân phố 4"

    def test_new_ids_have_at_least_64_random_bits(self, store: Store) -> None:
        [record] = store.append("units", [unit("Tổ dân phố 8")], ACTOR)
        assert len(record["id"].split("-", 1)[1]) >= 16
