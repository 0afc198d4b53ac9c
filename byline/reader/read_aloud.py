"""Read aloud: the text a reader may hear, split into sentences, and server audio made with espeak-ng.

The browser reads aloud with the Web Speech API where it has a voice. Where it has none, it plays
audio made here, one sentence at a time so the caption bar can show the sentence being read.
Both are built from `readable_parts`, which follows the one access decision: the locked part is
included only when `access.allowed`. Nothing else in this module looks at `locked_html`.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from html.parser import HTMLParser

from django.conf import settings
from django.core.cache import cache

from byline.access.decision import Access
from byline.articles.models import Article

ESPEAK = getattr(settings, "BYLINE_ESPEAK", "/usr/bin/espeak-ng")
VOICES = {"en": "en", "zh-hans": "cmn-latn-pinyin"}
SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
# ASCII only: float() also reads "١٫٥", "1e9", "nan" and "inf".
SPEED_TEXT = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3})?")
BASE_WORDS_PER_MINUTE = 170
MAX_PARTS = 600
MAX_PART_CHARS = 280
MAX_WHOLE_CHARS = 2500
SYNTH_TIMEOUT_S = 20
AUDIO_CACHE_SECONDS = 24 * 3600
AUDIO_CACHE_MAX_BYTES = 4 * 1024 * 1024

BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th", "dt", "dd",
              "figcaption", "div", "section"}
SKIP_TAGS = {"script", "style", "template"}
SENTENCE_END = re.compile(r"(?<=[。！？；])|(?<=[.!?;])\s+(?=\S)")
SPACES = re.compile(r"\s+")


class SpeechUnavailable(Exception):
    """espeak-ng is missing, failed, or took too long."""


class _Blocks(HTMLParser):
    """Text of each block element, in document order; a nested block ends the text before it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._text: list[str] = []
        self._skipping = 0

    def _flush(self) -> None:
        text = SPACES.sub(" ", "".join(self._text)).strip()
        if text:
            self.blocks.append(text)
        self._text = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in SKIP_TAGS:
            self._skipping += 1
        elif tag in BLOCK_TAGS:
            self._flush()
        elif tag == "br":
            self._text.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def html_blocks(html: str) -> list[str]:
    parser = _Blocks()
    parser.feed(html or "")
    parser.close()
    return parser.blocks


def _wrap(sentence: str) -> list[str]:
    """Cut an over-long sentence at spaces (or anywhere, for Chinese) so every part stays short."""
    pieces: list[str] = []
    while len(sentence) > MAX_PART_CHARS:
        cut = sentence.rfind(" ", 0, MAX_PART_CHARS)
        cut = cut if cut > MAX_PART_CHARS // 2 else MAX_PART_CHARS
        pieces.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    if sentence:
        pieces.append(sentence)
    return pieces


def sentences(block: str) -> list[str]:
    parts: list[str] = []
    for sentence in SENTENCE_END.split(block):
        sentence = (sentence or "").strip()
        if sentence:
            parts.extend(_wrap(sentence))
    return parts


def readable_parts(*, article: Article, access: Access) -> list[str]:
    """The sentences a reader with `access` may hear: title, preview, and the locked part only if allowed."""
    blocks = [article.title, *html_blocks(article.preview_html)]
    if access.allowed:
        blocks += html_blocks(article.locked_html)
    parts = [sentence for block in blocks for sentence in sentences(block)]
    return parts[:MAX_PARTS]


def readable_text(*, article: Article, access: Access) -> str:
    """Exactly the text the whole-article audio is generated from (bounded to MAX_WHOLE_CHARS)."""
    chosen: list[str] = []
    used = 0
    for part in readable_parts(article=article, access=access):
        if used + len(part) > MAX_WHOLE_CHARS and chosen:
            break
        chosen.append(part)
        used += len(part) + 1
    return "\n".join(chosen)


def nearest_speed(raw: str | None) -> float:
    """The offered speed nearest to `raw` ("1.25"); 1.0 for anything but a short plain ASCII number."""
    wanted = float(raw) if raw and SPEED_TEXT.fullmatch(raw) else 1.0
    return min(SPEEDS, key=lambda speed: abs(speed - wanted))


def voice_for(lang: str) -> str:
    return VOICES.get(lang, VOICES["en"])


def synthesize(*, text: str, lang: str, speed: float = 1.0) -> bytes:
    """WAV audio of `text` spoken by espeak-ng in the article's language, within SYNTH_TIMEOUT_S."""
    words_per_minute = int(BASE_WORDS_PER_MINUTE * speed)
    command = [ESPEAK, "-v", voice_for(lang), "-s", str(words_per_minute), "--stdout", "-b", "1"]
    try:
        result = subprocess.run(command, input=text.encode("utf-8"), capture_output=True,
                                timeout=SYNTH_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SpeechUnavailable(str(error)) from error
    if result.returncode != 0 or not result.stdout.startswith(b"RIFF"):
        raise SpeechUnavailable(result.stderr.decode("utf-8", "replace")[:200])
    return result.stdout


def audio_for(*, article: Article, access: Access, speed: float, part: int | None = None) -> bytes:
    """Audio of one readable sentence (`part`), or of `readable_text` when `part` is None.

    Cached by article version, access level, speed and part, so a purchase or an edit never
    replays stale audio. Raises IndexError for a part the reader may not hear (or that does not exist).
    """
    if part is None:
        text = readable_text(article=article, access=access)
    else:
        parts = readable_parts(article=article, access=access)
        if not 0 <= part < len(parts):
            raise IndexError(part)
        text = parts[part]
    level = "full" if access.allowed else "preview"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    key = f"reader:audio:{article.pk}:v{article.version}:{level}:{speed}:{part}:{digest}"
    audio = cache.get(key)
    if audio is None:
        audio = synthesize(text=text, lang=article.lang, speed=speed)
        if len(audio) <= AUDIO_CACHE_MAX_BYTES:
            cache.set(key, audio, AUDIO_CACHE_SECONDS)
    return audio
