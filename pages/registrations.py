"""“Dân vận khéo” models: register, follow through the life cycle, see who is missing or late."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from services import campaign as rules
from services import records as saving
from services.app import current_actor, get_settings, get_snapshot, get_store, refresh
from services.choices import Field, ModelOrigin, RecognitionLevel, RegistrationStatus
from services.clock import today as vn_today
from services.coltypes import format_date_vn
from services.forms import (
    PLACEHOLDER,
    clear_button,
    date_field,
    draft_key,
    kept,
    read_date,
    reset_form,
    show_problems,
    widget_key,
)
from services.listing import MAX_QUERY_LENGTH, column_config, display_frame, find, search
from services.reference import CRITERIA
from services.schema import ID, REGISTRATIONS, UNITS, Record
from services.show import literal
from services.ui import (
    add_form,
    archive_button,
    download_table,
    edit_form,
    flash,
    show_failure,
    show_flash,
)
from services.validation import Snapshot

SHEET = "registrations"
ADD_FORM = "registrations-add"
PICK = "registrations-pick"
TABLE = "registrations-table"
Status = RegistrationStatus

# What the office asks when a unit registers; the status is always "Đăng ký", never asked.
ADD_COLUMNS = ["campaign", "unit", "kind", "person", "field", "model_name", "origin",
               "continues", "address", "content", "registered_on", "note"]
LIST_COLUMNS = ["model_name", "unit", "kind", "person", "field", "origin", "continues",
                "address", "campaign", "registered_on", "status", "reported_on", "recognition"]
SEARCH_COLUMNS = ["model_name", "unit", "person", "address", "continues", "content", "result",
                  "note"]
CRITERIA_KEYS = [c.key for c in CRITERIA]
ALL = "Tất cả"
LATE = "Muộn"  # the list's column saying what came late, in words (not a colour)
CAMPAIGN_FILTER = "registrations-f-campaign"


# --- header ------------------------------------------------------------------------------------


def campaign_header(campaigns: Sequence[Record], year: int, today: date) -> None:
    """Show the year's campaigns with their deadlines, or what to do when there is none."""
    if not campaigns:
        st.info(f"Chưa có đợt thi đua “Dân vận khéo” nào của năm {year}. Hãy mở đợt của năm nay ở "
                "trang “Đợt thi đua” (nhập hạn đăng ký và hạn báo cáo kết quả), rồi quay lại đây "
                "để đăng ký mô hình.", icon="📅")
        st.page_link("pages/campaigns.py", label="Mở trang “Đợt thi đua”", icon="📅")
        return
    for campaign in campaigns:
        with st.container(border=True):
            st.markdown(f"**{literal(campaign['name'])}**")
            milestones = rules.deadlines(campaign, today)
            for column, deadline in zip(st.columns(len(milestones) or 1), milestones,
                                        strict=False):
                state = rules.deadline_text(deadline.day, today)
                colour = "gray" if deadline.passed else "orange" if deadline.remaining <= 7 \
                    else "green"
                column.markdown(f"{deadline.label}: trước ngày "
                                f"**{format_date_vn(deadline.day)}**  \n:{colour}[{state}]")


