"""Core force roster per residential group: list, add, coverage, import from a file, approval."""

from __future__ import annotations

import streamlit as st

from services import roster
from services.app import current_actor, get_snapshot, get_store
from services.choices import MemberStatus
from services.clock import today
from services.coltypes import format_date_vn, format_number
from services.forms import (
    clear_button,
    date_field,
    draft_key,
    kept,
    read_date,
    reset_form,
    show_problems,
    widget_key,
)
from services.listing import (
    MAX_QUERY_LENGTH,
    display_frame,
    find,
    pick_record,
    search,
    sort_by_name,
)
from services.schema import ID, SHEETS
from services.show import literal
from services.store.base import StoreError
from services.ui import (
    add_form,
    archive_button,
    download_table,
    edit_form,
    flash,
    forget_unknown,
    remember_unknown,
    show_flash,
    show_unknown,
)

SHEET = SHEETS["members"]
LIST_COLUMNS = ["full_name", "gender", "birth_year", "tdp", "role", "organisation",
                "party_member", "phone", "status", "approval_ref", "approved_on"]
SEARCH_COLUMNS = ["full_name", "role", "phone", "organisation"]
ALL_TDP = "Tất cả tổ dân phố"
UPLOADER_NONCE = "members-import-nonce"
IMPORT = "members-import"
APPROVE = "members-approve"
# The ids the previewed rows will be stored with, for the file they were made for.
IMPORT_IDS = "members-import-ids"

st.title("Lực lượng nòng cốt ở cơ sở")
st.caption("Mặt trận cùng các đoàn thể đề xuất danh sách theo từng tổ dân phố; Đảng ủy xem xét, "
           "phê duyệt và giao nhiệm vụ (Kế hoạch thực hiện Đề án 14-ĐA/TU).")
snapshot = get_snapshot()
tdps = roster.tdp_names(snapshot)
show_flash()

# Keyed and tracked so the rerun after a save comes back to the same tab.
tab_list, tab_add, tab_cover, tab_import, tab_approve = st.tabs(
    ["Danh sách", "Thêm thành viên", "Độ phủ theo TDP", "Nhập từ tệp", "Phê duyệt danh sách"],
    key="members-tab", on_change="rerun")

with tab_list:
    members = snapshot["members"].active()
    left, middle, right = st.columns([2, 1, 1])
    query = left.text_input("Tìm kiếm", max_chars=MAX_QUERY_LENGTH, key="members-search",
                            placeholder="Gõ không dấu cũng được, ví dụ: nguyen van",
                            help="Tìm trong: " + ", ".join(SHEET.column(k).header
                                                           for k in SEARCH_COLUMNS))
    tdp_filter = middle.selectbox("Tổ dân phố", [ALL_TDP, *tdps], key="members-filter-tdp")
    status_filter = right.multiselect("Trạng thái", list(MemberStatus),
                                      key="members-filter-status", placeholder="Tất cả")
    shown = [m for m in members
             if (tdp_filter == ALL_TDP or m.get("tdp") == tdp_filter)
             and (not status_filter or m.get("status") in status_filter)]
    shown = sort_by_name(search(shown, query, SEARCH_COLUMNS), "full_name")
    if not members:
        st.info("Chưa có thành viên nào. Hãy thêm ở thẻ “Thêm thành viên” hoặc nhập cả danh sách "
                "của một tổ dân phố ở thẻ “Nhập từ tệp”.")
    elif not shown:
        st.info("Không có kết quả phù hợp. Hãy bớt từ khóa hoặc bỏ bộ lọc.")
    else:
        st.caption(f"{len(shown)} / {len(members)} thành viên, xếp theo tên. Chọn một dòng "
                   "(hoặc chọn ở ô bên dưới) để sửa.")
        picked = pick_record(SHEET, shown, LIST_COLUMNS, key="members-table")
        download_table(display_frame(SHEET, shown, LIST_COLUMNS),
                       "luc-luong-nong-cot" if tdp_filter == ALL_TDP
                       else f"luc-luong-nong-cot-{tdp_filter}",
                       "Tải danh sách đang xem", key="members-list-download")
        labels = {m[ID]: roster.member_label(m) for m in shown}
        chosen = st.selectbox("Chọn thành viên để sửa", list(labels), index=None,
                              format_func=labels.__getitem__, key="members-pick",
                              placeholder="Gõ tên để tìm…")
        target = picked[ID] if picked is not None else chosen
        current = find(snapshot["members"].records, target)
        if current is not None:
            st.subheader(f"Sửa: {literal(current['full_name'])}")
            edit_form("members", snapshot, current, "members-edit")
            archive_button("members", current, f"members-{current[ID]}")

