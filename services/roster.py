"""The core force roster ("lực lượng nòng cốt ở cơ sở", seed 000): coverage, import, approval.

Per residential group (tổ dân phố, thôn/xóm) the Front proposes a list, the Party Committee
approves it. The office needs to see which groups have a list and how much of it is approved, to
take in a proposed list sent as a CSV or Excel file, and to approve a group's list in one go.

Import runs the same validation engine as the sheet (header matching, column types, row rules,
references) on every row of the file, so a row the app accepts from a file is a row it would
accept from the form or the sheet.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import pandas as pd

from services.auth import Actor, require_sheet_write
from services.choices import MemberStatus
from services.coltypes import Ref, format_number, is_blank
from services.export import csv_bytes
from services.memo import per_snapshot
from services.progress import units_in_year
from services.schema import ARCHIVED, ID, SHEETS, Column, Record, Sheet
from services.store.base import Store, StoreError, WriteUnknown, new_id
from services.text import fold, natural_key, nfc
from services.validation import (
    ROW,
    Problem,
    Severity,
    Snapshot,
    match_header,
    validate_record,
)

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

MEMBERS: Sheet = SHEETS["members"]
_TDP_COLUMN: Column = MEMBERS.column("tdp")
assert isinstance(_TDP_COLUMN.type, Ref)
# The kinds of unit that hold a roster come from the schema's reference, not a second list.
TDP_KINDS: tuple[str, ...] = tuple(_TDP_COLUMN.type.kinds)
TDP_SHEET: str = _TDP_COLUMN.type.sheet

MAX_IMPORT_ROWS = 5000
# A title such as "DANH SÁCH LỰC LƯỢNG NÒNG CỐT…" often sits above the header row in Excel files.
_HEADER_SEARCH_ROWS = 10


def tdp_names(snapshot: Snapshot, year: int | None = None) -> list[str]:
    """Return the active residential groups (tổ dân phố, thôn/xóm), in natural order.

    With `year`, only the groups that existed in that year (`progress.units_in_year`).
    """
    if year is not None:
        return [str(u["name"]) for u in units_in_year(snapshot, year, TDP_KINDS)]
    units = snapshot[TDP_SHEET]
    label = units.sheet.label_column or ID
    return sorted((str(u[label]) for u in units.active() if u.get("kind") in TDP_KINDS),
                  key=natural_key)


# --- coverage ------------------------------------------------------------------------------


class CoverageState(StrEnum):
    """Where a residential group's list stands."""

    CHUA_CO = "Chưa có danh sách"
    CHO_PHE_DUYET = "Còn người chờ phê duyệt"
    DA_PHE_DUYET = "Đã phê duyệt"


@dataclass(frozen=True)
class TdpCoverage:
    """Counts of one residential group's core force (archived members left out)."""

    tdp: str
    proposed: int = 0
    approved: int = 0
    left: int = 0
    party_members: int = 0  # among the active members (proposed or approved)

    @property
    def active(self) -> int:
        """Return how many members take part: proposed or approved, not those who left."""
        return self.proposed + self.approved

    @property
    def has_list(self) -> bool:
        """Tell whether the group has a list (someone proposed or approved)."""
        return self.active > 0

    @property
    def state(self) -> CoverageState:
        """Return where the group's list stands."""
        if not self.has_list:
            return CoverageState.CHUA_CO
        return CoverageState.CHO_PHE_DUYET if self.proposed else CoverageState.DA_PHE_DUYET


@dataclass(frozen=True)
class Coverage:
    """Coverage of the core force over every active residential group, in natural order."""

    rows: tuple[TdpCoverage, ...]

    @property
    def without_list(self) -> list[str]:
        """Return the groups that have no list at all (nobody proposed or approved)."""
        return [r.tdp for r in self.rows if not r.has_list]

    @property
    def pending(self) -> list[str]:
        """Return the groups with members still waiting for approval."""
        return [r.tdp for r in self.rows if r.proposed]

    @property
    def with_list_count(self) -> int:
        """Return how many groups have a list."""
        return sum(r.has_list for r in self.rows)

    def totals(self) -> TdpCoverage:
        """Return the sums over all groups."""
        return TdpCoverage(
            "Tổng cộng",
            proposed=sum(r.proposed for r in self.rows),
            approved=sum(r.approved for r in self.rows),
            left=sum(r.left for r in self.rows),
            party_members=sum(r.party_members for r in self.rows),
        )


