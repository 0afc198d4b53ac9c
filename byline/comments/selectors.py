"""Reading comments: who may comment, and which comments a reader may read.

Which comments a reader may read on an article follows the access decision alone (the caller passes
the `Access` that `byline.access.decision.decide` gave): a reader who may read the article reads every
visible comment, because buyers quote what they paid for; anyone else reads only the comments the
author featured (精选), which the author has read. There is no second decision here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Case, CharField, Count, Exists, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from byline.access.decision import Access
from byline.articles.models import Article, Visibility
from byline.comments.models import (
    DEFAULT_POLICY,
    ArticleCommentPolicy,
    AuthorCommentSettings,
    Block,
    Comment,
    CommentStatus,
    Like,
    Policy,
)
from byline.core import local_cache

# A page shows at most this many comments (threads and replies together); the rest are counted.
COMMENTS_ON_PAGE = 500


def policy_of(article: Article) -> str:
    """Who may comment on `article`: its own choice, else its author's default, else DEFAULT_POLICY."""
    stamped = getattr(article, "comments_policy", None)
    if stamped:
        return stamped
    row = (Article.objects.filter(pk=article.pk)
           .values_list("comment_policy__policy", "author__comment_settings__default_policy").first())
    if row is None:
        return DEFAULT_POLICY
    return row[0] or row[1] or DEFAULT_POLICY


def policy_allows(policy: str, *, reader: Any, access: Access) -> bool:
    """Whether a reader with this access answer may write under this policy (a block is checked apart)."""
    if policy == Policy.OFF or not getattr(reader, "is_authenticated", False):
        return False
    if policy == Policy.READERS:
        return access.allowed
    return True


def is_blocked(*, reader: Any, article: Article) -> bool:
    return Block.objects.filter(author_id=article.author_id, reader_id=reader.pk).exists()


def is_moderator(reader: Any, article: Article) -> bool:
    return bool(getattr(reader, "is_authenticated", False)
                and (reader.is_staff or article.author.user_id == reader.pk))


@dataclass
class Thread:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)


@dataclass
class CommentsView:
    threads: list[Thread]
    featured_only: bool
    shown: int
    total: int  # visible comments on the article, whoever may read them


def _ordered(comments: list[Comment]) -> list[Thread]:
    threads: dict[int, Thread] = {}
    orphans: list[Comment] = []
    for comment in comments:
        if comment.parent_id is None:
            threads[comment.pk] = Thread(comment)
    for comment in comments:
        if comment.parent_id is not None:
            if comment.parent_id in threads:
                threads[comment.parent_id].replies.append(comment)
            else:  # a featured reply whose comment is not shown: it stands on its own
                orphans.append(comment)
    ordered = sorted(threads.values(), key=lambda t: (not t.comment.pinned, t.comment.created_at, t.comment.pk))
    return ordered + [Thread(comment) for comment in orphans]


def comments_for(*, article: Article, access: Access, moderator: bool) -> CommentsView:
    """The comments this access answer may read, pinned first, then oldest first, replies under theirs.

    Moderators (the article's author, staff) also see hidden comments, marked, to undo the hiding. A comment
    its writer deleted stays as a placeholder while it has replies shown."""
    featured_only = not access.allowed
    total = getattr(article, "comments_visible", None)
    if total is None:
        total = Comment.objects.filter(article=article, status=CommentStatus.VISIBLE).count()
    nothing_to_show = (getattr(article, "comments_featured", None) == 0) if featured_only else total == 0
    if nothing_to_show and not moderator:
        return CommentsView(threads=[], featured_only=featured_only, shown=0, total=total)
    shown = Comment.objects.filter(article=article).select_related("reader")
    if featured_only:
        shown = shown.filter(featured=True, status=CommentStatus.VISIBLE)
    elif moderator:
        shown = shown.filter(status__in=[CommentStatus.VISIBLE, CommentStatus.HIDDEN, CommentStatus.PENDING,
                                         CommentStatus.DELETED])
    else:
        shown = shown.filter(status__in=[CommentStatus.VISIBLE, CommentStatus.DELETED])
    comments = list(shown.order_by("created_at", "pk")[:COMMENTS_ON_PAGE])
    with_replies = {c.parent_id for c in comments if c.parent_id and c.status != CommentStatus.DELETED}
    comments = [c for c in comments if c.status != CommentStatus.DELETED or c.pk in with_replies]
    threads = _ordered(comments)
    return CommentsView(threads=threads, featured_only=featured_only,
                        shown=sum(1 + len(t.replies) for t in threads), total=total)


def _owners_key(article: Article, generation: str, featured_only: bool = False) -> str:
    return f"comments:owners:{article.pk}:{generation}{':featured' if featured_only else ''}"


