"""Forms derived from the schema: each column type asks for its own widget.

Widget values live in `st.session_state` under keys scoped to the form, so a failed save keeps
everything the person typed; a successful save starts a fresh, empty form. A form that adds a
record also keeps the id the record will be saved with, so saving it twice stores it once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import streamlit as st

from services.coltypes import DATE_MAX, DATE_MIN, Choice, Ref, Widget
from services.records import new_record_id
from services.schema import Column, Record, Sheet
from services.show import literal
from services.text import natural_key
from services.validation import Snapshot

_MIN_DATE, _MAX_DATE = DATE_MIN, DATE_MAX  # the column type refuses any date outside
PLACEHOLDER = "Chọn…"


def _nonce_key(form_key: str) -> str:
    return f"{form_key}::nonce"


def _id_key(form_key: str) -> str:
    return f"{form_key}::record-id"


def widget_key(form_key: str, column_key: str) -> str:
    """Return the session-state key of one field of a form (tests set fields through it)."""
    return f"{form_key}::{st.session_state.get(_nonce_key(form_key), 0)}::{column_key}"


def reset_form(form_key: str) -> None:
    """Start the form afresh (after a successful save): empty widgets and a new record id."""
    st.session_state[_nonce_key(form_key)] = st.session_state.get(_nonce_key(form_key), 0) + 1
    st.session_state.pop(_id_key(form_key), None)


def form_record_id(form_key: str, sheet_key: str, snapshot: Snapshot) -> str:
    """Return the id the form's new record will be saved with, made when the form is first drawn.

    It stays until `reset_form`: pressing "Lưu" again after a save whose answer was lost finds
    the first write by this id instead of adding a second row.
    """
    if _id_key(form_key) not in st.session_state:
        st.session_state[_id_key(form_key)] = new_record_id(sheet_key, snapshot)
    return str(st.session_state[_id_key(form_key)])


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


def field_widget(column: Column, key: str, snapshot: Snapshot, value: Any,
                 options: Sequence[str] | None = None) -> Any:
    """Draw the widget a column's type asks for and return its raw value."""
    label = column.header + (" *" if column.required else "")
    help_text = column.help or None
    kind = column.type.widget
    if kind == Widget.SELECT:
        if options is None:
            options = (ref_options(column, snapshot) if isinstance(column.type, Ref)
                       else list(column.type.options) if isinstance(column.type, Choice) else [])
        options = list(options)
        if value is not None and value not in options:
            options.insert(0, value)  # keep a value that is no longer offered (archived unit)
        index = options.index(value) if value in options else None
        return st.selectbox(label, options, index=index, key=key, help=help_text,
                            placeholder=PLACEHOLDER)
    if kind == Widget.DATE:
        return st.date_input(label, value=value, min_value=_MIN_DATE, max_value=_MAX_DATE,
                             key=key, help=help_text, format="DD/MM/YYYY")
    if kind == Widget.CHECKBOX:
        return st.checkbox(label, value=bool(value), key=key, help=help_text)
    if kind == Widget.INTEGER:
        return st.number_input(label, value=value, step=1, format="%d", key=key, help=help_text,
                               placeholder="Nhập số")
    if kind == Widget.TEXTAREA:
        return st.text_area(label, value=value or "", key=key, help=help_text,
                            max_chars=column.type.max_length)
    # Numbers are typed as text so "53,8" and "55%" work as people write them.
    shown = column.type.display(value) if kind == Widget.NUMBER and value is not None else value
    return st.text_input(label, value=shown or "", key=key, help=help_text,
                         max_chars=column.type.max_length if kind == Widget.TEXT else None)


def record_form(
    sheet: Sheet,
    snapshot: Snapshot,
    form_key: str,
    *,
    initial: Mapping[str, Any] | None = None,
    columns: Sequence[str] | None = None,
    submit_label: str = "Lưu",
    options: Mapping[str, Sequence[str]] | None = None,
    before_submit: Callable[[], None] | None = None,
) -> Record | None:
    """Draw a form of the sheet's columns and return the raw values when it is submitted.

    One column of fields, in schema order, so Tab moves through them as they read.
    """
    keys = list(columns) if columns is not None else [c.key for c in sheet.form_columns()]
    values: Record = {}
    with st.form(form_key, clear_on_submit=False, enter_to_submit=False):
        for key in keys:
            column = sheet.column(key)
            values[key] = field_widget(column, widget_key(form_key, key), snapshot,
                                       _initial(column, initial), (options or {}).get(key))
        st.caption("Các ô có dấu * là bắt buộc.")
        if before_submit is not None:
            before_submit()
        submitted = st.form_submit_button(submit_label, type="primary")
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
