"""The entitlement query compiled once per shape must answer exactly as the ORM definition does."""

import datetime as dt

import pytest
from django.db.models import Exists, OuterRef
from django.utils import timezone

from byline.access import entitlements
from byline.purchases.models import Interval, Membership, MembershipPlan, MembershipStatus, Purchase
from byline.purchases.services import refund_purchase, undo_purchase, unlock_with_wallet
from byline.sharing.models import GiftLink, GiftRedemption
from tests.conftest import make_article, make_user
from tests.ledger.conftest import fund

pytestmark = pytest.mark.django_db


def orm_answers(reader, articles) -> dict[int, str]:
    query, reasons = entitlements._entitlement_query(reader, [a.pk for a in articles], timezone.now())
    return {pk: next(r for r, held in zip(reasons, flags, strict=True) if held)
            for pk, *flags in query if any(flags)}


@pytest.fixture
def shelf(author):
    return [make_article(author=author, price_minor=100 + n) for n in range(6)]


def test_compiled_answers_match_the_orm_for_purchases_undos_refunds_and_gifts(shelf, author):
    reader = make_user()
    fund(reader, 10_000)
    bought, undone, refunded, gifted, _, _ = shelf
    for article in (bought, undone, refunded):
        unlock_with_wallet(reader=reader, article=article, idempotency_key=f"k-{article.pk}")
    undo_purchase(reader=reader, purchase_id=Purchase.objects.get(reader=reader, article=undone).pk)
    refund_purchase(purchase_id=Purchase.objects.get(reader=reader, article=refunded).pk,
                    staff_user=make_user(is_staff=True, is_superuser=True))
    giver = make_user()
    gift = GiftLink.objects.create(giver=giver, article=gifted, token="t" * 43, max_redemptions=2,
                                   expires_at=timezone.now() + dt.timedelta(days=3))
    GiftRedemption.objects.create(gift=gift, recipient=reader, browser_key_hash="b" * 64)

    assert entitlements._compiled_query(len(shelf)) is not None, "the compiled path should be in use"
    answers = entitlements.reasons_for(reader, shelf)
    assert answers == orm_answers(reader, shelf) == {bought.pk: "purchase", gifted.pk: "gift"}
    assert entitlements.reasons_for(make_user(), shelf) == {}


def test_compiled_answers_follow_membership_time(shelf):
    reader = make_user()
    plan = MembershipPlan.objects.create(name="Monthly", interval=Interval.MONTH, price_minor=800, currency="USD")
    now = timezone.now()
    membership = Membership.objects.create(reader=reader, plan=plan, currency="USD", price_minor=800,
                                           status=MembershipStatus.ACTIVE, period_start=now - dt.timedelta(days=30),
                                           period_end=now + dt.timedelta(minutes=5))
    assert set(entitlements.reasons_for(reader, shelf).values()) == {"membership"}
    membership.period_end = now - dt.timedelta(seconds=1)
    membership.save()
    assert entitlements.reasons_for(reader, shelf) == orm_answers(reader, shelf) == {}


def test_a_source_that_derives_a_value_from_now_is_never_compiled(shelf, monkeypatch):
    """Compiling would freeze `now - 1 day` into a constant; the self-check must refuse and the ORM answer."""
    reader = make_user()
    fund(reader, 1_000)
    unlock_with_wallet(reader=reader, article=shelf[0], idempotency_key="derived")

    def recent_buyer(reader, now):
        recent = Purchase.objects.filter(reader_id=reader.pk, article_id=OuterRef("pk"),
                                         created_at__gt=now - dt.timedelta(days=1))
        return {"recent": Exists(recent)}

    monkeypatch.setattr(entitlements, "SOURCES", [recent_buyer])
    monkeypatch.setattr(entitlements, "_compiled", {})
    assert entitlements._compiled_query(len(shelf)) is None
    assert entitlements.reasons_for(reader, shelf) == {shelf[0].pk: "recent"}


def test_a_source_that_needs_more_than_the_readers_id_is_never_compiled(shelf, monkeypatch):
    reader = make_user()

    def by_email(reader, now):
        return {"email": Exists(Purchase.objects.filter(reader__email=reader.email, article_id=OuterRef("pk")))}

    monkeypatch.setattr(entitlements, "SOURCES", [by_email])
    monkeypatch.setattr(entitlements, "_compiled", {})
    assert entitlements._compiled_query(len(shelf)) is None
    assert entitlements.reasons_for(reader, shelf) == {}


def test_list_lengths_share_a_handful_of_compiled_statements(shelf):
    reader = make_user()
    fund(reader, 10_000)
    unlock_with_wallet(reader=reader, article=shelf[4], idempotency_key="bucket")
    entitlements._compiled.clear()
    for length in range(1, len(shelf) + 1):
        assert entitlements.reasons_for(reader, shelf[:length]) == orm_answers(reader, shelf[:length])
    assert sorted(shape[0] for shape in entitlements._compiled) == [1, 2, 4, 8]
