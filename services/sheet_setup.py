"""Prepare a Google spreadsheet from the schema: tabs, headers, guard rails, reference data.

`setup_spreadsheet` is what `python -m services.cli setup-sheet` and the admin page run. On an
empty or partial spreadsheet it creates the missing tabs with the schema's header row, adds
missing header cells after the last column of existing tabs (never reordering or overwriting),
freezes and protects the header row (warning only), sets dropdowns, number and date rules and
formats, gives an id to rows people added by hand, and fills the reference data of empty tabs.

Everything is decided from three reads and written in one atomic `batchUpdate`. Running it again
changes nothing: each step first checks whether it is already done.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.coltypes import Bool, Choice, Date, Number, Ref, is_blank
from services.schema import ID, SHEETS, Column, Sheet
from services.store.base import new_id
from services.store.gsheets import (
    GSheetsStore,
    Layout,
    Tab,
    column_letters,
    header_cell,
    no_header,
    number_format,
    quote_title,
)

# Rows a new tab starts with; the guard rails cover the whole grid. Sheets adds rows as the
# app appends, and "Chuẩn bị bảng tính" run again extends the rules to rows added since.
NEW_TAB_ROWS = 200
SPARE_ROWS = 100  # empty guarded rows kept below the data a tab is filled with
HEADER_PROTECTION = ("Dòng tiêu đề do ứng dụng Khối Dân vận dùng để nhận cột: đổi tên hoặc xóa "
                     "cột sẽ làm ứng dụng không đọc được cột đó.")
# The audit tab is written only by the app, with every cell typed: it needs no dropdowns.
UNGUARDED = frozenset({"audit"})
_GRID_FIELDS = ("sheets(properties(sheetId),data(startRow,startColumn,"
                "rowData(values(userEnteredFormat(numberFormat),dataValidation))))")


@dataclass
class _Plan:
    """One schema sheet's tab, as it will be once the batch is applied."""

    sheet: Sheet
    tab: Tab
    layout: Layout
    new: bool
    data_rows: list[list[Any]]
    requests: list[dict[str, Any]] = field(default_factory=list)
    report: list[str] = field(default_factory=list)
    found_rows: int = 0  # the grid's height before this run (0 for a new tab)
    blocked: bool = False  # no header found: the tab is left as it is

    @property
    def empty(self) -> bool:
        """Tell whether the tab holds no data row (a tab left alone is never filled)."""
        filled = any(any(not is_blank(c) for c in row) for row in self.data_rows)
        return not self.blocked and not filled

    def size(self, rows: int) -> None:
        """Give the tab this many rows: a new tab is created so; an existing one only grows."""
        tab = self.tab
        if self.new:
            self.requests[0]["addSheet"]["properties"]["gridProperties"]["rowCount"] = rows
        elif rows > tab.rows:
            self.requests.insert(0, {"appendDimension": {"sheetId": tab.sheet_id,
                                                         "dimension": "ROWS",
                                                         "length": rows - tab.rows}})
        else:
            return
        self.tab = Tab(tab.key, tab.title, tab.sheet_id, rows, tab.columns)


def setup_spreadsheet(store: GSheetsStore, *, demo: bool = False, year: int | None = None,
                      rows: int = NEW_TAB_ROWS, reference_data: bool = True) -> list[str]:
    """Prepare the spreadsheet for the app; return, in Vietnamese, what was done.

    The admin page passes the process's store and calls `services.app.refresh()` afterwards.
    `rows` is how many rows a new empty tab gets (the guard rails cover them all);
    `reference_data=False` leaves every tab empty (Plan 48's indicators included).
    """
    meta = store.metadata(refresh=True)  # sizes and rules are decided from the sheet as it is
    values = store.tab_values(SHEETS)
    taken = {int(s.get("properties", {}).get("sheetId", 0)) for s in meta.raw.get("sheets", [])}
    report: list[str] = []
    requests: list[dict[str, Any]] = []

    plans = {key: _tab_plan(store, key, values.get(key), taken) for key in SHEETS}
    data = _reference_data(plans, demo=demo, year=year) if reference_data else {}
    for key, plan in plans.items():
        # Room for the loaded rows and more, so the guard rails cover every row people fill.
        if key in data:
            plan.size(max(rows, len(plan.data_rows) + len(data[key]) + 1 + SPARE_ROWS))
        elif plan.new:
            plan.size(rows)
        requests += plan.requests
        report += plan.report

    props = {int(s["properties"].get("sheetId", 0)): s for s in meta.raw.get("sheets", [])}
    samples = _samples(store, [p for p in plans.values() if p.found_rows > 1])
    for key, plan in plans.items():
        requests += _header_guard(plan, props.get(plan.tab.sheet_id, {}), report)
        if key not in UNGUARDED:
            requests += _guard_rails(plan, plans, samples, report)
        requests += _fill_ids(plan, report)

    report += _data_report(plans, data, demo=demo)
    requests += store.load_requests({k: plans[k].layout for k in data}, data,
                                    {k: plans[k].tab.sheet_id for k in data})

    if requests:
        store.batch_update(requests)
        store.forget()
        store.metadata()
        for key, plan in plans.items():
            if not plan.blocked:
                store.remember(key, plan.layout)
    if not report:
        report.append("Bảng tính đã sẵn sàng; không cần thay đổi gì.")
    return report


