"""Attendance at residential branch meetings: log it, follow reports, periods and branches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import streamlit as st

from services import attendance as att
from services.app import get_snapshot
from services.choices import AttendeeLevel
from services.clock import today
from services.coltypes import format_date_vn
from services.forms import PLACEHOLDER
from services.listing import MAX_QUERY_LENGTH, column_config, display_frame, find, search
from services.reference import ATTENDANCE_RULES
from services.schema import ID, SHEETS, Record
from services.show import literal
from services.text import name_sort_key
from services.ui import add_form, archive_button, edit_form, show_flash
from services.validation import Snapshot

SHEET = SHEETS["meetings"]
LIST_COLUMNS = ["attendee", "branch", "meeting_date", "report_date", "level"]
SEARCH_COLUMNS = ["attendee", "branch", "home_branch"]
PICK_KEY = "meetings-pick"
TABLE_KEY = "meetings-table"
DUE, STATUS = "Hạn báo cáo", "Tình trạng báo cáo"
ALL = "Tất cả"
LAST_12 = "12 tháng gần nhất"


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
    month = right.selectbox("Tháng dự", [None, *months_of(records)], key="meetings-f-month",
                            format_func=lambda m: ALL if m is None else att.month_label(m))
    shown = [
        r for r in search(records, query, SEARCH_COLUMNS)
        if (not levels or r["level"] in levels)
        and (not statuses or att.report_status(r, now) in statuses)
        and (month is None or r["meeting_date"].replace(day=1) == month)
    ]
    shown.sort(key=lambda r: name_sort_key(r["attendee"]))
    shown.sort(key=lambda r: r["meeting_date"], reverse=True)
    if not shown:
        st.info("Không có kết quả phù hợp. Hãy bớt từ khóa hoặc bỏ bộ lọc.")
        return
    st.caption(f"{len(shown)} / {len(records)} {SHEET.noun}. Chọn một dòng, hoặc chọn ở ô "
               "“Chọn lượt dự để sửa”, để sửa (ví dụ nhập ngày gửi báo cáo).")
    extra = {DUE: [att.report_due(r["level"], r["meeting_date"]) for r in shown],
             STATUS: [att.status_text(r, now) for r in shown]}
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
    by_id = {r[ID]: r for r in shown}
    if st.session_state.get(PICK_KEY) not in by_id:
        st.session_state[PICK_KEY] = None  # the picked record is filtered out or gone
    picked = st.selectbox("Chọn lượt dự để sửa", ids, index=None, key=PICK_KEY,
                          format_func=lambda i: pick_label(by_id[i]), placeholder=PLACEHOLDER)
    if picked is None:
        return
    current = find(snapshot["meetings"].records, picked) or by_id[picked]
    st.subheader("Sửa lượt dự sinh hoạt")
    due = att.report_due(current["level"], current["meeting_date"])
    st.caption(f"Hạn báo cáo: {format_date_vn(due) or 'không quy định'} · Tình trạng báo cáo: "
               f"{att.status_text(current, now)}")
    edit_form("meetings", snapshot, current, "meetings-edit")
    archive_button("meetings", current, f"meetings-{current[ID]}")


def period_tab(records: list[Record], units: list[Record], now: date) -> None:
    """Draw each attendee's visits per period of a year, who is behind, and a month's summary."""
    st.caption(f"{rules_line()}. Kỳ đang diễn ra chưa tính là thiếu.")
    years = year_options(records, now)
    year = st.selectbox("Năm", years, key="meetings-period-year")
    rows = att.compliance(records, now, year)
    if not rows:
        st.info(f"Năm {year} chưa có ai dự sinh hoạt chi bộ. Hãy ghi nhận ở thẻ “Ghi nhận dự "
                "sinh hoạt”.")
        return
    behind = [r for r in rows if r.overall == att.Attainment.CHUA_DAT]
    a, b, c = st.columns(3)
    a.metric("Người dự", len(rows))
    b.metric("Đạt", len(rows) - len(behind))
    c.metric("Chưa đạt", len(behind))
    if behind:
        named = [f"{r.name} (thiếu {', '.join(p.label for p in r.missing_periods)})"
                 for r in behind[:10]]
        more = f"; và {len(behind) - 10} người khác" if len(behind) > 10 else ""
        st.warning(f"{len(behind)} người chưa dự đủ số kỳ yêu cầu: "
                   + literal("; ".join(named) + more))
    only_behind = st.checkbox("Chỉ hiện người chưa đạt", key="meetings-period-behind")
    st.dataframe(
        [{
            "Người dự": r.name,
            "Cấp": str(r.level),
            "Số kỳ đã qua": len(r.ended),
            "Số kỳ đạt": sum(1 for p in r.ended if p.met),
            "Kỳ chưa dự": ", ".join(p.label for p in r.missing_periods),
            "Kỳ hiện tại": (f"{r.current.period.label}: {r.current.state}" if r.current else ""),
            "Số lượt dự": r.visits,
            "Báo cáo trễ": r.late_reports,
            "Chưa báo cáo": r.missing_reports,
            "Đánh giá": str(r.overall),
        } for r in (behind if only_behind else rows)],
        hide_index=True, placeholder="", width="stretch")
    st.subheader("Theo kỳ")
    months = [date(year, m, 1) for m in range(1, 13) if date(year, m, 1) <= now]
    if not months:
        return
    month = st.selectbox("Kỳ chứa tháng", list(reversed(months)), key="meetings-period-month",
                         format_func=att.month_label,
                         help="Với cấp huyện là quý, cấp tỉnh là 6 tháng chứa tháng này.")
    per_period = [(r, r.result_at(month)) for r in rows]
    st.dataframe(
        [{"Người dự": r.name, "Cấp": str(r.level), "Kỳ": p.period.label,
          "Số lượt dự": p.visits, "Kết quả": str(p.state)} for r, p in per_period if p],
        hide_index=True, placeholder="", width="stretch")
    summary = att.monthly_summary(records, month, now, units)
    st.subheader(f"Tổng hợp kết quả {summary.label.lower()} báo cáo Ban Chấp hành Đảng bộ")
    a, b, c, d = st.columns(4)
    a.metric("Lượt dự", summary.visits)
    b.metric("Người dự", summary.attendees)
    c.metric("Chi bộ được dự", summary.branches)
    d.metric("Lượt dự ở địa bàn phức tạp", summary.complex_area_visits)
    left, right = st.columns(2)
    left.dataframe([{"Cấp": str(k), "Lượt dự": v} for k, v in summary.by_level.items()],
                   hide_index=True, placeholder="", width="stretch")
    right.dataframe([{STATUS: str(k), "Số lượt": v} for k, v in summary.reports.items()],
                    hide_index=True, placeholder="", width="stretch")
    if summary.unvisited_branches:
        st.caption("Chi bộ chưa có ai dự trong tháng: "
                   + literal(", ".join(summary.unvisited_branches)))


def branch_tab(records: list[Record], units: list[Record], now: date) -> None:
    """Draw visits per branch, zero-visit branches included, complex areas first."""
    st.caption("Luân phiên địa bàn, ưu tiên địa bàn đặc thù, phức tạp trước và nhiều hơn.")
    choice = st.selectbox("Khoảng thời gian", [LAST_12, *year_options(records, now)],
                          key="meetings-branch-window")
    window = choice if isinstance(choice, int) else att.recent_window(now)
    rows = att.visits_per_branch(records, units, window)
    if not rows:
        st.info("Chưa có chi bộ nào trong danh mục. Hãy thêm các chi bộ ở trang “Đơn vị” "
                "(loại đơn vị “Chi bộ”).")
        return
    never = [r.branch for r in rows if not r.visits]
    if never:
        st.warning(f"{len(never)} chi bộ chưa có ai dự sinh hoạt trong khoảng thời gian này: "
                   + literal(", ".join(never)))
    st.dataframe(
        [{"Chi bộ": r.branch, "Địa bàn phức tạp": "Có" if r.complex_area else "",
          "Số lượt dự": r.visits, "Lần dự gần nhất": r.last_visit,
          "Số người dự": r.attendees} for r in rows],
        hide_index=True, placeholder="", width="stretch",
        column_config={"Lần dự gần nhất": st.column_config.DateColumn(format="DD/MM/YYYY")})


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
# Keyed and tracked so the rerun after a save comes back to the same tab.
tabs = st.tabs(["Ghi nhận dự sinh hoạt", "Danh sách", "Theo dõi định kỳ", "Theo chi bộ"],
               key="meetings-tab", on_change="rerun")
with tabs[0]:
    log_tab(snapshot, now)
with tabs[1]:
    list_tab(snapshot, meetings, now)
with tabs[2]:
    period_tab(meetings, units, now)
with tabs[3]:
    branch_tab(meetings, units, now)
