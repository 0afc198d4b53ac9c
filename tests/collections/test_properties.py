"""A hypothesis run of random part purchases, collection buys and undos (with time passing): the reader is
never charged more for a collection's parts than the collection price (or what they had paid for parts
before buying it, if that was more), every entitlement has a live ledger reason, and the ledger holds."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from byline.access.decision import Reason, decide
from byline.collections import services
from byline.collections.models import CollectionPurchase, CollectionPurchaseStatus
from byline.ledger.invariants import assert_balanced
from byline.purchases import services as purchases
from byline.purchases.errors import PurchaseRefused
from byline.purchases.models import Purchase, PurchaseStatus
from tests.collections.conftest import make_collection
from tests.conftest import make_author, make_user
from tests.ledger.conftest import fund, new_key

pytestmark = pytest.mark.django_db
_runs = itertools.count(1)
PRICE = 700


class CollectionMachine(RuleBasedStateMachine):
    @initialize(price=st.sampled_from([500, 700, 1000]))
    def start(self, price):
        run = next(_runs)
        self.author = make_author(f"series-writer-{run}")
        self.collection, self.parts = make_collection(self.author, parts=3, price_minor=price,
                                                      slug=f"series-{run}")
        self.reader = make_user()
        fund(self.reader, 10_000)
        self.now = timezone.now()

    def _reader_paid_for_parts(self) -> int:
        parts = Purchase.objects.filter(reader=self.reader, article__in=self.parts, status=PurchaseStatus.ACTIVE)
        whole = CollectionPurchase.objects.filter(reader=self.reader, collection=self.collection,
                                                  status=CollectionPurchaseStatus.ACTIVE)
        return sum(p.price_minor for p in parts) + sum(c.paid_minor for c in whole)

    @rule(index=st.integers(0, 2))
    def buy_part(self, index):
        part = self.parts[index]
        if decide(self.reader, part).allowed:  # what the unlock page does: nothing to buy
            return
        try:
            purchases.unlock_with_wallet(reader=self.reader, article=part, idempotency_key=new_key())
        except PurchaseRefused:
            pass

    @rule()
    def buy_collection(self):
        try:
            services.buy_with_wallet(reader=self.reader, collection=self.collection, idempotency_key=new_key())
        except PurchaseRefused:
            pass

    @rule(index=st.integers(0, 2))
    def undo_part(self, index):
        bought = Purchase.objects.filter(reader=self.reader, article=self.parts[index],
                                         status=PurchaseStatus.ACTIVE).first()
        if bought is not None:
            try:
                purchases.undo_purchase(reader=self.reader, purchase_id=bought.pk, now=self.now)
            except PurchaseRefused:
                pass

    @rule()
    def undo_collection(self):
        bought = CollectionPurchase.objects.filter(reader=self.reader, status=CollectionPurchaseStatus.ACTIVE).first()
        if bought is not None:
            try:
                services.undo_collection_purchase(reader=self.reader, purchase_id=bought.pk, now=self.now)
            except PurchaseRefused:
                pass

    @rule(minutes=st.sampled_from([1, 11]))
    def time_passes(self, minutes):
        self.now += dt.timedelta(minutes=minutes)

    @invariant()
    def never_charged_more_than_the_collection_allows(self):
        whole = CollectionPurchase.objects.filter(reader=self.reader, collection=self.collection,
                                                  status=CollectionPurchaseStatus.ACTIVE).first()
        if whole is not None:
            assert self._reader_paid_for_parts() <= max(whole.price_minor, whole.credit_minor)

    @invariant()
    def every_entitlement_has_a_live_ledger_reason(self):
        for part in self.parts:
            access = decide(self.reader, part)
            if access.reason == Reason.PURCHASE:
                bought = Purchase.objects.get(pk=access.ref)
                assert bought.status == PurchaseStatus.ACTIVE and bought.reversal_id is None
                assert not hasattr(bought.transfer, "reversed_by")
            elif access.reason == Reason.COLLECTION:
                whole = CollectionPurchase.objects.get(pk=access.ref)
                assert whole.status == CollectionPurchaseStatus.ACTIVE and whole.reversal_id is None
                if whole.transfer is not None:
                    assert not hasattr(whole.transfer, "reversed_by")
                else:  # paid for by the part purchases it counted, which stand
                    assert all(credit.purchase.status == PurchaseStatus.ACTIVE for credit in whole.credits.all())
            else:
                assert not access.allowed

    @invariant()
    def the_ledger_holds(self):
        assert_balanced()


def test_random_part_buys_collection_buys_and_undos_charge_fairly_and_keep_the_ledger(db):
    run_state_machine_as_test(CollectionMachine, settings=settings(
        max_examples=15, stateful_step_count=14, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
