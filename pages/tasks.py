"""Tasks assigned by directives and plans: list with filters, add, edit, counts per body."""

from __future__ import annotations

import streamlit as st

from services import tasks
from services.app import get_snapshot
from services.choices import TaskStatus
from services.clock import today
from services.coltypes import format_date_vn, format_number
from services.listing import MAX_QUERY_LENGTH, display_frame, find, pick_record, search
from services.schema import ID, SHEETS, Record
from services.show import literal
from services.ui import add_form, archive_button, download_table, edit_form, show_flash

SHEET = SHEETS["tasks"]
LIST_COLUMNS = ["source", "content", "responsible", "deadline", "status", "done_on"]
SEARCH_COLUMNS = ["source", "content", "responsible", "cooperating", "result"]
ALL_BODIES = "Tất cả cơ quan"
STATE, DEADLINE = "Tình hình", "Hạn, còn lại"


def saved_message(record: Record) -> str:
    """Say what was saved: whose task, and its deadline or "thường xuyên"."""
    deadline = tasks.deadline_of(record)
    when = (f"hạn hoàn thành {format_date_vn(deadline)}" if deadline else
            "thực hiện thường xuyên")
    return f"Đã lưu nhiệm vụ của {record['responsible']}: {when}."


st.title("Nhiệm vụ")
st.caption("Nhiệm vụ các văn bản chỉ đạo, kế hoạch của Đảng ủy giao: cơ quan chủ trì, cơ quan "
           "phối hợp, thời hạn và kết quả thực hiện. Nhiệm vụ “thường xuyên” để trống hạn.")
snapshot = get_snapshot()
now = today()
records = snapshot["tasks"].active()
show_flash()

tab_list, tab_add, tab_bodies = st.tabs(
    ["Danh sách", f"Thêm {SHEET.noun}", "Theo cơ quan chủ trì"], key="tasks-tab",
    on_change="rerun")

with tab_list:
    if not records:
        st.info("Chưa có nhiệm vụ nào. Hãy thêm ở thẻ “Thêm nhiệm vụ” các nhiệm vụ văn bản "
                "chỉ đạo, kế hoạch giao: văn bản giao, nội dung, cơ quan chủ trì và hạn hoàn "
                "thành (để trống nếu thực hiện thường xuyên).")
    else:
        overdue = tasks.overdue_tasks(records, now)
        upcoming = tasks.upcoming_tasks(records, now)
        counts = tasks.status_counts(records)
        with st.container(horizontal=True, gap="small"):
            st.metric("Quá hạn", format_number(len(overdue), 0), border=True,
                      help="Chưa hoàn thành mà đã qua ngày hạn hoàn thành.")
            st.metric("Sắp đến hạn", format_number(len(upcoming), 0), border=True,
                      help=f"Chưa hoàn thành, hạn trong {tasks.DUE_SOON_DAYS} ngày tới "
                           "(kể cả hôm nay).")
            for status in TaskStatus:
                st.metric(str(status), format_number(counts[status], 0), border=True)
        query = st.text_input("Tìm kiếm", max_chars=MAX_QUERY_LENGTH, key="tasks-search",
                              placeholder="Gõ không dấu cũng được, ví dụ: giam ngheo",
                              help="Tìm trong: " + ", ".join(SHEET.column(k).header
                                                             for k in SEARCH_COLUMNS))
        left, middle, right = st.columns([1, 2, 1])
        statuses = left.multiselect(SHEET.column("status").header, list(TaskStatus),
                                    key="tasks-f-status", placeholder="Tất cả")
        body = middle.selectbox(SHEET.column("responsible").header,
                                [ALL_BODIES, *tasks.responsible_bodies(records)],
                                key="tasks-f-body")
        overdue_only = right.toggle("Chỉ nhiệm vụ quá hạn", key="tasks-f-overdue")
        shown = tasks.sort_tasks(
            search(tasks.filter_tasks(records, now, statuses=statuses,
                                      responsible=None if body == ALL_BODIES else body,
                                      overdue_only=overdue_only), query, SEARCH_COLUMNS), now)
        if overdue:
            st.warning(f"{format_number(len(overdue), 0)} nhiệm vụ quá hạn chưa hoàn thành. "
                       "Bật “Chỉ nhiệm vụ quá hạn” để xem riêng.", icon=":material/warning:")
        if not shown:
            st.info("Không có nhiệm vụ phù hợp. Hãy bớt từ khóa hoặc bỏ bộ lọc.")
        else:
            st.caption(f"{len(shown)} / {len(records)} nhiệm vụ: quá hạn trước, rồi theo hạn; "
                       "nhiệm vụ thường xuyên và đã hoàn thành ở cuối. Chọn một dòng để sửa "
                       "(ví dụ ghi kết quả, ngày hoàn thành).")
            extra = {STATE: [str(tasks.state(t, now)) for t in shown],
                     DEADLINE: [tasks.deadline_text(t, now) for t in shown]}
            picked = pick_record(SHEET, shown, LIST_COLUMNS, key="tasks-table", extra=extra)
            download_table(display_frame(SHEET, shown, LIST_COLUMNS, extra), "nhiem-vu",
                           "Tải danh sách đang xem", key="tasks-list-download")
            current = find(records, picked[ID]) if picked is not None else None
            if current is not None:
                st.subheader(f"Sửa nhiệm vụ: {literal(tasks.task_label(current, 60))}")
                st.caption(f"Hạn hoàn thành: {literal(tasks.deadline_text(current, now))}")
                edit_form("tasks", snapshot, current, "tasks-edit")
                archive_button("tasks", current, f"tasks-{current[ID]}")

with tab_add:
    st.caption("Ghi nhiệm vụ như văn bản giao: số, tên văn bản và mục; cơ quan chủ trì, cơ quan "
               "phối hợp; hạn hoàn thành là ngày cuối cùng còn đúng hạn (văn bản ghi “trước "
               "ngày X” thì hạn là ngày trước X).")
    add_form("tasks", snapshot, "tasks-add", success=saved_message)

with tab_bodies:
    if not records:
        st.info("Chưa có nhiệm vụ nào để thống kê. Hãy thêm ở thẻ “Thêm nhiệm vụ”.")
    else:
        st.caption("Số nhiệm vụ của từng cơ quan chủ trì; cơ quan có nhiệm vụ quá hạn ở trên.")
        bodies = tasks.responsible_frame(tasks.responsible_counts(records, now))
        st.dataframe(bodies, hide_index=True, placeholder="", width="stretch")
        download_table(bodies, "nhiem-vu-theo-co-quan-chu-tri", "Tải bảng",
                       key="tasks-bodies-download")
