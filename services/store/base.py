"""The store interface every backend implements, its errors, and what all backends share."""

from __future__ import annotations

import json
import secrets
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from services.choices import AuditAction
from services.clock import now
from services.schema import ARCHIVED, ID, SHEETS, Record, Sheet
from services.validation import RawTable, Snapshot, validate_snapshot


class StoreError(Exception):
    """A store operation failed; `str(err)` is a plain Vietnamese sentence for people."""


class NotFoundError(StoreError):
    """The record is no longer there (deleted, or its id was changed in the sheet)."""


class ConflictError(StoreError):
    """The record changed since it was read; nothing was written."""

    def __init__(self, message: str, changed: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.changed = list(changed)


class BackendUnavailable(StoreError):
    """The backend could not be reached or refused the request, after retries."""


class SetupError(StoreError):
    """The backend is not set up the way the schema needs (a missing tab or column)."""


def new_id(sheet: Sheet) -> str:
    """Return a fresh random id with the sheet's prefix, e.g. "MH-3f9a2c1b"."""
    # Random rather than sequential: two people saving at once never get the same id.
    return f"{sheet.id_prefix}-{secrets.token_hex(4)}"


def clean(sheet: Sheet, record: Mapping[str, Any]) -> Record:
    """Return only the schema's columns of a record, in order, missing ones as None."""
    return {key: record.get(key) for key in sheet.keys}


def with_ids(sheet: Sheet, records: Sequence[Mapping[str, Any]]) -> list[Record]:
    """Return the records cut to the schema's columns, each with its id (a new one if missing)."""
    out = []
    for record in records:
        row = clean(sheet, record)
        row[ID] = row.get(ID) or new_id(sheet)
        out.append(row)
    return out


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


class Store(ABC):
    """Read a snapshot of all sheets; append, update, archive and delete records.

    Every write is atomic and adds its audit row in the same write. Updates and deletes carry
    the values the person edited from (`expected`) and are refused with `ConflictError`
    when the stored record no longer holds them.
    """

    backend: ClassVar[str]

    @abstractmethod
    def read(self) -> dict[str, RawTable]:
        """Return every sheet as raw rows, in one consistent read."""

    def snapshot(self) -> Snapshot:
        """Return every sheet validated."""
        return validate_snapshot(self.read())

    @abstractmethod
    def append(self, sheet_key: str, records: Sequence[Mapping[str, Any]], actor: str) -> list[
        Record
    ]:
        """Add records (ids are given where missing) and return them as stored."""

    def update(self, sheet_key: str, record_id: str, changes: Mapping[str, Any],
               expected: Mapping[str, Any], actor: str) -> Record:
        """Change some columns of one record if it still holds `expected`; return it."""
        [after] = self.update_many(sheet_key, [(record_id, changes, expected)], actor)
        return after

    @abstractmethod
    def update_many(self, sheet_key: str,
                    updates: Sequence[tuple[str, Mapping[str, Any], Mapping[str, Any]]],
                    actor: str) -> list[Record]:
        """Apply several (id, changes, expected) updates in one write: all or none."""

    @abstractmethod
    def delete(self, sheet_key: str, record_id: str, expected: Mapping[str, Any],
               actor: str) -> None:
        """Remove one record if it still holds `expected`."""

    def archive(self, sheet_key: str, record_id: str, expected: Mapping[str, Any],
                actor: str) -> Record:
        """Mark a record archived (hidden from lists, kept in the sheet)."""
        return self.update(sheet_key, record_id, {ARCHIVED: True}, expected, actor)

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
