"""A paid gift bought for an address rings the bell of the account that proved the address is theirs, and only
theirs; the claim link is shown to that reader alone, reads "claimed" once claimed, and is gone if taken back."""

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.test import Client
from django.urls import reverse

from byline.accounts.selectors import owner_of_verified_address
from byline.audience.models import Notification
from byline.gifts import services as gifts
from byline.gifts.models import PaidGift
from byline.purchases.models import MembershipPlan
from tests.accounts.test_code_mail_and_link import _sign_up
from tests.audience.conftest import smtp_sink  # noqa: F401 (the fixture)
from tests.conftest import make_user
from tests.ledger.conftest import fund, new_key

pytestmark = pytest.mark.django_db


def _reader_at(address: str, *, verified: bool = True):
    reader = make_user()
    EmailAddress.objects.create(user=reader, email=address, verified=verified, primary=True)
    return reader


def _give(order, capture):
    buyer = make_user()
    fund(buyer, 10_000)
    with capture(execute=True):
        gift = gifts.buy_gift(buyer=buyer, order=order, idempotency_key=new_key())
    return buyer, gift


def _bell(client, reader, language: str = "en") -> str:
    client.force_login(reader)
    return client.get(f"/{language}/audience/notifications/").content.decode()


def test_a_paid_gift_for_a_verified_address_rings_its_readers_bell_with_the_claim_link(
        client, paid_article, django_capture_on_commit_callbacks):
    friend = _reader_at("friend@example.net")
    buyer, gift = _give(gifts.article_order(article=paid_article, recipient_email="Friend@Example.net"),
                        django_capture_on_commit_callbacks)
    note = Notification.objects.get(paid_gift=gift)
    assert note.user == friend and note.article is None and note.kind == "gift"
    page = _bell(client, friend)
    assert "A gift for you:" in page and paid_article.title in page
    assert reverse("gifts:claim", args=[gift.token]) in page
    assert "Notifications (1 unread)" in client.get("/en/").content.decode()
    # The giver's own bell holds nothing of it.
    assert gift.token not in _bell(client, buyer)


