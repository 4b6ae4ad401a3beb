"""Screens shared by several pages: a sheet's registry (list, search, add, edit, archive)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from services import records as saving
from services.app import current_actor, get_snapshot, get_store, refresh
from services.export import CSV_MIME, XLSX_MIME, dated_filename, write_csv, write_xlsx
from services.forms import form_record_id, record_form, reset_form, show_problems
from services.listing import MAX_QUERY_LENGTH, find, pick_record, search
from services.schema import ARCHIVED, ID, SHEETS, Record
from services.show import literal
from services.store.base import StoreError
from services.validation import ROW, Snapshot

Filter = Callable[[list[Record]], list[Record]]
CHECK_LABEL = "Kiểm tra đã lưu chưa"


def flash(message: str) -> None:
    """Keep a success message across the rerun that follows a save (plain text, not Markdown)."""
    st.session_state["flash"] = message


def show_flash() -> None:
    """Show (once) the message kept by `flash`."""
    if message := st.session_state.pop("flash", None):
        st.success(literal(message), icon=":material/check_circle:")
        # Also a toast: after saving at the bottom of a long form the box above is off-screen.
        st.toast(literal(message), icon=":material/check_circle:")


# --- a save whose answer was lost ----------------------------------------------------------


def _unknown_key(form_key: str) -> str:
    return f"{form_key}::unknown"


def _verdict_key(form_key: str) -> str:
    return f"{form_key}::verdict"


def remember_unknown(form_key: str, error: str, sheet_key: str, record_id: str,
                     saved_message: str) -> None:
    """Keep a save whose outcome is unknown, so the form offers to check it until it is known.

    `record_id` is one id of the write (a write lands whole or not at all); `saved_message`
    says what was saved if the check finds it.
    """
    st.session_state[_unknown_key(form_key)] = (error, sheet_key, record_id, saved_message)


def forget_unknown(form_key: str) -> None:
    """Drop what `remember_unknown` kept (a new save of the form is under way)."""
    st.session_state.pop(_unknown_key(form_key), None)
    st.session_state.pop(_verdict_key(form_key), None)


def _check_saved(form_key: str, submit_label: str, on_saved: Callable[[], None]) -> None:
    """Read the sheet once and say whether the lost write is there (a button's callback)."""
    pending = st.session_state.get(_unknown_key(form_key))
    if pending is None:
        return
    _, sheet_key, record_id, saved_message = pending
    try:
        saved = saving.check_saved(get_store(), sheet_key, record_id)
    except StoreError as err:
        # Still unknown: keep the warning and the button, say why the check failed.
        st.session_state[_verdict_key(form_key)] = (False, str(err))
        return
    forget_unknown(form_key)
    if saved:
        on_saved()
        flash(f"Đã lưu: {saved_message}")
    else:
        st.session_state[_verdict_key(form_key)] = (
            True, f"Chưa lưu: bấm “{submit_label}” để lưu lại; sẽ không tạo dòng trùng.")


def show_unknown(form_key: str, submit_label: str, on_saved: Callable[[], None]) -> None:
    """Show a save whose outcome is unknown, with a button that checks the sheet.

    Not a list of cells to fix: nothing typed was wrong. `on_saved` starts the form afresh
    when the check finds the record, as after a success.
    """
    if verdict := st.session_state.pop(_verdict_key(form_key), None):
        known, message = verdict
        if known:
            st.info(literal(message), icon=":material/info:")
        else:
            st.error(literal(message))
    pending = st.session_state.get(_unknown_key(form_key))
    if pending is None:
        return
    st.warning(literal(pending[0]), icon=":material/cloud_sync:")
    st.button(CHECK_LABEL, key=f"{form_key}::check", on_click=_check_saved,
              args=(form_key, submit_label, on_saved),
              help="Đọc lại bảng tính để biết lần lưu vừa rồi đã được ghi hay chưa.")


def show_failure(result: saving.SaveResult, key: str, submit_label: str) -> None:
    """Show why a change to a stored record was not saved, and the way on; input kept.

    A conflict, or a lost answer, offers to read the record again. After a lost answer that
    is the check: saving again then writes the change, or finds it already there and writes
    nothing.
    """
    if result.unknown:
        st.warning(literal(result.error), icon=":material/cloud_sync:")
        st.caption("Bấm “Tải lại dữ liệu mới nhất” để đọc lại bản ghi; nếu thay đổi chưa có, "
                   f"bấm “{submit_label}” lần nữa (bấm lại khi đã có cũng không ghi thêm gì).")
        st.button("Tải lại dữ liệu mới nhất", key=f"{key}-reload", on_click=_reload,
                  args=(key,),
                  help="Đọc lại bản ghi như hiện có trong bảng tính; những gì bạn đã gõ vẫn "
                       "giữ nguyên.")
        return
    show_problems(result.messages(), error=result.error)
    if result.conflict:
        st.button("Tải lại dữ liệu mới nhất", key=f"{key}-reload", on_click=_reload,
                  args=(key,),
                  help="Đọc lại bản ghi như hiện có trong bảng tính; chỉ những cột bạn sửa "
                       "được ghi khi lưu lại.")


# --- add, edit, archive --------------------------------------------------------------------


def add_form(sheet_key: str, snapshot: Snapshot, form_key: str, *,
             columns: Sequence[str] | None = None, initial: Mapping[str, Any] | None = None,
             options: Mapping[str, Sequence[str]] | None = None,
             fixed: Mapping[str, Any] | None = None,
             submit_label: str = "Lưu", success: Callable[[Record], str] | None = None) -> None:
    """Draw a form that validates and appends one record; keep the input if saving fails.

    `fixed` holds values the form does not ask for (a new registration's status, say). The
    record's id is made when the form is first drawn, so saving again after an unknown outcome
    cannot add a second row.
    """
    sheet = SHEETS[sheet_key]
    record_id = form_record_id(form_key, sheet_key, snapshot)
    values = record_form(sheet, snapshot, form_key, columns=columns, initial=initial,
                         options=options, submit_label=submit_label)
    if values is None:
        show_unknown(form_key, submit_label, lambda: reset_form(form_key))
        return
    forget_unknown(form_key)
    with st.spinner("Đang lưu…"):
        result = saving.create(get_store(), snapshot, sheet_key, {**values, **(fixed or {})},
                               current_actor(), record_id=record_id)
    if result.unknown:
        typed = values.get(sheet.label_column) if sheet.label_column else None
        remember_unknown(form_key, result.error or "", sheet_key, record_id,
                         f"{sheet.noun} mới" + (f" “{typed}”" if typed else "")
                         + f" đã có trong bảng {sheet.title}.")
        show_unknown(form_key, submit_label, lambda: reset_form(form_key))
        return
    if not result.ok or result.record is None:
        show_problems(result.messages(), error=result.error)
        return
    # No re-read: the cached snapshot follows the app's own writes.
    reset_form(form_key)
    label = sheet.label_of(result.record) if sheet.label_column else ""
    flash(success(result.record) if success else
          f"Đã lưu {sheet.noun} mới" + (f": {label}." if label else "."))
    st.rerun()


def edit_form(sheet_key: str, snapshot: Snapshot, record: Record, form_key: str, *,
              columns: Sequence[str] | None = None,
              options: Mapping[str, Sequence[str]] | None = None,
              submit_label: str = "Lưu thay đổi") -> None:
    """Draw a form prefilled with a record; save only what the person changed.

    The record as the form first showed it is kept: the save is checked against it, so a
    change someone made since (in the app or the sheet) is refused rather than overwritten,
    however long the form stayed open. After "Tải lại dữ liệu mới nhất" the save is checked
    against the record as stored then, and writes only the columns the person changed.
    """
    sheet = SHEETS[sheet_key]
    key = f"{form_key}-{record[ID]}"
    shown = _plain(record)
    base = st.session_state.setdefault(f"{key}::base", shown)
    if st.session_state.pop(f"{key}::reloaded", False):
        st.session_state[f"{key}::expected"] = shown
    expected = st.session_state.setdefault(f"{key}::expected", base)
    others = [c for c in sheet.columns
              if c.key != ID and not c.type.same(expected.get(c.key), base.get(c.key))]
    if others:
        st.info("Bản ghi đã được người khác sửa sau khi bạn mở biểu mẫu: "
                + "; ".join(f"{literal(c.header)}: {literal(c.type.display(base.get(c.key)))} → "
                            f"{literal(c.type.display(expected.get(c.key)))}" for c in others)
                + ". Những cột bạn không sửa sẽ giữ giá trị mới này.",
                icon=":material/sync_problem:")
    values = record_form(sheet, snapshot, key, columns=columns, initial=base, options=options,
                         submit_label=submit_label)
    if values is None:
        return
    mine = {k: v for k, v in values.items()
            if not sheet.has(k) or not sheet.column(k).type.same(v, base.get(k))}
    with st.spinner("Đang lưu…"):
        result = saving.edit(get_store(), snapshot, sheet_key, record[ID], mine, expected,
                             current_actor())
    if not result.ok:
        show_failure(result, key, submit_label)
        return
    for suffix in ("base", "expected"):
        st.session_state.pop(f"{key}::{suffix}", None)
    reset_form(key)
    flash(f"Đã lưu thay đổi của {sheet.noun}.")
    st.rerun()


def _plain(record: Mapping[str, Any]) -> Record:
    return {k: v for k, v in record.items() if k != ROW}


def _reload(key: str) -> None:
    """Read the data again and check the next save of this form against the record as now."""
    st.session_state[f"{key}::reloaded"] = True
    refresh()


def _write_failed(result: saving.SaveResult, fallback: str) -> None:
    """Say why an archive or a restore did not happen (a lost answer is not an error)."""
    if result.unknown:
        st.warning(literal(result.error or fallback), icon=":material/cloud_sync:")
    else:
        st.error(literal(result.error or "\n".join(result.messages()) or fallback))


def archive_button(sheet_key: str, record: Record, key: str) -> None:
    """Offer to archive a record, with a confirmation step."""
    sheet = SHEETS[sheet_key]
    confirm = st.checkbox(f"Tôi muốn lưu trữ (ẩn) {sheet.noun} này", key=f"{key}-confirm")
    if st.button("Lưu trữ", key=f"{key}-archive", disabled=not confirm):
        result = saving.archive(get_store(), sheet_key, record[ID], record, current_actor())
        if not result.ok:
            _write_failed(result, "Không lưu trữ được.")
            return
        flash(f"Đã lưu trữ {sheet.noun}. Bản ghi vẫn còn trong bảng tính, cột “Lưu trữ”.")
        st.rerun()


def restore_button(sheet_key: str, record: Record, key: str) -> None:
    """Offer to bring an archived record back into the lists."""
    sheet = SHEETS[sheet_key]
    st.info(f"{sheet.noun.capitalize()} này đã được lưu trữ.", icon=":material/inventory_2:")
    if st.button("Khôi phục", key=f"{key}-restore"):
        result = saving.restore(get_store(), sheet_key, record[ID], record, current_actor())
        if not result.ok:
            _write_failed(result, "Không khôi phục được.")
            return
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
        query = st.text_input("Tìm kiếm", max_chars=MAX_QUERY_LENGTH, key=f"{sheet_key}-search",
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
                if not current.get(ID):
                    # Typed straight into the sheet: without an id the app cannot find it again.
                    st.info(f"Dòng {current.get(ROW) or ''} được gõ thẳng vào bảng tính và chưa "
                            "có mã, nên ứng dụng chưa sửa được. Hãy sửa trong bảng tính, hoặc "
                            "nhờ quản trị viên chạy “Chuẩn bị bảng tính” để cấp mã.",
                            icon=":material/info:")
                elif current.get(ARCHIVED):
                    restore_button(sheet_key, current, f"{sheet_key}-{current[ID]}")
                else:
                    edit_form(sheet_key, snapshot, current, f"{sheet_key}-edit",
                              columns=form_columns, options=options)
                    archive_button(sheet_key, current, f"{sheet_key}-{current[ID]}")
    with tab_add:
        add_form(sheet_key, snapshot, f"{sheet_key}-add", columns=form_columns, options=options)


# --- downloads of a table a page shows -------------------------------------------------------

TableData = pd.DataFrame | tuple[Sequence[str], Iterable[Sequence[Any]]]


def _table_parts(table: TableData) -> tuple[list[str], list[list[Any]]]:
    if isinstance(table, pd.DataFrame):
        return [str(c) for c in table.columns], [list(r) for r in table.itertuples(
            index=False, name=None)]
    header, rows = table
    return [str(h) for h in header], [list(r) for r in rows]


def _table_file(writer: Callable[[list[str], list[list[Any]]], bytes], table: TableData,
                ) -> bytes:
    # Rows are taken from the table only when the file is asked for, not on every rerun.
    return writer(*_table_parts(table))


def download_table(table: TableData, file_stem: str, label: str, *, key: str | None = None
                   ) -> None:
    """Offer a table as CSV and as Excel: the rows given, built when a button is clicked.

    `table` is a DataFrame or (header, rows) of raw values (numbers, dates), not text already
    formatted for display. Both files go through `services.export` (Vietnamese headers,
    formula-looking text kept inert).
    """
    key = key or f"download-{file_stem}"
    csv_col, xlsx_col = st.columns(2)
    with csv_col:
        st.download_button(f"{label} (CSV)", data=partial(_table_file, write_csv, table),
                           file_name=dated_filename(file_stem, "csv"), mime=CSV_MIME,
                           key=f"{key}-csv", on_click="ignore", icon=":material/download:",
                           width="stretch")
    with xlsx_col:
        st.download_button(f"{label} (Excel)", data=partial(_table_file, write_xlsx, table),
                           file_name=dated_filename(file_stem, "xlsx"), mime=XLSX_MIME,
                           key=f"{key}-xlsx", on_click="ignore", icon=":material/download:",
                           width="stretch")
