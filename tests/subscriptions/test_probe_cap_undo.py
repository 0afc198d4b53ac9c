"""The fair-price cap and undo (found by the outside probe): the purchase that reaches a writer's monthly price
is charged only what was left of it, because of the purchases before it. Undoing one of those before it must
not leave the reader owning the later article for the capped remainder: undo the later one first."""

from __future__ import annotations

import pytest

from byline.articles.models import Article
from byline.ledger.invariants import assert_balanced
from byline.purchases import services as purchases
from byline.purchases.errors import UndoRefused
from byline.purchases.models import Interval, PurchaseStatus
from byline.subscriptions import services
from tests.conftest import make_article
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def dear(author):
    """A writer whose articles cost USD 4.50 each and whose month costs USD 5.00."""
    services.set_price(author=author, interval=Interval.MONTH, currency="USD", price_minor=500)
    first, second = (make_article(author=author) for _ in range(2))
    Article.objects.filter(pk__in=[first.pk, second.pk]).update(price_minor=450)
    return Article.objects.get(pk=first.pk), Article.objects.get(pk=second.pk)


def test_a_purchase_that_capped_a_later_one_cannot_be_undone_before_it(dear, reader):
    first, second = dear
    fund(reader, 2000)
    bought_first = purchases.unlock_with_wallet(reader=reader, article=first, idempotency_key=new_key())
    capped = purchases.unlock_with_wallet(reader=reader, article=second, idempotency_key=new_key())
    assert (bought_first.price_minor, capped.price_minor) == (450, 50)
    with pytest.raises(UndoRefused):
        purchases.undo_purchase(reader=reader, purchase_id=bought_first.pk)
    assert balance(reader) == 1500  # not 1950 with the second article kept for 0.50
    purchases.undo_purchase(reader=reader, purchase_id=capped.pk)  # the later one first, then the earlier
    purchases.undo_purchase(reader=reader, purchase_id=bought_first.pk)
    bought_first.refresh_from_db()
    assert bought_first.status == PurchaseStatus.UNDONE and balance(reader) == 2000
    assert_balanced()