@pytest.mark.parametrize("address", [
    "friend@example.net",      # the address, not verified
    "frіend@example.net",      # Cyrillic "і": a look-alike of a verified address
    "ſam@example.net",         # long s: PostgreSQL's case-insensitive match folds it to "s"
    "other@example.net",       # nobody's
])
def test_an_unverified_look_alike_or_unknown_address_tells_nobody(
        client, paid_article, address, django_capture_on_commit_callbacks):
    unverified = _reader_at("friend@example.net", verified=False)
    sam = _reader_at("sam@example.net")
    _buyer, gift = _give(gifts.article_order(article=paid_article, recipient_email=address),
                         django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(paid_gift=gift).exists()
    for reader in (unverified, sam):
        assert gift.token not in _bell(client, reader)


def test_a_claimed_gift_reads_claimed_without_the_link(client, paid_article, django_capture_on_commit_callbacks):
    friend = _reader_at("friend@example.net")
    _buyer, gift = _give(gifts.article_order(article=paid_article, recipient_email="friend@example.net"),
                         django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        gifts.claim_gift(token=gift.token, reader=friend)
    page = _bell(client, friend)
    assert "You claimed this gift." in page and paid_article.title in page
    assert gift.token not in page
    assert Notification.objects.get(paid_gift=gift).read_at is not None
    assert "Notifications (1 unread)" not in client.get("/en/").content.decode()


def test_a_gift_taken_back_before_its_claim_leaves_the_bell(client, paid_article, django_capture_on_commit_callbacks):
    friend = _reader_at("friend@example.net")
    buyer, gift = _give(gifts.article_order(article=paid_article, recipient_email="friend@example.net"),
                        django_capture_on_commit_callbacks)
    assert "Notifications (1 unread)" in _bell(client, friend)  # the unread count is now cached
    with django_capture_on_commit_callbacks(execute=True):
        gifts.refund_gift(buyer=buyer, gift_id=gift.pk)
    assert not Notification.objects.filter(paid_gift=gift).exists()
    page = _bell(client, friend)
    assert gift.token not in page and "unread" not in page


def test_a_membership_gift_has_no_article_and_reads_in_both_languages(
        client, django_capture_on_commit_callbacks):
    MembershipPlan.objects.create(name="Monthly", name_zh="月度会员", interval="month", price_minor=800,
                                  currency="USD", prices={"CNY": 3000})
    friend = _reader_at("friend@example.net")
    _buyer, gift = _give(gifts.membership_order(months=3, recipient_email="friend@example.net"),
                         django_capture_on_commit_callbacks)
    english = _bell(client, friend)
    assert "A gift for you:" in english and "3 months of membership" in english
    chinese = _bell(client, friend, "zh-hans")
    assert "送给您的礼物：" in chinese and "3 个月会员" in chinese
    assert f"/zh-hans/claim/{gift.token}/" in chinese


def test_a_gift_paid_by_card_rings_the_bell_when_the_payment_arrives(client, django_capture_on_commit_callbacks):
    from byline.payments.webhooks import receive
    from tests.payments.conftest import signed
    from tests.payments.test_sandbox import _completed_event

    MembershipPlan.objects.create(name="Monthly", interval="month", price_minor=800, currency="USD")
    friend = _reader_at("friend@example.net")
    client.force_login(make_user())
    chosen = client.post("/en/give/membership/", {"months": "1", "how": "email", "idempotency_key": new_key(),
                                                  "recipient_email": "friend@example.net"})
    assert chosen.status_code == 303
    gift = PaidGift.objects.get()
    assert client.post(f"/en/give/{gift.pk}/card/", {"idempotency_key": new_key()}).status_code == 303
    assert not Notification.objects.exists()  # opened, not paid: nobody is told yet
    body, headers = signed(_completed_event(gift.checkouts.get(), "evt_gift_bell"))
    with django_capture_on_commit_callbacks(execute=True):
        assert receive(provider_name="sandbox", body=body, headers=headers).status == 200
    assert Notification.objects.get().user == friend


def test_gifts_paid_before_the_address_was_verified_ring_the_bell_when_it_is(
        paid_article, smtp_sink, django_capture_on_commit_callbacks):  # noqa: F811
    """The usual case: a gift for a friend with no account yet. They sign up with that address through the
    one-button link of the sign-up e-mail (which verifies it): the waiting gift is under their bell at once, in
    their language; a gift already taken back is not, and verifying tells nobody twice."""
    _buyer, waiting = _give(gifts.article_order(article=paid_article, recipient_email="New.Friend@example.net"),
                            django_capture_on_commit_callbacks)
    taker, taken_back = _give(gifts.article_order(article=paid_article, recipient_email="new.friend@example.net"),
                              django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        gifts.refund_gift(buyer=taker, gift_id=taken_back.pk)
    assert not Notification.objects.exists()  # nobody owns the address yet
    client = Client()
    link = _sign_up(client, "new.friend@example.net", "/zh-hans/", smtp_sink)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup_code_link"), {"t": parse_qs(urlsplit(link).query)["t"][0],
                                                           "next": "/zh-hans/"})
    friend = owner_of_verified_address("new.friend@example.net")
    assert friend is not None
    [note] = Notification.objects.all()
    assert (note.user, note.paid_gift_id) == (friend, waiting.pk)
    page = client.get("/zh-hans/audience/notifications/").content.decode()
    assert paid_article.title in page and reverse("gifts:claim", args=[waiting.token]) in page
    assert taken_back.token not in page
    with django_capture_on_commit_callbacks(execute=True):  # verified again (staff's admin action): still one
        email_confirmed.send(sender=EmailAddress, request=None, email_address=friend.emailaddress_set.get())
    assert Notification.objects.count() == 1
