"""Text that came from a person or a sheet, made safe to put inside Streamlit Markdown.

Streamlit reads Markdown in `st.markdown`, `st.caption`, `st.info`/`warning`/`error`/`success`,
`st.title`/`subheader`, `st.write` of a string, and in the labels of expanders, tabs, metrics and
buttons. A unit named `![x](http://…)` would otherwise load an outside image in every viewer's
browser, `[link](http://…)` would put a link inside an official-looking box, `$…$` would render
LaTeX and `:red[…]` would colour text. Every value read from the store, typed into a form, found
in an uploaded file or a setting goes through `literal` where it meets one of those calls, and
only there: the store, exports and tables (`st.dataframe`, `st.text`) keep the text as it is.
"""

from __future__ import annotations

import re

# The characters that start or close Markdown in Streamlit: CommonMark and GFM (emphasis, code,
# links, images, headings, lists, tables, strikethrough, autolinks, entities, setext
# underlines), remark-directive (`:red[…]`, `:material/…:`), remark-math (`$…$`). A backslash
# before an ASCII punctuation character makes it plain text. `/` too: Streamlit rewrites
# `:material/` in the source before it parses it.
_ACTIVE = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$:~&=/@])")
# GFM also links bare "http://…", "www.…" and "name@host.vn" found in the text a backslash
# leaves behind, so escaping cannot stop it; an invisible word joiner after the "://", the
# "www" and the "@" does, and the text still reads (and prints) the same.
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def literal(value: object) -> str:
    """Return a stored value escaped so Streamlit Markdown shows it exactly as typed."""
    if value is None:
        return ""
    return _ACTIVE.sub(r"\\\1", _AUTOLINK.sub(WORD_JOINER, str(value)))