def summary(snapshot: Snapshot, year: int, today: date) -> None:
    """Show the year's counts: registered, not registered, overdue, recognised; then details."""
    registered = rules.registrations_of(snapshot, year)
    counts = rules.summarise(registered)
    by_status = dict(counts.by_status)
    late = len(rules.late_registrations(snapshot, year)) + len(rules.late_results(snapshot, year))
    cols = st.columns(5)
    cols[0].metric(f"Mô hình đăng ký năm {year}", counts.total)
    cols[1].metric("Đơn vị chưa đăng ký", len(rules.units_not_registered(snapshot, year)))
    cols[2].metric("Quá hạn báo cáo kết quả", len(rules.overdue_results(snapshot, today, year)))
    cols[3].metric("Đăng ký, báo cáo muộn", late)
    cols[4].metric("Được công nhận", by_status[Status.CONG_NHAN])
    if not registered:
        return
    with st.expander("Thống kê theo lĩnh vực, trạng thái, mô hình mới hay tiếp nối và đơn vị"):
        tables = [(title, stem, pd.DataFrame(rows, columns=[title, "Số mô hình"]))
                  for title, stem, rows in (
                      ("Lĩnh vực", "linh-vuc", counts.by_field),
                      ("Trạng thái", "trang-thai", counts.by_status),
                      (REGISTRATIONS.column("origin").header, "moi-hay-tiep-noi",
                       counts.by_origin),
                      ("Đơn vị", "don-vi", counts.by_unit))]
        for column, (_, _, frame) in zip(st.columns(4), tables, strict=True):
            column.dataframe(frame, hide_index=True, placeholder="", width="stretch")
        # Four tables side by side leave no room for eight buttons: one small popover.
        with st.popover("Tải bảng", icon=":material/download:"):
            for title, stem, frame in tables:
                download_table(frame, f"mo-hinh-theo-{stem}-{year}", f"Theo {title.lower()}",
                               key=f"registrations-summary-{stem}")


# --- register ----------------------------------------------------------------------------------


def register_tab(snapshot: Snapshot, campaigns: Sequence[Record], year: int, today: date) -> None:
    """Draw the registration form; the new model starts as “Đăng ký”."""
    if not campaigns:
        st.info(f"Cần mở đợt thi đua năm {year} trước khi đăng ký mô hình.")
        st.page_link("pages/campaigns.py", label="Mở trang “Đợt thi đua”", icon="📅")
        return
    if not any(rules.registration_open(c, today) for c in campaigns):
        st.warning(f"Đã hết hạn đăng ký các đợt năm {year}. Vẫn ghi nhận được đăng ký muộn: "
                   "ứng dụng tự ghi “Đăng ký muộn” theo ngày đăng ký (cột “Muộn” ở thẻ "
                   "“Danh sách”).")
    st.caption("Mô hình của cá nhân: chọn Hình thức “Cá nhân” và điền Họ tên cá nhân. Mô hình "
               "duy trì hoặc nhân rộng: ghi mô hình được tiếp nối và năm.")
    default = rules.default_campaign(campaigns, today)
    add_form(
        SHEET, snapshot, ADD_FORM, columns=ADD_COLUMNS,
        initial={"campaign": default["name"] if default else None, "registered_on": today},
        options={"campaign": [c["name"] for c in campaigns]},
        fixed={"status": Status.DANG_KY},  # a new model always starts as "Đăng ký"
        submit_label="Đăng ký mô hình",
        success=lambda r: f"Đã đăng ký mô hình “{r['model_name']}” của {r['unit']}.",
    )
    continued_hint(snapshot, year)


def _fill_continues(key: str, value: str) -> None:
    st.session_state[key] = value


def continued_hint(snapshot: Snapshot, year: int) -> None:
    """Offer the unit's earlier model of the same name for a kept model's “Tiếp nối mô hình”.

    A form sends its values only when submitted, so the offer follows a submit that left the
    field empty (the save was refused for it); one click fills the field, the rest stays typed.
    """
    state = st.session_state
    if state.get(widget_key(ADD_FORM, "origin")) != ModelOrigin.DUY_TRI:
        return
    continues = widget_key(ADD_FORM, "continues")
    if str(state.get(continues) or "").strip():
        return
    campaign = snapshot["campaigns"].labels.get(str(state.get(widget_key(ADD_FORM, "campaign"))))
    suggestion = rules.suggest_continued(
        snapshot, str(state.get(widget_key(ADD_FORM, "unit")) or ""),
        str(state.get(widget_key(ADD_FORM, "model_name")) or ""),
        int(campaign["year"]) if campaign and campaign.get("year") else year)
    if suggestion is None:
        st.caption("Chưa tìm thấy mô hình cùng tên của đơn vị ở các năm trước: hãy ghi tên mô "
                   "hình được duy trì và năm vào ô “Tiếp nối mô hình”.")
        return
    st.info(f"Năm trước đơn vị đã đăng ký mô hình cùng tên: {literal(suggestion)}.")
    st.button("Điền vào ô “Tiếp nối mô hình”", key=f"{ADD_FORM}-fill-continues",
              on_click=_fill_continues, args=(continues, suggestion))


