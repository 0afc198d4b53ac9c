"""Both languages everywhere: every Chinese catalogue (the site's and each app's) is complete and compiled."""

from pathlib import Path

import polib
import pytest

BYLINE = Path(__file__).resolve().parents[2] / "byline"
CATALOGUES = sorted(BYLINE.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))


def test_there_is_a_site_catalogue():
    assert BYLINE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po" in CATALOGUES


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: str(p.relative_to(BYLINE)))
def test_chinese_catalogue_has_no_untranslated_or_fuzzy_entries(catalogue):
    po = polib.pofile(str(catalogue))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: str(p.relative_to(BYLINE)))
def test_compiled_catalogue_matches_the_source(catalogue):
    po = polib.pofile(str(catalogue))
    mo = polib.mofile(str(catalogue.with_suffix(".mo")))
    compiled = {entry.msgid: entry.msgstr or entry.msgstr_plural.get(0) for entry in mo}
    for entry in po.translated_entries():
        assert compiled.get(entry.msgid) == (entry.msgstr or entry.msgstr_plural.get(0)), entry.msgid