with tab_add:
    if not tdps:
        st.info("Chưa có tổ dân phố nào. Hãy thêm các tổ dân phố ở trang “Đơn vị” trước.")
    add_form("members", snapshot, "members-add",
             success=lambda r: f"Đã thêm {r['full_name']} vào danh sách {r['tdp']}.")

with tab_cover:
    cov = roster.coverage(snapshot)
    if not cov.rows:
        st.info("Chưa có tổ dân phố nào. Hãy thêm các tổ dân phố ở trang “Đơn vị”.")
    else:
        total = cov.totals()
        a, b, c = st.columns(3)
        a.metric("Tổ dân phố có danh sách", f"{cov.with_list_count}/{len(cov.rows)}")
        b.metric("Thành viên đã phê duyệt", total.approved)
        c.metric("Đang chờ phê duyệt", total.proposed)
        if cov.without_list:
            st.warning(f"{len(cov.without_list)} tổ dân phố chưa có danh sách lực lượng nòng "
                       f"cốt: {literal(', '.join(cov.without_list))}. Hãy đề nghị Mặt trận phối "
                       "hợp các đoàn thể lập danh sách trình Đảng ủy.", icon=":material/warning:")
        else:
            st.success("Tất cả tổ dân phố đã có danh sách lực lượng nòng cốt.")
        if cov.pending:
            st.info("Còn thành viên chờ phê duyệt ở: " + literal(", ".join(cov.pending))
                    + ". Phê duyệt ở thẻ “Phê duyệt danh sách”.")
        frame = roster.coverage_frame(cov)
        header = roster.COVERAGE_HEADERS["tdp"]
        st.dataframe(roster.highlight_without_list(frame, cov), hide_index=True, placeholder="",
                     width="stretch")
        download_table(frame, "luc-luong-nong-cot-theo-to-dan-pho", "Tải bảng",
                       key="members-coverage-download")
        chart = frame.set_index(header)[[MemberStatus.DE_XUAT.value,
                                         MemberStatus.DA_PHE_DUYET.value]]
        # sort=False keeps the groups in natural order (2 before 10), not alphabetical.
        st.bar_chart(chart, stack=True, sort=False, y_label="Số thành viên")

