"""Text is normalised once, where it enters: line endings, Unicode form, BOM, invisible controls; NUL refused."""

import pytest
from django.utils import translation

from byline.core.text_input import NormalisedCharField, TextRefused, normalise_text


@pytest.mark.parametrize("raw", [
    "one\r\ntwo\r\n", "one\rtwo\r", "one\u2028two\u2029", "one\x85two\n", "\ufeffone\ntwo\n", "one\ntw\ufeffo\n",
    "one\x0c\ntwo\x07\n",
])
def test_every_kind_of_line_break_bom_and_invisible_control_becomes_plain_lines(raw):
    assert normalise_text(raw) == "one\ntwo\n"


def test_text_is_put_in_nfc_so_one_letter_is_one_letter():
    assert normalise_text("cafe\u0301") == "caf\u00e9"


def test_tabs_no_break_spaces_and_joiners_are_kept():
    assert normalise_text("a\tb\u00a0c\u200dd") == "a\tb\u00a0c\u200dd"


def test_normalising_twice_changes_nothing():
    once = normalise_text("\ufeffA\r\nB\rC\u2028cafe\u0301")
    assert normalise_text(once) == once


def test_a_nul_is_refused_naming_its_line_in_both_languages():
    with pytest.raises(TextRefused) as refused:
        normalise_text("one\r\ntwo\rthree\x00")
    assert refused.value.line == 3 and "NUL" in refused.value.message and "line 3" in refused.value.message
    with translation.override("zh-hans"), pytest.raises(TextRefused) as refused:
        normalise_text("\x00")
    assert "第 1 行" in refused.value.message


def test_the_form_field_normalises_and_shows_a_nul_as_a_form_error():
    field = NormalisedCharField()
    assert field.clean("a\r\nb") == "a\nb"
    with pytest.raises(Exception) as error:
        field.clean("a\x00b")
    assert "NUL" in str(error.value.messages)
