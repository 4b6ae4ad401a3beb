"""Attendance at residential branch meetings: log it, follow reports, periods and branches,
keep the register of who must attend and the Party Committee's visit plan."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import pandas as pd
import streamlit as st

from services import attendance as att
from services.app import current_actor, get_snapshot, get_store
from services.choices import AttendeeLevel
from services.clock import today
from services.coltypes import format_date_vn
from services.forms import PLACEHOLDER
from services.listing import MAX_QUERY_LENGTH, column_config, display_frame, find, search
from services.memo import keep
from services.reference import ATTENDANCE_RULES
from services.schema import ID, SHEETS, Record
from services.show import literal
from services.text import name_sort_key
from services.ui import add_form, archive_button, download_table, edit_form, flash, show_flash
from services.validation import Snapshot

SHEET = SHEETS["meetings"]
LIST_COLUMNS = ["attendee", "branch", "meeting_date", "report_date", "level"]
SEARCH_COLUMNS = ["attendee", "branch", "home_branch"]
PICK_KEY = "meetings-pick"
TABLE_KEY = "meetings-table"
DUE, STATUS = "Hạn báo cáo", "Tình trạng báo cáo"
ALL = "Tất cả"
LAST_12 = "12 tháng gần nhất"
REGISTER = SHEETS["attendees"]
REGISTER_COLUMNS = ["full_name", "level", "position", "home_branch", "from_date", "to_date"]
PLAN = SHEETS["visit_plan"]
TERM = "Thời gian thuộc diện"


def saved_message(record: Record) -> str:
    """Say what was saved, with its report due date and status."""
    due = att.report_due(record["level"], record["meeting_date"])
    deadline = (f"hạn báo cáo {format_date_vn(due)}" if due else
                "cấp này không có hạn gửi báo cáo")
    return (f"Đã lưu lượt dự sinh hoạt của {record['attendee']} tại {record['branch']} ngày "
            f"{format_date_vn(record['meeting_date'])}: {deadline}; tình trạng báo cáo: "
            f"{att.status_text(record, today())}.")


def pick_label(record: Record) -> str:
    """Name a record in the edit selector."""
    return (f"{format_date_vn(record['meeting_date'])} · {record['attendee']} · "
            f"{record['branch']}")


def sync_pick(ids: list[str]) -> None:
    """Make the edit selector follow the row picked in the table."""
    rows = st.session_state[TABLE_KEY]["selection"]["rows"]
    if rows and rows[0] < len(ids):
        st.session_state[PICK_KEY] = ids[rows[0]]


def months_of(records: Sequence[Record]) -> list[date]:
    """Return the first days of the months that have meetings, newest first."""
    return sorted({r["meeting_date"].replace(day=1) for r in records}, reverse=True)


def year_options(records: Sequence[Record], now: date) -> list[int]:
    """Return the years with meetings and the current one, newest first."""
    return sorted({now.year, *(r["meeting_date"].year for r in records)}, reverse=True)


def rules_line() -> str:
    """Quote the plan's rules on one line."""
    return "; ".join(f"{rule.level}: {rule.wording}" for rule in ATTENDANCE_RULES.values())


def rules_caption() -> str:
    """Quote the plan's rules, one line per level."""
    return "\n".join(f"- **{rule.level}**: {rule.wording}." for rule in ATTENDANCE_RULES.values())


# --- tabs ------------------------------------------------------------------------------------


def log_tab(snapshot: Snapshot, now: date) -> None:
    """Draw the form that logs one attendance."""
    st.caption("Ghi một lượt dự sinh hoạt. Đảng viên công tác tại phường dự ở chi bộ khác chi bộ "
               "nơi mình sinh hoạt. Ngày gửi báo cáo có thể nhập sau, ở thẻ “Danh sách”.")
    add_form("meetings", snapshot, "meetings-add", initial={"meeting_date": now},
             success=saved_message)


