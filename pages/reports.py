"""Reports: pick a kind and period, read the preview, write the narrative, download the DOCX.

Every figure comes from `services.report` (which reads the dashboard's functions); this page only
reads the choices and the narrative and draws. Editors write the narrative; everyone may read
the figures and download the document and each table (CSV, Excel).
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from services import campaign as cp
from services import progress
from services import report as rp
from services.app import current_actor, get_settings, get_snapshot
from services.auth import allows, may_write
from services.choices import ReportKind, Role
from services.clock import today
from services.docx_report import DOCX_MIME, render
from services.export import dated_filename
from services.schema import REPORT_SETTINGS
from services.show import literal
from services.ui import add_form, download_table, edit_form, show_flash

# Widget keys; tests use them too.
KIND, YEAR, MONTH, CAMPAIGN = "report-kind", "report-year", "report-month", "report-campaign"
WHOLE_YEAR = "Cả năm"
DOCX_LABEL = "Tải báo cáo (DOCX)"

config = get_settings()
snapshot = get_snapshot()
role = current_actor().role
day = today()
editor = allows(role, Role.EDITOR)

st.title("Báo cáo")
st.caption("Báo cáo gửi cấp trên theo thể thức văn bản của Đảng: số liệu lấy từ dữ liệu hiện có "
           "(như Bảng điều khiển), phần nhận định do Văn phòng Đảng ủy viết. Tải về dạng Word "
           "(DOCX) để chỉnh sửa, trình ký; từng bảng tải được dạng CSV và Excel.")
show_flash()

kind = st.selectbox("Loại báo cáo", list(ReportKind), key=KIND)
years = list(range(progress.PLAN_FIRST_YEAR, max(config.year, progress.PLAN_FIRST_YEAR) + 1))
default_year = (progress.last_completed_year(config.year) if kind == ReportKind.CHI_TIEU
                else config.year)
columns = st.columns(2)
with columns[0]:
    year = st.selectbox("Năm", years, index=years.index(default_year) if default_year in years
                        else len(years) - 1, key=f"{YEAR}-{rp.SLUG_OF[kind]}")
month: int | None = None
campaign: str | None = None
with columns[1]:
    if kind == ReportKind.SINH_HOAT:
        month = st.selectbox("Tháng", list(range(1, 13)),
                             index=rp.default_month(year, day) - 1,
                             format_func=lambda m: f"Tháng {m}", key=MONTH)
    elif kind == ReportKind.DAN_VAN_KHEO:
        names = cp.campaign_names(snapshot, year)
        picked = st.selectbox("Đợt thi đua", [WHOLE_YEAR, *names], key=CAMPAIGN)
        campaign = None if picked == WHOLE_YEAR else picked

period_key = f"{rp.SLUG_OF[kind]}-{year}-{month or ''}-{campaign or ''}"
narrative: dict[str, str] = {}
if editor:
    with st.expander("Phần nhận định (đánh giá chung, hạn chế, phương hướng)", expanded=False,
                     icon=":material/edit_note:"):
        st.caption("Mỗi dòng là một đoạn văn. Phần để trống được ghi “[…]” trong báo cáo để "
                   "bổ sung khi chỉnh sửa trong Word.")
        for part, label in rp.NARRATIVE_LABELS.items():
            narrative[part] = st.text_area(label, key=f"report-{part}-{period_key}",
                                           max_chars=20_000, height=120)
else:
    st.info("Tài khoản chỉ xem: phần nhận định để trống “[…]”; số liệu và các bảng vẫn tải "
            "được.", icon=":material/visibility:")

try:
    report = rp.build(kind, snapshot, config, year=year, day=day, month=month,
                      campaign=campaign, narrative=narrative)
except rp.UnknownCampaign as err:
    st.error(literal(err))
    st.stop()

st.download_button(DOCX_LABEL, data=partial(render, report),
                   file_name=dated_filename(report.file_stem, "docx"), mime=DOCX_MIME,
                   key="report-docx", type="primary", on_click="ignore",
                   icon=":material/description:")

# --- the preview ---------------------------------------------------------------------------

head = report.letterhead
with st.container(border=True):
    left, right = st.columns(2)
    with left:
        st.text("\n".join((head.superior, head.issuer, "*", head.number)))
    with right:
        st.text("ĐẢNG CỘNG SẢN VIỆT NAM\n\n" + head.place_date)
    st.markdown(f"**{literal(report.doc_type)}**")
    st.markdown(f"**{literal(report.subject)}**")
    st.markdown(literal(report.intro))
    for section in report.sections:
        st.markdown(f"**{literal(section.heading)}**")
        for number, block in enumerate(section.blocks):
            if isinstance(block, rp.Table):
                st.markdown(f"*{literal(block.title)}*")
                if not block.rows:
                    st.caption(literal(block.empty))
                    continue
                shown = pd.DataFrame([[rp.cell_text(v) for v in row] for row in block.rows],
                                     columns=list(block.header))
                st.dataframe(shown, hide_index=True, width="stretch")
                download_table((block.header, block.rows), block.stem or report.file_stem,
                               "Tải bảng", key=f"report-table-{section.number}-{number}")
            elif block.heading:
                st.markdown(f"**{literal(block.text)}**")
            else:
                st.markdown(literal(block.text))
    bottom_left, bottom_right = st.columns(2)
    with bottom_left:
        st.text("Nơi nhận:\n" + "\n".join(f"- {r}" for r in report.recipients))
    with bottom_right:
        sign = report.signature
        st.text(f"{sign.for_body}\n{sign.title}\n\n\n{sign.name}")

# --- the settings of this kind -------------------------------------------------------------

if may_write(role, REPORT_SETTINGS.key) and REPORT_SETTINGS.key in snapshot.tables:
    with st.expander("Thiết lập báo cáo: cơ quan, số ký hiệu, người ký, nơi nhận",
                     icon=":material/settings:"):
        stored = rp.settings_record(snapshot, kind)
        if stored is not None:
            edit_form(REPORT_SETTINGS.key, snapshot, stored, "report-settings")
        else:
            defaults = rp.default_settings(kind, config)
            st.caption("Loại báo cáo này đang dùng thiết lập mặc định; lưu để sửa.")
            add_form(REPORT_SETTINGS.key, snapshot, f"report-settings-{rp.SLUG_OF[kind]}",
                     initial={"kind": kind, "superior": defaults.superior,
                              "issuer": defaults.issuer, "number": defaults.number.strip(),
                              "place": defaults.place, "signer_for": defaults.signer_for,
                              "signer_title": defaults.signer_title,
                              "recipients": "\n".join(defaults.recipients)},
                     submit_label="Lưu thiết lập")