# --- list and life cycle -----------------------------------------------------------------------


def _on_row_selected(ids: list[str]) -> None:
    """Make a row clicked in the table the record being edited."""
    state: Any = st.session_state.get(TABLE) or {}
    rows = (state.get("selection") or {}).get("rows") or []
    if rows and rows[0] < len(ids):
        st.session_state[PICK] = ids[rows[0]]


def _filters(snapshot: Snapshot, year: int, records: Sequence[Record]) -> list[Record]:
    """Draw the filters and search box; return the records they keep."""
    this_year = f"Các đợt năm {year}"
    campaign_names = [str(c["name"]) for c in sorted(
        snapshot["campaigns"].active(), key=lambda c: (-(c.get("year") or 0), str(c["name"])))]
    units = sorted({str(r["unit"]) for r in records}, key=rules.natural_key)
    cols = st.columns(4)
    campaign = cols[0].selectbox("Đợt thi đua", [this_year, ALL, *campaign_names],
                                 key=CAMPAIGN_FILTER)
    field = cols[1].selectbox("Lĩnh vực", [ALL, *Field], key="registrations-f-field")
    status = cols[2].selectbox("Trạng thái", [ALL, *Status], key="registrations-f-status")
    unit = cols[3].selectbox("Đơn vị", [ALL, *units], key="registrations-f-unit")
    query = st.text_input("Tìm kiếm", max_chars=MAX_QUERY_LENGTH, key="registrations-search",
                          placeholder="Gõ không dấu cũng được, ví dụ: phan loai rac",
                          help="Tìm trong: " + ", ".join(REGISTRATIONS.column(k).header
                                                         for k in SEARCH_COLUMNS))
    chosen = (rules.campaign_names(snapshot, year) if campaign == this_year
              else None if campaign == ALL else [campaign])
    kept = rules.filter_registrations(
        records, campaigns=chosen, field=None if field == ALL else field,
        status=None if status == ALL else status, unit=None if unit == ALL else unit)
    return rules.sort_registrations(search(kept, query, SEARCH_COLUMNS))


def list_tab(snapshot: Snapshot, year: int, today: date) -> None:
    """Draw the searchable list; the chosen model can be moved on, edited or archived."""
    records = snapshot[SHEET].active()
    if not records:
        st.info("Chưa có mô hình nào được đăng ký. Hãy đăng ký ở thẻ “Đăng ký mô hình”.")
        return
    shown = _filters(snapshot, year, records)
    ids = [str(r[ID]) for r in shown]
    if not shown:
        st.info("Không có mô hình phù hợp. Hãy bớt từ khóa hoặc chọn “Tất cả” ở các bộ lọc.")
    else:
        st.caption(f"{len(shown)} / {len(records)} mô hình. Bấm vào một dòng, hoặc chọn ở ô bên "
                   "dưới, để cập nhật trạng thái hoặc sửa.")
        late = [rules.lateness(r, rules.campaign_for(snapshot, r), today) for r in shown]
        listed = display_frame(REGISTRATIONS, shown, LIST_COLUMNS, {LATE: late})
        st.dataframe(listed, hide_index=True, placeholder="",
                     width="stretch", key=TABLE,
                     column_config=column_config(REGISTRATIONS, LIST_COLUMNS) | {
                         LATE: st.column_config.TextColumn(
                             LATE, help="Đăng ký hoặc báo cáo kết quả từ ngày hạn trở đi "
                                        "(hạn “trước ngày X”: hạn cuối là ngày trước X).")},
                     on_select=partial(_on_row_selected, ids), selection_mode="single-row")
        this_year = st.session_state.get(CAMPAIGN_FILTER, "").endswith(str(year))
        download_table(listed, f"mo-hinh-dang-ky-{year}" if this_year else "mo-hinh-dang-ky",
                       "Tải danh sách đang xem", key="registrations-list-download")
    by_id = {str(r[ID]): r for r in records}
    picked = st.session_state.get(PICK)
    options = ids + ([picked] if picked in by_id and picked not in ids else [])
    if not options:
        return
    chosen = st.selectbox("Chọn mô hình để sửa", options, index=None, key=PICK,
                          format_func=lambda rid: rules.registration_label(by_id[rid]),
                          placeholder=PLACEHOLDER,
                          help="Gõ vài chữ của tên mô hình hoặc đơn vị để tìm nhanh.")
    record = find(snapshot[SHEET].records, chosen)
    if record is not None:
        record_panel(snapshot, record, today)