with tab_import:
    st.write("Tải lên danh sách của một hay nhiều tổ dân phố (tệp .csv hoặc .xlsx, dòng đầu là "
             "tiêu đề cột). Ứng dụng kiểm tra từng dòng như khi nhập bằng biểu mẫu; chỉ các dòng "
             "bạn chọn mới được lưu.")
    with st.expander("Các cột của tệp và tệp mẫu"):
        st.dataframe(roster.column_guide(), hide_index=True, placeholder="", width="stretch")
        st.caption("Tên cột gõ không dấu, viết hoa hay đổi thứ tự đều được; cột thừa được bỏ qua. "
                   "Thiếu cột “Trạng thái” thì các dòng được ghi là “Đề xuất”.")
        st.download_button("Tải tệp mẫu (CSV)", roster.template_csv(),
                           file_name="mau-luc-luong-nong-cot.csv", mime="text/csv")
    nonce = st.session_state.get(UPLOADER_NONCE, 0)
    uploaded = st.file_uploader("Tải lên tệp danh sách (.csv hoặc .xlsx)", type=["csv", "xlsx"],
                                key=f"members-import-{nonce}",
                                max_upload_size=roster.MAX_UPLOAD_MB)
    # The box under the label is Streamlit's own, in English ("Drag and drop…", "Upload"): the
    # limits are said here in Vietnamese.
    st.caption(f"Kéo thả tệp vào ô trên hoặc bấm nút trong ô để chọn tệp. Tối đa "
               f"{roster.MAX_UPLOAD_MB} MB, {format_number(roster.MAX_IMPORT_ROWS, 0)} dòng, "
               f"{roster.MAX_IMPORT_COLUMNS} cột; tệp CSV lưu dạng UTF-8.")
    if uploaded is None:
        st.info("Chưa chọn tệp. Nếu chưa có tệp, hãy tải tệp mẫu ở trên, điền rồi tải lên.")
    else:
        file_key = (nonce, uploaded.file_id)
        kept_key, kept_ids = st.session_state.get(IMPORT_IDS, (None, None))
        try:
            with st.spinner("Đang đọc và kiểm tra tệp…"):
                # The same ids on every rerun: a second press of "Lưu" after an unknown outcome
                # then finds the rows already stored instead of adding them again.
                result = roster.preview_file(snapshot, uploaded.getvalue(), uploaded.name,
                                             ids=kept_ids if kept_key == file_key else None)
        except roster.RosterFileError as err:
            st.error(literal(err))
            result = None
        if result is not None:
            if kept_key != file_key:
                forget_unknown(IMPORT)  # a lost answer about another file is no longer shown
            st.session_state[IMPORT_IDS] = (file_key, result.ids())
        if result is not None and not result.rows:
            st.warning("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề.")
        elif result is not None:
            a, b, c = st.columns(3)
            a.metric(roster.RowStatus.HOP_LE, result.count(roster.RowStatus.HOP_LE))
            b.metric(roster.RowStatus.CO_THE_TRUNG, result.count(roster.RowStatus.CO_THE_TRUNG))
            c.metric(roster.RowStatus.CO_LOI, result.count(roster.RowStatus.CO_LOI))
            if result.blocked:
                st.error("Không lưu được dòng nào vì tệp thiếu cột bắt buộc:\n\n" + "\n".join(
                    f"- {literal(p.text())}" for p in result.header_problems)
                    + "\n\nHãy thêm cột rồi tải tệp lên lại (xem tệp mẫu).")
            if result.renamed:
                st.caption("Đã hiểu tên cột: " + "; ".join(
                    f"“{literal(file_header)}” là “{header}”" for file_header, header
                    in result.renamed.items()))
            if result.extra_columns:
                st.caption("Các cột không dùng đến, đã bỏ qua: " + ", ".join(
                    f"“{literal(c)}”" for c in result.extra_columns))
            errors = [m for r in result.rows if not r.ok for m in r.messages()]
            warnings = [m for r in result.rows if r.ok and r.duplicate for m in r.messages()]
            if errors:
                st.error("Các dòng có lỗi (sửa trong tệp rồi tải lên lại):\n\n" + "\n".join(
                    f"- {literal(m)}" for m in errors))
            if warnings:
                st.warning("Có thể trùng (không được chọn sẵn; đánh dấu nếu vẫn muốn lưu):\n\n"
                           + "\n".join(f"- {literal(m)}" for m in warnings))
            table = roster.preview_frame(result)
            edited = st.data_editor(
                table, hide_index=True, placeholder="", width="stretch",
                disabled=[c for c in table.columns if c != roster.PICK],
                key=f"members-import-table-{nonce}-{uploaded.file_id}",
                column_config={roster.PICK: st.column_config.CheckboxColumn(
                    roster.PICK, help="Đánh dấu các dòng muốn lưu. Dòng có lỗi không lưu được.")})
            ticked = {int(n) for n, keep in zip(edited[roster.ROW_HEADER], edited[roster.PICK],
                                                strict=True) if keep}
            chosen_rows = [r for r in result.rows if r.row in ticked and r.ok]
            refused = sorted(r.row for r in result.rows if r.row in ticked and not r.ok)
            if refused:
                st.caption("Dòng có lỗi không lưu được, sẽ bỏ qua: "
                           + ", ".join(str(n) for n in refused) + ".")
            save_label = f"Lưu {len(chosen_rows)} dòng đã chọn"
            if st.button(save_label, type="primary", disabled=not chosen_rows or result.blocked,
                         key="members-import-save"):
                forget_unknown(IMPORT)
                try:
                    with st.spinner("Đang lưu…"):
                        saved = roster.commit(get_store(), snapshot, chosen_rows,
                                              current_actor())
                except StoreError as err:
                    st.error(literal(err))
                else:
                    if saved.unknown:
                        # One write: checking one of its rows tells about all of them.
                        remember_unknown(
                            IMPORT, saved.error or "", SHEET.key,
                            result.ids()[chosen_rows[0].row],
                            f"{len(chosen_rows)} thành viên từ tệp “{uploaded.name}” đã có "
                            f"trong bảng {SHEET.title}.")
                    elif not saved.ok:
                        show_problems(saved.messages(), error=saved.error,
                                      title="Chưa lưu dòng nào.")
                    else:
                        st.session_state[UPLOADER_NONCE] = nonce + 1
                        flash(roster.import_summary(uploaded.name, saved.saved, chosen_rows,
                                                    len(result.rows)))
                        st.rerun()
            show_unknown(IMPORT, save_label,
                         lambda: st.session_state.update({UPLOADER_NONCE: nonce + 1}))

