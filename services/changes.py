"""Changes to the data: the audit trail read back, and rows changed outside the app.

The app writes an audit row with every change it makes. The process's cached snapshot follows
those writes, so when the store is read again, whatever differs from the cached copy (compared
by record id) was changed by someone in the spreadsheet itself. Each such change is kept in the
"Thay đổi ngoài ứng dụng" sheet until an editor marks it reviewed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from services.auth import Actor, require_sheet_read, require_sheet_write
from services.choices import AuditAction
from services.clock import VN_TZ, now
from services.schema import ID, SHEETS, Record, Sheet
from services.store.base import Store, StoreError, Update
from services.text import header_key, matches
from services.validation import ROW, Problem, Severity, Snapshot, Table

AUDIT: Sheet = SHEETS["audit"]
Linker = Callable[[str, int | None, str | None], str | None]
# Column headers shared by the tables this module builds.
BEFORE, AFTER = "Trước", "Sau"


# --- the audit trail -----------------------------------------------------------------------


@dataclass(frozen=True)
class CellChange:
    """One column of a record before and after a change, as people read it."""

    column: str
    before: str
    after: str

    def text(self) -> str:
        """Return "Cột: trước → sau"."""
        return f"{self.column}: {self.before or '(trống)'} → {self.after or '(trống)'}"


def _load(text: object) -> dict[str, Any]:
    if not text:
        return {}
    try:
        data = json.loads(str(text))
    except ValueError:
        return {"": str(text)}  # typed by hand: shown as it is rather than lost
    return data if isinstance(data, dict) else {"": str(data)}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    return str(value)


def audit_diff(entry: Mapping[str, Any]) -> list[CellChange]:
    """Return what an audit row says changed, column by column, from its before/after JSON."""
    before, after = _load(entry.get("before")), _load(entry.get("after"))
    columns = list(before) + [c for c in after if c not in before]
    return [CellChange(c, _cell(before.get(c)), _cell(after.get(c))) for c in columns
            if _cell(before.get(c)) != _cell(after.get(c))]


def diff_frame(changes: Sequence[CellChange]) -> pd.DataFrame:
    """Return changes as a small table: column, before, after."""
    return pd.DataFrame([[c.column, c.before, c.after] for c in changes],
                        columns=["Cột", BEFORE, AFTER])


def newest_first(entries: Iterable[Record]) -> list[Record]:
    """Sort audit rows by time, the latest first (rows without a time last).

    Times are whole seconds, so rows of the same second keep the store's order, reversed:
    the app appends audit rows, the later below.
    """
    oldest = datetime.min.replace(tzinfo=VN_TZ)
    return sorted(list(entries)[::-1], key=lambda e: e.get("at") or oldest, reverse=True)


def filter_audit(entries: Iterable[Record], *, actors: Collection[str] = (),
                 actions: Collection[str] = (), sheets: Collection[str] = (),
                 start: date | None = None, end: date | None = None,
                 query: str = "") -> list[Record]:
    """Keep the audit rows matching every filter given (empty filters keep everything).

    Days are Vietnam days; the query matches the record id and the values, accents aside.
    """
    def keep(entry: Record) -> bool:
        at = entry.get("at")
        day = at.astimezone(VN_TZ).date() if isinstance(at, datetime) else None
        if (start or end) and (day is None or (start and day < start) or (end and day > end)):
            return False
        return ((not actors or entry.get("actor") in actors)
                and (not actions or entry.get("action") in actions)
                and (not sheets or entry.get("sheet") in sheets)
                and (not query.strip()
                     or matches(query, entry.get("record_id"), *_values(entry.get("before")),
                                *_values(entry.get("after")))))

    return [e for e in entries if keep(e)]


def _values(text: object) -> list[str]:
    return [_cell(v) for v in _load(text).values()]


def summary(entry: Mapping[str, Any], limit: int = 3) -> str:
    """Return the first changes of an audit row in one line ("Cột: a → b; …").

    The id is left out: the listing shows it in its own column.
    """
    id_header = AUDIT.column(ID).header
    changes = [c for c in audit_diff(entry) if c.column != id_header]
    text = "; ".join(c.text() for c in changes[:limit])
    return text + (f"; … (+{len(changes) - limit} cột)" if len(changes) > limit else "")


def audit_frame(entries: Sequence[Record]) -> pd.DataFrame:
    """Return audit rows as the page lists them: when, who, what, where, and a summary."""
    at = AUDIT.column("at").type
    return pd.DataFrame(
        [[at.display(e.get("at")), e.get("actor"), e.get("action"), e.get("sheet"),
          e.get("record_id"), summary(e)] for e in entries],
        columns=[AUDIT.column(k).header for k in ("at", "actor", "action", "sheet",
                                                   "record_id")] + ["Nội dung thay đổi"],
    )


# --- the audit trail a page at a time ------------------------------------------------------

# Audit rows read at a time: the trail only grows, so it is never read whole.
AUDIT_PAGE = 200


@dataclass(frozen=True)
class AuditPages:
    """The newest audit rows loaded so far, newest first, and whether older ones remain."""

    entries: tuple[Record, ...] = ()
    more: bool = True
    pages: int = 0


def read_older(store: Store, loaded: AuditPages | None = None,
               page_size: int = AUDIT_PAGE, *, actor: Actor) -> AuditPages:
    """Add the next page of older audit rows to those loaded (one read; admins only)."""
    require_sheet_read(actor, AUDIT.key)
    loaded = loaded or AuditPages()
    # Skip by position, not by rows kept: rows with errors are read but not returned.
    page, more = store.recent(AUDIT.key, page_size, skip=loaded.pages * page_size)
    # Rows written since the first page push the older ones down: drop what is already here.
    seen = {e.get(ID) for e in loaded.entries if e.get(ID)}
    fresh = [e for e in page if not e.get(ID) or e.get(ID) not in seen]
    return AuditPages(loaded.entries + tuple(fresh), more, loaded.pages + 1)


def read_audit(store: Store, pages: int = 1, page_size: int = AUDIT_PAGE, *,
               actor: Actor) -> AuditPages:
    """Read the newest `pages` pages of the audit trail, one read per page.

    Reads on past a page whose rows all have errors, so what is shown is never empty while
    older rows remain.
    """
    loaded = AuditPages()
    while loaded.more and (loaded.pages < pages or not loaded.entries):
        loaded = read_older(store, loaded, page_size, actor=actor)
    return loaded


def read_outside(store: Store, actor: Actor) -> Table:
    """Read the changes made outside the app, kept until reviewed (one read; editors up)."""
    require_sheet_read(actor, OUTSIDE.key)
    return store.read_sheet(OUTSIDE.key)


# --- rows changed outside the app ----------------------------------------------------------

OUTSIDE: Sheet = SHEETS["outside"]
# Who the "Thay đổi ngoài ứng dụng" rows name as having noticed the change.
DETECTED_BY = "ứng dụng (so sánh hai lần đọc)"


@dataclass(frozen=True)
class OutsideChange:
    """A row added, removed or edited in the spreadsheet between two reads of the app.

    An edit holds the changed columns; an addition or a removal holds every column of the
    row (before empty for an addition, after empty for a removal).
    """

    sheet: str
    record_id: str
    kind: AuditAction
    row: int | None
    cells: tuple[CellChange, ...] = ()


def _errors(table: Table) -> dict[str, list[Problem]]:
    out: dict[str, list[Problem]] = {}
    for p in table.problems:
        if p.record_id and p.severity == Severity.ERROR:
            out.setdefault(p.record_id, []).append(p)
    return out


def _cells(sheet: Sheet, before: Record, after: Record) -> tuple[CellChange, ...]:
    return tuple(CellChange(c.header, c.type.display(before.get(c.key)),
                            c.type.display(after.get(c.key)))
                 for c in sheet.columns if not c.type.same(before.get(c.key), after.get(c.key)))


def _whole(sheet: Sheet, record: Record, *, added: bool) -> tuple[CellChange, ...]:
    shown = [(c.header, c.type.display(record.get(c.key))) for c in sheet.columns]
    return tuple(CellChange(h, "", v) if added else CellChange(h, v, "") for h, v in shown)


def _broken(sheet: Sheet, good: Record, problems: Sequence[Problem], *,
            now_broken: bool) -> tuple[CellChange, ...]:
    """Return the cells of a row that broke (or was mended): its good value and the bad one."""
    cells: list[CellChange] = []
    for p in problems:
        if not (p.column_key and sheet.has(p.column_key)):
            continue
        shown = sheet.column(p.column_key).type.display(good.get(p.column_key))
        typed = _cell(p.value)
        if shown != typed:
            cells.append(CellChange(p.column, shown, typed) if now_broken
                         else CellChange(p.column, typed, shown))
    # None of its own cells changed: it broke because of another row (a unit renamed or
    # removed). That row is the change; this one is listed among the problems to fix.
    return tuple(dict.fromkeys(cells))  # one cell can break several rules


def outside_changes(previous: Snapshot, current: Snapshot) -> list[OutsideChange]:
    """Compare two reads by record id; return every row added, removed or edited between them.

    Only columns count, not positions: a sort alone is no change. A row people broke (it now
    has an error, so it is left out of the good records) is reported as edited, not removed,
    and one they mended as edited, not added. Rows without an id cannot be followed and are
    skipped. Sheets outside the snapshot (the audit trail) are not compared.
    """
    out: list[OutsideChange] = []
    for key, sheet in SHEETS.items():
        if not sheet.in_snapshot:
            continue
        old, new = previous[key].by_id, current[key].by_id
        broken, mended = _errors(current[key]), _errors(previous[key])
        for record_id, before in old.items():
            after = new.get(record_id)
            if after is not None:
                if cells := _cells(sheet, before, after):
                    out.append(OutsideChange(key, record_id, AuditAction.SUA, after.get(ROW),
                                             cells))
            elif record_id in broken:
                problems = broken[record_id]
                if cells := _broken(sheet, before, problems, now_broken=True):
                    out.append(OutsideChange(key, record_id, AuditAction.SUA, problems[0].row,
                                             cells))
            else:
                out.append(OutsideChange(key, record_id, AuditAction.XOA, before.get(ROW),
                                         _whole(sheet, before, added=False)))
        for record_id, after in new.items():
            if record_id in old:
                continue
            if record_id in mended:
                cells = _broken(sheet, after, mended[record_id], now_broken=False)
                if cells:
                    out.append(OutsideChange(key, record_id, AuditAction.SUA, after.get(ROW),
                                             cells))
            else:
                out.append(OutsideChange(key, record_id, AuditAction.THEM, after.get(ROW),
                                         _whole(sheet, after, added=True)))
    return out


def _dumps(values: Mapping[str, str]) -> str:
    return json.dumps(dict(values), ensure_ascii=False) if values else ""


def outside_record(change: OutsideChange) -> Record:
    """Return the row that keeps an outside change until an editor marks it reviewed.

    Before and after are JSON objects {column header: value as shown}: the changed columns of
    an edit, the whole row of a removal (before) or of an addition (after).
    """
    return {
        "at": now().replace(microsecond=0),
        "sheet": SHEETS[change.sheet].title,  # as the audit names it, for people reading the tab
        "record_id": change.record_id,
        "action": change.kind,
        "row": change.row,
        "before": _dumps({} if change.kind == AuditAction.THEM
                         else {c.column: c.before for c in change.cells}),
        "after": _dumps({} if change.kind == AuditAction.XOA
                        else {c.column: c.after for c in change.cells}),
    }


def note_outside_changes(store: Store, previous: Snapshot, current: Snapshot) -> list[Record]:
    """Keep the changes made outside the app between two reads (one write, none if none).

    `previous` already holds the app's own writes (the cache follows them), so whatever
    differs was changed in the spreadsheet itself. A failed write loses nothing the sheet
    holds; the changes are then only not listed.
    """
    found = outside_changes(previous, current)
    if not found:
        return []
    try:
        return store.append(OUTSIDE.key, [outside_record(c) for c in found], DETECTED_BY,
                            audit=False)
    except StoreError:
        return []


# --- reviewing them ------------------------------------------------------------------------


def pending_outside_changes(table: Table) -> list[Record]:
    """Return the outside changes nobody has marked reviewed yet, newest first.

    A row counts as reviewed once either review column is filled, in the app or by hand.
    Rows without an id (typed by hand) cannot be marked and are left out.
    """
    return newest_first(r for r in table.records if r.get(ID)
                        and not r.get("reviewed_by") and not r.get("reviewed_at"))


def mark_reviewed(store: Store, entries: Sequence[Record], actor: Actor) -> list[Record]:
    """Mark outside changes as seen by this person in one write; return them as stored.

    Raises `PermissionDenied` for a role that may not, and `ConflictError` when one of them
    was marked meanwhile (nothing is written then).
    """
    require_sheet_write(actor, OUTSIDE.key)
    if not entries:
        return []
    seen = {"reviewed_by": actor.label, "reviewed_at": now().replace(microsecond=0)}
    # Only the review columns are compared: refused only when someone reviewed it meanwhile.
    updates: list[Update] = [(str(e[ID]), seen, {k: e.get(k) for k in seen}) for e in entries]
    return store.update_many(OUTSIDE.key, updates, actor.label)


def sheet_title(sheet_key: object) -> str:
    """Return the tab title of a sheet key ("members" → "Lực lượng nòng cốt"), else the text."""
    key = str(sheet_key or "")
    return SHEETS[key].title if key in SHEETS else key


def sheet_key_of(name: object) -> str:
    """Return the key of a sheet named by its key or by its tab title (as the audit names it)."""
    text = str(name or "")
    if text in SHEETS:
        return text
    return next((k for k, s in SHEETS.items() if header_key(s.title) == header_key(text)), text)


def _where_now(snapshot: Snapshot, sheet_key: str, record_id: str) -> int | None:
    """Return the row a record is on now, even if it has an error, or None if it is gone."""
    if sheet_key not in snapshot.tables:
        return None
    table = snapshot[sheet_key]
    if record_id in table.by_id:
        return table.by_id[record_id].get(ROW)
    return next((p.row for p in table.problems if p.record_id == record_id and p.row), None)


def outside_text(entry: Mapping[str, Any]) -> str:
    """Return what an outside change did, in one line: "Cột: trước → sau; …".

    An addition or a removal lists the row's values; the id is left out (its own column).
    """
    cells = audit_diff(entry)
    id_header = OUTSIDE.column(ID).header
    action = entry.get("action")
    if action == AuditAction.THEM:
        parts = [f"{c.column}: {c.after}" for c in cells if c.column != id_header]
    elif action == AuditAction.XOA:
        parts = [f"{c.column}: {c.before}" for c in cells if c.column != id_header]
    else:
        parts = [c.text() if c.column else c.after for c in cells]
    return "; ".join(parts)


def _first_column(entry: Mapping[str, Any], sheet_key: str) -> str | None:
    if entry.get("action") == AuditAction.THEM or sheet_key not in SHEETS:
        return ID
    by_header = {c.header: c.key for c in SHEETS[sheet_key].columns}
    return next((by_header[c.column] for c in audit_diff(entry) if c.column in by_header), ID)


OUTSIDE_TEXT = "Cột thay đổi (trước → sau)"
OPEN_CELL = "Mở ô"


def outside_frame(entries: Sequence[Record], snapshot: Snapshot,
                  link: Linker | None = None) -> pd.DataFrame:
    """Return outside changes as the page lists them, with a link where the row still is.

    The row is where the record is now (people may have sorted the sheet since), or where it
    was for a row that is gone.
    """
    rows = []
    for e in entries:
        sheet_key, record_id = sheet_key_of(e.get("sheet")), str(e.get("record_id") or "")
        now_at = _where_now(snapshot, sheet_key, record_id)
        rows.append([
            OUTSIDE.column("at").type.display(e.get("at")), sheet_title(sheet_key),
            now_at or e.get("row"), record_id, str(e.get("action") or ""), outside_text(e),
            link(sheet_key, now_at, _first_column(e, sheet_key))
            if link and now_at is not None else None,
        ])
    return pd.DataFrame(rows, columns=[OUTSIDE.column(k).header for k in (
        "at", "sheet", "row", "record_id", "action")] + [OUTSIDE_TEXT, OPEN_CELL])