COVERAGE_HEADERS = {
    "tdp": "Tổ dân phố",
    "proposed": MemberStatus.DE_XUAT.value,
    "approved": MemberStatus.DA_PHE_DUYET.value,
    "active": "Tổng đang tham gia",
    "party_members": "Trong đó đảng viên",
    "left": MemberStatus.THOI_THAM_GIA.value,
    "state": "Tình trạng",
}


@per_snapshot(8)
def coverage(snapshot: Snapshot, year: int | None = None) -> Coverage:
    """Count members per residential group by status; list the groups that have no list.

    With `year`, over the groups that existed in that year only (the list itself has no year).
    Counted once per snapshot (and year).
    """
    counts: dict[str, dict[str, int]] = {
        name: {"proposed": 0, "approved": 0, "left": 0, "party_members": 0}
        for name in tdp_names(snapshot, year)
    }
    field_of = {MemberStatus.DE_XUAT: "proposed", MemberStatus.DA_PHE_DUYET: "approved",
                MemberStatus.THOI_THAM_GIA: "left"}
    for member in snapshot["members"].active():
        group = counts.get(str(member.get("tdp") or ""))
        status = member.get("status")
        if group is None or status not in field_of:
            continue  # a member of an archived group does not count toward coverage
        group[field_of[status]] += 1
        if member.get("party_member") and status != MemberStatus.THOI_THAM_GIA:
            group["party_members"] += 1
    return Coverage(tuple(TdpCoverage(name, **c) for name, c in counts.items()))


def coverage_frame(cov: Coverage) -> pd.DataFrame:
    """Return the coverage as a table with Vietnamese headers, one row per group."""
    rows = [{header: getattr(r, attr) for attr, header in COVERAGE_HEADERS.items()}
            for r in cov.rows]
    return pd.DataFrame(rows, columns=list(COVERAGE_HEADERS.values()))


# A pandas Styler costs some 25 µs a cell on every rerun (0.2 s for a province's 1,000 groups):
# past this many rows the colour is left out; the "Tình trạng" column says the same in words.
STYLED_ROWS = 300
WITHOUT_LIST_COLOR = "#fde2e1"


def highlight_without_list(frame: pd.DataFrame, cov: Coverage) -> pd.DataFrame | Styler:
    """Colour the rows of the groups without a list, when the table is short enough to style."""
    if len(frame) > STYLED_ROWS or not cov.without_list:
        return frame
    missing = frame[COVERAGE_HEADERS["tdp"]].isin(set(cov.without_list))

    def colours(table: pd.DataFrame) -> pd.DataFrame:
        css = pd.DataFrame("", index=table.index, columns=table.columns)
        css.loc[missing] = f"background-color: {WITHOUT_LIST_COLOR}"
        return css

    return frame.style.apply(colours, axis=None)


def proposed_members(snapshot: Snapshot, tdp: str) -> list[Record]:
    """Return the active members of a group still waiting for approval."""
    return [m for m in snapshot["members"].active()
            if m.get("tdp") == tdp and m.get("status") == MemberStatus.DE_XUAT]


# --- reading a file ------------------------------------------------------------------------
#
# An upload is refused before it can cost much: by its size first, then while it is read, never
# after, by its rows and columns. An .xlsx is read by openpyxl in read-only mode, which streams
# the sheet's XML row by row; before that every part's unpacked size is checked (zip bombs) and
# a DTD is refused (entity expansion), and the sheet's stated `dimension`, which a hostile file
# can fake, is reset so the rows that are really there are read. A CSV must be UTF-8 (with or
# without a BOM) or UTF-16 with a BOM: other encodings decode to valid but wrong letters, so they
# are refused.

