"""Putting an e-mail together: CSS inlined into the HTML part, the text part beside it, list headers.

Mail readers drop `<style>` blocks or apply them badly, so the HTML part carries its styles on each
element (`css-inline`). Colours are chosen to read in light and dark mail readers alike: dark text on an
explicit white background (dark modes that invert keep contrast), never white-on-transparent.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import css_inline
from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives


@functools.lru_cache(maxsize=1)
def _inliner() -> css_inline.CSSInliner:
    # Only the <style> in the template itself: no network, no files.
    return css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False)


def inline_css(html: str) -> str:
    """`html` with the rules of its `<style>` blocks written onto the elements they match."""
    return _inliner().inline(html)


def build_message(*, subject: str, text: str, html: str | None, to: str,
                  headers: Mapping[str, str] | None = None, from_email: str | None = None,
                  connection=None) -> EmailMessage:
    """One message to one address: text only, or text and HTML as alternatives (HTML already inlined)."""
    from_email = from_email or settings.DEFAULT_FROM_EMAIL
    # Subjects carry names from outside (a WeChat nickname, a title): on one line, as a header must be, rather
    # than Django's BadHeaderError losing the message.
    subject = " ".join(str(subject).split())
    if html is None:
        return EmailMessage(subject=subject, body=text, from_email=from_email, to=[to],
                            headers=dict(headers or {}), connection=connection)
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=from_email, to=[to],
                                     headers=dict(headers or {}), connection=connection)
    message.attach_alternative(html, "text/html")
    return message