def list_tab(snapshot: Snapshot, records: list[Record], now: date) -> None:
    """Draw the searchable list with computed due dates and statuses, and the edit form."""
    if not records:
        st.info("Chưa có lượt dự sinh hoạt nào. Hãy ghi nhận ở thẻ “Ghi nhận dự sinh hoạt”.")
        return
    query = st.text_input("Tìm kiếm", max_chars=MAX_QUERY_LENGTH, key="meetings-search",
                          placeholder="Gõ không dấu cũng được, ví dụ: nguyen thi lan",
                          help="Tìm theo người dự, chi bộ dự sinh hoạt, chi bộ nơi sinh hoạt.")
    left, middle, right = st.columns(3)
    levels = left.multiselect("Cấp", list(AttendeeLevel), key="meetings-f-level",
                              placeholder=ALL)
    statuses = middle.multiselect(STATUS, list(att.ReportStatus), key="meetings-f-status",
                                  placeholder=ALL)
    months = keep(snapshot, ("meetings-months",), lambda: months_of(records))
    month = right.selectbox("Tháng dự", [None, *months], key="meetings-f-month",
                            format_func=lambda m: ALL if m is None else att.month_label(m))

    def listed() -> tuple[list[Record], dict[str, list[object]], dict[str, str]]:
        shown = [
            r for r in search(records, query, SEARCH_COLUMNS)
            if (not levels or r["level"] in levels)
            and (not statuses or att.report_status(r, now) in statuses)
            and (month is None or r["meeting_date"].replace(day=1) == month)
        ]
        shown.sort(key=lambda r: name_sort_key(r["attendee"]))
        shown.sort(key=lambda r: r["meeting_date"], reverse=True)
        extra = {DUE: [att.report_due(r["level"], r["meeting_date"]) for r in shown],
                 STATUS: [att.status_text(r, now) for r in shown]}
        return shown, extra, {r[ID]: pick_label(r) for r in shown}

    # Filtered, sorted and labelled once per snapshot and filter, not on every click.
    shown, extra, labels = keep(snapshot, ("meetings-list", query, tuple(levels), tuple(statuses),
                                           month, now), listed)
    if not shown:
        st.info("Không có kết quả phù hợp. Hãy bớt từ khóa hoặc bỏ bộ lọc.")
        return
    st.caption(f"{len(shown)} / {len(records)} {SHEET.noun}. Chọn một dòng, hoặc chọn ở ô "
               "“Chọn lượt dự để sửa”, để sửa (ví dụ nhập ngày gửi báo cáo).")
    config = column_config(SHEET, LIST_COLUMNS)
    config[DUE] = st.column_config.DateColumn(DUE, format="DD/MM/YYYY", help=rules_line())
    ids = [r[ID] for r in shown]
    frame = display_frame(SHEET, shown, LIST_COLUMNS, extra)
    level = SHEET.column("level").header
    # The computed columns beside the dates they come from; the long level names last.
    frame = frame[[c for c in frame.columns if c != level] + [level]]
    st.dataframe(frame, hide_index=True,
                 placeholder="", width="stretch", key=TABLE_KEY, column_config=config,
                 on_select=lambda: sync_pick(ids), selection_mode="single-row")
    download_table(frame, "du-sinh-hoat" if month is None else f"du-sinh-hoat-{month:%Y-%m}",
                   "Tải danh sách đang xem", key="meetings-list-download")
    by_id = {r[ID]: r for r in shown}
    if st.session_state.get(PICK_KEY) not in by_id:
        st.session_state[PICK_KEY] = None  # the picked record is filtered out or gone
    picked = st.selectbox("Chọn lượt dự để sửa", ids, index=None, key=PICK_KEY,
                          format_func=labels.__getitem__, placeholder=PLACEHOLDER)
    if picked is None:
        return
    current = find(snapshot["meetings"].records, picked) or by_id[picked]
    st.subheader("Sửa lượt dự sinh hoạt")
    due = att.report_due(current["level"], current["meeting_date"])
    st.caption(f"Hạn báo cáo: {format_date_vn(due) or 'không quy định'} · Tình trạng báo cáo: "
               f"{att.status_text(current, now)}")
    edit_form("meetings", snapshot, current, "meetings-edit")
    archive_button("meetings", current, f"meetings-{current[ID]}")


def terms_text(terms: Sequence[tuple[date, date | None]]) -> str:
    """Say when someone was bound to attend: "từ 01/07/2026" or "01/01/2025 – 30/06/2026"."""
    return "; ".join(f"{format_date_vn(a)} – {format_date_vn(b)}" if b else
                     f"từ {format_date_vn(a)}" for a, b in terms)


