"""Validation: the same rules check one record (a form) and whole tables (what people typed).

Every problem is collected, never only the first: (sheet, row as the sheet shows it, column
header, value, message). A row with an error is left out of the good records; other rows are
unaffected. Warnings are reported but the row is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from services.choices import TargetKind
from services.clock import now
from services.coltypes import CellError, Ref, format_number, is_blank, quote
from services.schema import ARCHIVED, ID, SHEETS, Column, Record, Sheet
from services.text import fold, header_key, nfc

if TYPE_CHECKING:
    import pandas as pd

ROW = "_row"  # the sheet row a record was read from, kept beside its values


class Severity(StrEnum):
    """How serious a problem is: an error leaves the row out, a warning does not."""

    ERROR = "Lỗi"
    WARNING = "Cảnh báo"


@dataclass(frozen=True)
class Problem:
    """One thing to fix, said so the person who will fix the cell understands it."""

    sheet: str
    row: int | None
    column: str
    value: Any
    message: str
    severity: Severity = Severity.ERROR
    column_key: str | None = None
    record_id: str | None = None

    @property
    def title(self) -> str:
        """Return the sheet's tab title."""
        return SHEETS[self.sheet].title if self.sheet in SHEETS else self.sheet

    def text(self) -> str:
        """Return the whole sentence: `Cột "Lĩnh vực", dòng 17: "kinh te" không hợp lệ (…)`."""
        where = [f'Cột "{self.column}"'] if self.column else []
        if self.row is not None:
            where.append(f"dòng {self.row}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


@dataclass(frozen=True)
class RawTable:
    """A sheet as read: the header row and the rows under it, values as the backend gives them."""

    header: list[str]
    rows: list[list[Any]]
    first_row: int = 2

    @classmethod
    def from_records(cls, sheet: Sheet, records: Iterable[Mapping[str, Any]]) -> RawTable:
        """Build a table in the schema's column order from records."""
        keys = sheet.keys
        return cls(sheet.headers, [[r.get(k) for k in keys] for r in records])


@dataclass
class Table:
    """The validated content of one sheet."""

    sheet: Sheet
    records: list[Record]
    problems: list[Problem]
    total_rows: int
    extra_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)

    @property
    def excluded(self) -> int:
        """Return how many non-blank rows were left out because of errors."""
        return self.total_rows - len(self.records)

    @cached_property
    def by_id(self) -> dict[str, Record]:
        """Return the good records by id."""
        return {r[ID]: r for r in self.records if r.get(ID)}

    def active(self) -> list[Record]:
        """Return the good records that are not archived."""
        return [r for r in self.records if not r.get(ARCHIVED)]

    @cached_property
    def labels(self) -> dict[str, Record]:
        """Return the good records by their label (what other sheets point with)."""
        if self.sheet.label_column is None:
            return {}
        return {str(r[self.sheet.label_column]): r for r in self.records
                if r.get(self.sheet.label_column) is not None}

    @cached_property
    def folded_labels(self) -> dict[str, list[str]]:
        """Return labels grouped by their accent-free form, to resolve loosely typed references."""
        out: dict[str, list[str]] = {}
        for label in self.labels:
            out.setdefault(fold(label), []).append(label)
        return out

    def frame(self, *, include_archived: bool = False) -> pd.DataFrame:
        """Return the good records as a DataFrame with the schema's columns in order."""
        import pandas as pd

        rows = self.records if include_archived else self.active()
        return pd.DataFrame(rows, columns=[*self.sheet.keys, ROW])


@dataclass
class Snapshot:
    """Every sheet, validated together (references are checked across sheets)."""

    tables: dict[str, Table]
    read_at: datetime = field(default_factory=now)

    def __getitem__(self, key: str) -> Table:
        return self.tables[key]

    @property
    def problems(self) -> list[Problem]:
        """Return the problems of all sheets."""
        return [p for t in self.tables.values() for p in t.problems]

    @property
    def excluded(self) -> int:
        """Return how many rows were left out in all sheets."""
        return sum(t.excluded for t in self.tables.values())


# --- headers -------------------------------------------------------------------------------


def match_header(sheet: Sheet, header: Sequence[Any]) -> tuple[dict[str, int], list[str],
                                                                  list[Problem]]:
    """Map column keys to positions, whatever the order, case, spacing or diacritics."""
    wanted: dict[str, Column] = {}
    for column in sheet.columns:
        for name in (column.header, column.key, *column.aliases):
            wanted.setdefault(header_key(name), column)
    positions: dict[str, int] = {}
    extra: list[str] = []
    problems: list[Problem] = []
    for index, cell in enumerate(header):
        text = nfc(str(cell or ""))
        column = wanted.get(header_key(text)) if text else None
        if column is None:
            if text:
                extra.append(text)
            continue
        if column.key in positions:
            problems.append(Problem(sheet.key, 1, column.header, text,
                                    "cột bị lặp lại; ứng dụng dùng cột đầu tiên",
                                    Severity.WARNING, column.key))
            continue
        positions[column.key] = index
    for column in sheet.columns:
        if column.key not in positions and column.required:
            problems.append(Problem(sheet.key, 1, column.header, None,
                                    f'thiếu cột bắt buộc "{column.header}" ở dòng tiêu đề',
                                    Severity.ERROR, column.key))
    return positions, extra, problems


