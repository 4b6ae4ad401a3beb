"""One ward's dashboard as the upper level sees it: read-only, from the roll-up's snapshot.

Every figure is `services.dashboard`'s, computed from the ward's last good snapshot for the
upper level's working year, the same functions the ward's own dashboard draws from.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services import dashboard as board
from services import progress
from services import rollup as ru
from services.app import get_settings
from services.clock import today
from services.coltypes import format_number
from services.show import literal
from services.ui import download_table
from services.upper import upper_path

# Widget keys; tests use them too.
WARD, INDICATOR_YEAR = "rollup-ward-page", "rollup-ward-indicator-year"
TABLE_ROWS, TABLE_HEIGHT = 10, 388

settings = get_settings()
rollup = ru.shared(upper_path(), settings)
upper = rollup.upper
with st.spinner("Đang đọc dữ liệu các xã, phường…"):
    rollup.load()


def _n(value: int) -> str:
    return format_number(value, 0)


def _of(part: int, whole: int) -> str:
    return f"{_n(part)}/{_n(whole)}" if whole else "—"


def table(frame: pd.DataFrame, stem: str, label: str) -> None:
    """Draw a read-only table and offer it as CSV and Excel; say so when it is empty."""
    if frame.empty:
        st.caption("Không có.")
        return
    st.dataframe(frame, hide_index=True, width="stretch", placeholder="",
                 height=TABLE_HEIGHT if len(frame) > TABLE_ROWS else "auto")
    with st.popover("Tải bảng", icon=":material/download:"):
        download_table(frame, f"{ward.name}-{stem}", label, key=f"rollup-ward-{stem}")


names = [w.name for w in upper.wards]
asked = st.query_params.get("xa")
if WARD not in st.session_state and asked in names:
    st.session_state[WARD] = asked
name = st.selectbox("Xã, phường", names, key=WARD,
                    format_func=lambda n: f"{upper.ward(n).level} {n}")
ward = upper.ward(name)
state = rollup.states[name]
st.page_link("pages/rollup.py", label="Về bảng tổng hợp", icon=":material/arrow_back:")
st.title(literal(ward.committee))

status = state.status(rollup.clock(), rollup.ttl)
if state.snapshot is None:
    if status == ru.WardStatus.KHONG_DOC_DUOC:
        st.error(f"Chưa đọc được dữ liệu của {literal(ward.title)}: {literal(state.error)}",
                 icon=":material/cloud_off:")
    else:
        st.info("Đang đọc dữ liệu của xã, phường này; bấm “Cập nhật” sau ít giây.",
                icon=":material/hourglass_top:")
        st.button("Cập nhật", icon=":material/sync:")
    st.stop()

st.caption(f"Khối Dân vận · Năm {rollup.year} · dữ liệu đọc lúc "
           f"{state.snapshot.read_at:%H:%M %d/%m/%Y} · {status} · chỉ xem")
if state.error:
    st.warning(f"Lần đọc gần nhất không thành công, đang hiện dữ liệu đọc lúc "
               f"{state.snapshot.read_at:%H:%M %d/%m/%Y}: {literal(state.error)}",
               icon=":material/cloud_off:")
model = board.dashboard(state.snapshot, rollup.year, today())
if model.excluded:
    st.warning(f"Có {_n(model.excluded)} dòng bị bỏ qua vì có lỗi trong dữ liệu của xã, phường: "
               "các số liệu dưới đây chưa tính những dòng này.", icon=":material/warning:")

f = model.figures
with st.container(horizontal=True, gap="small"):
    st.metric(f"Chỉ tiêu đạt {f.indicator_year}", _of(f.indicators_met, f.indicators_with_data),
              delta=(f"{_n(f.indicators_unknown)} chưa có số liệu" if f.indicators_unknown
                     else None), delta_color="off", delta_arrow="off", border=True,
              help=f.indicator_headline())
    st.metric(f"Mô hình năm {model.year}", _n(f.models_registered), border=True)
    st.metric("Đơn vị chưa đăng ký",
              _of(f.units_not_registered, f.units_must_register) if f.has_campaign else "—",
              border=True)
    st.metric("Mô hình quá hạn", _n(f.overdue_results), border=True)
    st.metric("Chưa dự đủ kỳ", _of(f.attendees_behind, f.attendees), border=True)
    st.metric("Báo cáo trễ/chưa gửi", f"{_n(f.late_reports)} / {_n(f.missing_reports)}",
              border=True)
    st.metric("TDP chưa có danh sách", _of(f.groups_without_list, f.groups), border=True)

st.subheader("Quá hạn / sắp đến hạn", anchor="qua-han")
table(model.due_table, "qua-han-sap-den-han", "Quá hạn / sắp đến hạn")

st.subheader("Chỉ tiêu Kế hoạch 48", anchor="chi-tieu")
years = progress.report_years(state.snapshot, rollup.year)
year = st.selectbox("Năm", years, key=INDICATOR_YEAR,
                    index=years.index(model.indicator_year) if model.indicator_year in years
                    else len(years) - 1)
view = board.indicator_view(state.snapshot, year)
st.caption(f"Năm {year}: {view.headline()}.")
if view.tables:
    judged = pd.concat([frame.assign(Nhóm=group) for group, frame in view.tables],
                       ignore_index=True)
    table(judged[["Nhóm", *progress.PROGRESS_COLUMNS]], f"chi-tieu-{year}", f"Chỉ tiêu năm {year}")

st.subheader("Mô hình “Dân vận khéo”", anchor="mo-hinh")
reg = model.registrations
st.caption(literal(" · ".join(filter(None, ["; ".join(reg.campaigns), reg.deadline]))))
st.markdown(f"**Đơn vị chưa đăng ký ({_n(len(reg.not_registered))})**")
table(reg.not_registered, f"don-vi-chua-dang-ky-{reg.year}", "Đơn vị chưa đăng ký")
st.markdown("**Mô hình quá hạn báo cáo kết quả**")
table(reg.overdue, f"mo-hinh-qua-han-bao-cao-{reg.year}", "Mô hình quá hạn báo cáo")

st.subheader("Dự sinh hoạt chi bộ", anchor="du-sinh-hoat")
a = model.attendance
st.metric("Dự đủ các kỳ (yêu cầu 100% phải tham gia)", a.percent)
table(a.people, f"chua-du-sinh-hoat-du-{a.year}", "Người chưa dự đủ, báo cáo trễ")

st.subheader("Lực lượng nòng cốt", anchor="nong-cot")
r = model.roster
st.caption(f"{_of(r.with_list, r.groups)} tổ dân phố đã có danh sách lực lượng nòng cốt.")
table(r.table, "luc-luong-nong-cot-theo-to-dan-pho", "Số lượng theo tổ dân phố")
