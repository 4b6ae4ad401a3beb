"""The reports the office owes upward, as plain data: letterhead, title, sections, tables.

One builder per kind (`ReportKind`): Plan 48's indicators for a year (`chi-tieu`), the monthly
compilation of branch-meeting attendance (`sinh-hoat`), the "Dân vận khéo" campaign of a year or
one of its phases (`dan-van-kheo`), and the core-force list per residential group (`nong-cot`).
Every figure is read through the functions the dashboard uses (`services.dashboard`,
`services.progress`, `services.attendance`, `services.campaign`, `services.roster`), never
computed again here, so a fix to a domain rule shows in the documents as on the dashboard.

The narrative parts (general assessment, shortcomings, direction) are text a person writes; when
absent they are the placeholder "[…]". `services.docx_report` turns a `Report` into a Word file;
the report page shows the same content on screen, and each table downloads through
`services.export`. Table cells are text, whole numbers or dates: the document and the screen
format them the Vietnamese way (`cell_text`), the CSV and Excel files keep them as values.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services import attendance as att
from services import campaign as cp
from services import dashboard as board
from services import progress, roster
from services.choices import AttendeeLevel, MemberStatus, RegistrationStatus, ReportKind
from services.coltypes import format_date_vn, format_number
from services.config import Settings
from services.schema import REPORT_SETTINGS, Record
from services.text import fold, name_sort_key, natural_key
from services.validation import Snapshot

Cell = str | int | date | None
PLACEHOLDER = "[…]"
PLAN_48 = "Kế hoạch số 48-KH/ĐU"

# The kind as the command line and file names spell it.
SLUGS: dict[str, ReportKind] = {
    "chi-tieu": ReportKind.CHI_TIEU,
    "sinh-hoat": ReportKind.SINH_HOAT,
    "dan-van-kheo": ReportKind.DAN_VAN_KHEO,
    "nong-cot": ReportKind.NONG_COT,
}
SLUG_OF = {kind: slug for slug, kind in SLUGS.items()}


# --- the content ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of body text; `heading` for a numbered sub-heading ("1. Đánh giá chung")."""

    text: str
    heading: bool = False
    placeholder: bool = False  # narrative nobody has written yet


@dataclass(frozen=True)
class Table:
    """A table with a header row; cells are text, whole numbers or dates."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[float, ...]  # relative column widths: the document fits them to the page
    empty: str = "Không có."  # the sentence shown instead of a table without rows
    total: bool = False  # the last row sums the others (bold in the document)
    stem: str = ""  # file-name stem of its CSV/Excel download

    def __post_init__(self) -> None:
        if len(self.widths) != len(self.header):
            raise ValueError(f"table {self.title!r}: {len(self.widths)} widths for "
                             f"{len(self.header)} columns")


Block = Paragraph | Table


@dataclass(frozen=True)
class Section:
    """A numbered section: "I. KẾT QUẢ THỰC HIỆN" and its paragraphs and tables."""

    number: str  # "I", "II"
    title: str  # in capitals
    blocks: tuple[Block, ...]

    @property
    def heading(self) -> str:
        """Return the heading as printed: "I. KẾT QUẢ THỰC HIỆN"."""
        return f"{self.number}. {self.title}"


@dataclass(frozen=True)
class Letterhead:
    """What the top of the first page says."""

    superior: str  # "ĐẢNG BỘ TỈNH QUẢNG NGÃI"
    issuer: str  # "ĐẢNG ỦY PHƯỜNG PHỐ HÒA"
    number: str  # "Số 12-BC/ĐU"
    place: str  # "Phố Hòa"
    day: date

    @property
    def place_date(self) -> str:
        """Return "Phố Hòa, ngày 02 tháng 12 năm 2026" (day and month with two digits)."""
        return f"{self.place}, ngày {self.day:%d} tháng {self.day:%m} năm {self.day.year}"


@dataclass(frozen=True)
class Signature:
    """The signature block at the bottom right."""

    for_body: str  # "T/M ĐẢNG ỦY"
    title: str  # "BÍ THƯ"
    name: str


@dataclass(frozen=True)
class Report:
    """One report, ready to show on screen or to write as a document."""

    kind: ReportKind
    letterhead: Letterhead
    subject: str
    intro: str
    sections: tuple[Section, ...]
    recipients: tuple[str, ...]
    signature: Signature
    period: str  # "năm 2025", "tháng 5/2026": for file names and the screen
    doc_type: str = "BÁO CÁO"

    def tables(self) -> list[Table]:
        """Return every table, in document order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

    @property
    def file_stem(self) -> str:
        """Return a file-name stem, e.g. "bao-cao-chi-tieu-nam-2025"."""
        return f"bao-cao-{SLUG_OF[self.kind]}-{self.period}"


@dataclass(frozen=True)
class Narrative:
    """The parts of a report a person writes: each is "[…]" in the document until written."""

    assessment: str = ""  # "Đánh giá chung"
    shortcomings: str = ""  # "Hạn chế, nguyên nhân"
    direction: str = ""  # "Phương hướng, nhiệm vụ thời gian tới"


NARRATIVE_LABELS = {
    "assessment": "Đánh giá chung",
    "shortcomings": "Hạn chế, nguyên nhân",
    "direction": "Phương hướng, nhiệm vụ thời gian tới",
}