def owners(*, article: Article, generation: str, featured_only: bool = False) -> dict[int, tuple[int, dt.datetime]]:
    """Who wrote each live comment on the article and when, for the per-reader controls ("edit", "delete")
    on a shared page. Keyed by the article's parts generation, which every comment write replaces.
    `featured_only`: just the featured ones, which is all that a page for a reader without access shows."""
    def build() -> dict[int, tuple[int, dt.datetime]]:
        rows = Comment.objects.filter(article=article, status=CommentStatus.VISIBLE)
        if featured_only:
            rows = rows.filter(featured=True)
        return {pk: (reader_id, created_at) for pk, reader_id, created_at in
                rows.values_list("pk", "reader_id", "created_at")}
    return local_cache.versioned.get_or_shared(_owners_key(article, generation, featured_only), build,
                                               shared_timeout=settings.ARTICLE_PAGE_CACHE_SECONDS)


def remember_owners(*, article: Article, generation: str, view: CommentsView) -> None:
    """The list just read holds every live comment it could show (not cut short): keep `owners` from it, so
    the page that rendered it asks no second query. A featured-only list keeps its own entry."""
    if (view.shown if view.featured_only else view.total) >= COMMENTS_ON_PAGE:
        return
    found = {c.pk: (c.reader_id, c.created_at) for t in view.threads for c in (t.comment, *t.replies)
             if c.status == CommentStatus.VISIBLE}
    local_cache.versioned.get_or_shared(_owners_key(article, generation, view.featured_only), lambda: found,
                                        shared_timeout=settings.ARTICLE_PAGE_CACHE_SECONDS)


def counts_for(article_ids: list[int]) -> dict[int, int]:
    """Visible comments per article, for cards (one query)."""
    rows = (Comment.objects.filter(article_id__in=article_ids, status=CommentStatus.VISIBLE)
            .values("article_id").annotate(n=Count("pk")).values_list("article_id", "n"))
    return dict(rows)


def recent_for_moderator(*, author_id: int | None, article_id: int | None = None, limit: int = 20) -> list[Comment]:
    """The newest comments on an author's articles (None: the whole site's), or on one article, for the author's
    dashboard: waiting, shown and hidden ones (not those removed or deleted), with their open reports counted.
    Only the article's author and staff see it, and they may read every comment on it. One query."""
    shown = Comment.objects.filter(status__in=[CommentStatus.PENDING, CommentStatus.VISIBLE, CommentStatus.HIDDEN])
    if article_id is not None:
        shown = shown.filter(article_id=article_id)
    elif author_id is not None:
        shown = shown.filter(article__author_id=author_id)
    return list(shown.select_related("reader", "article").defer(
        "article__body_markdown", "article__locked_html", "article__preview_html")
        .annotate(open_reports=Count("reports", filter=Q(reports__resolved=False)))
        .order_by("-created_at", "-pk")[:limit])


def open_reports(*, limit: int = 100):
    return Comment.objects.filter(reports__resolved=False).distinct().select_related("article", "reader")[:limit]


def _visible_count(**extra):
    rows = (Comment.objects.filter(article=OuterRef("pk"), status=CommentStatus.VISIBLE, **extra)
            .order_by().values("article").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


# Read with the article's stamp (articles.selectors.STAMP_ANNOTATIONS), so the page needs no query to know
# who may comment, and none at all for the list when there is nothing to show.
STAMP_ANNOTATIONS = {
    "comments_policy": lambda: Coalesce(
        Subquery(ArticleCommentPolicy.objects.filter(article=OuterRef("pk")).values("policy")[:1]),
        Subquery(AuthorCommentSettings.objects.filter(author=OuterRef("author_id")).values("default_policy")[:1]),
        Value(str(DEFAULT_POLICY)), output_field=CharField()),
    "comments_visible": lambda: _visible_count(),
    "comments_featured": lambda: _visible_count(featured=True),
    "comments_liked": lambda: Exists(Like.objects.filter(comment__article=OuterRef("pk"))),
}


def _liked_key(article: Article, generation: str, reader_id: Any) -> str:
    return f"comments:liked:{article.pk}:{generation}:{reader_id}"


def liked_by(*, article: Article, generation: str, reader: Any) -> frozenset[int]:
    """The comments on the article this reader likes, for the per-reader "Like" button on a shared page:
    no query where the stamp says nobody likes any comment there, else one per reader and parts generation
    (every like replaces it)."""
    if getattr(article, "comments_liked", True) is False:
        return frozenset()
    return local_cache.versioned.get_or_shared(
        _liked_key(article, generation, reader.pk),
        lambda: frozenset(Like.objects.filter(comment__article=article, reader_id=reader.pk)
                          .values_list("comment_id", flat=True)),
        shared_timeout=settings.ARTICLE_PAGE_CACHE_SECONDS)


def _count_on_card():
    # What every reader of a listing may read: all visible comments of a free article (the access decision
    # opens it to everyone), only the featured ones (精选) of any other. No reader enters into it, so the
    # cached card is right for all.
    return Case(When(visibility=Visibility.FREE, then=_visible_count()), default=_visible_count(featured=True),
                output_field=IntegerField())


# Read with the listing (articles.selectors.CARD_ANNOTATIONS): the comment count on article cards.
CARD_ANNOTATIONS = {"comments_on_card": _count_on_card}
