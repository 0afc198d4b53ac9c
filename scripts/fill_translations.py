"""Fill a .po catalogue from a {msgid: msgstr} table kept in a Python file beside it.

Usage: python scripts/fill_translations.py CATALOGUE.po TABLE.py
TABLE.py defines ZH = {"English": "中文", ...}; plural entries map the singular msgid to a
list of forms. Entries already translated are left alone unless the table changes them.
Reports every msgid that is still untranslated and exits 1 if there is any.
"""

from __future__ import annotations

import runpy
import sys

import polib


def main(catalogue: str, table_path: str) -> int:
    table = runpy.run_path(table_path)["ZH"]
    po = polib.pofile(catalogue)
    missing = []
    for entry in po:
        if entry.obsolete:
            continue
        value = table.get(entry.msgid)
        if "fuzzy" in entry.flags:
            # makemessages' fuzzy guess is a different string's wording: never ship it unreviewed.
            entry.flags.remove("fuzzy")
            # All three "previous" lines go with the flag: a lone `#| msgid_plural` left behind breaks the file.
            entry.previous_msgid = None
            entry.previous_msgid_plural = None
            entry.previous_msgctxt = None
            if value is None:
                entry.msgstr = ""
                entry.msgstr_plural = {0: ""} if entry.msgid_plural else {}
        if entry.msgid_plural:
            if value is not None:
                forms = value if isinstance(value, list) else [value]
                entry.msgstr_plural = {0: forms[0]}
            if not entry.msgstr_plural.get(0):
                missing.append(entry.msgid)
        else:
            if value is not None:
                entry.msgstr = value
            if not entry.msgstr:
                missing.append(entry.msgid)
    # Dates and source locations change on every run and would make every merge conflict.
    po.metadata.pop("POT-Creation-Date", None)
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.metadata["Language"] = "zh_Hans"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.save()
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
