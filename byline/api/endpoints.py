"""The Content API, version 1: public reads, and authoring for signed-in authors.

Full text (`locked_html`) is answered only when `access.decision.decide` allows it; listings
never load it. Errors are problem JSON (see api.problems); validation errors are 422.

Every operation needs a scope (`@needs`), which a personal token must hold (else 403 naming it);
a signed-in session holds them all. Reads answer as the token's owner only with `read:private`:
with `read` alone they answer what anyone may read.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest
from ninja import NinjaAPI, Path, Query, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from byline.access.decision import decide, readable_ids
from byline.access.selectors import article_for_reader
from byline.api import schemas, services
from byline.api.models import Scope
from byline.api.problems import VALIDATION_STATUS, ApiProblem, problem_response, validation_errors
from byline.articles import selectors as articles
from byline.articles.models import Article, Author, Topic
from byline.articles.text import excerpt
from byline.collections import selectors as collection_selectors
from byline.pricing.conversion import prices_in_every_currency
from byline.pricing.selectors import currency_of
from byline.recommend import selectors as recommend_selectors
from byline.search.ratelimit import search_wait
from byline.search.selectors import search_articles

logger = logging.getLogger("byline.api")
MAX_LIMIT = 100
MAX_OFFSET = 10_000
SlugPath = Path(..., min_length=1, max_length=120, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class SignedIn(HttpBearer):
    """A personal API token (Authorization: Bearer) or a session; resolved in api.http."""

    def __call__(self, request: HttpRequest) -> Any:
        reader = getattr(request, "reader", None)
        return reader if reader is not None and reader.is_authenticated else None

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover - see __call__
        return None


class ContentApi(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """Every operation may answer problem JSON: declare it, with the status codes it uses."""
        schema = super().get_openapi_schema(*args, **kwargs)
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = schemas.Problem.model_json_schema()
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                for status, text in PROBLEM_STATUSES.items():
                    responses.setdefault(str(status), {"description": text, "content": problem})
        return schema


PROBLEM_STATUSES = {
    400: "The request holds a NUL character or an unpaired surrogate (refused before the API reads it)",
    401: "Malformed, unknown or revoked token; or sign-in needed",
    403: "Not allowed (the token lacks the scope, named in `required_scope`; not your article; CSRF token "
         "missing on a session request)",
    404: "No such resource",
    405: "Method not allowed",
    409: "Conflict (slug taken)",
    422: "Invalid input: problem JSON with `errors`",
    429: "Rate limit reached; see Retry-After",
    500: "Unexpected error (problem JSON)",
}

api = ContentApi(
    title="Byline Content API",
    version="1",
    description=(
        "Public reads answer the preview; the full text comes only to an entitled reader, signed in by a "
        "personal API token (`Authorization: Bearer byl_…`) or a session (unsafe methods then need the CSRF "
        "token). A token does only what its scopes allow: `read` (everything anyone may read), `read:private` "
        "(answers as you: the full text of what you may read), `write:articles` (your own articles); one "
        "lacking the scope an operation needs answers 403 with `required_scope`. Readers make tokens at "
        "/en/api-access/. Errors are RFC 9457 problem JSON; invalid input answers 422 with `errors`. Lists take "
        f"`limit` (1-{MAX_LIMIT}) and `offset`. Rate limits apply per address and per token (429 + Retry-After)."
    ),
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


# Errors -------------------------------------------------------------------------------------

@api.exception_handler(ApiProblem)
def _api_problem(request, exc: ApiProblem):
    return problem_response(request, exc.status, exc.detail, errors=exc.errors, headers=exc.headers, extra=exc.extra)


@api.exception_handler(NinjaValidationError)
def _validation(request, exc: NinjaValidationError):
    return problem_response(request, VALIDATION_STATUS, "The request is not valid; see `errors`.",
                            errors=validation_errors(exc.errors))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return problem_response(request, 401, "Sign in: send a personal API token as “Authorization: Bearer <token>”.",
                            headers={"WWW-Authenticate": 'Bearer realm="byline"'})


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return problem_response(request, exc.status_code, str(exc))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem_response(request, 404, "Not found.")


@api.exception_handler(Exception)
def _unexpected(request, exc):
    logger.exception("Content API error at %s", request.path)
    return problem_response(request, 500, "Something went wrong on our side; it has been logged.")


# Scopes -------------------------------------------------------------------------------------

def holds(request: HttpRequest, scope: Scope) -> bool:
    """Whether this request may do what `scope` names: a token by its scopes, a session always."""
    token = getattr(request, "api_token", None)
    return token is None or token.allows(scope)


def needs(scope: Scope) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark an operation with the scope a token must hold, and refuse (403) a token without it."""

    def decorate(operation: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(operation)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not holds(request, scope):
                raise ApiProblem(403, f"This token may not do this: it lacks the “{scope.value}” scope. Make a "
                                      "token with it on your API access page.", extra={"required_scope": scope.value})
            return operation(request, *args, **kwargs)

        checked.required_scope = scope
        return checked

    return decorate


def reading_as(request: HttpRequest) -> Any:
    """Who reads answer as: the signed-in reader, or for a token without `read:private`, anyone."""
    return request.reader if holds(request, Scope.READ_PRIVATE) else AnonymousUser()


# Shapes -------------------------------------------------------------------------------------

def _summary(article: Article) -> dict[str, Any]:
    return {
        "id": article.pk, "slug": article.slug, "title": article.title,
        "teaser": excerpt(article.preview_text, 240), "lang": article.lang,
        "price_minor": article.price_minor, "currency": article.currency,
        "prices": {} if article.is_free else prices_in_every_currency(
            base_minor=article.price_minor, base_currency=article.currency, own=article.prices),
        "visibility": article.visibility,
        "url": article.get_absolute_url(), "topic": article.topic.slug, "author": article.author.slug,
        "published_at": article.published_at, "reading_minutes": article.reading_minutes,
    }


def _topic(topic: Topic) -> dict[str, Any]:
    return {"slug": topic.slug, "name_en": topic.name_en, "name_zh": topic.name_zh, "url": topic.get_absolute_url()}


def _author(author: Author) -> dict[str, Any]:
    return {"slug": author.slug, "display_name": author.display_name, "display_name_zh": author.display_name_zh,
            "bio": author.bio, "bio_zh": author.bio_zh, "url": author.get_absolute_url()}


def _full(article: Article, reader: Any) -> dict[str, Any]:
    access = decide(reader, article)
    return {
        **_summary(article),
        "tags": [{"slug": slug, "name": name, "url": url}
                 for (slug, name), (url, _name) in zip(article.tag_list, article.tag_links, strict=True)],
        "cover_url": article.cover_url or None,
        "preview_html": article.preview_html,
        "locked_html": article.locked_html if access.allowed else None,
        "locked_words": article.locked_words,
        "access": {"allowed": access.allowed, "reason": str(access.reason)},
        "topic_detail": _topic(article.topic),
        "author_detail": _author(article.author),
        "status": article.status,
        "state": str(article.publication_state),
        "version": article.version,
        "own_prices": article.prices,
    }


def _page(items: list, count: int, limit: int, offset: int) -> dict[str, Any]:
    return {"count": count, "limit": limit, "offset": offset, "items": items}


Limit = Query(20, ge=1, le=MAX_LIMIT, description=f"Page size, 1 to {MAX_LIMIT}.")
Offset = Query(0, ge=0, le=MAX_OFFSET)
RelatedLimit = Query(6, ge=1, le=12)
SearchText = Query(..., min_length=1, max_length=200, description="Plain words; operators are ignored.")
SearchLimit = Query(20, ge=1, le=50)
SearchOffset = Query(0, ge=0, le=1000)


# Public reads -------------------------------------------------------------------------------

@api.get("/articles", response=schemas.ArticlePage, tags=["articles"], summary="Live articles, newest first")
@needs(Scope.READ)
def list_articles(
    request, limit: int = Limit, offset: int = Offset, lang: schemas.Lang | None = None,
    topic: schemas.Slug | None = None, author: schemas.Slug | None = None,
):
    queryset = articles.live_articles()
    if lang:
        queryset = queryset.filter(lang=lang)
    if topic:
        queryset = queryset.filter(topic__slug=topic)
    if author:
        queryset = queryset.filter(author__slug=author)
    items = [_summary(a) for a in queryset[offset:offset + limit]]
    return _page(items, queryset.count(), limit, offset)


@api.get("/articles/{slug}", response=schemas.ArticleOut, tags=["articles"],
         summary="One article: preview, and the full text for an entitled reader")
@needs(Scope.READ)
def get_article(request, slug: str = SlugPath):
    reader = reading_as(request)
    article = article_for_reader(slug=slug, reader=reader)
    if article is None:
        raise ApiProblem(404, "No article with this slug.")
    return _full(article, reader)


@api.get("/articles/{slug}/related", response=list[schemas.RelatedArticleOut], tags=["articles"],
         summary="Articles related to this one")
@needs(Scope.READ)
def related_articles(request, slug: str = SlugPath, limit: int = RelatedLimit):
    article = article_for_reader(slug=slug, reader=reading_as(request))
    if article is None:
        raise ApiProblem(404, "No article with this slug.")
    return [_summary(a) for a in recommend_selectors.related_articles(article=article, limit=limit)]


@api.get("/topics", response=schemas.TopicPage, tags=["topics"], summary="Topics that have live articles")
@needs(Scope.READ)
def list_topics(request, limit: int = Limit, offset: int = Offset):
    topics = articles.topics_with_articles()
    return _page([_topic(t) for t in topics[offset:offset + limit]], len(topics), limit, offset)


@api.get("/topics/{slug}", response=schemas.TopicOut, tags=["topics"])
@needs(Scope.READ)
def get_topic(request, slug: str = SlugPath):
    topic = Topic.objects.filter(slug=slug).first()
    if topic is None:
        raise ApiProblem(404, "No topic with this slug.")
    return _topic(topic)


@api.get("/authors", response=schemas.AuthorPage, tags=["authors"], summary="Authors")
@needs(Scope.READ)
def list_authors(request, limit: int = Limit, offset: int = Offset):
    queryset = Author.objects.order_by("display_name", "pk")
    return _page([_author(a) for a in queryset[offset:offset + limit]], queryset.count(), limit, offset)


@api.get("/authors/{slug}", response=schemas.AuthorOut, tags=["authors"])
@needs(Scope.READ)
def get_author(request, slug: str = SlugPath):
    author = Author.objects.filter(slug=slug).first()
    if author is None:
        raise ApiProblem(404, "No author with this slug.")
    return _author(author)


def _collection(collection, part_count: int, caps: dict[str, int] | None = None) -> dict[str, Any]:
    # What a reader is charged: capped at the writer's monthly subscription price in each currency.
    prices = collection_selectors.prices_everywhere(collection, caps)
    return {"slug": collection.slug, "title": collection.title, "description": collection.description,
            "author": collection.author.slug, "url": collection.get_absolute_url(),
            "price_minor": prices.get(collection.currency, collection.price_minor),
            "currency": collection.currency, "prices": prices,
            "includes_later": collection.includes_later, "part_count": part_count}


@api.get("/collections", response=schemas.CollectionPage, tags=["collections"],
         summary="Collections (series) with live parts, newest first")
@needs(Scope.READ)
def list_collections(request, limit: int = Limit, offset: int = Offset):
    listed = collection_selectors.listed_queryset()
    page = list(listed[offset:offset + limit])
    # A fixed number of queries for the page, however many collections: the writers' monthly prices (the cap)
    # and the live part counts are read for all of them at once.
    caps = collection_selectors.monthly_prices_of(author_ids={c.author_id for c in page})
    counts = collection_selectors.live_part_counts([c.pk for c in page])
    items = [_collection(c, counts[c.pk], caps[c.author_id]) for c in page]
    return _page(items, listed.count(), limit, offset)


@api.get("/collections/{slug}", response=schemas.CollectionDetailOut, tags=["collections"],
         summary="One collection: its parts in order, and what this reader may read and would pay")
@needs(Scope.READ)
def get_collection(request, slug: str = SlugPath):
    collection = collection_selectors.collection_by_slug(slug)
    parts = [item.article for item in collection_selectors.current_items(collection)] if collection else []
    if not parts:
        raise ApiProblem(404, "No collection with this slug.")
    reader = reading_as(request)
    readable = readable_ids(reader, parts)
    currency = currency_of(reader)
    terms = collection_selectors.quote(reader=reader, collection=collection, currency=currency)
    return {**_collection(collection, len(parts)), "parts": [_summary(a) for a in parts],
            "readable_parts": [a.slug for a in parts if a.pk in readable],
            "quote": {"currency": currency, "price_minor": terms.price, "credit_minor": terms.credit,
                      "to_pay_minor": terms.to_pay, "parts_owned": terms.parts_owned},
            "owned": collection_selectors.active_purchase(reader=reader, collection=collection) is not None}


@api.get("/search", response=schemas.SearchPage, tags=["search"],
         summary="Search titles, topics, authors and text (full text only of what you may read)")
@needs(Scope.READ)
def search(
    request, q: str = SearchText, lang: schemas.Lang | None = None,
    limit: int = SearchLimit, offset: int = SearchOffset,
):
    wait = search_wait(request, request.reader)
    if wait is not None:
        raise ApiProblem(429, f"Too many searches; try again in {wait} seconds.", headers={"Retry-After": str(wait)})
    results = search_articles(reader=reading_as(request), query=q, lang=lang, limit=limit, offset=offset)
    items = [{"article": _summary(hit.article), "snippet_html": str(hit.snippet), "full_text": hit.full_text}
             for hit in results.hits]
    return {"query": q, "count": results.count, "limit": results.limit, "offset": results.offset, "items": items}


# Authoring ----------------------------------------------------------------------------------

def _author_of(request) -> Author:
    author = Author.objects.filter(user=request.reader).first()
    if author is None:
        raise ApiProblem(403, "Only authors can write articles.")
    return author


def _own_article(request, slug: str) -> Article:
    author = _author_of(request)
    article = Article.objects.select_related("author", "topic").filter(slug=slug).first()
    if article is None:
        raise ApiProblem(404, "No article with this slug.")
    if article.author_id != author.pk:
        raise ApiProblem(403, "This article is not yours.")
    return article


def _topic_named(slug: str) -> Topic:
    topic = Topic.objects.filter(slug=slug).first()
    if topic is None:
        raise ApiProblem(VALIDATION_STATUS, "Unknown topic.",
                         errors=[{"loc": ["body", "topic"], "msg": "No topic with this slug.", "type": "unknown"}])
    return topic


def _saved(write) -> Article:
    """Run an article write; Byline's rules become a 422 listing each field's problems."""
    try:
        article = write()
    except DjangoValidationError as error:
        errors = [{"loc": ["body", name], "msg": str(message), "type": "rule"}
                  for name, messages in error.message_dict.items() for message in messages]
        raise ApiProblem(VALIDATION_STATUS, "The article breaks a rule; see `errors`.", errors=errors) from None
    except (services.SlugTaken, IntegrityError):
        raise ApiProblem(409, "An article with this slug already exists.") from None
    return Article.objects.select_related("author", "topic").get(pk=article.pk)


@api.get("/me/articles", response=schemas.ArticlePage, auth=SignedIn(), tags=["authoring"],
         summary="Your own articles, drafts included")
@needs(Scope.WRITE_ARTICLES)
def my_articles(request, limit: int = Limit, offset: int = Offset):
    author = _author_of(request)
    queryset = Article.objects.for_listing().filter(author=author).order_by("-updated_at", "-pk")
    return _page([_summary(a) for a in queryset[offset:offset + limit]], queryset.count(), limit, offset)


@api.post("/articles", response={201: schemas.OwnArticleOut}, auth=SignedIn(), tags=["authoring"],
          summary="Create a draft")
@needs(Scope.WRITE_ARTICLES)
def create_article(request, payload: schemas.ArticleCreateIn):
    author = _author_of(request)
    topic = _topic_named(payload.topic)
    article = _saved(lambda: services.create_draft(
        author=author, topic=topic, title=payload.title, slug=payload.slug, lang=payload.lang,
        body_markdown=payload.body_markdown, visibility=payload.visibility, price_minor=payload.price_minor,
        currency=payload.currency, own_prices=payload.own_prices))
    return Status(201, _full(article, request.reader))


@api.patch("/articles/{slug}", response=schemas.OwnArticleOut, auth=SignedIn(), tags=["authoring"],
           summary="Change title, language, topic or text")
@needs(Scope.WRITE_ARTICLES)
def update_article(request, payload: schemas.ArticleUpdateIn, slug: str = SlugPath):
    article = _own_article(request, slug)
    changes = payload.model_dump(exclude_none=True)
    if "topic" in changes:
        changes["topic"] = _topic_named(changes["topic"])
    article = _saved(lambda: services.update_article(article=article, **changes))
    return _full(article, request.reader)


@api.put("/articles/{slug}/price", response=schemas.OwnArticleOut, auth=SignedIn(), tags=["authoring"],
         summary="Set visibility and price (integer minor units)")
@needs(Scope.WRITE_ARTICLES)
def price_article(request, payload: schemas.ArticlePriceIn, slug: str = SlugPath):
    article = _own_article(request, slug)
    article = _saved(lambda: services.set_price(article=article, visibility=payload.visibility,
                                                price_minor=payload.price_minor, currency=payload.currency,
                                                own_prices=payload.own_prices))
    return _full(article, request.reader)


@api.post("/articles/{slug}/publish", response=schemas.OwnArticleOut, auth=SignedIn(), tags=["authoring"],
          summary="Publish now, or schedule for a future time")
@needs(Scope.WRITE_ARTICLES)
def publish(request, payload: schemas.PublishIn, slug: str = SlugPath):
    article = _own_article(request, slug)
    article = _saved(lambda: services.publish_article(article=article, at=payload.published_at))
    return _full(article, request.reader)
