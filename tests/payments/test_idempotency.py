"""One idempotency key, one payment: repeats (also simultaneous ones) get the first checkout or purchase,
and a key used again for a different payment is refused with 409."""

import pytest
from django.test import Client
from django.urls import reverse

from byline.payments.models import Checkout
from byline.payments.providers import use_provider
from byline.payments.providers.base import ProviderError
from byline.payments.providers.sandbox import SandboxProvider
from byline.payments.services import IdempotencyConflict, PaymentRefused, start_card_unlock, start_topup
from byline.purchases.errors import KeyReused
from byline.purchases.services import unlock_with_wallet
from tests.conftest import make_article, make_user
from tests.ledger.conftest import fund, new_key
from tests.purchases.test_concurrency import run_concurrently

RETURN, BACK = "https://byline.test/return/", "https://byline.test/"


def topup(reader, key: str, amount: int = 1000):
    return start_topup(reader=reader, amount_minor=amount, currency="USD", idempotency_key=key,
                       success_url=RETURN, cancel_url=BACK)


def card_unlock(reader, article, key: str):
    return start_card_unlock(reader=reader, article=article, idempotency_key=key, success_url=RETURN, cancel_url=BACK)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_forty_simultaneous_top_ups_with_one_key_all_get_the_one_open_checkout():
    reader, key = make_user(), new_key()
    checkouts = run_concurrently(40, lambda _: topup(reader, key))
    assert Checkout.objects.count() == 1
    first = Checkout.objects.get()
    assert {checkout.pk for checkout in checkouts} == {first.pk}
    assert all(checkout.redirect_url == first.redirect_url != "" for checkout in checkouts)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_simultaneous_card_unlocks_with_one_key_all_get_the_one_open_checkout(author):
    reader, article, key = make_user(), make_article(author=author), new_key()
    checkouts = run_concurrently(30, lambda _: card_unlock(reader, article, key))
    first = Checkout.objects.get()
    assert {checkout.pk for checkout in checkouts} == {first.pk} and first.redirect_url


@pytest.mark.django_db
def test_a_key_used_again_for_another_amount_is_a_conflict_and_opens_nothing(reader):
    key = new_key()
    topup(reader, key, amount=1000)
    with pytest.raises(IdempotencyConflict):
        topup(reader, key, amount=2000)
    assert Checkout.objects.count() == 1 and topup(reader, key, amount=1000) == Checkout.objects.get()


@pytest.mark.django_db
def test_the_top_up_page_answers_409_to_a_reused_key(reader):
    client = Client()
    client.force_login(reader)
    url, key = reverse("payments:top_up"), new_key()
    assert client.post(url, {"currency": "USD", "preset": "1000", "idempotency_key": key}).status_code == 302
    response = client.post(url, {"currency": "USD", "preset": "2000", "idempotency_key": key})
    assert response.status_code == 409 and "already used for a different payment" in response.content.decode()


# The money forms post, redirect and get (303): a refusal is told on the confirmation page it returns to.

@pytest.mark.django_db
def test_a_card_unlock_key_reused_for_another_article_opens_nothing_and_says_why(reader, author):
    first, second, key = make_article(author=author), make_article(author=author), new_key()
    client = Client()
    client.force_login(reader)
    assert client.post(reverse("purchases:unlock_by_card", args=[first.slug]),
                       {"idempotency_key": key}).status_code == 303
    response = client.post(reverse("purchases:unlock_by_card", args=[second.slug]), {"idempotency_key": key},
                           follow=True)
    assert "already used for a different payment" in response.content.decode()
    assert Checkout.objects.count() == 1


@pytest.mark.django_db
def test_a_wallet_unlock_key_reused_for_another_article_buys_nothing_and_says_why(reader, author):
    first, second, key = make_article(author=author), make_article(author=author), new_key()
    fund(reader, 1000)
    unlock_with_wallet(reader=reader, article=first, idempotency_key=key)
    with pytest.raises(KeyReused):
        unlock_with_wallet(reader=reader, article=second, idempotency_key=key)
    client = Client()
    client.force_login(reader)
    response = client.post(reverse("purchases:unlock", args=[second.slug]), {"idempotency_key": key,
                                                                             "confirmed": "yes"}, follow=True)
    assert "already used for a different purchase" in response.content.decode()
    assert not second.purchases.exists()


class RefusingSandbox(SandboxProvider):
    def create_checkout(self, request):
        raise ProviderError("down for maintenance")


@pytest.mark.django_db
def test_a_repeat_of_a_checkout_the_provider_refused_is_refused_again_not_sent_nowhere(reader):
    key = new_key()
    use_provider("sandbox", RefusingSandbox())
    try:
        with pytest.raises(PaymentRefused):
            topup(reader, key)
    finally:
        use_provider("sandbox", None)
    with pytest.raises(PaymentRefused):
        topup(reader, key)