def cell_text(value: Cell) -> str:
    """Return a cell as the document and the screen show it: "1.234", "07/04/2024"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else ""
    if isinstance(value, int):
        return format_number(value, 0)
    if isinstance(value, date):
        return format_date_vn(value)
    return str(value)


def _n(value: int) -> str:
    return format_number(value, 0)


def _written(text: str) -> tuple[Paragraph, ...]:
    """Return typed narrative as paragraphs (one per non-blank line), or the placeholder."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        return (Paragraph(PLACEHOLDER, placeholder=True),)
    return tuple(Paragraph(line) for line in lines)


def _numbered(rows: Iterable[Sequence[Cell]]) -> tuple[tuple[Cell, ...], ...]:
    """Prefix each row with its number in the "TT" column."""
    return tuple((i, *row) for i, row in enumerate(rows, 1))


# --- settings: letterhead, signer, recipients ----------------------------------------------


@dataclass(frozen=True)
class ReportSettings:
    """The editable parts of a kind's letterhead, signature and recipients."""

    superior: str
    issuer: str
    number: str
    place: str
    signer_for: str
    signer_title: str
    signer_name: str
    recipients: tuple[str, ...]


def default_recipients(kind: ReportKind, config: Settings) -> tuple[str, ...]:
    """Return the recipients the seeds list for this kind (the upper level now the province)."""
    level = str(config.ward_level)
    office = "Lưu Văn phòng Đảng ủy."
    if kind == ReportKind.CHI_TIEU:  # seed 002 §IV.3: "báo cáo ... về Ban Thường vụ"
        return ("Ban Thường vụ Tỉnh ủy (báo cáo),", "Ban Dân vận Tỉnh ủy (báo cáo),",
                "Thường trực Đảng ủy,", f"Thường trực HĐND, UBND {level},",
                f"Mặt trận và các tổ chức CT-XH {level},", "Các chi bộ trực thuộc,",
                "Các đồng chí Đảng ủy viên,", office)
    if kind == ReportKind.SINH_HOAT:  # seed 003 §III.3: "báo cáo Ban Chấp hành Đảng bộ"
        return (f"Ban Chấp hành Đảng bộ {level} (báo cáo),", "Thường trực Đảng ủy,",
                "Các chi bộ trực thuộc,", "Các đồng chí Đảng ủy viên,", office)
    if kind == ReportKind.DAN_VAN_KHEO:  # seed 004: "Ban Dân vận Huyện ủy, (để báo cáo)"
        return ("Ban Dân vận Tỉnh ủy (để báo cáo),", "Thường trực Đảng ủy,",
                "UBND, UBMTTQ, các đoàn thể CT-XH,", "Các chi ủy, chi bộ,", office)
    # seed 000: the core-force plan
    return ("Ban Thường vụ Tỉnh ủy (báo cáo),", "Ban Dân vận Tỉnh ủy (báo cáo),",
            "Thường trực Đảng ủy,", f"Thường trực HĐND, UBND {level},",
            f"Mặt trận, các tổ chức CT-XH {level},", "Các chi bộ trực thuộc,", office)


def default_settings(kind: ReportKind, config: Settings) -> ReportSettings:
    """Return the settings a kind has before anyone sets them: the seeds and the ward's name."""
    return ReportSettings(
        superior="[ĐẢNG BỘ CẤP TRÊN]",
        issuer=config.committee.upper(),
        number="    -BC/ĐU",
        place=config.ward_name,
        signer_for="T/M ĐẢNG ỦY",
        signer_title="BÍ THƯ",
        signer_name="",
        recipients=default_recipients(kind, config),
    )


def split_recipients(text: str) -> tuple[str, ...]:
    """Read recipients typed one per line, a leading "-" or "+" dropped."""
    lines = (line.strip().lstrip("-+•").strip() for line in (text or "").splitlines())
    return tuple(line for line in lines if line)


def settings_record(snapshot: Snapshot, kind: ReportKind) -> Record | None:
    """Return the stored settings row of a kind, if there is one."""
    table = snapshot.tables.get(REPORT_SETTINGS.key)
    if table is None:
        return None
    return next((r for r in table.active() if r.get("kind") == kind), None)


def report_settings(snapshot: Snapshot, kind: ReportKind, config: Settings) -> ReportSettings:
    """Return a kind's settings: the stored row where filled, the defaults elsewhere."""
    default = default_settings(kind, config)
    row = settings_record(snapshot, kind) or {}

    def pick(key: str) -> str:
        value = str(row.get(key) or "").strip()
        return value or getattr(default, key)

    recipients = split_recipients(str(row.get("recipients") or "")) or default.recipients
    return ReportSettings(pick("superior"), pick("issuer"), pick("number"), pick("place"),
                          pick("signer_for"), pick("signer_title"), pick("signer_name"),
                          recipients)


def _frame(kind: ReportKind, settings: ReportSettings, day: date, subject: str, intro: str,
           sections: Sequence[Section], period: str) -> Report:
    number = settings.number if settings.number.lower().startswith("số") else (
        f"Số {settings.number}")
    return Report(
        kind=kind,
        letterhead=Letterhead(settings.superior.upper(), settings.issuer.upper(), number,
                              settings.place, day),
        subject=subject,
        intro=intro,
        sections=tuple(sections),
        recipients=settings.recipients,
        signature=Signature(settings.signer_for.upper(), settings.signer_title.upper(),
                            settings.signer_name or PLACEHOLDER),
        period=period,
    )


def _closing(narrative: Narrative, first: str = "II") -> list[Section]:
    """The two narrative sections every report ends with."""
    second = "III" if first == "II" else "IV"
    return [
        Section(first, "HẠN CHẾ, NGUYÊN NHÂN", _written(narrative.shortcomings)),
        Section(second, "PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI", _written(narrative.direction)),
    ]


