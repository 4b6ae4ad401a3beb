"""Time in Vietnam: "today", deadlines and audit stamps, whatever the server's zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> datetime:
    """Return the current time in Vietnam, timezone-aware."""
    return datetime.now(VN_TZ)


def today() -> date:
    """Return today's date in Vietnam (a deadline day ends at midnight there, not in UTC)."""
    return now().date()
