"""Audit trail (admins): who changed what and when, newest first, filtered, exported."""

from __future__ import annotations

from datetime import datetime
from functools import partial

import streamlit as st

from services.app import current_actor, get_snapshot, get_store
from services.changes import (
    AUDIT,
    AUDIT_PAGE,
    AuditPages,
    audit_diff,
    audit_frame,
    diff_frame,
    filter_audit,
    newest_first,
    read_audit,
    read_older,
)
from services.choices import AuditAction
from services.clock import VN_TZ, today
from services.export import csv_bytes, csv_filename
from services.listing import MAX_QUERY_LENGTH
from services.show import literal
from services.store.base import StoreError

LOADED = "audit-loaded"  # session state: (time of the data read, the audit rows loaded)

st.title("Nhật ký thay đổi")
if not current_actor().can_admin():  # the navigation already hides this page; say so anyway
    st.error("Chỉ quản trị viên mới xem được nhật ký thay đổi.")
    st.stop()
st.caption("Mỗi lần ứng dụng thêm, sửa, lưu trữ hoặc xóa một bản ghi đều được ghi lại: ai, lúc "
           "nào, bảng nào, mã bản ghi, trước và sau khi sửa. Thay đổi gõ thẳng vào bảng tính "
           "không có ở đây; xem trang “Chất lượng dữ liệu”.")

store = get_store()
# Filtering reruns the page: the rows loaded are kept for the session and read again (as many
# pages as were loaded) only when the data is read again, after a write or the TTL.
read_at = get_snapshot().read_at
kept: tuple[datetime, AuditPages] | None = st.session_state.get(LOADED)
try:
    if kept is None or kept[0] != read_at:
        kept = (read_at, read_audit(store, kept[1].pages if kept else 1,
                                         actor=current_actor()))
        st.session_state[LOADED] = kept
    loaded = kept[1]
except StoreError as err:
    st.error(literal(err), icon=":material/cloud_off:")
    st.button("Thử lại", key="audit-retry")
    st.stop()

entries = newest_first(reversed(loaded.entries))  # the store's order, oldest first
if not entries:
    st.info("Chưa có thay đổi nào được ghi lại.")
    st.stop()

first_day = min(e["at"].astimezone(VN_TZ).date() for e in entries)
left, middle, right = st.columns(3)
actors = left.multiselect("Người thực hiện", sorted({str(e["actor"]) for e in entries}),
                          key="audit-actors", placeholder="Tất cả")
actions = middle.multiselect("Thao tác", [str(a) for a in AuditAction], key="audit-actions",
                             placeholder="Tất cả")
sheets = right.multiselect("Bảng", sorted({str(e["sheet"]) for e in entries}),
                           key="audit-sheets", placeholder="Tất cả")
left, right = st.columns([1, 2])
days = left.date_input("Từ ngày – đến ngày", value=(), min_value=first_day,
                       max_value=max(today(), first_day), format="DD/MM/YYYY", key="audit-days")
query = right.text_input("Tìm kiếm", max_chars=MAX_QUERY_LENGTH, key="audit-search",
                         placeholder="Mã bản ghi hoặc giá trị; gõ không dấu cũng được")
chosen = tuple(days) if isinstance(days, (list, tuple)) else (days,)
shown = filter_audit(entries, actors=actors, actions=actions, sheets=sheets,
                     start=chosen[0] if chosen else None,
                     end=chosen[-1] if chosen else None, query=query)

older = ("Còn dòng cũ hơn chưa tải: bấm “Xem cũ hơn”; bộ lọc chỉ áp dụng cho các dòng đã tải."
         if loaded.more else "Đã tải toàn bộ nhật ký.")
if not shown:
    st.info("Không có dòng nhật ký phù hợp trong các dòng đã tải. Hãy bớt từ khóa, bỏ bộ lọc"
            + (" hoặc bấm “Xem cũ hơn”." if loaded.more else "."))
    event = None
else:
    st.caption(f"{len(shown)} / {len(entries)} dòng nhật ký đã tải, mới nhất trước. {older} "
               "Chọn một dòng để xem chi tiết trước → sau.")
    event = st.dataframe(audit_frame(shown), hide_index=True,
                         placeholder="", width="stretch", key="audit-table",
                         on_select="rerun", selection_mode="single-row")
left, right = st.columns(2)
if shown:
    left.download_button("Tải CSV", data=partial(csv_bytes, AUDIT, shown),
                         file_name=csv_filename(AUDIT), mime="text/csv", key="audit-csv",
                         icon=":material/download:", on_click="ignore",
                         help="Tải các dòng nhật ký đang hiển thị (theo bộ lọc) dạng CSV.")
if loaded.more and right.button("Xem cũ hơn", key="audit-older", icon=":material/history:",
                                help=f"Tải thêm {AUDIT_PAGE} dòng nhật ký cũ hơn."):
    try:
        st.session_state[LOADED] = (read_at, read_older(store, loaded, actor=current_actor()))
    except StoreError as err:
        st.error(literal(err), icon=":material/cloud_off:")
    else:
        st.rerun()

rows = event.selection.rows if event is not None else []
if rows and rows[0] < len(shown):
    entry = shown[rows[0]]
    at = AUDIT.column("at").type.display(entry.get("at"))
    st.subheader("Chi tiết dòng nhật ký")
    # Stored text is shown as it is, never read as Markdown.
    st.text(f"{entry.get('action')} · {entry.get('sheet')} · {entry.get('record_id')}\n"
            f"{entry.get('actor')}, lúc {at}.")
    changes = audit_diff(entry)
    if changes:
        st.dataframe(diff_frame(changes), hide_index=True, placeholder="", width="stretch")
    else:
        st.info("Dòng nhật ký này không ghi giá trị nào.")
