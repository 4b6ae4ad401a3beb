"""Roles: who gets which role, and a viewer cannot write through any service, whatever the page."""

from __future__ import annotations

from pathlib import Path

import pytest

from services import progress, roster
from services import records as saving
from services.auth import (
    ANONYMOUS,
    LOCAL_ADMIN,
    Actor,
    PermissionDenied,
    admin_emails,
    auth_problems,
    parse_emails,
    require_admin,
    require_editor,
    require_sheet_write,
    role_for,
)
from services.bootstrap import fill
from services.choices import MemberStatus, Role
from services.clock import today
from services.schema import ID
from services.store.sql import SqlStore

VIEWER = Actor("xem@phuong.vn", "Người xem", Role.VIEWER)
EDITOR = Actor("nhap@phuong.vn", "Người nhập", Role.EDITOR)
ADMIN = Actor("quantri@phuong.vn", "Quản trị", Role.ADMIN)
NO_ROLE = Actor("la@gmail.com", "Người lạ", None)

USERS = [
    {ID: "ND-1", "email": "nguyen.van.a@gmail.com", "role": Role.EDITOR, "archived": False},
    {ID: "ND-2", "email": "cu@gmail.com", "role": Role.ADMIN, "archived": True},
    {ID: "ND-3", "email": "xem@gmail.com", "role": Role.VIEWER, "archived": None},
]


# --- role lookup ---------------------------------------------------------------------------


def test_email_is_compared_case_insensitively_and_trimmed() -> None:
    assert role_for("  Nguyen.Van.A@GMAIL.com ", USERS) == Role.EDITOR


def test_email_is_compared_after_nfc_normalisation() -> None:
    decomposed = "nguye\u0302\u0303n@phuong.vn"  # "nguyễn" typed with combining marks
    users = [{ID: "ND-9", "email": "nguyễn@phuong.vn", "role": Role.VIEWER}]
    assert role_for(decomposed, users) == Role.VIEWER


def test_archived_user_gets_no_role() -> None:
    assert role_for("cu@gmail.com", USERS) is None


def test_unknown_email_gets_no_role() -> None:
    assert role_for("ai.do@gmail.com", USERS) is None
    assert role_for("", USERS) is None


def test_role_the_app_does_not_know_gives_no_role_rather_than_more() -> None:
    assert role_for("x@gmail.com", [{ID: "ND-5", "email": "x@gmail.com", "role": "Chủ"}]) is None


def test_admin_emails_bootstrap_an_admin_while_the_users_sheet_is_empty() -> None:
    admins = admin_emails(env={"DANVAN_ADMIN_EMAILS": "Bi.Thu@gmail.com; vp@phuong.vn"},
                          secrets={})
    assert admins == {"bi.thu@gmail.com", "vp@phuong.vn"}
    assert role_for("bi.thu@GMAIL.com", [], admins) == Role.ADMIN


def test_admin_emails_outrank_a_lower_role_in_the_users_sheet() -> None:
    assert role_for("xem@gmail.com", USERS, {"xem@gmail.com"}) == Role.ADMIN


def test_admin_emails_come_from_the_secrets_file_when_the_environment_has_none() -> None:
    secrets = {"DANVAN_ADMIN_EMAILS": "a@x.vn,b@y.vn"}
    assert admin_emails(env={}, secrets=secrets) == {"a@x.vn", "b@y.vn"}
    assert admin_emails(env={"DANVAN_ADMIN_EMAILS": "c@z.vn"}, secrets=secrets) == {"c@z.vn"}
    assert admin_emails(env={}, secrets={}) == frozenset()


def test_admin_emails_may_be_a_toml_list() -> None:
    assert parse_emails(["A@x.vn", " b@y.vn "]) == {"a@x.vn", "b@y.vn"}


# --- require_* -----------------------------------------------------------------------------


@pytest.mark.parametrize(("actor", "edit", "admin"), [
    (VIEWER, False, False), (NO_ROLE, False, False), (ANONYMOUS, False, False),
    (EDITOR, True, False), (ADMIN, True, True), (LOCAL_ADMIN, True, True),
])
def test_require_editor_and_require_admin_follow_the_role(actor: Actor, edit: bool,
                                                          admin: bool) -> None:
    for check, allowed in ((require_editor, edit), (require_admin, admin)):
        if allowed:
            check(actor)
        else:
            with pytest.raises(PermissionDenied):
                check(actor)


