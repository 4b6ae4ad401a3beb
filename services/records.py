"""Saving records: validate with the same rules as the sheet, check the role, then write once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.auth import Actor, require_sheet_write
from services.schema import ID, SHEETS, Record
from services.store.base import ConflictError, NotFoundError, Store, StoreError
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
    return SaveResult(record=stored)


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
