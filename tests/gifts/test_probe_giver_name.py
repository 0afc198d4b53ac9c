"""A giver's display name comes from outside (a WeChat nickname, the admin) and may hold a line break: the
gift e-mail's subject names the giver, and must still go out, on one line (found by the outside probe)."""

from __future__ import annotations

import pytest

from byline.gifts import services
from tests.conftest import make_user
from tests.ledger.conftest import fund, new_key

pytestmark = pytest.mark.django_db


def test_a_line_break_in_the_givers_name_neither_breaks_nor_forges_the_gift_email(paid_article, smtp_sink,
                                                                                 django_capture_on_commit_callbacks):
    buyer = make_user()
    buyer.first_name = "Mallory\r\nBcc: victim@example.org"
    buyer.save(update_fields=["first_name"])
    fund(buyer, 1000)
    with django_capture_on_commit_callbacks(execute=True):
        services.buy_gift(buyer=buyer, order=services.article_order(article=paid_article,
                                                                   recipient_email="friend@example.net"),
                          idempotency_key=new_key())
    [message] = smtp_sink.to("friend@example.net")
    assert "\n" not in message["Subject"] and "Mallory" in message["Subject"]
    assert not smtp_sink.to("victim@example.org")
