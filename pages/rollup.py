"""Roll-up: every ward of the upper level side by side, the wards most behind first.

Read-only. Every figure comes from `services.rollup` (each ward's own dashboard figures, read
within the quota); this page reads the year, draws the tables, and offers their downloads and
the roll-up report.
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from services import report as rp
from services import rollup as ru
from services.app import get_settings
from services.clock import today
from services.coltypes import format_number
from services.docx_report import DOCX_MIME, render
from services.export import dated_filename
from services.show import literal
from services.ui import download_table
from services.upper import upper_path

# Widget keys; tests use them too.
PLAN_YEAR, WARD = "rollup-plan-year", "rollup-ward"
DOCX_LABEL = "Tải báo cáo tổng hợp (DOCX)"
TABLE_ROWS, TABLE_HEIGHT = 10, 388

settings = get_settings()
rollup = ru.shared(upper_path(), settings)
upper = rollup.upper
with st.spinner("Đang đọc dữ liệu các xã, phường…"):
    rollup.load()


def _n(value: int) -> str:
    return format_number(value, 0)


PERCENT = st.column_config.NumberColumn(format="%.1f%%")
READ_AT = st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm")


def table(frame: pd.DataFrame, stem: str, label: str, **config: object) -> None:
    """Draw a read-only, sortable table (click a header) and offer it as CSV and Excel."""
    height = TABLE_HEIGHT if len(frame) > TABLE_ROWS else "auto"
    st.dataframe(frame, hide_index=True, width="stretch", height=height, placeholder="—",
                 column_config={ru.WARD: st.column_config.TextColumn(pinned=True), **config})
    with st.popover("Tải bảng", icon=":material/download:"):
        download_table(frame, stem, label, key=f"rollup-{stem}")


# --- the page ------------------------------------------------------------------------------

st.title(literal(upper.name))
st.caption(f"Tổng hợp {_n(len(upper.wards))} xã, phường · Năm {rollup.year} · chỉ xem, không "
           "sửa dữ liệu của xã, phường · mỗi xã, phường đọc lại sau "
           f"{_n(round(rollup.ttl / 60))} phút")
if st.button("Làm mới dữ liệu", icon=":material/refresh:",
             help="Đọc lại các xã, phường đã đọc quá 1 phút (trong hạn mức đọc của Google)."):
    rollup.refresh()
    st.rerun()

years = ru.plan_years(rollup)
default = ru.default_plan_year(rollup)
plan_year = st.selectbox("Năm chỉ tiêu Kế hoạch 48", years,
                         index=years.index(default) if default in years else len(years) - 1,
                         key=PLAN_YEAR, help="Mặc định là năm gần nhất đã có số liệu.")
view = rollup.view(plan_year, today())

if pending := rollup.pending():
    st.info(f"Đang đọc {_n(pending)} xã, phường (hạn mức đọc của Google: "
            f"{_n(upper.reads_per_minute)} lần/phút). Bấm “Cập nhật” để xem thêm.",
            icon=":material/hourglass_top:")
    st.button("Cập nhật", icon=":material/sync:")
if len(view.unavailable):
    st.warning(f"{_n(len(view.unavailable))} xã, phường chưa có số liệu mới: số liệu cũ (nếu có) "
               "vẫn được tính và ghi rõ giờ đọc.", icon=":material/cloud_off:")
    table(view.unavailable, "tong-hop-chua-doc-duoc", "Xã, phường chưa đọc được",
          **{"Lý do": st.column_config.TextColumn(width="large"), "Đọc được lần cuối": READ_AT})

st.subheader("Số liệu chính", anchor="so-lieu-chinh")
st.caption(f"{_n(view.shown)}/{_n(len(view.rows))} xã, phường có số liệu, như bảng điều khiển "
           "của từng xã, phường. “Mức chưa đạt”: trung bình tỷ lệ chỉ tiêu chưa đạt, đơn vị "
           "chưa đăng ký mô hình, người chưa dự đủ kỳ và tổ dân phố chưa có danh sách nòng cốt; "
           "xã, phường chậm nhất ở trên cùng. Bấm tiêu đề cột để sắp xếp lại.")
table(view.figures, f"tong-hop-so-lieu-chinh-{rollup.year}", "Số liệu chính",
      **{ru.BEHIND: PERCENT, ru.READ_AT: READ_AT,
         "Năm chỉ tiêu": st.column_config.NumberColumn(format="%d")})

st.subheader(f"Chỉ tiêu Kế hoạch 48 năm {plan_year}", anchor="chi-tieu")
st.caption("✅ Đạt, vượt chỉ tiêu hoặc đúng tiến độ · ❌ Chưa đạt · ⚠️ Chậm tiến độ · ❔ Chưa có "
           "số liệu. Xã, phường nhiều chỉ tiêu chưa đạt nhất ở trên cùng.")
table(view.plan48, f"tong-hop-chi-tieu-{plan_year}", f"Chỉ tiêu năm {plan_year}")

st.subheader("Mô hình “Dân vận khéo”", anchor="mo-hinh")
table(view.registrations, f"tong-hop-dang-ky-mo-hinh-{rollup.year}", "Đăng ký mô hình",
      **{"Tỷ lệ đã đăng ký (%)": PERCENT})
st.markdown(f"**Đơn vị chưa đăng ký mô hình ({_n(len(view.not_registered))})**")
if view.not_registered.empty:
    st.success("Mọi đơn vị phải đăng ký ở các xã, phường đã đọc đều đã đăng ký mô hình.")
else:
    table(view.not_registered, f"tong-hop-don-vi-chua-dang-ky-{rollup.year}",
          "Đơn vị chưa đăng ký")

st.subheader("Dự sinh hoạt chi bộ", anchor="du-sinh-hoat")
st.caption("Tỷ lệ “100% phải tham gia”: số người trong danh sách phải dự đã dự đủ các kỳ đã kết "
           "thúc, trên số người phải dự (như bảng điều khiển của xã, phường).")
table(view.attendance, f"tong-hop-du-sinh-hoat-{rollup.year}", "Dự sinh hoạt chi bộ",
      **{"Tỷ lệ dự đủ (%)": PERCENT})

st.subheader("Lực lượng nòng cốt", anchor="nong-cot")
table(view.roster, "tong-hop-luc-luong-nong-cot", "Lực lượng nòng cốt",
      **{"Tỷ lệ có danh sách (%)": PERCENT})

st.subheader("Xem một xã, phường", anchor="xem-xa-phuong")
names = [w.name for w in upper.wards]
chosen = st.selectbox("Xã, phường", names, key=WARD,
                      format_func=lambda n: f"{upper.ward(n).level} {n}")
if st.button("Mở bảng điều khiển của xã, phường này", icon=":material/arrow_forward:"):
    st.session_state["rollup-ward-page"] = chosen
    st.switch_page("pages/rollup_ward.py")

st.subheader("Báo cáo tổng hợp", anchor="bao-cao")
st.caption("Báo cáo theo thể thức văn bản của Đảng với các bảng trên; phần đánh giá, hạn chế và "
           "phương hướng để trống “[…]” để viết trong Word.")
report = rp.build_tong_hop(view, upper, today())
st.download_button(DOCX_LABEL, data=partial(render, report),
                   file_name=dated_filename(report.file_stem, "docx"), mime=DOCX_MIME,
                   on_click="ignore", icon=":material/description:", type="primary")
