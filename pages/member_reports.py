"""What core-force members report from their TDP: the log per TDP, a form, counts per kind."""

from __future__ import annotations

import streamlit as st

from services import roster, tasks
from services.app import get_snapshot
from services.choices import MemberReportKind
from services.coltypes import format_date_vn, format_number
from services.listing import MAX_QUERY_LENGTH, display_frame, find, pick_record, search
from services.schema import ID, SHEETS, Record
from services.show import literal
from services.ui import add_form, archive_button, download_table, edit_form, show_flash

SHEET = SHEETS["member_reports"]
LIST_COLUMNS = ["report_date", "tdp", "member", "kind", "content", "handling", "handled_on"]
SEARCH_COLUMNS = ["member", "content", "handling"]
FORM_COLUMNS = [c.key for c in SHEET.form_columns() if c.key != "tdp"]
ALL_TDP = "Tất cả tổ dân phố"
HANDLING = "Tình trạng xử lý"
MEMBERS_PAGE = "pages/members.py"


def saved_message(record: Record) -> str:
    """Say what was saved: whose report, from which TDP, on which day."""
    return (f"Đã ghi phản ánh ({str(record['kind']).lower()}) của {record['member']}, "
            f"{record['tdp']}, ngày {format_date_vn(record['report_date'])}.")


def members_link() -> None:
    """Link to the page where core-force members are added."""
    st.page_link(MEMBERS_PAGE, label="Mở trang “Lực lượng nòng cốt” để thêm thành viên",
                 icon=":material/arrow_forward:")


st.title("Phản ánh của nòng cốt")
st.caption("Lực lượng nòng cốt “kịp thời nắm tình hình, tâm tư, nguyện vọng của Nhân dân để báo "
           "cáo với cấp ủy địa phương”, nhất là khi có vấn đề không tốt trong dư luận hoặc phát "
           "sinh “điểm nóng” (Kế hoạch thực hiện Đề án 14-ĐA/TU, mục 2.2a). Sổ này ghi từng phản "
           "ánh theo tổ dân phố và việc xử lý.")
snapshot = get_snapshot()
tdps = roster.tdp_names(snapshot)
members = snapshot["members"].active()
reports = snapshot["member_reports"].active()
show_flash()

if not tdps:
    st.info("Chưa có tổ dân phố nào. Hãy thêm các tổ dân phố ở trang “Đơn vị”, rồi lập danh "
            "sách lực lượng nòng cốt ở trang “Lực lượng nòng cốt”.")
    st.page_link("pages/units.py", label="Mở trang “Đơn vị”", icon=":material/arrow_forward:")
    st.stop()

tdp = st.selectbox(SHEET.column("tdp").header, [ALL_TDP, *tdps], key="member-reports-tdp",
                   help="Chọn một tổ dân phố để xem sổ phản ánh của tổ và ghi phản ánh mới.")
chosen = None if tdp == ALL_TDP else tdp
tab_log, tab_add, tab_tdp = st.tabs(["Sổ phản ánh", f"Thêm {SHEET.noun}", "Theo tổ dân phố"],
                                    key="member-reports-tab", on_change="rerun")

