"""Who is acting, and what their role lets them do. Checked in the service layer, not in pages.

Sign-in itself is Streamlit's (`st.login`, OIDC); this module only decides, from an e-mail
address, the users sheet and the `DANVAN_ADMIN_EMAILS` setting, which role a person has.
It never imports Streamlit, so the rules are testable without a browser.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from services.choices import Role
from services.config import load_secrets
from services.schema import ARCHIVED
from services.store.base import StoreError
from services.text import nfc


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
# Someone who has not signed in yet: no identity, no role.
ANONYMOUS = Actor(email="", name="", role=None)

# What each role may do, as the users page explains it; each role includes the ones above it.
ROLE_HELP: dict[Role, str] = {
    Role.VIEWER: "Xem bảng điều khiển và xuất dữ liệu. Không thêm, không sửa được gì.",
    Role.EDITOR: "Như quyền Xem, thêm nhập liệu: đăng ký mô hình, lực lượng nòng cốt, dự sinh "
                 "hoạt chi bộ, giá trị chỉ tiêu, danh mục đơn vị và đợt thi đua.",
    Role.ADMIN: "Như quyền Biên tập, thêm cài đặt: kho dữ liệu, chuẩn bị bảng tính, người dùng "
                "và nhật ký thay đổi.",
}

ADMIN_EMAILS_KEY = "DANVAN_ADMIN_EMAILS"
# Keys Streamlit's `st.login` needs in the [auth] section (one unnamed provider).
AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret",
             "server_metadata_url")
_PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")


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


# Sheets only an admin may change: who has which role, and the trail of changes itself.
ADMIN_SHEETS = frozenset({"users", "audit"})


def require_sheet_write(actor: Actor, sheet_key: str) -> None:
    """Refuse a write to this sheet by someone whose role does not reach it."""
    if sheet_key in ADMIN_SHEETS:
        require_admin(actor)
    else:
        require_editor(actor)


# --- who is who ----------------------------------------------------------------------------


def normalize_email(email: object) -> str:
    """Return an address as compared: NFC, trimmed, lower case ("" for nothing)."""
    return nfc(str(email or "")).lower()


def parse_emails(value: object) -> frozenset[str]:
    """Read a list of addresses typed as "a@x.vn, b@y.vn" (commas, semicolons or spaces)."""
    if isinstance(value, (list, tuple, set, frozenset)):
        parts: Iterable[object] = value
    else:
        parts = re.split(r"[,;\s]+", str(value or ""))
    return frozenset(e for e in (normalize_email(p) for p in parts) if e)


def admin_emails(env: Mapping[str, str] | None = None,
                 secrets: Mapping[str, Any] | None = None) -> frozenset[str]:
    """Return the addresses that are admins whatever the users sheet says (first admin's way in).

    Read like every other setting: the environment first, then the secrets file.
    """
    env = os.environ if env is None else env
    if env.get(ADMIN_EMAILS_KEY):
        return parse_emails(env[ADMIN_EMAILS_KEY])
    secrets = load_secrets() if secrets is None else secrets
    return parse_emails(secrets.get(ADMIN_EMAILS_KEY))


def role_for(email: object, users: Iterable[Mapping[str, Any]],
             admins: Collection[str] = ()) -> Role | None:
    """Return the role of an address: admin if listed as such, else its active users-sheet row.

    Addresses are compared in lower case after NFC; archived rows give no role.
    """
    wanted = normalize_email(email)
    if not wanted:
        return None
    if wanted in {normalize_email(a) for a in admins}:
        return Role.ADMIN
    for user in users:
        if user.get(ARCHIVED) or normalize_email(user.get("email")) != wanted:
            continue
        try:
            return Role(nfc(str(user.get("role") or "")))
        except ValueError:
            return None  # a role the app does not know gives nothing, never more
    return None


def auth_problems(section: Mapping[str, Any]) -> list[str]:
    """Return the keys the [auth] section lacks for Streamlit's sign-in, by name (never value)."""
    missing = [k for k in ("redirect_uri", "cookie_secret") if not section.get(k)]
    named = [v for v in section.values() if isinstance(v, Mapping)
             and any(k in v for k in _PROVIDER_KEYS)]
    if not named:
        missing += [k for k in _PROVIDER_KEYS if not section.get(k)]
    redirect = str(section.get("redirect_uri") or "")
    problems = [f"[auth] thiếu khóa {k}" for k in missing]
    if redirect and not redirect.rstrip("/").endswith("/oauth2callback"):
        problems.append("[auth] redirect_uri phải là địa chỉ của ứng dụng kết thúc bằng "
                        "/oauth2callback")
    return problems
