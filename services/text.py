"""Vietnamese text helpers: normalisation, accent-free folding, name sorting."""

from __future__ import annotations

import re
import unicodedata

from unidecode import unidecode

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """Return text in Unicode NFC with runs of whitespace collapsed and ends trimmed."""
    # People paste from Word and PDFs: NBSP, tabs and NFD diacritics all arrive in cells.
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """Return a lowercase, accent-free form for matching ("Tổ Dân Phố" -> "to dan pho")."""
    # unidecode maps đ/Đ to d, which NFD decomposition alone does not.
    return unidecode(nfc(text)).lower()


def header_key(text: str) -> str:
    """Return the form a header is matched by: folded, punctuation and spaces removed."""
    return re.sub(r"[^a-z0-9]", "", fold(text))


def matches(query: str, *fields: object) -> bool:
    """Tell whether every word of the query occurs, accent-insensitively, in the fields."""
    haystack = " ".join(fold(str(f)) for f in fields if f is not None)
    return all(word in haystack for word in fold(query).split())


def name_sort_key(full_name: str) -> tuple[str, str, str]:
    """Sort a Vietnamese name by given name (last word), then the rest, as Vietnamese do."""
    words = nfc(full_name).split(" ")
    given, rest = words[-1], " ".join(words[:-1])
    # Fold first so "Ánh" sorts with "Anh"; the NFC text breaks ties deterministically.
    return (fold(given), fold(rest), nfc(full_name))
