"""Vietnamese text helpers: normalisation, accent-free folding, name sorting."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from unidecode import unidecode

_SPACES = re.compile(r"\s+")
# What a search box takes: a name and a group, with room to spare. Folding a pasted page of text
# on every rerun held the server for seconds; the box says so and the search cuts the rest.
MAX_QUERY_LENGTH = 200


def nfc(text: str) -> str:
    """Return text in Unicode NFC with runs of whitespace collapsed and ends trimmed."""
    # People paste from Word and PDFs: NBSP, tabs and NFD diacritics all arrive in cells.
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


# Pages fold and sort the same names, units and labels on every rerun (over a million folds a
# click at 100× the demo ward): the short texts that repeat are folded and keyed once per process.
# Long text (notes, a pasted page) is rare, seldom repeats and would fill the memory: not kept.
CACHE_SIZE = 1 << 16
CACHED_LENGTH = 120


def fold(text: str) -> str:
    """Return a lowercase, accent-free form for matching ("Tổ Dân Phố" -> "to dan pho")."""
    return _fold(text) if len(text) <= CACHED_LENGTH else _fold.__wrapped__(text)


@lru_cache(maxsize=CACHE_SIZE)
def _fold(text: str) -> str:
    # unidecode maps đ/Đ to d, which NFD decomposition alone does not.
    return unidecode(nfc(text)).lower()


def header_key(text: str) -> str:
    """Return the form a header is matched by: folded, punctuation and spaces removed."""
    return re.sub(r"[^a-z0-9]", "", fold(text))


def query_words(query: str) -> tuple[str, ...]:
    """Return the folded words of a search query, of its first MAX_QUERY_LENGTH characters."""
    return _query_words(query[:MAX_QUERY_LENGTH])


@lru_cache(maxsize=64)
def _query_words(query: str) -> tuple[str, ...]:
    # Cached: a list searches its records with the same query, once per record.
    return tuple(fold(query).split())


def matches(query: str, *fields: object) -> bool:
    """Tell whether every word of the query occurs, accent-insensitively, in the fields."""
    words = query_words(query)
    haystack = " ".join(fold(str(f)) for f in fields if f is not None)
    return all(word in haystack for word in words)


# Vietnamese alphabetical order: ă and â follow a, đ follows d, and so on; tones come second.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
# Letters that carry a breve, circumflex or horn are letters of their own, not accented ones.
_LETTERS = {"a\u0306": "ă", "a\u0302": "â", "e\u0302": "ê", "o\u0302": "ô", "o\u031b": "ơ",
            "u\u031b": "ư"}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền hỏi ngã sắc nặng


def _collation(word: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Return (letters, tones) keys of a word in Vietnamese dictionary order."""
    letters: list[int] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFC", word.lower()):
        base, *marks = unicodedata.normalize("NFD", char)
        letter = next((_LETTERS[base + m] for m in marks if base + m in _LETTERS), base)
        tone = sum(_TONES.get(m, 0) for m in marks)
        letters.append(_ALPHABET.index(letter) if letter in _ALPHABET else 100 + ord(letter))
        tones.append(tone)
    return tuple(letters), tuple(tones)


def name_sort_key(full_name: str) -> tuple[object, ...]:
    """Sort a Vietnamese name by given name (last word), then the rest, as Vietnamese do."""
    if len(full_name) > CACHED_LENGTH:
        return _name_sort_key.__wrapped__(full_name)
    return _name_sort_key(full_name)


@lru_cache(maxsize=CACHE_SIZE)
def _name_sort_key(full_name: str) -> tuple[object, ...]:
    words = nfc(full_name).split(" ")
    given, rest = words[-1], " ".join(words[:-1])
    (given_letters, given_tones), (rest_letters, rest_tones) = _collation(given), _collation(rest)
    # Letters first, tones only to break ties: "Anh" < "Ánh" < "Ân"; then the family names.
    return (given_letters, given_tones, rest_letters, rest_tones, nfc(full_name))


def natural_key(text: str) -> tuple[Any, ...]:
    """Sort "Tổ dân phố 2" before "Tổ dân phố 10", accents aside."""
    if len(text) > CACHED_LENGTH:
        return _natural_key.__wrapped__(text)
    return _natural_key(text)


@lru_cache(maxsize=CACHE_SIZE)
def _natural_key(text: str) -> tuple[Any, ...]:
    # re.split with a group alternates text and digits, so ints only meet ints.
    return tuple(int(part) if part.isdigit() else fold(part)
                 for part in re.split(r"(\d+)", text))
