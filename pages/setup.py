"""Admin: prepare the Google spreadsheet so people editing it get guard rails."""

from __future__ import annotations

import streamlit as st

from services.app import current_actor, get_settings, get_store, refresh
from services.auth import PermissionDenied, require_admin
from services.show import literal
from services.store.base import StoreError

st.title("Chuẩn bị bảng tính")
settings = get_settings()
store = get_store()
st.caption(f"Kho dữ liệu: {literal(store.describe())}")

if store.backend != "gsheets":
    st.info(
        "Ứng dụng đang dùng cơ sở dữ liệu nhúng, không cần chuẩn bị bảng tính. Để dùng Google "
        "Sheets, đặt `DANVAN_BACKEND = \"gsheets\"` và `DANVAN_SPREADSHEET` trong "
        "`.streamlit/secrets.toml` (xem README, mục “Google Sheets backend”), rồi mở lại trang "
        "này.",
        icon=":material/info:",
    )
    st.stop()

st.markdown(
    "Việc này tạo các trang tính còn thiếu với dòng tiêu đề, cố định và bảo vệ dòng tiêu đề, "
    "đặt danh sách chọn (lĩnh vực, trạng thái, đơn vị…), định dạng ngày dd/mm/yyyy, ô đánh dấu "
    "Có/Không, và nạp các chỉ tiêu của Kế hoạch 48 nếu trang còn trống. Chạy lại nhiều lần "
    "cũng không sao: **không xóa và không ghi đè dữ liệu nào**."
)
demo = st.checkbox("Nạp thêm dữ liệu mẫu của một phường vào các trang còn trống",
                   help="Chỉ để thử ứng dụng; đừng chọn khi đã có dữ liệu thật.")
if st.button("Chuẩn bị bảng tính", type="primary"):
    try:
        require_admin(current_actor())
        from services.sheet_setup import setup_spreadsheet

        with st.spinner("Đang chuẩn bị bảng tính…"):
            report = setup_spreadsheet(store, demo=demo, year=settings.year)
    except (PermissionDenied, StoreError) as err:
        st.error(literal(err))
    else:
        refresh()
        st.success("Đã chuẩn bị xong bảng tính.", icon=":material/check_circle:")
        # The report names tabs and headers as people typed them in the spreadsheet.
        st.markdown("\n".join(f"- {literal(line)}" for line in report)
                    or "- Không cần thay đổi gì.")
