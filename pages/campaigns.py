"""Campaigns: each year's (and phase's) "Dân vận khéo" deadlines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from services import campaign as rules
from services.coltypes import format_date_vn
from services.schema import Record
from services.ui import registry

# The milestones the plan words as "trước ngày X", each shown with the last day it allows.
LAST_DAYS = (("register_by", "Hạn cuối đăng ký"), ("report_by", "Hạn cuối báo cáo kết quả"))


def last_days(records: list[Record]) -> dict[str, Sequence[Any]]:
    """Return the last allowed day (the day before "trước ngày X") of each deadline, as text."""
    return {label: [format_date_vn(rules.last_day(r[key])) if r.get(key) else ""
                    for r in records] for key, label in LAST_DAYS}


st.title("Đợt thi đua “Dân vận khéo”")
st.caption("Mỗi năm, mỗi đợt có hạn đăng ký mô hình và hạn báo cáo kết quả riêng. Kế hoạch ghi "
           "hạn “trước ngày X” (ví dụ đăng ký trước ngày 07/4/2024): nhập ngày X; hạn cuối là "
           "ngày trước đó (06/04/2024), đăng ký hay báo cáo từ ngày X là muộn.")
registry(
    "campaigns",
    list_columns=["name", "year", "phase", "register_by", "report_by", "end_date"],
    search_columns=["name", "phase", "note"],
    empty_hint="Chưa có đợt thi đua nào. Hãy mở đợt của năm nay ở thẻ “Thêm đợt thi đua”: "
               "nhập hạn đăng ký và hạn báo cáo kết quả.",
    sort=lambda records: sorted(records, key=lambda r: (-r["year"], r["name"])),
    extra=last_days,
)
