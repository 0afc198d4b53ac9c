"""Article pages for signed-in readers: one shared, cached shell, with the personal parts filled per request.

Two signed-in readers who get the same access answer see the same article page except for a few
parts: the CSRF token, the undo offer, the paywall (it shows the reader's balance), the gift
allowance and the share links (they carry the reader's referral codes). So the page is rendered
once per article version, language, reading preferences, access answer (full text and why, or
preview), staff or not, the reader's currency (prices on the related cards), and related cards with
their badges, with those parts left as slots
(`{% personal "template" %}`) and values (`{% personal_value "name" %}`, byline/core/personal.py),
cut once at those markers and the CSRF token's (`compile_shell`), and cached. Each request renders only
the slots, computes the values and joins them in, with its CSRF token exactly where the template put
`csrf_token`: nothing in the page's text (the author's HTML included) is searched or replaced per request.
`tests/articles/test_shell_guard.py` renders every kind of shelled page for one reader and checks that
no stored shell holds anything of theirs.

The access decision is still made on every request, before the shell is looked up: a shell that
holds the locked part is keyed `full-<reason>` and is only ever asked for when `decide` allowed it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

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

SHELL_CONTEXT_FLAG = personal.SHELL_FLAG

# A shell as stored: its literal parts, and between each two the hole the template left (kind, name), kind
# being "slot", "value" or "csrf". Found once, when the shell is rendered; filling it then only joins,
# so nothing is looked for or replaced in the page's text (the author's HTML included) per request.
# Plain tuples, so a stored shell does not name a class (the page code is about to move).
Shell = tuple[tuple[str, ...], tuple[tuple[str, str], ...]]


def slot_marker(template_name: str) -> str:
    return personal.slot_marker(template_name)


def value_marker(name: str) -> str:
    return personal.value_marker(name)


def compile_shell(text: str) -> Shell:
    """The rendered shell cut at its markers (core/personal.py), which no written text can forge."""
    parts, holes, start = [], [], 0
    for match in personal.marks().pattern.finditer(text):
        parts.append(text[start:match.start()])
        holes.append((match.group(1), match.group(2) or ""))
        start = match.end()
    parts.append(text[start:])
    return tuple(parts), tuple(holes)


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
    """The page for this request: the cached shell (rendered and stored on a miss) with its holes filled."""
    shell = local_cache.versioned.get_or_shared(key, lambda: compile_shell(loader.render_to_string(
        template_name, {**context, SHELL_CONTEXT_FLAG: True, "csrf_token": personal.csrf_marker()}, request)),
        shared_timeout=settings.ARTICLE_PAGE_CACHE_SECONDS)
    return fill(shell, request, context)


def fill(shell: Shell | str, request: HttpRequest, context: dict) -> str:
    if isinstance(shell, str):  # stored before shells were kept cut at their markers
        shell = compile_shell(shell)
    parts, holes = shell
    # One masked token for every form on the page, as one template render would give (each mask costs
    # 32 calls for random characters).
    token = functools.cache(lambda: get_token(request))
    # Slots and values read it as a whole render's context processor would give it: `csrf_token`.
    context = {**context, "csrf_token": lazy(token, str)()}
    names = tuple(dict.fromkeys(name for kind, name in holes if kind == "slot"))
    rendered = {}
    if names:
        separator = _separator()
        rendered = dict(zip(names, _slots_template(names, separator).render(context, request).split(separator),
                            strict=True))
    page = [parts[0]]
    for (kind, name), part in zip(holes, parts[1:], strict=True):
        if kind == "slot":
            page.append(rendered[name])
        elif kind == "value":
            page.append(personal.render_value(name, request, context))
        else:
            page.append(token())
        page.append(part)
    return "".join(page)


def _separator() -> str:
    """Between two slots in their one template: an HTML comment keyed like the markers."""
    return personal.marks().csrf.replace("byline-csrf-", "byline-slot-end-")


@functools.cache
def _slots_template(names: tuple[str, ...], separator: str):
    """One template including every slot, so the context processors run once per request, not per slot."""
    return engines["django"].from_string(separator.join(f'{{% include "{name}" %}}' for name in names))
