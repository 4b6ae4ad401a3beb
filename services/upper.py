"""The upper level (province, or district where one exists) and the wards it rolls up.

`DANVAN_UPPER=path/to/upper.toml` turns the app into the upper level's read-only roll-up. The
file names the upper body and lists its wards, each with its own store::

    name = "Ban Dân vận Tỉnh ủy Quảng Ngãi"
    level = "tỉnh"
    place = "Quảng Ngãi"

    [[wards]]
    name = "Phố Hòa"
    level = "phường"
    sheet_key = "1AbC…"                  # a Google spreadsheet (key or URL) …

    [[wards]]
    name = "Nghĩa Thái"
    level = "xã"
    db_url = "sqlite:///nghia-thai.sqlite3"   # … or a database (relative to this file)

Google Sheets wards use the service-account settings the app already has
(`[gcp_service_account]`, `DANVAN_CREDENTIALS_FILE`, `DANVAN_SHEETS_API_URL`). A mistake
stops the app with a `ConfigError` that names the key and the ward.

`write_demo` builds N demo wards (each its own SQLite file, each further along or further behind)
and the file that lists them: `python -m services.cli demo --wards N`.
"""

from __future__ import annotations

import os
import random
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from services.choices import WardLevel
from services.config import ConfigError
from services.text import fold

ENV = "DANVAN_UPPER"
DEFAULT_TTL = 600  # seconds a ward's snapshot is reused: 100 wards cost 10 reads a minute
DEFAULT_READS_PER_MINUTE = 60  # Google's read quota per minute per service account
DEFAULT_WORKERS = 8


class UpperLevel(StrEnum):
    """The level of the body above the wards."""

    TINH = "tỉnh"
    THANH_PHO = "thành phố"
    HUYEN = "huyện"
    THI_XA = "thị xã"
    QUAN = "quận"


@dataclass(frozen=True)
class Ward:
    """One ward or commune and where its data lives (exactly one of the two)."""

    name: str
    level: WardLevel
    sheet_key: str = ""
    db_url: str = ""

    @property
    def title(self) -> str:
        """Return "phường Phố Hòa"."""
        return f"{self.level} {self.name}"

    @property
    def committee(self) -> str:
        """Return "Đảng ủy phường Phố Hòa", as the ward's own app names itself."""
        return f"Đảng ủy {self.title}"


@dataclass(frozen=True)
class Upper:
    """The upper level's settings and its wards, in the file's order."""

    name: str
    level: UpperLevel
    wards: tuple[Ward, ...]
    place: str = ""
    superior: str = ""  # the report's top-left line; "ĐẢNG BỘ TỈNH …" when empty
    year: int | None = None  # None: the app's working year (DANVAN_YEAR)
    cache_ttl: int = DEFAULT_TTL
    reads_per_minute: int = DEFAULT_READS_PER_MINUTE
    workers: int = DEFAULT_WORKERS
    path: Path | None = None

    def ward(self, name: str) -> Ward | None:
        """Return the ward of this name, if listed."""
        return next((w for w in self.wards if w.name == name), None)

    @property
    def superior_line(self) -> str:
        """Return the superior Party body above the issuer, e.g. "Đảng bộ tỉnh Quảng Ngãi"."""
        return self.superior or f"Đảng bộ {self.level} {self.place}".strip()


_TOP_KEYS = {"name", "level", "place", "superior", "year", "cache_ttl", "reads_per_minute",
             "workers", "wards"}
_WARD_KEYS = {"name", "level", "sheet_key", "db_url"}


def _text(table: Mapping[str, Any], key: str, where: str, *, required: bool) -> str:
    value = table.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ConfigError(f"{where}: thiếu khóa “{key}”.")
        return ""
    if not isinstance(value, str):
        raise ConfigError(f"{where}: khóa “{key}” phải là chuỗi chữ trong dấu ngoặc kép; đang là "
                          f"{value!r}.")
    return value.strip()


def _whole(table: Mapping[str, Any], key: str, where: str, default: int | None,
           low: int) -> int | None:
    value = table.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{where}: khóa “{key}” phải là số nguyên từ {low} trở lên; đang là "
                          f"{value!r}.")
    return value


