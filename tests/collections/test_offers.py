"""Offers on a whole collection: percent off by code or link, between dates, within a redemption limit and
once per reader. The offer comes off the whole price first, then the parts' credit; never below zero."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from byline.collections import selectors, services
from byline.collections.models import CollectionPurchase
from byline.ledger.invariants import assert_balanced
from byline.purchases import services as purchases
from byline.subscriptions import services as offers
from byline.subscriptions.errors import OfferRefused
from byline.subscriptions.models import OfferKind, OfferTarget, Redemption
from tests.collections.conftest import make_collection
from tests.conftest import make_user
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db


def percent_off(collection, percent: int, **terms):
    return offers.create_offer(target=OfferTarget.COLLECTION, collection=collection, kind=OfferKind.PERCENT,
                               percent_off=percent, **terms)


def test_an_offer_comes_off_the_whole_price_then_the_parts_credit(series, reader):
    collection, parts = series
    fund(reader, 2000)
    purchases.unlock_with_wallet(reader=reader, article=parts[0], idempotency_key=new_key())
    offer = percent_off(collection, 20, code="SPRING")
    terms = selectors.quote(reader=reader, collection=collection, currency="USD", offer=offer)
    assert (terms.price, terms.discount, terms.credit, terms.to_pay) == (700, 140, 300, 260)
    bought = services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key(),
                                      offer=offer, quoted_minor=260)
    assert (bought.discount_minor, bought.credit_minor, bought.paid_minor) == (140, 300, 260)
    assert bought.redemption.offer == offer and balance(reader) == 2000 - 300 - 260
    offer.refresh_from_db()
    assert offer.redeemed == 1
    assert_balanced()


def test_offer_and_credit_together_never_go_below_zero_and_an_offer_that_changes_nothing_is_kept(author, reader):
    collection, parts = make_collection(author, parts=3, price_minor=800)
    fund(reader, 2000)
    for part in parts:
        purchases.unlock_with_wallet(reader=reader, article=part, idempotency_key=new_key())
    offer = percent_off(collection, 50)
    terms = selectors.quote(reader=reader, collection=collection, currency="USD", offer=offer)
    assert terms.to_pay == 0 and not terms.offer_lowers_it  # 900 paid for parts covers 800 already
    bought = services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key(), offer=offer)
    assert bought.paid_minor == 0 and bought.transfer is None and bought.redemption is None
    assert not Redemption.objects.filter(offer=offer).exists()  # still the reader's to use elsewhere
    assert_balanced()


def test_an_offer_is_once_per_reader_and_within_its_limit_and_dates(author):
    collection, _parts = make_collection(author)
    other, _ = make_collection(author, slug="another-series")
    limited = percent_off(collection, 10, max_redemptions=1)
    first, second = make_user(), make_user()
    for reader in (first, second):
        fund(reader, 5000)
    services.buy_with_wallet(reader=first, collection=collection, idempotency_key=new_key(), offer=limited)
    with pytest.raises(OfferRefused):
        services.buy_with_wallet(reader=second, collection=collection, idempotency_key=new_key(), offer=limited)
    assert balance(second) == 5000 and not CollectionPurchase.objects.filter(reader=second).exists()
    later = percent_off(collection, 10, starts_at=timezone.now() + dt.timedelta(days=1))
    ended = percent_off(collection, 10, starts_at=timezone.now() - dt.timedelta(days=9),
                        ends_at=timezone.now() - dt.timedelta(days=1))
    for offer in (later, ended):
        with pytest.raises(OfferRefused):
            services.buy_with_wallet(reader=second, collection=collection, idempotency_key=new_key(), offer=offer)
    with pytest.raises(OfferRefused):  # an offer for another collection
        services.buy_with_wallet(reader=second, collection=other, idempotency_key=new_key(), offer=limited)
    # Once per reader: after an undo the use stays taken.
    once = percent_off(collection, 30)
    bought = services.buy_with_wallet(reader=second, collection=collection, idempotency_key=new_key(), offer=once)
    services.undo_collection_purchase(reader=second, purchase_id=bought.pk)
    assert balance(second) == 5000
    with pytest.raises(OfferRefused):
        services.buy_with_wallet(reader=second, collection=collection, idempotency_key=new_key(), offer=once)
    assert_balanced()


def test_collection_offers_are_percent_or_amount_never_a_trial(series):
    collection, _parts = series
    with pytest.raises(OfferRefused):
        offers.create_offer(target=OfferTarget.COLLECTION, collection=collection, kind=OfferKind.TRIAL,
                            trial_days=7)
    with pytest.raises(OfferRefused):
        offers.create_offer(target=OfferTarget.COLLECTION, kind=OfferKind.PERCENT, percent_off=10)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name, *args, lang="en"):
    with translation.override(lang):
        return reverse(name, args=args)


def test_the_writer_makes_an_offer_in_the_studio_and_a_reader_uses_its_code(series, reader):
    collection, _parts = series
    writer = _client(collection.author.user)
    refused = writer.post(_url("collection_studio:offers", collection.pk), {"percent_off": "150", "code": "a b"})
    assert refused.status_code == 400 and "Choose a percentage" in refused.content.decode()
    assert writer.post(_url("collection_studio:offers", collection.pk), {"percent_off": "1\x00"}).status_code == 400
    made = writer.post(_url("collection_studio:offers", collection.pk),
                       {"percent_off": "25", "code": "HARBOUR", "max_redemptions": "3", "ends_on": ""})
    assert made.status_code == 303
    offer = collection.offers.get()
    studio = writer.get(_url("collection_studio:edit", collection.pk, lang="zh-hans")).content.decode()
    assert "HARBOUR" in studio and offer.token in studio
    fund(reader, 1000)
    client = _client(reader)
    assert "collection-code" in client.get(collection.get_absolute_url()).content.decode()
    page = client.get(_url("purchases:buy_collection", collection.slug) + "?code=harbour").content.decode()
    assert "$5.25" in page and "25% off" in page and offer.token in page
    bad = client.get(_url("purchases:buy_collection", collection.slug) + "?code=NOPE", follow=True)
    assert bad.status_code == 200 and "$7.00" in bad.content.decode() and "cannot be used" in bad.content.decode()
    bought = client.post(_url("purchases:buy_collection", collection.slug), {
        "confirmed": "yes", "quoted_price": "525", "offer": offer.token, "idempotency_key": new_key()})
    assert bought.status_code == 303 and balance(reader) == 475
    assert CollectionPurchase.objects.get(reader=reader).discount_minor == 175
    assert_balanced()


def test_an_offer_link_leads_to_the_confirmation_with_the_offer(series, reader):
    collection, _parts = series
    offer = percent_off(collection, 50)
    fund(reader, 1000)
    followed = _client(reader).get(_url("subscriptions:offer", offer.token), follow=True)
    page = followed.content.decode()
    assert followed.status_code == 200 and "$3.50" in page and "50% off" in page
    signed_out = Client().get(_url("subscriptions:offer", offer.token), follow=True)
    assert "offer" in signed_out.request["QUERY_STRING"] or offer.token in signed_out.content.decode() \
        or offer.token in signed_out.redirect_chain[-1][0]


def test_undoing_a_purchase_that_took_an_offer_gives_its_use_back_to_other_readers(author):
    from byline.subscriptions.models import Offer
    from byline.subscriptions.selectors import redeemable

    collection, _parts = make_collection(author, slug="given-back")
    offer = percent_off(collection, 50, max_redemptions=1)
    taker, other = make_user(), make_user()
    fund(taker, 1000)
    fund(other, 1000)
    bought = services.buy_with_wallet(reader=taker, collection=collection, idempotency_key=new_key(), offer=offer)
    assert not redeemable(offer=Offer.objects.get(pk=offer.pk), reader=other)
    services.undo_collection_purchase(reader=taker, purchase_id=bought.pk)
    services.undo_collection_purchase(reader=taker, purchase_id=bought.pk)  # a repeat gives nothing more back
    offer.refresh_from_db()
    assert offer.redeemed == 0 and redeemable(offer=offer, reader=other)
    assert Redemption.objects.get(reader=taker).released_at is not None
    again = services.buy_with_wallet(reader=other, collection=collection, idempotency_key=new_key(), offer=offer)
    assert again.discount_minor == 350 and Offer.objects.get(pk=offer.pk).redeemed == 1
    assert balance(taker) == 1000 and balance(other) == 1000 - 350
    assert_balanced()
