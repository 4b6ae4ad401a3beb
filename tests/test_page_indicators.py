"""The indicators page: enter a value, refuse bad ones with the field named, update with a check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from services.config import load_settings
from services.schema import ID
from services.store.base import WRITE_UNKNOWN, WriteUnknown
from services.store.sql import SqlStore
from tests.conftest import click, open_page
from tests.rendered import rendered

FORM = "indicator-values-add"
VALUE, NOTE = f"{FORM}::0::value", f"{FORM}::0::note"


@pytest.fixture
def app(app_env: Path) -> AppTest:
    return open_page("pages/indicators.py")


@pytest.fixture
def year(app: AppTest) -> int:
    """The working year: the demo ward has figures for the three years before it."""
    return load_settings().year


def _store(app_env: Path) -> SqlStore:
    return SqlStore(f"sqlite:///{app_env}")


def _values(app_env: Path, code: str, year: int) -> list[dict]:
    return [r for r in _store(app_env).snapshot()["indicator_values"].records
            if r["indicator"] == code and r["year"] == year]


def _choose(at: AppTest, code: str, year: int) -> AppTest:
    at.selectbox(key="indicator-entry-indicator").select(code).run()
    at.selectbox(key="indicator-entry-year").select(year).run()
    assert not at.exception, at.exception
    return at


def _errors(at: AppTest) -> str:
    return " ".join(rendered(e.value) for e in at.error)


def test_progress_tab_shows_the_last_completed_year_with_statuses(app: AppTest,
                                                                  year: int) -> None:
    assert app.selectbox(key="indicator-progress-year").value == year - 1
    rows = {r["Mã"]: r for frame in app.dataframe if "Đánh giá" in frame.value.columns
            for r in frame.value.to_dict("records")}
    assert rows["2.1.5"]["Giá trị"] == "53,8%" and rows["2.1.5"]["Đánh giá"] == "Chưa đạt"
    assert rows["2.1.4"]["Đánh giá"] == "Chậm tiến độ"
    assert "giảm 0,4 điểm %" in rows["2.1.4"]["Giải thích"]


def test_valid_value_is_saved_and_appears_in_the_list_and_the_store(app: AppTest,
                                                                      app_env: Path,
                                                                      year: int) -> None:
    _choose(app, "2.1.5", year)
    app.text_input(key=VALUE).input("54,6")
    click(app, "Lưu số liệu")
    assert not app.error
    assert "Đã lưu số liệu chỉ tiêu 2.1.5" in rendered(app.success[0].value)
    [saved] = _values(app_env, "2.1.5", year)
    assert saved["value"] == 54.6
    listed = [r for frame in app.dataframe if "Giá trị" in frame.value.columns
              and "Mã chỉ tiêu" in frame.value.columns for r in frame.value.to_dict("records")]
    assert {"Mã chỉ tiêu": "2.1.5", "Năm": str(year), "Giá trị": "54,6"}.items() <= next(
        r for r in listed if r["Mã chỉ tiêu"] == "2.1.5" and r["Năm"] == str(year)).items()


def test_percent_over_100_names_the_value_field_saves_nothing_and_keeps_input(
        app: AppTest, app_env: Path, year: int) -> None:
    _choose(app, "2.1.5", year)
    app.text_input(key=VALUE).input("120")
    click(app, "Lưu số liệu")
    assert "Giá trị" in _errors(app) and "từ 0 đến 100" in _errors(app)
    assert app.text_input(key=VALUE).value == "120"
    assert _values(app_env, "2.1.5", year) == []


def test_big_change_needs_a_note_then_saves(app: AppTest, app_env: Path, year: int) -> None:
    _choose(app, "2.1.5", year)  # last year's 53,8%
    app.text_input(key=VALUE).input("80")
    click(app, "Lưu số liệu")
    assert "Ghi chú, nguồn số liệu" in _errors(app)
    assert _values(app_env, "2.1.5", year) == []
    app.text_area(key=NOTE).input("Số liệu điều tra lao động của UBND phường")
    click(app, "Lưu số liệu")
    assert not app.error and app.success
    [saved] = _values(app_env, "2.1.5", year)
    assert saved["value"] == 80 and saved["note"].startswith("Số liệu điều tra")


def test_derived_indicator_has_no_entry_form(app: AppTest) -> None:
    app.selectbox(key="indicator-entry-indicator").select("2.1.1").run()
    assert not app.exception
    assert VALUE not in {t.key for t in app.text_input}
    assert any("tự tính" in rendered(i.value) and "không nhập tay" in rendered(i.value)
               for i in app.info)


class FakeGrid:
    """Stand in for st.data_editor (AppTest cannot type into it): record it, return edits."""

    def __init__(self) -> None:
        self.shown: list[pd.DataFrame] = []
        self.keys: list[str] = []
        self.edit: Callable[[pd.DataFrame], pd.DataFrame] = lambda frame: frame

    def __call__(self, data: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
        self.shown.append(data.copy())
        self.keys.append(kwargs["key"])
        return self.edit(data.copy())


@pytest.fixture
def grid(monkeypatch: pytest.MonkeyPatch) -> FakeGrid:
    import streamlit as st

    fake = FakeGrid()
    monkeypatch.setattr(st, "data_editor", fake)
    return fake


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Count the store's writes of indicator values: ("append"/"update", rows)."""
    seen: list[tuple[str, int]] = []
    append, update = SqlStore.append, SqlStore.update_batch

    def counted_append(self: SqlStore, sheet_key: str, records: Any, *args: Any,
                       **kwargs: Any) -> Any:
        if sheet_key == "indicator_values":
            seen.append(("append", len(records)))
        return append(self, sheet_key, records, *args, **kwargs)

    def counted_update(self: SqlStore, batch: Any, *args: Any, **kwargs: Any) -> Any:
        if "indicator_values" in batch:
            seen.append(("update", len(batch["indicator_values"])))
        return update(self, batch, *args, **kwargs)

    monkeypatch.setattr(SqlStore, "append", counted_append)
    monkeypatch.setattr(SqlStore, "update_batch", counted_update)
    return seen


