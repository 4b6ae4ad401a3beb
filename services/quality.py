"""Data quality: every problem validation found in the stored sheets, ready to list and fix."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from services.schema import SHEETS
from services.validation import Problem, Severity, Snapshot

Linker = Callable[[str, int | None, str | None], str | None]

COLUMNS = ["Dòng", "Cột", "Giá trị", "Vấn đề", "Mức độ", "Mở ô"]


def _value(problem: Problem) -> str:
    return "" if problem.value is None else str(problem.value)


def problems_by_sheet(snapshot: Snapshot) -> dict[str, list[Problem]]:
    """Return the problems grouped by sheet key, in schema order, sheets without any left out."""
    out: dict[str, list[Problem]] = {}
    for key in SHEETS:
        found = sorted(snapshot[key].problems, key=lambda p: (p.row or 0, p.column))
        if found:
            out[key] = found
    return out


def problems_frame(problems: list[Problem], link: Linker | None = None) -> pd.DataFrame:
    """Return problems as a table: row as the sheet shows it, column, value, message, link."""
    return pd.DataFrame(
        [
            [p.row, p.column, _value(p), p.message, str(p.severity),
             link(p.sheet, p.row, p.column_key) if link else None]
            for p in problems
        ],
        columns=COLUMNS,
    )


def summary(snapshot: Snapshot) -> dict[str, int]:
    """Count errors, warnings and rows left out across all sheets."""
    problems = snapshot.problems
    return {
        "errors": sum(p.severity == Severity.ERROR for p in problems),
        "warnings": sum(p.severity == Severity.WARNING for p in problems),
        "excluded": snapshot.excluded,
    }