# --- tabs and headers ----------------------------------------------------------------------


def _free_id(taken: set[int]) -> int:
    while (sheet_id := secrets.randbelow(2**31 - 2) + 1) in taken:
        pass
    taken.add(sheet_id)
    return sheet_id


def _tab_plan(store: GSheetsStore, key: str, found: list[list[Any]] | None,
              taken: set[int]) -> _Plan:
    """Plan the tab and its header row: create it, or add the missing header cells."""
    sheet = SHEETS[key]
    tab = store.metadata().tabs.get(key)
    full = Layout(tuple(sheet.headers), {k: i for i, k in enumerate(sheet.keys)})
    if tab is None:
        # A chosen sheetId lets the later requests of the same batch point at the new tab.
        tab = Tab(key, sheet.title, _free_id(taken), 1, max(26, len(sheet.columns)))
        add = {"addSheet": {"properties": {
            "sheetId": tab.sheet_id, "title": tab.title,
            "gridProperties": {"rowCount": tab.rows, "columnCount": tab.columns,
                               "frozenRowCount": 1},
        }}}
        return _Plan(sheet, tab, full, True, [], [add, _header_row(tab, 0, sheet.headers)],
                     [f"Tạo trang “{sheet.title}” với {len(sheet.columns)} cột."])
    found = found or []
    requests: list[dict[str, Any]] = []
    report: list[str] = []
    now = Layout.search(sheet, found)
    if not now.found:
        # Content but no header the app recognises: nothing in this tab is touched.
        report.append(str(no_header(sheet, tab.title)))
        return _Plan(sheet, tab, now, False, [], [], report, tab.rows, blocked=True)
    if now.width == 0:
        layout = full
        requests.append(_header_row(tab, 0, sheet.headers))
        report.append(f"Ghi dòng tiêu đề vào trang “{tab.title}”.")
    else:
        layout = now.extended(sheet)
        if missing := now.missing(sheet):
            requests.append(_header_row(tab, now.width, [c.header for c in missing], now.row))
            names = ", ".join(f"“{c.header}”" for c in missing)
            report.append(f"Thêm cột {names} vào cuối trang “{tab.title}”.")
    if layout.width > tab.columns:
        requests.insert(0, {"appendDimension": {"sheetId": tab.sheet_id, "dimension": "COLUMNS",
                                                "length": layout.width - tab.columns}})
        tab = Tab(tab.key, tab.title, tab.sheet_id, tab.rows, layout.width)
    return _Plan(sheet, tab, layout, False, found[layout.row:], requests, report, tab.rows)


def _header_row(tab: Tab, start: int, texts: Sequence[str], row: int = 1) -> dict[str, Any]:
    return {"updateCells": {
        "range": {"sheetId": tab.sheet_id, "startRowIndex": row - 1, "endRowIndex": row,
                  "startColumnIndex": start, "endColumnIndex": start + len(texts)},
        "rows": [{"values": [header_cell(t) for t in texts]}],
        "fields": "userEnteredValue,userEnteredFormat.textFormat.bold",
    }}


def _header_guard(plan: _Plan, found: Mapping[str, Any], report: list[str]) -> list[dict[str, Any]]:
    """Freeze and protect (warning only) the header row where that is not done yet.

    Rows above the header (a title) are frozen with it, so the header stays in view.
    """
    out: list[dict[str, Any]] = []
    if plan.blocked:
        return out
    sheet_id = plan.tab.sheet_id
    header = plan.layout.row
    grid = found.get("properties", {}).get("gridProperties", {})
    if not plan.new and int(grid.get("frozenRowCount", 0)) < header:
        out.append({"updateSheetProperties": {
            "properties": {"sheetId": sheet_id, "gridProperties": {"frozenRowCount": header}},
            "fields": "gridProperties.frozenRowCount"}})
        report.append(f"Cố định dòng tiêu đề của trang “{plan.tab.title}”.")
    def on_header(p: Mapping[str, Any]) -> bool:
        rows = p.get("range", {})
        return rows.get("startRowIndex", 0) == header - 1 and rows.get("endRowIndex") == header

    ranges = found.get("protectedRanges", [])
    protected = any(on_header(p) for p in ranges)
    # The app's own protection left on another row (a title was inserted above the header):
    # taken off there, and set on the header below.
    moved = [p for p in ranges if p.get("description") == HEADER_PROTECTION and not on_header(p)
             and "protectedRangeId" in p]
    if not protected and moved:
        out += [{"deleteProtectedRange": {"protectedRangeId": p["protectedRangeId"]}}
                for p in moved]
    if not protected:
        out.append({"addProtectedRange": {"protectedRange": {
            "range": {"sheetId": sheet_id, "startRowIndex": header - 1, "endRowIndex": header},
            "description": HEADER_PROTECTION, "warningOnly": True}}})
        report.append(f"Bảo vệ dòng tiêu đề của trang “{plan.tab.title}” (chỉ cảnh báo khi sửa).")
    return out