MAX_UPLOAD_MB = 5  # a 5,000-row roster is a few hundred KB
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MAX_IMPORT_COLUMNS = 50  # the roster has 14: room for the office's own ("STT", "Ghi chú"…)
MAX_FILE_ROW = 20_000  # data further down is refused; blank rows between data rows are fine
MAX_XLSX_PART_MB = 16  # any part of an .xlsx, unpacked; a 5,000-row sheet is about 3 MB
_HEAD_BYTES = 4096  # where a DTD would be, at the top of an XML part
_LONG_TAG = re.compile(rb"<[^>]{65536}")  # Excel's longest tags are a few hundred bytes


class RosterFileError(ValueError):
    """A file that cannot be read as a table; `str(err)` is a sentence for people."""


@dataclass(frozen=True)
class FileTable:
    """A table read from a file: its header, the rows under it, and the header's row number."""

    header: list[Any]
    rows: list[list[Any]]
    header_row: int = 1

    @property
    def first_row(self) -> int:
        """Return the file's row number of the first row under the header."""
        return self.header_row + 1


def read_table(data: bytes, filename: str, sheet: Sheet = MEMBERS) -> FileTable:
    """Read the first table of a CSV or XLSX file as the file shows it, row numbers kept.

    Refuses, with a sentence naming the limit, a file over MAX_UPLOAD_MB, more than
    MAX_IMPORT_ROWS rows under the header, data past row MAX_FILE_ROW or column
    MAX_IMPORT_COLUMNS, and a CSV that is not UTF-8 or UTF-16; reading stops at the first row
    past a limit.
    """
    suffix = PurePath(filename).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise RosterFileError(
            f"Tệp “{filename}” không đọc được: chỉ nhận tệp .csv hoặc .xlsx. Với tệp Excel cũ "
            "(.xls), hãy mở bằng Excel và chọn Lưu thành (Save As) dạng .xlsx."
        )
    if len(data) > MAX_UPLOAD_BYTES:
        raise RosterFileError(
            f"Tệp “{filename}” lớn hơn {MAX_UPLOAD_MB} MB, quá lớn với một danh sách (tối đa "
            f"{_count(MAX_IMPORT_ROWS)} dòng chỉ cần vài trăm KB). Hãy bỏ ảnh, các trang tính "
            "thừa, hoặc chia thành nhiều tệp nhỏ hơn."
        )
    source = _csv_rows(data, filename) if suffix == ".csv" else _xlsx_rows(data, filename)
    with closing(source):
        rows = _collect(source, filename)
    if not rows:
        raise RosterFileError(f"Tệp “{filename}” không có dữ liệu.")
    index = _header_index(rows, sheet)
    body = rows[index + 1:]
    if sum(not _blank_row(r) for r in body) > MAX_IMPORT_ROWS:
        raise _too_many_rows(filename)
    return FileTable(rows[index], body, header_row=index + 1)


def _count(n: int) -> str:
    return format_number(n, 0)  # "5.000"


def _too_many_rows(filename: str) -> RosterFileError:
    return RosterFileError(
        f"Tệp “{filename}” có hơn {_count(MAX_IMPORT_ROWS)} dòng dữ liệu; mỗi lần chỉ nhập "
        f"được tối đa {_count(MAX_IMPORT_ROWS)} dòng. Hãy chia thành nhiều tệp nhỏ hơn."
    )


def _too_many_columns(filename: str, row: int, column: int) -> RosterFileError:
    return RosterFileError(
        f"Tệp “{filename}” có dữ liệu ở cột thứ {_count(column)} (dòng {row}), quá "
        f"{MAX_IMPORT_COLUMNS} cột mà ứng dụng đọc; danh sách chỉ cần {len(import_columns())} "
        "cột. Hãy xoá các cột thừa rồi tải lên lại."
    )


def _collect(rows: Iterable[tuple[int, list[Any]]], filename: str) -> list[list[Any]]:
    """Return the numbered non-blank rows as the file shows them, blank rows between as [].

    Stops at the first row past a limit: a file of millions of rows is refused after reading
    MAX_IMPORT_ROWS and a few.
    """
    out: list[list[Any]] = []
    for count, (number, cells) in enumerate(rows, start=1):
        # The header may be as low as row _HEADER_SEARCH_ROWS, with a title above it.
        if count > MAX_IMPORT_ROWS + _HEADER_SEARCH_ROWS:
            raise _too_many_rows(filename)
        if number > MAX_FILE_ROW:
            raise RosterFileError(
                f"Tệp “{filename}” có dữ liệu ở dòng {_count(number)}, quá dòng "
                f"{_count(MAX_FILE_ROW)} mà ứng dụng đọc. Hãy xoá các dòng trống xen giữa hoặc "
                "chia thành nhiều tệp nhỏ hơn."
            )
        out.extend([] for _ in range(number - 1 - len(out)))
        out.append(cells)
    return out


