"""Lists: a search stays quick whatever is typed or pasted into the box."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from services import listing, text
from services.listing import MAX_QUERY_LENGTH, search
from services.schema import Record

KEYS = ["full_name", "tdp"]
_batch = itertools.count()  # fresh values per test: folded texts are cached across searches


def _records(n: int) -> list[Record]:
    """Return n members spread over 7 groups; names spell numbers in letters a-j only."""
    batch = next(_batch)
    letters = str.maketrans("0123456789", "abcdefghij")
    return [{"id": f"NC-{i}", "full_name": f"Nguyễn Văn {f'{batch}x{i}'.translate(letters)}",
             "tdp": f"Tổ dân phố {i % 7}"} for i in range(n)]


class FoldCounter:
    """Count calls of the fold function, wherever the search calls it from."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.args: list[str] = []
        fold: Callable[[str], str] = text.fold

        def counted(value: str) -> str:
            self.args.append(value)
            return fold(value)

        monkeypatch.setattr(listing, "fold", counted)
        monkeypatch.setattr(text, "fold", counted)


def test_a_one_megabyte_query_is_cut_to_the_limit_and_folded_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    records = _records(1000)
    folds = FoldCounter(monkeypatch)
    pasted = "nguyen to dan pho 3" + " " * 1_000_000 + "khong co"
    shown = search(records, pasted, KEYS)
    # Only the first MAX_QUERY_LENGTH characters count: "khong co" is cut off.
    assert len(shown) == 143 and shown == search(records, "nguyen to dan pho 3", KEYS)
    assert max(len(a) for a in folds.args) <= MAX_QUERY_LENGTH
    assert len(folds.args) <= len(records) + 2  # each record once, each query once


def test_each_keystroke_folds_the_query_not_the_records_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    records = _records(1000)
    search(records, "nguyen", KEYS)
    folds = FoldCounter(monkeypatch)
    for typed in ("t", "to", "to d", "to dan pho 6"):
        assert search(records, typed, KEYS)
    assert len(folds.args) == 4
    # The next snapshot holds equal records in new dicts: their text is not folded again.
    assert len(search([dict(r) for r in records], "to dan pho 5", KEYS)) == 143
    assert len(folds.args) == 5


def test_a_record_changed_in_a_new_snapshot_is_found_by_its_new_value() -> None:
    before = {"id": "NC-1", "full_name": "Trần Thị Lan", "tdp": "Tổ dân phố 1"}
    assert search([before], "lan", KEYS) == [before]
    after = {**before, "full_name": "Trần Thị Huệ"}
    assert search([after], "lan", KEYS) == [] and search([after], "hue", KEYS) == [after]


def test_an_empty_or_blank_query_keeps_every_record() -> None:
    records = _records(3)
    assert search(records, "", KEYS) == records
    assert search(records, "   ", KEYS) == records
