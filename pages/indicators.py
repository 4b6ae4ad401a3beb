"""Plan 48's indicators: progress per year, entering the yearly figures, the figures, the list.

The rules (how each target is judged, when a value needs a note, which indicators are computed)
live in `services.progress`; this page reads widgets, calls it and draws the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from services import charts, progress
from services.app import current_actor, get_settings, get_snapshot, get_store
from services.auth import may_write
from services.choices import TargetKind
from services.forms import record_form, reset_form
from services.listing import (
    MAX_QUERY_LENGTH,
    column_config,
    display_frame,
    find,
    pick_record,
)
from services.schema import ID, SHEETS, Record
from services.show import literal
from services.text import matches
from services.ui import (
    archive_button,
    download_table,
    flash,
    registry,
    show_failure,
    show_flash,
)
from services.validation import Snapshot

VALUES = SHEETS[progress.VALUES]
INDICATORS = SHEETS[progress.INDICATORS]
# Widget keys; tests use them too.
PROGRESS_YEAR = "indicator-progress-year"
ENTRY_INDICATOR = "indicator-entry-indicator"
ENTRY_YEAR = "indicator-entry-year"
UNIT_GRID = "indicator-entry-grid"
ADD_FORM = "indicator-values-add"
EDIT_FORM = "indicator-values-edit"
CATALOGUE_COLUMNS = ("code", "text", "target_text", "target_kind", "unit", "per_unit_kind",
                     "derived", "lead", "advisory", "implementing", "timing", "due_date")
VALUE_COLUMNS = ["indicator", "year", "unit", "value", "note"]
TEXT = "Nội dung chỉ tiêu"
GROUP = "Nhóm"
NO_INDICATORS = ("Chưa có chỉ tiêu nào. Danh mục Kế hoạch 48 được nạp khi khởi tạo kho dữ liệu; "
                 "quản trị viên có thể thêm chỉ tiêu ở thẻ “Danh mục chỉ tiêu”.")


def _year_index(years: Sequence[int], year: int) -> int:
    return years.index(year) if year in years else len(years) - 1


def progress_tab(snapshot: Snapshot, working_year: int) -> None:
    """Draw every indicator's status in a chosen year, grouped as the plan groups them."""
    years = progress.report_years(snapshot, working_year)
    year = st.selectbox("Năm", years, key=PROGRESS_YEAR,
                        index=_year_index(years, progress.last_completed_year(working_year)),
                        help="Mặc định là năm vừa kết thúc: số liệu cả năm thường có vào cuối "
                             "năm hoặc đầu năm sau.")
    evaluations = progress.evaluate_all(snapshot, year)
    if not evaluations:
        st.info(NO_INDICATORS)
        return
    tally = progress.counts(evaluations)
    met, behind, unknown = st.columns(3)
    met.metric("Đạt, vượt, đúng tiến độ", tally[True])
    behind.metric("Chưa đạt, chậm tiến độ", tally[False])
    unknown.metric("Chưa có số liệu", tally[None])
    if tally[None] == len(evaluations):
        st.info(f"Chưa có số liệu nào của năm {year}. Hãy nhập ở thẻ “Nhập số liệu” hoặc chọn "
                "năm khác.")
    config = {"Mã": st.column_config.TextColumn(width="small"),
              "Chỉ tiêu": st.column_config.TextColumn(width="medium"),
              "Giải thích": st.column_config.TextColumn(width="large")}
    tables = [(group, progress.progress_frame(items))
              for group, items in progress.by_group(evaluations)]
    for group, frame in tables:
        st.subheader(literal(group))
        # Status in words and a colour-blind-safe colour, beside the code and the value.
        st.dataframe(charts.status_table(frame), hide_index=True, placeholder="",
                     width="stretch", column_order=progress.PROGRESS_ON_SCREEN,
                     column_config=config)
    # The group tables in one file, each row with its group, as the page lists them.
    judged = pd.concat([frame.assign(**{GROUP: group}) for group, frame in tables],
                       ignore_index=True)
    download_table(judged[[GROUP, *progress.PROGRESS_COLUMNS]], f"chi-tieu-{year}",
                   f"Tải bảng chỉ tiêu năm {year}", key="indicator-progress-download")
    st.caption("Đánh giá: Đạt, Vượt chỉ tiêu, Đúng tiến độ; Chưa đạt; Chậm tiến độ (chỉ tiêu "
               "giảm/tăng mỗi năm chưa theo kịp lộ trình); Chưa có số liệu. Chỉ tiêu “tự tính” lấy "
               "từ các bảng khác.")
    first = min(progress.PLAN_FIRST_YEAR, year)
    with st.expander(f"Diễn biến qua các năm {first} - {year}"):
        table = progress.trend_table(progress.evaluate_years(snapshot, range(first, year + 1)))
        st.dataframe(table, hide_index=True, placeholder="", width="stretch")
        download_table(table, f"chi-tieu-qua-cac-nam-{first}-{year}", "Tải bảng",
                       key="indicator-trend-download")


