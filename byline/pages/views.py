"""Public pages: home, topic, author and the article page."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET

from byline.access import entitlements
from byline.access import selectors as access_selectors
from byline.access.decision import Reason, decide
from byline.accounts.backends import READER_HINT_COOKIE, settle_user, user_key_for_name
from byline.accounts.sessions import cache_key_for as session_cache_key
from byline.articles import page_cache, selectors
from byline.articles.models import Author, Tag, Topic
from byline.articles.presentation import article_page_context
from byline.audience.selectors import state_key_for_name as audience_state_key_for_name
from byline.core import read_ahead
from byline.dashboard.services import note_article_view
from byline.pages import anonymous_cache, page_shell
from byline.purchases.memberships import record_member_read
from byline.recommend import selectors as recommend_selectors
from byline.recommend.services import record_reading
from byline.sharing.grants import grant_from_request
from byline.sharing.services import gifts_left_key_for_name
from byline.sharing.tracking import note_referral

PROXY_CACHE_SECONDS = 1


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    latest = selectors.latest_articles(limit=12)
    topics = selectors.topics_with_articles()
    by_topic = [(topic, selectors.articles_in_topic(topic=topic, limit=4)) for topic in topics]
    for_you = recommend_selectors.recommended_for(reader=request.user)
    response = render(request, "articles/home.html", {"latest": latest, "by_topic": by_topic, "for_you": for_you})
    return _with_cache_headers(response, public=anonymous_cache.is_cacheable(request))


@require_GET
def topic_page(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    articles = selectors.articles_in_topic(topic=topic, limit=60)
    response = render(request, "articles/topic.html", {"topic": topic, "articles": articles})
    return _with_cache_headers(response, public=anonymous_cache.is_cacheable(request))


@require_GET
def tag_page(request: HttpRequest, slug: str) -> HttpResponse:
    tag = get_object_or_404(Tag, slug=slug)
    articles = selectors.articles_with_tag(tag=tag, limit=60)
    response = render(request, "articles/tag.html", {"tag": tag, "articles": articles})
    return _with_cache_headers(response, public=anonymous_cache.is_cacheable(request))


@require_GET
def author_page(request: HttpRequest, slug: str) -> HttpResponse:
    author = get_object_or_404(Author, slug=slug)
    articles = selectors.articles_by_author(author=author, limit=60)
    response = render(request, "articles/author.html", {"author": author, "articles": articles})
    return _with_cache_headers(response, public=anonymous_cache.is_cacheable(request))


# How often a page starts over when the article changed while it was being made (see below).
ARTICLE_PAGE_ATTEMPTS = 3


# No stored slug, current or old (a renamed article's), is longer: a longer one is answered before it
# names a cache entry.
LONGEST_SLUG = 120


@require_GET
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    if len(slug) > LONGEST_SLUG:
        raise Http404
    with read_ahead.reading(_entries_the_page_reads(request, slug)):
        settle_user(request)
        for _attempt in range(ARTICLE_PAGE_ATTEMPTS - 1):
            try:
                return _article_page(request, slug)
            except selectors.ArticleChanged:
                # The stamp this page decided on is older than the row (a save committed meanwhile):
                # forget it and start over from the row as it is now. Nothing was cached on the way.
                page_cache.forget_stamp(slug)
        return _article_page(request, slug)


def _entries_the_page_reads(request: HttpRequest, slug: str) -> list[str]:
    """The cache entries an article page asks for: its stamp, the related lists' generation and, for a
    signed-in reader, their session, user row, gift allowance and audience state (the follow button and the
    bell), named from their cookies."""
    keys = [page_cache.generation_key(slug), page_cache.stamp_key(slug), recommend_selectors.GENERATION_KEY,
            page_cache.parts_key(slug)]
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    if 8 <= len(session_key) <= 64 and session_key.isalnum():
        keys.append(session_cache_key(session_key))
        reader = request.COOKIES.get(READER_HINT_COOKIE, "")
        if len(reader) == 24 and reader.isalnum():
            keys += [user_key_for_name(reader), gifts_left_key_for_name(reader, now=timezone.now()),
                     audience_state_key_for_name(reader)]
    return keys


def _article_page(request: HttpRequest, slug: str) -> HttpResponse:
    cacheable_request = anonymous_cache.is_cacheable(request)
    article = page_cache.stamp_for(slug)  # cached: no query on the hot paths below
    if cacheable_request and article is not None and article.is_live \
            and (cached := anonymous_cache.get(article, request)) is not None:
        note_article_view(request, article)
        return _with_cache_headers(HttpResponse(cached), public=True)
    if article is None or not article.is_live:
        # Drafts and scheduled pieces: only their author and staff may see the page.
        article = access_selectors.article_for_reader(slug=slug, reader=request.user)
    if article is None:
        if (moved_to := selectors.moved_article_slug(old_slug=slug)) is not None:
            return redirect("articles:detail", slug=moved_to, permanent=True)  # its slug changed (studio)
        raise Http404
    cacheable = cacheable_request and article.is_live
    related = recommend_selectors.related_articles(article=article)
    with entitlements.prefetched(request.user, [article, *related]):
        access = decide(request.user, article, grant=grant_from_request(request))
        cards = recommend_selectors.cards_for(reader=request.user, articles=related)
    note_article_view(request, article, access)
    if access.reason == Reason.MEMBERSHIP:
        record_member_read(reader=request.user, article=article)
    context = {**article_page_context(article, access, request), "related": cards}
    if access.allowed and article.is_live:
        record_reading(reader=request.user, article=article)  # signed-in readers only; no-op otherwise
    if page_shell.applies(request, article):
        key = page_shell.key_for(request, article, access, cards)
        response = HttpResponse(page_shell.render(request, "articles/article.html", context, key=key))
    else:
        response = render(request, "articles/article.html", context)
    note_referral(request, article, response)
    if cacheable:
        anonymous_cache.put(article, request, response.content)
    return _with_cache_headers(response, public=cacheable)


def _with_cache_headers(response: HttpResponse, *, public: bool) -> HttpResponse:
    patch_vary_headers(response, ["Cookie"])
    if public:
        # How long a shared cache may keep it (s-maxage; nginx in deploy/nginx.conf reads X-Accel-Expires):
        # one second, because a shared cache cannot see the article's version and cannot be told to forget,
        # so an article made paid or taken down must leave it at once. A browser's own copy may live longer.
        patch_cache_control(response, public=True, max_age=60, s_maxage=PROXY_CACHE_SECONDS)
        response.headers["X-Accel-Expires"] = str(PROXY_CACHE_SECONDS)
    else:
        patch_cache_control(response, private=True, no_cache=True)
    return response
