"""Demo figures for the dashboard: a month of view counts, and a few real purchases (one undone) by
demo buyers, made through the product's services. Safe to run twice: counter rows are set, not added,
and every purchase, top-up and undo is keyed."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from byline.articles.models import Article, Visibility
from byline.dashboard.models import ArticleDay
from byline.payments.services import credit_wallet
from byline.purchases.errors import PurchaseRefused
from byline.purchases.services import undo_purchase, unlock_with_wallet

DEMO_DAYS = 30
# Each buyer deals in one currency (byline/pricing): the first money in settles it, so the yuan buyer is
# funded in yuan first. Authors then earn in both currencies.
BUYERS = ("demo-buyer-1", "demo-buyer-2", "demo-buyer-3")
BUYER_FUNDS = {"demo-buyer-1": {"USD": 2000}, "demo-buyer-2": {"CNY": 15000}, "demo-buyer-3": {"USD": 2000}}


def _demo_counts(article_id: int, offset: int) -> tuple[int, int]:
    """Deterministic, plausible daily counts: a weekly rhythm and a different level per article."""
    views = 12 + (article_id * 7) % 23 + (offset * 5 + article_id) % 9 + (8 if offset % 7 in (0, 6) else 0)
    return views, views * 3 // 4


def _shopping_list(paid: list[Article], buyer_number: int) -> list[Article]:
    """Every buyer buys each author's first paid article; the first two buyers also their second."""
    by_author: dict[int, list[Article]] = {}
    for article in paid:
        by_author.setdefault(article.author_id, []).append(article)
    return [article for articles in by_author.values() for article in articles[:1 if buyer_number == 2 else 2]]


def load_demo_dashboard() -> None:
    paid = list(Article.objects.published().exclude(visibility=Visibility.FREE).filter(price_minor__gt=0)
                .select_related("author").order_by("pk"))
    today = timezone.localdate()
    rows = []
    for article in paid:
        for offset in range(DEMO_DAYS):
            views, paywall = _demo_counts(article.pk, offset)
            rows.append(ArticleDay(article=article, day=today - dt.timedelta(days=offset), preview_views=views,
                                   paywall_impressions=paywall))
    ArticleDay.objects.bulk_create(rows, update_conflicts=True, unique_fields=["article", "day"],
                                   update_fields=["preview_views", "paywall_impressions"])
    User = get_user_model()
    for number, username in enumerate(BUYERS):
        buyer, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@byline.local"})
        if created:
            buyer.set_unusable_password()
            buyer.save(update_fields=["password"])
        for currency, amount in BUYER_FUNDS[username].items():
            credit_wallet(reader=buyer, amount_minor=amount, currency=currency,
                          key=f"demo-buyer-wallet:{username}:{currency}", memo="demo top-up")
        for article in _shopping_list(paid, number):
            try:
                purchase = unlock_with_wallet(reader=buyer, article=article,
                                              idempotency_key=f"demo-buy-{article.slug}"[:100])
            except PurchaseRefused:
                continue
            if number == 0 and article is paid[0]:
                try:
                    undo_purchase(reader=buyer, purchase_id=purchase.pk)
                except PurchaseRefused:
                    pass  # a re-run after the undo window: it was undone the first time
