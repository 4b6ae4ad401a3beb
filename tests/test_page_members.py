"""The core force page: add, refuse a bad member, edit conflict, coverage gaps, approval."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from services import roster
from services.choices import AuditAction, MemberStatus
from services.schema import ID
from services.store.base import WRITE_UNKNOWN, WriteUnknown
from services.store.sql import SqlStore
from services.text import fold
from services.validation import ROW
from tests.conftest import click, open_page
from tests.rendered import rendered


@pytest.fixture
def app(app_env: Path) -> AppTest:
    return open_page("pages/members.py")


def _said(elements: Any) -> str:
    """Return the messages of these elements as people read them."""
    return " ".join(rendered(e.value) for e in elements)


def _store(app_env: Path) -> SqlStore:
    return SqlStore(f"sqlite:///{app_env}")


def test_valid_member_is_saved_and_appears_in_the_list(app: AppTest, app_env: Path) -> None:
    app.text_input(key="members-add::0::full_name").input("Mai Thị Thơm")
    app.number_input(key="members-add::0::birth_year").set_value(1978)
    app.selectbox(key="members-add::0::tdp").select("Tổ dân phố 8")
    app.text_input(key="members-add::0::phone").input("0912 345 678")
    click(app, "Lưu")
    assert "Đã thêm Mai Thị Thơm vào danh sách Tổ dân phố 8" in _said(app.success)
    saved = [m for m in _store(app_env).snapshot()["members"].records
             if m["full_name"] == "Mai Thị Thơm"]
    assert len(saved) == 1
    assert (saved[0]["tdp"], saved[0]["phone"], saved[0]["status"]) == (
        "Tổ dân phố 8", "0912345678", MemberStatus.DE_XUAT)
    assert "Mai Thị Thơm" in set(app.dataframe[0].value["Họ và tên"])
    # The form starts afresh after a successful save.
    assert app.text_input(key="members-add::1::full_name").value == ""


def test_member_without_group_and_with_bad_phone_names_both_fields_and_saves_nothing(
    app: AppTest, app_env: Path
) -> None:
    before = len(_store(app_env).snapshot()["members"].records)
    app.text_input(key="members-add::0::full_name").input("Mai Thị Thơm")
    app.text_input(key="members-add::0::phone").input("12345")
    click(app, "Lưu")
    errors = " ".join(rendered(e.value) for e in app.error)
    assert "Tổ dân phố: bắt buộc, chưa điền" in errors
    assert "Số điện thoại" in errors and "không phải số điện thoại hợp lệ" in errors
    assert app.text_input(key="members-add::0::full_name").value == "Mai Thị Thơm"
    assert app.text_input(key="members-add::0::phone").value == "12345"
    assert len(_store(app_env).snapshot()["members"].records) == before


def test_search_without_accents_finds_the_member(app: AppTest, app_env: Path) -> None:
    someone = _store(app_env).snapshot()["members"].active()[0]
    app.text_input(key="members-search").input(fold(someone["full_name"])).run()
    names = set(app.dataframe[0].value["Họ và tên"])
    assert someone["full_name"] in names


def test_edit_of_a_member_changed_meanwhile_is_refused(app: AppTest, app_env: Path) -> None:
    store = _store(app_env)
    target = store.snapshot()["members"].active()[0]
    app.selectbox(key="members-pick").select(target[ID]).run()
    assert not app.exception
    role_key = f"members-edit-{target[ID]}::0::role"
    assert app.text_input(key=role_key).value == (target["role"] or "")
    # Someone else changes the phone after the page was loaded.
    store.update("members", target[ID], {"phone": "0987000111"},
                 {k: v for k, v in target.items() if k != ROW}, "nguoi-khac@phuong.vn")
    app.text_input(key=role_key).input("Tổ viên tổ hòa giải")
    click(app, "Lưu thay đổi")
    errors = " ".join(rendered(e.value) for e in app.error)
    assert "đã được người khác sửa" in errors and "Số điện thoại" in errors
    assert app.text_input(key=role_key).value == "Tổ viên tổ hòa giải"  # input kept
    now = _store(app_env).snapshot()["members"].by_id[target[ID]]
    assert (now["role"], now["phone"]) == (target["role"], "0987000111")


def test_archiving_needs_a_confirmation(app: AppTest, app_env: Path) -> None:
    target = _store(app_env).snapshot()["members"].active()[0]
    app.selectbox(key="members-pick").select(target[ID]).run()
    archive = next(b for b in app.button if b.label == "Lưu trữ")
    assert archive.disabled
    app.checkbox(key=f"members-{target[ID]}-confirm").check().run()
    click(app, "Lưu trữ")
    assert _store(app_env).snapshot()["members"].by_id[target[ID]]["archived"] is True


def test_coverage_tab_names_the_group_without_members(app: AppTest, app_env: Path) -> None:
    gaps = roster.coverage(_store(app_env).snapshot()).without_list
    assert gaps  # the demo ward leaves one group without a list
    warnings = " ".join(rendered(w.value) for w in app.warning)
    assert "chưa có danh sách" in warnings
    for name in gaps:
        assert name in warnings


def test_approving_a_groups_list_updates_every_proposed_member(app: AppTest,
                                                               app_env: Path) -> None:
    tdp = app.selectbox(key="members-approve-tdp").value
    waiting = {m[ID] for m in roster.proposed_members(_store(app_env).snapshot(), tdp)}
    assert waiting
    app.text_input(key="members-approve::0::approval_ref").input("215-QĐ/ĐU")
    click(app, "Phê duyệt")
    assert any(f"Đã phê duyệt {len(waiting)} thành viên của {tdp}" in s.value
               for s in app.success)
    members = _store(app_env).snapshot()["members"].by_id
    assert {members[i]["status"] for i in waiting} == {MemberStatus.DA_PHE_DUYET}
    assert {members[i]["approval_ref"] for i in waiting} == {"215-QĐ/ĐU"}


def test_import_tab_offers_the_template_when_no_file_is_chosen(app: AppTest) -> None:
    assert any("tải tệp mẫu" in rendered(i.value) for i in app.info)


def test_import_saves_the_preselected_rows_in_one_go_and_says_so(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import streamlit as st

    open_page("pages/members.py")  # fills the store with the demo ward
    snapshot = _store(app_env).snapshot()
    existing = snapshot["members"].active()[0]
    [gap] = roster.coverage(snapshot).without_list
    data = (
        "Ho va ten;TDP;Nam sinh;So dien thoai\r\n"
        f"Mai Thị Thơm;{gap};1978;0912345678\r\n"  # 2 valid
        "Lê Văn Tám;Tổ dân phố 99;1980;\r\n"  # 3 unknown group
        f"{existing['full_name']};{existing['tdp']};{existing['birth_year'] or ''};\r\n"  # 4
    ).encode("utf-8-sig")
    upload = SimpleNamespace(name="ds.csv", file_id="f-1", getvalue=lambda: data)

    def fake_uploader(*args: Any, **kwargs: Any) -> SimpleNamespace:
        # AppTest cannot drive st.file_uploader: hand the page the file the browser would.
        return upload

    monkeypatch.setattr(st, "file_uploader", fake_uploader)
    app = open_page("pages/members.py")
    errors = " ".join(rendered(e.value) for e in app.error)
    assert 'Cột "Tổ dân phố", dòng 3: "Tổ dân phố 99" không có trong bảng Đơn vị' in errors
    assert "Dòng 4: có thể trùng với thành viên đã có" in _said(app.warning)
    click(app, "Lưu 1 dòng đã chọn")
    assert f"Đã lưu 1 thành viên từ tệp “ds.csv” ({gap}: 1), dòng 2" in _said(app.success)
    saved = [m for m in _store(app_env).snapshot()["members"].records
             if m["full_name"] == "Mai Thị Thơm"]
    assert [(m["tdp"], m["status"]) for m in saved] == [(gap, MemberStatus.DE_XUAT)]
    assert roster.coverage(_store(app_env).snapshot()).without_list == []
    assert "Tất cả tổ dân phố đã có danh sách lực lượng nòng cốt." in _said(app.success)


def _lose_first_answer(monkeypatch: pytest.MonkeyPatch, app_env: Path, method: str) -> None:
    """Make the next write of this kind land in the database, then lose its answer."""
    original = getattr(SqlStore, method)
    calls: list[int] = []

    def write(self: SqlStore, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) > 1:
            return original(self, *args, **kwargs)
        # Another store on the same file: this process never hears of the write.
        original(_store(app_env), *args, **kwargs)
        raise WriteUnknown(WRITE_UNKNOWN)

    monkeypatch.setattr(SqlStore, method, write)


def test_import_pressed_again_after_a_lost_answer_stores_each_row_once(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import streamlit as st

    open_page("pages/members.py")  # fills the store with the demo ward
    [gap] = roster.coverage(_store(app_env).snapshot()).without_list
    data = ("Ho va ten;TDP;Nam sinh\r\n"
            f"Mai Thị Thơm;{gap};1978\r\n"
            f"Lê Văn Tám;{gap};1980\r\n").encode("utf-8-sig")
    upload = SimpleNamespace(name="ds.csv", file_id="f-1", getvalue=lambda: data)
    monkeypatch.setattr(st, "file_uploader", lambda *args, **kwargs: upload)
    app = open_page("pages/members.py")
    _lose_first_answer(monkeypatch, app_env, "append")
    click(app, "Lưu 2 dòng đã chọn")
    assert "có thể đã lưu" in " ".join(rendered(w.value) for w in app.warning)
    assert "Hãy sửa" not in " ".join(rendered(e.value) for e in app.error)
    assert any(b.label == "Kiểm tra đã lưu chưa" for b in app.button)
    click(app, "Lưu 2 dòng đã chọn")  # the rows keep the ids they were previewed with
    assert any("Đã lưu 2 thành viên từ tệp “ds.csv”" in rendered(s.value) for s in app.success)
    names = [m["full_name"] for m in _store(app_env).snapshot()["members"].records
             if m["tdp"] == gap]
    assert sorted(names) == ["Lê Văn Tám", "Mai Thị Thơm"]


def test_import_after_a_lost_answer_is_checked_and_found_saved(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import streamlit as st

    open_page("pages/members.py")
    [gap] = roster.coverage(_store(app_env).snapshot()).without_list
    data = f"Ho va ten;TDP\r\nMai Thị Thơm;{gap}\r\n".encode("utf-8-sig")
    upload = SimpleNamespace(name="ds.csv", file_id="f-1", getvalue=lambda: data)
    monkeypatch.setattr(st, "file_uploader", lambda *args, **kwargs: upload)
    app = open_page("pages/members.py")
    _lose_first_answer(monkeypatch, app_env, "append")
    click(app, "Lưu 1 dòng đã chọn")
    click(app, "Kiểm tra đã lưu chưa")
    assert any("Đã lưu: 1 thành viên từ tệp “ds.csv”" in rendered(s.value) for s in app.success)
    assert not any(b.label == "Kiểm tra đã lưu chưa" for b in app.button)
    assert [m["full_name"] for m in _store(app_env).snapshot()["members"].records
            if m["tdp"] == gap] == ["Mai Thị Thơm"]


def test_edit_whose_answer_was_lost_offers_a_reload_and_saving_again_writes_nothing_twice(
    app: AppTest, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = _store(app_env).snapshot()["members"].active()[0]
    app.selectbox(key="members-pick").select(target[ID]).run()
    role_key = f"members-edit-{target[ID]}::0::role"
    _lose_first_answer(monkeypatch, app_env, "update_batch")
    app.text_input(key=role_key).input("Tổ viên tổ hòa giải")
    click(app, "Lưu thay đổi")
    assert "có thể đã lưu" in " ".join(rendered(w.value) for w in app.warning)
    assert "Hãy sửa" not in " ".join(rendered(e.value) for e in app.error)
    assert app.text_input(key=role_key).value == "Tổ viên tổ hòa giải"  # input kept
    click(app, "Tải lại dữ liệu mới nhất")
    click(app, "Lưu thay đổi")
    assert any("Đã lưu thay đổi của thành viên." in rendered(s.value) for s in app.success)
    assert _store(app_env).snapshot()["members"].by_id[target[ID]]["role"] == (
        "Tổ viên tổ hòa giải")
    audit, _ = _store(app_env).recent("audit", 50)
    assert [a["action"] for a in audit if a["record_id"] == target[ID]] == [AuditAction.SUA]