# --- one record ----------------------------------------------------------------------------


def _message(column: Column, raw: Any, reason: str) -> str:
    return f"{quote(raw)} {reason} ({column.type.allowed()})"


def parse_values(sheet: Sheet, values: Mapping[str, Any], row: int | None = None,
                 present: Iterable[str] | None = None) -> tuple[Record, list[Problem]]:
    """Parse raw values column by column and run the sheet's row rules."""
    record: Record = {}
    problems: list[Problem] = []
    keys = set(values) if present is None else set(present)
    for column in sheet.columns:
        raw = values.get(column.key)
        if is_blank(raw):
            record[column.key] = None
            if column.required and column.key in keys and column.key != ID:
                problems.append(Problem(sheet.key, row, column.header, None,
                                        "bắt buộc, chưa điền", column_key=column.key))
            continue
        try:
            record[column.key] = column.type.parse(raw)
        except CellError as err:
            record[column.key] = None
            problems.append(Problem(sheet.key, row, column.header, raw,
                                    _message(column, raw, str(err)), column_key=column.key))
    failed = {p.column_key for p in problems}
    for check in sheet.row_checks:
        for key, message in check(record):
            if key not in failed:
                column = sheet.column(key)
                problems.append(Problem(sheet.key, row, column.header, record.get(key), message,
                                        column_key=key))
    rid = record.get(ID)
    if rid:
        problems = [_with_id(p, rid) for p in problems]
    return record, problems


def _with_id(problem: Problem, record_id: str) -> Problem:
    return Problem(problem.sheet, problem.row, problem.column, problem.value, problem.message,
                   problem.severity, problem.column_key, record_id)


def validate_record(sheet_key: str, values: Mapping[str, Any], snapshot: Snapshot,
                    record_id: str | None = None) -> tuple[Record, list[Problem]]:
    """Check one record from a form: types, required, row rules, references, uniqueness."""
    sheet = SHEETS[sheet_key]
    form_keys = [c.key for c in sheet.columns if c.key != ID]
    record, problems = parse_values(sheet, values, present=form_keys)
    record[ID] = record_id
    problems += _reference_problems(sheet, record, None, snapshot.tables)
    problems += _value_fits_indicator(sheet, record, None, snapshot.tables)
    table = snapshot.tables.get(sheet_key)
    for column in sheet.columns:
        value = record.get(column.key)
        if column.unique and value is not None and table is not None:
            for other in table.records:
                if other.get(ID) != record_id and fold(str(other.get(column.key) or "")) == fold(
                    str(value)
                ):
                    problems.append(Problem(sheet.key, None, column.header, value,
                                            f"{quote(value)} đã có trong bảng {sheet.title}; "
                                            "mỗi giá trị chỉ được dùng một lần",
                                            column_key=column.key))
                    break
    return record, problems


# --- whole tables --------------------------------------------------------------------------


def validate_table(sheet: Sheet, raw: RawTable) -> Table:
    """Parse every row of one sheet; cross-sheet references are checked by `validate_snapshot`."""
    positions, extra, problems = match_header(sheet, raw.header)
    missing = [c.header for c in sheet.columns if c.key not in positions]
    if ID not in positions and raw.rows:
        problems.append(Problem(sheet.key, 1, sheet.column(ID).header, None,
                                f'thiếu cột "{sheet.column(ID).header}": ứng dụng vẫn đọc các dòng '
                                "nhưng không sửa được chúng; chạy “Chuẩn bị bảng tính” để thêm cột",
                                Severity.WARNING, ID))
    records: list[Record] = []
    total = 0
    seen: dict[str, dict[str, int]] = {c.key: {} for c in sheet.columns
                                       if c.unique or c.key == ID}
    for offset, cells in enumerate(raw.rows):
        row = raw.first_row + offset
        values = {key: cells[i] if i < len(cells) else None for key, i in positions.items()}
        if all(is_blank(v) for v in values.values()):
            continue  # blank rows are normal in a sheet people edit
        total += 1
        record, row_problems = parse_values(sheet, values, row, present=positions)
        for key, first in seen.items():
            value = record.get(key)
            if value is None:
                continue
            folded = fold(str(value))
            if folded in first:
                column = sheet.column(key)
                row_problems.append(Problem(sheet.key, row, column.header, value,
                                            f"{quote(value)} trùng với dòng {first[folded]}; mỗi "
                                            "giá trị chỉ được dùng một lần",
                                            column_key=key, record_id=record.get(ID)))
            else:
                first[folded] = row
        if not record.get(ID) and ID in positions:
            row_problems.append(Problem(sheet.key, row, sheet.column(ID).header, None,
                                        "dòng chưa có mã: ứng dụng vẫn tính dòng này nhưng không "
                                        "sửa được nó; hãy để ứng dụng thêm dòng mới",
                                        Severity.WARNING, ID))
        problems += row_problems
        if not any(p.severity == Severity.ERROR for p in row_problems):
            record[ROW] = row
            records.append(record)
    return Table(sheet, records, problems, total, extra, missing)


