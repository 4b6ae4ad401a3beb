"""The upper level's configuration file: what it accepts, and messages naming key and ward."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services.choices import WardLevel
from services.config import ConfigError
from services.upper import (
    DEFAULT_TTL,
    UpperLevel,
    load_upper,
    parse_upper,
    thinned,
    upper_path,
    write_demo,
)


def _file(**top: Any) -> dict[str, Any]:
    wards = top.pop("wards", [{"name": "Phố Hòa", "level": "phường", "db_url": "sqlite:///a.db"}])
    return {"name": "Ban Dân vận Tỉnh ủy Quảng Ngãi", "level": "tỉnh", **top, "wards": wards}


def test_a_file_with_both_kinds_of_store_is_read_in_order() -> None:
    upper = parse_upper(_file(wards=[
        {"name": "Phố Hòa", "level": "phường", "sheet_key": "1AbC"},
        {"name": "Nghĩa Thái", "level": "Xã", "db_url": "postgresql://u@db/danvan#nghia_thai"},
    ], place="Quảng Ngãi", cache_ttl=300))
    assert upper.level == UpperLevel.TINH
    assert [w.name for w in upper.wards] == ["Phố Hòa", "Nghĩa Thái"]
    assert upper.wards[1].level == WardLevel.XA
    assert upper.wards[0].sheet_key == "1AbC" and not upper.wards[0].db_url
    # A PostgreSQL URL goes through untouched (its schema part is the store's to read).
    assert upper.wards[1].db_url == "postgresql://u@db/danvan#nghia_thai"
    assert upper.cache_ttl == 300 and upper.reads_per_minute == 60
    assert upper.superior_line == "Đảng bộ tỉnh Quảng Ngãi"
    assert upper.wards[0].committee == "Đảng ủy phường Phố Hòa"


def test_relative_sqlite_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cap-tren" / "upper.toml"
    path.parent.mkdir()
    path.write_text('name = "Ban Dân vận Tỉnh ủy"\nlevel = "tỉnh"\n[[wards]]\nname = "A"\n'
                    'level = "xã"\ndb_url = "sqlite:///wards/a.sqlite3"\n', encoding="utf-8")
    upper = load_upper(path)
    assert upper.wards[0].db_url == f"sqlite:///{tmp_path / 'cap-tren' / 'wards' / 'a.sqlite3'}"
    assert upper.cache_ttl == DEFAULT_TTL


@pytest.mark.parametrize(("data", "message"), [
    ({"level": "tỉnh", "wards": []}, "upper.toml: thiếu khóa “name”"),
    (_file(level="miền"), "“level” phải là một trong: tỉnh, thành phố, huyện"),
    (_file(wards=[]), "chưa có xã/phường nào"),
    (_file(wardz=[]), "khóa không dùng được “wardz”"),
    (_file(wards=[{"name": "Phố Hòa", "level": "phường"}]),
     "xã/phường thứ 1 (“Phố Hòa”): cần đúng một trong hai khóa “sheet_key”"),
    (_file(wards=[{"name": "Phố Hòa", "level": "phường", "sheet_key": "x", "db_url": "sqlite:///a"}]),
     "xã/phường thứ 1 (“Phố Hòa”): cần đúng một trong hai khóa"),
    (_file(wards=[{"name": "Phố Hòa", "level": "quận", "sheet_key": "x"}]),
     "xã/phường thứ 1 (“Phố Hòa”): “level” phải là một trong: phường, xã, thị trấn"),
    (_file(wards=[{"level": "xã", "sheet_key": "x"}]), "xã/phường thứ 1: thiếu khóa “name”"),
    (_file(wards=[{"name": "A", "level": "xã", "sheet": "x"}]),
     "xã/phường thứ 1 (“A”): khóa không dùng được “sheet”"),
    (_file(wards=[{"name": "A", "level": "xã", "db_url": "data/a.sqlite3"}]),
     "“db_url” phải là URL cơ sở dữ liệu"),
    (_file(wards=[{"name": "Phố Hòa", "level": "phường", "sheet_key": "x"},
                  {"name": "pho hoa", "level": "xã", "sheet_key": "y"}]),
     "xã/phường thứ 2 (“pho hoa”) trùng tên với xã/phường thứ 1"),
    (_file(cache_ttl="10 phút"), "khóa “cache_ttl” phải là số nguyên từ 0"),
    (_file(reads_per_minute=1), "khóa “reads_per_minute” phải là số nguyên từ 2"),
    (_file(wards=[{"name": 5, "level": "xã", "sheet_key": "x"}]),
     "khóa “name” phải là chuỗi chữ"),
])
def test_each_mistake_names_the_key_and_the_ward(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=None) as caught:
        parse_upper(data)
    assert message in str(caught.value)


def test_a_missing_or_broken_file_is_said_plainly(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="DANVAN_UPPER: không tìm thấy tệp"):
        load_upper(tmp_path / "none.toml")
    broken = tmp_path / "upper.toml"
    broken.write_text('name = "x\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="sai cú pháp TOML"):
        load_upper(broken)


def test_upper_mode_is_on_only_when_the_variable_is_set() -> None:
    assert upper_path({}) is None
    assert upper_path({"DANVAN_UPPER": " "}) is None
    assert upper_path({"DANVAN_UPPER": "cap-tren.toml"}) == Path("cap-tren.toml")


def test_the_demo_writes_wards_that_differ_and_a_file_that_reads(tmp_path: Path) -> None:
    path = write_demo(tmp_path / "wards", 3, year=2026)
    upper = load_upper(path)
    assert len(upper.wards) == 3 and len({w.name for w in upper.wards}) == 3
    for ward in upper.wards:
        assert Path(ward.db_url.removeprefix("sqlite:///")).is_file()


def test_thinning_keeps_references_valid() -> None:
    from services.demo import generate
    from services.schema import SHEETS
    from services.validation import RawTable, Severity, validate_snapshot

    data = thinned(generate(seed=7, year=2026), 0.4, 7, 2026)
    raw = {key: RawTable.from_records(SHEETS[key], rows) for key, rows in data.items()}
    errors = [p.text() for p in validate_snapshot(raw).problems if p.severity == Severity.ERROR]
    assert not errors, errors[:3]
