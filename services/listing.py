"""Lists: searchable, Vietnamese-formatted tables of records, with a row to pick for editing."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from functools import lru_cache
from typing import Any

import pandas as pd
import streamlit as st

from services.coltypes import ColumnType, Date, Widget
from services.schema import ID, Record, Sheet
from services.text import MAX_QUERY_LENGTH as MAX_QUERY_LENGTH  # pages cap the search box
from services.text import fold, name_sort_key, query_words

# Folded texts kept between reruns: a 100× ward's largest sheet, with room for a second snapshot.
_FOLDED_CACHE = 100_000


def search(records: Sequence[Record], query: str, keys: Sequence[str]) -> list[Record]:
    """Keep the records whose given columns contain every word of the query, accents aside.

    Only the first MAX_QUERY_LENGTH characters of the query count. The query is folded once
    per search and a record's text once per distinct content (snapshots are never changed in
    place), not once per record and keystroke.
    """
    words = query_words(query)
    if not words:
        return list(records)
    kept = []
    for record in records:
        haystack = _haystack(tuple(record.get(k) for k in keys))
        if all(word in haystack for word in words):
            kept.append(record)
    return kept


def _haystack(values: tuple[Any, ...]) -> str:
    """Return the folded text of a record's searched values."""
    try:
        return _folded(values)
    except TypeError:  # an unhashable value (never in a snapshot): fold without the cache
        return _fold_values(values)


@lru_cache(maxsize=_FOLDED_CACHE)
def _folded(values: tuple[Hashable, ...]) -> str:
    # Keyed by the values themselves, so an equal record of the next snapshot hits the cache
    # and a changed one cannot read a stale text.
    return _fold_values(values)


def _fold_values(values: tuple[Any, ...]) -> str:
    return fold(" ".join(str(v) for v in values if v is not None))


def sort_by_name(records: Sequence[Record], key: str) -> list[Record]:
    """Sort records by a person's name the Vietnamese way (given name first)."""
    return sorted(records, key=lambda r: name_sort_key(str(r.get(key) or "")))


def display_frame(sheet: Sheet, records: Sequence[Record], keys: Sequence[str],
                  extra: dict[str, Sequence[Any]] | None = None) -> pd.DataFrame:
    """Return records as a table with Vietnamese headers and values shown the Vietnamese way.

    Dates stay dates (the column config shows them dd/mm/yyyy and they sort correctly);
    numbers and yes/no become Vietnamese text. The same records (the same objects: a snapshot's
    records are never changed in place) in the same order give the table built last time: a
    rerun of a page does not rebuild a list of thousands of rows.
    """
    try:
        key = (sheet.key, tuple(keys), tuple(map(id, records)),
               tuple((h, tuple(v)) for h, v in (extra or {}).items()))
        hash(key)
    except TypeError:  # an unhashable extra value: build without the memo
        return _frame(sheet, records, keys, extra)
    with _FRAMES_LOCK:
        hit = _FRAMES.get(key)
        if hit is not None:
            _FRAMES.move_to_end(key)
    if hit is None:
        hit = tuple(records), _frame(sheet, records, keys, extra)
        with _FRAMES_LOCK:
            # The records are kept with the table, so no id in the key can name another object.
            _FRAMES[key] = hit
            while len(_FRAMES) > _FRAMES_KEPT:
                _FRAMES.popitem(last=False)
    return hit[1].copy(deep=False)  # a caller may add or replace columns of its own copy


_FRAMES: OrderedDict[tuple[Hashable, ...], tuple[tuple[Record, ...], pd.DataFrame]] = (
    OrderedDict())
_FRAMES_LOCK = threading.Lock()
_FRAMES_KEPT = 8


def _frame(sheet: Sheet, records: Sequence[Record], keys: Sequence[str],
           extra: dict[str, Sequence[Any]] | None = None) -> pd.DataFrame:
    data: dict[str, list[Any]] = {}
    for key in keys:
        column = sheet.column(key)
        if isinstance(column.type, Date):
            # NaT, not None, so an empty date shows as an empty cell rather than "None".
            data[column.header] = pd.to_datetime(pd.Series([r.get(key) for r in records],
                                                           dtype=object))
        elif column.type.widget in (Widget.NUMBER, Widget.CHECKBOX, Widget.INTEGER):
            data[column.header] = [_displayed(column.type, r.get(key)) for r in records]
        else:
            data[column.header] = [r.get(key) or "" for r in records]
    for header, values in (extra or {}).items():
        data[header] = list(values)
    return pd.DataFrame(data)


@lru_cache(maxsize=_FOLDED_CACHE, typed=True)
def _displayed(kind: ColumnType, value: Any) -> str:
    # Babel formats a number in some 70 µs; a list of thousands of rows repeats a few values.
    return kind.display(value)


def column_config(sheet: Sheet, keys: Sequence[str]) -> dict[str, Any]:
    """Return Streamlit column settings: dd/mm/yyyy dates, help from the schema."""
    config: dict[str, Any] = {}
    for key in keys:
        column = sheet.column(key)
        if isinstance(column.type, Date):
            config[column.header] = st.column_config.DateColumn(
                column.header, format="DD/MM/YYYY", help=column.help or None)
        else:
            config[column.header] = st.column_config.Column(column.header,
                                                            help=column.help or None)
    return config


def pick_record(sheet: Sheet, records: Sequence[Record], keys: Sequence[str], key: str,
                extra: dict[str, Sequence[Any]] | None = None) -> Record | None:
    """Show the records and return the one whose row the person selected, if any."""
    frame = display_frame(sheet, records, keys, extra)
    event = st.dataframe(frame, hide_index=True, placeholder="", width="stretch", key=key,
                         column_config=column_config(sheet, keys), on_select="rerun",
                         selection_mode="single-row")
    rows = event.selection.rows if event is not None else []
    return records[rows[0]] if rows and rows[0] < len(records) else None


def find(records: Sequence[Record], record_id: str | None) -> Record | None:
    """Return the record with this id, if it is among the records."""
    return next((r for r in records if r.get(ID) == record_id), None)
