"""The gift pages as a reader uses them: choose, confirm, pay (wallet or card), see, take back, claim."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from byline.access.decision import decide
from byline.gifts.models import GiftState, PaidGift
from byline.ledger.invariants import assert_balanced
from tests.conftest import LOCKED_SENTINEL, make_user
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name, *args, lang="en"):
    with translation.override(lang):
        return reverse(name, args=args)


def _give(client, article, **fields):
    data = {"how": "email", "recipient_email": "friend@example.net", "message": "Line one\r\nline two",
            "idempotency_key": new_key(), **fields}
    return client.post(_url("gifts:give_article", article.slug), data)


def test_a_reader_gives_an_article_by_email_and_a_friend_claims_it(paid_article):
    buyer, friend = make_user(), make_user()
    fund(buyer, 1000)
    client = _client(buyer)
    chosen = _give(client, paid_article)
    assert chosen.status_code == 303
    gift = PaidGift.objects.get()
    assert gift.state == GiftState.AWAITING and gift.message == "Line one\nline two"
    page = client.get(chosen["Location"])
    assert page.status_code == 200 and "$3.00" in page.content.decode()
    form = {"confirmed": "yes", "quoted_price": "300", "idempotency_key": new_key()}
    paid = client.post(chosen["Location"], form)
    again = client.post(chosen["Location"], form)  # a double click
    assert paid.status_code == again.status_code == 303 and balance(buyer) == 700
    detail = client.get(paid["Location"]).content.decode()
    assert gift.token in detail and LOCKED_SENTINEL not in detail
    claim_page = Client().get(_url("gifts:claim", gift.token))
    assert claim_page.status_code == 200 and claim_page["Referrer-Policy"] == "same-origin"
    assert LOCKED_SENTINEL not in claim_page.content.decode()
    friendly = _client(friend)
    claimed = friendly.post(_url("gifts:claim", gift.token))
    assert claimed.status_code == 303 and claimed["Location"].endswith("#full-text")
    assert decide(friend, paid_article).allowed
    assert LOCKED_SENTINEL in friendly.get(paid_article.get_absolute_url()).content.decode()
    assert_balanced()


def test_an_email_gift_without_an_address_is_a_form_error(paid_article):
    client = _client(make_user())
    response = _give(client, paid_article, recipient_email="")
    assert response.status_code == 400 and "Enter their e-mail address" in response.content.decode()
    response = _give(client, paid_article, recipient_email="not an address\x00")
    assert response.status_code == 400
    assert not PaidGift.objects.exists()


def test_a_claim_by_a_signed_out_browser_asks_to_sign_in_and_never_claims(paid_article):
    buyer = make_user()
    fund(buyer, 1000)
    client = _client(buyer)
    _give(client, paid_article, how="link")
    gift = PaidGift.objects.get()
    client.post(_url("purchases:gift_confirm", gift.pk), {"confirmed": "yes", "quoted_price": "300"})
    anonymous = Client()
    page = anonymous.get(_url("gifts:claim", gift.token)).content.decode()
    assert "Sign in to claim it" in page
    response = anonymous.post(_url("gifts:claim", gift.token))
    assert response.status_code == 303 and "/login/" in response["Location"]
    assert PaidGift.objects.get().state == GiftState.PAID


def test_taking_a_gift_back_from_its_page_and_the_wallet_says_so(paid_article):
    buyer = make_user()
    fund(buyer, 1000)
    client = _client(buyer)
    _give(client, paid_article)
    gift = PaidGift.objects.get()
    client.post(_url("purchases:gift_confirm", gift.pk), {"confirmed": "yes", "quoted_price": "300"})
    assert client.get(_url("gifts:refund", gift.pk)).status_code == 200
    assert client.post(_url("gifts:refund", gift.pk)).status_code == 303
    assert client.post(_url("gifts:refund", gift.pk)).status_code == 303  # Back and submit again: nothing more
    assert balance(buyer) == 1000
    wallet = client.get(_url("purchases:wallet")).content.decode()
    assert f"Gift: {paid_article.title}" in wallet and f"Gift taken back: {paid_article.title}" in wallet
    gone = Client().get(_url("gifts:claim", gift.token))
    assert gone.status_code == 410
    assert_balanced()


def test_the_authors_earnings_show_the_claimed_gift_as_a_sale(paid_article):
    buyer, friend = make_user(), make_user()
    fund(buyer, 1000)
    client = _client(buyer)
    _give(client, paid_article)
    gift = PaidGift.objects.get()
    client.post(_url("purchases:gift_confirm", gift.pk), {"confirmed": "yes", "quoted_price": "300"})
    _client(friend).post(_url("gifts:claim", gift.token))
    earnings = _client(paid_article.author.user).get(_url("purchases:earnings")).content.decode()
    assert f"Sale as a gift: {paid_article.title}" in earnings


def test_a_membership_gift_paid_by_card_is_held_when_the_payment_arrives(monthly_plan, client):
    from byline.payments.webhooks import receive
    from tests.payments.conftest import signed
    from tests.payments.test_sandbox import _completed_event

    buyer = make_user()
    client.force_login(buyer)
    chosen = client.post(_url("gifts:give_membership"), {"months": "2", "how": "link", "idempotency_key": new_key()})
    gift = PaidGift.objects.get()
    assert chosen.status_code == 303 and gift.price_minor == 1600
    page = client.get(chosen["Location"]).content.decode()
    assert "by card" in page
    started = client.post(_url("purchases:gift_by_card", gift.pk), {"idempotency_key": new_key()})
    assert started.status_code == 303
    checkout = gift.checkouts.get()
    assert checkout.purpose == "gift" and checkout.amount_minor == 1600
    body, headers = signed(_completed_event(checkout, "evt_gift_card"))
    assert receive(provider_name="sandbox", body=body, headers=headers).status == 200
    gift.refresh_from_db()
    assert gift.state == GiftState.PAID and balance(buyer) == 0
    assert client.get(f"{_url('payments:return')}?ref={checkout.reference}").content.decode().count(
        "Your gift is paid for") == 1
    assert_balanced()


def test_gift_pages_answer_in_chinese(paid_article):
    buyer = make_user()
    client = _client(buyer)
    page = client.get(_url("gifts:give_article", paid_article.slug, lang="zh-hans")).content.decode()
    assert "买来送人" in page


def test_a_writers_months_given_by_link_are_claimed_in_chinese_and_open_their_articles(author):
    from byline.subscriptions import services as subscription_services

    subscription_services.set_price(author=author, interval="month", currency="USD", price_minor=500)
    from tests.conftest import make_article

    article = make_article(author=author, slug="writer-gift-article")
    buyer, friend = make_user(), make_user()
    fund(buyer, 2000)
    client = _client(buyer)
    offer_page = client.get(_url("subscriptions:subscribe", author.slug)).content.decode()
    assert _url("gifts:give_writer", author.slug) in offer_page
    form = client.get(_url("gifts:give_writer", author.slug, lang="zh-hans")).content.decode()
    assert "$5.00" in form
    bad = client.post(_url("gifts:give_writer", author.slug), {"months": "13\x00", "how": "link",
                                                                "idempotency_key": new_key()})
    assert bad.status_code == 400
    chosen = client.post(_url("gifts:give_writer", author.slug),
                         {"months": "2", "how": "link", "message": "生日快乐\r\n", "idempotency_key": new_key()})
    assert chosen.status_code == 303
    gift = PaidGift.objects.get()
    assert gift.kind == "author" and gift.price_minor == 1000
    paid = client.post(chosen["Location"], {"confirmed": "yes", "quoted_price": "1000", "idempotency_key": new_key()})
    assert paid.status_code == 303 and balance(buyer) == 1000
    claim_page = Client().get(_url("gifts:claim", gift.token, lang="zh-hans")).content.decode()
    assert author.name in claim_page and LOCKED_SENTINEL not in claim_page
    claimed = _client(friend).post(_url("gifts:claim", gift.token, lang="zh-hans"))
    assert claimed.status_code == 303 and claimed["Location"] == author.get_absolute_url()
    assert LOCKED_SENTINEL in _client(friend).get(article.get_absolute_url()).content.decode()
    earnings = _client(author.user).get(_url("purchases:earnings")).content.decode()
    assert f"Sale as a gift: 2 months of {author.name}" in earnings
    assert_balanced()


def test_a_collection_gift_paid_by_card_is_held_when_the_payment_arrives(author, client):
    from byline.payments.webhooks import receive
    from tests.collections.conftest import make_collection
    from tests.payments.conftest import signed
    from tests.payments.test_sandbox import _completed_event

    collection, parts = make_collection(author)
    buyer, friend = make_user(), make_user()
    client.force_login(buyer)
    assert _url("gifts:give_collection", collection.slug) in client.get(collection.get_absolute_url()).content.decode()
    chosen = client.post(_url("gifts:give_collection", collection.slug),
                         {"how": "email", "recipient_email": "friend@example.net", "idempotency_key": new_key()})
    gift = PaidGift.objects.get()
    assert chosen.status_code == 303 and gift.kind == "collection" and gift.price_minor == 700
    assert "by card" in client.get(chosen["Location"]).content.decode()
    client.post(_url("purchases:gift_by_card", gift.pk), {"idempotency_key": new_key()})
    checkout = gift.checkouts.get()
    body, headers = signed(_completed_event(checkout, "evt_collection_gift_card"))
    assert receive(provider_name="sandbox", body=body, headers=headers).status == 200
    gift.refresh_from_db()
    assert gift.state == GiftState.PAID and balance(buyer) == 0
    claimed = _client(friend).post(_url("gifts:claim", gift.token))
    assert claimed["Location"] == collection.get_absolute_url()
    page = _client(friend).get(collection.get_absolute_url()).content.decode()
    assert "The whole collection is yours" in page and "Undo this purchase" not in page
    assert all(decide(friend, part).allowed for part in parts)
    wallet = client.get(_url("purchases:wallet")).content.decode()
    assert f"Gift: {collection.title}" in wallet
    assert_balanced()


def test_the_chinese_confirmation_names_the_recipient_not_a_purpose(paid_article):
    buyer = make_user()
    client = _client(buyer)
    _give(client, paid_article, how="link")
    gift = PaidGift.objects.get()
    page = client.get(_url("purchases:gift_confirm", gift.pk, lang="zh-hans")).content.decode()
    assert "收礼人" in page and "收到您转交的领取链接的人" in page and "用途" not in page and "赠阅" not in page