def record_panel(snapshot: Snapshot, record: Record, today: date) -> None:
    """Show one model with its deadlines, and the forms that move, edit or archive it."""
    st.subheader(literal(record["model_name"]))
    campaign = rules.campaign_for(snapshot, record)
    line = (f"{literal(record['unit'])} · {literal(record['campaign'])} · Trạng thái: "
            f"**{literal(record['status'])}**")
    if campaign is not None and campaign.get("report_by"):
        line += (" · Hạn báo cáo kết quả: "
                 + rules.Deadline("", campaign["report_by"], today).text())
    st.markdown(line)
    late = rules.lateness(record, campaign, today)
    if late:
        st.warning(late + ".")
    origin = rules.origin_of(record)
    if origin != ModelOrigin.MOI or record.get("address"):
        st.caption(" · ".join(filter(None, [
            f"Mô hình {str(origin).lower()}"
            + (f": tiếp nối {literal(record['continues'])}" if record.get("continues") else ""),
            f"Địa chỉ: {literal(record['address'])}" if record.get("address") else ""])))
    step_tab, edit_tab, archive_tab = st.tabs(["Cập nhật trạng thái", "Sửa thông tin",
                                               "Lưu trữ"], key="registrations-record-tab",
                                              on_change="rerun")
    with step_tab:
        steps = rules.allowed_next(record.get("status"))
        if not steps:
            st.info("Trạng thái hiện tại không hợp lệ; hãy sửa cột “Trạng thái” trong bảng tính.")
        else:
            target = st.radio("Bước tiếp theo", steps, horizontal=True,
                              key=f"registrations-step-{record[ID]}-{record['status']}",
                              format_func=partial(rules.action_label, record["status"]))
            transition_form(snapshot, record, Status(target), today)
    with edit_tab:
        edit_form(SHEET, snapshot, record, "registrations-edit", columns=_edit_columns(record))
    with archive_tab:
        st.caption("Lưu trữ khi mô hình đăng ký nhầm hoặc trùng; bản ghi vẫn còn trong bảng tính.")
        archive_button(SHEET, record, f"registrations-{record[ID]}")


def _edit_columns(record: Record) -> list[str]:
    """Return the columns the edit form asks for, given how far the model has come."""
    columns = ADD_COLUMNS[:-1]
    status = record.get("status")
    if status in (Status.DA_BAO_CAO, Status.CONG_NHAN, Status.KHONG_CONG_NHAN):
        columns += ["reported_on", "result"]
    if status == Status.CONG_NHAN:
        columns += ["recognition"]
    if status in (Status.CONG_NHAN, Status.KHONG_CONG_NHAN):
        columns += CRITERIA_KEYS
    return [*columns, "note"]


