"""The demo's audience: the demo reader follows the first demo author, address confirmed, so publishing as
that author in the demo sends a newsletter (written to var/mail/, listed at /<lang>/mail/)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from byline.articles.models import Author
from byline.audience import services
from byline.audience.models import ListKind


def load_demo_audience(*, reader_username: str, author_slug: str = "lanqiao") -> None:
    reader = get_user_model().objects.get(username=reader_username)
    author = Author.objects.filter(slug=author_slug).first() or Author.objects.order_by("pk").first()
    if author is None:
        return
    subscriber = services.subscriber_of_user(reader, language="en")
    if subscriber.confirmed_at is None:
        subscriber.confirmed_at = timezone.now()  # the demo's own address: confirmed, so mail flows at once
        subscriber.save(update_fields=["confirmed_at"])
    services.follow(user=reader, kind=ListKind.AUTHOR, author=author)
