"""Rules of the source documents that the product ships as its own data.

The evaluation criteria of a "Dân vận khéo" model (Kế hoạch phát động phong trào "Dân vận khéo",
mục II.4) and the attendance rules for residential branch meetings (Kế hoạch dự sinh hoạt chi bộ
khu dân cư, mục II và III). The indicators of Plan 48 live in `services.plan48`.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.choices import AttendeeLevel, Field

FIELDS: tuple[Field, ...] = tuple(Field)


@dataclass(frozen=True)
class Criterion:
    """One criterion a recognised model is judged against."""

    key: str
    short: str
    text: str


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "crit_task",
        "Gắn với nhiệm vụ chính trị",
        "Gắn chặt với việc thực hiện nhiệm vụ chính trị của địa phương, cơ quan, đơn vị, thôn "
        "xóm; xuất phát từ lợi ích và đáp ứng nhu cầu, nguyện vọng chính đáng của đoàn viên, hội "
        "viên và nhân dân.",
    ),
    Criterion(
        "crit_spread",
        "Huy động đa số tham gia, lan tỏa",
        "Huy động được đa số đoàn viên, hội viên và nhân dân tham gia; tính lan tỏa rộng, có tầm "
        "ảnh hưởng lớn, tích cực trong cộng đồng.",
    ),
    Criterion(
        "crit_effect",
        "Hiệu quả cao trong lĩnh vực",
        "Có hiệu quả cao về một trong các lĩnh vực: kinh tế, văn hóa - xã hội, an ninh - quốc "
        "phòng, xây dựng hệ thống chính trị.",
    ),
    Criterion(
        "crit_named",
        "Rõ tên, địa chỉ, nội dung; được công nhận",
        "Xác định rõ tên, địa chỉ, nội dung; được cấp có thẩm quyền đánh giá, công nhận có hiệu "
        "quả cao.",
    ),
    Criterion(
        "crit_sustain",
        "Bền vững, được nhân dân đồng tình",
        "Được các tầng lớp nhân dân đồng tình hưởng ứng; giải quyết được những khó khăn, cấp "
        "bách; được công nhận, có tính bền vững, có sức lan tỏa, bảo đảm tính kế thừa và phát "
        "triển.",
    ),
)


@dataclass(frozen=True)
class AttendanceRule:
    """How often a level must attend a residential branch meeting and when to report."""

    level: AttendeeLevel
    every_months: int
    report_within_days: int | None
    wording: str


ATTENDANCE_RULES: dict[AttendeeLevel, AttendanceRule] = {
    rule.level: rule
    for rule in (
        AttendanceRule(AttendeeLevel.CAP_TINH, 6, 3, "06 tháng/lần; báo cáo sau 03 ngày"),
        AttendanceRule(AttendeeLevel.CAP_HUYEN, 3, 3, "hàng quý; báo cáo sau 03 ngày"),
        # The plan sets no report deadline for commune-level committee members.
        AttendanceRule(AttendeeLevel.CAP_XA, 1, None, "hàng tháng"),
        AttendanceRule(
            AttendeeLevel.DANG_VIEN_XA,
            1,
            1,
            "mỗi tháng 01 lần, ngoài chi bộ nơi mình sinh hoạt; báo cáo sau 01 ngày",
        ),
    )
}
