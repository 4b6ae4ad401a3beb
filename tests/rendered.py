"""What a reader sees of a Markdown body whose stored parts went through `services.show.literal`.

AppTest gives the Markdown source of an element; tests that compare a message with the sentence
people read undo the escaping first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from services.show import WORD_JOINER

_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def rendered(body: str) -> str:
    """Return the text of a Markdown body as shown: backslash escapes and word joiners gone."""
    return _ESCAPED.sub(r"\1", body).replace(WORD_JOINER, "")


def texts(elements: Iterable[Any]) -> list[str]:
    """Return the shown text of each element (`at.success`, `at.error`…)."""
    return [rendered(e.value) for e in elements]