# --- chi-tieu: Plan 48 for a year ----------------------------------------------------------


def _notes(snapshot: Snapshot, code: str, year: int) -> str:
    """Return the notes entered with the indicator's values of the year (the "why")."""
    notes = [str(r.get("note") or "").strip() for r in progress.value_records(snapshot, code)
             if r.get("year") == year]
    return "; ".join(dict.fromkeys(n for n in notes if n))


def build_chi_tieu(snapshot: Snapshot, config: Settings, year: int, day: date,
                   narrative: Narrative) -> Report:
    """Plan 48 in a year: every indicator judged, the trend since 2022, what is behind and why."""
    view = board.indicator_view(snapshot, year)
    first = progress.PLAN_FIRST_YEAR
    years = list(range(first, max(year, first) + 1))
    by_year = {y: {e.code: e for e in board.indicator_view(snapshot, y).evaluations}
               for y in years}
    summary = (f"Năm {year}, trong {_n(view.total)} chỉ tiêu của {PLAN_48}: "
               f"{_n(view.met)} chỉ tiêu đạt hoặc đúng tiến độ; {_n(view.behind)} chỉ tiêu "
               f"chưa đạt hoặc chậm tiến độ; {_n(view.unknown)} chỉ tiêu chưa có số liệu.")
    judged = Table(
        f"Bảng 1. Kết quả thực hiện các chỉ tiêu năm {year}",
        ("TT", "Mã", "Chỉ tiêu", "Mục tiêu", f"Kết quả năm {year}", "Đánh giá"),
        _numbered((e.code, e.text, e.target_text, e.value_text, str(e.status))
                  for e in view.evaluations),
        (0.5, 0.8, 4.2, 1.5, 1.5, 1.3),
        empty="Chưa có chỉ tiêu nào trong danh mục.",
        stem=f"chi-tieu-{year}",
    )
    trend = Table(
        f"Bảng 2. Kết quả các chỉ tiêu qua các năm {first} - {year}",
        ("TT", "Mã", "Mục tiêu", *(str(y) for y in years)),
        _numbered((e.code, e.target_text,
                   *((by_year[y].get(e.code).value_text or "—") if by_year[y].get(e.code)
                     else "—" for y in years))
                  for e in view.evaluations),
        (0.5, 0.8, 1.5, *([1.2] * len(years))),
        empty="Chưa có chỉ tiêu nào trong danh mục.",
        stem=f"chi-tieu-qua-cac-nam-{first}-{year}",
    )
    behind = [e for e in view.evaluations if e.met is False]
    behind_table = Table(
        f"Bảng 3. Các chỉ tiêu chưa đạt, chậm tiến độ năm {year}",
        ("TT", "Mã", "Chỉ tiêu", "Kết quả", "Đánh giá", "Ghi chú, nguyên nhân"),
        _numbered((e.code, e.text, e.value_text, e.explanation,
                   _notes(snapshot, e.code, year)) for e in behind),
        (0.5, 0.8, 2.4, 1.2, 2.6, 2.3),
        empty=f"Năm {year} không có chỉ tiêu nào chưa đạt hoặc chậm tiến độ.",
        stem=f"chi-tieu-chua-dat-{year}",
    )
    unknown = [e.code for e in view.evaluations if e.met is None]
    missing = ([Paragraph(f"Chỉ tiêu chưa có số liệu năm {year}: {', '.join(unknown)}.")]
               if unknown else [])
    results: list[Block] = [Paragraph("1. Đánh giá chung", heading=True),
                            *_written(narrative.assessment),
                            Paragraph("2. Kết quả thực hiện các chỉ tiêu", heading=True),
                            Paragraph(summary), *missing, judged,
                            Paragraph(f"3. Kết quả qua các năm {first} - {year}", heading=True),
                            trend]
    shortcomings = Section("II", "HẠN CHẾ, NGUYÊN NHÂN", (
        Paragraph("1. Các chỉ tiêu chưa đạt, chậm tiến độ", heading=True), behind_table,
        Paragraph("2. Hạn chế, nguyên nhân", heading=True), *_written(narrative.shortcomings)))
    direction = Section("III", "PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI",
                        _written(narrative.direction))
    intro = (f"Thực hiện {PLAN_48} của {config.committee} thực hiện Đề án số 13-ĐA/TU ngày "
             "10/10/2022 của Ban Thường vụ Tỉnh ủy về đổi mới và nâng cao hiệu quả công tác dân "
             "vận góp phần phát triển kinh tế, xã hội, xây dựng nông thôn mới, đô thị văn minh "
             f"giai đoạn 2022 - 2026, {config.committee} báo cáo kết quả thực hiện năm {year} "
             "như sau:")
    return _frame(ReportKind.CHI_TIEU, report_settings(snapshot, ReportKind.CHI_TIEU, config),
                  day, f"Kết quả thực hiện {PLAN_48} năm {year}", intro,
                  [Section("I", "KẾT QUẢ THỰC HIỆN", tuple(results)), shortcomings, direction],
                  f"nam-{year}")


# --- sinh-hoat: the month's branch-meeting attendance --------------------------------------


