"""Dashboard: the leaders' home. What is late, what is behind, and where the ward stands.

Read-only and often opened on a phone before a meeting: the first screen holds the key figures
and the few most urgent pieces of work, each with a link to the page where it is done; the
details are in tabs below (the whole due list, Plan 48, the models, the branch meetings, the
core force). Every figure comes from `services.dashboard`, computed once per snapshot; this page
only reads the two choices (year, indicator) and draws.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from services import charts, progress
from services import dashboard as board
from services.app import current_actor, get_settings, get_snapshot, refresh
from services.clock import today
from services.coltypes import format_date_vn, format_number
from services.navigation import SCREENS, screens_for
from services.show import literal
from services.ui import download_table
from services.validation import Snapshot

# Widget keys; tests use them too.
INDICATOR_YEAR = "dashboard-indicator-year"
TREND_INDICATOR = "dashboard-trend-indicator"
# Tables show up to 10 rows (a header and 10 rows of 35 px); longer ones scroll inside
# themselves, so the page stays short on a phone.
TABLE_ROWS, TABLE_HEIGHT = 10, 388
# Lists put what a phone must show first: how urgent and by when; value and status.
DUE_ORDER = ["Tình trạng", "Hạn", "Việc", "Đơn vị/Người", "Loại"]
GROUP = "Nhóm"
URGENT = 3  # urgent items on the first screen; the rest are in the first tab
TABS = ["Việc cần làm", "Chỉ tiêu", "Mô hình", "Sinh hoạt chi bộ", "Nòng cốt"]
TITLES = {s.path: s.title for s in SCREENS}


def _n(value: int) -> str:
    return format_number(value, 0)


def _of(part: int, whole: int) -> str:
    return f"{_n(part)}/{_n(whole)}" if whole else "—"


def _names(names: Sequence[str], noun: str) -> str:
    return literal(board.names_text(names, noun, shown=10))  # a warning box has room for ten


def link(path: str, label: str) -> None:
    """Link to a page, only if the viewer's navigation has it (a page_link elsewhere fails)."""
    if path in OPEN_PAGES:
        st.page_link(path, label=label, icon=":material/arrow_forward:")


def table(frame: pd.DataFrame | Styler,
          order: Sequence[str] | None = None, **config: object) -> None:
    """Draw a read-only table that scrolls once it is long, its columns in `order`."""
    rows = len(frame.data if isinstance(frame, Styler) else frame)
    st.dataframe(frame, hide_index=True, placeholder="", width="stretch",
                 height=TABLE_HEIGHT if rows > TABLE_ROWS else "auto",
                 column_order=order, column_config=config)


def chart(figure: board.AnyChart) -> None:
    """Draw an Altair chart at the container's width, its height as the chart sets it."""
    st.altair_chart(board.fit_width(figure), width="stretch")


def downloads(*tables: tuple[pd.DataFrame, str, str]) -> None:
    """Offer a section's tables (frame, file stem, label) as CSV and Excel behind one button.

    One small "Tải bảng" popover per section keeps a phone screen free of download buttons;
    a table the section does not show (empty, said in a sentence instead) is not offered.
    """
    shown = [t for t in tables if not t[0].empty]
    if not shown:
        return
    with st.popover("Tải bảng", icon=":material/download:"):
        for frame, stem, label in shown:
            download_table(frame, stem, label, key=f"dashboard-{stem}")


# --- the sections ------------------------------------------------------------------------------