def _blank_row(cells: Sequence[Any]) -> bool:
    return all(is_blank(c) for c in cells)


def _header_index(rows: Sequence[Sequence[Any]], sheet: Sheet) -> int:
    """Return the index of the row that matches the most columns, among the first few."""
    best, best_score = None, 0
    for index, cells in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        if _blank_row(cells):
            continue
        if best is None:
            best = index  # no row matches any column: the first non-blank row is the header
        score = len(match_header(sheet, cells)[0])
        if score > best_score:
            best, best_score = index, score
    return best or 0


# --- CSV ---

_SAVE_AS_UTF8 = ("Hãy lưu lại tệp dưới dạng CSV UTF-8 (Excel: Lưu dưới dạng → CSV UTF-8 (Comma "
                 "delimited) (*.csv)) rồi tải lên lại, hoặc tải lên tệp .xlsx.")


def _decode(data: bytes, filename: str) -> str:
    """Decode CSV bytes strictly: UTF-8 with or without a BOM, UTF-16 with its BOM.

    UTF-16 is what Excel's "Unicode text" writes. Anything else (Windows-1258, Windows-1252,
    TCVN3…) decodes to valid but wrong letters ("Lê Hòa Tý" as "Lê Ḥa Tư"), so no encoding is
    guessed: the file is refused with what to do.
    """
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterFileError(
            f"Tệp “{filename}” không phải CSV UTF-8 (có thể được lưu bằng bảng mã cũ như "
            f"Windows-1258 hay TCVN3), nên tiếng Việt sẽ bị đọc sai. {_SAVE_AS_UTF8}"
        ) from None
    if "\x00" in text:  # UTF-16 without its BOM, or not a text file at all
        raise RosterFileError(
            f"Tệp “{filename}” không phải tệp CSV văn bản UTF-8. {_SAVE_AS_UTF8}")
    return text


_DELIMITERS = ",;\t"
_SNIFF_CHARS = 64 * 1024


