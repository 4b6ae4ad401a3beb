"""The store interface every backend implements, its errors, and what all backends share."""

from __future__ import annotations

import json
import secrets
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from services.choices import AuditAction
from services.clock import now
from services.schema import ARCHIVED, ID, SHEETS, Record, Sheet
from services.text import fold
from services.validation import RawTable, Snapshot, Table, validate_snapshot

# One update of one record: (id, the changed columns, the values the person edited from).
Update = tuple[str, Mapping[str, Any], Mapping[str, Any]]


class StoreError(Exception):
    """A store operation failed; `str(err)` is a plain Vietnamese sentence for people."""


class NotFoundError(StoreError):
    """The record is no longer there (deleted, or its id was changed in the sheet)."""


class ConflictError(StoreError):
    """The record changed since it was read; nothing was written."""

    def __init__(self, message: str, changed: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.changed = list(changed)


class DuplicateError(ConflictError):
    """A value that must be unique (a unit's or campaign's name) is already in the sheet."""


class BackendUnavailable(StoreError):
    """The backend could not be reached or refused the request, after retries."""


class WriteUnknown(BackendUnavailable):
    """A write was sent but its answer was lost: it may or may not have been applied."""


WRITE_UNKNOWN = ("Google Sheets không trả lời kịp; có thể đã lưu, có thể chưa. Dữ liệu bạn nhập "
                 "vẫn còn trên màn hình: hãy kiểm tra đã lưu chưa trước khi làm lại; lưu lại "
                 "cũng không tạo dòng trùng.")


class SetupError(StoreError):
    """The backend is not set up the way the schema needs (a missing tab or column)."""


def new_id(sheet: Sheet, taken: Iterable[str] = ()) -> str:
    """Return a fresh random id with the sheet's prefix, e.g. "MH-3f9a2c1b07d4e615".

    Random rather than sequential, so two people saving at once never get the same id; 64
    random bits, so a collision is not expected before billions of rows; and never one of
    the ids already `taken`.
    """
    taken = taken if isinstance(taken, (set, frozenset, dict)) else set(taken)
    while True:
        candidate = f"{sheet.id_prefix}-{secrets.token_hex(8)}"
        if candidate not in taken:
            return candidate


def clean(sheet: Sheet, record: Mapping[str, Any]) -> Record:
    """Return only the schema's columns of a record, in order, missing ones as None."""
    return {key: record.get(key) for key in sheet.keys}


def with_ids(sheet: Sheet, records: Sequence[Mapping[str, Any]],
             taken: Iterable[str] = ()) -> list[Record]:
    """Return the records cut to the schema's columns, each with its id (a new one if missing)."""
    taken = set(taken)
    out = []
    for record in records:
        row = clean(sheet, record)
        row[ID] = row.get(ID) or new_id(sheet, taken)
        taken.add(row[ID])
        out.append(row)
    return out


def duplicates(sheet: Sheet, stored: Iterable[Mapping[str, Any]],
               written: Sequence[Mapping[str, Any]]) -> DuplicateError | None:
    """Return the error for a written value that must be unique and is already stored.

    Values compare as people read them (case, spacing and diacritics aside), like the
    references that point at them; a record may keep its own value.
    """
    columns = [c for c in sheet.columns if c.unique and c.key != ID]
    if not columns:
        return None
    ids = {str(r.get(ID)) for r in written}
    for column in columns:
        seen = {fold(str(r[column.key])): r for r in stored
                if r.get(column.key) not in (None, "") and str(r.get(ID)) not in ids}
        for record in written:
            value = record.get(column.key)
            if value in (None, ""):
                continue
            if fold(str(value)) in seen:
                return DuplicateError(
                    f"{column.header} “{value}” đã có trong bảng {sheet.title} (có thể ai đó vừa "
                    f"thêm); chưa lưu gì. Hãy chọn {column.header.lower()} khác hoặc sửa bản ghi "
                    "đã có.", [column.header])
            seen[fold(str(value))] = record
    return None


@dataclass(frozen=True)
class Written:
    """What one successful write changed in one sheet, so a cached snapshot can follow it."""

    sheet_key: str
    added: tuple[Record, ...] = ()
    updated: tuple[Record, ...] = ()
    deleted: tuple[str, ...] = ()


def changed_columns(sheet: Sheet, current: Mapping[str, Any], expected: Mapping[str, Any]) -> list[
    str
]:
    """Return the headers of the columns whose current value differs from what the user saw."""
    out = []
    for column in sheet.columns:
        if column.key in expected and not column.type.same(current.get(column.key),
                                                           expected.get(column.key)):
            out.append(column.header)
    return out


def conflict(sheet: Sheet, changed: Sequence[str]) -> ConflictError:
    """Build the error for a record someone else changed meanwhile."""
    cols = ", ".join(f'"{c}"' for c in changed)
    return ConflictError(
        f"{sheet.noun.capitalize()} này đã được người khác sửa sau khi bạn mở (cột {cols}). "
        "Chưa lưu gì cả: hãy tải lại dữ liệu, xem thay đổi rồi sửa lại.",
        changed,
    )


def not_found(sheet: Sheet, record_id: str) -> NotFoundError:
    """Build the error for a record that is gone."""
    return NotFoundError(
        f"Không tìm thấy {sheet.noun} có mã {record_id} trong bảng {sheet.title}: có thể đã bị "
        "xóa hoặc sửa mã. Hãy tải lại dữ liệu."
    )


def _json(sheet: Sheet, record: Mapping[str, Any] | None) -> str:
    if record is None:
        return ""
    data = {}
    for column in sheet.columns:
        if column.key in record:
            value = column.type.to_export(record[column.key])
            data[column.header] = value
    return json.dumps(data, ensure_ascii=False, default=str)


def audit_record(action: AuditAction, sheet: Sheet, record_id: str, actor: str,
                 before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> Record:
    """Build the audit row of one write; for an edit, only the changed columns are kept."""
    if before is not None and after is not None:
        keys = [c.key for c in sheet.columns
                if c.key in after and not c.type.same(before.get(c.key), after.get(c.key))]
        before, after = {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
    return {
        ID: new_id(SHEETS["audit"]),
        "at": now().replace(microsecond=0),
        "actor": actor,
        "action": action,
        "sheet": sheet.title,
        "record_id": record_id,
        "before": _json(sheet, before),
        "after": _json(sheet, after),
    }


def edit_action(changes: Mapping[str, Any]) -> AuditAction:
    """Return how the audit names an edit: archive, restore, or an ordinary change."""
    if ARCHIVED in changes:
        return AuditAction.LUU_TRU if changes[ARCHIVED] else AuditAction.KHOI_PHUC
    return AuditAction.SUA


class Store(ABC):
    """Read a snapshot of all sheets; append, update, archive and delete records.

    Every write is atomic and adds its audit row in the same write. Updates and deletes carry
    the values the person edited from (`expected`) and are refused with `ConflictError`
    when the stored record no longer holds them.
    """

    backend: ClassVar[str]

    def __init__(self) -> None:
        self._listeners: list[Callable[[Sequence[Written]], None]] = []
        self._listeners_lock = threading.Lock()

    def on_write(self, listener: Callable[[Sequence[Written]], None]) -> None:
        """Call `listener` with what each successful write changed (a cache follows writes)."""
        with self._listeners_lock:
            self._listeners.append(listener)

    def _written(self, changes: Sequence[Written]) -> None:
        with self._listeners_lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(changes)

    @abstractmethod
    def read(self) -> dict[str, RawTable]:
        """Return every sheet of the snapshot (`Sheet.in_snapshot`) as raw rows, in one read."""

    def snapshot(self) -> Snapshot:
        """Return every sheet validated."""
        return validate_snapshot(self.read())

    @abstractmethod
    def read_sheet(self, sheet_key: str) -> Table:
        """Read one sheet now, whatever the snapshot holds, validated on its own."""

    def find(self, sheet_key: str, record_id: str) -> Record | None:
        """Return the record with this id as stored now, or None (one read).

        A record found is passed to the listeners too: after an unknown outcome it is the
        app's own write, which the cached snapshot should show (not as a change outside).
        """
        found = self.read_sheet(sheet_key).by_id.get(record_id)
        if found is not None and SHEETS[sheet_key].in_snapshot:
            self._written([Written(sheet_key, added=(found,))])
        return found

    @abstractmethod
    def recent(self, sheet_key: str, limit: int, skip: int = 0) -> tuple[list[Record], bool]:
        """Return up to `limit` records, the last stored first, after skipping `skip` of them.

        The second value tells whether older records remain. The audit trail is read this
        way, a page at a time, however long it has grown.
        """

    @abstractmethod
    def append(self, sheet_key: str, records: Sequence[Mapping[str, Any]], actor: str, *,
               audit: bool = True) -> list[Record]:
        """Add records (ids are given where missing) and return them as stored.

        Idempotent by id: a record whose id is already stored is not added again (a second
        press of "Lưu" after an unknown outcome), and the stored one is returned. Values that
        must be unique are checked against the sheet at write time (`DuplicateError`).
        """

    def update(self, sheet_key: str, record_id: str, changes: Mapping[str, Any],
               expected: Mapping[str, Any], actor: str) -> Record:
        """Change some columns of one record if it still holds `expected`; return it."""
        [after] = self.update_many(sheet_key, [(record_id, changes, expected)], actor)
        return after

    def update_many(self, sheet_key: str, updates: Sequence[Update], actor: str) -> list[Record]:
        """Apply several (id, changes, expected) updates of one sheet in one write: all or none."""
        return self.update_batch({sheet_key: updates}, actor)[sheet_key]

    @abstractmethod
    def update_batch(self, batch: Mapping[str, Sequence[Update]], actor: str) -> dict[
        str, list[Record]
    ]:
        """Apply updates to several sheets in one write (a rename and its references).

        All or nothing: one record changed meanwhile (`ConflictError`), gone
        (`NotFoundError`) or a unique value taken (`DuplicateError`) and nothing is written.
        """

    @abstractmethod
    def delete(self, sheet_key: str, record_id: str, expected: Mapping[str, Any],
               actor: str) -> None:
        """Remove one record if it still holds `expected`."""

    def archive(self, sheet_key: str, record_id: str, expected: Mapping[str, Any],
                actor: str) -> Record:
        """Mark a record archived (hidden from lists, kept in the sheet)."""
        return self.update(sheet_key, record_id, {ARCHIVED: True}, expected, actor)

    def restore(self, sheet_key: str, record_id: str, expected: Mapping[str, Any],
                actor: str) -> Record:
        """Bring an archived record back into the lists."""
        return self.update(sheet_key, record_id, {ARCHIVED: False}, expected, actor)

    @abstractmethod
    def load(self, data: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        """Bulk-load reference or demo data into empty sheets, without audit rows."""

    @abstractmethod
    def is_empty(self) -> bool:
        """Tell whether the store holds no records at all (first start)."""

    def describe(self) -> str:
        """Return where the data lives, for the screen (never a secret)."""
        return self.backend

    def cell_link(self, sheet_key: str, row: int | None, column_key: str | None) -> str | None:
        """Return a URL opening the data at this row and column, or None where there is none.

        A spreadsheet backend links to the cell a problem names so people can fix it there.
        """
        return None