def default_month(year: int, day: date) -> int:
    """Return the month a compilation is for by default: the last one ended, in the year."""
    if year != day.year:
        return 12
    return max(1, day.month - 1)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def build_sinh_hoat(snapshot: Snapshot, config: Settings, year: int, month: int, day: date,
                    narrative: Narrative) -> Report:
    """The month's compilation: who attended where, reports, who is behind, branches not visited."""
    meetings = snapshot["meetings"].active()
    units = snapshot["units"].active()
    first, last = date(year, month, 1), _month_end(year, month)
    summary = att.monthly_summary(meetings, first, day, units)
    label = summary.label  # "Tháng 5/2026"
    visits = sorted((r for r in meetings if isinstance(r.get("meeting_date"), date)
                     and r.get("attendee") and r.get("level")
                     and first <= r["meeting_date"] <= last),
                    key=lambda r: (r["meeting_date"], name_sort_key(str(r["attendee"]))))
    attended = Table(
        f"Bảng 1. Cấp ủy viên, đảng viên dự sinh hoạt chi bộ khu dân cư {label.lower()}",
        ("TT", "Người dự", "Cấp", "Chi bộ dự sinh hoạt", "Ngày dự", "Ngày báo cáo",
         "Tình trạng báo cáo"),
        _numbered((str(r["attendee"]), str(r["level"]), str(r.get("branch") or ""),
                   r["meeting_date"], r.get("report_date"), att.status_text(r, day))
                  for r in visits),
        (0.5, 2.0, 2.0, 1.9, 1.2, 1.2, 1.8),
        empty=f"{label} chưa có lượt dự sinh hoạt nào được ghi.",
        stem=f"du-sinh-hoat-{year}-{month:02d}",
    )
    levels = Table(
        "Bảng 2. Số lượt dự sinh hoạt theo cấp",
        ("TT", "Cấp", "Số lượt dự"),
        _numbered((str(level), summary.by_level.get(level, 0)) for level in AttendeeLevel),
        (0.5, 4.0, 1.5),
        stem=f"du-sinh-hoat-theo-cap-{year}-{month:02d}",
    )
    reports = Table(
        "Bảng 3. Tình trạng báo cáo sau khi dự sinh hoạt",
        ("TT", "Tình trạng báo cáo", "Số lượt"),
        _numbered((str(status), count) for status, count in summary.reports.items()),
        (0.5, 4.0, 1.5),
        stem=f"bao-cao-sau-du-sinh-hoat-{year}-{month:02d}",
    )
    # Everyone on the register of who must attend (seed 003: 100% phải tham gia), judged on
    # the periods of the year that ended by the month's end, as the dashboard judges them.
    judged = att.register_compliance(snapshot["attendees"].active(), meetings,
                                     snapshot["units"].records,
                                     min(day, last + timedelta(days=1)),
                                     (date(year, 1, 1), last))
    behind = judged.behind
    behind_table = Table(
        "Bảng 4. Cấp ủy viên, đảng viên chưa dự sinh hoạt đủ theo quy định",
        ("TT", "Người dự", "Cấp", "Kỳ chưa dự", "Số lượt dự", "Đánh giá"),
        _numbered((r.name, str(r.level), ", ".join(p.label for p in r.missing_periods),
                   r.visits, str(r.overall)) for r in behind),
        (0.5, 2.2, 2.2, 2.4, 1.0, 1.1),
        empty="Không có cấp ủy viên, đảng viên nào chưa dự sinh hoạt đủ theo quy định.",
        stem=f"chua-du-sinh-hoat-du-{year}-{month:02d}",
    )
    unvisited = Table(
        f"Bảng 5. Chi bộ khu dân cư chưa có cấp ủy viên, đảng viên dự sinh hoạt {label.lower()}",
        ("TT", "Chi bộ"),
        _numbered((b,) for b in summary.unvisited_branches),
        (0.5, 5.5),
        empty=f"{label}, chi bộ khu dân cư nào cũng có cấp ủy viên, đảng viên dự sinh hoạt.",
        stem=f"chi-bo-chua-co-nguoi-du-{year}-{month:02d}",
    )
    figures = (f"{label} có {_n(summary.visits)} lượt cấp ủy viên, đảng viên dự sinh hoạt "
               f"tại {_n(summary.branches)} chi bộ khu dân cư ({_n(summary.attendees)} người), "
               f"trong đó {_n(summary.complex_area_visits)} lượt ở địa bàn phức tạp; "
               f"{_n(len(summary.unvisited_branches))} chi bộ chưa có người dự. "
               f"Từ đầu năm đến hết {label.lower()}, tỷ lệ người phải dự đã dự đủ theo quy định: "
               f"{judged.percent_text()}.")
    results: tuple[Block, ...] = (
        Paragraph("1. Đánh giá chung", heading=True), *_written(narrative.assessment),
        Paragraph("2. Kết quả dự sinh hoạt", heading=True), Paragraph(figures), attended,
        levels, reports,
        Paragraph("3. Việc thực hiện chế độ dự sinh hoạt, báo cáo", heading=True), behind_table,
        unvisited)
    intro = ("Thực hiện Kế hoạch của Ban Thường vụ Tỉnh ủy về bí thư, phó bí thư, ủy viên ban "
             "thường vụ và cấp ủy viên dự sinh hoạt với chi bộ khu dân cư; đảng viên công tác "
             f"tại xã, phường, thị trấn sinh hoạt Đảng tại chi bộ khu dân cư, {config.committee} "
             f"tổng hợp kết quả {label.lower()} như sau:")
    return _frame(ReportKind.SINH_HOAT, report_settings(snapshot, ReportKind.SINH_HOAT, config),
                  day, "Kết quả cấp ủy viên, đảng viên dự sinh hoạt chi bộ khu dân cư "
                  f"{label.lower()}", intro,
                  [Section("I", "KẾT QUẢ THỰC HIỆN", results), *_closing(narrative)],
                  f"thang-{month:02d}-{year}")


