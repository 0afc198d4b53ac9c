"""Tips under real concurrency (PostgreSQL row locks): no overdraft, one tip per key, the ledger sound."""

import pytest

from byline.ledger.invariants import assert_balanced
from byline.tips import services
from byline.tips.errors import NotEnoughForTip
from byline.tips.models import Tip
from tests.conftest import make_user
from tests.ledger.conftest import balance, fund, new_key
from tests.purchases.test_concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_concurrent_tips_from_a_wallet_that_affords_seven_make_seven(paid_article, settings):
    settings.TIP_FEE_PERCENT = 5
    reader = make_user()
    fund(reader, 7 * 500 + 499)

    def tip(_index):
        try:
            services.tip_from_wallet(tipper=reader, article=paid_article, amount_minor=500, currency="USD",
                                     idempotency_key=new_key())
            return "tipped"
        except NotEnoughForTip:
            return "short"

    outcomes = run_concurrently(50, tip)
    assert outcomes.count("tipped") == 7 and Tip.objects.count() == 7
    assert balance(reader) == 499
    assert_balanced()


def test_twenty_concurrent_requests_with_one_key_tip_once(paid_article):
    reader = make_user()
    fund(reader, 5_000)
    key = new_key()
    ids = run_concurrently(20, lambda _: services.tip_from_wallet(
        tipper=reader, article=paid_article, amount_minor=200, currency="USD", idempotency_key=key).pk)
    assert len(set(ids)) == 1 and Tip.objects.count() == 1 and balance(reader) == 4_800
    assert_balanced()


def test_a_card_tips_webhook_delivered_twice_at_once_tips_once(paid_article, author):
    """The provider's notification of a paid card tip, twice at the same moment (and under two event ids):
    one credit, one tip, the ledger sound."""
    from django.core.management import call_command

    from byline.payments.checkout import start_card_tip
    from byline.payments.models import Checkout, CheckoutStatus
    from byline.payments.webhooks import receive
    from tests.payments.conftest import signed
    from tests.payments.test_sandbox import _completed_event

    reader = make_user()
    checkout = start_card_tip(tipper=reader, article=paid_article, amount_minor=700, currency="USD",
                              idempotency_key=new_key(), message="Twice", success_url="http://testserver/r/",
                              cancel_url="http://testserver/")
    events = [signed(_completed_event(checkout, event_id)) for event_id in ("evt_a", "evt_a", "evt_b", "evt_b")]
    receipts = run_concurrently(4, lambda index: receive(provider_name="sandbox", body=events[index][0],
                                                         headers=events[index][1]))
    assert all(receipt.status == 200 for receipt in receipts)
    assert Tip.objects.count() == 1 and Tip.objects.get().amount_minor == 700 and balance(reader) == 0
    assert Checkout.objects.get().status == CheckoutStatus.PAID
    assert_balanced()
    call_command("ledger_check")
