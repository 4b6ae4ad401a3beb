"""The indicators of Plan 48 (Kế hoạch số 48-KH/ĐU implementing Đề án số 13-ĐA/TU), 2022 - 2026.

This is the product's own copy of the plan, used to fill the "Chỉ tiêu" sheet on first run and to
restore it; it is never read from the seed at runtime. Each record is keyed by the column keys of
`services.schema.INDICATORS` (without "id" and "archived") and holds canonical values: StrEnum
members for choices, floats for numbers, `datetime.date` for dates, None when not applicable.

Wording is the plan's own, typos included ("Phân đấu", "Phần đầu"), because the office reports
against the signed document; only the seed's italic markers and page-break line breaks are dropped.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.choices import Comparison, DerivedRule, TargetKind, UnitKind

ONGOING = "Thường xuyên"

GROUP_1 = "1. Xây dựng kế hoạch, quán triệt, triển khai"
GROUP_2_1 = "2.1. Chỉ tiêu chung"
GROUP_2_2_1 = "2.2.1. Công tác dân vận góp phần phát triển kinh tế"
GROUP_2_2_2 = "2.2.2. Công tác dân vận góp phần xây dựng đô thị văn minh"

# Names of bodies exactly as the plan spells them; repeated often enough to name once.
_DANG_UY = "Đảng ủy"
_KHOI = "Khối Dân vận Đảng ủy"
_UBND = "Ủy ban nhân dân phường"
_MAT_TRAN = "Mặt trận phường"
_MT_DOAN_THE = "Mặt trận và các tổ chức chính trị - xã hội phường"


@dataclass(frozen=True)
class _Agencies:
    """The "Cơ quan lãnh đạo / tham mưu / thực hiện" lines that follow an item or a group."""

    lead: str
    advisory: str
    implementing: str


# In 2.2.1 and 2.2.2 the plan writes one block of agency lines after a group of items; the block
# applies to each item of the group, so the items share one value here.
_AGENCIES_2_2_1_1_2 = _Agencies(_DANG_UY, f"{_KHOI}, {_MAT_TRAN}", f"{_UBND}, {_MAT_TRAN}")
# 2.2.1 (3) says "Cơ quan tham mưu, thực hiện": one body both advises and implements.
_AGENCIES_2_2_1_3 = _Agencies(_DANG_UY, _UBND, _UBND)
_AGENCIES_2_2_2 = _Agencies(_DANG_UY, _UBND, f"{_UBND}, {_MAT_TRAN}")


def _indicator(
    code: str,
    group: str,
    text: str,
    target_text: str,
    target_kind: TargetKind,
    comparison: Comparison | None,
    target_value: float | None,
    unit: str,
    agencies: _Agencies,
    *,
    target_max: float | None = None,
    per_unit_kind: UnitKind | None = None,
    derived: DerivedRule | None = None,
    timing: str = ONGOING,
    due_date: date | None = None,
) -> dict[str, Any]:
    """Build one record with every column key, so no caller can forget one."""
    return {
        "code": code,
        "group": group,
        "text": text,
        "target_text": target_text,
        "target_kind": target_kind,
        "comparison": comparison,
        "target_value": target_value,
        "target_max": target_max,
        "unit": unit,
        "per_unit_kind": per_unit_kind,
        "derived": derived,
        "lead": agencies.lead,
        "advisory": agencies.advisory,
        "implementing": agencies.implementing,
        "timing": timing,
        "due_date": due_date,
    }


INDICATORS: tuple[dict[str, Any], ...] = (
    # II.1: a one-off task with a deadline, tracked as done / not done.
    _indicator(
        "1", GROUP_1,
        "Xây dựng Kế hoạch và tổ chức quán triệt, triển khai thực hiện Đề án 13 và Kế hoạch của "
        "Đảng ủy thực hiện Đề án 13",
        "Hoàn thành", TargetKind.CO_KHONG, None, None, "",
        _Agencies(_DANG_UY, _KHOI, f"Hội đồng nhân dân, {_UBND}; {_MT_DOAN_THE}, các chi bộ trực "
                  "thuộc"),
        timing="Trong quý I/2023",
        # "Trong quý I/2023": the quarter ends on 31/03/2023.
        due_date=date(2023, 3, 31),
    ),
    # --- 2.1. Chỉ tiêu chung ---
    _indicator(
        "2.1.1", GROUP_2_1,
        "Hằng năm Đảng ủy, Hội đồng nhân dân, Ủy ban nhân dân, Mặt trận và các tổ chức chính trị - "
        "xã hội đều đưa nội dung công tác dân vận vào chương trình, kế hoạch thực hiện nhiệm vụ "
        "chính trị của tổ chức mình. Xây dựng và nhân rộng ít nhất 01 mô hình “Dân vận khéo” phù "
        "hợp với chức năng, nhiệm vụ.",
        "ít nhất 01 mô hình/năm", TargetKind.SO_LUONG, Comparison.GE, 1.0, "mô hình/năm",
        _Agencies(_DANG_UY, _KHOI, f"Hội đồng nhân dân, {_UBND}; {_MT_DOAN_THE}"),
        # "Each organisation builds at least one model": the registrations sheet already knows.
        derived=DerivedRule.MO_HINH_MOI_TO_CHUC,
    ),
    _indicator(
        "2.1.2", GROUP_2_1,
        "Khối Dân vận Đảng ủy, Mặt trận và các tổ chức chính trị - xã hội phường 100% có ký kết kế "
        "hoạch (hoặc chương trình) phối hợp thực hiện công tác dân vận với chính quyền, trọng tâm "
        "là phát triển kinh tế, xây dựng đô thị văn minh.",
        "100%", TargetKind.MUC, Comparison.EQ, 100.0, "%",
        _Agencies(_DANG_UY, _KHOI, f"{_UBND}; {_MT_DOAN_THE}"),
    ),
    _indicator(
        "2.1.3", GROUP_2_1,
        "Ban thanh tra nhân dân và Ban giám sát đầu tư của cộng đồng hoạt động có hiệu quả đạt từ "
        "85% trở lên.",
        "≥ 85%", TargetKind.MUC, Comparison.GE, 85.0, "%",
        _Agencies(_DANG_UY, _MAT_TRAN, f"{_UBND}; {_MAT_TRAN}"),
    ),
    _indicator(
        "2.1.4", GROUP_2_1,
        "Tỷ lệ hộ nghèo toàn phường giảm 0,5%/năm.",
        # Values are the yearly poverty rate in %; the target is on the change between years:
        # a fall of 0.5 percentage points a year, so the change must be at most -0.5.
        "giảm 0,5%/năm", TargetKind.THAY_DOI, Comparison.LE, -0.5, "%",
        _Agencies(_DANG_UY, _UBND, _UBND),
    ),
    _indicator(
        "2.1.5", GROUP_2_1,
        "Tỷ lệ lao động qua đào tạo 55%.",
        "55%", TargetKind.MUC, Comparison.EQ, 55.0, "%",
        _Agencies(_DANG_UY, _KHOI, _UBND),
    ),
    _indicator(
        "2.1.6", GROUP_2_1,
        "Hằng năm, Mặt trận phường chủ trì phối hợp với các tổ chức chính trị - xã hội phường tổ "
        "chức giám sát, phản biện xã hội ít nhất 01 chính sách liên quan đến đoàn viên, hội viên "
        "và Nhân dân.",
        "ít nhất 01 chính sách/năm", TargetKind.SO_LUONG, Comparison.GE, 1.0, "chính sách/năm",
        _Agencies(_DANG_UY, _MAT_TRAN, _MT_DOAN_THE),
    ),
    _indicator(
        "2.1.7", GROUP_2_1,
        "Trong nhiệm kỳ, 100% trưởng, phó Mặt trận và các tổ chức chính trị - xã hội phường; cán "
        "bộ, công chức phụ trách công tác dân vận chính quyền; Bí thư các chi bộ, Tổ trưởng các tổ "
        "dân phố, Trưởng ban Công tác Mặt trận các tổ dân phố được tập huấn về công tác dân vận "
        "(theo thông báo triệu tập của cấp trên).",
        "100%", TargetKind.MUC, Comparison.EQ, 100.0, "%",
        # The plan abbreviates "UBND" here; kept as written.
        _Agencies(_DANG_UY, _KHOI, f"{_KHOI}, UBND, {_MT_DOAN_THE}"),
    ),
    _indicator(
        "2.1.8", GROUP_2_1,
        "Phân đấu Khu dân cư đạt tiêu chuẩn “Khu dân cư 6 không” đạt tỷ lệ 100%.",
        # A share of residential groups meeting a standard: entered per group or as a ward %.
        "100%", TargetKind.BAO_PHU, Comparison.EQ, 100.0, "%",
        _Agencies(_DANG_UY, _MAT_TRAN, f"{_UBND}, {_MT_DOAN_THE}"),
        per_unit_kind=UnitKind.TO_DAN_PHO,
    ),
    _indicator(
        "2.1.9", GROUP_2_1,
        "100% Tổ dân phố đạt chuẩn văn hóa.",
        "100%", TargetKind.BAO_PHU, Comparison.EQ, 100.0, "%",
        _Agencies(_DANG_UY, _UBND, _UBND),
        per_unit_kind=UnitKind.TO_DAN_PHO,
    ),
    _indicator(
        "2.1.10", GROUP_2_1,
        "Tỷ lệ người dân trong độ tuổi lao động được đào tạo kỹ năng số cơ bản đạt trên 70%.",
        # "trên 70%" is strictly more than 70.
        "> 70%", TargetKind.MUC, Comparison.GT, 70.0, "%",
        _Agencies(_DANG_UY, _UBND, _UBND),
    ),
    # --- 2.2.1. Công tác dân vận góp phần phát triển kinh tế ---
    _indicator(
        "2.2.1.1", GROUP_2_2_1,
        "Phân đấu tỷ lệ người dân đồng thuận với các dự án trên địa bàn phường đảm bảo các quy "
        "định của pháp luật đạt 95%.",
        "95%", TargetKind.MUC, Comparison.EQ, 95.0, "%",
        _AGENCIES_2_2_1_1_2,
    ),
    _indicator(
        "2.2.1.2", GROUP_2_2_1,
        "phường có Tổ công tác tuyên truyền, vận động Nhân dân di dời, giải phóng mặt bằng để thực "
        "hiện các dự án trọng điểm phát triển kinh tế-xã hội trên địa bàn hoạt động hiệu quả.",
        "Có", TargetKind.CO_KHONG, None, None, "",
        _AGENCIES_2_2_1_1_2,
    ),
    # Item (3) sets two targets in two sentences; each is measured on its own.
    _indicator(
        "2.2.1.3a", GROUP_2_2_1,
        "Phần đầu 100% thủ tục hành chính có đủ điều kiện, được cung cấp trực tuyến mức độ 3 và 4.",
        "100%", TargetKind.MUC, Comparison.EQ, 100.0, "%",
        _AGENCIES_2_2_1_3,
    ),
    _indicator(
        "2.2.1.3b", GROUP_2_2_1,
        "Mức độ hài lòng của người dân, doanh nghiệp về giải quyết thủ tục hành chính đạt 95% trở "
        "lên.",
        "≥ 95%", TargetKind.MUC, Comparison.GE, 95.0, "%",
        _AGENCIES_2_2_1_3,
    ),
    # --- 2.2.2. Công tác dân vận góp phần xây dựng đô thị văn minh ---
    _indicator(
        "2.2.2.1", GROUP_2_2_2,
        "95% vỉa hè trước cơ quan, đơn vị, trường học, đơn vị không có tình trạng lấn chiếm để "
        "kinh doanh, buôn bán.",
        "95%", TargetKind.MUC, Comparison.EQ, 95.0, "%",
        _AGENCIES_2_2_2,
    ),
    _indicator(
        "2.2.2.2", GROUP_2_2_2,
        "Tỷ lệ người dân xây dựng nhà ở được cấp phép theo quy định đạt trên 97%.",
        "> 97%", TargetKind.MUC, Comparison.GT, 97.0, "%",
        _AGENCIES_2_2_2,
    ),
    _indicator(
        "2.2.2.3", GROUP_2_2_2,
        "Phường đăng ký xây dựng đạt chuẩn văn minh đô thị.",
        "Có", TargetKind.CO_KHONG, None, None, "",
        _AGENCIES_2_2_2,
    ),
    _indicator(
        "2.2.2.4", GROUP_2_2_2,
        "Phần đầu diện tích cây xanh bình quân trên mỗi người dân đô thị đạt từ 3 đến 4m²",
        "từ 3 đến 4 m²/người", TargetKind.KHOANG, Comparison.RANGE, 3.0, "m²/người",
        _AGENCIES_2_2_2,
        target_max=4.0,
    ),
)


def indicator_records() -> list[dict[str, Any]]:
    """Return the plan's indicators as new dicts, so callers may change them freely."""
    # Deep copy: every value is immutable today, but a later list-valued column must not leak.
    return [copy.deepcopy(record) for record in INDICATORS]
