"""Text as it enters Byline: normalised once, at the door, so everything after may assume clean text.

Every way text comes in (the admin and any other form, the importer, the Content API, the demo
loader, the writing studio to come) passes it through `normalise_text`, or through a form field
built on it (`NormalisedCharField`), before anything splits, counts, matches or stores it:

- line endings become LF: CRLF (what every browser submits from a textarea), a lone CR (old Mac
  files), NEL, and the Unicode line and paragraph separators U+2028 and U+2029;
- the byte order mark (U+FEFF) is dropped wherever it appears: it is invisible, and a file pasted
  or concatenated into another carries it into the middle of the text;
- other invisible control characters (C0 and C1, except tab and newline) are dropped: they mean
  nothing in prose and Markdown, and some break what reads the text later;
- the text is put in Unicode NFC, so "é" typed as e + U+0301 and "é" as one character are the
  same letters to search, word counts and the paywall divider;
- a NUL character is refused (`TextRefused`), never dropped in silence: PostgreSQL cannot store
  it, and its presence means the input is not the text its author meant to send; so is an unpaired
  surrogate (half of a UTF-16 pair, which JSON's "\ud800" escape can carry), which no encoder can write.

Zero-width joiners and non-breaking spaces are kept: they carry meaning in some scripts and in
typography. Code that looks for markers in text (the paywall divider) tolerates them instead.
"""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from byline.core.inputs import UNSTORABLE

_LINE_BREAKS = re.compile("\r\n|[\r\u0085\u2028\u2029]")
_ANY_LINE_BREAK = re.compile("\r\n|[\n\r\u0085\u2028\u2029]")
# C0 controls but tab and LF, DEL, C1 controls (NEL became LF above), and the BOM.
_INVISIBLE = re.compile("[\x01-\x08\x0b-\x1f\x7f\x80-\x9f\ufeff]")

SURROGATE_MESSAGE = _("The text contains a broken character (half of a surrogate pair) at line %(line)d, which "
                      "text cannot hold. Remove it and try again.")
NUL_MESSAGE = _("The text contains a NUL character (a zero byte) at line %(line)d, which text cannot hold. "
                "Remove it and try again; it often comes from copying out of a binary file.")


class TextRefused(ValueError):
    """The text cannot be accepted as it is; `message` says why, for the person who sent it."""

    def __init__(self, message: str, *, line: int):
        super().__init__(message)
        self.message = message
        self.line = line


def normalise_text(value: str) -> str:
    """`value` with LF line endings, no BOM or invisible controls, in NFC; TextRefused if it holds a NUL or an
    unpaired surrogate.

    Idempotent: normalising normalised text changes nothing.
    """
    unstorable = UNSTORABLE.search(value)
    if unstorable is not None:
        line = len(_ANY_LINE_BREAK.findall(value, 0, unstorable.start())) + 1
        message = NUL_MESSAGE if unstorable.group() == "\x00" else SURROGATE_MESSAGE
        raise TextRefused(str(message % {"line": line}), line=line)
    value = _LINE_BREAKS.sub("\n", value)
    value = _INVISIBLE.sub("", value)
    return unicodedata.normalize("NFC", value)


# What shows nothing on its own: controls, format characters (zero-width spaces, bidi marks), separators,
# combining marks with nothing to sit on, unassigned and private code points; and the letters that fonts draw
# blank (the Hangul fillers, the blank Braille pattern).
_SHOWS_NOTHING = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me", "Cs", "Co", "Cn"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def has_visible_text(value: str) -> bool:
    """Whether `value` has at least one character a reader would see: text made only of spaces, zero-width and
    bidi marks or other invisible characters is blank, whatever its length."""
    return any(char not in _BLANK_LETTERS and unicodedata.category(char) not in _SHOWS_NOTHING for char in value)


class NormalisedCharField(forms.CharField):
    """A form's text field whose value is normalised (see `normalise_text`); a NUL is a form error."""

    def to_python(self, value):
        if isinstance(value, str):
            try:
                value = normalise_text(value)
            except TextRefused as refused:
                raise forms.ValidationError(refused.message, code="null_characters_not_allowed") from None
        return super().to_python(value)
