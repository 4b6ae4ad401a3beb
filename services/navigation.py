"""Which screens exist, under which heading, and the least role that may open each.

Roles rank as `services.auth.allows` says; which role may read and write each sheet is declared
there too (`SHEET_ACCESS`), beside the other permission checks.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def screens_for(role: Role | None) -> dict[str, list[Screen]]:
    """Return the screens a role may open, grouped by section, in declaration order."""
    out: dict[str, list[Screen]] = {}
    for screen in SCREENS:
        if allows(role, screen.role):
            out.setdefault(screen.section, []).append(screen)
    return out
