"""Which role may read and write which sheet: the one declaration, and the checks built on it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from services.auth import (
    ANONYMOUS,
    LOCAL_ADMIN,
    SHEET_ACCESS,
    Access,
    Actor,
    PermissionDenied,
    allows,
    check_sheet_access,
    may_read,
    may_write,
    readable_sheets,
    require_sheet_read,
    require_sheet_write,
)
from services.choices import Role
from services.navigation import SCREENS, screens_for
from services.schema import SHEETS

V, E, A = Role.VIEWER, Role.EDITOR, Role.ADMIN
ROLES: list[Role | None] = [None, V, E, A]

# (sheet, least role to read, least role to write), as the issue asks; every sheet once.
EXPECTED = [
    ("units", V, E),
    ("campaigns", V, E),
    ("registrations", V, E),
    ("members", V, E),
    ("meetings", V, E),
    ("attendees", V, E),
    ("visit_plan", V, E),
    ("tasks", V, E),
    ("member_reports", V, E),
    ("indicators", V, A),  # the Plan 48 catalogue: only an admin changes the plan
    ("indicator_values", V, E),
    ("report_settings", V, A),  # who signs and receives the reports
    ("users", A, A),  # e-mail addresses and roles
    ("audit", A, A),
    ("outside", E, E),  # rows changed in the spreadsheet itself
]


def _actor(role: Role | None) -> Actor:
    return Actor(f"{role or 'khong'}@phuong.vn", "Người thử", role)


def test_every_declared_sheet_has_its_access_declared() -> None:
    assert check_sheet_access() == []
    assert set(SHEET_ACCESS) == set(SHEETS)


def test_the_check_names_a_sheet_left_out_one_unknown_and_a_write_below_its_read() -> None:
    access = {k: v for k, v in SHEET_ACCESS.items() if k != "members"}
    access["thu_chi"] = Access(read=Role.ADMIN, write=Role.VIEWER)
    assert check_sheet_access(access=access) == [
        "SHEET_ACCESS has no entry for sheet 'members'",
        "SHEET_ACCESS['thu_chi'] names a sheet that is not declared",
        "SHEET_ACCESS['thu_chi'].write 'Xem' is below its read 'Quản trị'",
    ]


def test_the_table_below_covers_every_sheet() -> None:
    assert [key for key, _, _ in EXPECTED] == list(SHEETS)


@pytest.mark.parametrize(("sheet", "read", "write"), EXPECTED)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_and_writes_each_sheet_as_declared(sheet: str, read: Role, write: Role,
                                                           role: Role | None) -> None:
    assert may_read(role, sheet) == allows(role, read)
    assert may_write(role, sheet) == allows(role, write)
    actor = _actor(role)
    for check, allowed in ((require_sheet_read, may_read(role, sheet)),
                           (require_sheet_write, may_write(role, sheet))):
        if allowed:
            check(actor, sheet)
        else:
            with pytest.raises(PermissionDenied):
                check(actor, sheet)


def test_no_role_and_a_visitor_not_signed_in_reach_no_sheet() -> None:
    assert readable_sheets(None) == []
    for sheet in SHEETS:
        with pytest.raises(PermissionDenied):
            require_sheet_read(ANONYMOUS, sheet)
        with pytest.raises(PermissionDenied):
            require_sheet_write(ANONYMOUS, sheet)


def test_readable_sheets_per_role_in_the_schemas_order() -> None:
    data = ["units", "campaigns", "registrations", "members", "meetings", "attendees",
            "visit_plan", "tasks", "member_reports", "indicators", "indicator_values",
            "report_settings"]
    assert readable_sheets(V) == data
    assert readable_sheets(E) == [*data, "outside"]
    assert readable_sheets(A) == list(SHEETS)
    assert readable_sheets(LOCAL_ADMIN.role) == list(SHEETS)


def test_a_sheet_nobody_declared_is_refused_to_everyone_even_an_admin() -> None:
    assert not may_read(A, "thu_chi") and not may_write(A, "thu_chi")
    with pytest.raises(PermissionDenied, match="chưa được khai báo quyền"):
        require_sheet_write(LOCAL_ADMIN, "thu_chi")


@pytest.mark.parametrize(("actor", "sheet", "message"), [
    (_actor(V), "units", "chỉ có quyền xem"),  # a view-only account is told what it can do
    (_actor(E), "indicators", "Chỉ quản trị viên mới thay đổi được bảng “Chỉ tiêu"),
    (_actor(E), "users", "Chỉ quản trị viên mới thay đổi được bảng “Người dùng”"),
])
def test_a_refused_write_says_who_may_make_it(actor: Actor, sheet: str, message: str) -> None:
    with pytest.raises(PermissionDenied, match=message):
        require_sheet_write(actor, sheet)


def test_a_refused_read_names_the_sheet() -> None:
    with pytest.raises(PermissionDenied, match="không được xem bảng “Nhật ký thay đổi”"):
        require_sheet_read(_actor(E), "audit")


def test_screens_of_the_admin_sheets_are_admin_screens() -> None:
    # The navigation ranks roles with the same `allows`: the users and audit screens are the
    # only places those sheets are shown, so they must need at least the sheets' read role.
    by_path = {s.path: s for s in SCREENS}
    for path, sheet in (("pages/users.py", "users"), ("pages/audit.py", "audit"),
                        ("pages/quality.py", "outside")):
        assert allows(by_path[path].role, SHEET_ACCESS[sheet].read)
        assert not any(s.path == path for screens in screens_for(V).values() for s in screens)


# --- keys to Google never reach the repository ----------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def _ignored(path: str) -> bool:
    """Tell whether git would ignore this path (whether or not it exists)."""
    done = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT,
                          check=False, capture_output=True)
    if done.returncode not in (0, 1):
        pytest.skip(f"git check-ignore failed: {done.stderr.decode(errors='replace')}")
    return done.returncode == 0


@pytest.mark.parametrize("path", [
    "my-ward-project-1a2b3c4d5e6f.json",  # the name Google gives a downloaded key
    "service-account.json", "keys/danvan-service-account.json", "deploy/sheets-credentials.json",
    "credentials.json", "client_secret_1234.apps.googleusercontent.com.json",
    ".streamlit/service-account.json", ".streamlit/secrets.toml", ".streamlit/secrets.prod.toml",
])
def test_service_account_keys_and_secrets_are_git_ignored(path: str) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    assert _ignored(path)


@pytest.mark.parametrize("path", [
    "tests/fakes/sheets-response.json", "tests/fakes/service-account.json",
    "tests/data/roster.json",  # a folder named data is not the app's data/ folder
    ".streamlit/secrets.toml.example", "services/schema.py",
])
def test_the_projects_own_files_and_json_fixtures_are_not_ignored(path: str) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    assert not _ignored(path)


def test_no_tracked_file_is_ignored() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    done = subprocess.run(["git", "ls-files", "-ci", "--exclude-standard"], cwd=ROOT,
                          check=True, capture_output=True, text=True)
    assert done.stdout.split() == []
