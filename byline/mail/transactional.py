"""Transactional e-mail (password reset, address confirmation, receipts, gifts, ...) on the shared templates.

Every such message is one template pair, `<name>.txt` and `<name>.html`, extending `mail/email/base.txt` and
`mail/email/base.html` (the site's name, the footer), rendered in the recipient's language with the CSS
inlined, and sent as one message with both parts through the configured backend (SMTP, an e-mail service
through anymail, or the demo's files).

The recipient's language comes from the first of `LANGUAGE_SOURCES` that knows it (apps above this one
register theirs: the audience app knows the language a reader chose for e-mail; `ADDRESS_LANGUAGE_SOURCES`
answer for a bare address), else the language the request that caused the message was made in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from byline.mail.compose import build_message, inline_css

LANGUAGE_SOURCES: list[Callable[[Any], str | None]] = []
# The same for a bare address (a gift's recipient): the language its subscriber row or account chose.
ADDRESS_LANGUAGE_SOURCES: list[Callable[[str], str | None]] = []


def language_for(user: Any, default: str | None = None) -> str:
    """The language to write to `user` (an account, or None for an address without one) in."""
    known = dict(settings.LANGUAGES)
    if user is not None and getattr(user, "pk", None) is not None:
        for source in LANGUAGE_SOURCES:
            found = source(user)
            if found in known:
                return found
    language = default or translation.get_language() or settings.LANGUAGE_CODE
    return language if language in known else settings.LANGUAGE_CODE


def language_for_address(email: str, default: str | None = None) -> str:
    """The language to write to `email` in, when all we have is the address: what the address or the account
    behind it chose, else `default` (else the current language)."""
    known = dict(settings.LANGUAGES)
    for source in ADDRESS_LANGUAGE_SOURCES:
        found = source(email)
        if found in known:
            return found
    return language_for(None, default)


def render(template: str, *, language: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """(text, html) of `template` in `language`, with the shared context every e-mail template may use."""
    with translation.override(language):
        full = {"SITE_NAME": settings.SITE_NAME, "site_url": settings.SITE_URL, "LANGUAGE_CODE": language,
                **context}
        return (render_to_string(f"{template}.txt", full),
                inline_css(render_to_string(f"{template}.html", full)))


def send(*, template: str, to: str, language: str, subject: Callable[[], str], context: Mapping[str, Any],
         headers: Mapping[str, str] | None = None) -> None:
    """Render `template` in `language` (the subject too: `subject` is called inside it) and send both parts."""
    text, html = render(template, language=language, context=context)
    with translation.override(language):
        subject_text = " ".join(str(subject()).split())  # one line: a header never carries a line break
    build_message(subject=subject_text, text=text, html=html, to=to, headers=headers).send()
