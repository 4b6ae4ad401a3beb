"""The schema declaration is checked, and a mistake names its exact path."""

from __future__ import annotations

import dataclasses

from services.coltypes import Choice, Ref, Text
from services.schema import SHEETS, Column, check_schema


def test_the_shipped_schema_has_no_mistakes() -> None:
    assert check_schema() == []


def test_every_sheet_starts_with_the_id_and_has_a_unique_tab_title() -> None:
    assert all(s.columns[0].key == "id" for s in SHEETS.values())
    assert len({s.title for s in SHEETS.values()}) == len(SHEETS)


def _with_column(sheet_key: str, index: int, column: Column) -> dict:
    sheets = dict(SHEETS)
    sheet = sheets[sheet_key]
    columns = list(sheet.columns)
    columns[index] = column
    sheets[sheet_key] = dataclasses.replace(sheet, columns=tuple(columns))
    return sheets


def test_reference_to_an_undeclared_sheet_names_the_exact_path() -> None:
    broken = _with_column("registrations", 2, Column("unit", "Đơn vị đăng ký", Ref(sheet="unitz")))
    assert check_schema(broken) == [
        "SHEETS['registrations'].columns[2] ('unit').type refers to sheet 'unitz', which is not "
        "declared"
    ]


def test_two_headers_that_match_once_accents_are_removed_are_reported() -> None:
    broken = _with_column("units", 5, Column("head", "Tên đơn vị", Text()))
    assert check_schema(broken) == [
        "SHEETS['units'].columns[5] ('head').header 'Tên đơn vị' matches the header of 'name'"
    ]


def test_choice_default_outside_its_options_is_reported() -> None:
    broken = _with_column("members", 9, Column("status", "Trạng thái", Choice(options=("A",)),
                                               default="B"))
    assert check_schema(broken) == [
        "SHEETS['members'].columns[9] ('status').default 'B' is not one of its options"
    ]


def test_label_column_that_is_not_a_column_is_reported() -> None:
    sheets = dict(SHEETS)
    sheets["units"] = dataclasses.replace(SHEETS["units"], label_column="ten")
    assert "SHEETS['units'].label_column refers to 'ten', which is not a column" in check_schema(
        sheets)
