"""Forms derived from the schema: each column type asks for its own widget.

Widget values live in `st.session_state` under keys scoped to the form, so a failed save keeps
everything the person typed; a successful save starts a fresh, empty form. A form that adds a
record also keeps the id the record will be saved with, so saving it twice stores it once.

Streamlit forgets the value of a widget that a run does not draw, so going to another page would
lose what was typed. Each field therefore keeps a draft in a plain session key
(`draft::<form key>::<column>`): written when the field changes, read back when the form is drawn
again, dropped when the form is saved or cleared. Forms are not `st.form`s: a form's values reach
the server only on submit, so a half-filled one could not be kept, and a calendar pick could not
fill the date typed beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import streamlit as st

from services.coltypes import (
    DATE_MAX,
    DATE_MIN,
    CellError,
    Choice,
    Ref,
    Widget,
    format_date_vn,
    parse_date,
    quote,
)
from services.records import new_record_id
from services.schema import SHEETS, Column, Record, Sheet
from services.show import literal
from services.text import natural_key
from services.validation import Snapshot

PLACEHOLDER = "Chọn…"
CLEAR_LABEL = "Xóa nội dung đã nhập"
DATE_PLACEHOLDER = "dd/mm/yyyy, ví dụ 07/04/2024"
_DRAFT = "draft"


def _nonce_key(form_key: str) -> str:
    return f"{form_key}::nonce"


def _id_key(form_key: str) -> str:
    return f"{form_key}::record-id"


def widget_key(form_key: str, column_key: str) -> str:
    """Return the session-state key of one field of a form (tests set fields through it)."""
    return f"{form_key}::{st.session_state.get(_nonce_key(form_key), 0)}::{column_key}"


def draft_key(form_key: str, column_key: str) -> str:
    """Return the session key that keeps what was typed in one field across pages."""
    return f"{_DRAFT}::{form_key}::{column_key}"


def _drafts_of(form_key: str) -> list[str]:
    prefix = f"{_DRAFT}::{form_key}::"
    return [k for k in list(st.session_state.keys()) if str(k).startswith(prefix)]


def has_draft(form_key: str) -> bool:
    """Tell whether anything typed in the form differs from what it shows by itself."""
    return bool(_drafts_of(form_key))


def reset_form(form_key: str) -> None:
    """Start the form afresh (after a successful save): empty widgets, no draft, a new id."""
    st.session_state[_nonce_key(form_key)] = st.session_state.get(_nonce_key(form_key), 0) + 1
    st.session_state.pop(_id_key(form_key), None)
    for key in _drafts_of(form_key):
        del st.session_state[key]


def clear_button(form_key: str) -> None:
    """Offer to empty a form that holds typed text (its drafts included)."""
    if has_draft(form_key):
        st.button(CLEAR_LABEL, key=f"{form_key}::clear", on_click=reset_form, args=(form_key,),
                  icon=":material/backspace:",
                  help="Bỏ những gì đã nhập ở biểu mẫu này và bắt đầu lại.")


def form_record_id(form_key: str, sheet_key: str, snapshot: Snapshot) -> str:
    """Return the id the form's new record will be saved with, made when the form is first drawn.

    It stays until `reset_form`: pressing "Lưu" again after a save whose answer was lost finds
    the first write by this id instead of adding a second row.
    """
    if _id_key(form_key) not in st.session_state:
        st.session_state[_id_key(form_key)] = new_record_id(sheet_key, snapshot)
    return str(st.session_state[_id_key(form_key)])


# --- drafts ------------------------------------------------------------------------------


def _keep(key: str, draft: str) -> None:
    """Copy a widget's value into its draft (an on_change callback: it runs on a page switch)."""
    if key in st.session_state:
        st.session_state[draft] = st.session_state[key]


def _restore(key: str, draft: str | None, start: Any) -> None:
    """Give a widget its value before it is drawn: the draft if there is one, else `start`."""
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(draft, start) if draft else start


def _follow(key: str, draft: str | None, start: Any) -> None:
    """Keep the draft equal to the widget's value, or drop it when that is the form's own."""
    if draft is None:
        return
    value = st.session_state.get(key)
    if value == start:
        st.session_state.pop(draft, None)
    else:
        st.session_state[draft] = value


def kept(form_key: str, column_key: str, start: Any) -> dict[str, Any]:
    """Return the keyword arguments that make a custom form's widget keep its draft.

    Use as `st.text_area(label, **kept(form, "result", ""))`: the widget gets the key of
    `widget_key`, starts from its draft (or `start`), and its draft follows each change.
    """
    key, draft = widget_key(form_key, column_key), draft_key(form_key, column_key)
    _restore(key, draft, start)
    _follow(key, draft, start)  # a value set by code (a suggestion filled in) is kept too
    return {"key": key, "on_change": _keep, "args": (key, draft)}


