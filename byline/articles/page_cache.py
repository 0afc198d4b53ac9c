"""The article stamp every article page starts from, and the generations that key an article's cached pages.

The pages themselves are cached by the `pages` app (pages/anonymous_cache.py, pages/page_shell.py); the
stamp and the generations are here, below every app that writes what a page shows (studio, comments,
tips), so that a write can make the pages forget it without importing the page.

The stamp is kept current across concurrent requests by a generation (`generation_key`): a
random token that every save or delete of the article replaces, once at once and once again
after its transaction commits (`article_changed`). A stamp is stored together with the
generation read *before* its row was read, and is used only while that generation is still
the current one. So a request that read the old row while a save was in flight may store it,
but nobody uses it after the commit: the generation it names is gone by then.
"""

from __future__ import annotations

import secrets

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest

from byline.articles import selectors
from byline.articles.models import Article
from byline.core import read_ahead

STAMP_SECONDS = 300
# A generation outlives any stamp stored under it; when it expires (or is evicted) the next reader
# makes a new one, which no stored stamp names.
GENERATION_SECONDS = 7 * 24 * 3600


def stamp_key(slug: str) -> str:
    return f"page:stamp:{slug}"


def generation_key(slug: str) -> str:
    return f"page:stamp-generation:{slug}"


def stamp_for(slug: str) -> Article | None:
    """The article (without its long texts: `selectors.article_stamp`), from the cache when it can be.

    A cached anonymous page then costs no database query at all, and a signed-in reader's page one
    query fewer. The cached stamp counts only under the article's current generation (read before
    the row, see the module's docstring), so a save is never hidden behind it once committed; a
    renamed author or topic shows within STAMP_SECONDS.
    """
    generation = read_ahead.get(generation_key(slug))
    stored = read_ahead.get(stamp_key(slug))
    if generation is not None and isinstance(stored, tuple) and stored[0] == generation:
        return stored[1]
    if generation is None:
        # First reader since the generation expired: start one. `add`, so that a save's new generation,
        # written meanwhile, is never replaced by ours.
        cache.add(generation_key(slug), secrets.token_hex(8), GENERATION_SECONDS)
        generation = cache.get(generation_key(slug))
    stamp = selectors.article_stamp(slug=slug)
    if stamp is not None and generation is not None:
        cache.set(stamp_key(slug), (generation, stamp), STAMP_SECONDS)
    return stamp


def forget_stamp(slug: str) -> None:
    """Make every stored stamp of `slug` unusable (a new generation; the stamp itself may stay)."""
    cache.set(generation_key(slug), secrets.token_hex(8), GENERATION_SECONDS)


def article_changed(slug: str) -> None:
    """An article was saved or deleted: forget its stamp now (for this transaction's own later reads)
    and again once the transaction commits (for the requests that read the old row meanwhile)."""
    forget_stamp(slug)
    transaction.on_commit(lambda: forget_stamp(slug), robust=True)


def parts_key(slug: str) -> str:
    return f"page:parts-generation:{slug}"


def parts_generation(slug: str) -> str:
    """The generation of the parts other apps add under an article (comments, tips): a token that
    `parts_changed` replaces, named in both page keys, so a new comment shows at once without a new
    article version. Read ahead with the stamp on the article page."""
    generation = read_ahead.get(parts_key(slug))
    if generation is None:
        cache.add(parts_key(slug), secrets.token_hex(8), GENERATION_SECONDS)
        generation = cache.get(parts_key(slug)) or "none"
    return generation


def parts_generation_of(request: HttpRequest | None, article: Article) -> str:
    """`parts_generation` once per request: the page keys and the parts themselves agree on it."""
    if request is None:
        return parts_generation(article.slug)
    memo = request.__dict__.setdefault("_byline_parts_generation", {})
    if article.slug not in memo:
        memo[article.slug] = parts_generation(article.slug)
    return memo[article.slug]


def parts_changed(slug: str) -> None:
    """Comments or tips under the article changed: pages cached before now are no longer asked for
    (at once, and again after the transaction commits, as for the stamp), and the stamp, which carries
    their counts (`selectors.STAMP_ANNOTATIONS`), is read again."""
    article_changed(slug)
    cache.set(parts_key(slug), secrets.token_hex(8), GENERATION_SECONDS)
    transaction.on_commit(lambda: cache.set(parts_key(slug), secrets.token_hex(8), GENERATION_SECONDS),
                          robust=True)