def validate_snapshot(raw: Mapping[str, RawTable]) -> Snapshot:
    """Validate every declared sheet, then the references between them."""
    # Sheets outside the snapshot (the audit trail) are empty here, whatever was passed.
    tables = {key: validate_table(sheet, (raw.get(key) if sheet.in_snapshot else None)
                                  or RawTable(sheet.headers, []))
              for key, sheet in SHEETS.items()}
    for table in tables.values():
        if not any(isinstance(c.type, Ref) for c in table.sheet.columns):
            continue
        kept: list[Record] = []
        for record in table.records:
            found = _reference_problems(table.sheet, record, record[ROW], tables)
            found += _value_fits_indicator(table.sheet, record, record[ROW], tables)
            table.problems += found
            if not any(p.severity == Severity.ERROR for p in found):
                kept.append(record)
        table.records = kept
    return Snapshot(tables)


def _reference_problems(sheet: Sheet, record: Record, row: int | None,
                        tables: Mapping[str, Table]) -> list[Problem]:
    """Check references, and rewrite loosely typed ones ("to dan pho 5") to the real label."""
    problems: list[Problem] = []
    for column in sheet.columns:
        value = record.get(column.key)
        if value is None or not isinstance(column.type, Ref):
            continue
        target = tables[column.type.sheet]
        label = value if value in target.labels else None
        if label is None:
            candidates = target.folded_labels.get(fold(value), [])
            label = candidates[0] if len(candidates) == 1 else None
        if label is None:
            problems.append(Problem(sheet.key, row, column.header, value,
                                    f"{quote(value)} không có trong bảng {target.sheet.title}",
                                    column_key=column.key, record_id=record.get(ID)))
            continue
        record[column.key] = label
        kinds = column.type.kinds
        if kinds and target.labels[label].get("kind") not in kinds:
            problems.append(Problem(sheet.key, row, column.header, value,
                                    f"{quote(value)} không phải là "
                                    + " hoặc ".join(str(k).lower() for k in kinds),
                                    column_key=column.key, record_id=record.get(ID)))
    return problems


def _value_fits_indicator(sheet: Sheet, record: Record, row: int | None,
                          tables: Mapping[str, Table]) -> list[Problem]:
    """Check an indicator value against its indicator's kind (0–100 for %, 0/1 for yes/no)."""
    if sheet.key != "indicator_values" or record.get("value") is None:
        return []
    indicator = tables["indicators"].labels.get(record.get("indicator") or "")
    if indicator is None:
        return []
    value, column = record["value"], sheet.column("value")
    reason = None
    kind = indicator.get("target_kind")
    if kind == TargetKind.CO_KHONG and value not in (0, 1):
        reason = "phải là 1 (Có) hoặc 0 (Không) với chỉ tiêu Có/Không"
    elif kind == TargetKind.BAO_PHU and record.get("unit") and value not in (0, 1):
        reason = "phải là 1 (đạt) hoặc 0 (chưa đạt) khi nhập theo từng đơn vị"
    elif indicator.get("unit") == "%" and not 0 <= value <= 100:
        reason = "phải từ 0 đến 100 với chỉ tiêu tính theo %"
    elif kind == TargetKind.SO_LUONG and (value < 0 or not float(value).is_integer()):
        reason = "phải là số nguyên không âm với chỉ tiêu đếm số lượng"
    elif kind == TargetKind.KHOANG and value < 0:
        reason = "không được âm"
    if reason is None and indicator.get("unit") == "%" and 0 < value < 1 <= (
            indicator.get("target_value") or 0):
        # A person typing 55% into a number cell of Google Sheets stores 0.55.
        return [Problem(sheet.key, row, column.header, value,
                        f"{quote(value)} nhỏ hơn 1%: nếu ý là {format_number(value * 100)}% thì "
                        f"hãy nhập {format_number(value * 100)}", Severity.WARNING,
                        column_key="value", record_id=record.get(ID))]
    if reason is None:
        return []
    return [Problem(sheet.key, row, column.header, value, f"{quote(value)} {reason}",
                    column_key="value", record_id=record.get(ID))]
