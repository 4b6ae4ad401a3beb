"""Units: chi bộ, tổ dân phố, Mặt trận, đoàn thể, tổ dân vận… that the other sheets refer to."""

from __future__ import annotations

import streamlit as st

from services.text import natural_key
from services.ui import registry

st.title("Đơn vị")
st.caption("Chi bộ, tổ dân phố, Mặt trận, các đoàn thể, tổ dân vận… Các bảng khác chọn đơn vị "
           "từ danh sách này.")
registry(
    "units",
    list_columns=["name", "kind", "must_register", "complex_area", "head", "phone"],
    search_columns=["name", "kind", "head"],
    empty_hint="Chưa có đơn vị nào. Hãy thêm các chi bộ, tổ dân phố và đoàn thể ở thẻ "
               "“Thêm đơn vị”.",
    sort=lambda records: sorted(records, key=lambda r: (str(r["kind"]), natural_key(r["name"]))),
)
