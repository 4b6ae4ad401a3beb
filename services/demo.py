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
from typing import Any

from services import clock
from services.choices import (
    AttendeeLevel,
    Gender,
    MemberStatus,
    ModelKind,
    RecognitionLevel,
    RegistrationStatus,
    Role,
    TargetKind,
    UnitKind,
)
from services.choices import Field as ModelField
from services.reference import ATTENDANCE_RULES, CRITERIA
from services.schema import ARCHIVED, ID, SHEETS, Record

Data = dict[str, list[Record]]

# Independent random streams, one per sheet, so a change to one sheet's recipe leaves the others'
# data as it was. The order is part of the output: append, never reorder.
_STREAMS = ("units", "campaigns", "registrations", "members", "meetings", "indicator_values")

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


def _unique_name(rng: random.Random, gender: Gender, taken: set[str]) -> str:
    """Draw a name nobody in `taken` has, and take it."""
    name = _name(rng, gender)
    while name in taken:
        name = _name(rng, gender)
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
            # Registrations not yet made by today are not in the sheet yet.
            rows = [r for r in rows if r["registered_on"] <= today]
            _set_statuses(rng, rows, campaign, today)
            out += rows
    return out


def _registration(rng: random.Random, unit: str, tag: str, campaign: Record) -> Record:
    """Draw one registered model (status set later, once the whole phase is known)."""
    personal = rng.random() < 0.15
    field, name = _model(rng, tag, personal)
    late = rng.random() < 0.06
    registered = (campaign["register_by"] + timedelta(days=rng.randint(1, 12)) if late
                  else _between(rng, campaign["start_date"], campaign["register_by"]))
    return _row(
        "registrations", campaign=campaign["name"], unit=unit,
        kind=ModelKind.CA_NHAN if personal else ModelKind.TAP_THE,
        person=_name(rng, _gender(rng)) if personal else None,
        field=field, model_name=name, content=_CONTENT[field], registered_on=registered,
        status=RegistrationStatus.DANG_KY, note="Đăng ký sau hạn" if late else None,
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
    weights = [3 if u["complex_area"] else 1 for u in residential]
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
                branch = rng.choices(names, weights)[0]
                while branch == home:
                    branch = rng.choices(names, weights)[0]
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
        if ind["target_kind"] == TargetKind.BAO_PHU and members:
            for i, y in enumerate(years):
                # Fewer groups fall short each year, but never none in the demo.
                short = set(rng.sample(members, max(1, len(members) * (3 - i) // 12)))
                out += [_row("indicator_values", indicator=code, year=y, unit=name,
                             value=0.0 if name in short else 1.0) for name in members]
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


# --- users -------------------------------------------------------------------------------------


def _users() -> list[Record]:
    """Return one administrator and one read-only leader."""
    return [
        _row("users", email="admin@example.com", name="Văn phòng Đảng ủy", role=Role.ADMIN,
             note="Tài khoản quản trị của bản demo"),
        _row("users", email="lanhdao@example.com", name="Lãnh đạo Đảng ủy", role=Role.VIEWER),
    ]


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
    campaigns = _campaigns(rngs["campaigns"], (year - 1, year))
    indicators = indicator_records()
    return {
        "units": units.records,
        "campaigns": campaigns,
        "registrations": _registrations(rngs["registrations"], units, campaigns, year, today),
        "members": _members(rngs["members"], units, year, scale, today),
        "meetings": _meetings(rngs["meetings"], units.records, scale, today),
        "indicators": indicators,
        "indicator_values": _indicator_values(rngs["indicator_values"], indicators,
                                              units.records, year),
        "users": _users(),
    }


def summary(data: Data) -> dict[str, int]:
    """Count the records of each sheet, in the schema's sheet order."""
    return {key: len(data.get(key, [])) for key in SHEETS}
