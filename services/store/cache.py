"""One validated snapshot per process, shared by every visitor, following the app's own writes.

A page view reads the data at most once per TTL for all sessions. After a write the cached
snapshot is patched from what the store wrote rather than read again, so a save costs only its
own request and the next page shows it at once. When the snapshot is read again (TTL, or
"Làm mới dữ liệu"), whatever differs from the patched copy was changed outside the app; a
callback records it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from services.coltypes import CellError, is_blank
from services.schema import ID, SHEETS, Record, Sheet
from services.store.base import Store, Written
from services.validation import ROW, Snapshot, Table

OutsideHook = Callable[[Snapshot, Snapshot], None]


def patched(snapshot: Snapshot, changes: Iterable[Written]) -> Snapshot:
    """Return a new snapshot with these writes applied (the given one is never mutated)."""
    tables = dict(snapshot.tables)
    for change in changes:
        if change.sheet_key not in tables or not SHEETS[change.sheet_key].in_snapshot:
            continue
        tables[change.sheet_key] = _patched_table(tables[change.sheet_key], change)
    return Snapshot(tables, snapshot.read_at)


def as_read(sheet: Sheet, record: Record) -> Record:
    """Return a written record as reading it back gives it (phones compacted, choices typed).

    Each value goes the way a write and a read take it; a value the type refuses stays as it
    is. So the next read does not mistake the app's own write for a change made outside.
    """
    out = dict(record)
    for column in sheet.columns:
        value = record.get(column.key)
        if is_blank(value):
            out[column.key] = None
            continue
        try:
            out[column.key] = column.type.parse(column.type.to_cell(value))
        except (CellError, TypeError, ValueError, AttributeError):
            out[column.key] = value
    return out


def _patched_table(table: Table, change: Written) -> Table:
    sheet = table.sheet
    change = Written(change.sheet_key, tuple(as_read(sheet, r) for r in change.added),
                     tuple(as_read(sheet, r) for r in change.updated), change.deleted)
    touched = {str(r[ID]) for r in (*change.added, *change.updated)} | set(change.deleted)
    rows = {str(r.get(ID)): r.get(ROW) for r in table.records}
    updated = {str(r[ID]): r for r in change.updated}
    records: list[Record] = []
    for record in table.records:
        record_id = str(record.get(ID))
        if record_id in change.deleted:
            continue
        if record_id in updated:
            record = {**record, **updated.pop(record_id), ROW: record.get(ROW)}
        records.append(record)
    # Rows the person fixed by editing them in the app (they were left out with an error).
    records += [{**r, ROW: None} for r in updated.values()]
    last = max([r.get(ROW) or 0 for r in table.records]
               + [p.row or 0 for p in table.problems], default=1)
    added = [r for r in change.added if str(r[ID]) not in rows]
    for offset, record in enumerate(added, start=1):
        # Where appendCells most likely put it; only used to link to the row.
        records.append({**record, ROW: record.get(ROW) or last + offset})
    problems = [p for p in table.problems if p.record_id not in touched]
    total = table.total_rows + len(added) - sum(1 for i in change.deleted if i in rows)
    return replace(table, records=records, problems=problems, total_rows=total)


class SnapshotCache:
    """The process's snapshot: reused until the TTL passes or `refresh`, patched by writes."""

    def __init__(self, store: Store, on_outside: OutsideHook | None = None) -> None:
        self.store = store
        self.on_outside = on_outside
        self.snapshot: Snapshot | None = None
        self.loaded_at = 0.0
        self.stale = False
        self._lock = threading.RLock()
        store.on_write(self.follow)

    def get(self, ttl: float) -> Snapshot:
        """Return the cached snapshot, reading the store again when it is older than `ttl`."""
        with self._lock:
            if (self.snapshot is None or self.stale
                    or time.monotonic() - self.loaded_at > ttl):
                fresh = self.store.snapshot()
                before = self.snapshot
                self.snapshot, self.stale = fresh, False
                self.loaded_at = time.monotonic()
                if before is not None and self.on_outside is not None:
                    self.on_outside(before, fresh)
            return self.snapshot

    def refresh(self) -> None:
        """Read again at the next `get` (and compare with the current snapshot then)."""
        with self._lock:
            self.stale = True

    def follow(self, changes: Sequence[Written]) -> None:
        """Apply a write of this process to the cached snapshot (no request)."""
        with self._lock:
            if self.snapshot is not None:
                self.snapshot = patched(self.snapshot, changes)
