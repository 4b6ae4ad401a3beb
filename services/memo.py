"""Values computed from a snapshot, kept while that snapshot is the one pages read.

A snapshot never changes once read (a write makes a new one, `services.store.cache.patched`),
so whatever is computed from it alone (and from a few hashable arguments such as a year or
"today") can be kept and handed to every rerun and every session that reads the same snapshot.
The memo holds only a weak reference to the snapshot: a refreshed snapshot is never confused
with the old one, and the old one is not kept alive by what was computed from it.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Concatenate, ParamSpec, TypeVar

from services.validation import Snapshot

T = TypeVar("T")
P = ParamSpec("P")

_ALL: list[SnapshotMemo] = []


class SnapshotMemo:
    """Values computed from a snapshot, the most recent few, dropped once it is replaced."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[Hashable, ...], tuple[weakref.ref[Snapshot], Any]] = (
            OrderedDict())
        self._lock = threading.Lock()
        _ALL.append(self)

    def get(self, snapshot: Snapshot, key: tuple[Hashable, ...], build: Callable[[], T]) -> T:
        """Return the value kept for (snapshot, key), building and keeping it when missing."""
        full = (id(snapshot), *key)
        with self._lock:
            hit = self._entries.get(full)
            # An id can be reused by a later object once the first is gone: check identity.
            if hit is not None and hit[0]() is snapshot:
                self._entries.move_to_end(full)
                return hit[1]
        value = build()  # outside the lock: two sessions may both build, never wait on each other
        with self._lock:
            self._entries[full] = (weakref.ref(snapshot), value)
            self._entries.move_to_end(full)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget every kept value."""
        with self._lock:
            self._entries.clear()


Computed = Callable[Concatenate[Snapshot, P], T]


def per_snapshot(size: int) -> Callable[[Computed[P, T]], Computed[P, T]]:
    """Keep a function's result per snapshot and arguments (hashable, given by position).

    The result is shared by every caller: return immutable values (tuples, frozen
    dataclasses), or callers must copy before changing what they get.
    """

    def decorate(fn: Computed[P, T]) -> Computed[P, T]:
        memo = SnapshotMemo(size)

        @functools.wraps(fn)
        def wrapper(snapshot: Snapshot, *args: P.args, **kwargs: P.kwargs) -> T:
            key = (*args, *sorted(kwargs.items()))
            return memo.get(snapshot, key, lambda: fn(snapshot, *args, **kwargs))

        wrapper.memo = memo  # type: ignore[attr-defined]
        return wrapper

    return decorate


_KEPT = SnapshotMemo(64)


def keep(snapshot: Snapshot, key: tuple[Hashable, ...], build: Callable[[], T]) -> T:
    """Return what `build` makes of the snapshot, built once per snapshot and key.

    For a page's own tables of a whole ward (its script runs again on every click). The key
    names the table and holds every other input of `build` (the widgets' values, "today");
    what `build` returns is shared by every session: never change it in place.
    """
    return _KEPT.get(snapshot, key, build)


def clear_all() -> None:
    """Forget every value kept for any snapshot (tests)."""
    for memo in _ALL:
        memo.clear()
