"""Both languages everywhere: every Chinese catalogue (the site's and each app's) is complete and compiled."""

import datetime as dt
import re
import runpy
from pathlib import Path

import polib
import pytest
from django.utils import formats, translation

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


# The house rules for Chinese wording (DESIGN.md): one form of address, full-width punctuation, no space
# after a full-width mark. Han characters only: Latin words, numbers and placeholders may sit beside them.
HAN = "[\u3400-\u4dbf\u4e00-\u9fff]"
FULL_WIDTH_MARKS = "。，、：；！？」”）》"
WORDING_RULES = {
    "你 instead of 您": re.compile("你"),
    "half-width punctuation after a Chinese character": re.compile(HAN + r"\s?[,.:;!?]"),
    "half-width punctuation before a Chinese character": re.compile(r"(?<![\d\s])[,.:;!?]\s?" + HAN),
    "half-width punctuation between Chinese characters": re.compile(HAN + r"\s?[,.:;!?]\s?" + HAN),
    "half-width quote or bracket around Chinese": re.compile(r"[\"()]\s?" + HAN + "|" + HAN + r"\s?[\"()]"),
    "space after a full-width mark": re.compile(f"[{FULL_WIDTH_MARKS}][ \u00a0]"),
    "space before a full-width mark": re.compile("[ \u00a0][。，、：；！？]"),
}


def wording_problems(text: str) -> list[str]:
    return [f"{rule}: {text!r}" for rule, pattern in WORDING_RULES.items() if pattern.search(text)]


@pytest.mark.parametrize("text, broken", [
    ("为你推荐", True), ("为您推荐", False),
    ("已解锁. 您的余额", True), ("已解锁, 余额", True), ("请注意:两者", True), ("余额：$3.00", False),
    ("已解锁。 您的余额", True), ("已解锁。您的余额", False), ("例如 grand-canal-history。", False),
    ('点击"赠阅"', True), ("点击“赠阅”", False), ("必填。最多 150 个字符", False), ("您好 !", True),
])
def test_the_wording_rules_catch_what_they_name(text, broken):
    assert bool(wording_problems(text)) is broken


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: str(p.relative_to(BYLINE)))
def test_every_chinese_msgstr_follows_the_house_rules(catalogue):
    problems = []
    for entry in polib.pofile(str(catalogue)):
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            problems += wording_problems(text)
    assert problems == []


@pytest.mark.parametrize("table", sorted(BYLINE.glob("**/locale/zh_Hans/LC_MESSAGES/table.py")),
                         ids=lambda p: str(p.relative_to(BYLINE)))
def test_every_table_entry_follows_the_house_rules(table):
    """table.py is the truth a merge regenerates the catalogues from, so it is checked as well."""
    problems = []
    for value in runpy.run_path(str(table))["ZH"].values():
        for text in value if isinstance(value, list) else [value]:
            problems += wording_problems(text)
    assert problems == []


def test_chinese_written_into_templates_follows_the_house_rules():
    problems = []
    for template in BYLINE.glob("**/templates/**/*.html"):
        for line in template.read_text().splitlines():
            if re.search(HAN, line):
                problems += [f"{template.relative_to(BYLINE)}: {p}" for p in wording_problems(line)]
    assert problems == []


def test_djangos_messages_that_readers_meet_are_worded_the_same_way():
    """Django's own catalogue says 你 and puts half-width stops in Chinese; the site catalogue rewords
    the messages a reader meets (byline/core/wording.py lists them)."""
    from byline.core import wording

    problems = []
    with translation.override("zh-hans"):
        texts = [translation.gettext(message) for message in wording.MESSAGES]
        texts += [str(message % values) for message, values in wording.PLURAL_MESSAGES]
    for english, text in zip(wording.MESSAGES + [m for m, _ in wording.PLURAL_MESSAGES], texts, strict=True):
        if not re.search(HAN, text):
            problems.append(f"not translated: {english}")
        problems += wording_problems(text)
    assert problems == []


@pytest.mark.parametrize("language, long, short", [
    ("en", "3\u00a0December\u00a02026", "3\u00a0Dec\u00a02026"),
    ("zh-hans", "2026\u2060年\u206012\u2060月\u20603\u2060日", "2026\u2060年\u206012\u2060月\u20603\u2060日"),
])
def test_dates_never_break_inside(language, long, short):
    """No line break inside "3 December 2026" or between "2026" and "年": no-break spaces and word joiners."""
    day = dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC)
    with translation.override(language):
        for name in ("DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT"):
            assert formats.date_format(day, name).startswith(short if "SHORT" in name else long), name