def test_users_and_audit_sheets_need_an_admin_other_sheets_an_editor() -> None:
    require_sheet_write(EDITOR, "units")
    require_sheet_write(ADMIN, "users")
    for sheet in ("users", "audit"):
        with pytest.raises(PermissionDenied):
            require_sheet_write(EDITOR, sheet)
    with pytest.raises(PermissionDenied):
        require_sheet_write(VIEWER, "units")


def test_auth_section_missing_keys_are_named_never_their_values() -> None:
    problems = auth_problems({"redirect_uri": "http://localhost:8501/",
                              "cookie_secret": "s3cr3t-value", "client_id": "id"})
    text = " ".join(problems)
    assert "client_secret" in text and "server_metadata_url" in text
    assert "/oauth2callback" in text
    assert "s3cr3t-value" not in text
    assert auth_problems({"redirect_uri": "http://localhost:8501/oauth2callback",
                          "cookie_secret": "x", "client_id": "i", "client_secret": "s",
                          "server_metadata_url": "https://accounts.google.com/.well-known/"
                                                 "openid-configuration"}) == []


# --- a viewer cannot write through the services --------------------------------------------


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("auth") / "demo.sqlite3"
    store = SqlStore(f"sqlite:///{path}")
    fill(store, demo=True, year=today().year)
    store.engine.dispose()
    return path


@pytest.fixture
def store(demo_db: Path, tmp_path: Path) -> SqlStore:
    copy = tmp_path / "store.sqlite3"
    copy.write_bytes(demo_db.read_bytes())
    opened = SqlStore(f"sqlite:///{copy}")
    yield opened
    opened.engine.dispose()


@pytest.fixture
def viewer_refused(store: SqlStore):
    """Check, after the test's call, that the store holds exactly what it held before."""
    before = store.read()
    yield store
    assert store.read() == before, "a refused write changed the store"


def _unit_values() -> dict[str, object]:
    return {"name": "Tổ dân phố 77", "kind": "Tổ dân phố"}


@pytest.mark.parametrize("actor", [VIEWER, NO_ROLE, ANONYMOUS])
def test_viewer_calling_records_create_is_refused_and_nothing_is_written(
        viewer_refused: SqlStore, actor: Actor) -> None:
    snapshot = viewer_refused.snapshot()
    with pytest.raises(PermissionDenied):
        saving.create(viewer_refused, snapshot, "units", _unit_values(), actor)


def test_viewer_calling_records_edit_is_refused_and_nothing_is_written(
        viewer_refused: SqlStore) -> None:
    snapshot = viewer_refused.snapshot()
    unit = snapshot["units"].active()[0]
    with pytest.raises(PermissionDenied):
        saving.edit(viewer_refused, snapshot, "units", unit[ID], {"head": "Ông Ba"}, unit,
                    VIEWER)


def test_viewer_calling_records_archive_is_refused_and_nothing_is_written(
        viewer_refused: SqlStore) -> None:
    unit = viewer_refused.snapshot()["units"].active()[0]
    with pytest.raises(PermissionDenied):
        saving.archive(viewer_refused, "units", unit[ID], unit, VIEWER)


def test_viewer_calling_roster_commit_is_refused_and_nothing_is_written(
        viewer_refused: SqlStore) -> None:
    snapshot = viewer_refused.snapshot()
    tdp = roster.tdp_names(snapshot)[0]
    data = roster.template_csv() + f"Lê Văn Tám,Nam,1980,{tdp}\r\n".encode()
    rows = roster.preview_file(snapshot, data, "ds.csv").preselected()
    assert rows, "the file's row should be valid, so only the role stops it"
    with pytest.raises(PermissionDenied):
        roster.commit(viewer_refused, snapshot, rows, VIEWER)