def key_figures(model: board.Dashboard) -> None:
    """Draw what is behind as six compact cards, two to a line on a phone (short labels).

    The other figures are in their tabs: the models of the year, the reports late or missing.
    """
    f = model.figures
    overdue = sum(item.overdue for item in model.due)
    # The style sheet makes the cards of this container compact (.st-key-key-figures).
    with st.container(horizontal=True, gap="small", key="key-figures"):
        st.metric("Việc quá hạn", _n(overdue), border=True,
                  help=f"Việc đã qua hạn mà chưa xong; {_n(len(model.due) - overdue)} việc "
                       f"khác đến hạn trong {board.HORIZON_DAYS} ngày tới. Danh sách ở dưới.")
        # Met out of those with data; the ones without data are said apart, never as failures.
        st.metric(f"Chỉ tiêu đạt {f.indicator_year}",
                  _of(f.indicators_met, f.indicators_with_data),
                  delta=(f"{_n(f.indicators_unknown)} chưa có số liệu"
                         if f.indicators_unknown else None),
                  delta_color="off", delta_arrow="off", border=True,
                  help=f"{f.indicator_headline()} (năm gần nhất có số liệu). Chỉ tiêu Kế hoạch "
                       f"48 đạt, vượt hoặc đúng tiến độ trên số chỉ tiêu đã có số liệu năm "
                       f"{f.indicator_year}; {_n(f.indicators_behind)} chưa đạt hoặc chậm tiến "
                       "độ.")
        st.metric("Đơn vị chưa đăng ký",
                  _of(f.units_not_registered, f.units_must_register) if f.has_campaign else "—",
                  border=True,
                  help="Đơn vị phải đăng ký mô hình nhưng chưa có mô hình nào trong năm."
                  if f.has_campaign else f"Chưa có đợt thi đua năm {model.year}.")
        st.metric("Mô hình quá hạn", _n(f.overdue_results), border=True,
                  help="Mô hình chưa báo cáo kết quả dù đã qua hạn báo cáo của đợt.")
        st.metric("Chưa dự đủ kỳ", _of(f.attendees_behind, f.attendees), border=True,
                  help=f"Dự sinh hoạt chi bộ năm {model.year}: số người chưa dự đủ số kỳ yêu "
                       "cầu (trong các kỳ đã kết thúc) trên tổng số người dự.")
        st.metric("TDP chưa có danh sách", _of(f.groups_without_list, f.groups), border=True,
                  help="Tổ dân phố chưa có danh sách lực lượng nòng cốt, trên tổng số tổ.")


def urgent_section(model: board.Dashboard) -> None:
    """Draw the few most urgent pieces of work, overdue first, each linked to its page."""
    st.subheader("Quá hạn / sắp đến hạn", anchor="qua-han")
    if not model.due:
        st.success(f"Không có việc nào quá hạn hoặc đến hạn trong {board.HORIZON_DAYS} ngày "
                   "tới.", icon=":material/check_circle:")
        return
    for number, item in enumerate(model.due[:URGENT]):
        with st.container(border=True, gap=None, key=f"urgent-{number}"):
            # Our own words first (how late, by when, what kind); then the stored text, as typed.
            st.markdown(f"**{item.status}** · hạn {format_date_vn(item.deadline)} · "
                        f"{item.kind}")
            st.markdown(literal(progress.short_text(item.task, 80)))
            if item.who:
                st.caption(literal(progress.short_text(item.who, 50)))
            link(item.page, f"Xử lý ở trang {TITLES[item.page]}")
    overdue = sum(item.overdue for item in model.due)
    rest = len(model.due) - URGENT
    st.caption(f"{_n(len(model.due))} việc: {_n(overdue)} quá hạn, "
               f"{_n(len(model.due) - overdue)} đến hạn trong {board.HORIZON_DAYS} ngày tới."
               + (f" {_n(rest)} việc còn lại ở thẻ “{TABS[0]}” bên dưới." if rest > 0 else ""))


