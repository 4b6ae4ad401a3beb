"""A smoke test against the real Google Sheets API; it runs only where credentials are set.

Set DANVAN_SPREADSHEET and a service-account key (DANVAN_CREDENTIALS_FILE,
GOOGLE_APPLICATION_CREDENTIALS, or [gcp_service_account] in the secrets file), then run
`.venv/bin/python -m pytest tests/test_gsheets_live.py`. It only reads.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from services.config import ConfigError, load_secrets, load_settings, secrets_path
from services.schema import SHEETS
from services.store.gsheets import GSheetsStore

# Read now, at collection: the suite's autouse fixture hides the developer's configuration
# from every test, which is right for all tests but this one.
_KEYS = ("DANVAN_SPREADSHEET", "DANVAN_CREDENTIALS_FILE", "GOOGLE_APPLICATION_CREDENTIALS",
         "DANVAN_SHEETS_API_URL", "DANVAN_REQUEST_TIMEOUT", "DANVAN_DEADLINE")
_ENV = {key: os.environ[key] for key in _KEYS if os.environ.get(key)}
try:
    _SECRETS = load_secrets(Path(os.environ.get("DANVAN_SECRETS") or secrets_path()))
except ConfigError:
    _SECRETS = {}


def _why_not_live() -> str | None:
    settings = load_settings(env={**_ENV, "DANVAN_BACKEND": "gsheets"}, secrets=_SECRETS)
    if not settings.spreadsheet:
        return "DANVAN_SPREADSHEET is not set"
    if settings.sheets_api_url:
        return "DANVAN_SHEETS_API_URL points at another server, not Google"
    if not (settings.credentials_file or settings.credentials_info):
        return ("no service-account credentials (DANVAN_CREDENTIALS_FILE, "
                "GOOGLE_APPLICATION_CREDENTIALS or [gcp_service_account])")
    return None


pytestmark = pytest.mark.skipif(_why_not_live() is not None,
                                reason=f"live Google Sheets test: {_why_not_live()}")


def test_live_spreadsheet_reads_a_snapshot() -> None:
    settings = load_settings(env={**_ENV, "DANVAN_BACKEND": "gsheets"}, secrets=_SECRETS)
    store = GSheetsStore.from_settings(settings)
    assert store.describe().startswith("Google Sheets: ")
    snapshot = store.snapshot()
    assert set(snapshot.tables) == set(SHEETS)
    for problem in snapshot.problems[:20]:
        print(problem.title, problem.text())  # shown with -s: what the office should fix