# --- dan-van-kheo: a campaign's or a year's models -----------------------------------------


class UnknownCampaign(ValueError):
    """The campaign named is not one of the year's."""


def build_dan_van_kheo(snapshot: Snapshot, config: Settings, year: int, day: date,
                       narrative: Narrative, campaign: str | None = None) -> Report:
    """A year's (or one phase's) models by unit and field, who has not registered, late results."""
    names = cp.campaign_names(snapshot, year)
    view = board.build_registrations(snapshot, year, day)
    if campaign:
        found = next((n for n in names if fold(n) == fold(campaign)), None)
        if found is None:
            raise UnknownCampaign(
                f"Năm {year} không có đợt thi đua “{campaign}”"
                + (f" (có: {', '.join(names)})." if names else "."))
        records = cp.registrations_of(snapshot, [found])
        summary = cp.summarise(records)
        by_field = summary.by_field
        total = summary.total
        missing = [(u["name"], str(u.get("kind") or ""), u.get("head") or "")
                   for u in cp.units_not_registered(snapshot, [found])]
        overdue = [(o.registration.get("unit"), o.registration.get("model_name"), o.last,
                    o.days_overdue) for o in cp.overdue_results(snapshot, day, year)
                   if o.campaign["name"] == found]
        chosen: int | list[str] = [found]
        scope = found
    else:
        records = cp.registrations_of(snapshot, year)
        by_field = list(view.by_field.itertuples(index=False, name=None))
        total = view.total
        missing = list(view.not_registered.loc[:, ["Đơn vị", "Loại đơn vị", "Người phụ trách"]]
                       .itertuples(index=False, name=None)) if names else []
        overdue = [(o.registration.get("unit"), o.registration.get("model_name"), o.last,
                    o.days_overdue) for o in cp.overdue_results(snapshot, day, year)]
        chosen = year
        scope = f"năm {year}"
    models = sorted(records, key=lambda r: (natural_key(str(r.get("unit") or "")),
                                            natural_key(str(r.get("model_name") or ""))))
    field_table = Table(
        "Bảng 1. Số mô hình đăng ký theo lĩnh vực",
        ("TT", "Lĩnh vực", "Số mô hình"),
        _numbered([(str(f), int(n)) for f, n in by_field] + [("Tổng cộng", total)]),
        (0.5, 4.0, 1.5),
        total=True,
        stem=f"mo-hinh-theo-linh-vuc-{year}",
    )
    model_table = Table(
        "Bảng 2. Mô hình đăng ký và kết quả thực hiện theo đơn vị",
        ("TT", "Đơn vị", "Tên mô hình", "Lĩnh vực", "Tập thể/cá nhân", "Kết quả"),
        _numbered((str(r.get("unit") or ""), str(r.get("model_name") or ""),
                   str(r.get("field") or ""), str(r.get("kind") or "")
                   + (f": {r['person']}" if r.get("person") else ""),
                   str(r.get("status") or "")
                   + (f" ({r['recognition']})" if r.get("recognition") else ""))
                  for r in models),
        (0.5, 2.0, 3.0, 1.6, 1.3, 1.7),
        empty="Chưa có mô hình nào được đăng ký.",
        stem=f"mo-hinh-dang-ky-{year}",
    )
    missing_table = Table(
        "Bảng 3. Đơn vị chưa đăng ký mô hình",
        ("TT", "Đơn vị", "Loại đơn vị", "Người phụ trách"),
        _numbered(missing),
        (0.5, 2.8, 2.2, 2.0),
        empty="Các đơn vị phải đăng ký đều đã đăng ký mô hình." if names
        else f"Năm {year} chưa có đợt thi đua “Dân vận khéo”.",
        stem=f"don-vi-chua-dang-ky-{year}",
    )
    overdue_table = Table(
        "Bảng 4. Mô hình quá hạn chưa báo cáo kết quả",
        ("TT", "Đơn vị", "Tên mô hình", "Hạn cuối báo cáo", "Số ngày quá hạn"),
        _numbered(overdue),
        (0.5, 2.2, 3.2, 1.3, 1.2),
        empty="Không có mô hình nào quá hạn báo cáo kết quả.",
        stem=f"mo-hinh-qua-han-bao-cao-{year}",
    )
    late = [("Đăng ký", x) for x in cp.late_registrations(snapshot, chosen)] + [
        ("Báo cáo kết quả", x) for x in cp.late_results(snapshot, chosen)]
    late_table = Table(
        "Bảng 5. Mô hình đăng ký, báo cáo kết quả sau thời hạn",
        ("TT", "Đơn vị", "Tên mô hình", "Việc", "Hạn cuối", "Ngày thực hiện", "Số ngày muộn"),
        _numbered((str(x.registration.get("unit") or ""),
                   str(x.registration.get("model_name") or ""), what, x.last, x.done_on,
                   x.days_late) for what, x in late),
        (0.5, 1.9, 2.6, 1.3, 1.1, 1.1, 0.9),
        empty="Không có mô hình nào đăng ký hoặc báo cáo kết quả sau thời hạn.",
        stem=f"mo-hinh-muon-han-{year}",
    )
    recognised = [r for r in models if r.get("status") == RegistrationStatus.CONG_NHAN]
    recognised_table = Table(
        "Bảng 6. Mô hình được công nhận",
        ("TT", "Đơn vị", "Tên mô hình", "Lĩnh vực", "Cấp công nhận"),
        _numbered((str(r.get("unit") or ""), str(r.get("model_name") or ""),
                   str(r.get("field") or ""), str(r.get("recognition") or ""))
                  for r in recognised),
        (0.5, 2.2, 3.2, 1.6, 1.3),
        empty="Chưa có mô hình nào được công nhận.",
        stem=f"mo-hinh-duoc-cong-nhan-{year}",
    )
    units_registered = len({str(r.get("unit") or "") for r in records})
    origins = "; ".join(f"{str(o).lower()} {_n(n)}" for o, n in cp.summarise(records).by_origin)
    figures = (f"Phong trào thi đua “Dân vận khéo” {scope}: {_n(total)} mô hình của "
               f"{_n(units_registered)} đơn vị đăng ký (mô hình {origins}); "
               f"{_n(len(missing))} đơn vị chưa đăng ký; "
               f"{_n(len(overdue))} mô hình quá hạn chưa báo cáo kết quả; "
               f"{_n(len(late))} lượt đăng ký, báo cáo kết quả sau thời hạn; "
               f"{_n(len(recognised))} mô hình được công nhận.")
    results: tuple[Block, ...] = (
        Paragraph("1. Đánh giá chung", heading=True), *_written(narrative.assessment),
        Paragraph("2. Kết quả đăng ký, thực hiện mô hình", heading=True), Paragraph(figures),
        field_table, model_table,
        Paragraph("3. Việc đăng ký và báo cáo kết quả", heading=True), missing_table,
        overdue_table, late_table,
        Paragraph("4. Mô hình được công nhận", heading=True), recognised_table)
    intro = ("Thực hiện Kế hoạch phát động phong trào thi đua “Dân vận khéo” năm "
             f"{year}, {config.committee} báo cáo kết quả {scope} như sau:")
    subject = (f"Kết quả thực hiện phong trào thi đua “Dân vận khéo” {scope}" if campaign
               else f"Kết quả thực hiện phong trào thi đua “Dân vận khéo” năm {year}")
    return _frame(ReportKind.DAN_VAN_KHEO,
                  report_settings(snapshot, ReportKind.DAN_VAN_KHEO, config), day, subject,
                  intro, [Section("I", "KẾT QUẢ THỰC HIỆN", results), *_closing(narrative)],
                  f"nam-{year}")


