"""Reads for followers, subscribers, newsletters and notifications."""

from __future__ import annotations

import html
import secrets
from collections.abc import Iterator
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator

from byline.accounts.backends import cache_name
from byline.articles.models import Article, Author
from byline.audience.models import (
    Delivery,
    DeliveryState,
    ListKind,
    Newsletter,
    Notification,
    Subscriber,
    Subscription,
)
from byline.core import forgetting, read_ahead
from byline.gifts.models import GiftState

STATE_CACHE_SECONDS = 7 * 24 * 3600
# One entry for the whole site: a fresh token each time notifications go out to followers (a publish). A
# reader's cached state names the token it was read under, and counts only while that token stands, so a
# publish to 30,000 followers writes this one entry instead of one per follower (the file cache of the
# embedded default scans its folder on every write). Comments and gifts tell a few readers, who are
# forgotten one by one.
NOTIFIED_KEY = "audience:notified"


def state_key(user_id: Any) -> str:
    return state_key_for_name(cache_name(user_id))


def state_key_for_name(name: str) -> str:
    """Named by the reader's cache name (accounts/backends.py), so an article page can read it ahead."""
    return f"audience:state:{name}"


# Kept for the callers that name what they forget; both live in the one state entry.
follows_key = unread_key = state_key


def notifications_went_out() -> None:
    """Every reader's cached unread count is out of date: the next page of each reads it again (one query)."""
    cache.set(NOTIFIED_KEY, secrets.token_hex(8), None)


def _state_from_database(user_id: int) -> tuple[frozenset[str], int]:
    """What the reader follows and how many notifications are unread, in one query (UNION ALL)."""
    subscriptions, notifications = Subscription._meta.db_table, Notification._meta.db_table
    subscribers = Subscriber._meta.db_table
    sql = (f'SELECT s.kind, s.author_id, s.topic_id FROM "{subscriptions}" s '
           f'JOIN "{subscribers}" r ON r.id = s.subscriber_id WHERE r.user_id = %s '
           f'UNION ALL SELECT \'unread\', COUNT(*), NULL FROM "{notifications}" n '
           f'WHERE n.user_id = %s AND n.read_at IS NULL')
    follows, unread = set(), 0
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, user_id])
        for kind, author_id, topic_id in cursor.fetchall():
            if kind == "unread":
                unread = int(author_id)
            elif kind == ListKind.AUTHOR:
                follows.add(f"author:{author_id}")
            elif kind == ListKind.TOPIC:
                follows.add(f"topic:{topic_id}")
            else:
                follows.add("site")
    return frozenset(follows), unread


def audience_state(user: Any) -> tuple[frozenset[str], int]:
    """(what a signed-in reader follows, their unread notifications), from one cache entry read together with
    NOTIFIED_KEY (one round trip; an article page reads both ahead): the follow button and the bell are on
    every page, so a page asks no query while the entry stands. It is filled at log-in (signals.py) and on a
    miss, forgotten by this reader's follows, unfollows, comment and gift notifications and "read", and
    out of date for everyone once a publish notified followers (read again on each reader's next page)."""
    key = state_key(user.pk)
    found = read_ahead.get_many([key, NOTIFIED_KEY])
    notified = found.get(NOTIFIED_KEY)
    state = forgetting.live(found.get(key))
    if state is not None and len(state) == 3 and state[2] == notified:
        return state[0], state[1]
    if state is not None:
        # Deleted before the rows are read, so a follow committing meanwhile still wins: its tombstone
        # comes after this delete, and `remember` never writes over it (core.forgetting).
        cache.delete(key)
    follows, unread = _state_from_database(user.pk)
    # Under the token read before the rows: a publish committing meanwhile leaves it out of date.
    forgetting.remember(key, (follows, unread, notified), STATE_CACHE_SECONDS)
    return follows, unread


def followed_lists(user: Any) -> frozenset[str]:
    """What a signed-in reader follows: "author:3", "topic:2", "site"."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return audience_state(user)[0]


def unread_count(user: Any) -> int:
    """The bell's number."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return audience_state(user)[1]


EXCERPT_CHARS = 90


def notifications_for(user: Any, limit: int = 50) -> list[Notification]:
    """The reader's latest notifications, those about comments described by `describe_comment_notes`, those
    about paid gifts by `describe_paid_gift_notes`. A gift taken back is not listed (its notification is
    deleted then; this holds even if that failed)."""
    notes = list(Notification.objects.filter(user_id=user.pk)
                 .exclude(paid_gift__state=GiftState.REFUNDED)
                 .select_related("article", "article__author", "comment", "comment__reader",
                                 "paid_gift", "paid_gift__article", "paid_gift__collection", "paid_gift__author",
                                 "paid_gift__plan")
                 .defer("article__locked_html", "article__body_markdown", "comment__body_markdown",
                        "paid_gift__article__locked_html", "paid_gift__article__body_markdown")[:limit])
    describe_comment_notes(user, notes)
    describe_paid_gift_notes(user, notes)
    return notes


