"""Settings come from the environment, then secrets.toml, then defaults; bad values are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.choices import WardLevel
from services.config import Backend, ConfigError, load_secrets, load_settings


def test_defaults_are_the_embedded_store_and_a_ward() -> None:
    settings = load_settings(env={}, secrets={})
    assert settings.backend == Backend.LOCAL
    assert settings.db_url.startswith("sqlite:///") and settings.db_url.endswith("danvan.sqlite3")
    assert settings.committee == "Đảng ủy phường Phố Hòa"


def test_environment_wins_over_secrets() -> None:
    settings = load_settings(
        env={"DANVAN_WARD_NAME": "Nghĩa Thái", "DANVAN_WARD_LEVEL": "xã"},
        secrets={"DANVAN_WARD_NAME": "Phố Hòa", "DANVAN_YEAR": 2024},
    )
    assert settings.ward_level == WardLevel.XA
    assert settings.committee == "Đảng ủy xã Nghĩa Thái"
    assert settings.year == 2024


def test_unknown_backend_is_an_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match="DANVAN_BACKEND"):
        load_settings(env={"DANVAN_BACKEND": "excel"}, secrets={})


def test_non_numeric_ttl_is_an_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match="DANVAN_CACHE_TTL"):
        load_settings(env={"DANVAN_CACHE_TTL": "một phút"}, secrets={})


def test_secrets_file_is_read_with_inline_service_account(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text('DANVAN_BACKEND = "gsheets"\nDANVAN_SPREADSHEET = "abc"\n'
                    '[gcp_service_account]\nclient_email = "x@y.iam.gserviceaccount.com"\n',
                    encoding="utf-8")
    settings = load_settings(env={}, secrets=load_secrets(path))
    assert settings.backend == Backend.GSHEETS and settings.spreadsheet == "abc"
    assert settings.credentials_info == {"client_email": "x@y.iam.gserviceaccount.com"}
    assert "x@y" not in repr(settings)  # credentials never end up in logs via repr


def test_broken_secrets_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text("DANVAN_BACKEND = ", encoding="utf-8")
    with pytest.raises(ConfigError, match="TOML"):
        load_secrets(path)
