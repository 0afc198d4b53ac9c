"""Buying a collection by card: the checkout tops up what the wallet lacks of the amount to pay, and the
settlement spends it on the collection (`payments.settlement.fulfil`, purpose "collection")."""

from __future__ import annotations

import pytest

from byline.access.decision import Reason, decide
from byline.collections import services as collections
from byline.collections.models import CollectionPurchase
from byline.ledger.invariants import assert_balanced
from byline.payments.checkout import start_card_collection, start_card_unlock
from byline.payments.models import Checkout, CheckoutStatus, SandboxPayment
from byline.payments.providers import sandbox
from byline.purchases import services as purchases
from byline.purchases.models import Purchase
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db


def test_a_card_payment_buys_the_collection_less_the_parts_already_bought(series, reader):
    collection, parts = series
    fund(reader, 300)
    purchases.unlock_with_wallet(reader=reader, article=parts[0], idempotency_key=new_key())
    checkout = start_card_collection(reader=reader, collection=collection, idempotency_key=new_key(),
                                     success_url="http://t/r/", cancel_url="http://t/")
    assert checkout.price_minor == 400 and checkout.amount_minor == 400
    assert sandbox.pay(payment=SandboxPayment.objects.get(ref=checkout.provider_ref),
                       card_number=sandbox.SUCCESS) == "succeeded"
    checkout = Checkout.objects.get(pk=checkout.pk)
    assert checkout.status == CheckoutStatus.PAID and checkout.outcome.startswith("collection purchase ")
    bought = CollectionPurchase.objects.get()
    assert (bought.credit_minor, bought.paid_minor) == (300, 400)
    assert decide(reader, parts[2]).reason == Reason.COLLECTION
    assert balance(reader) == 0
    assert_balanced()


def test_a_card_payment_whose_amount_changed_stays_in_the_wallet(series, reader):
    collection, parts = series
    checkout = start_card_collection(reader=reader, collection=collection, idempotency_key=new_key(),
                                     success_url="http://t/r/", cancel_url="http://t/")
    fund(reader, 300)
    purchases.unlock_with_wallet(reader=reader, article=parts[0], idempotency_key=new_key())  # meanwhile
    sandbox.pay(payment=SandboxPayment.objects.get(ref=checkout.provider_ref), card_number=sandbox.SUCCESS)
    checkout = Checkout.objects.get(pk=checkout.pk)
    assert checkout.outcome.startswith("kept in wallet")
    assert not CollectionPurchase.objects.exists() and balance(reader) == 700
    assert_balanced()


def test_a_card_payment_for_a_part_that_arrives_after_the_whole_collection_was_bought_stays_in_the_wallet(
        series, reader):
    """The card page was opened for one part; the reader then bought the whole collection from the wallet. The
    part is already theirs, so the card money must not buy it a second time."""
    collection, parts = series
    checkout = start_card_unlock(reader=reader, article=parts[1], idempotency_key=new_key(),
                                 success_url="http://t/r/", cancel_url="http://t/")
    fund(reader, 700)
    collections.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key(), currency="USD")
    before = balance(reader)
    sandbox.pay(payment=SandboxPayment.objects.get(ref=checkout.provider_ref), card_number=sandbox.SUCCESS)
    checkout = Checkout.objects.get(pk=checkout.pk)
    assert checkout.outcome == "kept in wallet: already readable (collection)"
    assert not Purchase.objects.filter(reader=reader, article=parts[1]).exists()
    assert balance(reader) == before + checkout.amount_minor
    assert_balanced()


def test_a_card_paid_collection_refunded_by_staff_goes_back_to_the_card(series, reader):
    """As for an article bought by card: the staff refund puts the money back in the wallet (the card topped it
    up), then the checkout's own refund returns it from the wallet to the card, once."""
    from byline.payments.errors import RefundRefused
    from byline.payments.refunds import refund_to_payment_method
    from tests.conftest import make_user

    collection, _parts = series
    checkout = start_card_collection(reader=reader, collection=collection, idempotency_key=new_key(),
                                     success_url="http://t/r/", cancel_url="http://t/")
    sandbox.pay(payment=SandboxPayment.objects.get(ref=checkout.provider_ref), card_number=sandbox.SUCCESS)
    checkout = Checkout.objects.get(pk=checkout.pk)
    bought = CollectionPurchase.objects.get()
    assert balance(reader) == 0 and checkout.amount_minor == 700
    staff = make_user(is_staff=True)
    with pytest.raises(RefundRefused):  # the money is in the collection until the collection is refunded
        refund_to_payment_method(checkout=checkout, staff_user=staff, idempotency_key=new_key())
    collections.refund_collection_purchase(purchase_id=bought.pk, staff_user=staff)
    assert balance(reader) == 700
    result = refund_to_payment_method(checkout=checkout, staff_user=staff, idempotency_key=new_key())
    assert not result.repeated and SandboxPayment.objects.get(ref=checkout.provider_ref).state == "refunded"
    assert balance(reader) == 0
    assert_balanced()