def describe_paid_gift_notes(user: Any, notes: list[Notification]) -> None:
    """Give each notification about a paid gift `claim_url` (the gift's claim page, which holds its secret)
    only while the gift waits to be claimed and its address is still one `user` proved is theirs; else ""."""
    from byline.accounts.selectors import same_address

    about_gifts = [note for note in notes if note.paid_gift_id is not None]
    if not about_gifts:
        return
    from allauth.account.models import EmailAddress

    verified = list(EmailAddress.objects.filter(user_id=user.pk, verified=True).values_list("email", flat=True))
    for note in about_gifts:
        gift = note.paid_gift
        mine = gift.state == GiftState.PAID and any(same_address(gift.recipient_email, e) for e in verified)
        note.claim_url = reverse("gifts:claim", args=[gift.token]) if mine else ""


def describe_comment_notes(user: Any, notes: list[Notification]) -> None:
    """Give each notification about a comment `writer` (who wrote it) and, only where `user` may read that
    comment now, `excerpt`: the access decision for its article (`readable_ids`, one batch), else a featured
    comment, which everyone may read. Nothing of a comment is stored with the notification, so a reader who
    lost access since (a refund) is shown only the name and the title, on the page and in the e-mail."""
    from byline.access.decision import readable_ids
    from byline.comments.models import CommentStatus

    about_comments = [note for note in notes if note.comment_id is not None]
    readable = readable_ids(user, {note.article_id: note.article for note in about_comments}.values())
    for note in about_comments:
        comment = note.comment
        note.writer = comment.reader.get_full_name() or comment.reader.username
        may_read = note.article_id in readable or comment.featured
        note.excerpt = (Truncator(html.unescape(strip_tags(comment.body_html)).strip()).chars(EXCERPT_CHARS)
                        if may_read and comment.status == CommentStatus.VISIBLE else "")


def subscriber_for_user(user: Any) -> Subscriber | None:
    return Subscriber.objects.filter(user_id=user.pk).first()


def list_members(*, kind: str, author: Author | None = None) -> QuerySet[Subscription]:
    """An author's (or the publication's) one list: followers and e-mail subscribers together."""
    members = Subscription.objects.filter(kind=kind).select_related("subscriber", "subscriber__user")
    if kind == ListKind.AUTHOR:
        members = members.filter(author=author)
    return members.order_by("-created_at", "-id")


def iter_list_members(*, kind: str, author: Author | None = None) -> Iterator[Subscription]:
    return list_members(kind=kind, author=author).iterator(chunk_size=2000)


def recipients_of(article: Article) -> QuerySet[Subscriber]:
    """Every address that gets `article` as it is published: on the author's, the topic's or the whole
    publication's list, agreed to that list, address confirmed, mail not stopped or suppressed, and
    wanting each new article (digest readers get it in their digest)."""
    lists = (Q(subscriptions__kind=ListKind.AUTHOR, subscriptions__author_id=article.author_id)
             | Q(subscriptions__kind=ListKind.TOPIC, subscriptions__topic_id=article.topic_id)
             | Q(subscriptions__kind=ListKind.SITE))
    return (Subscriber.objects.filter(lists, subscriptions__confirmed_at__isnull=False)
            .filter(email__isnull=False, confirmed_at__isnull=False, stopped_at__isnull=True,
                    suppressed_at__isnull=True, frequency="each")
            .exclude(email="").distinct())


def follower_user_ids(article: Article) -> QuerySet:
    """Signed-in followers of anything `article` belongs to: they get a notification on the site."""
    lists = (Q(subscriptions__kind=ListKind.AUTHOR, subscriptions__author_id=article.author_id)
             | Q(subscriptions__kind=ListKind.TOPIC, subscriptions__topic_id=article.topic_id)
             | Q(subscriptions__kind=ListKind.SITE))
    return (Subscriber.objects.filter(lists, user__isnull=False, user__is_active=True)
            .exclude(user_id=article.author.user_id).values_list("user_id", flat=True).distinct())