def test_viewer_calling_roster_approve_is_refused_and_nothing_is_written(
        viewer_refused: SqlStore) -> None:
    snapshot = viewer_refused.snapshot()
    proposed = [m[ID] for m in snapshot["members"].active()
                if m["status"] == MemberStatus.DE_XUAT][:2]
    assert proposed
    with pytest.raises(PermissionDenied):
        roster.approve(viewer_refused, snapshot, proposed, "01-QĐ/ĐU", today(), VIEWER)


def test_viewer_calling_progress_save_value_is_refused_and_nothing_is_written(
        viewer_refused: SqlStore) -> None:
    snapshot = viewer_refused.snapshot()
    values = {"indicator": "2.1.5", "year": today().year, "unit": None, "value": 54.0,
              "note": "Số liệu của UBND"}
    # The same values save for an editor, so nothing but the role stops the viewer.
    assert not progress.check_entry(snapshot, values).problems
    result = progress.save_value(viewer_refused, snapshot, values, VIEWER)
    assert not result.ok
    assert result.error is not None and "chỉ có quyền xem" in result.error


def test_editor_through_the_same_call_does_write(store: SqlStore) -> None:
    snapshot = store.snapshot()
    result = saving.create(store, snapshot, "units", _unit_values(), EDITOR)
    assert result.ok
    audit = store.read_sheet("audit").records
    assert any(a["record_id"] == result.record[ID] and a["actor"] == EDITOR.email
               for a in audit)


# --- the Plan 48 catalogue is the admins' (pages offer it to them only; so do the services) ---


@pytest.fixture
def nothing_written(store: SqlStore):
    """Check, after the test's call, that neither the sheets nor the audit trail changed."""
    before, audit = store.read(), store.read_sheet("audit").records
    yield store
    assert store.read() == before, "a refused write changed the store"
    assert store.read_sheet("audit").records == audit, "a refused write left an audit row"


def _indicator(store: SqlStore) -> dict[str, object]:
    return store.snapshot()["indicators"].active()[0]


def _new_indicator(store: SqlStore) -> dict[str, object]:
    """Return a valid new indicator: an existing one under a code not taken."""
    return {k: v for k, v in _indicator(store).items() if k not in (ID, "_row")} | {
        "code": "9.9.9"}


def test_new_indicator_is_valid_so_only_the_role_can_stop_an_editor(store: SqlStore) -> None:
    result = saving.create(store, store.snapshot(), "indicators", _new_indicator(store), ADMIN)
    assert result.ok, result.messages()
    assert store.find("indicators", result.record[ID])["code"] == "9.9.9"


def test_editor_calling_records_create_on_the_indicators_is_refused(
        nothing_written: SqlStore) -> None:
    values = _new_indicator(nothing_written)
    with pytest.raises(PermissionDenied, match="Chỉ quản trị viên"):
        saving.create(nothing_written, nothing_written.snapshot(), "indicators", values, EDITOR)


def test_editor_calling_records_edit_on_the_indicators_is_refused(
        nothing_written: SqlStore) -> None:
    indicator = _indicator(nothing_written)
    with pytest.raises(PermissionDenied, match="Chỉ quản trị viên"):
        saving.edit(nothing_written, nothing_written.snapshot(), "indicators", indicator[ID],
                    {"target_text": "100%"}, indicator, EDITOR)


def test_editor_calling_records_archive_on_the_indicators_is_refused(
        nothing_written: SqlStore) -> None:
    indicator = _indicator(nothing_written)
    with pytest.raises(PermissionDenied, match="Chỉ quản trị viên"):
        saving.archive(nothing_written, "indicators", indicator[ID], indicator, EDITOR)


def test_admin_edits_the_indicator_catalogue(store: SqlStore) -> None:
    indicator = _indicator(store)
    result = saving.edit(store, store.snapshot(), "indicators", indicator[ID],
                         {"target_text": "100%"}, indicator, ADMIN)
    assert result.ok, result.messages()
    assert store.find("indicators", indicator[ID])["target_text"] == "100%"


def test_editor_still_enters_indicator_values(store: SqlStore) -> None:
    snapshot = store.snapshot()
    values = {"indicator": "2.1.5", "year": today().year, "unit": None, "value": 54.0,
              "note": "Số liệu của UBND"}
    result = progress.save_value(store, snapshot, values, EDITOR)
    assert result.ok, result.messages()
