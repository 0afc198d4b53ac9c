"""A featured comment (精选) is shown to readers who may not read the paid article because its author read it
and chose it. Changing it afterwards (its writer may, for a few minutes) must not put new text in front of
those readers unread: the change takes the comment out of the featured ones (found by the outside probe)."""

import pytest
from django.test import Client

from byline.access.decision import decide
from byline.comments import services
from byline.purchases.services import unlock_with_wallet
from tests.conftest import LOCKED_SENTINEL, make_user
from tests.ledger.conftest import fund

pytestmark = pytest.mark.django_db


def test_a_featured_comment_changed_after_it_was_featured_no_longer_reaches_readers_without_access(paid_article,
                                                                                                  author):
    buyer = make_user()
    fund(buyer, 5_000)
    unlock_with_wallet(reader=buyer, article=paid_article, idempotency_key="buy")
    comment = services.post_comment(reader=buyer, article=paid_article, access=decide(buyer, paid_article),
                                    body="A kind word.", address="192.0.2.1")
    services.moderate(moderator=author.user, comment_id=comment.pk, action="feature")
    assert "A kind word." in Client().get(paid_article.get_absolute_url()).content.decode()
    services.edit_comment(reader=buyer, comment_id=comment.pk, body=f"> {LOCKED_SENTINEL}")
    assert LOCKED_SENTINEL not in Client().get(paid_article.get_absolute_url()).content.decode()
    comment.refresh_from_db()
    assert not comment.featured
