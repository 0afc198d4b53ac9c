"""Both languages everywhere: the Chinese catalogue is complete and compiled."""

from pathlib import Path

import polib

CATALOGUE = Path(__file__).resolve().parents[2] / "byline" / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_chinese_catalogue_has_no_untranslated_or_fuzzy_entries():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []


def test_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    mo = polib.mofile(str(CATALOGUE / "django.mo"))
    compiled = {entry.msgid: entry.msgstr or entry.msgstr_plural.get(0) for entry in mo}
    for entry in po.translated_entries():
        assert compiled.get(entry.msgid) == (entry.msgstr or entry.msgstr_plural.get(0)), entry.msgid
