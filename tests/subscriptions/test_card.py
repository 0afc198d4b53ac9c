"""Author subscriptions by card through the sandbox: the hosted checkout starts a card subscription, each period
end's signed invoice.paid renews it once (the card's money into the wallet, then one period to the writer),
cancelling stops it at the provider first, and a provider that cannot be reached changes nothing."""

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse

from byline.ledger.invariants import assert_balanced
from byline.ledger.selectors import balance_of
from byline.payments.models import SandboxSubscription
from byline.payments.providers import sandbox
from byline.payments.providers.base import ProviderError
from byline.purchases.models import Interval, RenewVia
from byline.subscriptions import services
from byline.subscriptions.models import AuthorSubscription, SubscriptionStatus
from tests.ledger.conftest import balance, new_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def card_subscriber(client, reader, author):
    services.set_price(author=author, interval=Interval.MONTH, currency="USD", price_minor=500)
    client.force_login(reader)
    response = client.post(reverse("purchases:subscribe_by_card", args=[author.slug]), {
        "idempotency_key": new_key(), "interval": "month", "quoted_price": "500"})
    assert response.status_code == 303
    client.post(response["Location"], {"card_number": sandbox.SUCCESS})
    subscription = AuthorSubscription.objects.get(reader=reader)
    assert subscription.renew_via == RenewVia.CARD and subscription.status == SubscriptionStatus.ACTIVE
    return subscription, SandboxSubscription.objects.get(ref=subscription.subscription_ref)


def test_a_card_subscription_pays_the_writer_and_renews_once_per_invoice(reader, author, card_subscriber):
    subscription, sandboxed = card_subscriber
    assert balance(reader) == 0 and balance_of(owner=author.user, kind="earnings", currency="USD") == 450
    after = sandboxed.current_period_end + dt.timedelta(minutes=1)
    assert sandbox.renew_due_subscriptions(now=after) == {"renewed": 1}
    assert sandbox.renew_due_subscriptions(now=after) == {}
    subscription.refresh_from_db()
    assert subscription.charges.count() == 2 and balance(reader) == 0
    assert balance_of(owner=author.user, kind="earnings", currency="USD") == 900
    assert services.renew_due(now=after) == {}  # the wallet renewal leaves card subscriptions alone
    assert_balanced()


def test_cancelling_stops_the_card_at_the_provider_first(client, reader, author, card_subscriber):
    subscription, sandboxed = card_subscriber
    client.post(reverse("subscriptions:cancel", args=[author.slug]), {"action": "cancel"})
    sandboxed.refresh_from_db()
    subscription.refresh_from_db()
    assert sandboxed.cancel_at_period_end and subscription.cancel_at_period_end


def test_an_unreachable_provider_changes_nothing(client, reader, author, card_subscriber):
    subscription, sandboxed = card_subscriber
    with mock.patch.object(sandbox.SandboxProvider, "cancel_subscription", side_effect=ProviderError("down")):
        page = client.post(reverse("subscriptions:cancel", args=[author.slug]), {"action": "cancel"}, follow=True)
    assert "could not reach the payment provider" in page.content.decode()
    subscription.refresh_from_db()
    assert not subscription.cancel_at_period_end


def test_a_card_renewal_that_never_comes_ends_after_the_grace(reader, author, card_subscriber):
    subscription, _sandboxed = card_subscriber
    later = subscription.period_end + services.CARD_RENEWAL_GRACE + dt.timedelta(minutes=1)
    assert services.end_lapsed_card_subscriptions(now=later) == 1
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ENDED


def test_a_card_subscription_is_offered_no_retention_trial_its_provider_could_not_keep(client, reader, author,
                                                                                        card_subscriber):
    from byline.subscriptions import selectors
    from byline.subscriptions.errors import OfferRefused
    from byline.subscriptions.models import OfferKind, OfferTarget

    subscription, _sandboxed = card_subscriber
    ends = subscription.period_end
    offer = services.create_offer(target=OfferTarget.AUTHOR, author=author, kind=OfferKind.TRIAL, trial_days=14,
                                  retention=True)
    assert selectors.retention_offer(subscription=subscription) is None
    page = client.get(reverse("subscriptions:cancel", args=[author.slug])).content.decode()
    assert 'data-testid="retention"' not in page
    client.post(reverse("subscriptions:cancel", args=[author.slug]), {"action": "keep"})  # a stale page's button
    subscription.refresh_from_db()
    assert not subscription.cancel_at_period_end
    with pytest.raises(OfferRefused):
        services.accept_retention_offer(reader=reader, author_id=author.pk, offer=offer)
    subscription.refresh_from_db()
    assert subscription.period_end == ends and not subscription.charges.filter(amount_minor=0).exists()
