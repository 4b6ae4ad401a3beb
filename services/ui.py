"""Screens shared by several pages: a sheet's registry (list, search, add, edit, archive)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import streamlit as st

from services import records as saving
from services.app import current_actor, get_snapshot, get_store, refresh
from services.forms import record_form, reset_form, show_problems
from services.listing import find, pick_record, search
from services.schema import ARCHIVED, ID, SHEETS, Record
from services.validation import Snapshot

Filter = Callable[[list[Record]], list[Record]]


def flash(message: str) -> None:
    """Keep a success message across the rerun that follows a save."""
    st.session_state["flash"] = message


def show_flash() -> None:
    """Show (once) the message kept by `flash`."""
    if message := st.session_state.pop("flash", None):
        st.success(message, icon=":material/check_circle:")


def add_form(sheet_key: str, snapshot: Snapshot, form_key: str, *,
             columns: Sequence[str] | None = None, initial: Mapping[str, Any] | None = None,
             options: Mapping[str, Sequence[str]] | None = None,
             fixed: Mapping[str, Any] | None = None,
             submit_label: str = "Lưu", success: Callable[[Record], str] | None = None) -> None:
    """Draw a form that validates and appends one record; keep the input if saving fails.

    `fixed` holds values the form does not ask for (a new registration's status, say).
    """
    sheet = SHEETS[sheet_key]
    values = record_form(sheet, snapshot, form_key, columns=columns, initial=initial,
                         options=options, submit_label=submit_label)
    if values is None:
        return
    with st.spinner("Đang lưu…"):
        result = saving.create(get_store(), snapshot, sheet_key, {**values, **(fixed or {})},
                               current_actor())
    if not result.ok:
        show_problems(result.messages())
        return
    refresh()
    reset_form(form_key)
    label = sheet.label_of(result.record) if sheet.label_column and result.record else ""
    flash(success(result.record) if success and result.record else
          f"Đã lưu {sheet.noun} mới" + (f": {label}." if label else "."))
    st.rerun()


def edit_form(sheet_key: str, snapshot: Snapshot, record: Record, form_key: str, *,
              columns: Sequence[str] | None = None,
              options: Mapping[str, Sequence[str]] | None = None,
              submit_label: str = "Lưu thay đổi") -> None:
    """Draw a form prefilled with a record; save only what changed, refuse if it changed."""
    sheet = SHEETS[sheet_key]
    key = f"{form_key}-{record[ID]}"
    values = record_form(sheet, snapshot, key, columns=columns, initial=record, options=options,
                         submit_label=submit_label)
    if values is None:
        return
    with st.spinner("Đang lưu…"):
        result = saving.edit(get_store(), snapshot, sheet_key, record[ID], values, record,
                             current_actor())
    if not result.ok:
        show_problems(result.messages())
        if result.conflict:
            st.button("Tải lại dữ liệu mới nhất", key=f"{key}-reload", on_click=refresh,
                      help="Đọc lại bản ghi như hiện có trong bảng tính rồi sửa lại.")
        return
    refresh()
    reset_form(key)
    flash(f"Đã lưu thay đổi của {sheet.noun}.")
    st.rerun()


def archive_button(sheet_key: str, record: Record, key: str) -> None:
    """Offer to archive a record, with a confirmation step."""
    sheet = SHEETS[sheet_key]
    confirm = st.checkbox(f"Tôi muốn lưu trữ (ẩn) {sheet.noun} này", key=f"{key}-confirm")
    if st.button("Lưu trữ", key=f"{key}-archive", disabled=not confirm):
        result = saving.archive(get_store(), sheet_key, record[ID], record, current_actor())
        if not result.ok:
            st.error(result.error or "Không lưu trữ được.")
            return
        refresh()
        flash(f"Đã lưu trữ {sheet.noun}. Bản ghi vẫn còn trong bảng tính, cột “Lưu trữ”.")
        st.rerun()


def restore_button(sheet_key: str, record: Record, key: str) -> None:
    """Offer to bring an archived record back into the lists."""
    sheet = SHEETS[sheet_key]
    st.info(f"{sheet.noun.capitalize()} này đã được lưu trữ.", icon=":material/inventory_2:")
    if st.button("Khôi phục", key=f"{key}-restore"):
        result = saving.edit(get_store(), get_snapshot(), sheet_key, record[ID],
                             {ARCHIVED: False}, record, current_actor())
        if not result.ok:
            st.error("\n".join(result.messages()))
            return
        refresh()
        flash(f"Đã khôi phục {sheet.noun}.")
        st.rerun()


def registry(
    sheet_key: str,
    *,
    list_columns: Sequence[str],
    search_columns: Sequence[str],
    empty_hint: str,
    filters: Filter | None = None,
    sort: Callable[[list[Record]], list[Record]] | None = None,
    form_columns: Sequence[str] | None = None,
    options: Mapping[str, Sequence[str]] | None = None,
    extra: Callable[[list[Record]], dict[str, Sequence[Any]]] | None = None,
) -> None:
    """Draw the standard registry of a sheet: a searchable list, then add or edit below it."""
    sheet = SHEETS[sheet_key]
    snapshot = get_snapshot()
    # Always the same container before the tabs, so a message does not send people back to
    # the first tab.
    with st.container():
        show_flash()
    tab_list, tab_add = st.tabs(["Danh sách", f"Thêm {sheet.noun}"], key=f"{sheet_key}-tab",
                                on_change="rerun")
    with tab_list:
        table = snapshot[sheet_key]
        archived = len(table.records) - len(table.active())
        with_archived = archived > 0 and st.toggle(
            f"Hiện cả {archived} {sheet.noun} đã lưu trữ", key=f"{sheet_key}-archived",
            help="Để xem lại hoặc khôi phục bản ghi đã lưu trữ.")
        records = table.records if with_archived else table.active()
        query = st.text_input("Tìm kiếm", key=f"{sheet_key}-search",
                              placeholder="Gõ không dấu cũng được, ví dụ: nguyen van",
                              help="Tìm trong: " + ", ".join(sheet.column(k).header
                                                             for k in search_columns))
        shown = search(filters(records) if filters else records, query, search_columns)
        shown = sort(shown) if sort else shown
        if not records:
            st.info(empty_hint)
        elif not shown:
            st.info("Không có kết quả phù hợp. Hãy bớt từ khóa hoặc bỏ bộ lọc.")
        else:
            st.caption(f"{len(shown)} / {len(records)} {sheet.noun}. Chọn một dòng để sửa.")
            picked = pick_record(sheet, shown, list_columns, key=f"{sheet_key}-table",
                                 extra=extra(shown) if extra else None)
            if picked is not None:
                current = find(snapshot[sheet_key].records, picked[ID]) or picked
                st.subheader(f"Sửa {sheet.noun}")
                if current.get(ARCHIVED):
                    restore_button(sheet_key, current, f"{sheet_key}-{current[ID]}")
                else:
                    edit_form(sheet_key, snapshot, current, f"{sheet_key}-edit",
                              columns=form_columns, options=options)
                    archive_button(sheet_key, current, f"{sheet_key}-{current[ID]}")
    with tab_add:
        add_form(sheet_key, snapshot, f"{sheet_key}-add", columns=form_columns, options=options)
