"""Start the app: `streamlit run streamlit_app.py`, with the entry point in charge from the start.

Streamlit runs the first script run after the server starts in its compatibility mode for apps
with a `pages/` folder: the page script named by the address runs on its own, before the entry
point (its sign-in, page configuration and navigation) has run even once, and an address no
page has gets Streamlit's English "Page not found" box. The entry point declares every page
with `st.navigation`, which ends that mode; this module ends it before the first visit too.
`python3 dev.py run` and the tests start the app through it. (Each page also checks its role,
so plain `streamlit run streamlit_app.py` is safe; only that first visit differs.)
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

ENTRY_POINT = Path(__file__).resolve().parent.parent / "streamlit_app.py"


def main(args: Sequence[str] = ()) -> None:
    """Run Streamlit's own command line as `streamlit run streamlit_app.py ARGS`."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web.cli import main as streamlit_main

    PagesManager.uses_pages_directory = False  # what the entry point's st.navigation sets
    sys.argv = ["streamlit", "run", str(ENTRY_POINT), *args]
    streamlit_main()


if __name__ == "__main__":
    main(sys.argv[1:])
