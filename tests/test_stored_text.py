"""Stored text is shown as typed, never read as Markdown: every page, a payload in every cell.

The ward of `tests.stored_text` holds an image, a link, LaTeX, coloured text, bold and HTML in
every text cell (unit and campaign names included, and the references follow them), in the
ward's name, in the signed-in person's name and in the audit trail. Every page is opened in
AppTest as an admin (the dashboard as a viewer too); every string Streamlit reads as Markdown
(bodies, labels, help, tab and expander labels) is checked: no image, link, LaTeX, colour, bold
or HTML of the payload is left active, no bare address that GFM would link, and where the payload
shows it shows whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from services.choices import Role
from services.clock import today
from services.navigation import SCREENS, screens_for
from services.show import WORD_JOINER, literal
from services.store.sql import SqlStore
from tests.conftest import new_app_test
from tests.rendered import rendered
from tests.stored_text import (
    ADMIN_EMAIL,
    MARK,
    PAYLOAD,
    PAYLOADS,
    SHORT,
    TINY,
    VIEWER_EMAIL,
    WARD_NAME,
    poisoned_ward,
)

# Streamlit's [auth] keys; AppTest sets `st.user` itself, the provider is never reached.
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-test-cookie-secret-not-a-real-one",
    "client_id": "danvan-test",
    "client_secret": "test-client-secret-value",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
# Elements whose text Streamlit shows as it is: not Markdown, not checked.
PLAIN = {"text", "code", "json", "html", "exception", "arrow_data_frame", "dataframe",
         "vega_lite_chart", "arrow_vega_lite_chart", "data_editor"}
# Fields of an element's message that Streamlit renders as Markdown.
MARKDOWN_FIELDS = ("body", "label", "help", "text")
# What the payload turns into when it is read as Markdown.
ACTIVE = ("![", "](", "$x", ":red[", "**đậm", "<b>")
# What GFM links without any Markdown around it: a bare address, "www.", an e-mail.
AUTOLINK = re.compile(r"https?://|www\.|[\w.+-]@[\w-]+\.\w", re.IGNORECASE)
_ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]")


# --- reading what a page says ------------------------------------------------------------------


def _strings(proto: Any) -> Iterator[str]:
    fields = proto.DESCRIPTOR.fields_by_name
    for name in MARKDOWN_FIELDS:
        if name in fields and isinstance(getattr(proto, name), str):
            yield getattr(proto, name)
    if proto.DESCRIPTOR.name == "Radio":  # radio options are Markdown, a selectbox's are not
        yield from proto.options


def markdown_strings(node: Any) -> Iterator[tuple[str, str]]:
    """Yield (element kind, text) for every string of the page Streamlit reads as Markdown."""
    kind = getattr(node, "type", "")
    if hasattr(node, "children"):  # a block: expanders and tabs have Markdown labels
        if getattr(node, "label", None):
            yield kind, node.label
        for child in node.children.values():
            yield from markdown_strings(child)
    elif kind not in PLAIN and getattr(node, "proto", None) is not None:
        for text in _strings(node.proto):
            if text:
                yield kind, text


def unescaped(text: str) -> str:
    """Return the text with every backslash-escaped character blotted out: what stays active."""
    return _ESCAPE.sub("\0\0", text)


def linkable(text: str) -> str:
    """Return the text GFM looks for bare addresses in: escapes gone, word joiners kept."""
    return _ESCAPE.sub(lambda m: m.group(0)[1], text)


def _bare(text: str) -> str:
    # Every backslash gone: finds the payload even escaped twice (shown with backslashes).
    return text.replace("\\", "").replace(WORD_JOINER, "")


def problems(at: AppTest) -> list[str]:
    """Say where the page reads the payload, or an address, as Markdown; or shows it mangled."""
    found = []
    for kind, text in markdown_strings(at._tree):
        if active := [a for a in ACTIVE if a in unescaped(text)]:
            found.append(f"{kind}: {active} active in {text!r}")
        if AUTOLINK.search(linkable(text)):
            found.append(f"{kind}: an address GFM would link in {text!r}")
        if MARK in _bare(text) and not any(p in rendered(text) for p in PAYLOADS):
            found.append(f"{kind}: the payload is not shown whole in {text!r}")
    return found


def payload_kinds(at: AppTest) -> set[str]:
    """Return the kinds of element that show the payload (the check above had work to do)."""
    return {kind for kind, text in markdown_strings(at._tree) if MARK in rendered(text)}


def assert_shown_as_typed(at: AppTest) -> None:
    """Fail, naming each place, where the page read stored text as Markdown."""
    assert not at.exception, at.exception
    found = problems(at)
    assert not found, "\n".join(found)


# --- the ward and the people -------------------------------------------------------------------


@pytest.fixture
def ward(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Fill the app's store with the poisoned ward; the ward's own name carries the payload."""
    monkeypatch.setenv("DANVAN_WARD_NAME", WARD_NAME)
    monkeypatch.setenv("DANVAN_ADMIN_EMAILS", ADMIN_EMAIL)  # the users page lists it
    poisoned_ward(f"sqlite:///{app_env}", today().year).engine.dispose()
    return app_env


