"""Memberships: join, read everything, renew or lapse, cancel at period end, share the pool by reads."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from byline.access.decision import Reason, decide
from byline.ledger.invariants import assert_balanced
from byline.ledger.models import Account, AccountKind
from byline.purchases import memberships
from byline.purchases.errors import NotEnoughInWallet, PurchaseRefused
from byline.purchases.models import MemberRead, MembershipPlan, MembershipStatus
from tests.conftest import LOCKED_SENTINEL, make_article, make_author
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    return MembershipPlan.objects.create(name="Monthly", interval="month", price_minor=800, currency="USD")


def pool(currency="USD") -> int:
    return Account.objects.get(kind=AccountKind.POOL, currency=currency).balance


def test_joining_from_the_wallet_opens_paid_and_members_only_articles(funded_reader, plan, paid_article, author):
    members_only = make_article(author=author, visibility="members", price_minor=0)
    memberships.join_with_wallet(reader=funded_reader, plan=plan, idempotency_key=new_key())
    assert balance(funded_reader) == 200 and pool() == 800
    assert decide(funded_reader, paid_article).reason == Reason.MEMBERSHIP
    assert decide(funded_reader, members_only).reason == Reason.MEMBERSHIP
    assert_balanced()


def test_joining_twice_with_one_key_charges_once_and_a_second_membership_is_refused(funded_reader, plan):
    key = new_key()
    first = memberships.join_with_wallet(reader=funded_reader, plan=plan, idempotency_key=key)
    assert memberships.join_with_wallet(reader=funded_reader, plan=plan, idempotency_key=key).pk == first.pk
    with pytest.raises(PurchaseRefused):
        memberships.join_with_wallet(reader=funded_reader, plan=plan, idempotency_key=new_key())
    assert balance(funded_reader) == 200


def test_joining_with_a_short_wallet_is_refused(reader, plan):
    fund(reader, 100)
    with pytest.raises(NotEnoughInWallet):
        memberships.join_with_wallet(reader=reader, plan=plan, idempotency_key=new_key())
    assert balance(reader) == 100 and not reader.memberships.exists()


def test_wallet_renewal_charges_the_next_period_or_lets_it_lapse(reader, plan):
    fund(reader, 1600)
    membership = memberships.join_with_wallet(reader=reader, plan=plan, idempotency_key=new_key())
    later = membership.period_end + dt.timedelta(minutes=1)
    assert memberships.renew_due_wallet_memberships(now=later) == {"renewed": 1}
    assert balance(reader) == 0
    membership.refresh_from_db()
    even_later = membership.period_end + dt.timedelta(minutes=1)
    assert memberships.renew_due_wallet_memberships(now=even_later) == {"lapsed": 1}
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ENDED
    assert_balanced()


def test_cancelling_keeps_the_membership_to_period_end_then_ends_it(funded_reader, plan, paid_article):
    membership = memberships.join_with_wallet(reader=funded_reader, plan=plan, idempotency_key=new_key())
    memberships.cancel_at_period_end(reader=funded_reader)
    assert decide(funded_reader, paid_article).allowed
    assert memberships.renew_due_wallet_memberships(now=membership.period_end + dt.timedelta(seconds=1)) == {
        "ended": 1}
    assert not decide(funded_reader, paid_article).allowed and balance(funded_reader) == 200


def test_the_pool_is_shared_among_authors_by_member_reads(client, plan):
    ada, bo = make_author("ada"), make_author("bo")
    ada_articles = [make_article(author=ada) for _ in range(3)]
    bo_article = make_article(author=bo)
    readers = []
    for number in range(2):
        from tests.conftest import make_user

        reader = make_user(f"member{number}")
        fund(reader, 800)
        memberships.join_with_wallet(reader=reader, plan=plan, idempotency_key=new_key())
        readers.append(reader)
    client.force_login(readers[0])
    for article in ada_articles + [bo_article]:
        assert LOCKED_SENTINEL in client.get(article.get_absolute_url()).content.decode()
    client.get(ada_articles[0].get_absolute_url())  # a second look the same day counts once
    client.force_login(readers[1])
    client.get(ada_articles[0].get_absolute_url())
    assert MemberRead.objects.count() == 5
    close = memberships.close_pool_period(currency="USD")
    # 1600 in the pool; authors share 90% = 1440 by reads 4:1
    earnings = {a.owner.username: a.balance for a in Account.objects.filter(kind=AccountKind.EARNINGS)}
    assert earnings == {"ada": 1152, "bo": 288}
    assert pool() == 0 and close.transfer.entries.count() == 4
    assert memberships.close_pool_period(currency="USD") is None  # nothing left unsettled
    assert_balanced()


def test_joining_through_the_page(client, funded_reader, plan):
    client.force_login(funded_reader)
    join = reverse("purchases:join", args=[plan.pk])
    confirmation = client.get(join).content.decode()
    assert "Confirm your membership" in confirmation and "$8.00" in confirmation and "$2.00" in confirmation
    response = client.post(join, {"idempotency_key": new_key(), "method": "wallet", "confirmed": "yes",
                                  "quoted_price": "800", "currency": "USD"})
    assert response.status_code == 303
    page = client.get(response["Location"]).content.decode()
    assert "You are a member" in page and "$8.00 was paid from your balance, which is now $2.00." in page
    assert balance(funded_reader) == 200


def test_joining_by_card_through_the_sandbox(client, reader, plan):
    from byline.payments.providers import sandbox

    client.force_login(reader)
    response = client.post(reverse("purchases:join", args=[plan.pk]), {"idempotency_key": new_key(),
                                                                       "method": "card"})
    client.post(response["Location"], {"card_number": sandbox.SUCCESS})
    membership = memberships.active_membership(reader=reader, now=timezone.now())
    assert membership is not None and membership.subscription_ref.startswith("sub_sbx_")
    assert balance(reader) == 0 and pool() == 800
