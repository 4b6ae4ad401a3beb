"""Which screens exist, under which heading, and the least role that may open each.

Roles rank as `services.auth.allows` says; which role may read and write each sheet is declared
there too (`SHEET_ACCESS`), beside the other permission checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from services.auth import allows
from services.choices import Role


@dataclass(frozen=True)
class Screen:
    """One page of the app."""

    path: str
    title: str
    icon: str
    section: str
    role: Role
    default: bool = False


SCREENS: tuple[Screen, ...] = (
    Screen("pages/dashboard.py", "Bảng điều khiển", ":material/dashboard:", "Tổng quan",
           Role.VIEWER, default=True),
    Screen("pages/export.py", "Xuất dữ liệu", ":material/download:", "Tổng quan", Role.VIEWER),
    Screen("pages/reports.py", "Báo cáo", ":material/description:", "Tổng quan", Role.VIEWER),
    Screen("pages/quality.py", "Chất lượng dữ liệu", ":material/rule:", "Tổng quan",
           Role.EDITOR),
    Screen("pages/registrations.py", "Mô hình “Dân vận khéo”", ":material/workspace_premium:",
           "Nghiệp vụ", Role.EDITOR),
    Screen("pages/members.py", "Lực lượng nòng cốt", ":material/groups:", "Nghiệp vụ",
           Role.EDITOR),
    Screen("pages/meetings.py", "Dự sinh hoạt chi bộ", ":material/event_available:", "Nghiệp vụ",
           Role.EDITOR),
    Screen("pages/indicators.py", "Chỉ tiêu Kế hoạch 48", ":material/flag:", "Nghiệp vụ",
           Role.EDITOR),
    Screen("pages/tasks.py", "Nhiệm vụ", ":material/task_alt:", "Nghiệp vụ", Role.EDITOR),
    Screen("pages/member_reports.py", "Phản ánh của nòng cốt", ":material/campaign:",
           "Nghiệp vụ", Role.EDITOR),
    Screen("pages/units.py", "Đơn vị", ":material/apartment:", "Danh mục", Role.EDITOR),
    Screen("pages/campaigns.py", "Đợt thi đua", ":material/calendar_month:", "Danh mục",
           Role.EDITOR),
    Screen("pages/home.py", "Kho dữ liệu", ":material/database:", "Quản trị", Role.ADMIN),
    Screen("pages/setup.py", "Chuẩn bị bảng tính", ":material/build:", "Quản trị", Role.ADMIN),
    Screen("pages/users.py", "Người dùng", ":material/manage_accounts:", "Quản trị", Role.ADMIN),
    Screen("pages/audit.py", "Nhật ký thay đổi", ":material/history:", "Quản trị", Role.ADMIN),
)

# The upper level's app (`DANVAN_UPPER`): the roll-up of its wards only, read-only.
UPPER_SCREENS: tuple[Screen, ...] = (
    Screen("pages/rollup.py", "Tổng hợp xã, phường", ":material/account_tree:", "Cấp trên",
           Role.VIEWER, default=True),
    Screen("pages/rollup_ward.py", "Từng xã, phường", ":material/travel_explore:", "Cấp trên",
           Role.VIEWER),
)


def screens_for(role: Role | None) -> dict[str, list[Screen]]:
    """Return the screens a role may open, grouped by section, in declaration order."""
    out: dict[str, list[Screen]] = {}
    for screen in SCREENS:
        if allows(role, screen.role):
            out.setdefault(screen.section, []).append(screen)
    return out


# Which screen adds the records of each sheet other sheets point at: an empty dropdown of a
# form links there ("Chưa có chi bộ nào … Hãy thêm chi bộ ở trang Đơn vị").
ADDED_ON: dict[str, str] = {
    "units": "pages/units.py",
    "campaigns": "pages/campaigns.py",
    "members": "pages/members.py",
    "attendees": "pages/meetings.py",
    "indicators": "pages/indicators.py",
}


def screen_adding(sheet_key: str, role: Role | None) -> Screen | None:
    """Return the screen where a sheet's records are added, if this role may open it."""
    path = ADDED_ON.get(sheet_key)
    screen = next((s for s in SCREENS if s.path == path), None)
    return screen if screen is not None and allows(role, screen.role) else None


def requested_path(url: str | None) -> str:
    """Return the page part of the address the browser opened ("" for the app itself).

    Streamlit matches a page by the address's last segment (`st.Page.url_path`), as here.
    """
    if not url:
        return ""
    path = urlsplit(url).path.rstrip("/")
    return unquote(path.rsplit("/", 1)[-1]) if path else ""


def unknown_path(url: str | None, known: Iterable[str]) -> str | None:
    """Return the address's page part if no page answers it, else None.

    Streamlit runs the default page for such an address under an English "Page not found"
    box; the entry point gives the address a hidden page of its own that says it in Vietnamese.
    """
    path = requested_path(url)
    # A "/" (typed as %2F) cannot be a page's address: Streamlit refuses it.
    return path if path and "/" not in path and path not in set(known) else None
