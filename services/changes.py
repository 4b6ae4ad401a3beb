"""Changes to the data: the audit trail read back, and rows changed outside the app.

The app writes an audit row with every change it makes. Comparing two snapshots of the store
by record id shows every row added, removed or edited between the two reads; those with no
audit row since the earlier read were changed by someone in the spreadsheet itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from services.choices import AuditAction
from services.clock import VN_TZ, now
from services.schema import ID, SHEETS, Record, Sheet
from services.store.base import Store, StoreError
from services.text import matches
from services.validation import ROW, Snapshot, Table

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


# --- rows changed outside the app ----------------------------------------------------------


@dataclass(frozen=True)
class OutsideChange:
    """A row added, removed or edited between two reads with no audit row to explain it."""

    sheet: str
    record_id: str
    kind: AuditAction
    row: int | None
    cells: tuple[CellChange, ...] = ()
    column_key: str | None = None  # the first changed column, to link to its cell

    @property
    def title(self) -> str:
        """Return the sheet's tab title."""
        return SHEETS[self.sheet].title

    @property
    def linkable(self) -> bool:
        """Tell whether the row is still in the sheet to be opened (a removed one is not)."""
        return self.row is not None and self.kind != AuditAction.XOA


def _explained(current: Snapshot, since: datetime) -> set[str]:
    """Return the record ids the app's audit rows name at or after a moment."""
    # Audit times are whole seconds: a write in the same second as the read still counts.
    since = since.replace(microsecond=0)
    return {str(e.get("record_id")) for e in current["audit"].records
            if isinstance(e.get("at"), datetime) and e["at"] >= since}


def _error_ids(table: Table) -> set[str]:
    return {p.record_id for p in table.problems if p.record_id}


def _cells(sheet: Sheet, before: Record, after: Record) -> list[tuple[str, CellChange]]:
    out = []
    for column in sheet.columns:
        old, new = before.get(column.key), after.get(column.key)
        if not column.type.same(old, new):
            out.append((column.key, CellChange(column.header, column.type.display(old),
                                               column.type.display(new))))
    return out


def outside_changes(previous: Snapshot, current: Snapshot) -> list[OutsideChange]:
    """Compare two snapshots by id; return the differences no audit row explains.

    A row people broke (it now has an error, so it is left out of the good records) is
    reported as edited, not removed. Rows without an id cannot be followed and are skipped.
    New audit rows are the app's own trail and are not reported; changed or removed ones are.
    """
    explained = _explained(current, previous.read_at)
    out: list[OutsideChange] = []
    for key, sheet in SHEETS.items():
        old, new = previous[key].by_id, current[key].by_id
        broken = _error_ids(current[key])
        for record_id, before in old.items():
            if record_id in explained:
                continue
            after = new.get(record_id)
            if after is None:
                if record_id in broken:
                    out.append(OutsideChange(key, record_id, AuditAction.SUA, None, (
                        CellChange("", "", "dòng đang có lỗi, xem danh sách vấn đề ở trên"),)))
                else:
                    out.append(OutsideChange(key, record_id, AuditAction.XOA, before.get(ROW)))
                continue
            cells = _cells(sheet, before, after)
            if cells:
                out.append(OutsideChange(key, record_id, AuditAction.SUA, after.get(ROW),
                                         tuple(c for _, c in cells), cells[0][0]))
        if key == AUDIT.key:
            continue
        for record_id, after in new.items():
            if record_id not in old and record_id not in explained:
                out.append(OutsideChange(key, record_id, AuditAction.THEM, after.get(ROW),
                                         column_key=ID))
    return out


OUTSIDE: Sheet = SHEETS["outside"]
# Who the "Thay đổi ngoài ứng dụng" rows name as having noticed the change.
DETECTED_BY = "ứng dụng (so sánh hai lần đọc)"


def outside_record(change: OutsideChange) -> Record:
    """Return the row that keeps an outside change until an editor marks it reviewed."""
    before = {c.column: c.before for c in change.cells if c.column}
    after = {c.column: c.after for c in change.cells if c.column}
    return {
        "at": now().replace(microsecond=0),
        "sheet": change.sheet,
        "record_id": change.record_id,
        "action": change.kind,
        "row": change.row,
        "before": json.dumps(before, ensure_ascii=False) if before else "",
        "after": json.dumps(after, ensure_ascii=False) if after else "",
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


_memo: tuple[Snapshot, Snapshot, list[OutsideChange]] | None = None


def outside_changes_cached(previous: Snapshot, current: Snapshot) -> list[OutsideChange]:
    """Return `outside_changes` of these two snapshots, computed once for every visitor."""
    global _memo
    memo = _memo
    if memo is not None and memo[0] is previous and memo[1] is current:
        return memo[2]
    found = outside_changes(previous, current)
    _memo = (previous, current, found)  # snapshots are never mutated: identity is enough
    return found


CHANGE_COLUMNS = ["Bảng", "Dòng", "Mã", "Thay đổi", "Cột thay đổi (trước → sau)", "Mở ô"]


def changes_frame(changes: Sequence[OutsideChange], link: Linker | None = None) -> pd.DataFrame:
    """Return outside changes as a table: sheet, row, id, kind, columns changed, link."""
    return pd.DataFrame(
        [[c.title, c.row, c.record_id, str(c.kind),
          "; ".join(cell.text() if cell.column else cell.after for cell in c.cells),
          link(c.sheet, c.row, c.column_key) if link and c.linkable else None]
         for c in changes],
        columns=CHANGE_COLUMNS,
    )
