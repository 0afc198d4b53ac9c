"""`decide_many` (a newsletter batch's one entitlement query) answers exactly what `decide` answers."""

from __future__ import annotations

import pytest
from django.db import connection

from byline.access.decision import decide, decide_many
from tests.audience.helpers import buy
from tests.conftest import make_article, make_author, make_user

pytestmark = pytest.mark.django_db


def test_the_batch_decision_is_the_decision_for_every_kind_of_reader():
    author = make_author()
    article = make_article(author=author)
    buyer, other, gone, staff = make_user(), make_user(), make_user(), make_user(is_staff=True, is_superuser=True)
    buy(buyer, article)
    buy(gone, article)
    gone.is_active = False
    gone.save()
    readers = [buyer, other, gone, staff, author.user] + [make_user() for _ in range(5)]
    for candidate in (article, make_article(author=author, visibility="free", price_minor=0),
                      make_article(author=author, status="draft", published_at=None)):
        many = decide_many(readers, candidate)
        assert many == {reader.pk: decide(reader, candidate) for reader in readers}
        assert {pk: access.ref for pk, access in many.items()} == {
            reader.pk: decide(reader, candidate).ref for reader in readers}
    assert decide_many(readers, article)[buyer.pk].allowed and not decide_many(readers, article)[other.pk].allowed


@pytest.mark.postgres
def test_on_postgresql_a_batch_asks_one_entitlement_query(django_assert_max_num_queries):
    assert connection.vendor == "postgresql"
    article = make_article(author=make_author())
    readers = [make_user() for _ in range(40)]
    buy(readers[7], article)
    with django_assert_max_num_queries(1):
        answers = decide_many(readers, article)
    assert [pk for pk, access in answers.items() if access.allowed] == [readers[7].pk]
