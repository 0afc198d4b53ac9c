"""Author subscriptions, offers and the fair-price cap, through their services (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from byline.access.decision import Reason, decide, readable_ids
from byline.ledger.invariants import assert_balanced
from byline.purchases import memberships
from byline.purchases import services as purchases
from byline.purchases.errors import NotEnoughInWallet, NotForSale, PriceChanged, UndoRefused
from byline.purchases.models import Interval, MembershipPlan, PurchaseStatus
from byline.subscriptions import fair_price, selectors, services
from byline.subscriptions.errors import OfferRefused, SubscriptionRefused
from byline.subscriptions.models import OfferKind, OfferTarget, SubscriptionStatus
from tests.conftest import make_article, make_author, make_user
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def priced(author):
    services.set_price(author=author, interval=Interval.MONTH, currency="USD", price_minor=500)
    services.set_price(author=author, interval=Interval.YEAR, currency="USD", price_minor=5000)
    return author


def test_a_subscriber_reads_every_paid_article_of_that_writer_and_no_other(priced, funded_reader):
    mine, other = make_article(author=priced), make_article(author=make_author())
    services.subscribe_with_wallet(reader=funded_reader, author=priced, interval=Interval.MONTH,
                                   idempotency_key=new_key(), quoted_minor=500)
    assert decide(funded_reader, mine).reason == Reason.AUTHOR_SUBSCRIPTION
    assert not decide(funded_reader, other)
    assert readable_ids(funded_reader, [mine, other]) == {mine.pk}
    assert balance(funded_reader) == 500
    assert_balanced()


def test_the_writer_earns_the_price_less_the_fee(priced, funded_reader):
    from byline.ledger.selectors import balance_of

    services.subscribe_with_wallet(reader=funded_reader, author=priced, interval=Interval.MONTH,
                                   idempotency_key=new_key())
    assert balance_of(owner=priced.user, kind="earnings", currency="USD") == 450


def test_a_repeated_key_subscribes_and_charges_once(priced, funded_reader):
    key = new_key()
    first = services.subscribe_with_wallet(reader=funded_reader, author=priced, interval=Interval.MONTH,
                                           idempotency_key=key)
    again = services.subscribe_with_wallet(reader=funded_reader, author=priced, interval=Interval.MONTH,
                                           idempotency_key=key)
    assert first.pk == again.pk and balance(funded_reader) == 500


def test_a_second_subscription_to_the_same_writer_is_refused(priced, funded_reader):
    services.subscribe_with_wallet(reader=funded_reader, author=priced, interval=Interval.MONTH,
                                   idempotency_key=new_key())
    with pytest.raises(SubscriptionRefused):
        services.subscribe_with_wallet(reader=funded_reader, author=priced, interval=Interval.YEAR,
                                       idempotency_key=new_key())


def test_a_short_wallet_subscribes_to_nothing(priced, reader):
    fund(reader, 100)
    with pytest.raises(NotEnoughInWallet):
        services.subscribe_with_wallet(reader=reader, author=priced, interval=Interval.MONTH,
                                       idempotency_key=new_key())
    assert not selectors.subscriptions_of(reader=reader) and balance(reader) == 100


def test_a_lapsed_subscriber_reads_nothing_more(priced, reader):
    fund(reader, 500)
    article = make_article(author=priced)
    services.subscribe_with_wallet(reader=reader, author=priced, interval=Interval.MONTH, idempotency_key=new_key())
    later = timezone.now() + dt.timedelta(days=32)
    assert services.renew_due(now=later) == {"lapsed": 1}
    assert not decide(reader, article)


def test_a_wallet_renewal_charges_the_terms_joined_on(priced, reader):
    fund(reader, 1000)
    services.subscribe_with_wallet(reader=reader, author=priced, interval=Interval.MONTH, idempotency_key=new_key())
    services.set_price(author=priced, interval=Interval.MONTH, currency="USD", price_minor=900)
    later = timezone.now() + dt.timedelta(days=32)
    assert services.renew_due(now=later) == {"renewed": 1}
    assert services.renew_due(now=later) == {}
    assert balance(reader) == 0
    assert_balanced()


def test_a_cancelled_subscription_reads_until_its_period_ends_then_stops(priced, funded_reader):
    article = make_article(author=priced)
    services.subscribe_with_wallet(reader=funded_reader, author=priced, interval=Interval.MONTH,
                                   idempotency_key=new_key())
    services.cancel(reader=funded_reader, author_id=priced.pk)
    assert decide(funded_reader, article)
    assert services.renew_due(now=timezone.now() + dt.timedelta(days=32)) == {"ended": 1}
    assert not decide(funded_reader, article) and balance(funded_reader) == 500


def test_a_percent_offer_lowers_the_first_period_only(priced, reader):
    fund(reader, 1000)
    offer = services.create_offer(target=OfferTarget.AUTHOR, author=priced, kind=OfferKind.PERCENT, percent_off=40,
                                  code="SPRING")
    found = selectors.offer_by_code(code="spring", target=OfferTarget.AUTHOR, author_id=priced.pk)
    assert found == offer
    services.subscribe_with_wallet(reader=reader, author=priced, interval=Interval.MONTH, idempotency_key=new_key(),
                                   offer=offer, quoted_minor=300)
    assert balance(reader) == 700
    services.renew_due(now=timezone.now() + dt.timedelta(days=32))
    assert balance(reader) == 200


def test_an_offer_is_taken_once_per_reader_and_within_its_limit(priced):
    offer = services.create_offer(target=OfferTarget.AUTHOR, author=priced, kind=OfferKind.FIXED,
                                  amount_off_minor=100, currency="USD", max_redemptions=1)
    first, second = make_user(), make_user()
    fund(first, 1000)
    fund(second, 1000)
    services.subscribe_with_wallet(reader=first, author=priced, interval=Interval.MONTH, idempotency_key=new_key(),
                                   offer=offer)
    assert balance(first) == 600
    with pytest.raises(OfferRefused):
        services.subscribe_with_wallet(reader=second, author=priced, interval=Interval.MONTH,
                                       idempotency_key=new_key(), offer=offer)
    assert balance(second) == 1000 and not selectors.subscriptions_of(reader=second)


def test_an_offer_outside_its_dates_is_refused(priced, funded_reader):
    offer = services.create_offer(target=OfferTarget.AUTHOR, author=priced, kind=OfferKind.PERCENT, percent_off=10,
                                  starts_at=timezone.now() + dt.timedelta(days=1))
    with pytest.raises(OfferRefused):
        services.subscribe_with_wallet(reader=funded_reader, author=priced, interval=Interval.MONTH,
                                       idempotency_key=new_key(), offer=offer)


def test_a_trial_charges_nothing_and_ends_unread_when_the_wallet_is_empty(priced, reader):
    article = make_article(author=priced)
    offer = services.create_offer(target=OfferTarget.AUTHOR, author=priced, kind=OfferKind.TRIAL, trial_days=7)
    subscription = services.subscribe_with_wallet(reader=reader, author=priced, interval=Interval.MONTH,
                                                  idempotency_key=new_key(), offer=offer, quoted_minor=0)
    assert subscription.in_trial and decide(reader, article).reason == Reason.AUTHOR_SUBSCRIPTION
    assert services.renew_due(now=timezone.now() + dt.timedelta(days=8)) == {"lapsed": 1}
    assert not decide(reader, article)


def test_a_trial_turns_into_a_paid_period_when_the_wallet_has_the_price(priced, funded_reader):
    offer = services.create_offer(target=OfferTarget.AUTHOR, author=priced, kind=OfferKind.TRIAL, trial_days=7)
    services.subscribe_with_wallet(reader=funded_reader, author=priced, interval=Interval.MONTH,
                                   idempotency_key=new_key(), offer=offer)
    assert services.renew_due(now=timezone.now() + dt.timedelta(days=8)) == {"renewed": 1}
    assert balance(funded_reader) == 500


def test_a_quote_that_no_longer_holds_charges_nothing(priced, funded_reader):
    with pytest.raises(PriceChanged):
        services.subscribe_with_wallet(reader=funded_reader, author=priced, interval=Interval.MONTH,
                                       idempotency_key=new_key(), quoted_minor=400)
    assert balance(funded_reader) == 1000


def test_the_retention_offer_keeps_the_subscription_at_its_discount(priced, reader):
    fund(reader, 1000)
    services.subscribe_with_wallet(reader=reader, author=priced, interval=Interval.MONTH, idempotency_key=new_key())
    offer = services.create_offer(target=OfferTarget.AUTHOR, author=priced, kind=OfferKind.PERCENT, percent_off=50,
                                  retention=True)
    subscription = services.cancel(reader=reader, author_id=priced.pk)
    assert selectors.retention_offer(subscription=subscription) == offer
    services.accept_retention_offer(reader=reader, author_id=priced.pk, offer=offer)
    assert services.renew_due(now=timezone.now() + dt.timedelta(days=32)) == {"renewed": 1}
    assert balance(reader) == 250
    assert selectors.retention_offer(subscription=subscription) is None


# --- the fair-price cap ---

def test_purchases_stop_at_the_monthly_price_and_open_the_rest(priced, reader):
    fund(reader, 2000)
    first, second, third = (make_article(author=priced) for _ in range(3))
    purchases.unlock_with_wallet(reader=reader, article=first, idempotency_key=new_key())
    capped = purchases.unlock_with_wallet(reader=reader, article=second, idempotency_key=new_key())
    assert capped.price_minor == 200 and balance(reader) == 1500
    assert decide(reader, third).reason == Reason.FAIR_PRICE
    with pytest.raises(NotForSale):
        purchases.unlock_with_wallet(reader=reader, article=third, idempotency_key=new_key())
    assert_balanced()


def test_the_cap_opens_nothing_of_another_writer(priced, reader):
    fund(reader, 2000)
    for _ in range(2):
        purchases.unlock_with_wallet(reader=reader, article=make_article(author=priced), idempotency_key=new_key())
    other = make_author()
    services.set_price(author=other, interval=Interval.MONTH, currency="USD", price_minor=500)
    assert not decide(reader, make_article(author=other))


def test_an_undo_below_the_cap_closes_the_rest_again(priced, reader):
    fund(reader, 2000)
    purchases.unlock_with_wallet(reader=reader, article=make_article(author=priced), idempotency_key=new_key())
    capped = purchases.unlock_with_wallet(reader=reader, article=make_article(author=priced),
                                          idempotency_key=new_key())
    third = make_article(author=priced)
    assert decide(reader, third)
    purchases.undo_purchase(reader=reader, purchase_id=capped.pk)  # the first one stays until this one goes
    assert not decide(reader, third)


def test_last_months_purchases_do_not_count(priced, reader):
    fund(reader, 2000)
    bought = purchases.unlock_with_wallet(reader=reader, article=make_article(author=priced),
                                          idempotency_key=new_key())
    bought.created_at = fair_price.month_bounds(timezone.now())[0] - dt.timedelta(days=1)
    bought.save(update_fields=["created_at"])
    again = purchases.unlock_with_wallet(reader=reader, article=make_article(author=priced), idempotency_key=new_key())
    assert again.price_minor == 300


def test_progress_says_what_is_left(priced, reader):
    fund(reader, 2000)
    purchases.unlock_with_wallet(reader=reader, article=make_article(author=priced), idempotency_key=new_key())
    progress = fair_price.progress(reader=reader, author_id=priced.pk, currency="USD")
    assert (progress.cap_minor, progress.paid_minor, progress.left_minor) == (500, 300, 200)


def test_subscribing_credits_this_months_purchases_and_freezes_them(priced, reader):
    fund(reader, 2000)
    bought = purchases.unlock_with_wallet(reader=reader, article=make_article(author=priced),
                                          idempotency_key=new_key())
    terms = services.first_period_terms(reader=reader, author=priced, interval=Interval.MONTH, currency="USD",
                                        offer=None)
    assert terms["credit"] == 300 and terms["due"] == 200
    services.subscribe_with_wallet(reader=reader, author=priced, interval=Interval.MONTH, idempotency_key=new_key(),
                                   quoted_minor=200)
    assert balance(reader) == 1500
    with pytest.raises(UndoRefused):
        purchases.undo_purchase(reader=reader, purchase_id=bought.pk)
    bought.refresh_from_db()
    assert bought.status == PurchaseStatus.ACTIVE
    assert_balanced()


def test_a_reached_cap_turns_into_a_month_for_nothing_more(priced, reader):
    fund(reader, 2000)
    for _ in range(2):
        purchases.unlock_with_wallet(reader=reader, article=make_article(author=priced), idempotency_key=new_key())
    subscription = services.subscribe_with_wallet(reader=reader, author=priced, interval=Interval.MONTH,
                                                  idempotency_key=new_key(), quoted_minor=0)
    assert subscription.status == SubscriptionStatus.ACTIVE and balance(reader) == 1500


def test_the_cap_is_one_query_under_the_wallet_lock_and_none_for_a_writer_without_a_monthly_price(priced, reader):
    """Issue 23: the statement that locks the wallet asks whether the writer has a monthly price in the currency;
    only then does the cap count this month's purchases, in one query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    yearly_only = make_author()
    services.set_price(author=yearly_only, interval=Interval.YEAR, currency="USD", price_minor=5000)
    fund(reader, 5000)
    capped, uncapped = [[make_article(author=writer) for _ in range(2)] for writer in (priced, yearly_only)]
    for articles in (capped, uncapped):  # the first sale makes the writer's earnings account
        purchases.unlock_with_wallet(reader=reader, article=articles[0], idempotency_key=new_key())
    statements = {}
    for name, articles in (("capped", capped), ("uncapped", uncapped)):
        with CaptureQueriesContext(connection) as queries:
            bought = purchases.unlock_with_wallet(reader=reader, article=articles[1], idempotency_key=new_key())
        statements[name] = [query["sql"] for query in queries.captured_queries]
    assert bought.price_minor == articles[1].price_minor
    counts = {name: sum("SUM(p.price_minor)" in sql for sql in sqls) for name, sqls in statements.items()}
    assert counts == {"capped": 1, "uncapped": 0}
    assert len(statements["capped"]) == len(statements["uncapped"]) + 1
    assert_balanced()


# --- memberships with an offer ---

@pytest.fixture
def plan(db):
    return MembershipPlan.objects.create(name="Monthly", interval=Interval.MONTH, price_minor=800, currency="USD")


def test_a_membership_trial_reads_everything_then_lapses(plan, reader):
    article = make_article()
    offer = services.create_offer(target=OfferTarget.MEMBERSHIP, kind=OfferKind.TRIAL, trial_days=14)
    services.join_membership_with_offer(reader=reader, plan=plan, offer=offer, idempotency_key=new_key(),
                                        quoted_minor=0)
    assert decide(reader, article).reason == Reason.MEMBERSHIP
    memberships.renew_due_wallet_memberships(now=timezone.now() + dt.timedelta(days=15))
    assert not decide(reader, article) and balance(reader) == 0


def test_a_membership_offer_lowers_the_first_period(plan, funded_reader):
    offer = services.create_offer(target=OfferTarget.MEMBERSHIP, kind=OfferKind.PERCENT, percent_off=25)
    joined = services.join_membership_with_offer(reader=funded_reader, plan=plan, offer=offer,
                                                 idempotency_key=new_key(), quoted_minor=600)
    assert balance(funded_reader) == 400 and joined.price_minor == 800
    assert_balanced()