def transition_form(snapshot: Snapshot, record: Record, target: Status, today: date) -> None:
    """Draw the small form of one step of the life cycle and save it through the records layer."""
    form_key = f"registrations-move-{record[ID]}-{list(Status).index(target)}"
    backward = rules.is_backward(record["status"], target)
    inputs: dict[str, Any] = {}
    typed_on: str | None = None
    # Not an `st.form`: the calendar fills the date typed, and a draft survives a page switch.
    with st.container(border=True):
        if backward:
            cleared = rules.cleared_by_undo(record, target)
            st.caption("Dùng khi chuyển trạng thái nhầm." + (
                " Ứng dụng sẽ xóa: " + ", ".join(f"“{h}”" for h in cleared) + "; nhật ký thay "
                "đổi vẫn giữ giá trị cũ." if cleared else ""))
        elif target == Status.DANG_THUC_HIEN:
            st.caption("Đơn vị đã triển khai thực hiện mô hình.")
        if target == Status.DA_BAO_CAO and not backward:
            typed_on = date_field(
                "Ngày báo cáo kết quả *", widget_key(form_key, "reported_on"),
                help_text="Ngày đơn vị gửi báo cáo kết quả về Đảng ủy.",
                start=format_date_vn(record.get("reported_on") or today),
                draft=draft_key(form_key, "reported_on"))
            inputs["result"] = st.text_area(
                "Kết quả thực hiện *", max_chars=3000,
                help="Tóm tắt kết quả: số hộ, người tham gia; kinh phí, ngày công huy động; hiệu "
                     "quả đạt được.", **kept(form_key, "result", record.get("result") or ""))
        if target in (Status.CONG_NHAN, Status.KHONG_CONG_NHAN) and not backward:
            if target == Status.CONG_NHAN:
                current = record.get("recognition")
                levels = list(RecognitionLevel)
                inputs["recognition"] = st.selectbox(
                    "Cấp công nhận *", levels, index=None, placeholder=PLACEHOLDER,
                    **kept(form_key, "recognition", current if current in levels else None))
            st.markdown("Tiêu chí đánh giá mô hình “Dân vận khéo”:")
            if target == Status.CONG_NHAN:
                st.caption(f"Chỉ công nhận mô hình đáp ứng đủ {len(CRITERIA)} tiêu chí đánh giá "
                           "(Kế hoạch phát động phong trào, mục II.4).")
            inputs["criteria"] = {
                c.key: st.checkbox(c.short, help=c.text,
                                   **kept(form_key, c.key, bool(record.get(c.key))))
                for c in CRITERIA
            }
        with st.container(horizontal=True):
            submitted = st.button(rules.action_label(record["status"], target), type="primary",
                                  key=f"{form_key}::submit")
            clear_button(form_key)
    if not submitted:
        return
    if typed_on is not None:
        inputs["reported_on"], wrong = read_date(REGISTRATIONS.column("reported_on"), typed_on)
        if wrong:
            show_problems(wrong)
            return
    changes, problems = rules.transition(record, target, today, **inputs)
    if problems:
        show_problems(problems)
        return
    with st.spinner("Đang lưu…"):
        result = saving.edit(get_store(), snapshot, SHEET, record[ID], changes, record,
                             current_actor())
    if not result.ok:
        show_failure(result, form_key, rules.action_label(record["status"], target))
        return
    reset_form(form_key)
    flash(f"Đã chuyển mô hình “{record['model_name']}” sang “{target}”.")
    st.rerun()


# --- compliance --------------------------------------------------------------------------------


def _unit_contact(snapshot: Snapshot, name: str) -> tuple[str, str]:
    unit = snapshot["units"].labels.get(name) or {}
    return str(unit.get("head") or ""), str(unit.get("phone") or "")


