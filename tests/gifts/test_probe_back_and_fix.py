"""Back from the gift's confirmation to fix the address (the outside probe): the give form comes back with
the same key, so the second submit finds the gift already opened. An unpaid gift takes the corrected address
and message; a paid one stays as it was sent."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from byline.gifts.models import PaidGift
from tests.conftest import make_user
from tests.ledger.conftest import fund, new_key

pytestmark = pytest.mark.django_db


def _give(client, article, key, email):
    with translation.override("en"):
        url = reverse("gifts:give_article", args=[article.slug])
    body = (f"how=email&recipient_email={email}&message=Hi%0D%0Athere&idempotency_key={key}\r\n")
    return client.post(url, body, content_type="application/x-www-form-urlencoded")


def test_a_gift_given_again_with_a_corrected_address_before_paying_goes_to_the_corrected_one(paid_article):
    buyer = make_user()
    fund(buyer, 5000)
    client = Client()
    client.force_login(buyer)
    key = new_key()
    assert _give(client, paid_article, key, "friend@exmaple.net").status_code == 303
    assert _give(client, paid_article, key, "friend@example.net").status_code == 303
    gift = PaidGift.objects.get()
    assert gift.recipient_email == "friend@example.net"
    client.post(reverse("purchases:gift_confirm", args=[gift.pk]),
                {"confirmed": "yes", "quoted_price": str(gift.price_minor)})
    assert _give(client, paid_article, key, "someone@else.example").status_code == 303
    gift.refresh_from_db()
    assert gift.recipient_email == "friend@example.net" and PaidGift.objects.count() == 1