def due_tab(model: board.Dashboard, snapshot: Snapshot) -> None:
    """Draw the whole due list, most urgent first, then tasks and the core force's reports."""
    if model.due:
        st.caption("Việc quá hạn lâu nhất ở trên cùng.")
        table(model.due_table, DUE_ORDER,
              **{"Tình trạng": st.column_config.TextColumn(width=120),
                 "Hạn": st.column_config.TextColumn(width=90),
                 "Việc": st.column_config.TextColumn(width="medium"),
                 "Đơn vị/Người": st.column_config.TextColumn(width="medium")})
    else:
        st.caption(f"Không có việc nào quá hạn hoặc đến hạn trong {board.HORIZON_DAYS} ngày tới.")
    view = board.build_tasks(snapshot, today())
    with st.container(horizontal=True, gap="small"):
        st.metric("Nhiệm vụ quá hạn", _of(view.overdue_tasks, view.tasks), border=True,
                  help="Nhiệm vụ văn bản chỉ đạo, kế hoạch giao chưa hoàn thành mà đã qua hạn "
                       f"hoàn thành, trên tổng số nhiệm vụ; {_n(view.due_soon_tasks)} nhiệm vụ "
                       f"đến hạn trong {board.HORIZON_DAYS} ngày tới.")
        st.metric("Phản ánh chưa xử lý", _of(view.unhandled_reports, view.reports), border=True,
                  help="Phản ánh của lực lượng nòng cốt (tư tưởng, dư luận, điểm nóng, kiến "
                       "nghị) chưa có ngày xử lý xong, trên tổng số phản ánh.")
    link("pages/tasks.py", "Mở trang Nhiệm vụ")
    link("pages/member_reports.py", "Mở trang Phản ánh của nòng cốt")
    downloads((model.due_table[DUE_ORDER], "qua-han-sap-den-han", "Quá hạn / sắp đến hạn"))


def indicator_section(snapshot: Snapshot, model: board.Dashboard, working_year: int) -> None:
    """Draw Plan 48: status counts per group, every indicator's row, one indicator's trend."""
    years = progress.report_years(snapshot, working_year)
    default = years.index(model.indicator_year) if model.indicator_year in years else (
        len(years) - 1)
    year = st.selectbox("Năm", years, index=default, key=INDICATOR_YEAR,
                        help="Mặc định là năm gần nhất đã có số liệu.")
    view = board.indicator_view(snapshot, year)
    if not view.total:
        st.info("Chưa có chỉ tiêu nào trong danh mục Kế hoạch 48.")
        link("pages/indicators.py", "Mở trang Chỉ tiêu Kế hoạch 48")
        return
    if view.has_data:
        st.caption(f"Năm {year}: {view.headline()} ({_n(view.met)} đạt, vượt hoặc đúng tiến độ; "
                   f"{_n(view.behind)} chưa đạt hoặc chậm tiến độ).")
    else:
        st.info(f"Chưa có số liệu chỉ tiêu năm {year}. Nhập ở trang Chỉ tiêu Kế hoạch 48.")
        link("pages/indicators.py", "Nhập số liệu ở trang Chỉ tiêu Kế hoạch 48")
    # Even all grey, the chart shows how many indicators of each group await their figures.
    chart(board.legend_in_columns(charts.status_bars(view.counts)))
    st.caption("“Chậm tiến độ”: chỉ tiêu giảm/tăng mỗi năm chưa theo kịp lộ trình. Mã, đánh giá "
               "và giá trị đứng đầu mỗi bảng; kéo ngang để xem chỉ tiêu và giải thích.")
    for group, frame in view.tables:
        st.markdown(f"**{literal(group)}**")
        # Code, status and value first: on a phone they show without scrolling sideways.
        table(charts.status_table(frame), progress.PROGRESS_ON_SCREEN,
              **{"Mã": st.column_config.TextColumn(width=64),
                 "Đánh giá": st.column_config.TextColumn(width=104),
                 "Giá trị": st.column_config.TextColumn(width=84),
                 "Mục tiêu": st.column_config.TextColumn(width=96),
                 "Chỉ tiêu": st.column_config.TextColumn(width="medium"),
                 "Giải thích": st.column_config.TextColumn(width="large")})
    # The group tables in one file, each row with its group, as the page lists them.
    judged = pd.concat([frame.assign(**{GROUP: group}) for group, frame in view.tables],
                       ignore_index=True)
    downloads((judged[[GROUP, *progress.PROGRESS_COLUMNS]], f"chi-tieu-{year}",
               f"Chỉ tiêu năm {year}"))

    st.markdown("**Diễn biến qua các năm**")
    labels = {e.code: progress.indicator_label({"code": e.code, "text": e.text,
                                                "derived": e.derived}) for e in view.evaluations}
    codes = list(labels)
    first = view.default_trend()
    code = st.selectbox("Chỉ tiêu", codes, key=TREND_INDICATOR, format_func=labels.get,
                        index=codes.index(first) if first in codes else 0)
    trend = board.indicator_trend(snapshot, code, year)
    if trend is None or trend.empty:
        st.info(f"Chỉ tiêu {literal(code)} chưa có số liệu năm nào từ "
                f"{progress.PLAN_FIRST_YEAR} đến {year}.")
        return
    chart(board.trend_chart(trend))
    if trend.path is not None:
        st.caption("Đường xanh dương: giá trị từng năm. Đường nét đứt xanh lục: lộ trình theo "
                   "chỉ tiêu tính từ năm đầu có số liệu.")
    elif trend.target_max is not None:
        st.caption("Đường xanh dương: giá trị từng năm. Dải xanh lục: khoảng chỉ tiêu.")
    elif trend.target is not None:
        st.caption("Đường xanh dương: giá trị từng năm. Đường nét đứt xanh lục: mức chỉ tiêu.")


