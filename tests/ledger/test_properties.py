"""Random sequences of top-ups, purchases, undos, refunds and membership renewals never break the ledger.

After every step: each transfer sums to zero, balances equal their entries, no wallet is negative,
and each wallet holds exactly what a plain model of the rules says it should.
"""

import datetime as dt

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from byline.ledger.invariants import assert_balanced
from byline.purchases import memberships, services
from byline.purchases.errors import NotEnoughInWallet, PurchaseRefused
from byline.purchases.models import MembershipPlan, Purchase, PurchaseStatus
from tests.conftest import make_article, make_author, make_user
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db


class MoneyMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        self.author = make_author()
        self.articles = [make_article(author=self.author, price_minor=price) for price in (100, 250, 399)]
        self.readers = [make_user() for _ in range(2)]
        self.plan = MembershipPlan.objects.create(name="M", interval="month", price_minor=500, currency="USD")
        self.expected = {reader.pk: 0 for reader in self.readers}
        self.clock = dt.datetime.now(dt.UTC)

    @rule(who=st.integers(0, 1), amount=st.integers(1, 2000))
    def top_up(self, who, amount):
        fund(self.readers[who], amount)
        self.expected[self.readers[who].pk] += amount

    @rule(who=st.integers(0, 1), which=st.integers(0, 2), repeat=st.booleans())
    def purchase(self, who, which, repeat):
        reader, article = self.readers[who], self.articles[which]
        owned = Purchase.objects.filter(reader=reader, article=article, status=PurchaseStatus.ACTIVE).exists()
        key = new_key()
        try:
            services.unlock_with_wallet(reader=reader, article=article, idempotency_key=key)
            if repeat:
                services.unlock_with_wallet(reader=reader, article=article, idempotency_key=key)
        except NotEnoughInWallet:
            assert self.expected[reader.pk] < article.price_minor
            return
        if not owned:
            self.expected[reader.pk] -= article.price_minor

    @rule(who=st.integers(0, 1), minutes=st.integers(0, 15))
    def undo_latest(self, who, minutes):
        reader = self.readers[who]
        purchase = Purchase.objects.filter(reader=reader, status=PurchaseStatus.ACTIVE).first()
        if purchase is None:
            return
        try:
            services.undo_purchase(reader=reader, purchase_id=purchase.pk,
                                   now=purchase.created_at + dt.timedelta(minutes=minutes))
        except PurchaseRefused:
            return
        self.expected[reader.pk] += purchase.price_minor

    @rule(who=st.integers(0, 1))
    def staff_refund(self, who):
        purchase = Purchase.objects.filter(reader=self.readers[who], status=PurchaseStatus.ACTIVE).last()
        if purchase is not None:
            services.refund_purchase(purchase_id=purchase.pk, staff_user=self.author.user)
            self.expected[self.readers[who].pk] += purchase.price_minor

    @rule(who=st.integers(0, 1))
    def join(self, who):
        reader = self.readers[who]
        try:
            memberships.join_with_wallet(reader=reader, plan=self.plan, idempotency_key=new_key(), now=self.clock)
        except PurchaseRefused:
            return
        self.expected[reader.pk] -= self.plan.price_minor

    @rule(days=st.integers(1, 40))
    def time_passes_and_memberships_renew(self, days):
        self.clock += dt.timedelta(days=days)
        before = {reader.pk: reader.memberships.values_list("charges__pk", flat=True).count()
                  for reader in self.readers}
        memberships.renew_due_wallet_memberships(now=self.clock)
        for reader in self.readers:
            after = reader.memberships.values_list("charges__pk", flat=True).count()
            self.expected[reader.pk] -= (after - before[reader.pk]) * self.plan.price_minor

    @rule()
    def pool_closes(self):
        memberships.close_pool_period(currency="USD")

    @invariant()
    def ledger_is_sound(self):
        if not hasattr(self, "readers"):
            return
        assert_balanced()
        for reader in self.readers:
            assert balance(reader) == self.expected[reader.pk] >= 0


def test_random_money_sequences_keep_every_ledger_invariant(db):
    run_state_machine_as_test(MoneyMachine, settings=settings(
        max_examples=12, stateful_step_count=15, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))


