"""Dashboard fixtures: an author's sales, undos, refunds, gifts, member reads and a pool payout,
all made through the product's own services, so the figures can be checked against the ledger."""

from __future__ import annotations

import pytest

from byline.purchases import memberships, services
from byline.purchases.models import MembershipPlan
from byline.sharing.services import create_gift_link, redeem_gift_link
from tests.conftest import make_article, make_author, make_user
from tests.ledger.conftest import fund, new_key
from tests.purchases.conftest import funded_reader  # noqa: F401 - shared fixture


def buyers(count: int, amount: int = 2000) -> list:
    readers = [make_user() for _ in range(count)]
    for reader in readers:
        fund(reader, amount)
    return readers


@pytest.fixture
def other_author(db):
    return make_author("rival")


@pytest.fixture
def sold_article(db, author):
    """Four unlocks of a $3.00 article: one undone, one refunded, two kept; one gift redeemed."""
    article = make_article(author=author, title="The lighthouse ledger", slug="lighthouse-ledger")
    purchases = [services.unlock_with_wallet(reader=r, article=article, idempotency_key=new_key())
                 for r in buyers(4)]
    services.undo_purchase(reader=purchases[0].reader, purchase_id=purchases[0].pk)
    services.refund_purchase(purchase_id=purchases[1].pk, staff_user=make_user(is_staff=True))
    gift = create_gift_link(giver=purchases[2].reader, article=article)
    redeem_gift_link(token=gift.token, recipient=make_user())
    return article


@pytest.fixture
def pool_paid(db, author, sold_article):
    """A member reads the article, and the USD pool is closed: the author gets a pool share."""
    member = make_user()
    fund(member, 2000)
    plan = MembershipPlan.objects.create(name="Monthly", interval="month", price_minor=800, currency="USD")
    memberships.join_with_wallet(reader=member, plan=plan, idempotency_key=new_key())
    memberships.record_member_read(reader=member, article=sold_article)
    return memberships.close_pool_period(currency="USD")