def _target_caption(indicator: Record) -> str:
    parts = [f"Chỉ tiêu: **{literal(indicator.get('target_text') or '—')}**",
             f"loại: {literal(indicator.get('target_kind'))}"]
    if indicator.get("unit"):
        parts.append(f"đơn vị tính: {literal(indicator['unit'])}")
    if indicator.get("per_unit_kind"):
        parts.append(f"nhập cho mọi {literal(str(indicator['per_unit_kind']).lower())} của năm "
                     "cùng lúc")
    elif indicator.get("target_kind") == TargetKind.CO_KHONG:
        parts.append("nhập 1 nếu Có, 0 nếu Không")
    return " · ".join(parts)


def entry_tab(snapshot: Snapshot, working_year: int) -> None:
    """Draw the form that enters one indicator's value for a year (and a unit)."""
    actor = current_actor()
    if not actor.can_edit():
        st.info("Tài khoản của bạn chỉ có quyền xem; không thể nhập số liệu.")
        return
    indicators = {r["code"]: r for r in progress.indicators(snapshot)}
    if not indicators:
        st.info(NO_INDICATORS)
        return
    code = st.selectbox("Chỉ tiêu", list(indicators), index=None, key=ENTRY_INDICATOR,
                        format_func=lambda c: progress.indicator_label(indicators[c]),
                        placeholder="Chọn chỉ tiêu cần nhập số liệu…")
    if code is None:
        st.info("Chọn một chỉ tiêu để nhập số liệu của một năm.")
        return
    indicator = indicators[code]
    st.markdown(f"**{literal(indicator['code'])}.** {literal(indicator.get('text'))}")
    st.caption(_target_caption(indicator))
    if indicator.get("derived"):
        evaluation = progress.evaluate(indicator, snapshot, working_year)
        st.info(literal(f"Chỉ tiêu này do ứng dụng tự tính từ "
                        f"{progress.derived_source(indicator['derived'])}, nên không nhập tay. "
                        f"Năm {evaluation.year}: {evaluation.status.label()}: "
                        f"{evaluation.explanation}."))
        return
    years = progress.entry_years(working_year)
    left, _ = st.columns(2)
    year = left.selectbox(VALUES.column("year").header + " *", years, key=ENTRY_YEAR,
                          index=years.index(progress.last_completed_year(working_year)))
    if indicator.get("per_unit_kind"):
        unit_grid_entry(snapshot, indicator, year)
        return

    def shown(value: float | None) -> str:
        return progress.format_value(indicator, value)

    previous = progress.previous_value(snapshot, code, year)
    existing = progress.existing_value(snapshot, code, year)
    if previous is not None:
        asks_note = ("" if progress.yes_no(indicator)
                     else " Giá trị khác nhiều so với kỳ trước cần ghi chú nguồn số liệu.")
        st.caption(f"Năm {previous[0]}: {literal(shown(previous[1]))}.{asks_note}")
    if existing is not None:
        st.warning(f"Đã có số liệu năm {year}: {literal(shown(existing.get('value')))}. Lưu sẽ "
                   "cập nhật số liệu này (để trống ghi chú thì giữ ghi chú cũ).",
                   icon=":material/edit:")
    values = record_form(VALUES, snapshot, ADD_FORM, columns=["value", "note"],
                         submit_label="Lưu số liệu")
    if values is None:
        return
    values = {"indicator": code, "year": year, "unit": None, **values}
    with st.spinner("Đang lưu…"):
        result = progress.save_value(get_store(), snapshot, values, actor)
    if not result.ok:
        # After a lost answer, reading again shows the value if it landed; saving again then
        # updates it rather than adding a second one.
        show_failure(result, ADD_FORM, "Lưu số liệu")
        return
    reset_form(ADD_FORM)
    saved = result.record or {}
    flash(f"Đã lưu số liệu chỉ tiêu {code} năm {year}: {shown(saved.get('value'))}.")
    st.rerun()


