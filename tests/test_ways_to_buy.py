"""One hypothesis run over every way a reader pays, together: single purchases (with the fair-price cap),
undos and refunds on request, whole collections (the parts' credit and an offer, whose use an undo gives
back), writers' subscriptions (an offer, a trial, cancelling with the retention offer, renewals), and paid
gifts of an article, a collection and months of a writer (bought, claimed, taken back), while the clock moves on.

What must hold after every step:
- nobody is charged more than the rules allow: each reader's wallet is exactly what was funded less what
  stands (purchases, collection purchases, their own subscription charges, gifts not taken back); each
  charge was worked out by the rules at the time (checked as it is made);
- the fair-price cap is never exceeded: a reader's single purchases from one writer in a month stay within
  the writer's monthly price;
- every entitlement the access decision gives has a live ledger reason (a purchase, collection purchase,
  subscription charge or gift claim that was not reversed, or a trial's redemption, or purchases that paid);
- `ledger_check`'s invariants hold (the ledger balances; "gifts held" holds exactly the unclaimed gifts).

It replaces the per-app machines of collections and subscriptions, which it covers. Bounded (examples and
steps) so it runs in a few seconds per example."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db.models import F
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from byline.access.decision import Reason, decide
from byline.collections import services as collections
from byline.collections.models import (
    CollectionItem,
    CollectionPurchase,
    CollectionPurchaseStatus,
)
from byline.gifts import services as gifts
from byline.gifts.models import GiftKind, GiftState, PaidGift
from byline.ledger.invariants import assert_balanced
from byline.ledger.models import Transfer, TransferKind
from byline.purchases import services as purchases
from byline.purchases.errors import PurchaseRefused
from byline.purchases.models import Interval, Purchase, PurchaseStatus
from byline.subscriptions import fair_price
from byline.subscriptions import services as subscriptions
from byline.subscriptions.models import (
    AuthorSubscription,
    Offer,
    OfferKind,
    OfferTarget,
    Redemption,
    SubscriptionCharge,
    SubscriptionStatus,
)
from tests.collections.conftest import make_collection
from tests.conftest import make_article, make_author, make_user
from tests.ledger.conftest import balance, fund

pytestmark = pytest.mark.django_db

CAP, YEAR, PRICE, WHOLE, PERCENT = 500, 4000, 300, 700, 20
# The collection was priced above its writer's monthly price (before they lowered it, say): it is sold at most
# at that price, never more than subscribing.
CHARGED = min(WHOLE, CAP)
_runs = itertools.count(1)
_keys = itertools.count(1)
STEPS = [dt.timedelta(minutes=11), dt.timedelta(hours=30), dt.timedelta(days=20)]


def key() -> str:
    return f"machine-{next(_keys)}"


def refused(call) -> object | None:
    try:
        return call()
    except PurchaseRefused:
        return None


class WaysToBuy(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        run = next(_runs)
        self.writers = [make_author(f"way-{run}-{n}") for n in range(2)]
        self.writers[0].refund_hours = 24  # refunds on request up to a day, for this writer's articles
        self.writers[0].save()
        for writer in self.writers:
            subscriptions.set_price(author=writer, interval=Interval.MONTH, currency="USD", price_minor=CAP)
            subscriptions.set_price(author=writer, interval=Interval.YEAR, currency="USD", price_minor=YEAR)
        # Writer 0 sells its first two articles as a collection too; the third is only sold alone.
        self.collection, parts = make_collection(self.writers[0], parts=2, price_minor=WHOLE, slug=f"way-{run}")
        self.articles = {self.writers[0].pk: [*parts, make_article(author=self.writers[0], price_minor=PRICE)],
                         self.writers[1].pk: [make_article(author=self.writers[1], price_minor=PRICE)
                                              for _ in range(3)]}
        self.readers = [make_user() for _ in range(2)]
        self.funded = {r.pk: 0 for r in self.readers}
        self.collection_offer = subscriptions.create_offer(target=OfferTarget.COLLECTION, kind=OfferKind.PERCENT,
                                                           collection=self.collection, percent_off=PERCENT,
                                                           max_redemptions=1)
        self.offers = {w.pk: {
            "percent": subscriptions.create_offer(target=OfferTarget.AUTHOR, author=w, kind=OfferKind.PERCENT,
                                                  percent_off=30),
            "trial": subscriptions.create_offer(target=OfferTarget.AUTHOR, author=w, kind=OfferKind.TRIAL,
                                                trial_days=5),
            "retention": subscriptions.create_offer(target=OfferTarget.AUTHOR, author=w, kind=OfferKind.FIXED,
                                                    amount_off_minor=100, currency="USD", retention=True),
        } for w in self.writers}

    def _fund(self, reader, amount):
        fund(reader, amount)
        self.funded[reader.pk] += amount

    def _all_articles(self):
        return [a for writer in self.writers for a in self.articles[writer.pk]]

    # --- ways to buy ---

    @rule(who=st.integers(0, 1), writer=st.integers(0, 1), which=st.integers(0, 2), top_up=st.booleans())
    def buy_article(self, who, writer, which, top_up):
        reader, article = self.readers[who], self.articles[self.writers[writer].pk][which]
        if top_up:
            self._fund(reader, PRICE)
        if decide(reader, article).allowed:  # what the unlock page does: nothing to buy
            return
        bought = refused(lambda: purchases.unlock_with_wallet(reader=reader, article=article,
                                                              idempotency_key=key()))
        if bought is not None:
            assert 0 < bought.price_minor <= PRICE

    @rule(who=st.integers(0, 1), with_offer=st.booleans(), top_up=st.booleans())
    def buy_collection(self, who, with_offer, top_up):
        reader = self.readers[who]
        if top_up:
            self._fund(reader, WHOLE)
        offer = self.collection_offer if with_offer else None
        terms = self.collection_quote(reader, offer)
        before = CollectionPurchase.objects.filter(reader=reader, status=CollectionPurchaseStatus.ACTIVE).first()
        bought = refused(lambda: collections.buy_with_wallet(reader=reader, collection=self.collection,
                                                              idempotency_key=key(), offer=offer))
        if bought is not None and before is None:
            # The offer off the whole price first, then the parts' credit; never below zero.
            discount = bought.discount_minor
            assert discount in (0, CHARGED * PERCENT // 100) and (discount == 0 or with_offer)
            assert bought.price_minor == CHARGED
            assert bought.paid_minor == max(0, CHARGED - discount - bought.credit_minor)
            assert bought.paid_minor <= terms

    def collection_quote(self, reader, offer):
        from byline.collections.selectors import quote

        return quote(reader=reader, collection=self.collection, currency="USD", offer=offer).to_pay

    @rule(who=st.integers(0, 1), writer=st.integers(0, 1), yearly=st.booleans(),
          offer=st.sampled_from([None, "percent", "trial"]), top_up=st.booleans())
    def subscribe(self, who, writer, yearly, offer, top_up):
        reader, author = self.readers[who], self.writers[writer]
        if top_up:
            self._fund(reader, YEAR if yearly else CAP)
        interval = Interval.YEAR if yearly else Interval.MONTH
        chosen = self.offers[author.pk][offer] if offer else None
        terms = refused(lambda: subscriptions.first_period_terms(reader=reader, author=author, interval=interval,
                                                                 currency="USD", offer=chosen))
        if terms is None:
            return
        subscription = refused(lambda: subscriptions.subscribe_with_wallet(
            reader=reader, author=author, interval=interval, idempotency_key=key(), offer=chosen,
            quoted_minor=terms["due"]))
        if subscription is None:
            return
        charge = subscription.charges.get()
        full = YEAR if yearly else CAP
        assert charge.amount_minor == terms["due"] <= full
        if offer == "trial":
            assert charge.amount_minor == 0 and charge.transfer_id is None
        else:
            assert charge.amount_minor + charge.credited_minor + subscriptions.discount_of(
                offer=chosen, price_minor=full, currency="USD") == full

    @rule(who=st.integers(0, 1), writer=st.integers(0, 1), keep=st.booleans())
    def cancel(self, who, writer, keep):
        reader, author = self.readers[who], self.writers[writer]
        if subscriptions.cancel(reader=reader, author_id=author.pk) is not None and keep:
            refused(lambda: subscriptions.accept_retention_offer(reader=reader, author_id=author.pk,
                                                                 offer=self.offers[author.pk]["retention"]))

    @rule()
    def renewals_run(self):
        subscriptions.renew_due()

    @rule(who=st.integers(0, 1), what=st.sampled_from(["article", "collection", "months"]),
          writer=st.integers(0, 1), months=st.integers(1, 2), top_up=st.booleans())
    def give(self, who, what, writer, months, top_up):
        buyer, author = self.readers[who], self.writers[writer]
        if what == "article":
            order = gifts.article_order(article=self.articles[author.pk][2])
        elif what == "collection":
            order = gifts.collection_order(collection=self.collection)
        else:
            order = gifts.author_order(author=author, months=months)
        price = gifts.price_of(order, "USD")
        assert price == {"article": PRICE, "collection": CHARGED}.get(what, CAP * months)
        if top_up:
            self._fund(buyer, price)
        gift = refused(lambda: gifts.buy_gift(buyer=buyer, order=order, idempotency_key=key()))
        if gift is not None:
            assert gift.price_minor == price and gift.state == GiftState.PAID

    @rule(who=st.integers(0, 1), newest=st.booleans())
    def claim(self, who, newest):
        """The other reader claims one of this reader's paid gifts."""
        unclaimed = PaidGift.objects.filter(buyer=self.readers[who], state=GiftState.PAID).order_by(
            "-pk" if newest else "pk").first()
        if unclaimed is not None:
            refused(lambda: gifts.claim_gift(token=unclaimed.token, reader=self.readers[1 - who]))

    @rule(who=st.integers(0, 1))
    def take_gift_back(self, who):
        unclaimed = PaidGift.objects.filter(buyer=self.readers[who], state=GiftState.PAID).first()
        if unclaimed is not None:
            taken = gifts.refund_gift(buyer=self.readers[who], gift_id=unclaimed.pk)
            assert taken.state == GiftState.REFUNDED

    @rule(who=st.integers(0, 1), on_request=st.booleans(), newest=st.booleans())
    def undo_or_refund(self, who, on_request, newest):
        reader = self.readers[who]
        chosen = Purchase.objects.filter(reader=reader, status=PurchaseStatus.ACTIVE).order_by(
            "-pk" if newest else "pk").first()
        if chosen is not None:
            step = purchases.refund_on_request if on_request else purchases.undo_purchase
            refused(lambda: step(reader=reader, purchase_id=chosen.pk))

    @rule(who=st.integers(0, 1))
    def undo_collection(self, who):
        whole = CollectionPurchase.objects.filter(reader=self.readers[who],
                                                  status=CollectionPurchaseStatus.ACTIVE).first()
        if whole is not None:
            refused(lambda: collections.undo_collection_purchase(reader=self.readers[who], purchase_id=whole.pk))

    @rule(step=st.sampled_from(STEPS))
    def time_passes(self, step):
        """Move every record back in time: the same as the clock moving on."""
        Transfer.objects.update(created_at=F("created_at") - step)
        Purchase.objects.update(created_at=F("created_at") - step)
        Purchase.objects.filter(reversed_at__isnull=False).update(reversed_at=F("reversed_at") - step)
        AuthorSubscription.objects.update(period_start=F("period_start") - step, period_end=F("period_end") - step,
                                          created_at=F("created_at") - step)
        AuthorSubscription.objects.filter(trial_end__isnull=False).update(trial_end=F("trial_end") - step)
        SubscriptionCharge.objects.update(period_start=F("period_start") - step, period_end=F("period_end") - step)
        Redemption.objects.update(created_at=F("created_at") - step)
        Offer.objects.update(starts_at=F("starts_at") - step)
        CollectionItem.objects.update(added_at=F("added_at") - step)
        CollectionPurchase.objects.update(created_at=F("created_at") - step)
        CollectionPurchase.objects.filter(reversed_at__isnull=False).update(reversed_at=F("reversed_at") - step)
        PaidGift.objects.update(created_at=F("created_at") - step)
        PaidGift.objects.filter(claim_by__isnull=False).update(claim_by=F("claim_by") - step)

    # --- what must always hold ---

    def _paid_this_month(self, reader, author) -> int:
        return sum(p.price_minor for p in fair_price.purchases_this_month(
            reader=reader, author_id=author.pk, currency="USD", now=timezone.now()))

    @invariant()
    def wallets_are_what_was_funded_less_what_stands(self):
        if not hasattr(self, "readers"):
            return
        assert_balanced()  # ledger_check's invariants, the gifts held among them
        for reader in self.readers:
            bought = sum(Purchase.objects.filter(reader=reader, status=PurchaseStatus.ACTIVE)
                         .values_list("price_minor", flat=True))
            wholes = sum(CollectionPurchase.objects.filter(reader=reader, status=CollectionPurchaseStatus.ACTIVE,
                                                           gifted=False).values_list("paid_minor", flat=True))
            # A gift's months are charges on the recipient's subscription that the giver paid for.
            own_charges = sum(SubscriptionCharge.objects.filter(subscription__reader=reader).exclude(
                transfer__kind=TransferKind.GIFT_CLAIM).values_list("amount_minor", flat=True))
            given = sum(PaidGift.objects.filter(buyer=reader, state__in=[GiftState.PAID, GiftState.CLAIMED])
                        .values_list("price_minor", flat=True))
            assert balance(reader) == self.funded[reader.pk] - bought - wholes - own_charges - given

    @invariant()
    def an_offers_count_is_its_uses_standing(self):
        """An undone collection purchase gave its offer's use back: the count is the uses not given back,
        within the limit, and each stands behind an active collection purchase."""
        if not hasattr(self, "readers"):
            return
        offer = Offer.objects.get(pk=self.collection_offer.pk)
        standing = offer.redemptions.filter(released_at__isnull=True)
        assert offer.redeemed == standing.count() <= offer.max_redemptions
        assert all(CollectionPurchase.objects.get(redemption=use).status == CollectionPurchaseStatus.ACTIVE
                   for use in standing)

    @invariant()
    def the_cap_is_never_exceeded(self):
        if not hasattr(self, "readers"):
            return
        for reader in self.readers:
            for author in self.writers:
                assert self._paid_this_month(reader, author) <= CAP

    @invariant()
    def a_collection_never_costs_more_than_its_terms(self):
        if not hasattr(self, "readers"):
            return
        for reader in self.readers:
            whole = CollectionPurchase.objects.filter(reader=reader, status=CollectionPurchaseStatus.ACTIVE,
                                                      gifted=False).first()
            if whole is not None:
                assert whole.paid_minor == max(0, whole.price_minor - whole.discount_minor - whole.credit_minor)
                assert whole.price_minor <= CAP  # never more than a month of the writer's subscription
                # The parts it counted still stand (they can be undone or refunded only with it).
                assert all(c.purchase.status == PurchaseStatus.ACTIVE for c in whole.credits.all())

    @invariant()
    def every_live_reason_gives_its_entitlement(self):
        """The other way round: what a reader paid for (or was given and claimed) opens the article."""
        if not hasattr(self, "readers"):
            return
        now = timezone.now()
        parts = {a.pk for a in self.articles[self.writers[0].pk][:2]}
        for reader in self.readers:
            whole = CollectionPurchase.objects.filter(reader=reader, status=CollectionPurchaseStatus.ACTIVE).exists()
            for article in self._all_articles():
                held = (Purchase.objects.filter(reader=reader, article=article, status=PurchaseStatus.ACTIVE).exists()
                        or (whole and article.pk in parts)
                        or PaidGift.objects.filter(recipient=reader, article=article, state=GiftState.CLAIMED).exists()
                        or AuthorSubscription.objects.filter(reader=reader, author=article.author,
                                                             status=SubscriptionStatus.ACTIVE,
                                                             period_end__gt=now).exists()
                        or self._paid_this_month(reader, article.author) >= CAP)
                assert decide(reader, article).allowed == held

    @invariant()
    def every_entitlement_has_a_live_ledger_reason(self):
        if not hasattr(self, "readers"):
            return
        now = timezone.now()
        for reader in self.readers:
            for article in self._all_articles():
                access = decide(reader, article)
                if not access.allowed:
                    continue
                if access.reason == Reason.PURCHASE:
                    bought = Purchase.objects.get(pk=access.ref)
                    assert bought.status == PurchaseStatus.ACTIVE and bought.reversal_id is None
                    assert not Transfer.objects.filter(reverses_id=bought.transfer_id).exists()
                elif access.reason == Reason.COLLECTION:
                    whole = CollectionPurchase.objects.get(pk=access.ref)
                    assert whole.status == CollectionPurchaseStatus.ACTIVE and whole.reversal_id is None
                    if whole.transfer is not None:  # a purchase, or a gift's claim
                        assert not Transfer.objects.filter(reverses_id=whole.transfer_id).exists()
                        assert not whole.gifted or whole.transfer.kind == TransferKind.GIFT_CLAIM
                    else:  # paid for by the part purchases it counted, which stand
                        assert whole.credits.exists()
                elif access.reason == Reason.GIFTED:
                    gift = PaidGift.objects.get(pk=access.ref)
                    assert gift.state == GiftState.CLAIMED and gift.kind == GiftKind.ARTICLE
                    assert gift.settlement.kind == TransferKind.GIFT_CLAIM
                elif access.reason == Reason.AUTHOR_SUBSCRIPTION:
                    live = AuthorSubscription.objects.get(reader=reader, author=article.author,
                                                          status=SubscriptionStatus.ACTIVE, period_end__gt=now)
                    covering = live.charges.filter(period_start__lte=now, period_end__gt=now).first() \
                        or live.charges.filter(period_end=live.period_end).first()
                    assert covering is not None
                    if covering.transfer_id:
                        assert not Transfer.objects.filter(reverses_id=covering.transfer_id).exists()
                    else:  # nothing new moved: a trial (its redemption) or a month the reader's purchases paid
                        assert covering.redemption_id or covering.credited_minor or covering.amount_minor == 0
                elif access.reason == Reason.FAIR_PRICE:
                    assert self._paid_this_month(reader, article.author) >= CAP
                else:
                    raise AssertionError(f"{reader} reads {article.pk} for no reason the machine knows: {access}")


def test_every_way_to_buy_together_charges_by_the_rules_and_keeps_the_ledger(db):
    run_state_machine_as_test(WaysToBuy, settings=settings(
        max_examples=6, stateful_step_count=16, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
