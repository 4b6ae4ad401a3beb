"""The one declaration of every sheet the product keeps.

Sheet headers, form widgets, validation, dropdown rules in the sheet, database columns and export
columns are all derived from `SHEETS`. A column's key appears as a string literal only here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from services.choices import (
    AttendeeLevel,
    AuditAction,
    Comparison,
    DerivedRule,
    Gender,
    MemberReportKind,
    MemberStatus,
    ModelKind,
    ModelOrigin,
    RecognitionLevel,
    RegistrationStatus,
    ReportKind,
    Role,
    TargetKind,
    TaskStatus,
    UnitKind,
)
from services.choices import Field as ModelField
from services.clock import today
from services.coltypes import (
    Bool,
    Choice,
    ColumnType,
    Date,
    Email,
    Id,
    Integer,
    LongText,
    Number,
    Phone,
    Ref,
    Text,
    Timestamp,
    Year,
)
from services.reference import ATTENDANCE_RULES, CRITERIA
from services.text import header_key

Record = dict[str, Any]
# A row rule returns (column key, Vietnamese message) for each problem it finds in a record.
RowCheck = Callable[[Record], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class Column:
    """One column of a sheet."""

    key: str
    header: str
    type: ColumnType
    required: bool = False
    help: str = ""
    unique: bool = False
    default: Any = None
    # Other headers people may have typed for this column (matched accent-insensitively).
    aliases: tuple[str, ...] = ()

    @property
    def in_form(self) -> bool:
        """Tell whether a form asks for this column."""
        return self.type.widget != "hidden" and self.key != ARCHIVED

    def allowed(self) -> str:
        """Describe what the column accepts, with "bắt buộc" when it is required."""
        return ("bắt buộc; " if self.required else "") + self.type.allowed()


@dataclass(frozen=True)
class Sheet:
    """One sheet (a tab in Google Sheets, a table in the database)."""

    key: str
    title: str
    noun: str
    id_prefix: str
    columns: tuple[Column, ...]
    label_column: str | None = None
    row_checks: tuple[RowCheck, ...] = ()
    archivable: bool = True
    description: str = ""
    # False for sheets that only grow (the audit trail): read on their own page, in pages,
    # never with every snapshot, so a snapshot stays the same size as the years pass.
    in_snapshot: bool = True
    _by_key: dict[str, Column] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_key.update({c.key: c for c in self.columns})

    def column(self, key: str) -> Column:
        """Return the column with this key."""
        return self._by_key[key]

    def has(self, key: str) -> bool:
        """Tell whether the sheet has a column with this key."""
        return key in self._by_key

    @property
    def headers(self) -> list[str]:
        """Return the header row, in order."""
        return [c.header for c in self.columns]

    @property
    def keys(self) -> list[str]:
        """Return the column keys, in order."""
        return [c.key for c in self.columns]

    def form_columns(self) -> list[Column]:
        """Return the columns a form asks for."""
        return [c for c in self.columns if c.in_form]

    def label_of(self, record: Mapping[str, Any]) -> str:
        """Return what other sheets store to point at this record."""
        return str(record.get(self.label_column or ID) or "")


ID = "id"
ARCHIVED = "archived"


def _sheet(
    key: str,
    title: str,
    noun: str,
    id_prefix: str,
    columns: Iterable[Column],
    *,
    archivable: bool = True,
    **kwargs: Any,
) -> Sheet:
    """Build a sheet with the id column first and, where archivable, "Lưu trữ" last."""
    head = (Column(ID, "Mã", Id(), help="Mã do ứng dụng cấp; không sửa tay."),)
    tail = (
        (Column(ARCHIVED, "Lưu trữ", Bool(), help="Đánh dấu để ẩn bản ghi không còn dùng."),)
        if archivable
        else ()
    )
    return Sheet(key, title, noun, id_prefix, head + tuple(columns) + tail, archivable=archivable,
                 **kwargs)


def _later(first: str, second: str, message: str) -> RowCheck:
    """Build a rule: `second` is not before `first` when both are given."""

    def check(record: Record) -> Iterable[tuple[str, str]]:
        a, b = record.get(first), record.get(second)
        if a is not None and b is not None and b < a:
            yield second, message

    return check


def _required_when(key: str, condition: Callable[[Record], bool], message: str) -> RowCheck:
    """Build a rule: `key` must be filled when the condition holds."""

    def check(record: Record) -> Iterable[tuple[str, str]]:
        if condition(record) and record.get(key) in (None, ""):
            yield key, message

    return check


def _not_future(key: str) -> RowCheck:
    """Build a rule: a date that records something done cannot be after today (Vietnam)."""

    def check(record: Record) -> Iterable[tuple[str, str]]:
        day = record.get(key)
        if day is not None and day > today():
            yield key, f"không được sau hôm nay ({today():%d/%m/%Y})"

    return check


def _branch_not_own(record: Record) -> Iterable[tuple[str, str]]:
    # Seed 003: ward party members attend "ngoài chi bộ nơi mình sinh hoạt". Row rules run
    # before references are resolved to their labels, so the two branches are compared the way
    # resolution matches them: "chi bo tdp 5" typed in the sheet is the unit "Chi bộ TDP 5".
    branch, home = record.get("branch"), record.get("home_branch")
    if (
        record.get("level") == AttendeeLevel.DANG_VIEN_XA
        and branch
        and home
        and Ref(sheet="units").same(branch, home)
    ):
        yield "branch", "phải là chi bộ khác với chi bộ nơi mình sinh hoạt"


def _criteria_met_when_recognised(record: Record) -> Iterable[tuple[str, str]]:
    # Seed 004, mục II.4: a recognised model meets the evaluation criteria.
    if record.get("status") == RegistrationStatus.CONG_NHAN:
        unmet = [c.short for c in CRITERIA if record.get(c.key) is not True]
        if unmet:
            yield "status", ("chỉ công nhận mô hình đáp ứng đủ các tiêu chí đánh giá; chưa đạt: "
                             + "; ".join(unmet))


def _range_target_ordered(record: Record) -> Iterable[tuple[str, str]]:
    low, high = record.get("target_value"), record.get("target_max")
    if record.get("target_kind") == TargetKind.KHOANG:
        if high is None:
            yield "target_max", "bắt buộc với chỉ tiêu dạng khoảng"
        elif low is not None and high < low:
            yield "target_max", "phải lớn hơn hoặc bằng giá trị chỉ tiêu"


def _target_value_needed(record: Record) -> Iterable[tuple[str, str]]:
    if record.get("target_kind") not in (None, TargetKind.CO_KHONG) and record.get(
        "target_value"
    ) is None:
        yield "target_value", "bắt buộc với loại chỉ tiêu này"


_REPORTED = (
    RegistrationStatus.DA_BAO_CAO,
    RegistrationStatus.CONG_NHAN,
    RegistrationStatus.KHONG_CONG_NHAN,
)

UNITS = _sheet(
    "units",
    "Đơn vị",
    "đơn vị",
    "DV",
    (
        Column("name", "Tên đơn vị", Text(max_length=150), required=True, unique=True,
               help="Tên đầy đủ, ví dụ: Hội Liên hiệp Phụ nữ phường, Tổ dân phố 5.",
               aliases=("Đơn vị", "Tên")),
        Column("kind", "Loại đơn vị", Choice(options=tuple(UnitKind)), required=True,
               help="Chi bộ, tổ dân phố, Mặt trận, đoàn thể, tổ dân vận…"),
        Column("must_register", "Phải đăng ký mô hình", Bool(), default=False,
               help="Đơn vị phải đăng ký ít nhất 01 mô hình “Dân vận khéo” mỗi năm."),
        Column("complex_area", "Địa bàn phức tạp", Bool(), default=False,
               help="Địa bàn đặc thù, phức tạp: ưu tiên dự sinh hoạt trước và nhiều hơn."),
        Column("head", "Người phụ trách", Text(max_length=100)),
        Column("phone", "Số điện thoại", Phone()),
        Column("note", "Ghi chú", LongText(max_length=1000)),
        Column("residential", "Khu dân cư", Bool(), default=False,
               help="Chi bộ khu dân cư, tổ dân phố: được theo dõi khi cấp ủy viên, đảng viên dự "
                    "sinh hoạt chi bộ khu dân cư (không tính chi bộ cơ quan)."),
        Column("valid_from", "Có từ ngày", Date(), default=today,
               help="Ngày đơn vị được thành lập, chia tách hoặc sáp nhập. Số liệu các năm trước "
                    "ngày này không tính đơn vị. Để trống nếu đơn vị có từ trước khi theo dõi."),
        Column("valid_to", "Đến ngày", Date(),
               help="Ngày cuối cùng đơn vị còn (giải thể, sáp nhập). Để trống nếu vẫn còn."),
    ),
    label_column="name",
    row_checks=(_later("valid_from", "valid_to", "không được trước ngày đơn vị có"),),
    description="Chi bộ, chính quyền, Mặt trận, đoàn thể, tổ dân phố, tổ dân vận…",
)

CAMPAIGNS = _sheet(
    "campaigns",
    "Đợt thi đua",
    "đợt thi đua",
    "DT",
    (
        Column("name", "Tên đợt", Text(max_length=120), required=True, unique=True,
               help="Ví dụ: “Dân vận khéo” năm 2024 - Đợt 1."),
        Column("year", "Năm", Year(), required=True, default=lambda: today().year),
        Column("phase", "Đợt", Text(max_length=40), help="Để trống nếu cả năm chỉ một đợt."),
        Column("start_date", "Ngày phát động", Date()),
        Column("register_by", "Hạn đăng ký", Date(), required=True,
               help="Đăng ký mô hình trước ngày này."),
        Column("report_by", "Hạn báo cáo kết quả", Date(), required=True,
               help="Báo cáo kết quả thực hiện mô hình trước ngày này."),
        Column("end_date", "Ngày kết thúc", Date(),
               help="Phong trào thực hiện đến trước ngày này."),
        Column("note", "Ghi chú", LongText(max_length=1000)),
    ),
    label_column="name",
    row_checks=(
        _later("register_by", "report_by", "phải sau hạn đăng ký"),
        _later("report_by", "end_date", "phải sau hạn báo cáo kết quả"),
        _later("start_date", "register_by", "phải sau ngày phát động"),
    ),
    description="Mỗi năm (mỗi đợt) phong trào “Dân vận khéo” với hạn đăng ký và hạn báo cáo.",
)

REGISTRATIONS = _sheet(
    "registrations",
    "Đăng ký mô hình",
    "mô hình",
    "MH",
    (
        Column("campaign", "Đợt thi đua", Ref(sheet="campaigns"), required=True),
        Column("unit", "Đơn vị đăng ký", Ref(sheet="units"), required=True,
               aliases=("Đơn vị",)),
        Column("kind", "Hình thức", Choice(options=tuple(ModelKind)), required=True,
               default=ModelKind.TAP_THE, help="Tập thể hoặc cá nhân."),
        Column("person", "Họ tên cá nhân", Text(max_length=100),
               help="Bắt buộc khi mô hình là của cá nhân."),
        Column("field", "Lĩnh vực", Choice(options=tuple(ModelField)), required=True),
        Column("model_name", "Tên mô hình", Text(max_length=250), required=True),
        Column("origin", "Mô hình mới hay tiếp nối", Choice(options=tuple(ModelOrigin)),
               default=ModelOrigin.MOI,
               help="Để trống là mô hình mới. Duy trì: mô hình năm trước tiếp tục thực hiện; "
                    "Nhân rộng: mô hình đã có ở nơi khác được làm thêm ở đơn vị."),
        Column("continues", "Tiếp nối mô hình", Text(max_length=250),
               help="Với mô hình duy trì hoặc nhân rộng: tên mô hình trước đó và năm, ví dụ "
                    "“Dân vận khéo trong xây dựng nông thôn mới (2023)”."),
        Column("address", "Địa chỉ thực hiện", Text(max_length=250),
               help="Nơi thực hiện mô hình: tổ dân phố, thôn, cơ quan, đơn vị."),
        Column("content", "Nội dung, cách làm", LongText(max_length=3000)),
        Column("registered_on", "Ngày đăng ký", Date(), required=True, default=today),
        Column("status", "Trạng thái", Choice(options=tuple(RegistrationStatus)), required=True,
               default=RegistrationStatus.DANG_KY),
        Column("reported_on", "Ngày báo cáo kết quả", Date()),
        Column("result", "Kết quả thực hiện", LongText(max_length=3000)),
        Column("recognition", "Cấp công nhận", Choice(options=tuple(RecognitionLevel))),
        *(Column(c.key, c.short, Bool(), help=c.text) for c in CRITERIA),
        Column("note", "Ghi chú", LongText(max_length=1000)),
    ),
    label_column="model_name",
    row_checks=(
        _required_when("person", lambda r: r.get("kind") == ModelKind.CA_NHAN,
                       "bắt buộc khi hình thức là Cá nhân"),
        _required_when("reported_on", lambda r: r.get("status") in _REPORTED,
                       "bắt buộc khi đã báo cáo kết quả"),
        _required_when("recognition", lambda r: r.get("status") == RegistrationStatus.CONG_NHAN,
                       "bắt buộc khi mô hình được công nhận"),
        _required_when("continues", lambda r: r.get("origin") in (ModelOrigin.DUY_TRI,
                                                                   ModelOrigin.NHAN_RONG),
                       "bắt buộc với mô hình duy trì hoặc nhân rộng: ghi mô hình được tiếp nối"),
        _criteria_met_when_recognised,
        _later("registered_on", "reported_on", "không được trước ngày đăng ký"),
    ),
    description="Các mô hình “Dân vận khéo” đơn vị đăng ký, thực hiện và được công nhận.",
)

MEMBERS = _sheet(
    "members",
    "Lực lượng nòng cốt",
    "thành viên",
    "NC",
    (
        Column("full_name", "Họ và tên", Text(max_length=100), required=True, aliases=("Họ tên",)),
        Column("gender", "Giới tính", Choice(options=tuple(Gender))),
        Column("birth_year", "Năm sinh", Year(minimum=1920, maximum=lambda: today().year)),
        Column("tdp", "Tổ dân phố", Ref(sheet="units", kinds=(UnitKind.TO_DAN_PHO,
                                                              UnitKind.THON_XOM)),
               required=True, aliases=("TDP", "Thôn, tổ dân phố")),
        Column("role", "Chức danh, vai trò", Text(max_length=150),
               help="Ví dụ: Bí thư chi bộ, Tổ trưởng TDP, người có uy tín, đoàn viên."),
        Column("organisation", "Tổ chức", Text(max_length=150),
               help="Mặt trận, Hội Phụ nữ, Đoàn Thanh niên, Hội Cựu chiến binh…"),
        Column("party_member", "Đảng viên", Bool(), default=False),
        Column("phone", "Số điện thoại", Phone()),
        Column("status", "Trạng thái", Choice(options=tuple(MemberStatus)), required=True,
               default=MemberStatus.DE_XUAT),
        Column("approval_ref", "Số văn bản phê duyệt", Text(max_length=80),
               help="Số quyết định/thông báo của Đảng ủy phê duyệt danh sách."),
        Column("approved_on", "Ngày phê duyệt", Date()),
        Column("task", "Nhiệm vụ được giao", LongText(max_length=1000)),
        Column("note", "Ghi chú", LongText(max_length=1000)),
    ),
    label_column="full_name",
    row_checks=(
        _required_when("approval_ref", lambda r: r.get("status") == MemberStatus.DA_PHE_DUYET,
                       "bắt buộc khi trạng thái là Đã phê duyệt"),
    ),
    description="Lực lượng nòng cốt ở cơ sở theo từng tổ dân phố.",
)

MEETINGS = _sheet(
    "meetings",
    "Dự sinh hoạt chi bộ",
    "lượt dự sinh hoạt",
    "SH",
    (
        Column("attendee", "Người dự", Text(max_length=100), required=True),
        Column("level", "Cấp", Choice(options=tuple(AttendeeLevel)), required=True,
               help="; ".join(f"{r.level}: {r.wording}" for r in ATTENDANCE_RULES.values())),
        Column("home_branch", "Chi bộ nơi sinh hoạt", Ref(sheet="units", kinds=(UnitKind.CHI_BO,)),
               help="Với đảng viên công tác tại phường: chi bộ dự phải khác chi bộ này."),
        Column("branch", "Chi bộ dự sinh hoạt", Ref(sheet="units", kinds=(UnitKind.CHI_BO,)),
               required=True),
        Column("meeting_date", "Ngày dự", Date(), required=True),
        Column("report_date", "Ngày gửi báo cáo", Date(),
               help="Để trống nếu chưa gửi báo cáo."),
        Column("note", "Ghi chú", LongText(max_length=1000)),
    ),
    label_column=None,
    row_checks=(
        _later("meeting_date", "report_date", "không được trước ngày dự sinh hoạt"),
        _not_future("meeting_date"),
        _not_future("report_date"),
        _required_when("home_branch", lambda r: r.get("level") == AttendeeLevel.DANG_VIEN_XA,
                       "bắt buộc với đảng viên công tác tại xã, phường (để biết chi bộ dự phải "
                       "khác chi bộ nơi mình sinh hoạt)"),
        _branch_not_own,
    ),
    description="Cấp ủy viên, đảng viên dự sinh hoạt chi bộ khu dân cư và báo cáo sau khi dự.",
)

ATTENDEES = _sheet(
    "attendees",
    "Người phải dự sinh hoạt",
    "người phải dự sinh hoạt",
    "PD",
    (
        Column("full_name", "Họ và tên", Text(max_length=100), required=True,
               help="Viết như khi ghi lượt dự sinh hoạt, để ứng dụng đối chiếu."),
        Column("level", "Cấp", Choice(options=tuple(AttendeeLevel)), required=True,
               help="; ".join(f"{r.level}: {r.wording}" for r in ATTENDANCE_RULES.values())),
        Column("position", "Chức vụ", Text(max_length=150)),
        Column("home_branch", "Chi bộ nơi sinh hoạt", Ref(sheet="units", kinds=(UnitKind.CHI_BO,)),
               help="Với đảng viên công tác tại phường: chi bộ dự phải khác chi bộ này."),
        Column("from_date", "Từ ngày", Date(), required=True,
               help="Ngày bắt đầu thuộc diện phải dự (được bầu, được phân công, chuyển đến)."),
        Column("to_date", "Đến ngày", Date(),
               help="Ngày cuối cùng thuộc diện phải dự; để trống nếu vẫn đang thuộc diện."),
        Column("note", "Ghi chú", LongText(max_length=1000)),
    ),
    label_column="full_name",
    row_checks=(
        _later("from_date", "to_date", "không được trước ngày bắt đầu"),
        _required_when("home_branch", lambda r: r.get("level") == AttendeeLevel.DANG_VIEN_XA,
                       "bắt buộc với đảng viên công tác tại xã, phường (để biết chi bộ dự phải "
                       "khác chi bộ nơi mình sinh hoạt)"),
    ),
    description="Cấp ủy viên các cấp và đảng viên công tác tại phường phải dự sinh hoạt chi bộ "
                "khu dân cư (100% tham gia), với thời gian thuộc diện.",
)

VISIT_PLAN = _sheet(
    "visit_plan",
    "Phân công dự sinh hoạt",
    "phân công",
    "PC",
    (
        Column("attendee", "Người dự", Ref(sheet="attendees"), required=True),
        Column("branch", "Chi bộ dự sinh hoạt", Ref(sheet="units", kinds=(UnitKind.CHI_BO,)),
               required=True),
        Column("period_start", "Từ ngày", Date(), required=True,
               help="Đầu kỳ phải dự (tháng, quý hoặc 6 tháng theo cấp)."),
        Column("period_end", "Đến ngày", Date(), required=True,
               help="Ngày cuối cùng của kỳ; quá ngày này chưa dự là chậm."),
        Column("note", "Ghi chú", LongText(max_length=1000)),
    ),
    label_column=None,
    row_checks=(_later("period_start", "period_end", "không được trước ngày bắt đầu kỳ"),),
    description="Đảng ủy phân công cấp ủy viên, đảng viên dự sinh hoạt chi bộ khu dân cư theo "
                "kỳ, ưu tiên địa bàn phức tạp trước và nhiều hơn.",
)

TASKS = _sheet(
    "tasks",
    "Nhiệm vụ",
    "nhiệm vụ",
    "NV",
    (
        Column("source", "Văn bản giao", Text(max_length=200), required=True,
               help="Số, tên văn bản giao nhiệm vụ, ví dụ: Kế hoạch số 48-KH/ĐU, mục III.1."),
        Column("content", "Nội dung nhiệm vụ", LongText(max_length=3000), required=True),
        Column("responsible", "Cơ quan chủ trì", Text(max_length=300), required=True),
        Column("cooperating", "Cơ quan phối hợp", Text(max_length=500)),
        Column("deadline", "Hạn hoàn thành", Date(),
               help="Để trống với nhiệm vụ thực hiện thường xuyên."),
        Column("status", "Tình trạng", Choice(options=tuple(TaskStatus)), required=True,
               default=TaskStatus.CHUA),
        Column("done_on", "Ngày hoàn thành", Date()),
        Column("result", "Kết quả", LongText(max_length=3000)),
        Column("note", "Ghi chú", LongText(max_length=1000)),
    ),
    label_column=None,
    row_checks=(
        _required_when("done_on", lambda r: r.get("status") == TaskStatus.XONG,
                       "bắt buộc khi nhiệm vụ đã hoàn thành"),
        _not_future("done_on"),
    ),
    description="Nhiệm vụ các văn bản chỉ đạo, kế hoạch giao: cơ quan chủ trì, thời hạn, kết quả.",
)

MEMBER_REPORTS = _sheet(
    "member_reports",
    "Phản ánh của nòng cốt",
    "phản ánh",
    "PA",
    (
        Column("member", "Thành viên nòng cốt", Ref(sheet="members"), required=True),
        Column("tdp", "Tổ dân phố", Ref(sheet="units", kinds=(UnitKind.TO_DAN_PHO,
                                                              UnitKind.THON_XOM)), required=True),
        Column("report_date", "Ngày phản ánh", Date(), required=True, default=today),
        Column("kind", "Loại", Choice(options=tuple(MemberReportKind)), required=True),
        Column("content", "Nội dung", LongText(max_length=3000), required=True),
        Column("handling", "Xử lý, trả lời", LongText(max_length=3000),
               help="Việc đã làm với phản ánh: chuyển cơ quan nào, kết quả giải quyết."),
        Column("handled_on", "Ngày xử lý xong", Date()),
    ),
    label_column=None,
    row_checks=(
        _not_future("report_date"),
        _not_future("handled_on"),
        _later("report_date", "handled_on", "không được trước ngày phản ánh"),
    ),
    description="Lực lượng nòng cốt báo cáo tình hình tư tưởng, dư luận, điểm nóng, kiến nghị "
                "của nhân dân ở tổ dân phố.",
)

INDICATORS = _sheet(
    "indicators",
    "Chỉ tiêu",
    "chỉ tiêu",
    "CT",
    (
        Column("code", "Mã chỉ tiêu", Text(max_length=20), required=True, unique=True,
               help="Ví dụ 2.1.5 (mục 2.1, chỉ tiêu (5))."),
        Column("group", "Nhóm", Text(max_length=200), required=True),
        Column("text", "Nội dung chỉ tiêu", LongText(max_length=2000), required=True),
        Column("target_text", "Chỉ tiêu", Text(max_length=200), required=True,
               help="Như kế hoạch ghi, ví dụ “≥ 85%”, “giảm 0,5%/năm”."),
        Column("target_kind", "Loại chỉ tiêu", Choice(options=tuple(TargetKind)), required=True),
        Column("comparison", "So sánh", Choice(options=tuple(Comparison))),
        Column("target_value", "Giá trị chỉ tiêu", Number(decimals=3)),
        Column("target_max", "Giá trị tối đa", Number(decimals=3),
               help="Chỉ dùng cho chỉ tiêu dạng khoảng, ví dụ 3 đến 4 m²."),
        Column("unit", "Đơn vị tính", Text(max_length=40)),
        Column("per_unit_kind", "Nhập theo", Choice(options=tuple(UnitKind)),
               help="Để trống nếu nhập một số cho cả phường."),
        Column("derived", "Tính tự động", Choice(options=tuple(DerivedRule)),
               help="Chỉ tiêu ứng dụng tự tính từ các bảng khác."),
        Column("lead", "Cơ quan lãnh đạo", Text(max_length=300)),
        Column("advisory", "Cơ quan tham mưu", Text(max_length=300)),
        Column("implementing", "Cơ quan thực hiện", Text(max_length=500)),
        Column("timing", "Thời gian thực hiện", Text(max_length=100), default="Thường xuyên"),
        Column("due_date", "Hạn hoàn thành", Date()),
    ),
    label_column="code",
    row_checks=(_range_target_ordered, _target_value_needed),
    description="Các chỉ tiêu của Kế hoạch 48 thực hiện Đề án 13, giai đoạn 2022 - 2026.",
)

INDICATOR_VALUES = _sheet(
    "indicator_values",
    "Số liệu chỉ tiêu",
    "số liệu",
    "SL",
    (
        Column("indicator", "Mã chỉ tiêu", Ref(sheet="indicators"), required=True),
        Column("year", "Năm", Year(minimum=2000), required=True, default=lambda: today().year),
        Column("unit", "Đơn vị, tổ dân phố", Ref(sheet="units"),
               help="Chỉ điền với chỉ tiêu nhập theo từng đơn vị."),
        Column("value", "Giá trị", Number(decimals=2), required=True,
               help="Số theo đơn vị tính của chỉ tiêu; 55% nhập 55; Có nhập 1, Không nhập 0."),
        Column("note", "Ghi chú, nguồn số liệu", LongText(max_length=1000)),
    ),
    label_column=None,
    description="Giá trị từng chỉ tiêu theo năm (và theo đơn vị nếu có).",
)

# --- report settings (issue 10): what the letterhead, "Nơi nhận" and signature of each report say

REPORT_SETTINGS = _sheet(
    "report_settings",
    "Thiết lập báo cáo",
    "thiết lập báo cáo",
    "BC",
    (
        Column("kind", "Loại báo cáo", Choice(options=tuple(ReportKind)), required=True,
               unique=True),
        Column("superior", "Đảng bộ cấp trên", Text(max_length=200),
               help="Dòng đầu góc trái, chữ in hoa, ví dụ: ĐẢNG BỘ TỈNH QUẢNG NGÃI."),
        Column("issuer", "Cơ quan ban hành", Text(max_length=200),
               help="Để trống là tên Đảng ủy trong cấu hình, ví dụ: ĐẢNG ỦY PHƯỜNG PHỐ HÒA."),
        Column("number", "Số, ký hiệu", Text(max_length=50),
               help="Phần sau chữ “Số”, ví dụ: 12-BC/ĐU; để trống là “   -BC/ĐU” để ghi số khi "
                    "ký."),
        Column("place", "Địa danh", Text(max_length=100),
               help="Trước ngày tháng ở góc phải, ví dụ: Phố Hòa; để trống là tên phường, xã."),
        Column("signer_for", "Thẩm quyền ký", Text(max_length=100),
               help="Ví dụ: T/M ĐẢNG ỦY; T/M BAN THƯỜNG VỤ."),
        Column("signer_title", "Chức vụ người ký", Text(max_length=100),
               help="Ví dụ: BÍ THƯ; PHÓ BÍ THƯ; PHÓ BÍ THƯ THƯỜNG TRỰC."),
        Column("signer_name", "Họ và tên người ký", Text(max_length=100)),
        Column("recipients", "Nơi nhận", LongText(max_length=2000),
               help="Mỗi dòng một nơi nhận, ví dụ: Ban Thường vụ Tỉnh ủy (báo cáo),"),
    ),
    label_column="kind",
    description="Tên cơ quan, số ký hiệu, người ký và nơi nhận của từng loại báo cáo gửi cấp trên.",
)

USERS = _sheet(
    "users",
    "Người dùng",
    "người dùng",
    "ND",
    (
        Column("email", "Email", Email(), required=True, unique=True),
        Column("name", "Họ và tên", Text(max_length=100)),
        Column("role", "Quyền", Choice(options=tuple(Role)), required=True, default=Role.VIEWER),
        Column("note", "Ghi chú", Text(max_length=300)),
    ),
    label_column="email",
    description="Ai được xem, ai được nhập liệu, ai quản trị.",
)

AUDIT = _sheet(
    "audit",
    "Nhật ký thay đổi",
    "dòng nhật ký",
    "NK",
    (
        Column("at", "Thời điểm", Timestamp(), required=True),
        Column("actor", "Người thực hiện", Text(max_length=200), required=True),
        Column("action", "Thao tác", Choice(options=tuple(AuditAction)), required=True),
        Column("sheet", "Bảng", Text(max_length=100), required=True),
        Column("record_id", "Mã bản ghi", Text(max_length=40), required=True),
        Column("before", "Trước khi sửa", LongText(max_length=20000)),
        Column("after", "Sau khi sửa", LongText(max_length=20000)),
    ),
    archivable=False,
    in_snapshot=False,
    description="Ai đã thay đổi gì, lúc nào.",
)

OUTSIDE = _sheet(
    "outside",
    "Thay đổi ngoài ứng dụng",
    "thay đổi ngoài ứng dụng",
    "NG",
    (
        Column("at", "Phát hiện lúc", Timestamp(), required=True),
        Column("sheet", "Bảng", Text(max_length=100), required=True),
        Column("record_id", "Mã bản ghi", Text(max_length=40), required=True),
        Column("action", "Thay đổi", Choice(options=(AuditAction.THEM, AuditAction.SUA,
                                                     AuditAction.XOA)), required=True),
        Column("row", "Dòng", Integer(minimum=1)),
        Column("before", "Trước khi sửa", LongText(max_length=20000)),
        Column("after", "Sau khi sửa", LongText(max_length=20000)),
        Column("reviewed_by", "Người đã xem", Text(max_length=200)),
        Column("reviewed_at", "Xem lúc", Timestamp()),
    ),
    archivable=False,
    in_snapshot=False,
    description="Dòng được thêm, sửa hoặc xóa thẳng trong bảng tính, chờ người biên tập xem.",
)

SHEETS: dict[str, Sheet] = {
    s.key: s
    for s in (
        UNITS,
        CAMPAIGNS,
        REGISTRATIONS,
        MEMBERS,
        MEETINGS,
        ATTENDEES,
        VISIT_PLAN,
        TASKS,
        MEMBER_REPORTS,
        INDICATORS,
        INDICATOR_VALUES,
        REPORT_SETTINGS,
        USERS,
        AUDIT,
        OUTSIDE,
    )
}


def sheet(key: str) -> Sheet:
    """Return the declared sheet with this key."""
    return SHEETS[key]


def check_schema(sheets: Mapping[str, Sheet] | None = None) -> list[str]:
    """Return every mistake in the declaration, each naming its exact path."""
    sheets = SHEETS if sheets is None else sheets
    problems: list[str] = []
    titles: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    for name, s in sheets.items():
        path = f"SHEETS[{name!r}]"
        if s.key != name:
            problems.append(f"{path}.key is {s.key!r}, not {name!r}")
        for seen, value, what in ((titles, s.title, "title"), (prefixes, s.id_prefix, "id_prefix")):
            if value in seen:
                problems.append(f"{path}.{what} {value!r} is already used by {seen[value]!r}")
            seen[value] = name
        if not s.columns or s.columns[0].key != ID:
            problems.append(f"{path}.columns[0] must be the {ID!r} column")
        keys: set[str] = set()
        headers: dict[str, str] = {}
        for i, c in enumerate(s.columns):
            cpath = f"{path}.columns[{i}] ({c.key!r})"
            if not c.key.isidentifier():
                problems.append(f"{cpath}.key is not an identifier")
            if c.key in keys:
                problems.append(f"{cpath}.key is declared twice")
            keys.add(c.key)
            for h in (c.header, *c.aliases):
                hk = header_key(h)
                if not hk:
                    problems.append(f"{cpath}.header {h!r} is empty once accents are removed")
                elif hk in headers and headers[hk] != c.key:
                    problems.append(
                        f"{cpath}.header {h!r} matches the header of {headers[hk]!r}"
                    )
                else:
                    headers[hk] = c.key
            if isinstance(c.type, Ref):
                if c.type.sheet not in sheets:
                    problems.append(f"{cpath}.type refers to sheet {c.type.sheet!r}, which is "
                                    "not declared")
                elif sheets[c.type.sheet].label_column is None:
                    problems.append(f"{cpath}.type refers to sheet {c.type.sheet!r}, which has "
                                    "no label_column")
                for kind in c.type.kinds:
                    if kind not in tuple(UnitKind):
                        problems.append(f"{cpath}.type.kinds has unknown unit kind {kind!r}")
            if isinstance(c.type, Choice) and not c.type.options:
                problems.append(f"{cpath}.type has no options")
            default = c.default() if callable(c.default) else c.default
            if default is not None and isinstance(c.type, Choice) and default not in c.type.options:
                problems.append(f"{cpath}.default {default!r} is not one of its options")
        if s.label_column is not None and s.label_column not in keys:
            problems.append(f"{path}.label_column refers to {s.label_column!r}, which is not a "
                            "column")
    return problems