# --- dates -------------------------------------------------------------------------------


def _calendar_key(key: str) -> str:
    return f"{key}::calendar"


def _picked(key: str, draft: str | None) -> None:
    """Write the day picked on the calendar into the text field (and its draft)."""
    picked = st.session_state.get(_calendar_key(key))
    if isinstance(picked, date):
        st.session_state[key] = format_date_vn(picked)
        if draft:
            st.session_state[draft] = st.session_state[key]


def _as_date(text: Any) -> date | None:
    try:
        return parse_date(text) if str(text or "").strip() else None
    except CellError:
        return None


def date_field(label: str, key: str, *, help_text: str | None = None, start: str = "",
               draft: str | None = None) -> str:
    """Draw a date field people type into, with a calendar beside it; return the text typed.

    What is typed is read later by the column's own rules (`coltypes.parse_date`): 30/02/2023 is
    refused with a message, never moved to 28/02/2023 as a date picker would. The calendar
    writes the day it picks into the text field.
    """
    _restore(key, draft, start)
    calendar = _calendar_key(key)
    # The calendar opens on the day typed; set before it is drawn, as Streamlit requires.
    st.session_state[calendar] = _as_date(st.session_state.get(key))
    typed_col, pick_col = st.columns([5, 1], vertical_alignment="bottom", gap="small")
    with typed_col:
        text = st.text_input(label, key=key, help=help_text, placeholder=DATE_PLACEHOLDER,
                             max_chars=30, on_change=_keep if draft else None,
                             args=(key, draft) if draft else None)
    with pick_col, st.popover("Lịch", icon=":material/calendar_month:",
                              help=f"Chọn “{label.rstrip(' *')}” trên lịch", width="stretch"):
        st.date_input(f"Chọn ngày: {label.rstrip(' *')}", value=None, key=calendar,
                      min_value=DATE_MIN, max_value=DATE_MAX, format="DD/MM/YYYY",
                      on_change=_picked, args=(key, draft))
    _follow(key, draft, start)
    return str(text or "").strip()


def read_date(column: Column, text: str) -> tuple[date | None, list[str]]:
    """Read a date field of a custom form by the column's rules; the message names the field."""
    if not text.strip():
        return None, []
    try:
        return column.type.parse(text), []
    except CellError as err:
        # Worded as a form's save says it (`SaveResult.messages`).
        return None, [f"{column.header}: {quote(text)} {err} ({column.type.allowed()})"]


# --- fields ------------------------------------------------------------------------------


def ref_options(column: Column, snapshot: Snapshot) -> list[str]:
    """Return the labels a reference column may point at, active ones, in a sensible order."""
    assert isinstance(column.type, Ref)
    table = snapshot[column.type.sheet]
    label = table.sheet.label_column or "id"
    kinds = column.type.kinds
    labels = [str(r[label]) for r in table.active() if not kinds or r.get("kind") in kinds]
    if column.type.sheet == "campaigns":
        # The newest campaign first: it is the one people register for.
        by_label = table.labels
        return sorted(labels, key=lambda x: (-(by_label[x].get("year") or 0), x))
    return sorted(labels, key=natural_key)


def _initial(column: Column, initial: Mapping[str, Any] | None) -> Any:
    if initial is not None and column.key in initial:
        return initial[column.key]
    return column.default() if callable(column.default) else column.default


def _start(column: Column, value: Any) -> Any:
    """Return what the column's widget holds for a stored value (text for dates and numbers)."""
    kind = column.type.widget
    if kind == Widget.CHECKBOX:
        return bool(value)
    if kind in (Widget.SELECT, Widget.INTEGER):
        return value
    if kind == Widget.DATE:
        return format_date_vn(value) if isinstance(value, date) else str(value or "")
    if kind == Widget.NUMBER and value is not None and not isinstance(value, str):
        return column.type.display(value)
    return "" if value is None else str(value)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def nothing_to_choose(column: Column, offered: bool) -> None:
    """Say what to add before an empty dropdown can be used, with a link to where it is added.

    `offered` tells that the sheet has records, only none the field may take.
    """
    from services.app import current_actor
    from services.navigation import screen_adding

    assert isinstance(column.type, Ref)
    sheet = SHEETS[column.type.sheet]
    what = " hoặc ".join(_lower_first(str(k)) for k in column.type.kinds) or sheet.noun
    screen = screen_adding(sheet.key, current_actor().role)
    where = f" ở trang {screen.title}" if screen else ""
    if offered:
        sentence = (f"“{column.header}”: chưa có {what} nào phù hợp để chọn. Hãy thêm hoặc sửa "
                    f"{what}{where}.")
    else:
        sentence = (f"“{column.header}”: chưa có {what} nào trong danh mục {sheet.title}. Hãy "
                    f"thêm {what}{where}." + ("" if screen else " (cần người có quyền thêm)"))
    st.info(sentence, icon=":material/info:")
    if screen is not None:
        st.page_link(screen.path, label=f"Mở trang “{screen.title}”", icon=screen.icon)


