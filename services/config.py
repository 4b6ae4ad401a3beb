"""Configuration: environment variables first, then `.streamlit/secrets.toml`, then defaults.

Every key is documented in `.streamlit/secrets.toml.example` and the README.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from services.choices import WardLevel
from services.clock import today

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = ROOT / "data" / "danvan.sqlite3"


class Backend(StrEnum):
    """Where the data lives."""

    LOCAL = "local"
    GSHEETS = "gsheets"


class ConfigError(ValueError):
    """A setting has a value the app cannot use; the message names the key."""


def secrets_path() -> Path:
    """Return the secrets file the app reads (DANVAN_SECRETS overrides the default)."""
    return Path(os.environ.get("DANVAN_SECRETS") or ROOT / ".streamlit" / "secrets.toml")


def load_secrets(path: Path | None = None) -> dict[str, Any]:
    """Read the secrets file, or nothing when there is none."""
    path = path or secrets_path()
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"Tệp cấu hình {path.name} sai cú pháp TOML: {err}") from err


@dataclass(frozen=True)
class Settings:
    """Everything configurable about one deployment (one ward or commune)."""

    backend: Backend = Backend.LOCAL
    db_url: str = f"sqlite:///{DEFAULT_DB_PATH}"
    ward_name: str = "Phố Hòa"
    ward_level: WardLevel = WardLevel.PHUONG
    year: int = field(default_factory=lambda: today().year)
    demo_data: bool = True
    cache_ttl: int = 60
    spreadsheet: str = ""
    credentials_file: str = ""
    credentials_info: Mapping[str, Any] | None = field(default=None, repr=False)
    sheets_api_url: str = ""
    request_timeout: float = 20.0
    deadline: float = 60.0

    @property
    def committee(self) -> str:
        """Return the Party Committee's name, e.g. "Đảng ủy phường Phố Hòa"."""
        return f"Đảng ủy {self.ward_level} {self.ward_name}"

    @property
    def ward(self) -> str:
        """Return the ward's name with its level, e.g. "phường Phố Hòa"."""
        return f"{self.ward_level} {self.ward_name}"


_TRUE = {"1", "true", "yes", "on", "co", "có"}


def _flag(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in _TRUE


def load_settings(env: Mapping[str, str] | None = None,
                  secrets: Mapping[str, Any] | None = None) -> Settings:
    """Build the settings from the environment and the secrets file."""
    env = os.environ if env is None else env
    secrets = load_secrets() if secrets is None else secrets

    def get(key: str, default: Any = None) -> Any:
        if env.get(key) not in (None, ""):
            return env[key]
        return secrets.get(key, default)

    defaults = Settings()
    try:
        backend = Backend(str(get("DANVAN_BACKEND", defaults.backend)).strip().lower())
    except ValueError:
        raise ConfigError(
            f"DANVAN_BACKEND phải là một trong: {', '.join(Backend)}; đang là "
            f"{get('DANVAN_BACKEND')!r}."
        ) from None
    try:
        level = WardLevel(str(get("DANVAN_WARD_LEVEL", defaults.ward_level)).strip().lower())
    except ValueError:
        raise ConfigError(
            f"DANVAN_WARD_LEVEL phải là một trong: {', '.join(WardLevel)}."
        ) from None
    numbers = {}
    for key, name, default in (
        ("DANVAN_YEAR", "year", defaults.year),
        ("DANVAN_CACHE_TTL", "cache_ttl", defaults.cache_ttl),
        ("DANVAN_REQUEST_TIMEOUT", "request_timeout", defaults.request_timeout),
        ("DANVAN_DEADLINE", "deadline", defaults.deadline),
    ):
        try:
            numbers[name] = type(default)(get(key, default))
        except (TypeError, ValueError):
            raise ConfigError(f"{key} phải là một số; đang là {get(key)!r}.") from None
    info = secrets.get("gcp_service_account")
    return Settings(
        backend=backend,
        db_url=str(get("DANVAN_DB_URL", defaults.db_url)),
        ward_name=str(get("DANVAN_WARD_NAME", defaults.ward_name)).strip(),
        ward_level=level,
        demo_data=_flag(get("DANVAN_DEMO_DATA", defaults.demo_data)),
        spreadsheet=str(get("DANVAN_SPREADSHEET", "")).strip(),
        credentials_file=str(get("DANVAN_CREDENTIALS_FILE", "")
                             or get("GOOGLE_APPLICATION_CREDENTIALS", "")).strip(),
        credentials_info=dict(info) if isinstance(info, Mapping) else None,
        sheets_api_url=str(get("DANVAN_SHEETS_API_URL", "")).strip().rstrip("/"),
        **numbers,
    )