def missing_tab(snapshot: Snapshot, campaigns: Sequence[Record], year: int, today: date) -> None:
    """List the units that must register and have not registered this year's campaigns."""
    if not campaigns:
        st.info(f"Chưa có đợt thi đua năm {year} nên chưa xác định được đơn vị chưa đăng ký.")
        return
    must = rules.units_that_must_register(snapshot, year)
    missing = rules.units_not_registered(snapshot, year)
    if not must:
        st.info("Chưa có đơn vị nào được đánh dấu “Phải đăng ký mô hình”. Hãy đánh dấu ở trang "
                "“Đơn vị”.")
        st.page_link("pages/units.py", label="Mở trang “Đơn vị”", icon="🏢")
        return
    if not missing:
        st.success(f"Tất cả {len(must)} đơn vị phải đăng ký đều đã đăng ký mô hình năm {year}.")
        return
    default = rules.default_campaign(campaigns, today)
    deadline = ""
    if default is not None and default.get("register_by"):
        deadline = (f" Hạn đăng ký {literal(default['name'])}: "
                    f"{rules.Deadline('', default['register_by'], today).text()}.")
    st.warning(f"{len(missing)} / {len(must)} đơn vị chưa đăng ký mô hình “Dân vận khéo” năm "
               f"{year}.{deadline}")
    keys = ["name", "kind", "head", "phone"]
    listed = display_frame(UNITS, missing, keys)
    st.dataframe(listed, hide_index=True, placeholder="", width="stretch",
                 column_config=column_config(UNITS, keys))
    download_table(listed, f"don-vi-chua-dang-ky-{year}", "Tải danh sách",
                   key="registrations-missing-download")
    st.caption("Gọi điện nhắc đơn vị, rồi đăng ký mô hình giúp ở thẻ “Đăng ký mô hình”. Danh "
               "sách gồm các đơn vị có đánh dấu “Phải đăng ký mô hình” ở trang “Đơn vị”.")


def overdue_tab(snapshot: Snapshot, year: int, today: date) -> None:
    """List the models whose results are past the report deadline, most overdue first."""
    earlier = st.toggle("Gồm cả các năm trước", key="registrations-overdue-all",
                        help=f"Mặc định chỉ tính các đợt năm {year}.")
    overdue = rules.overdue_results(snapshot, today, None if earlier else year)
    if not overdue:
        st.success("Không có mô hình nào quá hạn báo cáo kết quả.")
        return
    st.warning(f"{len(overdue)} mô hình chưa báo cáo kết quả dù đã quá hạn.")
    rows = []
    for item in overdue:
        r = item.registration
        head, phone = _unit_contact(snapshot, str(r["unit"]))
        # What the clerk needs to phone the unit comes first; the campaign last.
        rows.append({"Đơn vị đăng ký": r["unit"], "Tên mô hình": r["model_name"],
                     "Số ngày quá hạn": item.days_overdue, "Người phụ trách": head,
                     "Số điện thoại": phone, "Hạn cuối báo cáo": item.last,
                     "Trạng thái": r["status"], "Đợt thi đua": r["campaign"]})
    listed = pd.DataFrame(rows)
    st.dataframe(listed, hide_index=True,
                 placeholder="", width="stretch", column_config={
        "Hạn cuối báo cáo": st.column_config.DateColumn(
            format="DD/MM/YYYY", help="Ngày trước “Hạn báo cáo kết quả” của đợt thi đua."),
        "Số ngày quá hạn": st.column_config.NumberColumn(format="%d ngày"),
    })
    download_table(listed, "mo-hinh-qua-han-bao-cao" if earlier
                   else f"mo-hinh-qua-han-bao-cao-{year}", "Tải danh sách",
                   key="registrations-overdue-download")
    st.caption("Khi đơn vị gửi báo cáo, chọn mô hình ở thẻ “Danh sách” rồi chọn “Báo cáo kết "
               "quả”.")