def registration_section(model: board.Dashboard) -> None:
    """Draw the year's "Dân vận khéo" models and who has not registered or reported."""
    reg = model.registrations
    if not reg.campaigns:
        st.info(f"Chưa có đợt thi đua “Dân vận khéo” năm {reg.year}. Mở đợt ở trang Đợt thi "
                "đua.")
        link("pages/campaigns.py", "Mở trang Đợt thi đua")
    else:
        st.caption(literal(" · ".join(filter(None, ["; ".join(reg.campaigns), reg.deadline]))))
        if not reg.total:
            st.info(f"Chưa có mô hình nào đăng ký năm {reg.year}.")
            link("pages/registrations.py", "Đăng ký ở trang Mô hình “Dân vận khéo”")
    # Drawn even at zero: the four fields and the life cycle are what the year will be read by.
    by_field = charts.bars(reg.by_field, "Lĩnh vực", "Số mô hình", sort_by_count=bool(reg.total))
    by_status = charts.bars(reg.by_status, "Trạng thái", "Số mô hình", sort_by_count=False)
    if not reg.total:
        by_field, by_status = board.empty_scale(by_field), board.empty_scale(by_status)
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{_n(reg.total)} mô hình theo lĩnh vực**")
        chart(by_field)
    with right:
        st.markdown("**Theo trạng thái**")
        chart(by_status)
    if not reg.campaigns:
        return

    st.markdown("**Đăng ký theo đơn vị**")
    if not reg.must_register:
        st.info("Chưa có đơn vị nào được đánh dấu “Phải đăng ký mô hình” ở trang Đơn vị.")
        link("pages/units.py", "Mở trang Đơn vị")
    else:
        st.progress(reg.registered_units / reg.must_register,
                    text=f"{_of(reg.registered_units, reg.must_register)} đơn vị phải đăng ký "
                         "đã đăng ký mô hình")
        chart(board.colored_bars(reg.by_kind, "Loại đơn vị", "Số đơn vị", "Tình trạng",
                                 board.REGISTRATION_COLORS))
        if len(reg.not_registered):
            st.warning(f"{_n(len(reg.not_registered))} đơn vị chưa đăng ký: "
                       + _names(list(reg.not_registered["Đơn vị"]), "đơn vị"))
            table(reg.not_registered)
        else:
            st.success("Tất cả đơn vị phải đăng ký đều đã đăng ký mô hình.")

    st.markdown("**Mô hình quá hạn báo cáo kết quả**")
    if reg.overdue.empty:
        st.success("Không có mô hình nào quá hạn báo cáo kết quả.")
    else:
        table(reg.overdue, **{"Số ngày quá hạn": st.column_config.NumberColumn(
            format="%d ngày")})

    st.markdown("**Đăng ký, báo cáo kết quả muộn**")
    st.caption("Hạn “trước ngày X”: hạn cuối là ngày trước X; từ ngày X trở đi là muộn.")
    if reg.late.empty:
        st.success("Không có mô hình nào đăng ký hoặc báo cáo kết quả muộn.")
    else:
        st.warning(f"{_n(len(reg.late))} lần đăng ký hoặc báo cáo kết quả muộn.")
        table(reg.late, **{"Số ngày muộn": st.column_config.NumberColumn(format="%d ngày")})
    if reg.total:
        st.caption("Mô hình mới, duy trì, nhân rộng: " + "; ".join(
            f"{origin} {_n(count)}" for origin, count in reg.by_origin.itertuples(index=False)))
    downloads(
        (reg.not_registered, f"don-vi-chua-dang-ky-{reg.year}", "Đơn vị chưa đăng ký"),
        (reg.overdue, f"mo-hinh-qua-han-bao-cao-{reg.year}", "Mô hình quá hạn báo cáo"),
        (reg.late, f"dang-ky-bao-cao-muon-{reg.year}", "Đăng ký, báo cáo muộn"))