def unit_grid_entry(snapshot: Snapshot, indicator: Record, year: int) -> None:
    """Draw every unit of the year in one grid with its value; save them all at once."""
    grid = progress.unit_grid(snapshot, indicator, year)
    noun = str(indicator["per_unit_kind"]).lower()
    if grid.frame.empty:
        st.info(f"Năm {year} chưa có {literal(noun)} nào trong bảng Đơn vị (xem cột "
                f"“{SHEETS['units'].column('valid_from').header}” ở trang Đơn vị).")
        return
    if grid.yes_no:
        st.caption(f"Đánh dấu {literal(noun)} đạt; ô không đánh dấu được lưu là chưa đạt. Danh "
                   f"sách gồm các {literal(noun)} có trong năm {year}.")
    else:
        st.caption(f"Nhập số của từng {literal(noun)}; để trống là chưa có số liệu. Danh sách "
                   f"gồm các {literal(noun)} có trong năm {year}.")
    # A new key after each save starts the grid afresh from the stored values; a failed save
    # keeps the key, so the grid keeps what was typed.
    nonce = st.session_state.get(f"{UNIT_GRID}::nonce", 0)
    key = f"{UNIT_GRID}-{grid.code}-{year}-{nonce}"
    value_config = (st.column_config.CheckboxColumn(grid.value_header, default=False)
                    if grid.yes_no else st.column_config.TextColumn(
                        grid.value_header, help=VALUES.column("value").help, max_chars=20))
    with st.form(f"{key}-form", enter_to_submit=False, border=False):
        edited = st.data_editor(
            grid.frame, key=key, hide_index=True, num_rows="fixed", width="stretch",
            disabled=[grid.unit_header, grid.previous_header],
            column_config={grid.value_header: value_config,
                           grid.note_header: st.column_config.TextColumn(
                               grid.note_header, max_chars=VALUES.column("note").type.max_length,
                               width="large")})
        submitted = st.form_submit_button("Lưu số liệu", type="primary")
    if not submitted:
        return
    ids = st.session_state.setdefault(f"{key}::ids", {})
    with st.spinner("Đang lưu…"):
        result = progress.save_unit_grid(get_store(), snapshot, indicator, year, edited,
                                         current_actor(), ids=ids)
    if not result.ok:
        show_failure(result, key, "Lưu số liệu")
        return
    st.session_state.pop(f"{key}::ids", None)
    st.session_state[f"{UNIT_GRID}::nonce"] = nonce + 1
    flash(f"Chỉ tiêu {grid.code} năm {year}: {result.summary()}")
    st.rerun()


def _search(records: Sequence[Record], query: str, texts: dict[str, str]) -> list[Record]:
    if not query.strip():
        return list(records)
    return [r for r in records if matches(query, r.get("indicator"), texts.get(r["indicator"]),
                                          r.get("year"), r.get("unit"), r.get("note"))]


def values_tab(snapshot: Snapshot) -> None:
    """Draw the values entered, searchable, with an edit form for the picked one."""
    records = snapshot[progress.VALUES].active()
    if not records:
        st.info("Chưa có số liệu nào. Hãy nhập ở thẻ “Nhập số liệu”.")
        return
    indicators = {r["code"]: r for r in snapshot[progress.INDICATORS].records}
    texts = {code: progress.short_text(r.get("text") or "", 50) for code, r in indicators.items()}
    left, right = st.columns([3, 1])
    query = left.text_input("Tìm kiếm", max_chars=MAX_QUERY_LENGTH, key="indicator-values-search",
                            placeholder="Mã chỉ tiêu, nội dung, tổ dân phố, ghi chú… (gõ không "
                                        "dấu cũng được)")
    years = sorted({r["year"] for r in records}, reverse=True)
    year = right.selectbox("Năm", years, index=None, key="indicator-values-year",
                           placeholder="Tất cả các năm")
    shown = [r for r in _search(records, query, texts) if year is None or r["year"] == year]
    shown.sort(key=lambda r: (progress.plan_order(r["indicator"]), -r["year"],
                              progress.unit_sort_key(r.get("unit") or "")))
    if not shown:
        st.info("Không có số liệu phù hợp. Hãy bớt từ khóa hoặc chọn năm khác.")
        return
    for code, when, unit, rows in progress.duplicates(snapshot):
        where = f" của {unit}" if unit else ""
        st.warning(f"Chỉ tiêu {literal(code)} năm {when}{literal(where)} được nhập ở {rows} "
                   "dòng; ứng dụng dùng dòng nhập sau cùng. Hãy lưu trữ các dòng thừa.",
                   icon=":material/warning:")
    st.caption(f"{len(shown)} / {len(records)} số liệu. Chọn một dòng để sửa.")
    extra = {TEXT: [texts.get(r["indicator"], "") for r in shown]}
    picked = pick_record(VALUES, shown, VALUE_COLUMNS, key="indicator-values-table",
                         extra=extra)
    listed = display_frame(VALUES, shown, VALUE_COLUMNS, extra)
    # The figures as numbers in the files ("53.8"), not as the table writes them ("53,8").
    listed[VALUES.column("value").header] = [r.get("value") for r in shown]
    download_table(listed, "so-lieu-chi-tieu", "Tải danh sách đang xem",
                   key="indicator-values-download")
    if picked is None:
        return
    current = find(snapshot[progress.VALUES].records, picked[ID]) or picked
    _edit_value(snapshot, current, indicators.get(current["indicator"], {}))