def field_widget(column: Column, key: str, snapshot: Snapshot, value: Any,
                 options: Sequence[str] | None = None, *, draft: str | None = None) -> Any:
    """Draw the widget a column's type asks for and return its raw value.

    `value` is the stored (or proposed) value; `draft`, the session key that keeps what was
    typed across pages.
    """
    label = column.header + (" *" if column.required else "")
    help_text = column.help or None
    kind = column.type.widget
    start = _start(column, value)
    if kind == Widget.DATE:
        return date_field(label, key, help_text=help_text, start=start, draft=draft)
    _restore(key, draft, start)
    keep: dict[str, Any] = {"key": key, "help": help_text}
    if draft:
        keep |= {"on_change": _keep, "args": (key, draft)}
    if kind == Widget.SELECT:
        if options is None:
            options = (ref_options(column, snapshot) if isinstance(column.type, Ref)
                       else list(column.type.options) if isinstance(column.type, Choice) else [])
        options = list(options)
        current = st.session_state.get(key)
        if not options and current is None and isinstance(column.type, Ref):
            # An empty dropdown would say Streamlit's "No results": say what to add instead.
            nothing_to_choose(column, bool(ref_options(column, snapshot)))
            st.session_state.pop(key, None)
            return None
        for kept_value in (current, value):
            if kept_value is not None and kept_value not in options:
                options.insert(0, kept_value)  # a value no longer offered (archived unit)
        result = st.selectbox(label, options, index=None, placeholder=PLACEHOLDER, **keep)
    elif kind == Widget.CHECKBOX:
        result = st.checkbox(label, **keep)
    elif kind == Widget.INTEGER:
        result = st.number_input(label, value=None, step=1, format="%d", placeholder="Nhập số",
                                 **keep)
    elif kind == Widget.TEXTAREA:
        result = st.text_area(label, max_chars=column.type.max_length, **keep)
    else:
        # Numbers are typed as text so "53,8" and "55%" work as people write them.
        result = st.text_input(label, max_chars=column.type.max_length
                               if kind == Widget.TEXT else None, **keep)
    _follow(key, draft, start)
    return result


def record_form(
    sheet: Sheet,
    snapshot: Snapshot,
    form_key: str,
    *,
    initial: Mapping[str, Any] | None = None,
    columns: Sequence[str] | None = None,
    submit_label: str = "Lưu",
    options: Mapping[str, Sequence[str]] | None = None,
) -> Record | None:
    """Draw a form of the sheet's columns and return the raw values when it is submitted.

    One column of fields, in schema order, so Tab moves through them as they read. A date comes
    back as the text typed, for validation to read by the column's rules.
    """
    keys = list(columns) if columns is not None else [c.key for c in sheet.form_columns()]
    values: Record = {}
    with st.container(border=True):
        for key in keys:
            column = sheet.column(key)
            values[key] = field_widget(column, widget_key(form_key, key), snapshot,
                                       _initial(column, initial), (options or {}).get(key),
                                       draft=draft_key(form_key, key))
        st.caption("Các ô có dấu * là bắt buộc. Những gì đã nhập được giữ khi chuyển sang "
                   "trang khác, cho đến khi lưu hoặc xóa.")
        with st.container(horizontal=True):
            submitted = st.button(submit_label, type="primary", key=f"{form_key}::submit")
            clear_button(form_key)
    return values if submitted else None


def show_problems(messages: Sequence[str], *, error: str | None = None,
                  title: str = "Chưa lưu.") -> None:
    """Show why a save did not happen: the cells to fix, and the store's answer; input kept.

    `messages` may end with `error` (a result's `messages()`); it is shown on its own, since
    "sửa các ô sau" would send people looking for a typing mistake that is not there. The
    messages quote what was typed, so they are shown as plain text.
    """
    cells = [m for m in messages if m != error]
    if cells:
        st.error(title + " Hãy sửa các ô sau rồi bấm lưu lại:\n\n"
                 + "\n".join(f"- {literal(m)}" for m in cells)
                 + (f"\n\n{literal(error)}" if error else ""))
    elif error:
        st.error(f"{title} {literal(error)}")
