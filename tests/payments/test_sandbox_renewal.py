"""Card memberships paid through the sandbox renew when the sandbox subscription's period ends: a signed
invoice.paid through the webhook path, once per period, with the same ledger entries as a Stripe renewal."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from byline.ledger.invariants import assert_balanced
from byline.ledger.models import Account, AccountKind, Transfer, TransferKind
from byline.payments.models import SandboxDelivery, SandboxSubscription, WebhookEvent
from byline.payments.providers import sandbox, use_provider
from byline.payments.providers.base import ProviderError
from byline.payments.webhooks import receive
from byline.purchases import memberships
from byline.purchases.models import MembershipPlan, MembershipStatus, RenewVia
from tests.ledger.conftest import balance, new_key
from tests.payments.conftest import signed

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    return MembershipPlan.objects.create(name="Monthly", interval="month", price_minor=800, currency="USD")


@pytest.fixture
def card_member(client, reader, plan):
    """A reader who joined by sandbox card: the membership and the sandbox subscription behind it."""
    client.force_login(reader)
    response = client.post(reverse("purchases:join", args=[plan.pk]), {"idempotency_key": new_key(),
                                                                       "method": "card"})
    client.post(response["Location"], {"card_number": sandbox.SUCCESS})
    membership = memberships.active_membership(reader=reader)
    assert membership.renew_via == RenewVia.CARD
    return membership, SandboxSubscription.objects.get(ref=membership.subscription_ref)


def pool() -> int:
    return Account.objects.get(kind=AccountKind.POOL, currency="USD").balance


def test_a_sandbox_subscription_period_end_renews_the_card_membership_once(reader, card_member):
    membership, subscription = card_member
    end = membership.period_end
    after = subscription.current_period_end + dt.timedelta(minutes=1)
    assert sandbox.renew_due_subscriptions(now=after) == {"renewed": 1}
    membership.refresh_from_db()
    assert membership.period_end == memberships.add_interval(end, "month")
    assert membership.charges.count() == 2 and membership.status == MembershipStatus.ACTIVE
    # As a Stripe invoice.paid: the card's money into the wallet, then one period from the wallet to the pool.
    credit = Transfer.objects.get(key=f"invoice:in_{subscription.ref}_2:credit")
    assert credit.kind == TransferKind.TOPUP and balance(reader) == 0 and pool() == 1600
    assert WebhookEvent.objects.get(event_type="invoice.paid").outcome == "renewed"

    assert sandbox.renew_due_subscriptions(now=after) == {}  # the same period is not charged again
    membership.refresh_from_db()
    assert membership.charges.count() == 2 and pool() == 1600
    assert_balanced()


def test_a_replayed_renewal_event_extends_nothing_more(reader, card_member):
    membership, subscription = card_member
    sandbox.renew_due_subscriptions(now=subscription.current_period_end + dt.timedelta(minutes=1))
    payload = json.loads(SandboxDelivery.objects.get(event_id__contains="_in_").payload)
    assert receive(provider_name="sandbox", body=signed(payload)[0], headers=signed(payload)[1]).detail == "duplicate"
    payload["id"] = "evt_sbx_same_invoice_new_id"  # a redelivery under another event id: still one invoice
    body, headers = signed(payload)
    assert receive(provider_name="sandbox", body=body, headers=headers).status == 200
    membership.refresh_from_db()
    assert membership.charges.count() == 2 and pool() == 1600 and balance(reader) == 0
    assert_balanced()


def test_each_new_period_renews_once_more(card_member):
    membership, subscription = card_member
    for expected in (2, 3):
        subscription.refresh_from_db()
        sandbox.renew_due_subscriptions(now=subscription.current_period_end + dt.timedelta(seconds=1))
        membership.refresh_from_db()
        assert membership.charges.count() == expected
    assert pool() == 2400


def test_the_renewal_command_drives_sandbox_renewals(card_member):
    membership, subscription = card_member
    SandboxSubscription.objects.filter(pk=subscription.pk).update(
        current_period_end=timezone.now() - dt.timedelta(minutes=1))  # the period has ended
    out = StringIO()
    call_command("renew_memberships", stdout=out)
    assert "'sandbox card renewed': 1" in out.getvalue()
    membership.refresh_from_db()
    assert membership.charges.count() == 2


def test_a_renewal_the_endpoint_missed_is_applied_when_the_retry_gets_through(card_member, failing_transport):
    membership, subscription = card_member
    sandbox.renew_due_subscriptions(now=subscription.current_period_end + dt.timedelta(minutes=1))
    membership.refresh_from_db()
    assert membership.charges.count() == 1
    failing_transport["up_fn"]()
    assert sandbox.deliver_due(now=timezone.now() + dt.timedelta(hours=1)) == 1
    membership.refresh_from_db()
    assert membership.charges.count() == 2 and pool() == 1600


def test_a_cancelled_sandbox_subscription_ends_at_period_end_without_a_charge(card_member):
    membership, subscription = card_member
    sandbox.SandboxProvider().cancel_subscription(subscription_ref=subscription.ref)
    assert sandbox.renew_due_subscriptions(now=subscription.current_period_end + dt.timedelta(minutes=1)) == {
        "ended": 1}
    membership.refresh_from_db()
    assert membership.cancel_at_period_end and membership.renew_via == RenewVia.WALLET
    assert membership.charges.count() == 1 and pool() == 800


def test_cancelling_a_card_membership_in_byline_stops_the_card_being_charged(client, card_member):
    """The reader presses "cancel" on the membership page: the provider is told, so no renewal comes."""
    membership, subscription = card_member
    assert membership.renew_provider == "sandbox"
    response = client.post(reverse("purchases:cancel_membership"), follow=True)
    assert "Nothing more will be charged" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end
    assert sandbox.renew_due_subscriptions(now=subscription.current_period_end + dt.timedelta(minutes=1)) == {
        "ended": 1}
    membership.refresh_from_db()
    assert membership.cancel_at_period_end and membership.charges.count() == 1 and pool() == 800


class Unreachable(sandbox.SandboxProvider):
    def cancel_subscription(self, *, subscription_ref: str) -> None:
        raise ProviderError("connection refused")


def test_when_the_provider_cannot_be_told_the_reader_is_told_and_nothing_changes(client, card_member):
    membership, subscription = card_member
    use_provider("sandbox", Unreachable())
    try:
        response = client.post(reverse("purchases:cancel_membership"), follow=True)
    finally:
        use_provider("sandbox", None)
    assert response.status_code == 200
    assert "could not reach the payment provider" in response.content.decode()
    membership.refresh_from_db()
    subscription.refresh_from_db()
    assert not membership.cancel_at_period_end and not subscription.cancel_at_period_end


def test_a_card_membership_whose_renewal_never_comes_is_ended_after_the_grace(card_member):
    membership, subscription = card_member
    subscription.delete()  # the provider side is gone: no renewal, no "ended" event will ever come
    assert memberships.end_lapsed_card_memberships(now=membership.period_end + dt.timedelta(days=1)) == 0
    assert memberships.active_membership(reader=membership.reader,
                                         now=membership.period_end + dt.timedelta(days=1)) is None  # no access
    ended = memberships.end_lapsed_card_memberships(
        now=membership.period_end + memberships.CARD_RENEWAL_GRACE + dt.timedelta(minutes=1))
    membership.refresh_from_db()
    assert ended == 1 and membership.status == MembershipStatus.ENDED