def signed_in(email: str, name: str = PAYLOAD) -> AppTest:
    """Return the app, signed in as this person (named by the payload), after its first run."""
    at = new_app_test()
    at.secrets["auth"] = dict(AUTH)
    at.user = {"is_logged_in": True, "email": email, "name": name}
    at.run()
    assert not at.exception, at.exception
    return at


def _open(at: AppTest, path: str) -> AppTest:
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def _select(at: AppTest, table_key: str, row: int = 0) -> AppTest:
    """Pick a row of a selectable table, as a click on it does."""
    at.session_state[table_key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    return at


def _records(app_env: Path, sheet: str) -> list[dict[str, Any]]:
    store = SqlStore(f"sqlite:///{app_env}")
    try:
        return store.snapshot()[sheet].active()
    finally:
        store.engine.dispose()


# --- the checks can fail -----------------------------------------------------------------------


def _markdown_page(body: str) -> AppTest:
    """Return a page that shows `body` in a Markdown element and as an expander's label."""

    def page(body: str) -> None:
        import streamlit as st

        st.markdown(body)
        with st.expander(body):
            st.write("…")

    at = AppTest.from_function(page, args=(body,)).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_check_finds_each_payload_left_as_markdown_or_mangled(payload: str) -> None:
    assert problems(_markdown_page(f"Đơn vị {payload}"))
    assert not problems(_markdown_page(f"Đơn vị {literal(payload)}"))
    assert problems(_markdown_page(f"Đơn vị {literal(literal(payload))}"))


def test_the_check_finds_a_bare_address_gfm_would_link() -> None:
    assert problems(_markdown_page("Xem http\\://127\\.0\\.0\\.1\\:9/"))
    assert problems(_markdown_page("Hỏi can\\.bo@gmail\\.com"))
    assert not problems(_markdown_page("Xem " + literal("http://127.0.0.1:9/ can.bo@gmail.com")))


def test_literal_escapes_every_markdown_character_and_keeps_the_text() -> None:
    for payload in (*PAYLOADS, "a\\b `c` *d* _e_ #f +g -h 1. i !j |k| <l> ~m~ &amp; =n /o @p"):
        escaped = literal(payload)
        assert rendered(escaped) == payload
        assert not [a for a in ACTIVE if a in unescaped(escaped)]
    assert literal(None) == ""
    assert literal("Tổ dân phố 3") == "Tổ dân phố 3"
    assert WORD_JOINER in literal("a@b.vn") and WORD_JOINER in literal("www.x.vn")
    assert literal(":material/home:") == "\\:material\\/home\\:"


# --- every page ------------------------------------------------------------------------------


ADMIN_PAGES = [s.path for screens in screens_for(Role.ADMIN).values() for s in screens]


def test_every_screen_is_covered() -> None:
    assert set(ADMIN_PAGES) == {s.path for s in SCREENS}


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_every_page_shows_stored_text_as_typed_to_an_admin(ward: Path, path: str) -> None:
    at = _open(signed_in(ADMIN_EMAIL), path)
    assert_shown_as_typed(at)
    # The sidebar names the person: the payload is on every page, and checked there.
    assert MARK in " ".join(rendered(c.value) for c in at.sidebar.caption)


def test_dashboard_shows_names_as_typed_to_a_viewer(ward: Path) -> None:
    at = signed_in(VIEWER_EMAIL)
    assert_shown_as_typed(at)
    assert rendered(at.title[0].value) == f"Đảng ủy phường {WARD_NAME}"
    # The ward's name, campaign names, units not registered, branches not visited, groups
    # without a list: all shown, all checked.
    assert {"title", "caption", "warning", "markdown"} <= payload_kinds(at)
    warnings = " ".join(rendered(w.value) for w in at.warning)
    assert warnings.count(PAYLOAD) >= 3


def test_registration_panel_names_the_model_unit_and_campaign_as_typed(ward: Path) -> None:
    at = _open(signed_in(ADMIN_EMAIL), "pages/registrations.py")
    # One of this year's campaigns: the list shows those first.
    record = next(r for r in _records(ward, "registrations")
                  if r["campaign"].startswith(f"“Dân vận khéo” năm {today().year}"))
    at.selectbox(key="registrations-pick").set_value(record["id"]).run()
    assert_shown_as_typed(at)
    assert rendered(at.subheader[0].value) == record["model_name"]
    line = next(rendered(m.value) for m in at.markdown if "Trạng thái:" in m.value)
    assert line.startswith(f"{record['unit']} · {record['campaign']} · Trạng thái:")
    # Campaign headers and the list of units not registered name them too.
    assert {"markdown", "subheader", "warning"} <= payload_kinds(at)


def test_member_edit_header_and_coverage_warning_name_people_and_groups_as_typed(
        ward: Path) -> None:
    at = _open(signed_in(ADMIN_EMAIL), "pages/members.py")
    member = _records(ward, "members")[0]
    at.selectbox(key="members-pick").set_value(member["id"]).run()
    assert_shown_as_typed(at)
    assert rendered(at.subheader[0].value) == f"Sửa: {member['full_name']}"
    assert "subheader" in payload_kinds(at)


def test_meeting_warnings_name_attendees_and_branches_as_typed(ward: Path) -> None:
    at = _open(signed_in(ADMIN_EMAIL), "pages/meetings.py")
    meeting = _records(ward, "meetings")[0]
    at.session_state["meetings-tab"] = "Danh sách"  # the edit form is on the list's tab
    at.run()
    at.selectbox(key="meetings-pick").set_value(meeting["id"]).run()
    assert_shown_as_typed(at)
    kinds = payload_kinds(at)
    # Only the open tab is drawn: every other tab, each checked in turn.
    for tab in ("Theo dõi định kỳ", "Theo chi bộ", "Người phải dự", "Phân công"):
        at.session_state["meetings-tab"] = tab
        at.run()
        assert_shown_as_typed(at)
        kinds |= payload_kinds(at)
    assert "warning" in kinds


def test_indicator_entry_value_edit_and_catalogue_show_codes_and_texts_as_typed(
        ward: Path) -> None:
    at = _open(signed_in(ADMIN_EMAIL), "pages/indicators.py")
    indicators = {r["code"].split(" ")[0]: r for r in _records(ward, "indicators")}
    # A value per residential group: the group's name is in the grid of the year's groups.
    per_group = indicators["2.1.8"]
    at.selectbox(key="indicator-entry-indicator").set_value(per_group["code"]).run()
    value = next(v for v in _records(ward, "indicator_values")
                 if v["indicator"] == per_group["code"] and v.get("unit"))
    at.selectbox(key="indicator-entry-year").set_value(value["year"]).run()
    assert_shown_as_typed(at)
    said = " ".join(rendered(m.value) for m in at.markdown)
    assert f"**{per_group['code']}.** {per_group['text']}" in said
    assert any(value["unit"] in f.value.iloc[:, 0].tolist() for f in at.dataframe)
    _select(at, "indicator-values-table")
    assert_shown_as_typed(at)
    assert any(TINY in rendered(s.value) for s in at.subheader)
    at.toggle(key="indicator-catalogue-edit").set_value(True).run()
    _select(at, "indicators-table")
    assert_shown_as_typed(at)
    # No warning names a group any more: the groups are listed in the grid (a plain table).
    assert {"subheader", "caption", "markdown"} <= payload_kinds(at)


@pytest.mark.parametrize("sheet", ["units", "campaigns", "users"])
def test_registry_edit_form_of_a_poisoned_record_renders(ward: Path, sheet: str) -> None:
    at = _open(signed_in(ADMIN_EMAIL), f"pages/{sheet}.py")
    _select(at, f"{sheet}-table")
    assert_shown_as_typed(at)
    assert at.text_input or at.text_area  # the edit form is there, its values plain


def test_saved_and_refused_messages_quote_what_was_typed_as_typed(ward: Path) -> None:
    at = _open(signed_in(ADMIN_EMAIL), "pages/units.py")
    name = f"Tổ dân phố 99 {PAYLOAD}"
    for form in ("units-add::0", "units-add::1"):  # a save starts the form afresh
        at.text_input(key=f"{form}::name").input(name)
        at.selectbox(key=f"{form}::kind").select("Tổ dân phố")
        next(b for b in at.button if b.label == "Lưu").click().run()
        assert_shown_as_typed(at)
        if form.endswith("0"):
            assert [rendered(s.value) for s in at.success] == [
                f"Đã lưu đơn vị mới: {name}."]
    # The second time the name is taken: the refusal quotes it.
    assert any(name in rendered(e.value) for e in at.error), [e.value for e in at.error]


def test_audit_and_outside_changes_keep_the_actor_and_values_plain(ward: Path) -> None:
    at = _open(signed_in(ADMIN_EMAIL), "pages/audit.py")
    _select(at, "audit-table")
    assert_shown_as_typed(at)
    assert any(PAYLOAD in t.value for t in at.text)  # st.text: shown as it is, unescaped
    at = _open(at, "pages/quality.py")
    assert_shown_as_typed(at)


def test_account_without_role_sees_its_name_as_typed(ward: Path) -> None:
    at = signed_in("nguoi.la@gmail.com", name=f"Người Lạ {SHORT}")
    assert_shown_as_typed(at)
    sidebar = " ".join(rendered(c.value) for c in at.sidebar.caption)
    assert f"Người Lạ {SHORT}" in sidebar


def test_sign_in_screen_names_the_ward_as_typed(ward: Path) -> None:
    at = new_app_test()
    at.secrets["auth"] = dict(AUTH)
    at.run()
    assert_shown_as_typed(at)
    assert f"Khối Dân vận Đảng ủy phường {WARD_NAME}." in rendered(at.markdown[0].value)