def uncounted_text(row: att.AttendeeCompliance) -> str:
    """List the visits that do not count, with why."""
    return "; ".join(f"{v.branch} ngày {format_date_vn(v.day)}: {v.reason}"
                     for v in row.uncounted)


def compliance_rows(rows: Sequence[att.AttendeeCompliance]) -> list[dict[str, object]]:
    """Return the compliance table, one row per person."""
    return [{
        "Người dự": r.name,
        "Cấp": str(r.level),
        TERM: terms_text(r.terms),
        "Số kỳ đã qua": len(r.ended),
        "Số kỳ đạt": sum(1 for p in r.ended if p.met),
        "Kỳ chưa dự": ", ".join(p.label for p in r.missing_periods),
        "Kỳ hiện tại": (f"{r.current.period.label}: {r.current.state}" if r.current else ""),
        "Số lượt dự": r.visits,
        "Lượt không tính": uncounted_text(r),
        "Báo cáo trễ": r.late_reports,
        "Chưa báo cáo": r.missing_reports,
        "Đánh giá": str(r.overall),
    } for r in rows]


def period_tab(snapshot: Snapshot, records: list[Record], units: list[Record],
               now: date) -> None:
    """Draw who must attend, their visits per period of a year, who is behind, the 100% rate."""
    st.caption(f"{rules_line()}. Chỉ tính chi bộ khu dân cư và các kỳ trong thời gian thuộc "
               "diện phải dự; kỳ đang diễn ra chưa tính là thiếu.")
    years = year_options(records, now)
    year = st.selectbox("Năm", years, key="meetings-period-year")
    judged = att.compliance_of(snapshot, now, year)
    for note in judged.notes():
        st.info(note)
    rows = list(judged.people)
    if not rows and not judged.unregistered:
        st.info(f"Năm {year} chưa có ai thuộc diện phải dự sinh hoạt chi bộ. Hãy thêm người "
                "phải dự ở thẻ “Người phải dự”, rồi ghi nhận ở thẻ “Ghi nhận dự sinh hoạt”."
                if judged.from_register else
                f"Năm {year} chưa có ai dự sinh hoạt chi bộ. Hãy thêm người phải dự ở thẻ "
                "“Người phải dự”, rồi ghi nhận ở thẻ “Ghi nhận dự sinh hoạt”.")
        return
    behind = judged.behind
    a, b, c, d = st.columns(4)
    a.metric("Người phải dự" if judged.from_register else "Người dự", judged.total)
    b.metric("Dự đủ các kỳ", judged.met)
    c.metric("Chưa đạt", len(behind))
    d.metric("Tỷ lệ (yêu cầu 100%)", judged.percent_text(),
             help="“100% cấp ủy viên cấp trên cơ sở; đảng viên đang công tác tại xã, phường, "
                  "thị trấn về dự sinh hoạt khu dân cư”: số người dự đủ mọi kỳ đã kết thúc trên "
                  "số người phải dự.")
    if behind:
        named = [f"{r.name} (thiếu {', '.join(p.label for p in r.missing_periods)})"
                 for r in behind[:10]]
        more = f"; và {len(behind) - 10} người khác" if len(behind) > 10 else ""
        st.warning(f"{len(behind)} người chưa dự đủ số kỳ yêu cầu: "
                   + literal("; ".join(named) + more))
    only_behind = st.checkbox("Chỉ hiện người chưa đạt", key="meetings-period-behind")
    compliance = keep(snapshot, ("meetings-compliance", now, year, only_behind),
                      lambda: pd.DataFrame(compliance_rows(behind if only_behind else rows)))
    st.dataframe(compliance, hide_index=True, placeholder="", width="stretch")
    stem = "chua-du-sinh-hoat-du" if only_behind else "theo-doi-dinh-ky"
    if not compliance.empty:
        download_table(compliance, f"{stem}-{year}", "Tải bảng", key="meetings-period-download")
    if judged.unregistered:
        st.subheader("Có lượt dự nhưng chưa có trong danh sách phải dự")
        st.caption("Các lượt này không tính vào tỷ lệ. Nếu người đó thuộc diện phải dự, hãy thêm "
                   "vào thẻ “Người phải dự” (họ tên và cấp như khi ghi lượt dự).")
        unregistered = pd.DataFrame(compliance_rows(judged.unregistered))
        st.dataframe(unregistered, hide_index=True, placeholder="", width="stretch")
        download_table(unregistered, f"du-sinh-hoat-chua-co-trong-danh-sach-{year}", "Tải bảng",
                       key="meetings-unregistered-download")
    st.subheader("Theo kỳ")
    months = [date(year, m, 1) for m in range(1, 13) if date(year, m, 1) <= now]
    if not months:
        return
    month = st.selectbox("Kỳ chứa tháng", list(reversed(months)), key="meetings-period-month",
                         format_func=att.month_label,
                         help="Với cấp huyện là quý, cấp tỉnh là 6 tháng chứa tháng này.")
    period_rows = keep(snapshot, ("meetings-per-period", now, year, month), lambda: pd.DataFrame(
        [{"Người dự": r.name, "Cấp": str(r.level), "Kỳ": p.period.label,
          "Số lượt dự": p.visits, "Kết quả": str(p.state)}
         for r in rows if (p := r.result_at(month))]))
    st.dataframe(period_rows, hide_index=True, placeholder="", width="stretch")
    if not period_rows.empty:
        download_table(period_rows, f"du-sinh-hoat-theo-ky-{month:%Y-%m}", "Tải bảng",
                       key="meetings-per-period-download")
    summary = att.monthly_summary_of(snapshot, month, now)
    st.subheader(f"Tổng hợp kết quả {summary.label.lower()} báo cáo Ban Chấp hành Đảng bộ")
    a, b, c, d = st.columns(4)
    a.metric("Lượt dự", summary.visits)
    b.metric("Người dự", summary.attendees)
    c.metric("Chi bộ được dự", summary.branches)
    d.metric("Lượt dự ở địa bàn phức tạp", summary.complex_area_visits)
    by_level = pd.DataFrame([{"Cấp": str(k), "Lượt dự": v} for k, v in summary.by_level.items()])
    reports = pd.DataFrame([{STATUS: str(k), "Số lượt": v} for k, v in summary.reports.items()])
    left, right = st.columns(2)
    with left:
        st.dataframe(by_level, hide_index=True, placeholder="", width="stretch")
        download_table(by_level, f"du-sinh-hoat-theo-cap-{month:%Y-%m}", "Tải bảng",
                       key="meetings-month-levels-download")
    with right:
        st.dataframe(reports, hide_index=True, placeholder="", width="stretch")
        download_table(reports, f"bao-cao-sau-du-sinh-hoat-{month:%Y-%m}", "Tải bảng",
                       key="meetings-month-reports-download")
    if summary.unvisited_branches:
        st.caption("Chi bộ chưa có ai dự trong tháng: "
                   + literal(", ".join(summary.unvisited_branches)))


