"""Staff refunding a reader's collection purchase from the admin: the money back to the wallet by a reversing
transfer, the collection closed again, an offer's use given back, once, and the reader told in their language."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from byline.access.decision import Reason, decide
from byline.collections import services
from byline.collections.models import CollectionPurchase, CollectionPurchaseStatus
from byline.ledger.invariants import assert_balanced
from byline.ledger.models import AccountKind, Transfer, TransferKind
from byline.ledger.selectors import balance_of
from byline.purchases import services as purchases
from byline.purchases.errors import UndoRefused
from byline.subscriptions import services as offers
from byline.subscriptions.models import Offer, OfferKind, OfferTarget
from tests.collections.conftest import make_collection
from tests.conftest import LOCKED_SENTINEL, make_user
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db


def _earnings(author) -> int:
    return balance_of(owner=author.user, kind=AccountKind.EARNINGS, currency="USD")


def _refund_in_admin(client, staff, *ids):
    client.force_login(staff)
    return client.post(reverse("admin:collections_collectionpurchase_changelist"),
                       {"action": "refund", "_selected_action": list(ids)}, follow=True).content.decode()


def test_staff_refund_returns_the_money_closes_the_collection_and_reverses_the_writers_earnings(
        series, reader, author, client):
    collection, parts = series
    fund(reader, 2000)
    bought = services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key())
    assert balance(reader) == 1300 and decide(reader, parts[0]).reason == Reason.COLLECTION
    earned = _earnings(author)
    assert earned == bought.author_share_minor > 0
    staff = make_user(is_staff=True, is_superuser=True)
    mail.outbox.clear()
    with pytest.MonkeyPatch.context() as patch:  # the mail is sent at commit: run those callbacks here
        patch.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: func())
        page = _refund_in_admin(client, staff, bought.pk)
        _refund_in_admin(client, staff, bought.pk)  # a double click refunds once
    assert "1 collection purchase refunded." in page
    bought.refresh_from_db()
    assert bought.status == CollectionPurchaseStatus.REFUNDED and bought.reversal is not None
    assert balance(reader) == 2000 and _earnings(author) == 0
    assert not decide(reader, parts[0]).allowed
    # The mirror of the purchase transfer, once.
    refunds = Transfer.objects.filter(kind=TransferKind.REFUND, key=f"collection-refund:{bought.pk}")
    assert refunds.count() == 1
    legs = {(e.account_id, e.amount) for e in bought.reversal.entries.all()}
    assert legs == {(e.account_id, -e.amount) for e in bought.transfer.entries.all()}
    assert [m.subject for m in mail.outbox] == ["Purchase refunded: The harbour series"]
    assert "collection is closed to you again" in mail.outbox[0].body
    assert_balanced()


def test_the_parts_bought_alone_stay_and_can_then_be_refunded_on_their_own(series, reader):
    collection, parts = series
    fund(reader, 2000)
    part = purchases.unlock_with_wallet(reader=reader, article=parts[0], idempotency_key=new_key())
    bought = services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key())
    staff = make_user(is_staff=True)
    with pytest.raises(UndoRefused):  # the guard: the part went towards the collection
        purchases.refund_purchase(purchase_id=part.pk, staff_user=staff)
    services.refund_collection_purchase(purchase_id=bought.pk, staff_user=staff)
    assert balance(reader) == 1700 and decide(reader, parts[0]).reason == Reason.PURCHASE
    assert not decide(reader, parts[1]).allowed
    purchases.refund_purchase(purchase_id=part.pk, staff_user=staff)  # no longer kept by the collection
    assert balance(reader) == 2000
    assert_balanced()


def test_a_refund_gives_the_offers_use_back(author):
    from byline.subscriptions.selectors import redeemable

    collection, _parts = make_collection(author, slug="offered")
    offer = offers.create_offer(target=OfferTarget.COLLECTION, collection=collection, kind=OfferKind.PERCENT,
                                percent_off=50, max_redemptions=1)
    taker, other = make_user(), make_user()
    fund(taker, 1000)
    bought = services.buy_with_wallet(reader=taker, collection=collection, idempotency_key=new_key(), offer=offer)
    assert balance(taker) == 650
    services.refund_collection_purchase(purchase_id=bought.pk, staff_user=make_user(is_staff=True))
    offer = Offer.objects.get(pk=offer.pk)
    assert offer.redeemed == 0 and redeemable(offer=offer, reader=other) and balance(taker) == 1000
    assert_balanced()


def test_a_gifted_collection_is_refused_and_the_admin_says_which_and_why(series, reader, client):
    from byline.ledger import services as ledger

    collection, _parts = series
    giver = make_user()
    fund(giver, 700)
    wallet, clearing = (ledger.account_for(kind=AccountKind.WALLET, owner=giver, currency="USD"),
                        ledger.account_for(kind=AccountKind.CLEARING, currency="USD"))
    paid = ledger.transfer(key=new_key(), kind=TransferKind.CORRECTION,
                           legs=[ledger.Leg(wallet, -700), ledger.Leg(clearing, 700)], memo="a gift, as a test")
    gifted = services.grant_gifted_collection(reader=reader, collection=collection, currency="USD",
                                              price_minor=700, transfer=paid, key=new_key())
    page = _refund_in_admin(client, make_user(is_staff=True, is_superuser=True), gifted.pk)
    assert f"Collection purchase {gifted.pk} was not refunded: This collection was a gift" in page
    assert CollectionPurchase.objects.get(pk=gifted.pk).status == CollectionPurchaseStatus.ACTIVE
    assert_balanced()


def test_an_undone_purchase_is_left_as_it_is(series, reader):
    collection, _parts = series
    fund(reader, 1000)
    bought = services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key())
    services.undo_collection_purchase(reader=reader, purchase_id=bought.pk)
    again = services.refund_collection_purchase(purchase_id=bought.pk, staff_user=make_user(is_staff=True))
    assert again.status == CollectionPurchaseStatus.UNDONE and balance(reader) == 1000
    assert not Transfer.objects.filter(kind=TransferKind.REFUND).exists()
    assert_balanced()


def test_the_reader_is_told_in_their_language(series, reader):
    from byline.mail.lifecycle import send_collection_purchase_ended

    collection, _parts = series
    fund(reader, 1000)
    bought = services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key())
    services.refund_collection_purchase(purchase_id=bought.pk, staff_user=make_user(is_staff=True))
    mail.outbox.clear()
    assert send_collection_purchase_ended(bought.pk, "zh-hans")
    assert mail.outbox[0].subject == "购买已退款：《The harbour series》"
    assert "合集对您重新关闭" in mail.outbox[0].body
    # Titles, prices and links only: no part's locked text, whoever reads it.
    sent = mail.outbox[0].body + "".join(content for content, _type in mail.outbox[0].alternatives)
    assert LOCKED_SENTINEL not in sent and "合集" in sent