# --- nong-cot: the core-force list per residential group -----------------------------------


_LISTED = (MemberStatus.DE_XUAT, MemberStatus.DA_PHE_DUYET)


def build_nong_cot(snapshot: Snapshot, config: Settings, year: int, day: date,
                   narrative: Narrative) -> Report:
    """The core force per residential group, proposed and approved, with coverage."""
    view = board.build_roster(snapshot)
    cov = roster.coverage(snapshot)
    sums = cov.totals()
    coverage = Table(
        "Bảng 1. Lực lượng nòng cốt theo tổ dân phố",
        ("TT", *roster.COVERAGE_HEADERS.values()),
        (*_numbered((r.tdp, r.proposed, r.approved, r.active, r.party_members, r.left,
                     str(r.state)) for r in cov.rows),
         *([(None, sums.tdp, sums.proposed, sums.approved, sums.active, sums.party_members,
             sums.left, None)] if cov.rows else [])),
        (0.5, 1.8, 1.0, 1.1, 1.1, 1.1, 1.0, 1.6),
        empty="Chưa có tổ dân phố nào trong danh mục.",
        total=True,
        stem="luc-luong-nong-cot-theo-to-dan-pho",
    )
    groups = {r.tdp: i for i, r in enumerate(cov.rows)}
    members = sorted((m for m in snapshot["members"].active()
                      if m.get("status") in _LISTED and str(m.get("tdp") or "") in groups),
                     key=lambda m: (groups[str(m["tdp"])], name_sort_key(str(m["full_name"]))))
    listed = Table(
        "Bảng 2. Danh sách lực lượng nòng cốt",
        ("TT", "Họ và tên", "Năm sinh", "Tổ dân phố", "Chức danh, vai trò", "Đảng viên",
         "Trạng thái"),
        # The year as text: a number would print as "1.957" in the Vietnamese format.
        _numbered((str(m["full_name"]), str(m.get("birth_year") or ""), str(m["tdp"]),
                   str(m.get("role") or ""), "x" if m.get("party_member") else "",
                   str(m["status"])) for m in members),
        (0.5, 2.2, 0.9, 1.7, 2.3, 1.1, 1.4),
        empty="Chưa có ai trong danh sách lực lượng nòng cốt.",
        stem="danh-sach-luc-luong-nong-cot",
    )
    figures = (f"{_n(view.with_list)}/{_n(view.groups)} tổ dân phố đã có danh sách lực lượng "
               f"nòng cốt; {_n(view.pending)} tổ dân phố còn người chờ phê duyệt"
               + (f"; chưa có danh sách: {', '.join(view.without_list)}." if view.without_list
                  else "."))
    results: tuple[Block, ...] = (
        Paragraph("1. Đánh giá chung", heading=True), *_written(narrative.assessment),
        Paragraph("2. Kết quả xây dựng lực lượng nòng cốt", heading=True), Paragraph(figures),
        coverage, Paragraph("3. Danh sách lực lượng nòng cốt", heading=True), listed)
    intro = ("Thực hiện Đề án số 14-ĐA/TU ngày 25/4/2023 của Ban Thường vụ về thí điểm xây dựng "
             f"lực lượng nòng cốt ở cơ sở, {config.committee} báo cáo danh sách lực lượng nòng "
             f"cốt ở cơ sở năm {year} như sau:")
    return _frame(ReportKind.NONG_COT, report_settings(snapshot, ReportKind.NONG_COT, config),
                  day, f"Danh sách lực lượng nòng cốt ở cơ sở năm {year}", intro,
                  [Section("I", "KẾT QUẢ THỰC HIỆN", results), *_closing(narrative)],
                  f"nam-{year}")