def branch_tab(snapshot: Snapshot, records: list[Record], now: date) -> None:
    """Draw visits per branch, zero-visit branches included, complex areas first."""
    st.caption("Luân phiên địa bàn, ưu tiên địa bàn đặc thù, phức tạp trước và nhiều hơn.")
    choice = st.selectbox("Khoảng thời gian", [LAST_12, *year_options(records, now)],
                          key="meetings-branch-window")
    window = choice if isinstance(choice, int) else att.recent_window(now)
    rows = att.branch_visits_of(snapshot, window)
    if not rows:
        st.info("Chưa có chi bộ nào trong danh mục. Hãy thêm các chi bộ ở trang “Đơn vị” "
                "(loại đơn vị “Chi bộ”).")
        return
    never = [r.branch for r in rows if not r.visits]
    if never:
        st.warning(f"{len(never)} chi bộ chưa có ai dự sinh hoạt trong khoảng thời gian này: "
                   + literal(", ".join(never)))
    branches = pd.DataFrame(
        [{"Chi bộ": r.branch, "Địa bàn phức tạp": "Có" if r.complex_area else "",
          "Số lượt dự": r.visits, "Lần dự gần nhất": r.last_visit,
          "Số người dự": r.attendees} for r in rows])
    st.dataframe(branches, hide_index=True, placeholder="", width="stretch",
                 column_config={"Lần dự gần nhất": st.column_config.DateColumn(
                     format="DD/MM/YYYY")})
    span = choice if isinstance(choice, int) else "12-thang-gan-nhat"
    download_table(branches, f"du-sinh-hoat-theo-chi-bo-{span}", "Tải bảng",
                   key="meetings-branch-download")