def _tick(names: set[str], header: str = "Đạt") -> Callable[[pd.DataFrame], pd.DataFrame]:
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        frame[header] = [name in names for name in frame["Tổ dân phố"]]
        return frame
    return edit


def test_per_group_indicator_is_entered_for_every_group_at_once_in_one_write(
        app: AppTest, app_env: Path, year: int, grid: FakeGrid,
        writes: list[tuple[str, int]]) -> None:
    _choose(app, "2.1.9", year)
    assert VALUE not in {t.key for t in app.text_input}  # no one-group-at-a-time form
    groups = grid.shown[-1]["Tổ dân phố"].tolist()
    assert groups == [u["name"] for u in _store(app_env).snapshot()["units"].active()
                      if u["kind"] == "Tổ dân phố"]
    assert not grid.shown[-1]["Đạt"].any()  # nothing entered for the working year yet
    grid.edit = _tick(set(groups[:-1]))  # 11 of 12 meet the culture standard
    click(app, "Lưu số liệu")
    assert not app.error, _errors(app)
    assert writes == [("append", len(groups))]
    said = rendered(app.success[0].value)
    assert f"thêm mới {len(groups)}" in said
    assert f"{len(groups) - 1} đạt, 1 chưa đạt" in said
    saved = {r["unit"]: r["value"] for r in _values(app_env, "2.1.9", year)}
    assert saved == {g: (0.0 if g == groups[-1] else 1.0) for g in groups}
    assert grid.keys[-1] != grid.keys[0]  # after a save the grid starts afresh


def test_grid_lists_only_the_groups_that_existed_in_the_year(app: AppTest, year: int,
                                                             grid: FakeGrid) -> None:
    _choose(app, "2.1.9", year - 1)
    last_year = grid.shown[-1]["Tổ dân phố"].tolist()
    _choose(app, "2.1.9", year - 3)
    earlier = grid.shown[-1]["Tổ dân phố"].tolist()
    # The demo's newest group was split off on 01/01 of last year.
    assert len(earlier) == len(last_year) - 1 and set(earlier) < set(last_year)


def test_grid_change_of_a_yes_no_is_one_update_and_asks_for_no_note(
        app: AppTest, app_env: Path, year: int, grid: FakeGrid,
        writes: list[tuple[str, int]]) -> None:
    _choose(app, "2.1.9", year - 1)
    shown = grid.shown[-1]
    met = set(shown.loc[shown["Đạt"], "Tổ dân phố"])
    flipped = shown["Tổ dân phố"].iloc[0]
    grid.edit = _tick(met ^ {flipped})
    click(app, "Lưu số liệu")
    assert not app.error, _errors(app)
    assert writes == [("update", 1)]
    [record] = [r for r in _values(app_env, "2.1.9", year - 1) if r["unit"] == flipped]
    assert record["value"] == (0.0 if flipped in met else 1.0)


def test_grid_save_refused_keeps_the_grid_and_says_why(
        app: AppTest, app_env: Path, year: int, grid: FakeGrid) -> None:
    _choose(app, "2.1.9", year - 1)
    shown = grid.shown[-1]
    first = shown["Tổ dân phố"].iloc[0]
    # Someone changes that group's value after the page was read.
    store = _store(app_env)
    [record] = [r for r in _values(app_env, "2.1.9", year - 1) if r["unit"] == first]
    store.update("indicator_values", record[ID], {"note": "Sửa ở bảng tính"}, record,
                 "người khác")
    met = set(shown.loc[shown["Đạt"], "Tổ dân phố"])
    grid.edit = _tick(met ^ {first})
    key = grid.keys[-1]
    click(app, "Lưu số liệu")
    assert "đã được người khác sửa" in _errors(app)
    assert grid.keys[-1] == key  # the same grid: what was ticked stays ticked
    assert any(b.label == "Tải lại dữ liệu mới nhất" for b in app.button)


