"""Article pages for signed-in readers: one shared, cached shell, with the personal parts filled per request.

Two signed-in readers who get the same access answer see the same article page except for a few
parts: the CSRF token, the undo offer, the paywall (it shows the reader's balance), the gift
allowance and the share links (they carry the reader's referral codes). So the page is rendered
once per article version, language, reading preferences, access answer (full text and why, or
preview), staff or not, the reader's currency (prices on the related cards), and related cards with
their badges, with those parts left as slots
(`{% personal "template" %}`) and values (`{% personal_value "name" %}`, byline/core/personal.py),
and cached. Each request renders only the slots, computes the values, and puts them in.

The access decision is still made on every request, before the shell is looked up: a shell that
holds the locked part is keyed `full-<reason>` and is only ever asked for when `decide` allowed it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template import engines, loader
from django.utils.functional import lazy
from django.utils.translation import get_language

from byline.access.decision import Access
from byline.articles import page_cache
from byline.articles.models import Article
from byline.core import local_cache, personal
from byline.pricing.selectors import request_currency

SHELL_CONTEXT_FLAG = "page_shell"


@dataclass(frozen=True)
class _Marks:
    slot_prefix: str
    value_prefix: str
    csrf: str
    slot_pattern: re.Pattern[str]
    value_pattern: re.Pattern[str]
    separator: str


@functools.cache
def _marks(secret: str) -> _Marks:
    """The markers, keyed by SECRET_KEY so that no text an author or reader writes can pass for one
    (and all text they write is escaped or sanitised HTML)."""
    digest = hmac.new(secret.encode(), b"byline-page-shell", hashlib.sha256).hexdigest()
    slot_prefix, value_prefix = f"<!--byline-slot-{digest[:20]}:", f"<!--byline-value-{digest[:20]}:"
    return _Marks(slot_prefix=slot_prefix, value_prefix=value_prefix, csrf=f"bylinecsrf{digest[20:40]}",
                  slot_pattern=re.compile(re.escape(slot_prefix) + r"([\w/.-]+)-->"),
                  value_pattern=re.compile(re.escape(value_prefix) + r"([\w.-]+)-->"),
                  separator=f"<!--byline-slot-end-{digest[40:60]}-->")


def slot_marker(template_name: str) -> str:
    return f"{_marks(settings.SECRET_KEY).slot_prefix}{template_name}-->"


def value_marker(name: str) -> str:
    return f"{_marks(settings.SECRET_KEY).value_prefix}{name}-->"


def applies(request: HttpRequest, article: Article) -> bool:
    """Whether this request's page may come from a shell: a signed-in reader's plain GET of a live
    article, with no message waiting to be shown (messages are part of the page)."""
    return (
        request.method == "GET"
        and not request.GET  # links such as "?next=" repeat the query string
        and request.user.is_authenticated
        and article.is_live
        and not messages.get_messages(request)
    )


def key_for(request: HttpRequest, article: Article, access: Access, cards: Sequence) -> str:
    related = "-".join(
        f"{card.article.pk}.{card.article.version}{'u' if card.unlocked else ''}" for card in cards)
    return ":".join([
        "page:shell", str(article.pk), f"v{article.version}", get_language() or "", request.reading.cache_key,
        f"full-{access.reason}" if access.allowed else "preview", "staff" if request.user.is_staff else "reader",
        request_currency(request), related, page_cache.parts_generation_of(request, article),
    ])


def render(request: HttpRequest, template_name: str, context: dict, *, key: str) -> str:
    """The page for this request: the cached shell (rendered and stored on a miss) with its slots filled."""
    shell = local_cache.versioned.get_or_shared(key, lambda: loader.render_to_string(
        template_name, {**context, SHELL_CONTEXT_FLAG: True, "csrf_token": _marks(settings.SECRET_KEY).csrf}, request),
        shared_timeout=settings.ARTICLE_PAGE_CACHE_SECONDS)
    return fill(shell, request, context)


def fill(shell: str, request: HttpRequest, context: dict) -> str:
    marks = _marks(settings.SECRET_KEY)
    page = shell
    # One masked token for every form on the page, as one template render would give (each mask costs
    # 32 calls for random characters).
    token = functools.cache(lambda: get_token(request))
    # Slots and values read it as a whole render's context processor would give it: `csrf_token`.
    context = {**context, "csrf_token": lazy(token, str)()}
    names = tuple(dict.fromkeys(marks.slot_pattern.findall(page)))
    if names:
        rendered = dict(zip(names, _slots_template(names, marks.separator).render(context, request)
                            .split(marks.separator), strict=True))
        page = marks.slot_pattern.sub(lambda match: rendered[match.group(1)], page)
    if marks.value_prefix in page:
        page = marks.value_pattern.sub(lambda match: personal.render_value(match.group(1), request, context), page)
    if marks.csrf in page:
        page = page.replace(marks.csrf, token())
    return page


@functools.cache
def _slots_template(names: tuple[str, ...], separator: str):
    """One template including every slot, so the context processors run once per request, not per slot."""
    return engines["django"].from_string(separator.join(f'{{% include "{name}" %}}' for name in names))