def edit_picker(sheet_key: str, snapshot: Snapshot, records: Sequence[Record], key: str,
                label: Callable[[Record], str], title: str) -> None:
    """Offer to pick one record of the list, then its edit form and archive button."""
    by_id, labels = keep(snapshot, ("meetings-picker", key, tuple(r.get(ID) for r in records)),
                         lambda: ({r[ID]: r for r in records if r.get(ID)},
                                  {r[ID]: label(r) for r in records if r.get(ID)}))
    if st.session_state.get(key) not in by_id:
        st.session_state[key] = None  # the picked record is gone
    picked = st.selectbox(title, list(by_id), index=None, key=key,
                          format_func=labels.__getitem__, placeholder=PLACEHOLDER)
    if picked is None:
        return
    current = find(snapshot[sheet_key].records, picked) or by_id[picked]
    edit_form(sheet_key, snapshot, current, f"{sheet_key}-edit")
    archive_button(sheet_key, current, f"{sheet_key}-{current[ID]}")


def register_label(record: Record) -> str:
    """Name a register entry in the edit selector."""
    term = terms_text([(record["from_date"], record.get("to_date"))])
    return f"{record['full_name']} · {record['level']} · {term}"


def register_tab(snapshot: Snapshot) -> None:
    """Draw the register of who must attend, and the forms that keep it."""
    st.caption("“100% cấp ủy viên cấp trên cơ sở; đảng viên đang công tác tại xã, phường, thị "
               "trấn về dự sinh hoạt khu dân cư.” Ghi họ tên như khi ghi lượt dự, và ngày bắt "
               "đầu, ngày kết thúc thuộc diện: chỉ các kỳ trong thời gian đó được tính.")
    register = snapshot["attendees"].active()
    if not register:
        st.info("Chưa có ai trong danh sách người phải dự sinh hoạt. Hãy thêm từng người ở biểu "
                "mẫu dưới đây: họ tên, cấp, chi bộ nơi sinh hoạt (bắt buộc với đảng viên công "
                "tác tại phường) và ngày bắt đầu thuộc diện.")
    else:
        shown = sorted(register, key=lambda r: name_sort_key(r["full_name"]))
        order = list(AttendeeLevel)
        shown.sort(key=lambda r: order.index(AttendeeLevel(r["level"])))
        st.caption(f"{len(shown)} {REGISTER.noun}.")
        listed = display_frame(REGISTER, shown, REGISTER_COLUMNS)
        st.dataframe(listed, hide_index=True, placeholder="", width="stretch",
                     column_config=column_config(REGISTER, REGISTER_COLUMNS))
        download_table(listed, "nguoi-phai-du-sinh-hoat", "Tải danh sách",
                       key="meetings-register-download")
        edit_picker("attendees", snapshot, shown, "attendees-pick", register_label,
                    "Chọn người để sửa")
    st.subheader("Thêm người phải dự")
    add_form("attendees", snapshot, "attendees-add")


def plan_label(record: Record) -> str:
    """Name a plan row in the edit selector."""
    return (f"{record['attendee']} · {record['branch']} · {format_date_vn(record['period_start'])}"
            f" – {format_date_vn(record['period_end'])}")


