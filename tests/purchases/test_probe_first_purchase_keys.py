"""The 5-statement unlock seen from outside (the outside probe), on PostgreSQL: a key reused for another
article whose writer has never sold (the accounts are made, then the key refuses) and concurrent first
purchases of one new reader from two new writers with one key."""

import pytest

from byline.ledger.invariants import assert_balanced
from byline.purchases import services
from byline.purchases.errors import KeyReused
from byline.purchases.models import Purchase
from tests.conftest import make_article, make_author, make_user
from tests.ledger.conftest import balance, fund, new_key
from tests.purchases.test_concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_key_reused_for_a_new_writers_article_is_refused_not_answered_with_the_first(db):
    reader = make_user()
    fund(reader, 1_000)
    key = new_key()
    first = make_article(author=make_author("first-writer"), slug="first-story")
    services.unlock_with_wallet(reader=reader, article=first, idempotency_key=key)
    with pytest.raises(KeyReused):
        services.unlock_with_wallet(reader=reader, article=make_article(author=make_author("new-writer"),
                                                                         slug="new-story"), idempotency_key=key)
    assert balance(reader) == 700 and Purchase.objects.count() == 1
    assert_balanced()


def test_one_key_raced_for_two_new_writers_buys_one_article_and_refuses_the_other(db):
    reader = make_user()
    fund(reader, 1_000)
    key = new_key()
    articles = [make_article(author=make_author(f"racer-{n}"), slug=f"race-{n}") for n in range(2)]

    def buy(index):
        try:
            return services.unlock_with_wallet(reader=reader, article=articles[index], idempotency_key=key).pk
        except KeyReused:
            return "reused"

    results = run_concurrently(2, buy)
    assert sorted(map(str, results)).count("reused") == 1
    assert balance(reader) == 700 and Purchase.objects.count() == 1
    assert_balanced()