# --- guard rails: dropdowns, number and date rules, formats --------------------------------

Cell = tuple[int, int, int]  # sheetId, row index, column index
Samples = dict[Cell, Mapping[str, Any]]


def _samples(store: GSheetsStore, plans: Sequence[_Plan]) -> Samples:
    """Read the rules and formats of the first and last data row of existing tabs (one read).

    A tab that grows in this run has a new last row, absent from the samples: its rules are set
    again over the whole grid.
    """
    if not plans:
        return {}
    ranges = []
    for plan in plans:
        last = column_letters(max(plan.layout.width, 1) - 1)
        for row in sorted({plan.layout.row + 1, plan.found_rows}):
            ranges.append(f"{quote_title(plan.tab.title)}!A{row}:{last}{row}")
    found = store.grid(ranges, _GRID_FIELDS)
    out: Samples = {}
    for entry in found.get("sheets", []):
        sheet_id = int(entry.get("properties", {}).get("sheetId", 0))
        for data in entry.get("data", []):
            r0, c0 = int(data.get("startRow", 0)), int(data.get("startColumn", 0))
            for i, row in enumerate(data.get("rowData", [])):
                for j, cell in enumerate(row.get("values", [])):
                    out[(sheet_id, r0 + i, c0 + j)] = cell or {}
    # Cells the answer leaves out have no rule and no format; mark every sampled row as seen.
    for plan in plans:
        for row in {plan.layout.row, plan.found_rows - 1}:
            for col in range(plan.layout.width):
                out.setdefault((plan.tab.sheet_id, row, col), {})
    return out


def validation_rule(column: Column, target: Callable[[str], tuple[str, int, int] | None],
                    first_cell: str) -> dict[str, Any] | None:
    """Return the Sheets data-validation rule of a column, or None when it needs none."""
    kind = column.type
    condition: dict[str, Any]
    if isinstance(kind, Bool):
        condition = {"type": "BOOLEAN"}
    elif isinstance(kind, Choice):
        condition = {"type": "ONE_OF_LIST",
                     "values": [{"userEnteredValue": str(o)} for o in kind.options]}
    elif isinstance(kind, Ref):
        found = target(kind.sheet)
        if found is None:
            return None
        title, position, first = found
        letters = column_letters(position)
        # An open-ended range: units added later appear in the dropdown too.
        source = f"={quote_title(title)}!{letters}{first}:{letters}"
        condition = {"type": "ONE_OF_RANGE", "values": [{"userEnteredValue": source}]}
    elif isinstance(kind, Date):
        condition = {"type": "DATE_IS_VALID"}
    elif isinstance(kind, Number):
        condition = _number_condition(kind, first_cell)
    else:
        return None
    rule: dict[str, Any] = {"condition": condition, "strict": False}
    if condition["type"] in ("ONE_OF_LIST", "ONE_OF_RANGE"):
        rule["showCustomUi"] = True
    # Not strict: an odd value is kept and reported by the app rather than refused.
    if column.help:
        rule["inputMessage"] = column.help
    return rule


def _bound(value: Any) -> Any:
    return value() if callable(value) else value