def test_value_already_there_is_updated_not_duplicated(app: AppTest, app_env: Path,
                                                       year: int) -> None:
    _choose(app, "2.1.5", year - 1)
    assert any("Lưu sẽ cập nhật" in rendered(w.value) for w in app.warning)
    app.text_input(key=VALUE).input("53,9")
    click(app, "Lưu số liệu")
    assert not app.error
    [saved] = _values(app_env, "2.1.5", year - 1)
    assert saved["value"] == 53.9


def test_update_of_a_value_changed_meanwhile_is_refused(app: AppTest, app_env: Path,
                                                        year: int) -> None:
    _choose(app, "2.1.5", year - 1)
    store = _store(app_env)
    [record] = _values(app_env, "2.1.5", year - 1)
    store.update("indicator_values", record[ID], {"value": 54.2}, record, "người khác")
    app.text_input(key=VALUE).input("53,9")
    click(app, "Lưu số liệu")
    assert "đã được người khác sửa" in _errors(app)
    assert _values(app_env, "2.1.5", year - 1)[0]["value"] == 54.2
    assert app.text_input(key=VALUE).value == "53,9"


def test_list_is_searchable_without_accents_and_an_edit_follows_the_same_rules(
        app: AppTest, app_env: Path, year: int) -> None:
    app.text_input(key="indicator-values-search").input("lao dong qua dao tao").run()
    listed = next(f.value for f in app.dataframe if "Mã chỉ tiêu" in f.value.columns)
    assert set(listed["Mã chỉ tiêu"]) == {"2.1.5"}
    assert listed["Năm"].iloc[0] == str(year - 1)  # newest first
    # Pick the newest row, as a click on the table does.
    app.session_state["indicator-values-table"] = {"selection": {"rows": [0], "columns": [],
                                                                 "cells": []}}
    app.run()
    value_key = next(t.key for t in app.text_input if t.key.startswith("indicator-values-edit-"))
    note_key = value_key.replace("::value", "::note")
    app.text_input(key=value_key).input("80")
    app.text_area(key=note_key).input("")
    click(app, "Lưu thay đổi")
    assert "Ghi chú, nguồn số liệu" in _errors(app)
    assert _values(app_env, "2.1.5", year - 1)[0]["value"] == 53.8
    app.text_area(key=note_key).input("Báo cáo điều chỉnh của UBND")
    click(app, "Lưu thay đổi")
    assert not app.error and "Đã lưu thay đổi" in rendered(app.success[0].value)
    assert _values(app_env, "2.1.5", year - 1)[0]["value"] == 80


def test_value_whose_answer_was_lost_is_found_after_a_reload_and_not_entered_twice(
        app: AppTest, app_env: Path, year: int, monkeypatch: pytest.MonkeyPatch) -> None:
    original = SqlStore.append
    calls: list[int] = []

    def append(self: SqlStore, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) > 1:
            return original(self, *args, **kwargs)
        original(_store(app_env), *args, **kwargs)  # lands, but this process never hears
        raise WriteUnknown(WRITE_UNKNOWN)

    monkeypatch.setattr(SqlStore, "append", append)
    _choose(app, "2.1.5", year)
    app.text_input(key=VALUE).input("54,6")
    click(app, "Lưu số liệu")
    assert "có thể đã lưu" in " ".join(rendered(w.value) for w in app.warning)
    assert "Hãy sửa" not in _errors(app)
    assert app.text_input(key=VALUE).value == "54,6"
    click(app, "Tải lại dữ liệu mới nhất")
    assert any("Đã có số liệu năm" in rendered(w.value) for w in app.warning)
    click(app, "Lưu số liệu")
    assert "Đã lưu số liệu chỉ tiêu 2.1.5" in rendered(app.success[0].value)
    [saved] = _values(app_env, "2.1.5", year)
    assert saved["value"] == 54.6


def test_yes_no_value_that_flips_is_saved_without_a_note(app: AppTest, app_env: Path,
                                                         year: int) -> None:
    _choose(app, "2.2.2.3", year)  # "Phường đăng ký xây dựng đạt chuẩn văn minh đô thị"
    assert not any("cần ghi chú" in rendered(c.value) for c in app.caption)
    app.text_input(key=VALUE).input("0")
    click(app, "Lưu số liệu")
    assert not app.error, _errors(app)
    [saved] = _values(app_env, "2.2.2.3", year)
    assert saved["value"] == 0


def test_green_area_above_the_range_shows_as_exceeded(app: AppTest, app_env: Path,
                                                      year: int) -> None:
    _choose(app, "2.2.2.4", year - 1)
    app.text_input(key=VALUE).input("4,5")
    app.text_area(key=NOTE).input("Số liệu đo đạc cây xanh của UBND phường")
    click(app, "Lưu số liệu")
    assert not app.error, _errors(app)
    rows = {r["Mã"]: r for frame in app.dataframe if "Đánh giá" in frame.value.columns
            for r in frame.value.to_dict("records")}
    assert rows["2.2.2.4"]["Đánh giá"] == "Vượt chỉ tiêu"
    assert "vượt chỉ tiêu từ 3 đến 4 m²/người" in rows["2.2.2.4"]["Giải thích"]
