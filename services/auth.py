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
from typing import Any, NamedTuple

from services.choices import Role
from services.config import load_secrets
from services.schema import (
    ARCHIVED,
    ATTENDEES,
    AUDIT,
    CAMPAIGNS,
    INDICATOR_VALUES,
    INDICATORS,
    MEETINGS,
    MEMBER_REPORTS,
    MEMBERS,
    OUTSIDE,
    REGISTRATIONS,
    REPORT_SETTINGS,
    SHEETS,
    TASKS,
    UNITS,
    USERS,
    VISIT_PLAN,
    Sheet,
)
from services.store.base import StoreError
from services.text import nfc


class PermissionDenied(StoreError):
    """The person's role does not allow this action."""


_RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.ADMIN: 3}


def allows(role: Role | None, needed: Role) -> bool:
    """Tell whether a role reaches the needed one (admin ⊃ editor ⊃ viewer; None reaches none)."""
    return role is not None and _RANK[role] >= _RANK[needed]


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
        return allows(self.role, Role.EDITOR)

    def can_admin(self) -> bool:
        """Tell whether this person may set up sheets, settings and users."""
        return allows(self.role, Role.ADMIN)


LOCAL_ADMIN = Actor(email="", name="Người dùng cục bộ (quản trị)", role=Role.ADMIN)
# Someone who has not signed in yet: no identity, no role.
ANONYMOUS = Actor(email="", name="", role=None)

# What each role may do, as the users page explains it; each role includes the ones above it.
ROLE_HELP: dict[Role, str] = {
    Role.VIEWER: "Xem bảng điều khiển và xuất dữ liệu. Không thêm, không sửa được gì.",
    Role.EDITOR: "Như quyền Xem, thêm nhập liệu: đăng ký mô hình, lực lượng nòng cốt, dự sinh "
                 "hoạt chi bộ, giá trị chỉ tiêu, danh mục đơn vị và đợt thi đua.",
    Role.ADMIN: "Như quyền Biên tập, thêm cài đặt: kho dữ liệu, chuẩn bị bảng tính, danh mục chỉ "
                "tiêu Kế hoạch 48, người dùng và nhật ký thay đổi.",
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


# --- who may read and write which sheet -----------------------------------------------------


class Access(NamedTuple):
    """The least role that may read a sheet, and the least role that may write it."""

    read: Role
    write: Role


_EVERYONE_READS = Access(read=Role.VIEWER, write=Role.EDITOR)

# The one declaration of sheet permissions: the export page offers what a role may read, the
# services refuse a write the role may not make, whatever page (or none) asked for it. Every
# sheet of `services.schema.SHEETS` is listed (`check_sheet_access` says which is not); one
# missing here is neither readable nor writable by anyone.
SHEET_ACCESS: dict[str, Access] = {
    UNITS.key: _EVERYONE_READS,
    CAMPAIGNS.key: _EVERYONE_READS,
    REGISTRATIONS.key: _EVERYONE_READS,
    MEMBERS.key: _EVERYONE_READS,
    MEETINGS.key: _EVERYONE_READS,
    ATTENDEES.key: _EVERYONE_READS,
    VISIT_PLAN.key: _EVERYONE_READS,
    TASKS.key: _EVERYONE_READS,
    MEMBER_REPORTS.key: _EVERYONE_READS,
    # The Plan 48 catalogue: everyone reads the targets; only an admin changes the plan itself.
    INDICATORS.key: Access(read=Role.VIEWER, write=Role.ADMIN),
    INDICATOR_VALUES.key: _EVERYONE_READS,
    # The letterhead, signer and recipients of the reports: everyone reads, an admin sets them.
    REPORT_SETTINGS.key: Access(read=Role.VIEWER, write=Role.ADMIN),
    # Who has which role (e-mail addresses), and the trail of every change.
    USERS.key: Access(read=Role.ADMIN, write=Role.ADMIN),
    AUDIT.key: Access(read=Role.ADMIN, write=Role.ADMIN),
    # Rows people changed in the spreadsheet itself, until an editor marks them reviewed.
    OUTSIDE.key: Access(read=Role.EDITOR, write=Role.EDITOR),
}


def check_sheet_access(sheets: Mapping[str, Sheet] | None = None,
                       access: Mapping[str, Access] | None = None) -> list[str]:
    """Return every mistake in `SHEET_ACCESS`: a sheet left out, an unknown one, a role too low."""
    sheets = SHEETS if sheets is None else sheets
    access = SHEET_ACCESS if access is None else access
    problems = [f"SHEET_ACCESS has no entry for sheet {key!r}" for key in sheets
                if key not in access]
    problems += [f"SHEET_ACCESS[{key!r}] names a sheet that is not declared" for key in access
                 if key not in sheets]
    problems += [f"SHEET_ACCESS[{key!r}].write {str(a.write)!r} is below its read {str(a.read)!r}"
                 for key, a in access.items() if not allows(a.write, a.read)]
    return problems


def may_read(role: Role | None, sheet_key: str) -> bool:
    """Tell whether a role may see (and download) this sheet's rows."""
    access = SHEET_ACCESS.get(sheet_key)
    return access is not None and allows(role, access.read)


def may_write(role: Role | None, sheet_key: str) -> bool:
    """Tell whether a role may add, change or archive this sheet's rows."""
    access = SHEET_ACCESS.get(sheet_key)
    return access is not None and allows(role, access.write)


def readable_sheets(role: Role | None) -> list[str]:
    """Return the keys of the sheets a role may read, in the schema's order."""
    return [key for key in SHEETS if may_read(role, key)]


def _title(sheet_key: str) -> str:
    return SHEETS[sheet_key].title if sheet_key in SHEETS else sheet_key


def require_sheet_read(actor: Actor, sheet_key: str) -> None:
    """Refuse to show or export this sheet to someone whose role does not reach it."""
    if not may_read(actor.role, sheet_key):
        raise PermissionDenied(f"Tài khoản của bạn không được xem bảng “{_title(sheet_key)}”.")


def require_sheet_write(actor: Actor, sheet_key: str) -> None:
    """Refuse a write to this sheet by someone whose role does not reach it."""
    if may_write(actor.role, sheet_key):
        return
    access = SHEET_ACCESS.get(sheet_key)
    if access is None:  # fail closed: check_sheet_access names the sheet left out
        raise PermissionDenied(f"Bảng “{_title(sheet_key)}” chưa được khai báo quyền ghi.")
    if access.write == Role.EDITOR:
        require_editor(actor)  # its message says what a view-only account can do
    raise PermissionDenied(f"Chỉ quản trị viên mới thay đổi được bảng “{_title(sheet_key)}”.")


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
