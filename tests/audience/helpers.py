from __future__ import annotations

import uuid

from django.utils import timezone

from byline.audience import services
from byline.audience.models import Consent, ListKind, Subscriber, Subscription
from byline.purchases import services as purchases
from tests.conftest import make_article
from tests.ledger.conftest import fund


def confirmed_subscriber(email: str, *, author=None, user=None, language: str = "en", mail_format: str = "html",
                         kind: str = ListKind.AUTHOR) -> Subscriber:
    """An address on the author's list that confirmed it (what double opt-in ends in)."""
    now = timezone.now()
    subscriber = Subscriber.objects.create(email=email, user=user, language=language, mail_format=mail_format,
                                           confirmed_at=now)
    Subscription.objects.create(subscriber=subscriber, kind=kind, author=author if kind == ListKind.AUTHOR else None,
                                consent=Consent.DOUBLE_OPT_IN, confirmed_at=now)
    return subscriber


def fresh_article(author, **overrides):
    """A paid article that went live a moment ago (so it is news)."""
    return make_article(author=author, published_at=timezone.now(), **overrides)


def publish_and_send(article, *, limit: int = 200) -> int:
    newsletter = services.queue_newsletter(article_id=article.pk)
    assert newsletter is not None
    return services.send_newsletter(newsletter_id=newsletter.pk, limit=limit)


def buy(reader, article) -> None:
    fund(reader, 1000)
    purchases.unlock_with_wallet(reader=reader, article=article, idempotency_key=uuid.uuid4().hex)


def many_subscribers(addresses: list[str], *, author) -> None:
    """Confirmed e-mail subscribers of the author's list, made in two queries."""
    now = timezone.now()
    Subscriber.objects.bulk_create([Subscriber(email=a, confirmed_at=now) for a in addresses])
    Subscription.objects.bulk_create([
        Subscription(subscriber=s, kind=ListKind.AUTHOR, author=author, consent=Consent.DOUBLE_OPT_IN,
                     confirmed_at=now) for s in Subscriber.objects.filter(email__in=addresses)])