# --- one entry point -----------------------------------------------------------------------


def build(kind: ReportKind | str, snapshot: Snapshot, config: Settings, *, year: int, day: date,
          month: int | None = None, campaign: str | None = None,
          narrative: Narrative | Mapping[str, Any] | None = None) -> Report:
    """Build a report of any kind (a slug such as "chi-tieu" works too)."""
    kind = SLUGS[kind] if isinstance(kind, str) and kind in SLUGS else ReportKind(kind)
    if not isinstance(narrative, Narrative):
        narrative = Narrative(**{k: str(v or "") for k, v in (narrative or {}).items()
                                 if k in NARRATIVE_LABELS})
    if kind == ReportKind.CHI_TIEU:
        return build_chi_tieu(snapshot, config, year, day, narrative)
    if kind == ReportKind.SINH_HOAT:
        return build_sinh_hoat(snapshot, config, year, month or default_month(year, day), day,
                               narrative)
    if kind == ReportKind.DAN_VAN_KHEO:
        return build_dan_van_kheo(snapshot, config, year, day, narrative, campaign)
    return build_nong_cot(snapshot, config, year, day, narrative)


# --- tong-hop: the upper level's roll-up of its wards (DANVAN_UPPER) -----------------------
# Every figure comes from `services.rollup`'s tables, which hold each ward's own dashboard
# figures; this block only lays them out as a document of the upper level.

ROLLUP_SLUG = "tong-hop"
# The Party committee of each upper level, as recipients name it ("Ban Thường vụ Tỉnh ủy").
_COMMITTEE_OF = {"tỉnh": "Tỉnh ủy", "thành phố": "Thành ủy", "huyện": "Huyện ủy",
                 "thị xã": "Thị ủy", "quận": "Quận ủy"}


@dataclass(frozen=True, kw_only=True)
class RollupReport(Report):
    """The upper level's roll-up: the layout of a `Report`, none of a ward's four kinds."""

    kind: str = ROLLUP_SLUG  # type: ignore[assignment]

    @property
    def file_stem(self) -> str:
        """Return a file-name stem, e.g. "bao-cao-tong-hop-nam-2026"."""
        return f"bao-cao-{ROLLUP_SLUG}-{self.period}"


def _percent(value: Any) -> str:
    if value is None or value != value:  # None or NaN: nothing to judge
        return "—"
    return f"{format_number(float(value), 1)}%"


def _whole(value: Any) -> int | None:
    return None if value is None or value != value else int(value)


def _of_text(part: Any, whole: Any) -> str:
    part, whole = _whole(part), _whole(whole)
    return f"{_n(part or 0)}/{_n(whole)}" if whole else "—"


