"""Demo data for a plausible ward: units, campaigns, models, core force, meetings, indicators.

`generate` builds every sheet's records from one seed, so a demo, a screenshot or a benchmark can
be rebuilt exactly. The data is deliberately imperfect the way a real ward's is: some units have
not registered a model this year, some models are past their report deadline without results, some
meeting reports are late or missing, one residential group has no core-force list, and some
indicators are off target. Records hold canonical values keyed by column key, without "id" (the
store assigns it) and without "archived".
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

from services import attendance as att
from services import clock
from services.campaign import last_day
from services.choices import (
    AttendeeLevel,
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
from services.reference import ATTENDANCE_RULES, CRITERIA
from services.schema import ARCHIVED, ID, SHEETS, Record

Data = dict[str, list[Record]]

# Independent random streams, one per sheet, so a change to one sheet's recipe leaves the others'
# data as it was. The order is part of the output: append, never reorder.
_STREAMS = ("units", "campaigns", "registrations", "members", "meetings", "indicator_values",
            "attendees", "visit_plan")

# --- Vietnamese names --------------------------------------------------------------------------

# Family names with rough weights of how common they are.
_FAMILY = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
    "Ngô", "Dương",
)
_FAMILY_WEIGHTS = (30, 11, 9, 7, 5, 5, 4, 4, 2, 2, 2, 2, 1, 1)
_MIDDLE = {
    Gender.NAM: (
        "Văn", "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Xuân", "Thanh", "Ngọc",
    ),
    Gender.NU: (
        "Thị", "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Kim", "Mỹ", "Thúy",
    ),
}
_GIVEN = {
    Gender.NAM: (
        "Anh", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hùng", "Hưng", "Khánh", "Long", "Lộc",
        "Minh", "Nam", "Nghĩa", "Nho", "Phúc", "Quang", "Sơn", "Tài", "Tâm", "Thành", "Thắng",
        "Toàn", "Trung", "Tuấn", "Việt", "Vinh", "Hòa", "Hiếu", "Lâm",
    ),
    Gender.NU: (
        "Anh", "Cúc", "Dung", "Hà", "Hạnh", "Hằng", "Hoa", "Hồng", "Hương", "Lan", "Liên", "Linh",
        "Loan", "Mai", "Ngân", "Nga", "Nhung", "Oanh", "Phương", "Thảo", "Thủy", "Trang", "Tuyết",
        "Vân", "Yến", "Xuân", "Hiền", "Huệ", "Lệ", "Thơm",
    ),
}


def _gender(rng: random.Random) -> Gender:
    """Draw a gender."""
    return Gender.NAM if rng.random() < 0.5 else Gender.NU


def _name(rng: random.Random, gender: Gender) -> str:
    """Draw a full name that fits the gender ("Thị" only for women)."""
    family = rng.choices(_FAMILY, _FAMILY_WEIGHTS)[0]
    return f"{family} {rng.choice(_MIDDLE[gender])} {rng.choice(_GIVEN[gender])}"


def _phone(rng: random.Random) -> str:
    """Draw a 10-digit mobile number, as text so the leading 0 stays."""
    return rng.choice(("09", "03", "08")) + f"{rng.randrange(10**8):08d}"


# Second middle names, as in "Nguyễn Thị Thu Hà": what makes a name unique once a large ward
# has used up the three-word ones (some 7,000 of them).
_SECOND_MIDDLE = {
    Gender.NAM: ("Minh", "Quang", "Đức", "Hữu", "Công", "Xuân", "Bảo", "Hoài", "Trọng", "Gia"),
    Gender.NU: ("Thu", "Ngọc", "Kim", "Mỹ", "Thúy", "Bảo", "Diệu", "Hoài", "Phương", "Khánh"),
}
_REDRAWS = 32


def _unique_name(rng: random.Random, gender: Gender, taken: set[str]) -> str:
    """Draw a name nobody in `taken` has, and take it.

    A few fresh draws first; then, rather than drawing on and on from a nearly used-up set (a
    1,000× ward needs 20,000 names), a second middle name is added, and another, until the name
    is new: each one multiplies the names left by ten, so a few draws suffice at any scale.
    """
    name = _name(rng, gender)
    for _ in range(_REDRAWS):
        if name not in taken:
            break
        name = _name(rng, gender)
    while name in taken:
        family, *middle, given = name.split(" ")
        extra = rng.choice([m for m in _SECOND_MIDDLE[gender] if m != middle[-1]])
        name = " ".join((family, *middle, extra, given))
    taken.add(name)
    return name


def _between(rng: random.Random, first: date, last: date) -> date:
    """Draw a day from first to last, both included."""
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _row(sheet_key: str, **values: Any) -> Record:
    """Return a record with every column of the sheet (but id and archived), None when not given."""
    keys = [k for k in SHEETS[sheet_key].keys if k not in (ID, ARCHIVED)]
    unknown = sorted(k for k in values if k not in keys)
    if unknown:
        raise KeyError(f"{sheet_key} has no column {unknown}")
    return {key: values.get(key) for key in keys}


# --- units -------------------------------------------------------------------------------------

# (name, kind, tag): the tag picks the models the unit plausibly registers.
_WARD_BODIES: tuple[tuple[str, UnitKind, str], ...] = (
    ("Ủy ban nhân dân phường", UnitKind.CHINH_QUYEN, "cq"),
    ("Ủy ban Mặt trận Tổ quốc Việt Nam phường", UnitKind.MAT_TRAN, "mt"),
    ("Hội Liên hiệp Phụ nữ phường", UnitKind.DOAN_THE, "pn"),
    ("Đoàn Thanh niên Cộng sản Hồ Chí Minh phường", UnitKind.DOAN_THE, "tn"),
    ("Hội Cựu chiến binh phường", UnitKind.DOAN_THE, "ccb"),
    ("Hội Nông dân phường", UnitKind.DOAN_THE, "nd"),
    ("Công đoàn cơ sở phường", UnitKind.DOAN_THE, "cd"),
    ("Công an phường", UnitKind.CONG_AN, "ca"),
    ("Ban Chỉ huy Quân sự phường", UnitKind.QUAN_SU, "qs"),
    ("Chi bộ Cơ quan Đảng - Đoàn thể", UnitKind.CHI_BO, "cbcq"),
    ("Chi bộ Công an phường", UnitKind.CHI_BO, "ca"),
    ("Chi bộ Quân sự phường", UnitKind.CHI_BO, "qs"),
)
_OFFICE_BRANCHES = tuple(name for name, kind, _ in _WARD_BODIES if kind == UnitKind.CHI_BO)
_TO_DAN_VAN = 7  # per scale step; seed 001: "07 tổ dân vận"
_COMPLEX_NOTES = (
    "Địa bàn giáp ranh, nhiều hộ thuê trọ, lao động ngoại tỉnh",
    "Có dự án giải phóng mặt bằng đang triển khai",
    "Chợ và tuyến phố buôn bán, hay lấn chiếm vỉa hè",
    "Có đông đồng bào theo đạo, nhiều cơ sở tôn giáo",
)


def _tdp(k: int) -> str:
    """Return the name of residential group k."""
    return f"Tổ dân phố {k}"


@dataclass(frozen=True)
class _Units:
    """The units, with what later sheets need to know about them."""

    records: list[Record]
    tags: dict[str, str]  # unit name -> key of `_MODELS` ("tdp5" for group 5 and its branch)
    head_gender: dict[str, Gender]  # unit name -> gender of its head


def _units(rng: random.Random, scale: int) -> _Units:
    """Build the ward-level bodies, the residential groups with their branches, the tổ dân vận."""
    units: list[Record] = []
    tags: dict[str, str] = {}
    genders: dict[str, Gender] = {}

    def add(name: str, kind: UnitKind, tag: str, gender: Gender, **values: Any) -> None:
        units.append(_row("units", name=name, kind=kind, must_register=True,
                          head=_name(rng, gender), phone=_phone(rng), **values))
        tags[name], genders[name] = tag, gender

    for name, kind, tag in _WARD_BODIES:
        gender = {"pn": Gender.NU, "ccb": Gender.NAM, "ca": Gender.NAM, "qs": Gender.NAM}.get(tag)
        add(name, kind, tag, gender or _gender(rng), complex_area=False)
    n_tdp = rng.randint(8, 12) * scale
    complex_ks = set(rng.sample(range(1, n_tdp + 1), max(2, n_tdp // 4)))
    for k in range(1, n_tdp + 1):
        hard = k in complex_ks
        note = rng.choice(_COMPLEX_NOTES) if hard else None
        add(_tdp(k), UnitKind.TO_DAN_PHO, f"tdp{k}", _gender(rng), complex_area=hard, note=note,
            residential=True)
        add(f"Chi bộ {_tdp(k)}", UnitKind.CHI_BO, f"tdp{k}", _gender(rng), complex_area=hard,
            note=note, residential=True)
    # Each tổ dân vận follows a run of neighbouring residential groups.
    n_tdv = _TO_DAN_VAN * scale
    for i in range(1, n_tdv + 1):
        first, last = (i - 1) * n_tdp // n_tdv + 1, i * n_tdp // n_tdv
        span = f"{first}" if first == last else f"từ {first} đến {last}"
        add(f"Tổ dân vận số {i}", UnitKind.TO_DAN_VAN, "tdv", _gender(rng), complex_area=False,
            note=f"Phụ trách tổ dân phố {span}")
    return _Units(units, tags, genders)


def _founded(units: _Units, year: int) -> None:
    """Date the newest residential group and its branch: split off at the start of last year.

    Plan 48's figures of the years before count one group fewer (`progress.units_in_year`);
    every other sheet's data about the group (members approved, meetings, models) is from
    its own time, so the story holds.
    """
    groups = [u for u in units.records if u["kind"] == UnitKind.TO_DAN_PHO]
    newest, parent = groups[-1]["name"], groups[-2]["name"]
    founded = date(year - 1, 1, 1)
    for unit in units.records:
        if unit["name"] in (newest, f"Chi bộ {newest}"):
            unit["valid_from"] = founded
            story = f"Thành lập từ {founded:%d/%m/%Y}, chia tách từ {parent}"
            unit["note"] = f"{story}. {unit['note']}" if unit.get("note") else story


def _existed(unit: Record, year: int) -> bool:
    """Tell whether a demo unit existed in the year (they are dated from a year's start)."""
    start, end = unit.get("valid_from"), unit.get("valid_to")
    return (start is None or start.year <= year) and (end is None or end.year >= year)


# --- campaigns ---------------------------------------------------------------------------------


def campaign_name(year: int, phase: int) -> str:
    """Return the name of a year's "Dân vận khéo" phase, e.g. "“Dân vận khéo” năm 2025 - Đợt 1"."""
    return f"“Dân vận khéo” năm {year} - Đợt {phase}"


def _campaigns(rng: random.Random, years: Sequence[int]) -> list[Record]:
    """Build two phases a year with deadlines like seed 004's (07/4, 05/9, 15/12)."""
    out = []
    for y in years:
        plan = rng.randint(110, 160)
        out.append(_row("campaigns", name=campaign_name(y, 1), year=y, phase="Đợt 1",
                        start_date=date(y, 1, 20) + timedelta(days=rng.randint(0, 15)),
                        register_by=date(y, 4, 7), report_by=date(y, 9, 5),
                        end_date=date(y, 12, 15),
                        note=f"Kế hoạch số {plan}-KH/ĐU phát động phong trào năm {y}"))
        out.append(_row("campaigns", name=campaign_name(y, 2), year=y, phase="Đợt 2",
                        start_date=date(y, 6, 25) + timedelta(days=rng.randint(0, 6)),
                        register_by=date(y, 7, 15), report_by=date(y, 11, 30),
                        end_date=date(y, 12, 15),
                        note="Đăng ký bổ sung mô hình mới sau sơ kết Đợt 1"))
    return out


# --- registrations -----------------------------------------------------------------------------

_K, _V, _A, _X = (ModelField.KINH_TE, ModelField.VAN_HOA_XA_HOI, ModelField.AN_NINH_QUOC_PHONG,
                  ModelField.XAY_DUNG_HTCT)
_MODELS: dict[str, tuple[tuple[ModelField, str], ...]] = {
    "tdp": (
        (_K, "Dân vận khéo trong vận động hiến đất mở rộng đường giao thông"),
        (_K, "Vận động nhân dân bàn giao mặt bằng đúng tiến độ"),
        (_V, "Tuyến phố sáng - xanh - sạch - đẹp"),
        (_V, "Phân loại rác thải sinh hoạt tại nguồn"),
        (_V, "Thực hiện nếp sống văn minh trong việc cưới, việc tang"),
        (_A, "Tổ tự quản an ninh trật tự"),
        (_A, "Camera an ninh giám sát khu dân cư"),
        (_A, "Khu dân cư không có tội phạm và tệ nạn ma túy"),
        (_X, "Mỗi đảng viên gắn bó, giúp đỡ một hộ gia đình"),
        (_X, "Sinh hoạt chi bộ gắn với nắm tình hình tư tưởng nhân dân"),
    ),
    "tdv": (
        (_V, "Tổ công nghệ số cộng đồng hướng dẫn người dân làm thủ tục trực tuyến"),
        (_K, "Vận động hộ nghèo, cận nghèo vươn lên thoát nghèo bền vững"),
        (_A, "Hòa giải mâu thuẫn, tranh chấp ngay tại khu dân cư"),
    ),
    "cq": (
        (_X, "Ngày thứ Bảy cùng dân"),
        (_X, "Cán bộ, công chức thân thiện, tận tụy phục vụ nhân dân"),
        (_K, "Đối thoại trực tiếp với người dân về bồi thường, giải phóng mặt bằng"),
    ),
    "mt": (
        (_V, "Ngôi nhà Đại đoàn kết cho hộ khó khăn về nhà ở"),
        (_X, "Tiếp nhận phản ánh, kiến nghị của nhân dân qua Zalo"),
    ),
    "pn": (
        (_A, "Chi hội phụ nữ không có người vi phạm pháp luật"),
        (_K, "Phụ nữ giúp nhau phát triển kinh tế gia đình"),
    ),
    "tn": (
        (_V, "Thanh niên tình nguyện hỗ trợ người dân chuyển đổi số"),
        (_A, "Đội thanh niên xung kích tuần tra an ninh trật tự"),
    ),
    "ccb": (
        (_K, "Cựu chiến binh giúp nhau làm kinh tế giỏi"),
        (_A, "Cựu chiến binh tham gia hòa giải ở cơ sở"),
    ),
    "nd": (
        (_K, "Tổ hội nông dân nghề nghiệp trồng rau an toàn"),
        (_K, "Nông dân sản xuất, kinh doanh giỏi"),
    ),
    "cd": (
        (_X, "Công đoàn vì quyền lợi đoàn viên, người lao động"),
        (_V, "Mái ấm công đoàn"),
    ),
    "ca": (
        (_A, "Công an phường với nhân dân vì bình yên khu phố"),
        (_A, "Tổ liên gia an toàn phòng cháy, chữa cháy"),
        (_A, "Vận động người dân giao nộp vũ khí, vật liệu nổ"),
    ),
    "qs": (
        (_A, "Vận động thanh niên sẵn sàng lên đường nhập ngũ"),
        (_A, "Dân quân tham gia giữ gìn trật tự đô thị"),
    ),
    "cbcq": (
        (_X, "Đảng viên cơ quan nói đi đôi với làm, gương mẫu nêu gương"),
        (_X, "Cơ quan dân vận khéo trong tiếp dân"),
    ),
}
_PERSONAL_MODELS: tuple[tuple[ModelField, str], ...] = (
    (_A, "Người có uy tín vận động hòa giải mâu thuẫn trong khu dân cư"),
    (_K, "Đảng viên tiên phong hiến đất làm đường"),
    (_K, "Hội viên phụ nữ giúp nhau thoát nghèo"),
    (_X, "Tổ trưởng tổ dân phố tận tụy, sát dân"),
    (_A, "Công an khu vực gần dân, hiểu dân"),
)
_CONTENT = {
    _K: "Tuyên truyền, vận động nhân dân đồng thuận; phối hợp chính quyền tháo gỡ vướng mắc; "
        "biểu dương hộ gia đình tiêu biểu.",
    _V: "Xây dựng quy ước, phân công đảng viên, hội viên phụ trách từng cụm dân cư; ra quân định "
        "kỳ hằng tháng.",
    _A: "Nắm tình hình, tuyên truyền pháp luật, hòa giải mâu thuẫn từ cơ sở; phối hợp công an giữ "
        "gìn an ninh trật tự.",
    _X: "Lắng nghe ý kiến nhân dân qua sinh hoạt khu dân cư và nhóm Zalo; kịp thời báo cáo, đề "
        "xuất cấp ủy giải quyết.",
}


def _result(rng: random.Random, field: ModelField) -> str:
    """Draw a plausible results paragraph for a model of this field."""
    n, p = rng.randint(12, 180), rng.randint(85, 100)
    return {
        _K: f"Vận động {n} hộ tham gia, huy động {rng.randint(20, 400)} triệu đồng và "
            f"{rng.randint(50, 900)} ngày công; không phát sinh khiếu kiện.",
        _V: f"{n} hộ tham gia; tổ chức {rng.randint(3, 14)} buổi tuyên truyền; {p}% hộ gia đình "
            "thực hiện tốt.",
        _A: f"Tổ chức {rng.randint(3, 14)} buổi tuyên truyền pháp luật, hòa giải thành "
            f"{rng.randint(2, 15)} vụ việc; không phát sinh điểm nóng.",
        _X: f"Tiếp nhận, giải quyết {rng.randint(5, 60)} ý kiến, kiến nghị; {p}% người dân hài "
            "lòng.",
    }[field]


def _model(rng: random.Random, tag: str, personal: bool) -> tuple[ModelField, str]:
    """Draw a model a unit with this tag plausibly registers, naming the place for residents."""
    if personal:
        return rng.choice(_PERSONAL_MODELS)
    if tag.startswith("tdp"):
        field, name = rng.choice(_MODELS["tdp"])
        return field, f"{name} ở {_tdp(int(tag[3:]))}"
    return rng.choice(_MODELS[tag])


def _registrations(rng: random.Random, units: _Units, campaigns: list[Record], year: int,
                   today: date) -> list[Record]:
    """Build the models of both years, with statuses that fit today's date."""
    registering = [u["name"] for u in units.records if u["must_register"]]
    out: list[Record] = []
    earlier: list[Record] = []  # last year's models: some are kept or replicated this year
    for y in (year - 1, year):
        first, second = (c for c in campaigns if c["year"] == y)
        # A few units never register in a year: the list the clerk phones the day before.
        absent = set(rng.sample(registering, max(3, len(registering) // 12) if y == year
                                else max(1, len(registering) // 30)))
        for campaign, share in ((first, 1.0), (second, 0.2)):
            rows = []
            for unit in registering:
                if unit in absent or rng.random() >= share:
                    continue
                for _ in range(2 if rng.random() < 0.15 else 1):
                    rows.append(_registration(rng, unit, units.tags[unit], campaign))
            if campaign is first:
                _continue_models(rng, rows, earlier, units.tags, y - 1)
            # Registrations not yet made by today are not in the sheet yet.
            rows = [r for r in rows if r["registered_on"] <= today]
            _set_statuses(rng, rows, campaign, today)
            out += rows
        earlier = [r for r in out if r["campaign"] == first["name"]]
    return out


def _address(unit: str, tag: str) -> str:
    """Return where a unit's model is carried out (seed 004: a model names its address)."""
    if tag.startswith("tdp"):
        return f"Nhà văn hóa {_tdp(int(tag[3:]))}"
    if tag == "tdv":
        return f"Các tổ dân phố do {unit} phụ trách"
    return f"Trụ sở {unit} và các khu dân cư trên địa bàn phường"


def _continue_models(rng: random.Random, rows: list[Record], earlier: Sequence[Record],
                     tags: dict[str, str], earlier_year: int) -> None:
    """Make some of this year's models kept ("Duy trì") or replicated ("Nhân rộng") ones.

    A unit keeps its own model of last year under the same name; a residential group takes up
    another group's model of last year at its own place (seed 001: duy trì, nhân rộng).
    """
    own = {r["unit"]: r for r in earlier if r["kind"] == ModelKind.TAP_THE}
    groups = [r for r in earlier if r["kind"] == ModelKind.TAP_THE
              and tags[r["unit"]].startswith("tdp")]
    for row in rows:
        if row["kind"] != ModelKind.TAP_THE:
            continue
        tag, draw = tags[row["unit"]], rng.random()
        if row["unit"] in own and draw < 0.3:
            source = own.pop(row["unit"])  # a unit keeps one model, not two
            origin, name = ModelOrigin.DUY_TRI, source["model_name"]
        elif tag.startswith("tdp") and groups and draw < 0.65:
            source = rng.choice(groups)
            if tags[source["unit"]] == tag:  # its own group's model would be kept, not replicated
                source = next((g for g in groups if tags[g["unit"]] != tag), source)
                if tags[source["unit"]] == tag:
                    continue
            origin = ModelOrigin.NHAN_RONG
            name = source["model_name"].replace(f" ở {_tdp(int(tags[source['unit']][3:]))}",
                                                f" ở {_tdp(int(tag[3:]))}")
        else:
            continue
        row.update(field=source["field"], model_name=name, content=_CONTENT[source["field"]],
                   origin=origin, continues=f"{source['model_name']} ({earlier_year})")


def _registration(rng: random.Random, unit: str, tag: str, campaign: Record) -> Record:
    """Draw one registered model (status set later, once the whole phase is known)."""
    personal = rng.random() < 0.15
    field, name = _model(rng, tag, personal)
    late = rng.random() < 0.06
    # "Đăng ký trước ngày X": on time means up to the day before X; late from X on.
    registered = (campaign["register_by"] + timedelta(days=rng.randint(0, 12)) if late
                  else _between(rng, campaign["start_date"], last_day(campaign["register_by"])))
    return _row(
        "registrations", campaign=campaign["name"], unit=unit,
        kind=ModelKind.CA_NHAN if personal else ModelKind.TAP_THE,
        person=_name(rng, _gender(rng)) if personal else None,
        field=field, model_name=name, origin=ModelOrigin.MOI, address=_address(unit, tag),
        content=_CONTENT[field], registered_on=registered,
        status=RegistrationStatus.DANG_KY, note="Đơn vị gửi đăng ký sau hạn" if late else None,
    )


def _set_statuses(rng: random.Random, rows: list[Record], campaign: Record, today: date) -> None:
    """Move each model along its life cycle as far as today's date plausibly allows."""
    report_by = campaign["report_by"]
    # The phase review (sơ kết) judges the reported models about a month after the deadline.
    judged = today >= report_by + timedelta(days=30)
    # Past the deadline a few models still have no results: the office must chase them.
    unreported = (set(rng.sample(range(len(rows)), max(1, len(rows) // 10)))
                  if today > report_by and rows else set())
    for i, row in enumerate(rows):
        started = (today - row["registered_on"]).days > 20
        if today <= report_by - timedelta(days=40) or i in unreported:
            row["status"] = (RegistrationStatus.DANG_THUC_HIEN if started and rng.random() < 0.8
                             else RegistrationStatus.DANG_KY)
            continue
        if today <= report_by and rng.random() < 0.7:
            row["status"] = RegistrationStatus.DANG_THUC_HIEN
            continue
        # Most report in the last weeks before the deadline; some a few days late.
        reported = report_by + timedelta(days=rng.randint(-30, 3 if rng.random() < 0.85 else 12))
        row["reported_on"] = min(max(reported, row["registered_on"]), today)
        row["result"] = _result(rng, row["field"])
        row["status"] = RegistrationStatus.DA_BAO_CAO
        if not judged:
            continue
        draw = rng.random()
        if draw < 0.75:
            row["status"] = RegistrationStatus.CONG_NHAN
            row["recognition"] = rng.choices(tuple(RecognitionLevel), (75, 20, 5))[0]
            row.update({c.key: True for c in CRITERIA})
        elif draw < 0.88:
            row["status"] = RegistrationStatus.KHONG_CONG_NHAN
            row.update({c.key: rng.random() < 0.6 for c in CRITERIA})
            row["crit_sustain"] = False  # the usual reason: it did not last or spread
            row["note"] = "Mô hình chưa bền vững, sức lan tỏa chưa cao"


# --- members -----------------------------------------------------------------------------------

# (role, organisation, gender or None, born from, born to, chance of being a party member)
_Role = tuple[str, str | None, Gender | None, int, int, float]
_CORE_ROLES: tuple[_Role, ...] = (
    ("Bí thư chi bộ", "Chi bộ tổ dân phố", None, 1950, 1975, 1.0),
    ("Tổ trưởng tổ dân phố", "Ban điều hành tổ dân phố", None, 1955, 1980, 0.7),
    ("Trưởng ban công tác Mặt trận", "Mặt trận Tổ quốc", None, 1950, 1975, 0.8),
    ("Chi hội trưởng phụ nữ", "Hội Liên hiệp Phụ nữ", Gender.NU, 1965, 1990, 0.5),
    ("Chi hội trưởng cựu chiến binh", "Hội Cựu chiến binh", Gender.NAM, 1950, 1965, 0.9),
    ("Bí thư chi đoàn", "Đoàn Thanh niên", None, 1990, 2000, 0.4),
)
_OTHER_ROLES: tuple[_Role, ...] = (
    ("Người có uy tín", "Mặt trận Tổ quốc", None, 1950, 1970, 0.5),
    ("Hội viên phụ nữ", "Hội Liên hiệp Phụ nữ", Gender.NU, 1960, 1995, 0.2),
    ("Đoàn viên", "Đoàn Thanh niên", None, 1990, 2000, 0.15),
    ("Hội viên cựu chiến binh", "Hội Cựu chiến binh", Gender.NAM, 1950, 1968, 0.6),
    ("Hội viên nông dân", "Hội Nông dân", None, 1955, 1985, 0.1),
    ("Tổ viên tổ bảo vệ an ninh trật tự", "Tổ bảo vệ an ninh trật tự", Gender.NAM, 1970, 1998,
     0.3),
    ("Tổ viên tổ hòa giải", "Tổ hòa giải", None, 1955, 1985, 0.3),
    ("Phó Tổ trưởng tổ dân phố", "Ban điều hành tổ dân phố", None, 1960, 1985, 0.4),
    ("Ủy viên ban công tác Mặt trận", "Mặt trận Tổ quốc", None, 1955, 1985, 0.3),
)
_TASKS = (
    "Nắm tình hình tư tưởng nhân dân, báo cáo chi ủy hằng tháng",
    "Tuyên truyền, vận động các hộ trong cụm dân cư thực hiện chủ trương, chính sách",
    "Tham gia hòa giải mâu thuẫn, tranh chấp trong nhân dân",
    "Phối hợp giữ gìn an ninh trật tự, phòng chống tội phạm ở khu dân cư",
    "Vận động nhân dân giữ gìn vệ sinh môi trường, trật tự đô thị",
)
_MEMBERS_PER_SCALE = 150


def _members(rng: random.Random, units: _Units, year: int, scale: int,
             today: date) -> list[Record]:
    """Build the core force per residential group, leaving some groups without a list."""
    tdps = [u["name"] for u in units.records if u["kind"] == UnitKind.TO_DAN_PHO]
    heads = {u["name"]: (u["head"], units.head_gender[u["name"]]) for u in units.records}
    # Coverage gaps: about one group in ten has no list yet, another only a proposal.
    gaps = rng.sample(range(len(tdps)), scale)
    listed = [t for i, t in enumerate(tdps) if i not in gaps]
    pending = rng.sample(listed, scale)
    extra = [0] * len(listed)
    for _ in range(max(0, _MEMBERS_PER_SCALE * scale - len(_CORE_ROLES) * len(listed))):
        extra[rng.randrange(len(listed))] += 1
    out: list[Record] = []
    for tdp, n_extra in zip(listed, extra, strict=True):
        decision = (f"{rng.randint(120, 260)}-QĐ/ĐU",
                    min(date(year - 1, 3, 1) + timedelta(days=rng.randint(0, 60)), today))
        roles = list(_CORE_ROLES) + [rng.choice(_OTHER_ROLES) for _ in range(n_extra)]
        for i, role in enumerate(roles):
            # The branch secretary and the group leader are the units' heads: the same people.
            known = {0: heads[f"Chi bộ {tdp}"], 1: heads[tdp]}.get(i)
            out.append(_member(rng, tdp, role, known, decision, core=i < len(_CORE_ROLES),
                               pending=tdp in pending, year=year, today=today))
    return out


def _member(rng: random.Random, tdp: str, role: _Role, known: tuple[str, Gender] | None,
            decision: tuple[str, date], *, core: bool, pending: bool, year: int,
            today: date) -> Record:
    """Draw one core-force member of a residential group."""
    title, organisation, gender, born_from, born_to, party = role
    if known is not None:
        name, gender = known
    else:
        gender = gender or _gender(rng)
        name = _name(rng, gender)
    draw = rng.random()
    if pending or (not core and draw < 0.13):
        status, ref, approved, task = MemberStatus.DE_XUAT, None, None, None
        note = "Mặt trận đề xuất, chờ Đảng ủy phê duyệt"
    else:
        status, (ref, approved), task, note = (MemberStatus.DA_PHE_DUYET, decision,
                                               rng.choice(_TASKS), None)
        if not core and draw > 0.93:
            status = MemberStatus.THOI_THAM_GIA
            note = rng.choice(("Chuyển nơi ở khác", "Sức khỏe yếu, xin thôi tham gia"))
        elif not core and draw > 0.85:
            # Added later to an approved list by a second, supplementary decision.
            ref = f"{rng.randint(300, 420)}-QĐ/ĐU"
            approved = min(date(year - 1, 9, 1) + timedelta(days=rng.randint(0, 90)), today)
    return _row("members", full_name=name, gender=gender,
                birth_year=rng.randint(born_from, born_to), tdp=tdp, role=title,
                organisation=organisation, party_member=rng.random() < party, phone=_phone(rng),
                status=status, approval_ref=ref, approved_on=approved, task=task, note=note)


# --- meetings ----------------------------------------------------------------------------------

# Per scale step: ward party members, commune-, district- and province-level committee members.
_ATTENDEES = {AttendeeLevel.DANG_VIEN_XA: 8, AttendeeLevel.CAP_XA: 9, AttendeeLevel.CAP_HUYEN: 2,
              AttendeeLevel.CAP_TINH: 1}
_MEETING_NOTES = (
    "Thông tin thời sự, định hướng dư luận về giải phóng mặt bằng",
    "Nghe kiến nghị của đảng viên về trật tự đô thị",
    "Hướng dẫn chi bộ kiện toàn tổ dân vận",
)


def _months(today: date) -> list[tuple[int, int]]:
    """Return the 12 months ending with the current one, oldest first."""
    index = today.year * 12 + today.month - 1
    return [divmod(i, 12) for i in range(index - 11, index + 1)]


def _meetings(rng: random.Random, units: list[Record], scale: int, today: date) -> list[Record]:
    """Build a year of attendance at residential branch meetings, with gaps and late reports."""
    residential = [u for u in units if u["kind"] == UnitKind.CHI_BO
                   and u["name"] not in _OFFICE_BRANCHES]
    # Complex areas are visited first and more often (seed 003).
    # Cumulative once: `choices` with plain weights adds them up again on every draw, which
    # made a 1,000× ward (10,000 branches, 230,000 visits) quadratic. Same draws either way.
    weights = list(accumulate(3 if u["complex_area"] else 1 for u in residential))
    names = [u["name"] for u in residential]
    # Each branch meets on its own day of the month.
    day = {n: rng.randint(3, 12) for n in names}
    months = [(y, m + 1) for y, m in _months(today)]
    taken: set[str] = set()
    out: list[Record] = []
    for level, per_scale in _ATTENDEES.items():
        within = ATTENDANCE_RULES[level].report_within_days
        for _ in range(per_scale * scale):
            attendee = _unique_name(rng, _gender(rng), taken)
            home = None
            if level in (AttendeeLevel.DANG_VIEN_XA, AttendeeLevel.CAP_XA):
                home = (rng.choice(_OFFICE_BRANCHES) if rng.random() < 0.7
                        else rng.choice(names))
            for y, m in _visits(rng, level, months):
                branch = rng.choices(names, cum_weights=weights)[0]
                while branch == home:
                    branch = rng.choices(names, cum_weights=weights)[0]
                held = date(y, m, day[branch])
                if held > today:
                    continue  # this month's meeting has not happened yet
                report = _report(rng, held, within)
                out.append(_row("meetings", attendee=attendee, level=level, home_branch=home,
                                branch=branch, meeting_date=held,
                                report_date=report if report and report <= today else None,
                                note=rng.choice(_MEETING_NOTES) if rng.random() < 0.1 else None))
    _force_late_and_missing(out)
    return out


def _visits(rng: random.Random, level: AttendeeLevel,
            months: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Pick the months an attendee visits: one per period of their level, some periods missed."""
    if level == AttendeeLevel.CAP_TINH:
        # Every six months: twice within the year, both already past.
        return [months[rng.randint(0, 4)], months[rng.randint(6, 10)]]
    every = ATTENDANCE_RULES[level].every_months
    periods: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for y, m in months:
        periods.setdefault((y, (m - 1) // every), []).append((y, m))
    return [rng.choice(group) for group in periods.values() if rng.random() >= 0.08]


def _report(rng: random.Random, held: date, within: int | None) -> date | None:
    """Draw when the report came: mostly in time, sometimes late, sometimes never."""
    draw = rng.random()
    if draw < 0.1:
        return None
    allowed = within if within is not None else 5
    if draw < 0.25:
        return held + timedelta(days=allowed + rng.randint(1, 6))
    return held + timedelta(days=rng.randint(0, allowed))


def _force_late_and_missing(rows: list[Record]) -> None:
    """Make sure a late and a missing report exist whatever the draws were."""
    for level in (AttendeeLevel.DANG_VIEN_XA, AttendeeLevel.CAP_HUYEN):
        within = ATTENDANCE_RULES[level].report_within_days or 0
        mine = [r for r in rows if r["level"] == level]
        if len(mine) >= 2:
            mine[0]["report_date"] = mine[0]["meeting_date"] + timedelta(days=within + 2)
            mine[1]["report_date"] = None


# --- who must attend, and the visit plan -------------------------------------------------------

_POSITIONS = {
    AttendeeLevel.CAP_TINH: ("Tỉnh ủy viên",),
    AttendeeLevel.CAP_HUYEN: ("Huyện ủy viên", "Ủy viên Ban Thường vụ Huyện ủy"),
    AttendeeLevel.CAP_XA: ("Đảng ủy viên", "Ủy viên Ban Thường vụ Đảng ủy", "Phó Bí thư Đảng ủy"),
    AttendeeLevel.DANG_VIEN_XA: ("Chuyên viên Văn phòng Đảng ủy", "Công chức Văn hóa - Xã hội",
                                 "Công chức Tư pháp - Hộ tịch", "Công chức Địa chính - Xây dựng",
                                 "Cán bộ Ủy ban Mặt trận Tổ quốc phường"),
}


def _register(rng: random.Random, meetings: list[Record], today: date) -> list[Record]:
    """Build who must attend (seed 003): everyone the log names, one newcomer who never attended.

    The last ward party member in the log came to work at the ward six months ago: the visits
    logged before that are dropped from `meetings`, and the register starts there.
    """
    months = _months(today)
    log_start = date(months[0][0], months[0][1] + 1, 1)
    first_rows: dict[tuple[str, AttendeeLevel], Record] = {}
    for row in meetings:
        first_rows.setdefault((row["attendee"], row["level"]), row)
    out = [_row("attendees", full_name=name, level=level, position=rng.choice(_POSITIONS[level]),
                home_branch=row["home_branch"],
                from_date=_between(rng, date(today.year - 4, 1, 1), log_start - timedelta(days=1)))
           for (name, level), row in first_rows.items()]
    ward = [r for r in out if r["level"] == AttendeeLevel.DANG_VIEN_XA]
    if ward:
        late = ward[-1]
        year, month = months[6]
        late.update(from_date=date(year, month + 1, 1),
                    note="Chuyển đến công tác tại phường, thuộc diện phải dự từ ngày này")
        meetings[:] = [m for m in meetings if m["attendee"] != late["full_name"]
                       or m["meeting_date"] >= late["from_date"]]
    taken = {r["full_name"] for r in out}
    out.append(_row("attendees", full_name=_unique_name(rng, _gender(rng), taken),
                    level=AttendeeLevel.DANG_VIEN_XA,
                    position=rng.choice(_POSITIONS[AttendeeLevel.DANG_VIEN_XA]),
                    home_branch=rng.choice(_OFFICE_BRANCHES), from_date=log_start,
                    note="Chưa dự sinh hoạt chi bộ khu dân cư lần nào"))
    return out


def _visit_plan(rng: random.Random, register: list[Record], meetings: list[Record],
                units: list[Record], today: date) -> list[Record]:
    """Build the Party Committee's assignment for the current year, month by month.

    Each month's rotation is the app's own proposal (complex areas first and more often); where
    the person attended another branch that period, the office mostly had changed the plan to
    it, so most past rows are done and some are overdue.
    """
    by_person: dict[str, list[Record]] = {}
    for row in meetings:
        by_person.setdefault(row["attendee"], []).append(row)
    plan: list[Record] = []
    for month in range(1, today.month + 1):
        day = date(today.year, month, 1)
        earlier = [m for m in meetings if m["meeting_date"] < day]
        for row in att.propose_rotation(register, units, day, plan, earlier):
            went = [m for m in by_person.get(row["attendee"], [])
                    if row["period_start"] <= m["meeting_date"] <= row["period_end"]]
            if went and rng.random() < 0.85:
                row["branch"] = went[0]["branch"]
            plan.append(_row("visit_plan", **row))
    return plan


# --- indicator values --------------------------------------------------------------------------

# Series the demo tells on purpose (the office's year-end journey in the domain brief).
_SERIES = {
    "2.1.4": (3.0, 2.5, 2.1),  # poverty rate in %: fell 0.5, then only 0.4 points
    "2.1.5": (52.4, 53.1, 53.8),  # trained labour below the 55% target
}


def _indicator_values(rng: random.Random, indicators: list[Record], units: list[Record],
                      year: int) -> list[Record]:
    """Build values for the three past years of every indicator the app does not derive."""
    years = [year - 3, year - 2, year - 1]
    out: list[Record] = []
    for ind in indicators:
        if ind.get("derived") is not None:
            continue
        code = ind["code"]
        members = [u["name"] for u in units if ind.get("per_unit_kind") is not None
                   and u["kind"] == ind["per_unit_kind"]]
        existed = {u["name"]: u for u in units}
        if ind["target_kind"] == TargetKind.BAO_PHU and members:
            for i, y in enumerate(years):
                # Fewer groups fall short each year, but never none in the demo.
                short = set(rng.sample(members, max(1, len(members) * (3 - i) // 12)))
                out += [_row("indicator_values", indicator=code, year=y, unit=name,
                             value=0.0 if name in short else 1.0) for name in members
                        if _existed(existed[name], y)]  # none before the group was founded
            continue
        for y, value in zip(years, _series(rng, ind), strict=True):
            out.append(_row("indicator_values", indicator=code, year=y, value=value,
                            note=f"Báo cáo tổng kết năm {y}"))
    return out


def _series(rng: random.Random, ind: Record) -> list[float]:
    """Draw three yearly values near the indicator's target, improving, not always reaching it."""
    if ind["code"] in _SERIES:
        return list(_SERIES[ind["code"]])
    kind, target = ind["target_kind"], ind.get("target_value")
    if kind == TargetKind.CO_KHONG:
        # A one-off task with a deadline was done in time; ongoing ones started a bit late.
        return [1.0, 1.0, 1.0] if ind.get("due_date") else [float(rng.random() < 0.5), 1.0, 1.0]
    if kind == TargetKind.SO_LUONG:
        return [float(max(0, round(target or 1) + rng.choice((-1, 0, 0, 1, 1))))
                for _ in range(3)]
    if kind == TargetKind.THAY_DOI:
        # The value is the level (a poverty rate in %); the target is its yearly change.
        start, step = rng.choice((2.8, 3.0, 3.4)), target or -0.5
        return [start, round(start + step, 2), round(start + 1.8 * step, 2)]
    if kind == TargetKind.KHOANG:
        low = target or 0.0
        return [round(low - 0.3, 1), round(low - 0.1, 1), round(low + 0.2, 1)]
    cap = 100.0 if ind.get("unit") == "%" else float("inf")
    goal = target if target is not None else 100.0
    end = min(goal + rng.choice((-1.8, -0.6, 0.0, 0.5, 1.4, 2.3)), cap)
    start = end - rng.uniform(1.5, 6.0)
    middle = (start + end) / 2 + rng.uniform(-0.8, 0.8)
    return [round(min(max(v, 0.0), cap), 1) for v in (start, middle, end)]


# --- tasks -------------------------------------------------------------------------------------

# Seed 001: the Party Committee's directive on the key tasks of "Dân vận khéo" Đợt 2 năm 2024
# (implementing Kế hoạch số 127-KH/ĐU ngày 25/01/2024), items 1–6. It names no deadline for items
# 1–5 but item 4's programme of the year 2024; item 6's peak campaign ends on 11/6/2024. Where an
# item names no body, the bodies the directive is addressed to are responsible.
_DIRECTIVE = ("Chỉ đạo của Đảng ủy về nhiệm vụ trọng tâm phong trào thi đua “Dân vận khéo” Đợt 2 "
              "năm 2024")
_ADDRESSEES = ("Chi ủy, chi bộ, chính quyền, Mặt trận Tổ quốc và các tổ chức chính trị - xã hội "
               "phường, 07 tổ dân vận")
# Seed 002 (Kế hoạch số 48-KH/ĐU), §III: the advisory body ("cơ quan tham mưu") answers to the
# Party Committee for the task, so it is the responsible one; the implementing bodies
# ("cơ quan thực hiện") cooperate. Agency lines after a group of items apply to each item.
_PLAN_48 = "Kế hoạch số 48-KH/ĐU thực hiện Đề án số 13-ĐA/TU"
_KDV = "Khối Dân vận Đảng ủy"
_HDND_UB_MT = ("Hội đồng nhân dân, Ủy ban nhân dân phường; Mặt trận và các tổ chức chính trị - "
               "xã hội phường")
_ONGOING = "Cơ quan chỉ đạo: Đảng ủy. Thời gian thực hiện: thường xuyên."


def _task(source: str, content: str, responsible: str, cooperating: str | None = None,
          deadline: date | None = None, done_on: date | None = None, result: str | None = None,
          note: str | None = None, status: TaskStatus = TaskStatus.DANG) -> Record:
    """Return one task; one with a completion day is "Hoàn thành"."""
    return _row("tasks", source=source, content=content, responsible=responsible,
                cooperating=cooperating, deadline=deadline,
                status=TaskStatus.XONG if done_on else status, done_on=done_on, result=result,
                note=note)


def _d1(item: int) -> str:
    return f"{_DIRECTIVE}, mục {item}"


def _p48(item: str) -> str:
    return f"{_PLAN_48}, mục III.{item}"


def seed_tasks() -> list[Record]:
    """Return the tasks of seed 001 (items 1–6) and of seed 002 §III, as the documents say."""
    return [
        _task(_d1(1), "Khối vận chủ động tham mưu cấp ủy thực hiện các nhiệm vụ công tác dân vận "
              "theo đúng tiến độ, chương trình, kế hoạch đề ra; phối hợp chặt chẽ với các đơn vị "
              "rà soát nhiệm vụ, kịp thời đề xuất với cấp ủy để điều chỉnh, bổ sung theo yêu cầu "
              "công tác. Tăng cường nắm tình hình nhân dân kịp thời và đề xuất với cấp ủy giải "
              "quyết những vấn đề vướng mắc trong nhân dân; chú trọng xây dựng và tiếp tục nhân "
              "rộng các mô hình, điển hình tiên tiến gắn với phong trào thi đua “Dân vận khéo”.",
              _KDV, note="Văn bản không ghi thời hạn: thực hiện thường xuyên."),
        _task(_d1(2), "Tuyên truyền, vận động các tầng lớp Nhân dân tích cực tham gia thực hiện "
              "hiệu quả các cuộc vận động, phong trào thi đua trên địa bàn phường: Cuộc vận động "
              "“Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh”; “Phong trào toàn dân "
              "bảo vệ an ninh Tổ quốc”; Chỉ thị 02-CT/TU ngày 13/11/2020; phong trào “Sáng, xanh, "
              "sạch, đẹp, an toàn, văn minh” theo Chỉ thị số 22-CT/TU ngày 30/6/2023.",
              _ADDRESSEES, note="Văn bản không ghi thời hạn: thực hiện thường xuyên."),
        _task(_d1(2), "Phát huy vai trò người đứng đầu, cấp phó người đứng đầu cấp ủy, chính quyền "
              "trong việc tổ chức đối thoại trực tiếp với Nhân dân để lắng nghe, giải quyết kịp "
              "thời vướng mắc trong công tác GPMB, đảm bảo quyền, lợi ích hợp pháp, chính đáng "
              "của người dân.",
              "Người đứng đầu, cấp phó người đứng đầu cấp ủy, chính quyền",
              note="Văn bản không ghi thời hạn: thực hiện thường xuyên."),
        _task(_d1(2), "Tăng cường tuyên truyền, vận động hội, đoàn viên và Nhân dân về chủ trương "
              "của tỉnh, thị xã trong việc quản lý, xử lý các trường hợp lấn, chiếm đất đai; đẩy "
              "mạnh tuyên truyền, vận động giải phóng mặt bằng các công trình, dự án trọng điểm.",
              "Ủy ban MTTQ Việt Nam và các hội, đoàn thể phường", "Ủy ban nhân dân phường",
              note="Văn bản không ghi thời hạn: thực hiện thường xuyên."),
        _task(_d1(3), "Tăng cường và nâng cao hiệu quả hoạt động giám sát, phản biện xã hội việc "
              "thực hiện các chủ trương, chính sách, chương trình, dự án, đề án về xây dựng đô "
              "thị văn minh, giảm nghèo bền vững; tổ chức các hội nghị phản biện xã hội chuyên "
              "đề; phát huy vai trò của Ban Thanh tra nhân dân, Ban Giám sát đầu tư của cộng đồng.",
              "Ủy ban Mặt trận Tổ quốc Việt Nam phường", "Các tổ chức chính trị - xã hội phường",
              note="Văn bản không ghi thời hạn: thực hiện thường xuyên."),
        _task(_d1(3), "Chủ động tổ chức giám sát các nội dung thuộc các Chương trình mục tiêu quốc "
              "gia liên quan đến quyền và lợi ích hợp pháp, chính đáng của đoàn viên, hội viên; "
              "đề xuất biện pháp cụ thể, mô hình phù hợp để thực hiện các tiêu chí xây dựng khu "
              "phố văn minh.",
              "Các tổ chức chính trị - xã hội phường",
              note="Văn bản không ghi thời hạn: thực hiện thường xuyên."),
        _task(_d1(4), "Duy trì, nâng cao hiệu quả công tác phối hợp trong hệ thống chính trị ở cơ "
              "sở triển khai thực hiện Đề án thực hiện Chương trình giảm nghèo bền vững trên địa "
              "bàn phường năm 2024; huy động các nguồn lực hỗ trợ phát triển sản xuất, đa dạng "
              "hóa sinh kế và nhân rộng mô hình giảm nghèo bền vững cho hộ nghèo, hộ cận nghèo, "
              "hộ mới thoát nghèo.",
              _ADDRESSEES, deadline=date(2024, 12, 31),
              note="Chương trình giảm nghèo bền vững năm 2024: hạn hết năm 2024. Chưa có báo cáo "
                   "kết quả."),
        _task(_d1(5), "Lãnh đạo, chỉ đạo thực hiện Chỉ thị 27 của BTV Thị ủy (khóa XX): đẩy mạnh "
              "tuyên truyền, tích cực hưởng ứng chương trình chuyển đổi số; mô hình kinh tế số, "
              "xã hội số, tổ công nghệ số cộng đồng; tích cực sử dụng dịch vụ công trực tuyến. "
              "Tiếp tục thực hiện tốt công tác dân vận trong cơ quan Nhà nước.",
              _ADDRESSEES, note="Văn bản không ghi thời hạn: thực hiện thường xuyên."),
        _task(_d1(6), "Tổ chức thực hiện đợt thi đua cao điểm lập thành tích chào mừng kỷ niệm 134 "
              "năm ngày sinh Chủ tịch Hồ Chí Minh (19/05/1890 – 19/05/2024) và 76 năm ngày Chủ "
              "tịch Hồ Chí Minh ra lời kêu gọi thi đua ái quốc (11/6/1948 - 11/6/2024).",
              _ADDRESSEES, deadline=date(2024, 6, 11), done_on=date(2024, 6, 11),
              result="Các đơn vị đăng ký và hoàn thành các công trình, phần việc chào mừng; biểu "
                     "dương tập thể, cá nhân tiêu biểu."),
        _task(_d1(6) + "; Kế hoạch số 138-KH/ĐU ngày 28/2/2024",
              "Sơ kết 03 năm thực hiện Kết luận số 01-KL/TW ngày 18/5/2021 của Bộ Chính trị về "
              "tiếp tục thực hiện Chỉ thị số 05-CT/TW “Về đẩy mạnh học tập và làm theo tư tưởng, "
              "đạo đức, phong cách Hồ Chí Minh”.",
              _ADDRESSEES, done_on=date(2024, 5, 15), result="Đã tổ chức hội nghị sơ kết."),
        _task(_d1(6) + "; Kế hoạch số 144 ngày 8/4/2024",
              "Triển khai đợt sinh hoạt chính trị, tư tưởng sâu rộng về nội dung tác phẩm “Xây "
              "dựng và phát triển nền đối ngoại, ngoại giao Việt Nam toàn diện, hiện đại mang "
              "đậm bản sắc “cây tre Việt Nam”” của Tổng Bí thư Nguyễn Phú Trọng.",
              _ADDRESSEES, done_on=date(2024, 5, 31), result="Các chi bộ đã tổ chức sinh hoạt."),
        _task(_d1(6) + "; Kế hoạch số 140-KH/ĐU ngày 14/3/2024",
              "Hưởng ứng Cuộc thi chính luận về bảo vệ nền tảng tư tưởng của Đảng lần thứ 4, năm "
              "2024.", _ADDRESSEES, done_on=date(2024, 7, 31),
              result="Đã gửi bài dự thi về Ban Tổ chức cấp trên."),
        _task(_d1(6) + "; Kế hoạch số 141-KH/ĐU ngày 18/3/2024",
              "Tích cực tham gia Hội thi Tìm hiểu, học tập và làm theo tư tưởng, đạo đức, phong "
              "cách Hồ Chí Minh năm 2024.", _ADDRESSEES, done_on=date(2024, 6, 28),
              result="Đã cử đội tham gia Hội thi."),
        _task(_p48("1.1"), "Tiếp tục quán triệt và tổ chức thực hiện có hiệu quả các chủ trương, "
              "nghị quyết của Đảng, chính sách, pháp luật của Nhà nước về công tác dân vận. Nâng "
              "cao nhận thức, trách nhiệm của cấp ủy, chính quyền trong đổi mới và nâng cao hiệu "
              "quả công tác dân vận góp phần phát triển kinh tế, xây dựng đô thị văn minh.",
              _KDV, _HDND_UB_MT + ", các chi bộ trực thuộc Đảng ủy", note=_ONGOING),
        _task(_p48("1.2"), "Nâng cao hiệu quả Cuộc vận động “Toàn dân đoàn kết xây dựng nông thôn "
              "mới, đô thị văn minh”, phong trào thi đua “Dân vận khéo” gắn với các phong trào "
              "thi đua yêu nước, các cuộc vận động.",
              _KDV, _HDND_UB_MT + ", các chi bộ trực thuộc Đảng ủy", note=_ONGOING),
        _task(_p48("1.2"), "Chỉ đạo triển khai đăng ký xây dựng, nhân rộng mô hình “Dân vận khéo” "
              "trước 30/02/2023.",
              _KDV, _HDND_UB_MT + ", các chi bộ trực thuộc Đảng ủy", deadline=date(2023, 2, 28),
              done_on=date(2023, 2, 24),
              result="Các đơn vị đã đăng ký mô hình “Dân vận khéo” năm 2023.",
              note="Kế hoạch ghi “trước 30/02/2023”, ngày không có thật: hạn cuối lấy ngày cuối "
                   "tháng 02/2023 (28/02/2023)."),
        _task(_p48("1.3"), "Đổi mới và nâng cao hiệu quả công tác tuyên truyền. Sử dụng có hiệu "
              "quả các phương tiện thông tin đại chúng, mạng xã hội theo hướng thiết thực.",
              _KDV, _HDND_UB_MT + ", các chi bộ trực thuộc Đảng ủy", note=_ONGOING),
        _task(_p48("1.4"), "Xây dựng, ban hành và triển khai thực hiện có hiệu quả Quy chế phối "
              "hợp giữa Ủy ban nhân dân với Khối Dân vận, Mặt trận và các tổ chức chính trị - xã "
              "hội phường.",
              _KDV, "Ủy ban nhân dân phường, Khối Dân vận Đảng ủy, Mặt trận và các tổ chức chính "
              "trị - xã hội phường", done_on=date(2023, 4, 20),
              result="Đã ký ban hành Quy chế phối hợp; rà soát, bổ sung hằng năm.",
              note="Cơ quan lãnh đạo: Đảng ủy. Thời gian thực hiện: phối hợp theo giai đoạn hoặc "
                   "thường xuyên hằng năm."),
        _task(_p48("1.5"), "Lãnh đạo, chỉ đạo sơ kết, tổng kết các nghị quyết, chỉ thị, kết luận "
              "của Đảng về công tác dân vận.", _KDV, _HDND_UB_MT, note=_ONGOING),
        _task(_p48("2.1.1"), "Tiếp tục thực hiện mô hình các Tổ công tác tuyên truyền, vận động "
              "Nhân dân di dời, giải phóng mặt bằng để thực hiện các dự án trọng điểm phát triển "
              "kinh tế - xã hội trên địa bàn.",
              "Ủy ban nhân dân phường, Khối Dân vận Đảng ủy",
              "Ủy ban nhân dân phường, Mặt trận và các tổ chức chính trị - xã hội phường",
              note=_ONGOING),
        _task(_p48("2.1.2"), "Tiếp tục đẩy mạnh phong trào thi đua “Dân vận khéo” trong phát "
              "triển kinh tế gắn với các cuộc vận động, phong trào thi đua yêu nước của địa "
              "phương.", _HDND_UB_MT, note=_ONGOING),
        _task(_p48("2.1.3"), "Phát huy vai trò giám sát và phản biện xã hội của Mặt trận và các tổ "
              "chức chính trị - xã hội, vai trò giám sát của Ban thanh tra nhân dân, Ban giám sát "
              "đầu tư của cộng đồng. Thực hiện nghiêm việc lấy ý kiến hoặc tham vấn ý kiến cộng "
              "đồng đối với các chương trình, quy hoạch, kế hoạch, đề án, dự án quan trọng trước "
              "khi phê duyệt triển khai.", _HDND_UB_MT, note=_ONGOING),
        _task(_p48("2.2"), "Đổi mới và nâng cao hiệu quả công tác dân vận góp phần giữ vững và "
              "nâng cao chất lượng các tiêu chí nông thôn mới đã đạt được, hướng tới xây dựng đô "
              "thị văn minh.",
              "Mặt trận và các tổ chức chính trị - xã hội phường",
              "Ủy ban nhân dân phường; Mặt trận và các tổ chức chính trị - xã hội phường",
              note=_ONGOING),
        _task(_p48("2.3.1"), "Tăng cường sự lãnh đạo của cấp ủy đảng, phát huy trách nhiệm của cơ "
              "quan Nhà nước, Mặt trận Tổ quốc và các tổ chức chính trị - xã hội trong xây dựng "
              "đô thị văn minh.", "Ủy ban nhân dân phường; Khối Dân vận Đảng ủy", _HDND_UB_MT,
              note=_ONGOING),
        _task(_p48("2.3.2"), "Tiếp tục xây dựng và nhân rộng các mô hình, điển hình “Dân vận "
              "khéo” về thực hiện nếp sống văn minh, trật tự đô thị gắn với thực hiện tốt quy tắc "
              "ứng xử, các quy ước, hương ước, các mô hình tự quản trong cộng đồng dân cư.",
              "Ủy ban nhân dân phường; Khối Dân vận Đảng ủy", _HDND_UB_MT, note=_ONGOING),
        _task(_p48("2.3.3"), "Phát động phong trào cán bộ, đảng viên, đoàn viên, hội viên và Nhân "
              "dân tham gia trồng, chăm sóc và bảo vệ cây xanh, chú trọng việc trồng cây xanh "
              "trong đô thị.", "Ủy ban nhân dân phường", _HDND_UB_MT, note=_ONGOING),
    ]


def _tasks(year: int, today: date) -> list[Record]:
    """Return the seeds' tasks and the year's report of Plan 48, due in ten days."""
    report = _task(f"{_PLAN_48}, mục IV.3", "Theo dõi việc tổ chức triển khai thực hiện các nội "
                   "dung Kế hoạch đã đề ra; tổng hợp báo cáo kết quả thực hiện về Ban Thường vụ "
                   f"Thị ủy theo quy định (báo cáo năm {year}).", _KDV,
                   deadline=today + timedelta(days=10),
                   note="Hạn báo cáo do cấp trên yêu cầu.")
    return [*seed_tasks(), report]


# --- the core force's reports ------------------------------------------------------------------

_REPORTS: dict[MemberReportKind, tuple[tuple[str, str], ...]] = {
    MemberReportKind.TU_TUONG: (
        ("Đa số hộ dân phấn khởi, đồng tình với việc chỉnh trang tuyến phố; một số hộ kinh doanh "
         "lo ngại ảnh hưởng buôn bán trong thời gian thi công.",
         "Chi bộ thông tin tại buổi sinh hoạt tổ dân phố; đề nghị đơn vị thi công rào chắn gọn, "
         "làm xong từng đoạn."),
        ("Một số hộ băn khoăn về mức bồi thường, hỗ trợ khi giải phóng mặt bằng dự án mở rộng "
         "đường.",
         "Chuyển Ủy ban nhân dân phường; Tổ công tác đã đối thoại, giải thích chính sách."),
    ),
    MemberReportKind.DU_LUAN: (
        ("Dư luận bàn tán việc thu các khoản đóng góp xây dựng nhà văn hóa chưa công khai.",
         "Ban điều hành tổ dân phố đã công khai thu chi tại nhà văn hóa và nhóm Zalo của tổ."),
        ("Trên mạng xã hội lan truyền thông tin chưa chính xác về việc thu hồi đất làm dự án.",
         "Đề nghị Ủy ban nhân dân phường thông tin chính thức; tổ dân vận tuyên truyền tới hộ."),
    ),
    MemberReportKind.DIEM_NONG: (
        ("Tranh chấp ranh giới đất giữa hai hộ, có nguy cơ xô xát.",
         "Tổ hòa giải phối hợp Công an phường hòa giải thành."),
        ("Nhóm thanh niên tụ tập, gây mất trật tự vào ban đêm ở khu vực bờ kè.",
         "Công an phường tăng cường tuần tra; mời gia đình các em làm việc."),
    ),
    MemberReportKind.KIEN_NGHI: (
        ("Kiến nghị lắp đặt đèn chiếu sáng tuyến hẻm chính của tổ dân phố.",
         "Chuyển Ủy ban nhân dân phường; đã đưa vào kế hoạch chỉnh trang đô thị."),
        ("Kiến nghị nạo vét mương thoát nước trước mùa mưa.",
         "Ủy ban nhân dân phường đã bố trí kinh phí nạo vét."),
    ),
}


def _member_reports(seed: int, members: list[Record], today: date) -> list[Record]:
    """Build a few reports per residential group with a core force, each kind, some handled.

    A stream of its own (seeded by name), so the other sheets' data stay as they were.
    """
    rng = random.Random(f"{seed}-member_reports")
    by_tdp: dict[str, list[str]] = {}
    for m in members:
        if m["status"] != MemberStatus.THOI_THAM_GIA:
            by_tdp.setdefault(m["tdp"], []).append(m["full_name"])
    kinds = list(MemberReportKind)
    out: list[Record] = []
    for i, (tdp, names) in enumerate(by_tdp.items()):
        for j in range(rng.randint(2, 4)):
            kind = kinds[(i + j) % len(kinds)]  # every kind in every few groups
            content, handling = rng.choice(_REPORTS[kind])
            reported = today - timedelta(days=rng.randint(0, 240))
            handled = reported + timedelta(days=rng.randint(2, 20))
            done = handled <= today and rng.random() < 0.7
            out.append(_row("member_reports", member=rng.choice(names), tdp=tdp,
                            report_date=reported, kind=kind, content=content,
                            handling=handling if done or rng.random() < 0.3 else None,
                            handled_on=handled if done else None))
    return out


# --- users -------------------------------------------------------------------------------------


def _users() -> list[Record]:
    """Return one administrator and one read-only leader."""
    return [
        _row("users", email="admin@example.com", name="Văn phòng Đảng ủy", role=Role.ADMIN,
             note="Tài khoản quản trị của bản demo"),
        _row("users", email="lanhdao@example.com", name="Lãnh đạo Đảng ủy", role=Role.VIEWER),
    ]


def _report_settings() -> list[Record]:
    """Return the demo ward's letterhead and signers; the rest keeps the defaults."""
    superior = "ĐẢNG BỘ TỈNH QUẢNG NGÃI"
    secretary = {"signer_for": "T/M ĐẢNG ỦY", "signer_title": "BÍ THƯ",
                 "signer_name": "Trần Minh Quang"}
    deputy = {"signer_for": "T/M ĐẢNG ỦY", "signer_title": "PHÓ BÍ THƯ",
              "signer_name": "Lê Thị Thu Hà"}
    signers = {ReportKind.CHI_TIEU: secretary, ReportKind.SINH_HOAT: deputy,
               ReportKind.DAN_VAN_KHEO: deputy, ReportKind.NONG_COT: secretary}
    return [_row("report_settings", kind=kind, superior=superior, **signer)
            for kind, signer in signers.items()]


# --- the whole ward ----------------------------------------------------------------------------


def generate(seed: int = 2024, scale: int = 1, year: int | None = None) -> Data:
    """Return demo records per sheet key for a plausible ward; same arguments, same data."""
    # `scale` multiplies residential groups, branches, members, models and meetings (benchmarks);
    # `year` is the current campaign year.
    from services.plan48 import indicator_records  # written beside this module; import late

    if scale < 1:
        raise ValueError("scale must be at least 1")
    today = clock.today()
    year = today.year if year is None else year
    master = random.Random(seed)
    rngs = {name: random.Random(master.getrandbits(64)) for name in _STREAMS}
    units = _units(rngs["units"], scale)
    _founded(units, year)
    campaigns = _campaigns(rngs["campaigns"], (year - 1, year))
    indicators = indicator_records()
    meetings = _meetings(rngs["meetings"], units.records, scale, today)
    register = _register(rngs["attendees"], meetings, today)
    return {
        "units": units.records,
        "campaigns": campaigns,
        "registrations": _registrations(rngs["registrations"], units, campaigns, year, today),
        "members": (members := _members(rngs["members"], units, year, scale, today)),
        "meetings": meetings,
        "attendees": register,
        "visit_plan": _visit_plan(rngs["visit_plan"], register, meetings, units.records, today),
        "indicators": indicators,
        "indicator_values": _indicator_values(rngs["indicator_values"], indicators,
                                              units.records, year),
        "users": _users(),
        "tasks": _tasks(year, today),
        "member_reports": _member_reports(seed, members, today),
        "report_settings": _report_settings(),
    }


def summary(data: Data) -> dict[str, int]:
    """Count the records of each sheet, in the schema's sheet order."""
    return {key: len(data.get(key, [])) for key in SHEETS}