with tab_approve:
    pending = roster.coverage(snapshot).pending
    if not pending:
        st.info("Không có thành viên nào đang chờ phê duyệt. Danh sách Mặt trận đề xuất (trạng "
                "thái “Đề xuất”) sẽ hiện ở đây.")
    else:
        tdp = st.selectbox("Tổ dân phố có danh sách chờ phê duyệt", pending,
                           key="members-approve-tdp")
        proposed = sort_by_name(roster.proposed_members(snapshot, tdp), "full_name")
        labels = {m[ID]: roster.member_label(m) for m in proposed}
        # Not an `st.form`: the calendar fills the date typed, and a draft survives a page switch.
        with st.container(border=True):
            pick = kept(APPROVE, f"ids-{tdp}", list(labels))
            st.session_state[pick["key"]] = [i for i in st.session_state[pick["key"]]
                                             if i in labels]  # approved meanwhile
            ids = st.multiselect("Thành viên được phê duyệt", list(labels),
                                 format_func=labels.__getitem__, **pick)
            ref = st.text_input(SHEET.column("approval_ref").header + " *",
                                help=SHEET.column("approval_ref").help,
                                placeholder="Ví dụ: 215-QĐ/ĐU", **kept(APPROVE, "approval_ref", ""))
            typed_on = date_field(SHEET.column("approved_on").header,
                                  widget_key(APPROVE, "approved_on"),
                                  start=format_date_vn(today()),
                                  draft=draft_key(APPROVE, "approved_on"))
            task = st.text_area(SHEET.column("task").header,
                                help="Điền cho những người chưa được giao nhiệm vụ; để trống "
                                     "nếu giao sau.", **kept(APPROVE, "task", ""))
            with st.container(horizontal=True):
                submitted = st.button("Phê duyệt", type="primary", key=f"{APPROVE}::submit")
                clear_button(APPROVE)
        approved_on, wrong_date = read_date(SHEET.column("approved_on"), typed_on)
        if submitted:
            if not ids:
                st.error("Chưa chọn thành viên nào để phê duyệt.")
            elif wrong_date:
                show_problems(wrong_date, title="Chưa phê duyệt.")
            else:
                try:
                    with st.spinner("Đang lưu…"):
                        outcome = roster.approve(get_store(), snapshot, ids, ref, approved_on,
                                                 current_actor(), task=task or None)
                except StoreError as err:
                    st.error(literal(err))
                else:
                    if not outcome.ok:
                        show_problems(outcome.messages(), error=outcome.error,
                                      title="Chưa phê duyệt.")
                    else:
                        reset_form(APPROVE)
                        flash(f"Đã phê duyệt {len(outcome.saved)} thành viên của {tdp} theo văn "
                              f"bản số {ref}.")
                        st.rerun()