def _edit_value(snapshot: Snapshot, record: Record, indicator: dict[str, Any]) -> None:
    """Draw the edit form of one value; the same rules as a new entry apply."""
    where = f" – {literal(record['unit'])}" if record.get("unit") else ""
    st.subheader(f"Sửa số liệu {literal(record['indicator'])} năm {record['year']}{where}")
    if indicator:
        st.caption(_target_caption(indicator))
    key = f"{EDIT_FORM}-{record[ID]}"
    values = record_form(VALUES, snapshot, key, initial=record, columns=["value", "note"],
                         submit_label="Lưu thay đổi")
    if values is not None:
        identity = {k: record.get(k) for k in ("indicator", "year", "unit")}
        with st.spinner("Đang lưu…"):
            result = progress.save_value(get_store(), snapshot, {**identity, **values},
                                         current_actor(), record=record)
        if not result.ok:
            show_failure(result, key, "Lưu thay đổi")
        else:
            reset_form(key)
            flash("Đã lưu thay đổi của số liệu.")
            st.rerun()
    if current_actor().can_edit():
        archive_button(progress.VALUES, record, key)


def catalogue_tab(snapshot: Snapshot) -> None:
    """Draw the indicators with their agencies and timing; admins may edit the definitions."""
    if may_write(current_actor().role, progress.INDICATORS) and st.toggle(
            "Sửa danh mục chỉ tiêu", key="indicator-catalogue-edit",
            help="Chỉ sửa khi kế hoạch được điều chỉnh; số liệu đã nhập gắn với mã chỉ tiêu."):
        registry(progress.INDICATORS,
                 list_columns=["code", "target_text", "target_kind", "unit", "timing"],
                 search_columns=["code", "text", "target_text"], empty_hint=NO_INDICATORS,
                 sort=lambda records: sorted(records,
                                             key=lambda r: progress.plan_order(r["code"])))
        return
    records = progress.indicators(snapshot)
    if not records:
        st.info(NO_INDICATORS)
        return
    groups: dict[str, list[Record]] = {}
    for record in records:
        groups.setdefault(record.get("group") or "", []).append(record)
    for group, items in groups.items():
        st.subheader(literal(group) or "Chưa xếp nhóm")
        st.dataframe(display_frame(INDICATORS, items, CATALOGUE_COLUMNS), hide_index=True,
                     placeholder="",
                     width="stretch", column_config=column_config(INDICATORS, CATALOGUE_COLUMNS))
    catalogue = display_frame(INDICATORS, [r for items in groups.values() for r in items],
                              CATALOGUE_COLUMNS)
    download_table(catalogue, "danh-muc-chi-tieu", "Tải danh mục chỉ tiêu",
                   key="indicator-catalogue-download")


settings = get_settings()
st.title("Chỉ tiêu Kế hoạch 48")
st.caption("Kế hoạch số 48-KH/ĐU thực hiện Đề án số 13-ĐA/TU của Ban Thường vụ Tỉnh ủy, giai "
           f"đoạn {progress.PLAN_FIRST_YEAR} - {progress.PLAN_LAST_YEAR}.")
snapshot = get_snapshot()
# A slot that is always there, so a message after a save does not shift the tabs and send the
# person back to the first one.
with st.container():
    show_flash()
# Keyed and tracked so the rerun after a save comes back to the same tab. Not "indicators-tab":
# that is the key of the tabs the catalogue's registry draws inside the last tab.
tabs = st.tabs(["Tiến độ", "Nhập số liệu", "Số liệu đã nhập", "Danh mục chỉ tiêu"],
               key="indicator-tabs", on_change="rerun")
with tabs[0]:
    progress_tab(snapshot, settings.year)
with tabs[1]:
    entry_tab(snapshot, settings.year)
with tabs[2]:
    values_tab(snapshot)
with tabs[3]:
    catalogue_tab(snapshot)
