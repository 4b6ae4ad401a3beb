"""Saving records: validate with the same rules as the sheet, check the role, then write once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.auth import Actor, require_sheet_write
from services.coltypes import Ref
from services.schema import ID, SHEETS, Record
from services.store.base import ConflictError, NotFoundError, Store, StoreError
from services.text import fold
from services.validation import ROW, Problem, Snapshot, validate_record


@dataclass
class SaveResult:
    """What happened to a save: the stored record, or the problems / error that stopped it."""

    record: Record | None = None
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None
    conflict: bool = False

    @property
    def ok(self) -> bool:
        """Tell whether the record was written."""
        return self.record is not None

    def messages(self) -> list[str]:
        """Return every reason the save did not happen, as sentences for people."""
        out = [f"{p.column}: {p.message}" if p.column else p.message for p in self.problems]
        return out + ([self.error] if self.error else [])


def create(store: Store, snapshot: Snapshot, sheet_key: str, values: Mapping[str, Any],
           actor: Actor) -> SaveResult:
    """Validate a new record from a form and append it (one write, audit included)."""
    require_sheet_write(actor, sheet_key)
    record, problems = validate_record(sheet_key, values, snapshot)
    if problems:
        return SaveResult(problems=problems)
    record.pop(ID, None)
    try:
        [stored] = store.append(sheet_key, [record], actor.label)
    except StoreError as err:
        return SaveResult(error=str(err))
    return SaveResult(record=stored)


def edit(store: Store, snapshot: Snapshot, sheet_key: str, record_id: str,
         values: Mapping[str, Any], expected: Mapping[str, Any], actor: Actor) -> SaveResult:
    """Validate an edited record and write the changed columns if nobody changed it meanwhile."""
    require_sheet_write(actor, sheet_key)
    sheet = SHEETS[sheet_key]
    merged = {**{k: v for k, v in expected.items() if k != ROW}, **values}
    record, problems = validate_record(sheet_key, merged, snapshot, record_id=record_id)
    if problems:
        return SaveResult(problems=problems)
    changes = {k: record[k] for k in sheet.keys
               if k != ID and k in values and not sheet.column(k).type.same(record[k],
                                                                           expected.get(k))}
    if not changes:
        return SaveResult(record=dict(expected))
    try:
        stored = store.update(sheet_key, record_id, changes, _seen(expected), actor.label)
    except (ConflictError, NotFoundError) as err:
        return SaveResult(error=str(err), conflict=True)
    except StoreError as err:
        return SaveResult(error=str(err))
    label = sheet.label_column
    if label in changes and fold(str(expected.get(label) or "")) != fold(str(changes[label])):
        try:
            follow_rename(store, snapshot, sheet_key, str(expected[label]), str(changes[label]),
                          actor)
        except StoreError as err:
            return SaveResult(record=stored, error=f"Đã đổi tên nhưng chưa cập nhật được các "
                                                   f"dòng đang dùng tên cũ: {err}")
    return SaveResult(record=stored)


def references_to(snapshot: Snapshot, sheet_key: str, label: str) -> dict[str, list[Record]]:
    """Return, per sheet, the records whose reference columns point at this label."""
    out: dict[str, list[Record]] = {}
    for key, sheet in SHEETS.items():
        columns = [c.key for c in sheet.columns
                   if isinstance(c.type, Ref) and c.type.sheet == sheet_key]
        if columns:
            found = [r for r in snapshot[key].records
                     if any(fold(str(r.get(c) or "")) == fold(label) for c in columns)]
            if found:
                out[key] = found
    return out


def follow_rename(store: Store, snapshot: Snapshot, sheet_key: str, old: str, new: str,
                  actor: Actor) -> int:
    """Point every reference to a renamed record at its new label; one write per sheet."""
    count = 0
    for key, found in references_to(snapshot, sheet_key, old).items():
        require_sheet_write(actor, key)
        columns = [c.key for c in SHEETS[key].columns
                   if isinstance(c.type, Ref) and c.type.sheet == sheet_key]
        updates = [(r[ID], {c: new for c in columns if fold(str(r.get(c) or "")) == fold(old)},
                    _seen(r)) for r in found if r.get(ID)]
        store.update_many(key, updates, actor.label)
        count += len(updates)
    return count


def archive(store: Store, sheet_key: str, record_id: str, expected: Mapping[str, Any],
            actor: Actor) -> SaveResult:
    """Archive a record if nobody changed it meanwhile."""
    require_sheet_write(actor, sheet_key)
    try:
        return SaveResult(record=store.archive(sheet_key, record_id, _seen(expected),
                                               actor.label))
    except StoreError as err:
        return SaveResult(error=str(err))


def _seen(expected: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in expected.items() if k != ROW}
