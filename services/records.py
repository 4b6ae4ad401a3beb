"""Saving records: validate with the same rules as the sheet, check the role, then write once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.auth import Actor, require_sheet_write
from services.coltypes import Ref
from services.schema import ID, SHEETS, Record
from services.store.base import (
    ConflictError,
    NotFoundError,
    Store,
    StoreError,
    Update,
    WriteUnknown,
    new_id,
)
from services.text import fold, nfc
from services.validation import ROW, Problem, Snapshot, validate_record


@dataclass
class SaveResult:
    """What happened to a save: the stored record, or what stopped it; never both.

    `unknown` says the answer was lost after the write was sent: it may have been applied.
    Saving the same form again is safe (the record keeps its id), and `check_saved` says which.
    """

    record: Record | None = None
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None
    conflict: bool = False
    unknown: bool = False

    def __post_init__(self) -> None:
        if self.record is not None and (self.problems or self.error):
            raise ValueError("a save either succeeded or did not; SaveResult cannot be both")

    @property
    def ok(self) -> bool:
        """Tell whether the record was written."""
        return self.record is not None

    def messages(self) -> list[str]:
        """Return every reason the save did not happen, as sentences for people."""
        out = [f"{p.column}: {p.message}" if p.column else p.message for p in self.problems]
        return out + ([self.error] if self.error else [])


def _failed(err: StoreError) -> SaveResult:
    return SaveResult(error=str(err), conflict=isinstance(err, (ConflictError, NotFoundError)),
                      unknown=isinstance(err, WriteUnknown))


def new_record_id(sheet_key: str, snapshot: Snapshot | None = None) -> str:
    """Return the id a new record of this sheet will be saved with (made once per form)."""
    taken = snapshot[sheet_key].by_id if snapshot is not None else ()
    return new_id(SHEETS[sheet_key], taken)


def create(store: Store, snapshot: Snapshot, sheet_key: str, values: Mapping[str, Any],
           actor: Actor, record_id: str | None = None) -> SaveResult:
    """Validate a new record from a form and append it (one write, audit included).

    `record_id` is the id the form made when it was opened: saving again after an unknown
    outcome finds the first write instead of adding a second row.
    """
    require_sheet_write(actor, sheet_key)
    record, problems = validate_record(sheet_key, values, snapshot)
    if problems:
        return SaveResult(problems=problems)
    record[ID] = record_id or new_record_id(sheet_key, snapshot)
    try:
        [stored] = store.append(sheet_key, [record], actor.label)
    except StoreError as err:
        return _failed(err)
    return SaveResult(record=stored)


def check_saved(store: Store, sheet_key: str, record_id: str) -> bool:
    """Tell whether a record with this id is in the sheet now (after an unknown outcome)."""
    return store.find(sheet_key, record_id) is not None


def edit(store: Store, snapshot: Snapshot, sheet_key: str, record_id: str,
         values: Mapping[str, Any], expected: Mapping[str, Any], actor: Actor) -> SaveResult:
    """Validate an edited record and write the changed columns if nobody changed it meanwhile.

    Renaming a record other sheets point at (a unit, a campaign) carries the references along
    in the same write: all of it lands, or none of it.
    """
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
    batch: dict[str, list[Update]] = {sheet_key: [(record_id, changes, _seen(expected))]}
    label = sheet.label_column
    if label in changes and nfc(str(expected.get(label) or "")) != nfc(str(changes[label])):
        for key, updates in rename_updates(snapshot, sheet_key, str(expected[label]),
                                           str(changes[label])).items():
            require_sheet_write(actor, key)
            batch.setdefault(key, []).extend(updates)
    try:
        stored = store.update_batch(batch, actor.label)
    except StoreError as err:
        return _failed(err)
    return SaveResult(record=stored[sheet_key][0])


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


def rename_updates(snapshot: Snapshot, sheet_key: str, old: str, new: str) -> dict[
    str, list[Update]
]:
    """Return, per sheet, the updates that point every reference to a renamed record anew."""
    out: dict[str, list[Update]] = {}
    for key, found in references_to(snapshot, sheet_key, old).items():
        columns = [c.key for c in SHEETS[key].columns
                   if isinstance(c.type, Ref) and c.type.sheet == sheet_key]
        out[key] = [(r[ID], {c: new for c in columns if fold(str(r.get(c) or "")) == fold(old)},
                     _seen(r)) for r in found if r.get(ID)]
    return out


def archive(store: Store, sheet_key: str, record_id: str, expected: Mapping[str, Any],
            actor: Actor) -> SaveResult:
    """Archive a record if nobody changed it meanwhile."""
    return _set_archived(store, sheet_key, record_id, expected, actor, archived=True)


def restore(store: Store, sheet_key: str, record_id: str, expected: Mapping[str, Any],
            actor: Actor) -> SaveResult:
    """Bring an archived record back if nobody changed it meanwhile."""
    return _set_archived(store, sheet_key, record_id, expected, actor, archived=False)


def _set_archived(store: Store, sheet_key: str, record_id: str, expected: Mapping[str, Any],
                  actor: Actor, *, archived: bool) -> SaveResult:
    require_sheet_write(actor, sheet_key)
    write = store.archive if archived else store.restore
    try:
        return SaveResult(record=write(sheet_key, record_id, _seen(expected), actor.label))
    except StoreError as err:
        return _failed(err)


def _seen(expected: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in expected.items() if k != ROW}