def _delimiter(text: str) -> str:
    """Guess the delimiter among comma, semicolon and tab, from the first lines."""
    lines = text[:_SNIFF_CHARS].splitlines()
    try:
        return csv.Sniffer().sniff("\n".join(lines[:50]), delimiters=_DELIMITERS).delimiter
    except csv.Error:
        # One column only, or too irregular for the sniffer: count in the first line.
        first = next((line for line in lines if line.strip()), "")
        counts = {d: first.count(d) for d in _DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _kept_rows(rows: Iterable[tuple[int, Sequence[Any]]],
               filename: str) -> Iterator[tuple[int, list[Any]]]:
    """Yield the rows that hold a value, trailing blank cells dropped, refusing a wide one."""
    for number, row in rows:
        cells = list(row)
        while cells and is_blank(cells[-1]):
            cells.pop()
        if not cells:
            continue
        if len(cells) > MAX_IMPORT_COLUMNS:
            raise _too_many_columns(filename, number, len(cells))
        yield number, cells


def _csv_rows(data: bytes, filename: str) -> Iterator[tuple[int, list[Any]]]:
    """Yield (row number, cells) of the CSV's non-blank rows, trailing blank cells dropped."""
    text = _decode(data, filename)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        yield from _kept_rows(enumerate(reader, start=1), filename)
    except csv.Error as err:
        raise RosterFileError(
            f"Không đọc được tệp CSV “{filename}” ở dòng {reader.line_num}: có ô quá dài hoặc "
            "dấu ngoặc kép (\") mở mà không đóng."
        ) from err


# --- XLSX ---


def _broken(filename: str) -> RosterFileError:
    return RosterFileError(
        f"Không mở được tệp Excel “{filename}”: tệp bị hỏng hoặc không phải dạng .xlsx."
    )


def _too_big(filename: str) -> RosterFileError:
    return RosterFileError(
        f"Tệp Excel “{filename}” chứa quá nhiều khi giải nén (ứng dụng đọc mỗi phần của tệp tới "
        f"{MAX_XLSX_PART_MB} MB), thường do rất nhiều dòng, cột hay ô trống được định dạng. Hãy "
        "chép vùng có dữ liệu sang một tệp mới rồi tải lên lại."
    )


def _xlsx_rows(data: bytes, filename: str) -> Iterator[tuple[int, list[Any]]]:
    """Yield (row number, values) of the first worksheet's rows, streamed by openpyxl.

    Values are what Excel last computed (never a formula): text, numbers, booleans, and
    datetimes for cells formatted as dates. Before openpyxl parses anything, every part's
    unpacked size is checked (a few MB can inflate to gigabytes) and a DTD is refused; then
    rows are read one at a time in read-only mode, whatever size the file claims for its
    sheet, and the caller stops at the first row past a limit.
    """
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if info.file_size > MAX_XLSX_PART_MB * 1024 * 1024:
                    raise _too_big(filename)
                if info.filename.endswith((".xml", ".rels")):
                    xml = archive.read(info)
                    # A DTD's entities can explode; a tag of a million attributes takes a
                    # parser many seconds. No part Excel writes has either.
                    if b"<!DOCTYPE" in xml[:_HEAD_BYTES] or _LONG_TAG.search(xml):
                        raise _broken(filename)
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except RosterFileError:
        raise
    except Exception as err:  # openpyxl raises many kinds for a file that is not a workbook
        raise _broken(filename) from err
    try:
        sheet = book.worksheets[0]
        # The <dimension> a file states may lie: read the rows that are there.
        sheet.reset_dimensions()
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        for number, cells in _kept_rows(rows, filename):
            yield number, [_unescape(c) if isinstance(c, str) else c for c in cells]
    except RosterFileError:
        raise
    except Exception as err:
        raise _broken(filename) from err
    finally:
        book.close()


_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """Undo OOXML's escapes of characters XML cannot hold: "_x000D_" is a carriage return."""
    return _ESCAPED.sub(lambda m: chr(int(m[1], 16)), text) if "_x" in text else text


# --- preview of an import ------------------------------------------------------------------


def import_columns() -> list[Column]:
    """Return the columns a roster file may carry (those the form asks for), in order."""
    return MEMBERS.form_columns()


class RowStatus(StrEnum):
    """How a file row stands in the preview."""

    HOP_LE = "Hợp lệ"
    CO_LOI = "Có lỗi"
    CO_THE_TRUNG = "Có thể trùng"


@dataclass
class PreviewRow:
    """One non-blank row of the file, parsed and checked."""

    row: int
    values: dict[str, Any]
    record: Record | None
    problems: list[Problem] = field(default_factory=list)
    duplicate_of: str | None = None
    blocked: bool = False  # the file itself cannot be imported (a required column is missing)

    @property
    def ok(self) -> bool:
        """Tell whether the row may be saved."""
        return (self.record is not None and not self.blocked
                and not any(p.severity == Severity.ERROR for p in self.problems))

    @property
    def duplicate(self) -> bool:
        """Tell whether the row looks like a member already in the store or earlier in the file."""
        return self.duplicate_of is not None

    @property
    def status(self) -> RowStatus:
        """Return the row's status as the preview shows it."""
        if not self.ok:
            return RowStatus.CO_LOI
        return RowStatus.CO_THE_TRUNG if self.duplicate else RowStatus.HOP_LE

    def messages(self) -> list[str]:
        """Return every problem of the row, each naming its row number."""
        out = [p.text() for p in self.problems]
        if self.duplicate_of:
            out.append(f"Dòng {self.row}: {self.duplicate_of}")
        return out


@dataclass
class ImportPreview:
    """What saving the file would do, row by row, before anything is written."""

    rows: list[PreviewRow]
    header_problems: list[Problem]
    extra_columns: list[str]
    header_row: int = 1
    # File headers read as another column's header ("To dan pho" → "Tổ dân phố").
    renamed: dict[str, str] = field(default_factory=dict)

    @property
    def blocked(self) -> bool:
        """Tell whether the header itself stops every row (a required column is missing)."""
        return any(p.severity == Severity.ERROR for p in self.header_problems)

    def savable(self) -> list[PreviewRow]:
        """Return the rows that may be saved."""
        return [r for r in self.rows if r.ok]

    def preselected(self) -> list[PreviewRow]:
        """Return the rows offered ticked: valid and not a likely duplicate."""
        return [r for r in self.rows if r.ok and not r.duplicate]

    def count(self, status: RowStatus) -> int:
        """Return how many rows have this status."""
        return sum(r.status == status for r in self.rows)

    def messages(self) -> list[str]:
        """Return the header's problems, then every row's, in file order."""
        return [p.text() for p in self.header_problems] + [
            m for r in self.rows for m in r.messages()]

    def ids(self) -> dict[int, str]:
        """Return the id each row that may be saved will be stored with, by file row."""
        return {r.row: str(r.record[ID]) for r in self.rows if r.record is not None}


_ORDER = {key: index for index, key in enumerate(MEMBERS.keys)}


def _has_default(column: Column) -> bool:
    return column.default is not None


def _duplicate_key(record: Mapping[str, Any]) -> tuple[str, str, Any] | None:
    name, tdp = record.get("full_name"), record.get("tdp")
    if not name or not tdp:
        return None
    return fold(str(name)), fold(str(tdp)), record.get("birth_year")


def _describe(record: Mapping[str, Any]) -> str:
    year = record.get("birth_year")
    born = f", sinh năm {year}" if year is not None else ""
    archived = " (đã lưu trữ)" if record.get(ARCHIVED) else ""
    return f"{record.get('full_name')}, {record.get('tdp')}{born}{archived}"


def preview(snapshot: Snapshot, header: Sequence[Any], rows: Sequence[Sequence[Any]], *,
            first_row: int = 2, ids: Mapping[int, str] | None = None) -> ImportPreview:
    """Check every row of a roster file against the sheet's rules, without saving anything.

    Blank rows are skipped; row numbers are the file's (the header is row `first_row - 1`).
    Columns with a default ("Trạng thái" → Đề xuất) may be left out of the file: a proposed list
    from the Front has no status column. A missing required column is reported once, at the
    header, not on every row.

    Each row that may be saved gets the id it will be stored with: the one in `ids` (by file
    row, from an earlier preview of the same file, `ImportPreview.ids`) or a new one. Keeping
    them makes a second press of the import button, after an unknown outcome, store nothing
    twice.
    """
    header_row = first_row - 1
    positions, extra, found = match_header(MEMBERS, header)
    header_problems = [replace(p, row=header_row) for p in found
                       if not (p.column_key in MEMBERS.keys and p.severity == Severity.ERROR
                               and _has_default(MEMBERS.column(p.column_key)))]
    wanted = {c.key for c in import_columns()}
    positions = {k: i for k, i in positions.items() if k in wanted}
    # Columns reported missing at the header are not reported again on each row.
    missing = {c.key for c in MEMBERS.columns if c.key not in positions}
    blocked = any(p.severity == Severity.ERROR for p in header_problems)

    existing: dict[tuple[str, str, Any], Record] = {}
    for member in snapshot["members"].records:
        key = _duplicate_key(member)
        if key is not None:
            existing.setdefault(key, member)
    seen_in_file: dict[tuple[str, str, Any], int] = {}
    kept = dict(ids or {})
    taken = set(snapshot["members"].by_id) | set(kept.values())

    out: list[PreviewRow] = []
    for offset, cells in enumerate(rows):
        row = first_row + offset
        values = {k: cells[i] if i < len(cells) else None for k, i in positions.items()}
        if all(is_blank(v) for v in values.values()):
            continue  # blank rows are normal in a file people typed
        filled = dict(values)
        for column in import_columns():
            if _has_default(column) and is_blank(filled.get(column.key)):
                filled[column.key] = column.default() if callable(column.default) else (
                    column.default)
        record, problems = validate_record(MEMBERS.key, filled, snapshot)
        problems = [replace(p, row=row) for p in problems
                    if not (p.column_key in missing and p.message == "bắt buộc, chưa điền")]
        # Read a row's problems left to right, as the columns come.
        problems.sort(key=lambda p: _ORDER.get(p.column_key or "", len(_ORDER)))
        duplicate_of = None
        key = _duplicate_key(record)
        if key is not None:
            if key in existing:
                duplicate_of = f"có thể trùng với thành viên đã có: {_describe(existing[key])}"
            elif key in seen_in_file:
                duplicate_of = f"có thể trùng với dòng {seen_in_file[key]} trong tệp"
            else:
                seen_in_file[key] = row
        has_error = any(p.severity == Severity.ERROR for p in problems)
        if not has_error and row not in kept:
            kept[row] = new_id(MEMBERS, taken)
            taken.add(kept[row])
        record[ID] = kept.get(row)
        out.append(PreviewRow(row, values, None if has_error else record, problems,
                              duplicate_of, blocked))
    renamed = {nfc(str(header[i])): MEMBERS.column(k).header for k, i in positions.items()
               if nfc(str(header[i])) != MEMBERS.column(k).header}
    return ImportPreview(out, header_problems, extra, header_row, renamed)


PICK, ROW_HEADER, STATUS_HEADER, PROBLEMS_HEADER = "Lưu", "Dòng", "Tình trạng", "Vấn đề"
_PREVIEW_KEYS = ("full_name", "tdp", "birth_year", "gender", "role", "organisation",
                 "party_member", "phone", "status")


def preview_frame(result: ImportPreview) -> pd.DataFrame:
    """Return the preview as a table: a tick to save (valid, non-duplicate rows ticked), the
    file's row number, the status, the main values as read, and the row's problems."""
    ticked = {r.row for r in result.preselected()}
    data: dict[str, list[Any]] = {
        PICK: [r.row in ticked for r in result.rows],
        ROW_HEADER: [r.row for r in result.rows],
        STATUS_HEADER: [str(r.status) for r in result.rows],
    }
    for key in _PREVIEW_KEYS:
        column = MEMBERS.column(key)
        data[column.header] = [
            column.type.display(r.record.get(key)) if r.record is not None
            else "" if is_blank(r.values.get(key)) else str(r.values[key])
            for r in result.rows]
    data[PROBLEMS_HEADER] = [
        "; ".join([f"{p.column}: {p.message}" for p in r.problems]
                  + ([r.duplicate_of] if r.duplicate_of else []))
        for r in result.rows]
    return pd.DataFrame(data)


def preview_file(snapshot: Snapshot, data: bytes, filename: str, *,
                 ids: Mapping[int, str] | None = None) -> ImportPreview:
    """Read a CSV/XLSX roster file and preview it (raises `RosterFileError` if unreadable).

    `ids` are the rows' ids from an earlier preview of the same file (see `preview`).
    """
    table = read_table(data, filename)
    return preview(snapshot, table.header, table.rows, first_row=table.first_row, ids=ids)


# --- saving --------------------------------------------------------------------------------


@dataclass
class BatchResult:
    """What a batch write did: the stored records, or why nothing was written.

    `unknown` says the answer was lost after the write was sent: it may have been applied.
    """

    saved: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None
    unknown: bool = False

    @property
    def ok(self) -> bool:
        """Tell whether the write happened."""
        return not self.problems and self.error is None

    def messages(self) -> list[str]:
        """Return every reason nothing was written, as sentences for people."""
        texts = list(dict.fromkeys(p.text() for p in self.problems))
        return texts + ([self.error] if self.error else [])


def commit(store: Store, snapshot: Snapshot, rows_to_save: Iterable[PreviewRow],
           actor: Actor) -> BatchResult:
    """Save the confirmed rows in one write, after checking them again against `snapshot`.

    Each row is stored with the id the preview gave it, so committing the same rows again
    (after an unknown outcome) adds none of them twice.
    """
    require_sheet_write(actor, MEMBERS.key)
    chosen = list(rows_to_save)
    if not chosen:
        return BatchResult()
    refused = [r.row for r in chosen if not r.ok]
    if refused:
        rows = ", ".join(str(n) for n in refused)
        return BatchResult(error=f"Dòng {rows} có lỗi nên không lưu được; chưa lưu dòng nào. "
                                 "Hãy sửa tệp rồi tải lên lại, hoặc bỏ chọn các dòng đó.")
    records: list[Record] = []
    problems: list[Problem] = []
    for preview_row in chosen:
        assert preview_row.record is not None
        values = {k: v for k, v in preview_row.record.items() if k not in (ID, ROW)}
        # The data may have changed since the preview (a group archived): check again.
        record, found = validate_record(MEMBERS.key, values, snapshot)
        problems += [replace(p, row=preview_row.row) for p in found]
        record[ID] = preview_row.record.get(ID)
        records.append(record)
    if problems:
        return BatchResult(problems=problems)
    try:
        saved = store.append(MEMBERS.key, records, actor.label)
    except StoreError as err:
        return BatchResult(error=str(err), unknown=isinstance(err, WriteUnknown))
    return BatchResult(saved=saved)


def import_summary(filename: str, saved: Sequence[Mapping[str, Any]],
                   rows: Sequence[PreviewRow], total: int) -> str:
    """Say what an import saved: how many, per group, from which rows, and how many were not."""
    per_tdp = Counter(str(r.get("tdp")) for r in saved)
    groups = ", ".join(f"{t}: {n}" for t, n in sorted(per_tdp.items(),
                                                      key=lambda x: natural_key(x[0])))
    lines = ", ".join(str(r.row) for r in rows)
    skipped = total - len(saved)
    return (f"Đã lưu {len(saved)} thành viên từ tệp “{filename}” ({groups}), dòng {lines}."
            + (f" {skipped} dòng không lưu." if skipped else ""))


def approve(store: Store, snapshot: Snapshot, member_ids: Sequence[str], approval_ref: str,
            approved_on: date | None, actor: Actor, task: str | None = None) -> BatchResult:
    """Approve proposed members with one decision (one write); refuse if any changed meanwhile."""
    require_sheet_write(actor, MEMBERS.key)
    table = snapshot["members"]
    updates: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    problems: list[Problem] = []
    for member_id in member_ids:
        current = table.by_id.get(member_id)
        if current is None or current.get(ARCHIVED):
            return BatchResult(error=f"Không tìm thấy thành viên có mã {member_id}; hãy tải lại "
                                     "dữ liệu.")
        if current.get("status") != MemberStatus.DE_XUAT:
            return BatchResult(error=f"{current.get('full_name')} không ở trạng thái "
                                     f"“{MemberStatus.DE_XUAT}”; chưa phê duyệt ai cả.")
        changes: dict[str, Any] = {"status": MemberStatus.DA_PHE_DUYET,
                                   "approval_ref": approval_ref, "approved_on": approved_on}
        if task and not current.get("task"):
            changes["task"] = task
        expected = {k: v for k, v in current.items() if k != ROW}
        record, found = validate_record(MEMBERS.key, {**expected, **changes}, snapshot,
                                        record_id=member_id)
        problems += found
        updates.append((member_id, {k: record[k] for k in changes}, expected))
    if problems:
        return BatchResult(problems=problems)
    if not updates:
        return BatchResult()
    try:
        saved = store.update_many(MEMBERS.key, updates, actor.label)
    except StoreError as err:
        return BatchResult(error=str(err))
    return BatchResult(saved=saved)


# --- files for people ----------------------------------------------------------------------


def template_csv() -> bytes:
    """Return an empty roster file with the Vietnamese headers the import expects."""
    return csv_bytes(MEMBERS, [], columns=[c.key for c in import_columns()])


def column_guide() -> pd.DataFrame:
    """Return, per column of a roster file, what it accepts, for the import screen."""
    rows = []
    for c in import_columns():
        allowed = c.allowed()
        if c.required and _has_default(c):
            allowed = allowed.replace("bắt buộc; ", "") + f"; để trống là “{c.default}”"
        rows.append({"Cột": c.header, "Yêu cầu": allowed, "Ghi chú": c.help})
    return pd.DataFrame(rows)


def member_label(record: Mapping[str, Any]) -> str:
    """Return how a member is named in a picker: name, group, birth year."""
    year = record.get("birth_year")
    return f"{record.get('full_name')} — {record.get('tdp')}" + (f" ({year})" if year else "")
