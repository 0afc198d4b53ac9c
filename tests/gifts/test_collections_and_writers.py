"""Paid gifts of a whole collection and of months of one writer's subscription: bought from the wallet into
"gifts held", claimed once after sign-in (the writer is paid as for a sale), nothing renews, taken back until
claimed; each step one ledger transfer and `ledger_check`'s invariants hold."""

import datetime as dt

import pytest
from django.utils import timezone

from byline.access.decision import Reason, decide
from byline.collections import services as collection_services
from byline.collections.models import CollectionPurchase
from byline.gifts import services
from byline.gifts.errors import GiftRefused
from byline.gifts.invariants import gift_problems
from byline.gifts.models import GiftKind, GiftState
from byline.ledger import services as ledger
from byline.ledger.invariants import assert_balanced
from byline.ledger.models import AccountKind, TransferKind
from byline.purchases import services as purchases
from byline.purchases.errors import NotForSale, UndoRefused
from byline.subscriptions import services as subscription_services
from byline.subscriptions.models import AuthorSubscription, SubscriptionStatus
from tests.collections.conftest import make_collection
from tests.conftest import make_article, make_author, make_user
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db


def _earnings(user, currency="USD") -> int:
    return ledger.account_for(kind=AccountKind.EARNINGS, owner=user, currency=currency).balance


def _held(currency="USD") -> int:
    return ledger.account_for(kind=AccountKind.GIFTS, currency=currency).balance


def _give_collection(buyer, collection, **kw):
    return services.buy_gift(buyer=buyer, order=services.collection_order(collection=collection, **kw),
                             idempotency_key=new_key())


def _give_months(buyer, author, months, **kw):
    return services.buy_gift(buyer=buyer, order=services.author_order(author=author, months=months, **kw),
                             idempotency_key=new_key())


@pytest.fixture
def writer(db):
    writer = make_author("gifted-writer")
    subscription_services.set_price(author=writer, interval="month", currency="USD", price_minor=500)
    return writer


def test_a_collection_gift_holds_its_whole_price_until_claimed_then_opens_every_part(author):
    collection, parts = make_collection(author)
    buyer, friend = make_user(), make_user()
    fund(buyer, 1000)
    purchases.unlock_with_wallet(reader=buyer, article=parts[0], idempotency_key=new_key())
    gift = _give_collection(buyer, collection)
    # The buyer's own part is no credit towards someone else's copy: the whole price, held.
    assert gift.kind == GiftKind.COLLECTION and gift.price_minor == 700
    assert balance(buyer) == 1000 - 300 - 700 and _held() == 700
    assert not any(decide(friend, part).allowed for part in parts)
    before = _earnings(author.user)
    claimed = services.claim_gift(token=gift.token, reader=friend)
    assert claimed.state == GiftState.CLAIMED and _held() == 0
    assert _earnings(author.user) - before == purchases.split_price(700)[0]
    owned = CollectionPurchase.objects.get(reader=friend, collection=collection)
    assert owned.gifted and owned.transfer_id == claimed.settlement_id
    assert owned.transfer.kind == TransferKind.GIFT_CLAIM
    for part in parts:
        access = decide(friend, part)
        assert access.allowed and access.reason == Reason.COLLECTION and access.ref == owned.pk
    later = make_article(author=author, slug="added-after-the-claim")
    collection_services.add_article(collection=collection, article=later)
    assert decide(friend, later).allowed  # the collection's terms: later parts included
    assert gift_problems() == []
    assert_balanced()


def test_a_gifted_collection_cannot_be_undone_by_its_recipient(author):
    collection, _parts = make_collection(author)
    buyer, friend = make_user(), make_user()
    fund(buyer, 1000)
    gift = _give_collection(buyer, collection)
    services.claim_gift(token=gift.token, reader=friend)
    owned = CollectionPurchase.objects.get(reader=friend, collection=collection)
    with pytest.raises(UndoRefused) as refused:
        collection_services.undo_collection_purchase(reader=friend, purchase_id=owned.pk)
    assert refused.value.code == "gift" and balance(friend) == 0
    with pytest.raises(GiftRefused) as late:
        services.refund_gift(buyer=buyer, gift_id=gift.pk)
    assert late.value.code == "claimed"
    assert_balanced()


def test_a_collection_gift_taken_back_returns_the_money_and_opens_nothing(author):
    collection, parts = make_collection(author)
    buyer, friend = make_user(), make_user()
    fund(buyer, 1000)
    gift = _give_collection(buyer, collection)
    refunded = services.refund_gift(buyer=buyer, gift_id=gift.pk)
    assert refunded.state == GiftState.REFUNDED and balance(buyer) == 1000 and _held() == 0
    with pytest.raises(GiftRefused) as refused:
        services.claim_gift(token=gift.token, reader=friend)
    assert refused.value.code == "refunded"
    assert not any(decide(friend, part).allowed for part in parts)
    assert gift_problems() == []
    assert_balanced()