def _unknown(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise ConfigError(f"{where}: khóa không dùng được “{extra[0]}” (các khóa hợp lệ: "
                          f"{', '.join(sorted(allowed))}).")


def _db_url(value: str, base: Path | None) -> str:
    """Return a SQLite URL with a relative path made relative to the file's folder."""
    prefix = "sqlite:///"
    if base is None or not value.startswith(prefix):
        return value  # PostgreSQL and others: passed through as written
    path = value.removeprefix(prefix)
    if path and path != ":memory:" and not Path(path).is_absolute():
        return prefix + str((base / path).resolve())
    return value


def _ward(raw: Any, number: int, file: str, base: Path | None) -> Ward:
    where = f"{file}, xã/phường thứ {number}"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: mỗi xã/phường là một bảng [[wards]].")
    name = _text(raw, "name", where, required=True)
    where = f"{file}, xã/phường thứ {number} (“{name}”)"
    _unknown(raw, _WARD_KEYS, where)
    level_text = _text(raw, "level", where, required=True)
    try:
        level = WardLevel(level_text.lower())
    except ValueError:
        raise ConfigError(f"{where}: “level” phải là một trong: {', '.join(WardLevel)}; đang là "
                          f"“{level_text}”.") from None
    sheet_key = _text(raw, "sheet_key", where, required=False)
    db_url = _text(raw, "db_url", where, required=False)
    if bool(sheet_key) == bool(db_url):
        raise ConfigError(f"{where}: cần đúng một trong hai khóa “sheet_key” (bảng tính Google "
                          "Sheets) hoặc “db_url” (cơ sở dữ liệu, ví dụ "
                          "sqlite:///phuong.sqlite3).")
    if db_url and "://" not in db_url:
        raise ConfigError(f"{where}: “db_url” phải là URL cơ sở dữ liệu, ví dụ "
                          f"sqlite:///phuong.sqlite3 hoặc postgresql://…; đang là “{db_url}”.")
    return Ward(name, level, sheet_key=sheet_key, db_url=_db_url(db_url, base))


def parse_upper(data: Mapping[str, Any], path: Path | None = None) -> Upper:
    """Check the file's content and return the upper level; a mistake names key and ward."""
    file = path.name if path is not None else "upper.toml"
    _unknown(data, _TOP_KEYS, file)
    name = _text(data, "name", file, required=True)
    level_text = _text(data, "level", file, required=True)
    try:
        level = UpperLevel(level_text.lower())
    except ValueError:
        raise ConfigError(f"{file}: “level” phải là một trong: {', '.join(UpperLevel)}; đang là "
                          f"“{level_text}”.") from None
    raw_wards = data.get("wards")
    if not isinstance(raw_wards, list) or not raw_wards:
        raise ConfigError(f"{file}: chưa có xã/phường nào; thêm ít nhất một bảng [[wards]] với "
                          "name, level và sheet_key hoặc db_url.")
    base = path.resolve().parent if path is not None else None
    wards = [_ward(raw, n, file, base) for n, raw in enumerate(raw_wards, 1)]
    seen: dict[str, int] = {}
    for n, ward in enumerate(wards, 1):
        key = fold(ward.name)
        if key in seen:
            raise ConfigError(f"{file}: xã/phường thứ {n} (“{ward.name}”) trùng tên với xã/phường "
                              f"thứ {seen[key]}; mỗi tên chỉ dùng một lần.")
        seen[key] = n
    return Upper(
        name=name, level=level, wards=tuple(wards),
        place=_text(data, "place", file, required=False),
        superior=_text(data, "superior", file, required=False),
        year=_whole(data, "year", file, None, 2000),
        cache_ttl=_whole(data, "cache_ttl", file, DEFAULT_TTL, 0) or 0,
        reads_per_minute=_whole(data, "reads_per_minute", file, DEFAULT_READS_PER_MINUTE, 2)
        or DEFAULT_READS_PER_MINUTE,
        workers=_whole(data, "workers", file, DEFAULT_WORKERS, 1) or DEFAULT_WORKERS,
        path=path,
    )


def load_upper(path: str | Path) -> Upper:
    """Read and check an upper-level file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{ENV}: không tìm thấy tệp cấu hình cấp trên “{path}”.")
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"Tệp {path.name} sai cú pháp TOML: {err}") from err
    return parse_upper(data, path)


def upper_path(env: Mapping[str, str] | None = None) -> Path | None:
    """Return the upper-level file `DANVAN_UPPER` names, or None for a ward's own app."""
    env = os.environ if env is None else env
    value = (env.get(ENV) or "").strip()
    return Path(value) if value else None


# --- the demo: N wards, each further along or behind ---------------------------------------

DEMO_WARD_NAMES = (
    "Phố Hòa", "Nghĩa Thái", "Trương Quang Trọng", "Cẩm Thành", "Nghĩa Lộ", "Trà Câu",
    "Đức Phổ", "Sa Huỳnh", "Tịnh Khê", "Bình Sơn", "Sơn Tịnh", "Tư Nghĩa", "Mộ Đức",
    "Nghĩa Hành", "Minh Long", "Ba Tơ", "Sơn Hà", "Sơn Tây", "Trà Bồng", "Lý Sơn",
)


def demo_ward_name(index: int) -> str:
    """Return the i-th demo ward's name (numbered once the list runs out)."""
    base = DEMO_WARD_NAMES[index % len(DEMO_WARD_NAMES)]
    return base if index < len(DEMO_WARD_NAMES) else f"{base} {index // len(DEMO_WARD_NAMES) + 1}"


def thinned(data: Mapping[str, Sequence[Mapping[str, Any]]], done: float, seed: int,
            year: int) -> dict[str, list[Mapping[str, Any]]]:
    """Return a demo ward with only part of its work done (`done` from 0 to 1).

    Drops the same share of this year's registrations (by unit), of logged meetings, of the
    residential groups' core-force lists and of the indicator values of the last two years, so
    wards differ in every roll-up table. References stay valid: whatever pointed at a dropped
    member goes too.
    """
    rng = random.Random(seed)
    out = {key: list(rows) for key, rows in data.items()}

    def keep() -> bool:
        return rng.random() < done

    units = sorted({str(r.get("unit")) for r in out.get("registrations", [])})
    kept_units = {u for u in units if keep()}
    campaigns = {str(c["name"]) for c in out.get("campaigns", []) if str(year) in str(c["name"])}
    out["registrations"] = [r for r in out.get("registrations", [])
                            if str(r.get("campaign")) not in campaigns
                            or str(r.get("unit")) in kept_units]
    out["meetings"] = [r for r in out.get("meetings", []) if keep()]
    groups = sorted({str(m.get("tdp")) for m in out.get("members", [])})
    kept_groups = {g for g in groups if keep()}
    out["members"] = [m for m in out.get("members", []) if str(m.get("tdp")) in kept_groups]
    names = {str(m.get("full_name")) for m in out["members"]} | {
        str(m.get("id")) for m in out["members"]}
    out["member_reports"] = [r for r in out.get("member_reports", [])
                             if str(r.get("member")) in names]
    out["indicator_values"] = [v for v in out.get("indicator_values", [])
                               if (v.get("year") or 0) < year - 1 or keep()]
    return out


def write_demo(folder: Path, wards: int, *, year: int, seed: int = 2024,
               name: str = "Ban Dân vận Tỉnh ủy Quảng Ngãi", place: str = "Quảng Ngãi") -> Path:
    """Create `wards` demo wards (one SQLite file each) and the `upper.toml` listing them."""
    from services.demo import generate
    from services.store.sql import SqlStore

    if wards < 1:
        raise ValueError("wards must be at least 1")
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"name = {_toml(name)}", 'level = "tỉnh"', f"place = {_toml(place)}",
             f"year = {year}", ""]
    for index in range(wards):
        ward_seed = seed + 7919 * index
        # From about a third of the work done to all of it, in a shuffled order.
        done = 0.35 + 0.65 * ((index * 7) % wards) / max(wards - 1, 1)
        data = thinned(generate(seed=ward_seed, year=year), done, ward_seed, year)
        file = folder / f"ward-{index + 1:03d}.sqlite3"
        file.unlink(missing_ok=True)
        store = SqlStore(f"sqlite:///{file}")
        store.load(data)
        store.engine.dispose()
        level = WardLevel.XA if index % 3 == 1 else WardLevel.PHUONG
        lines += ["[[wards]]", f"name = {_toml(demo_ward_name(index))}",
                  f"level = {_toml(str(level))}", f"db_url = {_toml('sqlite:///' + file.name)}",
                  ""]
    path = folder / "upper.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
