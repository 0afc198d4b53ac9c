"""Paid gifts under real concurrency (PostgreSQL row locks): one claim, one winner between claim and refund."""

import threading

import pytest

from byline.access.decision import decide
from byline.gifts import services
from byline.gifts.errors import GiftRefused
from byline.gifts.models import GiftState, PaidGift
from byline.ledger.invariants import assert_balanced
from tests.conftest import make_user
from tests.ledger.conftest import balance, fund, new_key
from tests.purchases.test_concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _gift(article, buyer=None):
    buyer = buyer or make_user()
    fund(buyer, 1000)
    return buyer, services.buy_gift(buyer=buyer, order=services.article_order(article=article),
                                    idempotency_key=new_key())


def _outcome(call):
    try:
        call()
        return "ok"
    except GiftRefused as refused:
        return refused.code


def _twenty_claim_at_once(gift, opened):
    """Twenty readers claim the gift at the same moment: one wins, nineteen hear "claimed", and only the
    winner reads `opened` (an article the gift opens). The readers."""
    readers = [make_user() for _ in range(20)]
    outcomes = run_concurrently(20, lambda i: _outcome(lambda: services.claim_gift(token=gift.token,
                                                                                    reader=readers[i])))
    assert outcomes.count("ok") == 1 and outcomes.count("claimed") == 19
    assert [decide(r, opened).allowed for r in readers].count(True) == 1
    return readers


def _refund_races_claim(buyer, gift, opened, *, funded_minor):
    """The buyer's refund and a friend's claim start at the same moment: exactly one wins, and the wallet and
    the friend's access say which (the buyer was funded with `funded_minor` before buying)."""
    friend = make_user()
    start = threading.Barrier(2)

    def act(index):
        start.wait()
        if index == 0:
            return _outcome(lambda: services.claim_gift(token=gift.token, reader=friend))
        return _outcome(lambda: services.refund_gift(buyer=buyer, gift_id=gift.pk))

    claim, refund = run_concurrently(2, act)
    state = PaidGift.objects.get(pk=gift.pk).state
    if state == GiftState.CLAIMED:
        assert (claim, refund) == ("ok", "claimed") and balance(buyer) == funded_minor - gift.price_minor
        assert decide(friend, opened).allowed
    else:
        assert state == GiftState.REFUNDED and (claim, refund) == ("refunded", "ok")
        assert balance(buyer) == funded_minor
        assert not decide(friend, opened).allowed
    assert_balanced()


def test_twenty_readers_claiming_one_gift_at_once_claim_it_once(paid_article):
    _buyer, gift = _gift(paid_article)
    _twenty_claim_at_once(gift, paid_article)
    claimed = PaidGift.objects.get(pk=gift.pk)
    assert decide(claimed.recipient, paid_article).allowed
    assert_balanced()


def test_one_reader_claiming_twice_at_once_claims_once(paid_article):
    _buyer, gift = _gift(paid_article)
    friend = make_user()
    outcomes = run_concurrently(2, lambda _: _outcome(lambda: services.claim_gift(token=gift.token, reader=friend)))
    assert outcomes == ["ok", "ok"]
    assert PaidGift.objects.get(pk=gift.pk).settlement.entries.count() == 3  # held, earnings, fees: one claim
    assert_balanced()


@pytest.mark.parametrize("round_", range(5))
def test_a_refund_racing_a_claim_lets_exactly_one_win(paid_article, round_):
    buyer, gift = _gift(paid_article)
    assert gift.price_minor == 300  # the buyer keeps 700 of the 1000 when the claim wins
    _refund_races_claim(buyer, gift, paid_article, funded_minor=1000)


def test_twenty_requests_with_one_key_buy_one_gift(paid_article):
    buyer = make_user()
    fund(buyer, 5000)
    key = new_key()
    order = services.article_order(article=paid_article)
    ids = run_concurrently(20, lambda _: services.buy_gift(buyer=buyer, order=order, idempotency_key=key).pk)
    assert len(set(ids)) == 1 and PaidGift.objects.count() == 1 and balance(buyer) == 4700
    assert_balanced()


def test_gifts_bought_at_once_never_overdraw_the_wallet(author):
    from tests.conftest import make_article

    buyer = make_user()
    fund(buyer, 3 * 300 + 100)
    articles = [make_article(author=author) for _ in range(10)]

    def buy(index):
        try:
            services.buy_gift(buyer=buyer, order=services.article_order(article=articles[index]),
                              idempotency_key=new_key())
            return "bought"
        except Exception as error:  # NotEnoughInWallet
            return type(error).__name__

    outcomes = run_concurrently(10, buy)
    assert outcomes.count("bought") == 3 and balance(buyer) == 100
    assert PaidGift.objects.filter(state=GiftState.PAID).count() == 3
    assert_balanced()


def _kind_gift(kind, author):
    """A paid gift of a whole collection or of two months of a writer's subscription, and what it opens."""
    from byline.subscriptions import services as subscription_services
    from tests.collections.conftest import make_collection
    from tests.conftest import make_article

    buyer = make_user()
    fund(buyer, 2000)
    if kind == "collection":
        collection, parts = make_collection(author, slug=f"gifted-{new_key()[:8]}")
        order = services.collection_order(collection=collection)
    else:
        subscription_services.set_price(author=author, interval="month", currency="USD", price_minor=500)
        parts = [make_article(author=author, slug=f"months-{new_key()[:8]}")]
        order = services.author_order(author=author, months=2)
    return buyer, services.buy_gift(buyer=buyer, order=order, idempotency_key=new_key()), parts


@pytest.mark.parametrize("kind", ["collection", "author"])
def test_twenty_readers_claiming_a_collection_or_months_gift_claim_it_once(author, kind):
    _buyer, gift, parts = _kind_gift(kind, author)
    _twenty_claim_at_once(gift, parts[0])
    assert_balanced()


@pytest.mark.parametrize("kind", ["collection", "author"])
@pytest.mark.parametrize("round_", range(3))
def test_a_refund_racing_the_claim_of_a_collection_or_months_gift_lets_one_win(author, kind, round_):
    buyer, gift, parts = _kind_gift(kind, author)
    _refund_races_claim(buyer, gift, parts[0], funded_minor=2000)


def test_a_collection_gift_claimed_while_its_recipient_buys_it_opens_it_once(author):
    from byline.collections import services as collection_services
    from byline.collections.models import CollectionPurchase

    _buyer, gift, _parts = _kind_gift("collection", author)
    friend = make_user()
    fund(friend, 1000)
    start = threading.Barrier(2)

    def act(index):
        start.wait()
        if index == 0:
            return _outcome(lambda: services.claim_gift(token=gift.token, reader=friend))
        try:
            collection_services.buy_with_wallet(reader=friend, collection=gift.collection, idempotency_key=new_key())
            return "bought"
        except Exception as error:  # NotForSale: the gift came first
            return type(error).__name__

    outcomes = run_concurrently(2, act)
    assert CollectionPurchase.objects.filter(reader=friend, status="active").count() == 1
    assert sorted(outcomes) in (["bought", "has_it"], ["NotForSale", "ok"], ["bought", "ok"])
    assert_balanced()
