"""Fixed choices of the domain, as the seeds word them."""

from __future__ import annotations

from enum import StrEnum


class UnitKind(StrEnum):
    """Kinds of unit that register models, hold members or host branch meetings."""

    CHI_BO = "Chi bộ"
    CHINH_QUYEN = "Chính quyền"
    MAT_TRAN = "Mặt trận Tổ quốc"
    DOAN_THE = "Đoàn thể chính trị - xã hội"
    CONG_AN = "Công an"
    QUAN_SU = "Quân sự"
    TO_DAN_PHO = "Tổ dân phố"
    THON_XOM = "Thôn, xóm"
    TO_DAN_VAN = "Tổ dân vận"
    KHOI_DAN_VAN = "Khối Dân vận"
    KHAC = "Khác"


class ModelKind(StrEnum):
    """Who a "Dân vận khéo" model belongs to (seed 004, II.1)."""

    TAP_THE = "Tập thể"
    CA_NHAN = "Cá nhân"


class Field(StrEnum):
    """The four fields of a "Dân vận khéo" model (seed 004, II.2)."""

    KINH_TE = "Kinh tế"
    VAN_HOA_XA_HOI = "Văn hóa - xã hội"
    AN_NINH_QUOC_PHONG = "An ninh - quốc phòng"
    XAY_DUNG_HTCT = "Xây dựng hệ thống chính trị"


class RegistrationStatus(StrEnum):
    """Life cycle of a registered model, in order."""

    DANG_KY = "Đăng ký"
    DANG_THUC_HIEN = "Đang thực hiện"
    DA_BAO_CAO = "Đã báo cáo kết quả"
    CONG_NHAN = "Được công nhận"
    KHONG_CONG_NHAN = "Không công nhận"


class RecognitionLevel(StrEnum):
    """Level at which a model is recognised."""

    CO_SO = "Cấp cơ sở"
    HUYEN = "Cấp huyện"
    TINH = "Cấp tỉnh"


class ModelOrigin(StrEnum):
    """Whether a model is new this year or continues an earlier one (seed 001, items 1 and 3)."""

    MOI = "Mới"
    DUY_TRI = "Duy trì"
    NHAN_RONG = "Nhân rộng"


class Gender(StrEnum):
    """Gender as the roster records it."""

    NAM = "Nam"
    NU = "Nữ"


class MemberStatus(StrEnum):
    """Status of a core-force member (seed 000: the Front proposes, the Committee approves)."""

    DE_XUAT = "Đề xuất"
    DA_PHE_DUYET = "Đã phê duyệt"
    THOI_THAM_GIA = "Thôi tham gia"


class MemberReportKind(StrEnum):
    """What a core-force member reports to the Party Committee (seed 000, mục 2.2a)."""

    TU_TUONG = "Tình hình tư tưởng"
    DU_LUAN = "Dư luận"
    DIEM_NONG = "Điểm nóng"
    KIEN_NGHI = "Kiến nghị"


class TaskStatus(StrEnum):
    """Progress of a task assigned by a directive or plan."""

    CHUA = "Chưa thực hiện"
    DANG = "Đang thực hiện"
    XONG = "Hoàn thành"


class ReportKind(StrEnum):
    """The reports the office sends upward (seeds 000, 002 §IV.3, 003 §III.3, 004 §III)."""

    CHI_TIEU = "Kết quả thực hiện Kế hoạch 48"
    SINH_HOAT = "Dự sinh hoạt chi bộ khu dân cư"
    DAN_VAN_KHEO = "Phong trào thi đua “Dân vận khéo”"
    NONG_COT = "Lực lượng nòng cốt ở cơ sở"


class AttendeeLevel(StrEnum):
    """Who attends a residential branch meeting (seed 003)."""

    CAP_TINH = "Cấp ủy viên cấp tỉnh"
    CAP_HUYEN = "Cấp ủy viên cấp huyện"
    CAP_XA = "Cấp ủy viên cấp xã"
    DANG_VIEN_XA = "Đảng viên công tác tại xã, phường"


class TargetKind(StrEnum):
    """How an indicator's target is expressed, and so how its progress is judged."""

    MUC = "Đạt mức"
    THAY_DOI = "Thay đổi mỗi năm"
    SO_LUONG = "Số lượng mỗi năm"
    CO_KHONG = "Có/Không"
    KHOANG = "Trong khoảng"
    BAO_PHU = "Tỷ lệ đơn vị đạt"


class Comparison(StrEnum):
    """Comparison of a value with its target, as the plan words it."""

    GE = "≥"
    GT = ">"
    EQ = "="
    LE = "≤"
    LT = "<"
    RANGE = "từ … đến"


class DerivedRule(StrEnum):
    """Indicators the app computes from other sheets instead of having them typed."""

    MO_HINH_MOI_TO_CHUC = "Mỗi tổ chức đăng ký mô hình"
    TY_LE_TDP_CO_DANH_SACH = "Tỷ lệ tổ dân phố có danh sách nòng cốt"


class Role(StrEnum):
    """What a signed-in person may do."""

    VIEWER = "Xem"
    EDITOR = "Biên tập"
    ADMIN = "Quản trị"


class AuditAction(StrEnum):
    """Kinds of change recorded in the audit sheet."""

    THEM = "Thêm"
    SUA = "Sửa"
    LUU_TRU = "Lưu trữ"
    KHOI_PHUC = "Khôi phục"
    XOA = "Xóa"
    # The app's earlier row for this record did not take effect (the write had to be undone).
    HUY = "Hủy ghi"


class WardLevel(StrEnum):
    """Administrative level of the deployment."""

    PHUONG = "phường"
    XA = "xã"
    THI_TRAN = "thị trấn"