def newsletter_figures(*, author: Author) -> list[dict[str, Any]]:
    """Per newsletter of `author`: recipients, sent, refused, still waiting, how many got the full text, what
    the e-mail service said later (delivered, bounced; nothing with plain SMTP), who stopped their e-mail,
    who followed a link (once per recipient and link), and the unlocks that followed a click. No tracking
    pixel: opens are not counted."""
    rows = list(Newsletter.objects.filter(article__author=author).select_related("article")
                .defer("article__locked_html", "article__body_markdown")
                .annotate(sent=Count("deliveries", filter=Q(deliveries__state=DeliveryState.SENT)),
                          failed=Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED)),
                          waiting=Count("deliveries", filter=Q(deliveries__state=DeliveryState.PENDING)),
                          full=Count("deliveries", filter=Q(deliveries__copy="full")),
                          delivered=Count("deliveries", filter=Q(deliveries__outcome="delivered")),
                          bounced=Count("deliveries", filter=Q(deliveries__outcome__in=("bounced", "rejected"))),
                          # Recipients who stopped their e-mail after this newsletter came (any later one too).
                          stopped=Count("deliveries", filter=Q(deliveries__state=DeliveryState.SENT,
                                                               deliveries__subscriber__stopped_at__gte=F("queued_at"))))
                .order_by("-queued_at")[:50])
    clicks = click_figures([n.pk for n in rows])
    return [{"newsletter": n, "sent": n.sent, "failed": n.failed, "waiting": n.waiting, "full": n.full,
             "delivered": n.delivered, "bounced": n.bounced, "stopped": n.stopped,
             **clicks.get(n.pk, {"clicked": 0, "clicks": 0, "unlocks": 0})} for n in rows]


def click_figures(newsletter_ids: list[int]) -> dict[int, dict[str, int]]:
    """{newsletter id: {"clicked": recipients who followed a link, "clicks": (recipient, link) pairs,
    "unlocks": purchases of the newsletter's article by a recipient with an account, made after their first
    click and within NEWSLETTER_ATTRIBUTION_DAYS of it}}. Three queries whatever the number of newsletters."""
    import datetime as dt

    from django.conf import settings
    from django.db.models import Min

    from byline.audience.models import Click
    from byline.purchases.models import Purchase

    if not newsletter_ids:
        return {}
    figures: dict[int, dict[str, int]] = {}
    for row in (Click.objects.filter(delivery__newsletter_id__in=newsletter_ids)
                .values("delivery__newsletter_id")
                .annotate(clicks=Count("id"), clicked=Count("delivery", distinct=True))):
        figures[row["delivery__newsletter_id"]] = {"clicks": row["clicks"], "clicked": row["clicked"], "unlocks": 0}
    first_clicks = list(Click.objects.filter(delivery__newsletter_id__in=newsletter_ids,
                                             delivery__subscriber__user__isnull=False)
                        .values("delivery__newsletter_id", "delivery__article_id", "delivery__subscriber__user_id")
                        .annotate(first=Min("created_at")))
    if not first_clicks:
        return figures
    window = dt.timedelta(days=settings.NEWSLETTER_ATTRIBUTION_DAYS)
    bought: dict[tuple[int, int], list] = {}
    for reader_id, article_id, at in Purchase.objects.filter(
            reader_id__in={c["delivery__subscriber__user_id"] for c in first_clicks},
            article_id__in={c["delivery__article_id"] for c in first_clicks}).values_list(
            "reader_id", "article_id", "created_at"):
        bought.setdefault((reader_id, article_id), []).append(at)
    for click in first_clicks:
        times = bought.get((click["delivery__subscriber__user_id"], click["delivery__article_id"]), [])
        if any(click["first"] <= at <= click["first"] + window for at in times):
            figures[click["delivery__newsletter_id"]]["unlocks"] += 1
    return figures


def delivery_counts(newsletter_id: int) -> dict[str, int]:
    counts = dict(Delivery.objects.filter(newsletter_id=newsletter_id).values_list("state")
                  .annotate(n=Count("id")).values_list("state", "n"))
    return {state: counts.get(state, 0) for state in DeliveryState.values}


def digest_articles(*, subscriber: Subscriber, since: Any, now: Any) -> QuerySet[Article]:
    """Live articles on the subscriber's lists that went live in (since, now] and have not reached them yet.
    The locked part is never loaded: a digest shows titles and free teasers only."""
    from byline.articles.models import LIVE_STATUSES

    lists = Q()
    for subscription in subscriber.subscriptions.filter(confirmed_at__isnull=False):
        if subscription.kind == ListKind.AUTHOR:
            lists |= Q(author_id=subscription.author_id)
        elif subscription.kind == ListKind.TOPIC:
            lists |= Q(topic_id=subscription.topic_id)
        else:
            lists |= Q(pk__isnull=False)
    if not lists:
        return Article.objects.none()
    return (Article.objects.filter(lists, status__in=LIVE_STATUSES, published_at__gt=since, published_at__lte=now)
            .exclude(deliveries__subscriber=subscriber).select_related("author")
            .defer("locked_html", "body_markdown").order_by("-published_at"))


def recent_articles_of(*, author: Author, limit: int = 10) -> list[Article]:
    """The author's latest articles (drafts too), for previews and test sends."""
    from django.db.models import Exists, OuterRef

    return list(Article.objects.filter(author=author).defer("locked_html", "body_markdown")
                .annotate(sent_by_email=Exists(Newsletter.objects.filter(article=OuterRef("pk"))))
                .order_by("-updated_at")[:limit])