def test_a_reader_who_owns_the_collection_leaves_its_gift_unclaimed(author):
    collection, _parts = make_collection(author)
    buyer, friend = make_user(), make_user()
    fund(buyer, 1000)
    fund(friend, 1000)
    collection_services.buy_with_wallet(reader=friend, collection=collection, idempotency_key=new_key())
    gift = _give_collection(buyer, collection)
    with pytest.raises(GiftRefused) as refused:
        services.claim_gift(token=gift.token, reader=friend)
    assert refused.value.code == "has_it"
    with pytest.raises(GiftRefused):
        services.claim_gift(token=gift.token, reader=author.user)  # the writer holds it already
    assert _held() == 700
    assert services.claim_gift(token=gift.token, reader=make_user()).state == GiftState.CLAIMED
    assert_balanced()


def test_an_empty_collection_is_not_sold_as_a_gift(author):
    collection, _parts = make_collection(author, parts=0, slug="empty")
    with pytest.raises(NotForSale):
        services.collection_order(collection=collection)


def test_months_of_a_writer_open_their_articles_pay_them_and_never_renew(writer):
    article = make_article(author=writer, slug="by-the-gifted-writer")
    other = make_article(author=make_author("someone-else"), slug="by-someone-else")
    buyer, friend = make_user(), make_user()
    fund(buyer, 2000)
    gift = _give_months(buyer, writer, 3)
    assert gift.price_minor == 1500 and balance(buyer) == 500 and _held() == 1500
    assert not decide(friend, article).allowed
    now = timezone.now()
    services.claim_gift(token=gift.token, reader=friend, now=now)
    assert _earnings(writer.user) == purchases.split_price(1500)[0] and _held() == 0
    subscription = AuthorSubscription.objects.get(reader=friend, author=writer)
    assert subscription.cancel_at_period_end and subscription.status == SubscriptionStatus.ACTIVE
    charge = subscription.charges.get()
    assert charge.transfer.kind == TransferKind.GIFT_CLAIM and charge.amount_minor == 1500
    access = decide(friend, article)
    assert access.allowed and access.reason == Reason.AUTHOR_SUBSCRIPTION
    assert not decide(friend, other).allowed  # one writer only
    # Three months later the period is over; the renewal task ends it without charging anyone.
    fund(friend, 5000)
    after = subscription.period_end + dt.timedelta(minutes=1)
    assert subscription.period_end >= now + dt.timedelta(days=89)
    subscription_services.renew_due(now=after)
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ENDED and balance(friend) == 5000
    assert gift_problems() == []
    assert_balanced()


def test_months_given_to_a_subscriber_follow_their_paid_period(writer):
    buyer, friend = make_user(), make_user()
    fund(buyer, 1000)
    fund(friend, 1000)
    mine = subscription_services.subscribe_with_wallet(reader=friend, author=writer, interval="month",
                                                       idempotency_key=new_key())
    paid_until = mine.period_end
    gift = _give_months(buyer, writer, 2)
    services.claim_gift(token=gift.token, reader=friend)
    mine.refresh_from_db()
    assert mine.period_end > paid_until + dt.timedelta(days=58)
    assert not mine.cancel_at_period_end  # their own subscription renews as before, after the gift
    assert AuthorSubscription.objects.filter(reader=friend, author=writer).count() == 1
    assert_balanced()


def test_writer_months_need_a_monthly_price_in_the_buyers_currency(writer):
    plain = make_author("no-prices")
    with pytest.raises(NotForSale):
        services.author_order(author=plain, months=1)
    with pytest.raises(NotForSale):
        services.price_of(services.author_order(author=writer, months=1), "CNY")
    with pytest.raises(GiftRefused):
        services.author_order(author=writer, months=13)


def test_a_writer_cannot_claim_months_of_their_own_subscription(writer):
    buyer = make_user()
    fund(buyer, 1000)
    gift = _give_months(buyer, writer, 1)
    with pytest.raises(GiftRefused) as refused:
        services.claim_gift(token=gift.token, reader=writer.user)
    assert refused.value.code == "has_it" and _held() == 500


def test_a_writer_gift_not_claimed_within_a_year_can_only_be_taken_back(writer):
    buyer, friend = make_user(), make_user()
    fund(buyer, 1000)
    gift = _give_months(buyer, writer, 1)
    with pytest.raises(GiftRefused) as refused:
        services.claim_gift(token=gift.token, reader=friend, now=timezone.now() + dt.timedelta(days=366))
    assert refused.value.code == "expired"
    services.refund_gift(buyer=buyer, gift_id=gift.pk)
    assert balance(buyer) == 1000 and gift_problems() == []


def test_the_emails_of_a_collection_gift_and_of_writer_months_name_them_in_both_parts(
        author, writer, smtp_sink, django_capture_on_commit_callbacks):
    from tests.conftest import LOCKED_SENTINEL

    collection, _parts = make_collection(author)
    buyer = make_user()
    fund(buyer, 5000)
    with django_capture_on_commit_callbacks(execute=True):
        whole = _give_collection(buyer, collection, recipient_email="reader-one@example.net")
        months = _give_months(buyer, writer, 2, recipient_email="reader-two@example.net")
    for address, gift, words in (("reader-one@example.net", whole, collection.title),
                                 ("reader-two@example.net", months, f"2 months of {writer.name}'s subscription")):
        [message] = smtp_sink.to(address)
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert services.claim_url(gift) in text and words in text
        assert words.replace("'", "&#x27;") in html or words in html
        assert LOCKED_SENTINEL not in message.as_string()
