"""A hypothesis run over random purchases, subscriptions, offers and trials, cancels, renewals, undos and the
clock moving on: nobody is charged more than the rules allow, the fair-price cap is never exceeded, every
entitlement the access decision gives has a live ledger reason (and every such reason gives one), and the
ledger balances."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F, Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from byline.access.decision import Reason, decide
from byline.ledger.invariants import assert_balanced
from byline.ledger.models import Transfer
from byline.purchases import services as purchases
from byline.purchases.errors import PurchaseRefused
from byline.purchases.models import Interval, Purchase, PurchaseStatus
from byline.subscriptions import fair_price, services
from byline.subscriptions.models import (
    AuthorSubscription,
    OfferKind,
    OfferTarget,
    Redemption,
    SubscriptionCharge,
    SubscriptionStatus,
)
from tests.conftest import make_article, make_author, make_user
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db

CAP, YEAR, PRICE, FUNDING = 500, 4000, 300, 3000


class SubscriptionMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        self.writers = [make_author() for _ in range(2)]
        for writer in self.writers:
            services.set_price(author=writer, interval=Interval.MONTH, currency="USD", price_minor=CAP)
            services.set_price(author=writer, interval=Interval.YEAR, currency="USD", price_minor=YEAR)
        self.articles = {w.pk: [make_article(author=w, price_minor=PRICE) for _ in range(3)] for w in self.writers}
        self.readers = [make_user() for _ in range(2)]
        self.funded = {r.pk: 0 for r in self.readers}
        self.offers = {w.pk: {
            "percent": services.create_offer(target=OfferTarget.AUTHOR, author=w, kind=OfferKind.PERCENT,
                                             percent_off=30),
            "trial": services.create_offer(target=OfferTarget.AUTHOR, author=w, kind=OfferKind.TRIAL, trial_days=5),
            "retention": services.create_offer(target=OfferTarget.AUTHOR, author=w, kind=OfferKind.FIXED,
                                               amount_off_minor=100, currency="USD", retention=True),
        } for w in self.writers}

    def _fund(self, reader, amount):
        fund(reader, amount)
        self.funded[reader.pk] += amount

    @rule(who=st.integers(0, 1), writer=st.integers(0, 1), which=st.integers(0, 2), top_up=st.booleans())
    def buy(self, who, writer, which, top_up):
        reader, article = self.readers[who], self.articles[self.writers[writer].pk][which]
        if top_up:
            self._fund(reader, PRICE)
        try:
            bought = purchases.unlock_with_wallet(reader=reader, article=article, idempotency_key=new_key())
        except PurchaseRefused:
            return
        assert 0 < bought.price_minor <= PRICE

    @rule(who=st.integers(0, 1), writer=st.integers(0, 1), yearly=st.booleans(),
          offer=st.sampled_from([None, "percent", "trial"]), top_up=st.booleans())
    def subscribe(self, who, writer, yearly, offer, top_up):
        reader, author = self.readers[who], self.writers[writer]
        if top_up:
            self._fund(reader, YEAR if yearly else CAP)
        interval = Interval.YEAR if yearly else Interval.MONTH
        chosen = self.offers[author.pk][offer] if offer else None
        try:
            terms = services.first_period_terms(reader=reader, author=author, interval=interval, currency="USD",
                                                offer=chosen)
            subscription = services.subscribe_with_wallet(reader=reader, author=author, interval=interval,
                                                          idempotency_key=new_key(), offer=chosen,
                                                          quoted_minor=terms["due"])
        except PurchaseRefused:
            return
        charge = subscription.charges.get()
        full = YEAR if yearly else CAP
        assert charge.amount_minor == terms["due"] <= full
        if offer == "trial":
            assert charge.amount_minor == 0 and charge.transfer_id is None
        else:
            assert charge.amount_minor + charge.credited_minor + services.discount_of(
                offer=chosen, price_minor=full, currency="USD") == full

    @rule(who=st.integers(0, 1), writer=st.integers(0, 1), keep=st.booleans())
    def cancel(self, who, writer, keep):
        reader, author = self.readers[who], self.writers[writer]
        subscription = services.cancel(reader=reader, author_id=author.pk)
        if subscription is not None and keep:
            try:
                services.accept_retention_offer(reader=reader, author_id=author.pk,
                                                offer=self.offers[author.pk]["retention"])
            except PurchaseRefused:
                pass

    @rule()
    def renewals_run(self):
        services.renew_due()

    @rule(who=st.integers(0, 1))
    def undo_latest(self, who):
        latest = Purchase.objects.filter(reader=self.readers[who], status=PurchaseStatus.ACTIVE).first()
        if latest is not None:
            try:
                purchases.undo_purchase(reader=self.readers[who], purchase_id=latest.pk)
            except PurchaseRefused:
                pass

    @rule(days=st.integers(1, 40))
    def time_passes(self, days):
        """Move every record back in time: the same as the clock moving on."""
        delta = dt.timedelta(days=days)
        Transfer.objects.update(created_at=F("created_at") - delta)
        Purchase.objects.update(created_at=F("created_at") - delta)
        AuthorSubscription.objects.update(period_start=F("period_start") - delta, period_end=F("period_end") - delta,
                                          created_at=F("created_at") - delta)
        AuthorSubscription.objects.filter(trial_end__isnull=False).update(trial_end=F("trial_end") - delta)
        SubscriptionCharge.objects.update(period_start=F("period_start") - delta, period_end=F("period_end") - delta)
        Redemption.objects.update(created_at=F("created_at") - delta)

    # --- what must always hold ---

    def _paid_this_month(self, reader, author) -> int:
        return sum(p.price_minor for p in fair_price.purchases_this_month(
            reader=reader, author_id=author.pk, currency="USD", now=timezone.now()))

    @invariant()
    def the_ledger_balances_and_every_charge_is_accounted_for(self):
        if not hasattr(self, "readers"):
            return
        assert_balanced()
        for reader in self.readers:
            bought = Purchase.objects.filter(reader=reader, status=PurchaseStatus.ACTIVE).aggregate(
                total=Sum("price_minor"))["total"] or 0
            subscribed = SubscriptionCharge.objects.filter(subscription__reader=reader).aggregate(
                total=Sum("amount_minor"))["total"] or 0
            assert balance(reader) == self.funded[reader.pk] - bought - subscribed

    @invariant()
    def the_cap_is_never_exceeded(self):
        if not hasattr(self, "readers"):
            return
        for reader in self.readers:
            for author in self.writers:
                assert self._paid_this_month(reader, author) <= CAP

    @invariant()
    def every_entitlement_has_a_live_ledger_reason(self):
        if not hasattr(self, "readers"):
            return
        now = timezone.now()
        for reader in self.readers:
            for author in self.writers:
                live = AuthorSubscription.objects.filter(reader=reader, author=author,
                                                         status=SubscriptionStatus.ACTIVE, period_end__gt=now).first()
                if live is not None:
                    covering = live.charges.filter(period_start__lte=now, period_end__gt=now).first() \
                        or live.charges.filter(period_end=live.period_end).first()
                    assert covering is not None
                    if covering.transfer_id:
                        assert not Transfer.objects.filter(reverses_id=covering.transfer_id).exists()
                    else:
                        # Nothing new moved: a trial (its redemption) or a month the reader's purchases paid.
                        assert covering.redemption_id or covering.credited_minor or covering.amount_minor == 0
                capped = self._paid_this_month(reader, author) >= CAP
                for article in self.articles[author.pk]:
                    access = decide(reader, article)
                    bought = Purchase.objects.filter(reader=reader, article=article,
                                                     status=PurchaseStatus.ACTIVE).first()
                    if bought is not None:
                        assert access.reason == Reason.PURCHASE
                        assert not Transfer.objects.filter(reverses_id=bought.transfer_id).exists()
                    elif live is not None:
                        assert access.reason == Reason.AUTHOR_SUBSCRIPTION
                    elif capped:
                        assert access.reason == Reason.FAIR_PRICE
                    else:
                        assert not access


def test_random_purchases_subscriptions_offers_caps_and_undos_keep_every_rule(db):
    run_state_machine_as_test(SubscriptionMachine, settings=settings(
        max_examples=8, stateful_step_count=16, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