def plan_tab(snapshot: Snapshot, records: list[Record], units: list[Record], now: date) -> None:
    """Draw the visit plan: planned against done per person and branch, a proposed rotation."""
    st.caption("Đảng ủy cơ sở “xây dựng kế hoạch phân công đảng viên công tác tại xã, phường, "
               "thị trấn về dự sinh hoạt tại các chi bộ khu dân cư”; luân phiên địa bàn, ưu tiên "
               "địa bàn đặc thù, phức tạp trước và nhiều hơn.")
    register = snapshot["attendees"].active()
    if not register:
        st.info("Chưa có danh sách người phải dự sinh hoạt. Hãy thêm ở thẻ “Người phải dự” "
                "trước, rồi phân công ở đây.")
        return
    plan = snapshot["visit_plan"].active()
    years = sorted({now.year, *(r["period_start"].year for r in plan)}, reverse=True)
    year = st.selectbox("Năm", years, key="meetings-plan-year")
    visits = list(att.plan_year_of(snapshot, now, year))
    if not visits:
        st.info(f"Chưa có phân công năm {year}. Hãy dùng “Đề xuất phân công” dưới đây, hoặc "
                "thêm từng dòng.")
    else:
        overdue = [v for v in visits if v.overdue]
        a, b, c, d = st.columns(4)
        a.metric("Lượt phân công", len(visits))
        b.metric("Đã dự", sum(v.state == att.PlanState.DA_DU for v in visits))
        c.metric("Quá hạn, chưa dự", len(overdue))
        d.metric("Chưa đến hạn", len(visits) - len(overdue)
                 - sum(v.state == att.PlanState.DA_DU for v in visits))
        if overdue:
            named = [f"{v.attendee} – {v.branch} (hạn {format_date_vn(v.end)})"
                     for v in overdue[:10]]
            more = f"; và {len(overdue) - 10} lượt khác" if len(overdue) > 10 else ""
            st.warning(f"{len(overdue)} lượt phân công đã hết kỳ mà chưa dự: "
                       + literal("; ".join(named) + more))
        by_person = pd.DataFrame([{"Người dự": t.name, "Phân công": t.planned, "Đã dự": t.done,
                                   "Quá hạn": t.overdue, "Chưa đến hạn": t.open}
                                  for t in att.plan_by_person_of(snapshot, now, year)])
        by_branch = pd.DataFrame([{"Chi bộ": t.name,
                                   "Địa bàn phức tạp": "Có" if t.complex_area else "",
                                   "Phân công": t.planned, "Đã dự": t.done, "Quá hạn": t.overdue}
                                  for t in att.plan_by_branch_of(snapshot, now, year)])
        left, right = st.columns(2)
        with left:
            st.markdown("**Theo người dự**")
            st.dataframe(by_person, hide_index=True, placeholder="", width="stretch")
            download_table(by_person, f"phan-cong-theo-nguoi-du-{year}", "Tải bảng",
                           key="meetings-plan-person-download")
        with right:
            st.markdown("**Theo chi bộ**")
            st.dataframe(by_branch, hide_index=True, placeholder="", width="stretch")
            download_table(by_branch, f"phan-cong-theo-chi-bo-{year}", "Tải bảng",
                           key="meetings-plan-branch-download")
        with st.expander(f"Tất cả {len(visits)} lượt phân công năm {year}"):
            planned = keep(snapshot, ("meetings-planned", now, year), lambda: pd.DataFrame(
                [{"Người dự": v.attendee, "Chi bộ": v.branch, "Từ ngày": v.start,
                  "Đến ngày": v.end, "Tình trạng": str(v.state), "Ngày dự": v.done_on}
                 for v in visits]))
            st.dataframe(planned, hide_index=True, placeholder="", width="stretch",
                         column_config={k: st.column_config.DateColumn(format="DD/MM/YYYY")
                                        for k in ("Từ ngày", "Đến ngày", "Ngày dự")})
            download_table(planned, f"phan-cong-du-sinh-hoat-{year}", "Tải bảng",
                           key="meetings-plan-download")
            edit_picker("visit_plan", snapshot, [v.record for v in visits], "plan-pick",
                        plan_label, "Chọn lượt phân công để sửa")
    proposal_section(snapshot, register, records, units, now, year)
    st.subheader("Thêm một lượt phân công")
    branches = [str(u["name"]) for u in att.rotation_branches(units, now, now)]
    add_form("visit_plan", snapshot, "plan-add", options={"branch": branches},
             initial={"period_start": att.period_of(AttendeeLevel.CAP_XA, now).start,
                      "period_end": att.period_of(AttendeeLevel.CAP_XA, now).end})