def late_frame(items: Sequence[rules.Late], done: str) -> pd.DataFrame:
    """Return late registrations or results as a table: who, what, when, how late."""
    return pd.DataFrame(
        [{"Đơn vị đăng ký": i.registration["unit"], "Tên mô hình": i.registration["model_name"],
          done: i.done_on, "Hạn cuối": i.last, "Số ngày muộn": i.days_late,
          "Đợt thi đua": i.registration["campaign"]} for i in items],
        columns=["Đơn vị đăng ký", "Tên mô hình", done, "Hạn cuối", "Số ngày muộn",
                 "Đợt thi đua"])


def late_tab(snapshot: Snapshot, year: int) -> None:
    """List the models registered, and the results reported, on or after their deadline."""
    st.caption("Hạn ghi “trước ngày X” thì hạn cuối là ngày trước X: đăng ký hoặc báo cáo từ "
               "ngày X trở đi là muộn.")
    config = {"Hạn cuối": st.column_config.DateColumn(format="DD/MM/YYYY"),
              "Số ngày muộn": st.column_config.NumberColumn(format="%d ngày")}
    for title, what, items, done, stem in (
        ("Đăng ký muộn", "đăng ký muộn", rules.late_registrations(snapshot, year),
         "Ngày đăng ký", "dang-ky-muon"),
        ("Báo cáo kết quả muộn", "báo cáo kết quả muộn", rules.late_results(snapshot, year),
         "Ngày báo cáo kết quả", "bao-cao-ket-qua-muon"),
    ):
        st.markdown(f"**{title}**")
        if not items:
            st.success(f"Không có mô hình nào {what} trong các đợt năm {year}.")
            continue
        st.warning(f"{len(items)} mô hình {what} trong các đợt năm {year}.")
        listed = late_frame(items, done)
        st.dataframe(listed, hide_index=True, placeholder="", width="stretch",
                     column_config=config | {
                         done: st.column_config.DateColumn(format="DD/MM/YYYY")})
        download_table(listed, f"{stem}-{year}", "Tải danh sách",
                       key=f"registrations-{stem}-download")


# --- the page ----------------------------------------------------------------------------------

settings = get_settings()
snapshot = get_snapshot()
today = vn_today()
campaigns = rules.current_campaigns(snapshot, settings.year)

st.title("Mô hình “Dân vận khéo”")
st.caption("Các Chi ủy - Chi bộ, MTTQ, các ngành, đoàn thể CT-XH, Công an, Quân sự lựa chọn ít "
           "nhất 01 mô hình “Dân vận khéo” (tập thể hoặc cá nhân), đăng ký thực hiện; sau khi "
           "triển khai thực hiện, báo cáo kết quả về Đảng ủy để tổng hợp.")
show_flash()
campaign_header(campaigns, settings.year, today)
if campaigns:
    summary(snapshot, settings.year, today)

# Keyed and tracked so the rerun after a save comes back to the same tab.
tab_add, tab_list, tab_missing, tab_overdue, tab_late = st.tabs(
    ["Đăng ký mô hình", "Danh sách", "Chưa đăng ký", "Quá hạn báo cáo", "Đăng ký, báo cáo muộn"],
    key="registrations-tab", on_change="rerun")
with tab_add:
    register_tab(snapshot, campaigns, settings.year, today)
with tab_list:
    list_tab(snapshot, settings.year, today)
with tab_missing:
    missing_tab(snapshot, campaigns, settings.year, today)
with tab_overdue:
    overdue_tab(snapshot, settings.year, today)
with tab_late:
    late_tab(snapshot, settings.year)

st.caption(f"Dữ liệu đọc lúc {snapshot.read_at:%H:%M %d/%m/%Y}.")
if st.button("Tải lại dữ liệu", help="Đọc lại dữ liệu mới nhất, ví dụ sau khi có người sửa "
                                     "thẳng trên bảng tính."):
    refresh()
    st.rerun()
