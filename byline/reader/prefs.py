"""Reading preferences (caring version, text size, colour scheme...) kept in one cookie.

The server reads them on every request and renders the page already adapted: no flash,
no JavaScript needed. The cookie holds only whitelisted values.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from byline.core.inputs import ascii_int

COOKIE_NAME = "byline_reading"
COOKIE_MAX_AGE = 365 * 24 * 3600

MODES = ("standard", "caring")
SCHEMES = ("standard", "contrast", "dark", "yellow")
ZOOMS = (100, 125, 150, 175, 200)
SCHEME_CHOICES = (
    ("standard", _("Standard")),
    ("contrast", _("High contrast")),
    ("dark", _("Dark")),
    ("yellow", _("Yellow on black")),
)


@dataclass(frozen=True)
class ReadingPrefs:
    mode: str = "standard"
    scheme: str = "standard"
    zoom: int = 100
    text_only: bool = False
    big_cursor: bool = False
    guide: bool = False
    captions: bool = False

    @property
    def caring(self) -> bool:
        return self.mode == "caring"

    @property
    def cache_key(self) -> str:
        """Everything that changes the rendered HTML, for keying shared page caches."""
        flags = "".join("1" if f else "0" for f in (self.text_only, self.big_cursor, self.guide, self.captions))
        return f"{self.mode}.{self.scheme}.{self.zoom}.{flags}"

    @property
    def body_classes(self) -> str:
        classes = [f"mode-{self.mode}", f"scheme-{self.scheme}", f"zoom-{self.zoom}"]
        if self.text_only:
            classes.append("text-only")
        if self.big_cursor:
            classes.append("big-cursor")
        if self.guide:
            classes.append("reading-guide")
        if self.captions:
            classes.append("captions")
        return " ".join(classes)

    def serialise(self) -> str:
        return "|".join([
            self.mode, self.scheme, str(self.zoom),
            "".join("1" if f else "0" for f in (self.text_only, self.big_cursor, self.guide, self.captions)),
        ])


DEFAULT = ReadingPrefs()


def parse(raw: str | None) -> ReadingPrefs:
    """Read the cookie; anything unexpected falls back to the default for that field."""
    if not raw:
        return DEFAULT
    parts = raw.split("|")
    parts += [""] * (4 - len(parts))
    mode, scheme, zoom, flags = parts[:4]
    flags = (flags + "0000")[:4]
    return ReadingPrefs(
        mode=mode if mode in MODES else DEFAULT.mode,
        scheme=scheme if scheme in SCHEMES else DEFAULT.scheme,
        zoom=zoom_value if (zoom_value := ascii_int(zoom, max_digits=3)) in ZOOMS else DEFAULT.zoom,
        text_only=flags[0] == "1",
        big_cursor=flags[1] == "1",
        guide=flags[2] == "1",
        captions=flags[3] == "1",
    )


def from_request(request: HttpRequest) -> ReadingPrefs:
    return parse(request.COOKIES.get(COOKIE_NAME))


def store(response: HttpResponse, prefs: ReadingPrefs) -> None:
    response.set_cookie(COOKIE_NAME, prefs.serialise(), max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=False)


def with_mode(prefs: ReadingPrefs, mode: str) -> ReadingPrefs:
    return replace(prefs, mode=mode if mode in MODES else DEFAULT.mode)