with tab_log:
    mine = tasks.reports_of(reports, chosen)
    if not reports:
        st.info("Chưa có phản ánh nào. Khi thành viên nòng cốt báo cáo tình hình tư tưởng, dư "
                "luận, điểm nóng hay kiến nghị của nhân dân, hãy ghi ở thẻ “Thêm phản ánh”.")
        if not members:
            st.caption("Danh sách lực lượng nòng cốt còn trống: cần thêm thành viên trước.")
            members_link()
    elif not mine:
        st.info(f"{literal(tdp)} chưa có phản ánh nào. Ghi ở thẻ “Thêm phản ánh”.")
    else:
        open_ones = [r for r in mine if not tasks.is_handled(r)]
        with st.container(horizontal=True, gap="small"):
            st.metric("Phản ánh", format_number(len(mine), 0), border=True)
            st.metric("Chưa xử lý xong", format_number(len(open_ones), 0), border=True,
                      help="Chưa có ngày xử lý xong.")
        left, middle, right = st.columns([2, 2, 1])
        query = left.text_input("Tìm kiếm", max_chars=MAX_QUERY_LENGTH,
                                key="member-reports-search",
                                placeholder="Gõ không dấu cũng được, ví dụ: rac thai",
                                help="Tìm trong: " + ", ".join(SHEET.column(k).header
                                                               for k in SEARCH_COLUMNS))
        kinds = middle.multiselect(SHEET.column("kind").header, list(MemberReportKind),
                                   key="member-reports-f-kind", placeholder="Tất cả")
        unhandled_only = right.toggle("Chỉ phản ánh chưa xử lý", key="member-reports-f-open")
        shown = [r for r in search(open_ones if unhandled_only else mine, query, SEARCH_COLUMNS)
                 if not kinds or r.get("kind") in kinds]
        if not shown:
            st.info("Không có phản ánh phù hợp. Hãy bớt từ khóa hoặc bỏ bộ lọc.")
        else:
            st.caption(f"{len(shown)} / {len(mine)} phản ánh, mới nhất ở trên. Chọn một dòng để "
                       "ghi việc xử lý, trả lời.")
            extra = {HANDLING: [tasks.handling_state(r) for r in shown]}
            picked = pick_record(SHEET, shown, LIST_COLUMNS, key="member-reports-table",
                                 extra=extra)
            download_table(display_frame(SHEET, shown, LIST_COLUMNS, extra),
                           "phan-anh-nong-cot" if chosen is None
                           else f"phan-anh-nong-cot-{chosen}",
                           "Tải danh sách đang xem", key="member-reports-list-download")
            current = find(reports, picked[ID]) if picked is not None else None
            if current is not None:
                st.subheader(f"Sửa phản ánh của {literal(current['member'])}")
                edit_form("member_reports", snapshot, current, "member-reports-edit",
                          options={"member": tasks.members_of(members, current.get("tdp"))})
                archive_button("member_reports", current, f"member-reports-{current[ID]}")

with tab_add:
    if chosen is None:
        st.info("Chọn tổ dân phố ở ô “Tổ dân phố” phía trên: ô “Thành viên nòng cốt” sẽ chỉ "
                "gồm những người của tổ đó.")
    else:
        names = tasks.members_of(members, chosen)
        if not names:
            st.info(f"{literal(chosen)} chưa có thành viên lực lượng nòng cốt nào. Hãy thêm "
                    "thành viên ở trang “Lực lượng nòng cốt”, rồi ghi phản ánh ở đây.")
            members_link()
        else:
            st.caption(f"Phản ánh ở {literal(chosen)}: chọn người phản ánh trong "
                       f"{len(names)} thành viên của tổ.")
            add_form("member_reports", snapshot, f"member-reports-add-{tdps.index(chosen)}",
                     columns=FORM_COLUMNS, options={"member": names}, fixed={"tdp": chosen},
                     success=saved_message)

with tab_tdp:
    if not reports:
        st.info("Chưa có phản ánh nào để thống kê theo tổ dân phố.")
    else:
        rows = tasks.per_tdp(reports, tdps)
        silent = [r.tdp for r in rows if not r.total]
        st.caption("Số phản ánh của từng tổ dân phố theo loại; “Chưa xử lý” là phản ánh chưa có "
                   "ngày xử lý xong.")
        if silent:
            st.warning(f"{len(silent)} tổ dân phố chưa có phản ánh nào: "
                       + literal(", ".join(silent)) + ".")
        per_tdp = tasks.per_tdp_frame(rows)
        st.dataframe(per_tdp, hide_index=True, placeholder="", width="stretch")
        download_table(per_tdp, "phan-anh-theo-to-dan-pho", "Tải bảng",
                       key="member-reports-tdp-download")
