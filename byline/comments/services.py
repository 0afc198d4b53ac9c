"""Writing comments, and moderating them. Every write moves the article's parts generation on
(`articles.page_cache.parts_changed`), so cached pages show the change at once.

Refusals raise `CommentRefused` with a message for the reader; nothing is written then.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from byline.access.decision import Access
from byline.articles import page_cache
from byline.articles.models import Article, Author
from byline.comments import selectors
from byline.comments.markup import render_comment
from byline.comments.models import (
    ArticleCommentPolicy,
    AuthorCommentSettings,
    Block,
    Comment,
    CommentStatus,
    Like,
    Policy,
    Report,
)
from byline.core.ratelimit import count_request
from byline.core.text_input import TextRefused, has_visible_text, normalise_text

MAX_LENGTH = 4000
INVISIBLE_ONLY = _("Your comment has only invisible characters (spaces, line breaks or formatting marks). Please "
                   "write something first.")
EMPTY_LINK = _("A link in your comment has no words to click: write them between the brackets, as in "
               "[the report](https://example.org).")
# A link as nh3 leaves it (no nesting, attributes quoted), and what it shows.
_RENDERED_LINK = re.compile(r"<a\b[^>]*>(.*?)</a>", re.S)

# Called once a new comment is committed (comment -> None), e.g. to notify the author, or the writer of the
# comment a reply answers. Apps above this one register in their AppConfig.ready; a listener that fails is
# logged by Django's robust on_commit and does not undo the comment.
ON_NEW_COMMENT: list[Callable[[Comment], None]] = []


class CommentRefused(Exception):
    def __init__(self, message, *, code: str = "refused", retry_after_s: int | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.retry_after_s = retry_after_s


def _clean_body(body: str) -> tuple[str, str]:
    """(the comment's Markdown, its HTML), or CommentRefused where there is nothing a reader would see."""
    try:
        text = normalise_text(body or "").strip()
    except TextRefused as refused:
        raise CommentRefused(str(refused), code="invalid") from None
    if not text:
        raise CommentRefused(_("Please write something first."), code="invalid")
    if not has_visible_text(text):
        raise CommentRefused(INVISIBLE_ONLY, code="invalid")
    if len(text) > MAX_LENGTH:
        raise CommentRefused(_("Please keep a comment under %(limit)d characters.") % {"limit": MAX_LENGTH},
                             code="invalid")
    body_html = render_comment(text)
    # What shows is the rendered text: "&#8203;", an empty link or "**​**" are visible only as typed.
    if not has_visible_text(html.unescape(strip_tags(body_html))):
        raise CommentRefused(INVISIBLE_ONLY, code="invalid")
    # A link no one can see beside visible words ("hello [](https://spam)") is a hidden link: refused too.
    if any(not has_visible_text(html.unescape(strip_tags(shown))) for shown in _RENDERED_LINK.findall(body_html)):
        raise CommentRefused(EMPTY_LINK, code="invalid")
    return text, body_html


def _count(reader: Any, address: str) -> None:
    window = settings.COMMENT_RATE_WINDOW_S
    for scope, key, limit in (("comment-reader", str(reader.pk), settings.COMMENT_RATE_PER_READER),
                              ("comment-address", address or "unknown", settings.COMMENT_RATE_PER_ADDRESS)):
        wait = count_request(scope, key, limit=limit, window=window)
        if wait is not None:
            raise CommentRefused(_("You are commenting faster than we allow. Please wait a few minutes."),
                                 code="rate", retry_after_s=wait)


def post_comment(*, reader: Any, article: Article, access: Access, body: str, address: str,
                 parent_id: int | None = None) -> Comment:
    """Write a comment (or a reply to one) as `reader`, who got `access` from `decide` for this article.

    Replies are one level deep: a reply to a reply joins its comment's thread."""
    if not getattr(reader, "is_authenticated", False):
        raise CommentRefused(_("Please log in to comment."), code="login")
    if not article.is_live:
        raise CommentRefused(_("Comments are closed on this article."), code="closed")
    policy = selectors.policy_of(article)
    if policy == Policy.OFF:
        raise CommentRefused(_("Comments are closed on this article."), code="closed")
    if not selectors.policy_allows(policy, reader=reader, access=access):
        raise CommentRefused(_("Only readers of the whole article may comment on it."), code="readers")
    if selectors.is_blocked(reader=reader, article=article):
        raise CommentRefused(_("The author does not take comments from you."), code="blocked")
    text, body_html = _clean_body(body)
    parent = None
    if parent_id is not None:
        parent = Comment.objects.filter(pk=parent_id, article=article).first()
        if parent is None or parent.status not in (CommentStatus.VISIBLE,):
            raise CommentRefused(_("That comment is no longer there to reply to."), code="parent")
        if parent.parent_id is not None:
            parent = Comment.objects.get(pk=parent.parent_id)
        if not access.allowed and not parent.featured:
            raise CommentRefused(_("That comment is no longer there to reply to."), code="parent")
    _count(reader, address)
    status = CommentStatus.PENDING if _needs_approval(reader, article) else CommentStatus.VISIBLE
    with transaction.atomic():
        comment = Comment.objects.create(article=article, reader=reader, parent=parent, body_markdown=text,
                                         body_html=body_html, status=status)
        page_cache.parts_changed(article.slug)
        for listener in ON_NEW_COMMENT:
            transaction.on_commit(lambda listener=listener: listener(comment), robust=True)
    return comment


def _needs_approval(reader: Any, article: Article) -> bool:
    """Whether the author wants to approve this reader's first comment, and this is it (a reader with a comment
    the author let show is trusted on all their articles)."""
    if selectors.is_moderator(reader, article):
        return False
    if not AuthorCommentSettings.objects.filter(author_id=article.author_id, approve_first=True).exists():
        return False
    return not Comment.objects.filter(reader=reader, article__author_id=article.author_id,
                                      status=CommentStatus.VISIBLE).exists()


def edit_deadline_of(created_at: dt.datetime) -> dt.datetime:
    return created_at + dt.timedelta(seconds=settings.COMMENT_EDIT_SECONDS)


def edit_deadline(comment: Comment) -> dt.datetime:
    return edit_deadline_of(comment.created_at)


def _own(reader: Any, comment_id: int) -> Comment:
    comment = Comment.objects.filter(pk=comment_id, reader_id=reader.pk).select_related("article").first()
    if comment is None or comment.status != CommentStatus.VISIBLE:
        raise CommentRefused(_("There is no such comment of yours."), code="missing")
    return comment


def edit_comment(*, reader: Any, comment_id: int, body: str, now: dt.datetime | None = None) -> Comment:
    """Change the reader's own comment, within COMMENT_EDIT_SECONDS of writing it; a featured one is no
    longer featured."""
    comment = _own(reader, comment_id)
    if (now or timezone.now()) > edit_deadline(comment):
        raise CommentRefused(_("A comment can only be changed in the first few minutes."), code="window")
    text, body_html = _clean_body(body)
    with transaction.atomic():
        comment.body_markdown, comment.body_html, comment.edited_at = text, body_html, timezone.now()
        # The author featured the words they read, for readers who may not read the article: new words are
        # not featured until the author chooses them again.
        comment.featured = False
        comment.save(update_fields=["body_markdown", "body_html", "edited_at", "featured"])
        page_cache.parts_changed(comment.article.slug)
    return comment


def delete_own_comment(*, reader: Any, comment_id: int) -> Comment:
    comment = _own(reader, comment_id)
    with transaction.atomic():
        comment.status = CommentStatus.DELETED
        comment.save(update_fields=["status"])
        page_cache.parts_changed(comment.article.slug)
    return comment


class Action:
    HIDE, SHOW, REMOVE, FEATURE, UNFEATURE, PIN, UNPIN = "hide", "show", "remove", "feature", "unfeature", "pin", \
        "unpin"
    ALL = (HIDE, SHOW, REMOVE, FEATURE, UNFEATURE, PIN, UNPIN)


def moderate(*, moderator: Any, comment_id: int, action: str) -> Comment:
    """The article's author or staff: hide (and show again), remove, feature (精选), pin."""
    comment = Comment.objects.filter(pk=comment_id).select_related("article__author").first()
    if comment is None or comment.status in (CommentStatus.REMOVED, CommentStatus.DELETED):
        raise CommentRefused(_("That comment is no longer there."), code="missing")
    if not selectors.is_moderator(moderator, comment.article):
        raise CommentRefused(_("Only the author and staff may do that."), code="forbidden")
    changes: dict[str, Any] = {
        Action.HIDE: {"status": CommentStatus.HIDDEN, "featured": False},
        Action.SHOW: {"status": CommentStatus.VISIBLE},
        Action.REMOVE: {"status": CommentStatus.REMOVED, "featured": False, "pinned": False},
        Action.FEATURE: {"featured": True},
        Action.UNFEATURE: {"featured": False},
        Action.PIN: {"pinned": True},
        Action.UNPIN: {"pinned": False},
    }.get(action)
    if changes is None:
        raise CommentRefused(_("That is not something a moderator can do."), code="invalid")
    if action in (Action.FEATURE, Action.PIN) and comment.status != CommentStatus.VISIBLE:
        raise CommentRefused(_("Show the comment again first."), code="hidden")
    approved = action == Action.SHOW and comment.status == CommentStatus.PENDING
    with transaction.atomic():
        for name, value in changes.items():
            setattr(comment, name, value)
        comment.save(update_fields=list(changes))
        if action == Action.REMOVE:
            Report.objects.filter(comment=comment).update(resolved=True)
        page_cache.parts_changed(comment.article.slug)
        if approved:
            # A comment that waited for approval is new to everyone but the author now: a reply approved later
            # tells the writer of the comment it answers. Listeners tell each reader once (the author already knew).
            for listener in ON_NEW_COMMENT:
                transaction.on_commit(lambda listener=listener: listener(comment), robust=True)
    return comment


def report_comment(*, reader: Any, comment_id: int, reason: str = "") -> Report:
    """A reader tells staff and the author that a comment should not be there. Once per reader and comment."""
    comment = Comment.objects.filter(pk=comment_id, status=CommentStatus.VISIBLE).first()
    if comment is None:
        raise CommentRefused(_("That comment is no longer there."), code="missing")
    try:
        reason = normalise_text(reason or "").strip()[:500]
    except TextRefused as refused:
        raise CommentRefused(str(refused), code="invalid") from None
    try:
        with transaction.atomic():
            return Report.objects.create(comment=comment, reporter=reader, reason=reason)
    except IntegrityError:
        return Report.objects.get(comment=comment, reporter=reader)


def block_reader(*, author_user: Any, reader_id: int) -> Block:
    """The author no longer takes comments from this reader, on any of their articles."""
    author = Author.objects.filter(user_id=author_user.pk).first()
    if author is None:
        raise CommentRefused(_("Only authors can block readers."), code="forbidden")
    if reader_id == author_user.pk:
        raise CommentRefused(_("You cannot block yourself."), code="invalid")
    block, _created = Block.objects.get_or_create(author=author, reader_id=reader_id)
    return block


def unblock_reader(*, author_user: Any, reader_id: int) -> None:
    Block.objects.filter(author__user_id=author_user.pk, reader_id=reader_id).delete()


def set_default_policy(*, author: Author, policy: str, approve_first: bool | None = None) -> None:
    defaults: dict[str, Any] = {"default_policy": Policy(policy)}
    if approve_first is not None:
        defaults["approve_first"] = approve_first
    AuthorCommentSettings.objects.update_or_create(author=author, defaults=defaults)
    for slug in Article.objects.filter(author=author).values_list("slug", flat=True):
        page_cache.parts_changed(slug)


def set_article_policy(*, article: Article, policy: str | None) -> None:
    """`policy` None: the article follows its author's default again."""
    if policy:
        ArticleCommentPolicy.objects.update_or_create(article=article, defaults={"policy": Policy(policy)})
    else:
        ArticleCommentPolicy.objects.filter(article=article).delete()
    page_cache.parts_changed(article.slug)


def like_comment(*, reader: Any, comment: Comment) -> bool:
    """The reader likes a comment, once: a second like changes nothing (False). The caller has checked, with
    the access decision, that the reader may read the comment (`views._readable_comment`)."""
    if not getattr(reader, "is_authenticated", False) or comment.status != CommentStatus.VISIBLE:
        raise CommentRefused(_("That comment is no longer there."), code="missing")
    if comment.reader_id == reader.pk:
        raise CommentRefused(_("Your own comments are not yours to like."), code="own")
    try:
        with transaction.atomic():
            Like.objects.create(comment=comment, reader=reader)
            Comment.objects.filter(pk=comment.pk).update(like_count=F("like_count") + 1)
            page_cache.parts_changed(comment.article.slug)
    except IntegrityError:
        return False
    return True


def unlike_comment(*, reader: Any, comment: Comment) -> bool:
    """The reader takes back their like; False when there was none (a second press, another tab). The count
    is lowered in the same transaction as the like is deleted, so it never counts a like that is gone."""
    if not getattr(reader, "is_authenticated", False):
        raise CommentRefused(_("That comment is no longer there."), code="missing")
    with transaction.atomic():
        deleted, _kinds = Like.objects.filter(comment=comment, reader_id=reader.pk).delete()
        if not deleted:
            return False
        Comment.objects.filter(pk=comment.pk, like_count__gt=0).update(like_count=F("like_count") - 1)
        page_cache.parts_changed(comment.article.slug)
    return True
