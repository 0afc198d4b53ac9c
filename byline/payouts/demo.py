"""Demo payouts: each demo author has a payout method, earnings old enough to be available (sales, and a
membership pool share for one of them), and a payout history, all made through the product's services. The
history is then dated back (sales 40 days, payouts 30 days), as if the demo site had been running for a while:
the only thing done here that the product never does. Safe to run twice: every purchase and payout is keyed,
and only rows made by this run are dated back."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import F, Q
from django.utils import timezone

from byline.articles.models import Article, Author, Visibility
from byline.ledger.models import Transfer
from byline.payments.services import credit_wallet
from byline.payouts import services
from byline.payouts.models import MethodStatus, Payout, PayoutMethod
from byline.payouts.providers import offered, sandbox
from byline.pricing.selectors import plan_price
from byline.purchases import memberships
from byline.purchases.errors import PurchaseRefused
from byline.purchases.models import MembershipPlan, PoolClose, Purchase
from byline.purchases.services import unlock_with_wallet

PATRONS = 3
POOL_AUTHOR = "suwanqing"  # the patrons are also members who read her: her CNY earnings come mostly from the pool
SALES_AGO, PAYOUTS_AGO = dt.timedelta(days=40), dt.timedelta(days=30)
# author: (currency, provider, schedule, payout in minor units); bank details for the bank transfer.
PLANS = {
    "dreyes": [("USD", "sandbox", "monthly", 1000)],
    "lanqiao": [("EUR", "sandbox", "request", 2000), ("USD", "sandbox", "request", 0),
                ("CNY", "sandbox", "request", 0)],
    "suwanqing": [("CNY", "bank", "request", 10000)],
}
BANK = {"holder_name": "苏婉清", "bank_details": "中国银行 北京分行\n6217 0000 0000 0000 000"}


def load_demo_payouts() -> None:
    started = timezone.now()
    _patrons_buy_everything()
    _date_back(Transfer.objects.filter(Q(purchase__isnull=False) | Q(pool_close__isnull=False),
                                       created_at__gte=started), SALES_AGO)
    _date_back(Purchase.objects.filter(created_at__gte=started), SALES_AGO, field="created_at")
    _date_back(PoolClose.objects.filter(closed_at__gte=started), SALES_AGO, field="closed_at")
    for author in Author.objects.filter(user__username__in=PLANS).select_related("user"):
        for currency, provider, schedule, amount in PLANS[author.user.username]:
            if provider not in offered(currency):
                continue  # a production-mode demo (make cluster) offers no sandbox payouts
            method = _method(author.user, currency=currency, provider=provider, schedule=schedule)
            if amount and method.status == MethodStatus.READY:
                payout = services.request_payout(writer=author.user, currency=currency, amount_minor=amount,
                                                 idempotency_key=f"demo-payout-{currency}")
                services.send_payout(payout=payout)
    new = Payout.objects.filter(created_at__gte=started)
    transfers = [t for p in new for t in (p.debit_id, p.settlement_id) if t]
    _date_back(Transfer.objects.filter(pk__in=transfers), PAYOUTS_AGO)
    new.update(created_at=F("created_at") - PAYOUTS_AGO, sent_at=F("sent_at") - PAYOUTS_AGO)
    new.filter(paid_at__isnull=False).update(paid_at=F("paid_at") - PAYOUTS_AGO)


def _patrons_buy_everything() -> None:
    paid = list(Article.objects.published().exclude(visibility=Visibility.FREE).filter(price_minor__gt=0)
                .select_related("author").order_by("pk"))
    User = get_user_model()
    for number in range(PATRONS):
        username = f"demo-patron-{number + 1}"
        patron, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@byline.local"})
        if created:
            patron.set_unusable_password()
            patron.save(update_fields=["password"])
        for currency in {article.currency for article in paid}:
            need = sum(article.price_minor for article in paid if article.currency == currency)
            credit_wallet(reader=patron, amount_minor=need, currency=currency,
                          key=f"demo-patron-wallet:{username}:{currency}", memo="demo top-up")
        for article in paid:
            try:
                # In the article's own currency: each author's earnings then show in the currency they priced in.
                unlock_with_wallet(reader=patron, article=article, currency=article.currency,
                                   idempotency_key=f"demo-patron-{article.slug}"[:100])
            except PurchaseRefused:
                continue
        plan = MembershipPlan.objects.filter(interval="month", active=True).order_by("pk").first()
        if plan is None:
            continue
        credit_wallet(reader=patron, amount_minor=plan_price(plan, "CNY"), currency="CNY",
                      key=f"demo-patron-membership:{username}", memo="demo top-up")
        try:
            memberships.join_with_wallet(reader=patron, plan=plan, currency="CNY",
                                         idempotency_key="demo-patron-membership")
        except PurchaseRefused:
            pass  # a member already
        for article in Article.objects.published().filter(author__user__username=POOL_AUTHOR).exclude(
                visibility=Visibility.FREE):
            memberships.record_member_read(reader=patron, article=article)
    memberships.close_pool_period(currency="CNY")


def _method(user, *, currency: str, provider: str, schedule: str) -> PayoutMethod:
    method = PayoutMethod.objects.filter(writer=user, currency=currency).exclude(status=MethodStatus.REMOVED).first()
    if method is not None:
        return method
    details = BANK if provider == "bank" else {}
    method = services.set_up_method(writer=user, provider=provider, currency=currency, schedule=schedule, **details)
    if provider == "sandbox":
        services.start_onboarding(method=method, return_url="/", state="demo")
        method.refresh_from_db()
        sandbox.complete_onboarding(ref=method.account_ref)
        method = services.refresh_method(method=method)
    return method


def _date_back(queryset, delta: dt.timedelta, *, field: str = "created_at") -> None:
    queryset.update(**{field: F(field) - delta})