def attendance_section(model: board.Dashboard) -> None:
    """Draw who is behind on visits and reports this year, and the least visited branches."""
    a = model.attendance
    if not a.attendees:
        st.info(f"Năm {a.year} chưa có ai dự sinh hoạt chi bộ. Ghi nhận ở trang Dự sinh hoạt "
                "chi bộ.")
        link("pages/meetings.py", "Mở trang Dự sinh hoạt chi bộ")
    else:
        st.caption(f"Năm {a.year}: {_n(a.attendees)} người phải dự; tính các kỳ đã kết thúc "
                   "(tháng, quý, 6 tháng tùy cấp) trong thời gian thuộc diện.")
        st.metric("Dự đủ các kỳ (yêu cầu 100% phải tham gia)", a.percent,
                  help="Số người đã dự sinh hoạt chi bộ khu dân cư đủ mọi kỳ đã kết thúc, trên "
                       "số người phải dự.")
        for note in a.notes:
            st.info(note)
        left, right = st.columns(2)
        with left:
            st.markdown("**Dự đủ số kỳ yêu cầu, theo cấp**")
            chart(charts.bars(a.by_level, "Cấp", "Số người", color="Đánh giá",
                              sort_by_count=False))
        with right:
            st.markdown("**Báo cáo sau khi dự**")
            chart(board.colored_bars(a.reports, "Tình trạng báo cáo", "Số lượt",
                                     "Tình trạng báo cáo", board.REPORT_COLORS, legend=False))
        if a.people.empty:
            st.success("Mọi người đều đã dự đủ số kỳ và gửi báo cáo đúng hạn.")
        else:
            st.warning(f"{_n(a.behind)} người chưa dự đủ số kỳ; {_n(a.late_reports)} báo cáo "
                       f"trễ hạn, {_n(a.missing_reports)} báo cáo chưa gửi.")
            table(a.people)
        if a.unregistered:
            st.caption(f"{_n(len(a.unregistered))} người có lượt dự nhưng chưa có trong danh sách "
                       "phải dự: " + _names(list(a.unregistered), "người"))

    first, last = a.window
    st.markdown(f"**Chi bộ ít được dự nhất** ({format_date_vn(first)} – {format_date_vn(last)})")
    if a.branches.empty:
        st.info("Chưa có chi bộ nào trong danh mục. Thêm ở trang Đơn vị (loại đơn vị “Chi bộ”).")
        link("pages/units.py", "Mở trang Đơn vị")
    else:
        if a.unvisited:
            st.warning(f"{_n(len(a.unvisited))} chi bộ chưa có ai dự sinh hoạt: "
                       + _names(list(a.unvisited), "chi bộ"))
        if len(a.neglected) and a.neglected["Số lượt dự"].sum():
            chart(charts.bars(a.neglected, "Chi bộ", "Số lượt dự", sort_by_count=False))
        with st.expander(f"Tất cả {_n(len(a.branches))} chi bộ"):
            table(a.branches)
    downloads((a.people, f"chua-du-sinh-hoat-du-{a.year}", "Người chưa dự đủ, báo cáo trễ"),
              (a.branches, f"du-sinh-hoat-theo-chi-bo-den-{last:%m-%Y}",
               "Lượt dự theo chi bộ"))