def proposal_section(snapshot: Snapshot, register: list[Record], records: list[Record],
                     units: list[Record], now: date, year: int) -> None:
    """Propose a rotation for the period holding a month, to save in one go."""
    st.subheader("Đề xuất phân công")
    st.caption("Ứng dụng đề xuất chi bộ khu dân cư cho mỗi người chưa được phân công trong kỳ "
               "của mình (tháng, quý hoặc 6 tháng tùy cấp): địa bàn phức tạp trước và nhiều "
               "hơn, mỗi người đến nơi mình ít dự nhất, không phải chi bộ nơi mình sinh hoạt. "
               "Xem lại rồi lưu; sửa từng dòng sau khi lưu nếu cần.")
    months = [date(year, m, 1) for m in range(1, 13)]
    default = months.index(now.replace(day=1)) if now.year == year else 0
    month = st.selectbox("Kỳ chứa tháng", months, index=default, key="plan-propose-month",
                         format_func=att.month_label)
    rows = list(att.proposal_of(snapshot, month))
    if not rows:
        st.info("Mọi người thuộc diện phải dự đã được phân công trong kỳ chứa tháng này, hoặc "
                "chưa có chi bộ nào được đánh dấu “Khu dân cư” ở trang Đơn vị.")
        return
    proposed = pd.DataFrame([{"Người dự": r["attendee"], "Chi bộ": r["branch"],
                              "Từ ngày": r["period_start"], "Đến ngày": r["period_end"]}
                             for r in rows])
    st.dataframe(proposed, hide_index=True, placeholder="", width="stretch",
                 column_config={k: st.column_config.DateColumn(format="DD/MM/YYYY")
                                for k in ("Từ ngày", "Đến ngày")})
    download_table(proposed, f"de-xuat-phan-cong-{month:%Y-%m}", "Tải bảng",
                   key="meetings-proposal-download")
    if st.button(f"Lưu {len(rows)} lượt phân công đề xuất", key="plan-propose-save"):
        with st.spinner("Đang lưu…"):
            result = att.save_plan(get_store(), snapshot, rows, current_actor())
        if not result.ok:
            st.error(literal("Chưa lưu được phân công: " + "; ".join(result.problems)))
            return
        flash(f"Đã lưu {len(result.saved)} lượt phân công dự sinh hoạt "
              f"{att.month_label(month).lower()}.")
        st.rerun()


# --- the page --------------------------------------------------------------------------------

st.title("Dự sinh hoạt chi bộ khu dân cư")
st.caption("Cấp ủy viên dự sinh hoạt với chi bộ khu dân cư; đảng viên công tác tại phường sinh "
           "hoạt Đảng tại chi bộ khu dân cư.")
with st.expander("Quy định (Kế hoạch dự sinh hoạt chi bộ khu dân cư)"):
    st.markdown(rules_caption())
snapshot = get_snapshot()
now = today()
show_flash()
meetings = snapshot["meetings"].active()
units = snapshot["units"].active()
# The tabs' filters and choices keep their values while another tab is open: Streamlit forgets
# the state of a widget it did not draw, unless the state is set again before the widget is.
for kept_key in ("meetings-search", "meetings-f-level", "meetings-f-status", "meetings-f-month",
                 "meetings-period-year", "meetings-period-behind", "meetings-period-month",
                 "meetings-branch-window", "meetings-plan-year"):
    if kept_key in st.session_state:
        st.session_state[kept_key] = st.session_state[kept_key]
# Keyed and tracked so the rerun after a save comes back to the same tab, and so only the open
# tab is drawn: the hidden ones hold a list and pickers of thousands of rows.
log_pane, listing_pane, period_pane, branch_pane, register_pane, plan_pane = st.tabs(
    ["Ghi nhận dự sinh hoạt", "Danh sách", "Theo dõi định kỳ", "Theo chi bộ", "Người phải dự",
     "Phân công"], key="meetings-tab", on_change="rerun")
if log_pane.open:
    with log_pane:
        log_tab(snapshot, now)
if listing_pane.open:
    with listing_pane:
        list_tab(snapshot, meetings, now)
if period_pane.open:
    with period_pane:
        period_tab(snapshot, meetings, units, now)
if branch_pane.open:
    with branch_pane:
        branch_tab(snapshot, meetings, now)
if register_pane.open:
    with register_pane:
        register_tab(snapshot)
if plan_pane.open:
    with plan_pane:
        plan_tab(snapshot, meetings, units, now)
