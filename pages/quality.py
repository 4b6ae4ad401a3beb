"""Data quality: what to fix in the sheets, row by row, with a link to each cell."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import streamlit as st

from services.app import current_actor, get_snapshot, get_store, refresh
from services.auth import require_sheet_read
from services.changes import (
    OPEN_CELL,
    OUTSIDE,
    mark_reviewed,
    outside_frame,
    pending_outside_changes,
)
from services.quality import problems_by_sheet, problems_frame, summary
from services.schema import SHEETS, Record
from services.show import literal
from services.store.base import Store, StoreError
from services.ui import flash, show_flash
from services.validation import Table


@st.cache_resource(show_spinner=False, max_entries=1, ttl=600)
def _outside(_store: Store, read_at: datetime) -> Table:
    """Read the outside changes once per read of the data, for every visitor."""
    # New ones are only found when the data is read again, so the snapshot's time is the key;
    # marking them reviewed clears this cache.
    return _store.read_sheet(OUTSIDE.key)


def _pending_table(store: Store, read_at: datetime) -> Table:
    """Return the outside changes, for a role that may read them."""
    require_sheet_read(current_actor(), OUTSIDE.key)
    return _outside(store, read_at)


def _mark(store: Store, entries: Sequence[Record]) -> None:
    """Mark these changes reviewed, then show the list again without them."""
    try:
        with st.spinner("Đang lưu…"):
            done = mark_reviewed(store, entries, current_actor())
    except StoreError as err:
        _outside.clear()  # someone else may have marked them: read again next time
        st.error(literal(err))
        return
    _outside.clear()
    st.session_state.pop("outside-table", None)  # the ticked rows are gone from the list
    flash(f"Đã đánh dấu {len(done)} thay đổi ngoài ứng dụng là đã xem.")
    st.rerun()


st.title("Chất lượng dữ liệu")
st.caption("Những ô cần sửa trong bảng tính. Dòng có lỗi không được tính trong bảng điều khiển "
           "cho đến khi được sửa; dòng chỉ có cảnh báo vẫn được tính.")

show_flash()
snapshot = get_snapshot()
store = get_store()
counts = summary(snapshot)
left, middle, right = st.columns(3)
left.metric("Lỗi", counts["errors"], border=True)
middle.metric("Cảnh báo", counts["warnings"], border=True)
right.metric("Dòng bị bỏ qua", counts["excluded"], border=True)

grouped = problems_by_sheet(snapshot)
if not grouped:
    st.success("Không có vấn đề nào: mọi dòng trong các bảng đều hợp lệ.",
               icon=":material/check_circle:")
for key, problems in grouped.items():
    sheet = SHEETS[key]
    with st.expander(f"{sheet.title}: {len(problems)} vấn đề", expanded=len(grouped) == 1):
        frame = problems_frame(problems, store.cell_link)
        has_links = frame["Mở ô"].notna().any()
        st.dataframe(
            frame if has_links else frame.drop(columns=["Mở ô"]),
            hide_index=True, placeholder="",
            width="stretch",
            column_config={
                "Dòng": st.column_config.NumberColumn("Dòng", format="%d",
                                                      help="Số dòng như bảng tính hiển thị"),
                "Mở ô": st.column_config.LinkColumn("Mở ô", display_text="Mở trong bảng tính"),
            },
        )

st.subheader("Thay đổi ngoài ứng dụng chưa xem")
st.caption("Mỗi lần đọc lại dữ liệu, ứng dụng so sánh với lần đọc trước và ghi lại những dòng "
           "được thêm, xóa hoặc sửa thẳng trong bảng tính. Chúng ở đây cho đến khi có người "
           "xem và đánh dấu đã xem.")
try:
    outside = _pending_table(store, snapshot.read_at)
except StoreError as err:
    st.error(literal(err), icon=":material/cloud_off:")
else:
    pending = pending_outside_changes(outside)
    if not pending:
        st.info("Không có thay đổi ngoài ứng dụng nào chờ xem.", icon=":material/check:")
    else:
        changes = outside_frame(pending, snapshot, store.cell_link)
        event = st.dataframe(
            changes if changes[OPEN_CELL].notna().any() else changes.drop(columns=[OPEN_CELL]),
            hide_index=True, placeholder="", width="stretch", key="outside-table",
            on_select="rerun", selection_mode="multi-row",
            column_config={
                "Dòng": st.column_config.NumberColumn("Dòng", format="%d",
                                                      help="Số dòng như bảng tính hiển thị"),
                OPEN_CELL: st.column_config.LinkColumn(OPEN_CELL,
                                                       display_text="Mở trong bảng tính"),
            },
        )
        picked = [pending[i] for i in (event.selection.rows if event is not None else [])
                  if i < len(pending)]
        st.caption(f"{len(pending)} thay đổi chờ xem, mới nhất trước. Chọn những dòng đã xem "
                   "rồi bấm “Đánh dấu đã xem”.")
        left, right = st.columns(2)
        if left.button("Đánh dấu đã xem", disabled=not picked, icon=":material/done:",
                       key="outside-mark"):
            _mark(store, picked)
        if right.button("Đánh dấu tất cả đã xem", icon=":material/done_all:",
                        key="outside-mark-all"):
            _mark(store, pending)
    if outside.excluded:
        st.warning(f"{outside.excluded} dòng của bảng “{OUTSIDE.title}” có lỗi nên không hiện ở "
                   "đây; hãy sửa chúng trong bảng tính.")

st.caption(f"Dữ liệu đọc lúc {snapshot.read_at:%H:%M:%S %d/%m/%Y}. Sau khi sửa trong bảng tính, "
           "bấm “Làm mới dữ liệu”.")
if st.button("Làm mới dữ liệu"):
    refresh()
    st.rerun()