def roster_section(model: board.Dashboard) -> None:
    """Draw the core force's coverage per residential group."""
    r = model.roster
    if not r.groups:
        st.info("Chưa có tổ dân phố nào trong danh mục. Thêm ở trang Đơn vị (loại “Tổ dân "
                "phố” hoặc “Thôn, xóm”).")
        link("pages/units.py", "Mở trang Đơn vị")
        return
    st.progress(r.with_list / r.groups, text=f"{_of(r.with_list, r.groups)} tổ dân phố đã có "
                                             "danh sách lực lượng nòng cốt")
    if r.without_list:
        st.warning(f"{_n(len(r.without_list))} tổ dân phố chưa có danh sách: "
                   + _names(list(r.without_list), "tổ dân phố"))
    if r.with_list:
        if not r.charted_all:
            st.caption(f"{_n(len(r.chart) // 2)} tổ dân phố đã có danh sách nhưng ít thành viên "
                       "được phê duyệt nhất.")
        chart(board.colored_bars(r.chart, "Tổ dân phố", "Số người", "Trạng thái",
                                 board.ROSTER_COLORS))
    else:
        st.info("Chưa có thành viên nào trong danh sách lực lượng nòng cốt.")
        link("pages/members.py", "Mở trang Lực lượng nòng cốt")
    with st.expander(f"Số lượng theo từng tổ dân phố ({_n(r.groups)})"):
        table(r.table)
    downloads((r.table, "luc-luong-nong-cot-theo-to-dan-pho", "Số lượng theo tổ dân phố"))


# --- the page --------------------------------------------------------------------------------

settings = get_settings()
OPEN_PAGES = {s.path for screens in screens_for(current_actor().role).values() for s in screens}
snapshot = get_snapshot()
model = board.dashboard(snapshot, settings.year, today())

st.title(literal(settings.committee))
# One line on a phone: the year, when the data was read, and a button to read it again.
with st.container(horizontal=True, vertical_alignment="center", gap="small"):
    st.caption(f"Năm {settings.year} · đọc lúc {snapshot.read_at:%H:%M %d/%m/%Y}",
               width="content", help="Khối Dân vận: dữ liệu dùng chung cho mọi người xem, đọc "
                                     "lại sau mỗi lần lưu và định kỳ.")
    if st.button("Làm mới", icon=":material/refresh:", type="tertiary",
                 help="Đọc lại dữ liệu mới nhất, ví dụ sau khi có người sửa thẳng trên bảng "
                      "tính."):
        refresh()
        st.rerun()
if model.excluded:
    st.warning(f"Có {_n(model.excluded)} dòng bị bỏ qua vì có lỗi: các số liệu dưới đây chưa "
               "tính những dòng này.", icon=":material/warning:")
    if "pages/quality.py" in OPEN_PAGES:
        link("pages/quality.py", "Xem và sửa ở trang Chất lượng dữ liệu")
    else:
        st.caption("Văn phòng Đảng ủy xem và sửa ở trang Chất lượng dữ liệu.")

# The first screen: what is behind (the figures) and what is late (the most urgent work).
key_figures(model)
urgent_section(model)

# The details, one tab each: only the open one takes room on the page.
due, indicators, models, meetings, core = st.tabs(TABS)
with due:
    due_tab(model, snapshot)
with indicators:
    indicator_section(snapshot, model, settings.year)
with models:
    registration_section(model)
with meetings:
    attendance_section(model)
with core:
    roster_section(model)
