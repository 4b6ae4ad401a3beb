"""Who is acting, and what their role lets them do. Checked in the service layer, not in pages."""

from __future__ import annotations

from dataclasses import dataclass

from services.choices import Role
from services.store.base import StoreError


class PermissionDenied(StoreError):
    """The person's role does not allow this action."""


@dataclass(frozen=True)
class Actor:
    """A person using the app: identity for the audit, role for permissions."""

    email: str
    name: str
    role: Role | None

    @property
    def label(self) -> str:
        """Return how the audit names this person."""
        return self.email or self.name

    def can_edit(self) -> bool:
        """Tell whether this person may enter and change data."""
        return self.role in (Role.EDITOR, Role.ADMIN)

    def can_admin(self) -> bool:
        """Tell whether this person may set up sheets, settings and users."""
        return self.role == Role.ADMIN


LOCAL_ADMIN = Actor(email="", name="Người dùng cục bộ (quản trị)", role=Role.ADMIN)


def require_editor(actor: Actor) -> None:
    """Refuse a write by someone who may only view."""
    if not actor.can_edit():
        raise PermissionDenied(
            "Tài khoản của bạn chỉ có quyền xem; không thể thêm hoặc sửa dữ liệu. "
            "Hãy liên hệ quản trị viên nếu cần quyền nhập liệu."
        )


def require_admin(actor: Actor) -> None:
    """Refuse an administrative action by someone who is not an admin."""
    if not actor.can_admin():
        raise PermissionDenied("Chỉ quản trị viên mới làm được việc này.")