def build_tong_hop(view: Any, upper: Any, day: date,
                   narrative: Narrative | Mapping[str, Any] | None = None) -> RollupReport:
    """The roll-up of the wards as a report of the upper level (`services.rollup.RollupView`)."""
    if not isinstance(narrative, Narrative):
        narrative = Narrative(**{k: str(v or "") for k, v in (narrative or {}).items()
                                 if k in NARRATIVE_LABELS})
    year, plan_year = view.year, view.plan_year
    figures, plan = view.figures, view.plan48
    key = Table(
        f"Bảng 1. Số liệu chính của các xã, phường năm {year}",
        ("TT", "Xã, phường", "Mức chưa đạt", "Chỉ tiêu đạt", "Đơn vị chưa đăng ký",
         "Chưa dự đủ kỳ", "TDP chưa có danh sách"),
        _numbered((f"{r['Cấp']} {r['Xã, phường']}", _percent(r["Mức chưa đạt (%)"]),
                   _of_text(r["Chỉ tiêu đạt"], r["Chỉ tiêu có số liệu"]),
                   _of_text(r["Đơn vị chưa đăng ký"], r["Đơn vị phải đăng ký"]),
                   _of_text(r["Chưa dự đủ kỳ"], r["Người phải dự"]),
                   _of_text(r["TDP chưa có danh sách"], r["Số TDP"]))
                  for r in figures.to_dict("records")),
        (0.5, 2.4, 1.1, 1.1, 1.3, 1.1, 1.3),
        empty="Chưa đọc được dữ liệu của xã, phường nào.", stem=f"tong-hop-so-lieu-chinh-{year}")
    codes = [c for c in plan.columns if c not in ("Xã, phường", "Cấp", "Đạt", "Chưa đạt, chậm",
                                                   "Chưa có số liệu")]
    per_indicator = []
    for code in codes:
        cells = [str(c) for c in plan[code] if isinstance(c, str)]
        met = sum(c.endswith(("Đạt", "Vượt chỉ tiêu", "Đúng tiến độ")) for c in cells)
        unknown = sum(c.endswith("Chưa có số liệu") for c in cells)
        per_indicator.append((code, met, len(cells) - met - unknown, unknown))
    per_indicator.sort(key=lambda r: (-r[2], -r[3], natural_key(r[0])))
    indicators = Table(
        f"Bảng 2. Chỉ tiêu Kế hoạch 48 năm {plan_year}: số xã, phường đạt",
        ("TT", "Mã", "Số xã, phường đạt", "Chưa đạt, chậm tiến độ", "Chưa có số liệu"),
        _numbered(per_indicator), (0.5, 1.0, 1.6, 1.8, 1.6),
        empty="Chưa có chỉ tiêu nào.", stem=f"tong-hop-chi-tieu-theo-ma-{plan_year}")
    registrations = Table(
        f"Bảng 3. Đăng ký mô hình “Dân vận khéo” năm {year}",
        ("TT", "Xã, phường", "Mô hình đăng ký", "Đơn vị đã đăng ký", "Tỷ lệ",
         "Quá hạn báo cáo kết quả"),
        _numbered((r["Xã, phường"], _whole(r["Mô hình đăng ký"]),
                   _of_text(r["Đã đăng ký"], r["Đơn vị phải đăng ký"]),
                   _percent(r["Tỷ lệ đã đăng ký (%)"]), _whole(r["Quá hạn báo cáo kết quả"]))
                  for r in view.registrations.to_dict("records")),
        (0.5, 2.4, 1.3, 1.5, 1.0, 1.5),
        empty="Chưa có số liệu.", stem=f"tong-hop-dang-ky-mo-hinh-{year}")
    attendance = Table(
        f"Bảng 4. Cấp ủy viên, đảng viên dự sinh hoạt chi bộ khu dân cư năm {year}",
        ("TT", "Xã, phường", "Dự đủ các kỳ", "Tỷ lệ", "Báo cáo trễ", "Báo cáo chưa gửi"),
        _numbered((r["Xã, phường"], _of_text(r["Dự đủ các kỳ"], r["Người phải dự"]),
                   _percent(r["Tỷ lệ dự đủ (%)"]), _whole(r["Báo cáo trễ"]),
                   _whole(r["Báo cáo chưa gửi"]))
                  for r in view.attendance.to_dict("records")),
        (0.5, 2.4, 1.4, 1.0, 1.2, 1.4),
        empty="Chưa có số liệu.", stem=f"tong-hop-du-sinh-hoat-{year}")
    core = Table(
        "Bảng 5. Lực lượng nòng cốt ở cơ sở",
        ("TT", "Xã, phường", "Tổ dân phố có danh sách", "Tỷ lệ", "Tổ còn người chờ phê duyệt"),
        _numbered((r["Xã, phường"], _of_text(r["Có danh sách"], r["Số TDP"]),
                   _percent(r["Tỷ lệ có danh sách (%)"]), _whole(r["TDP còn người chờ phê duyệt"]))
                  for r in view.roster.to_dict("records")),
        (0.5, 2.4, 1.8, 1.0, 1.8),
        empty="Chưa có số liệu.", stem="tong-hop-luc-luong-nong-cot")
    missing = view.unavailable
    unread = Table(
        "Bảng 6. Xã, phường chưa đọc được dữ liệu",
        ("TT", "Xã, phường", "Tình trạng", "Lý do", "Đọc được lần cuối"),
        _numbered((r["Xã, phường"], r["Tình trạng dữ liệu"], r["Lý do"],
                   format_date_vn(r["Đọc được lần cuối"].date())
                   if r["Đọc được lần cuối"] is not None
                   and r["Đọc được lần cuối"] == r["Đọc được lần cuối"] else "")
                  for r in missing.to_dict("records")),
        (0.5, 1.8, 1.2, 3.6, 1.3),
        empty="Đã đọc được dữ liệu của mọi xã, phường.", stem="tong-hop-chua-doc-duoc")
    total = len(view.rows)
    summary = (f"Số liệu của {_n(view.shown)}/{_n(total)} xã, phường, đọc từ dữ liệu của từng xã, "
               "phường bằng cùng cách tính với bảng điều khiển của xã, phường; xã, phường chậm "
               "nhất ở trên cùng mỗi bảng.")
    results: tuple[Block, ...] = (
        Paragraph("1. Đánh giá chung", heading=True), *_written(narrative.assessment),
        Paragraph("2. Số liệu chính", heading=True), Paragraph(summary), key,
        Paragraph(f"3. Thực hiện {PLAN_48} năm {plan_year}", heading=True), indicators,
        Paragraph("4. Phong trào thi đua “Dân vận khéo”", heading=True), registrations,
        Paragraph("5. Dự sinh hoạt chi bộ khu dân cư", heading=True), attendance,
        Paragraph("6. Lực lượng nòng cốt ở cơ sở", heading=True), core,
        *((unread,) if len(missing) else ()))
    committee = _COMMITTEE_OF.get(str(upper.level), "Tỉnh ủy")
    is_board = str(upper.name).lower().startswith("ban ")
    name = str(upper.name)
    intro = (f"{name} tổng hợp kết quả công tác dân vận năm {year} của các xã, phường trực "
             "thuộc như sau:")
    return RollupReport(
        letterhead=Letterhead(upper.superior_line.upper(), name.upper(),
                              "Số     -BC/" + ("BDV" if is_board else "ĐU"),
                              upper.place or name, day),
        subject=f"Tổng hợp kết quả công tác dân vận của các xã, phường năm {year}",
        intro=intro,
        sections=(Section("I", "KẾT QUẢ THỰC HIỆN", results), *_closing(narrative)),
        recipients=(f"Ban Thường vụ {committee} (báo cáo),", f"Thường trực {committee},",
                    "Các Đảng ủy xã, phường,", "Lưu Văn phòng."),
        signature=Signature("T/M BAN DÂN VẬN" if is_board else "T/M BAN THƯỜNG VỤ",
                            "TRƯỞNG BAN" if is_board else "BÍ THƯ", PLACEHOLDER),
        period=f"nam-{year}",
    )
