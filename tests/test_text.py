"""Vietnamese text: NFC, accent-free search, names sorted by given name."""

from __future__ import annotations

import unicodedata

import pytest

from services import text
from services.text import fold, header_key, matches, name_sort_key


def test_search_without_diacritics_finds_the_accented_name() -> None:
    assert matches("nguyen van", "Nguyễn Văn Nho")
    assert matches("NHO", "Nguyễn Văn Nho")
    assert not matches("nguyen thi", "Nguyễn Văn Nho")


def test_d_with_stroke_folds_to_d() -> None:
    assert fold("Đỗ Đức Độ") == "do duc do"


def test_decomposed_input_matches_composed_text() -> None:
    assert matches(unicodedata.normalize("NFD", "Tổ dân phố"), "Tổ dân phố 5")


def test_names_sort_by_given_name_then_the_rest() -> None:
    names = ["Nguyễn Văn Nho", "Trần Thị Anh", "Lê Văn Ánh", "Phạm Minh Bình", "Bùi Thị Anh",
             "Hồ Thị Ân", "Đỗ Văn Đức", "Dương Văn Dũng"]
    assert sorted(names, key=name_sort_key) == [
        "Bùi Thị Anh", "Trần Thị Anh", "Lê Văn Ánh", "Hồ Thị Ân", "Phạm Minh Bình",
        "Dương Văn Dũng", "Đỗ Văn Đức", "Nguyễn Văn Nho"]


def test_letters_with_breve_circumflex_and_horn_sort_after_their_base_letter() -> None:
    # In the Vietnamese alphabet ă and â follow a, đ follows d, ư follows u; tones are secondary.
    given = ["Ân", "Anh", "Ăn", "Út", "Ưng", "Đào", "Dũng"]
    assert sorted((f"Lê {g}" for g in given), key=name_sort_key) == [
        "Lê Anh", "Lê Ăn", "Lê Ân", "Lê Dũng", "Lê Đào", "Lê Út", "Lê Ưng"]


def test_header_key_ignores_case_accents_spaces_and_punctuation() -> None:
    assert header_key("To dan pho") == header_key(" TỔ  DÂN PHỐ ") == "todanpho"


def test_a_pasted_page_is_searched_by_its_first_characters_only(
        monkeypatch: pytest.MonkeyPatch) -> None:
    folded: list[str] = []
    fold = text.fold

    def counted(value: str) -> str:
        folded.append(value)
        return fold(value)

    monkeypatch.setattr(text, "fold", counted)
    pasted = "nguyen van" + " " * text.MAX_QUERY_LENGTH + "tran" * 250_000
    assert all(text.matches(pasted, f"Nguyễn Văn Nho {i}") for i in range(100))
    # Cut to MAX_QUERY_LENGTH characters and folded once for the hundred records.
    assert [len(f) for f in folded if f.startswith("nguyen")] == [text.MAX_QUERY_LENGTH]


def test_folds_and_sort_keys_are_the_same_from_the_cache_as_computed_afresh() -> None:
    for value in ("Tổ dân phố 10", "Nguyễn Văn Nho", "x" * (text.CACHED_LENGTH + 1)):
        assert text.fold(value) == text._fold.__wrapped__(value)
        assert text.natural_key(value) == text._natural_key.__wrapped__(value)
        assert text.name_sort_key(value) == text._name_sort_key.__wrapped__(value)
    assert sorted(["Tổ dân phố 10", "Tổ dân phố 2"], key=text.natural_key) == [
        "Tổ dân phố 2", "Tổ dân phố 10"]


def test_long_text_is_folded_but_not_kept() -> None:
    text._fold.cache_clear()
    text.fold("Tổ dân phố 5")
    text.fold("ghi chú " * 100)
    assert text._fold.cache_info().currsize == 1


def test_a_cell_of_whitespace_is_blank_before_and_after_normalising() -> None:
    # `is_blank` skips NFC (validation asks it of every cell): it must agree with it everywhere.
    from services.coltypes import is_blank

    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        for cell in (char, f" {char}\u00a0", char + "\u0301"):
            assert is_blank(cell) == (text.nfc(cell) == ""), hex(code)
