"""A ward whose every text cell carries Markdown that must not be read as Markdown.

Shared by the AppTest check of every page (`test_stored_text.py`) and the browser check
(`test_browser_stored_text.py`).
"""

from __future__ import annotations

import json
from datetime import datetime

from services.choices import AuditAction, Role
from services.clock import VN_TZ
from services.coltypes import LongText, Ref, Text
from services.demo import generate
from services.schema import ID, SHEETS, Record
from services.store.sql import SqlStore

# An outside image (a tracking pixel), a link, LaTeX, coloured text, bold and HTML. Port 9
# (discard) on loopback: nothing answers, and a browser that tried is seen trying.
PAYLOAD = ("![x](http://127.0.0.1:9/p.png) [link](http://127.0.0.1:9/) $x^2$ :red[đỏ] "
           "**đậm** <b>b</b>")
# For short columns (a campaign's phase, an indicator's code or unit): still an image, and
# still colour and LaTeX. Each form holds MARK, so any text showing one can be found.
SHORT = "![](//127.0.0.1:9/s):red[đỏ]"
TINY = "$x$:red[đỏ]"
PAYLOADS = (PAYLOAD, SHORT, TINY)
MARK = ":red[đỏ]"
HOST = "127.0.0.1:9"

ADMIN_EMAIL = "quan.tri@gmail.com"
VIEWER_EMAIL = "lanh.dao@gmail.com"
WARD_NAME = f"Phố Hòa {PAYLOAD}"  # DANVAN_WARD_NAME: a setting is typed by a person too


def with_payload(value: object, limit: int) -> str:
    """Return the value followed by the longest payload that keeps it within `limit`."""
    for payload in PAYLOADS:
        text = f"{value} {payload}" if value not in (None, "") else payload
        if len(text) <= limit:
            return text
    raise ValueError(f"no payload fits {limit} characters after {value!r}")


def poisoned(data: dict[str, list[Record]]) -> dict[str, list[Record]]:
    """Put a payload in every text cell; names keep pointing at the renamed records."""
    renamed: dict[str, dict[str, str]] = {}
    out: dict[str, list[Record]] = {}
    # Referenced sheets first, so references can follow their new names.
    order = sorted(data, key=lambda key: any(isinstance(c.type, Ref)
                                              for c in SHEETS[key].columns))
    for key in order:
        sheet = SHEETS[key]
        label = sheet.label_column
        names = renamed.setdefault(key, {})
        rows = []
        for record in data[key]:
            row = dict(record)
            for column in sheet.columns:
                if isinstance(column.type, Ref):
                    target = renamed[column.type.sheet]
                    row[column.key] = target.get(row.get(column.key), row.get(column.key))
                elif type(column.type) in (Text, LongText) and column.key != ID:
                    row[column.key] = with_payload(row.get(column.key), column.type.max_length)
            if label:
                names[str(record.get(label))] = row[label]
            rows.append(row)
        out[key] = rows
    return out


def poisoned_ward(url: str, year: int) -> SqlStore:
    """Fill the store at `url` with the demo ward, payload in every text cell; return it.

    Besides the demo's sheets: an admin and a viewer named by the payload, an edit in the
    audit trail made by an actor so named, and an unreviewed change made outside the app.
    """
    data = generate(year=year)
    data["users"] = [*data["users"],
                     {"email": ADMIN_EMAIL, "name": None, "role": Role.ADMIN, "note": None},
                     {"email": VIEWER_EMAIL, "name": None, "role": Role.VIEWER, "note": None}]
    data = poisoned(data)
    store = SqlStore(url)
    store.load(data)
    unit = store.snapshot()["units"].active()[0]
    store.update("units", unit[ID], {"note": with_payload("Sửa", 1000)},
                 {"note": unit.get("note")}, with_payload("", 200))
    cells = {"name": unit["name"], "note": unit.get("note")}
    store.load({"outside": [{
        "at": datetime.now(VN_TZ).replace(microsecond=0), "sheet": "units",
        "record_id": unit[ID], "action": AuditAction.SUA, "row": 2,
        "before": json.dumps(cells, ensure_ascii=False),
        "after": json.dumps({**cells, "head": PAYLOAD}, ensure_ascii=False)}]})
    return store