def _number_condition(kind: Number, first_cell: str) -> dict[str, Any]:
    low, high = _bound(kind.minimum), _bound(kind.maximum)
    if low is not None and high is not None:
        return {"type": "NUMBER_BETWEEN",
                "values": [{"userEnteredValue": str(low)}, {"userEnteredValue": str(high)}]}
    if low is not None:
        return {"type": "NUMBER_GREATER_THAN_EQ", "values": [{"userEnteredValue": str(low)}]}
    if high is not None:
        return {"type": "NUMBER_LESS_THAN_EQ", "values": [{"userEnteredValue": str(high)}]}
    # Any number: the formula is relative to the range's first cell, as Sheets reads it.
    return {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": f"=ISNUMBER({first_cell})"}]}


def _guard_rails(plan: _Plan, plans: Mapping[str, _Plan], samples: Samples,
                 report: list[str]) -> list[dict[str, Any]]:
    """Set each column's rule and format where the first or last row lacks them."""
    header = plan.layout.row
    if plan.tab.rows <= header or plan.blocked:
        return []
    sheet_id = plan.tab.sheet_id

    def target(sheet_key: str) -> tuple[str, int, int] | None:
        other = plans[sheet_key]
        label = other.sheet.label_column
        if label is None or label not in other.layout.positions or other.blocked:
            return None
        return other.tab.title, other.layout.positions[label], other.layout.row + 1

    out: list[dict[str, Any]] = []
    changed: list[str] = []
    for column in plan.sheet.columns:
        position = plan.layout.positions[column.key]
        grid = {"sheetId": sheet_id, "startRowIndex": header, "startColumnIndex": position,
                "endColumnIndex": position + 1}
        rule = validation_rule(column, target, f"{column_letters(position)}{header + 1}")
        fmt = number_format(column.type)
        cells = [samples.get((sheet_id, row, position)) for row in {header, plan.tab.rows - 1}]
        if rule is not None and not all(c is not None and _same_rule(c.get("dataValidation"),
                                                                     rule) for c in cells):
            out.append({"setDataValidation": {"range": grid, "rule": rule}})
            changed.append(column.header)
        if fmt is not None and not all(c is not None and _same_format(c, fmt) for c in cells):
            out.append({"repeatCell": {"range": grid,
                                       "cell": {"userEnteredFormat": {"numberFormat": fmt}},
                                       "fields": "userEnteredFormat.numberFormat"}})
            if column.header not in changed:
                changed.append(column.header)
    if changed:
        report.append(f"Đặt danh sách chọn, quy tắc và định dạng cho {len(changed)} cột của "
                      f"trang “{plan.tab.title}”.")
    return out


def _same_rule(found: Mapping[str, Any] | None, wanted: Mapping[str, Any]) -> bool:
    return bool(found) and found.get("condition") == wanted["condition"]  # type: ignore[union-attr]


def _same_format(cell: Mapping[str, Any], wanted: Mapping[str, str]) -> bool:
    found = cell.get("userEnteredFormat", {}).get("numberFormat", {})
    return found.get("type") == wanted["type"] and found.get("pattern") == wanted["pattern"]


# --- data ----------------------------------------------------------------------------------


def _fill_ids(plan: _Plan, report: list[str]) -> list[dict[str, Any]]:
    """Give an id to rows people typed without one (an empty cell: nothing is overwritten)."""
    if plan.blocked:
        return []
    at = plan.layout.positions[ID]
    out = []
    taken = {str(c[at]) for c in plan.data_rows if at < len(c) and not is_blank(c[at])}
    for offset, cells in enumerate(plan.data_rows):
        if all(is_blank(c) for c in cells):
            continue
        if at < len(cells) and not is_blank(cells[at]):
            continue
        row = plan.layout.row + offset  # 0-based index of the sheet row under the header
        out.append({"updateCells": {
            "range": {"sheetId": plan.tab.sheet_id, "startRowIndex": row, "endRowIndex": row + 1,
                      "startColumnIndex": at, "endColumnIndex": at + 1},
            "rows": [{"values": [{"userEnteredValue": {
                "stringValue": new_id(plan.sheet, taken)}}]}],
            "fields": "userEnteredValue",
        }})
    if out:
        report.append(f"Điền mã cho {len(out)} dòng chưa có mã ở trang “{plan.tab.title}”.")
    return out


def _reference_data(plans: Mapping[str, _Plan], *, demo: bool,
                    year: int | None) -> dict[str, list[dict[str, Any]]]:
    """Return the records to load: Plan 48's indicators, and the demo ward on request."""
    data: dict[str, list[dict[str, Any]]] = {}
    if demo:
        from services.demo import generate

        ward = generate(year=year)
        # All or nothing: demo registrations point at demo units, demo values at indicators.
        if all(plans[k].empty for k in ward if k != "indicators"):
            data.update({k: list(v) for k, v in ward.items() if k != "indicators"})
    if plans["indicators"].empty:
        from services.plan48 import indicator_records

        data["indicators"] = indicator_records()
    return data


def _data_report(plans: Mapping[str, _Plan], data: Mapping[str, Sequence[Any]], *,
                 demo: bool) -> list[str]:
    out = []
    others = [k for k in data if k != "indicators"]
    if others:
        counts = ", ".join(f"{SHEETS[k].title} {len(data[k])}" for k in others)
        out.append(f"Nạp dữ liệu mẫu: {counts}.")
    elif demo:
        out.append("Không nạp dữ liệu mẫu: các trang nghiệp vụ đã có dữ liệu.")
    if "indicators" in data:
        out.append(f"Nạp {len(data['indicators'])} chỉ tiêu của Kế hoạch 48 vào trang "
                   f"“{plans['indicators'].tab.title}”.")
    return out
