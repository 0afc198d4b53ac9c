"""The pages: a writer's settings (CRLF posts, bad input as form errors), subscribing with a code or a link,
the cap on the paywall and the unlock confirmation, the reader's list, cancelling with a retention offer."""

from __future__ import annotations

import pytest
from django.urls import reverse

from byline.purchases import services as purchases
from byline.purchases.models import Interval, MembershipPlan
from byline.subscriptions import services
from byline.subscriptions.models import AuthorPrice, AuthorSubscription, Offer, OfferKind, OfferTarget
from tests.conftest import make_article, make_user
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def priced(author):
    services.set_price(author=author, interval=Interval.MONTH, currency="USD", price_minor=500)
    services.set_price(author=author, interval=Interval.YEAR, currency="USD", price_minor=5000)
    return author


def test_a_writer_sets_prices_and_bad_amounts_are_form_errors(client, author):
    client.force_login(author.user)
    url = reverse("subscriptions:settings")
    page = client.post(url, {"action": "prices", "month_usd": "abc", "year_usd": "50"})
    assert page.status_code == 200 and "Write an amount above zero" in page.content.decode()
    assert not AuthorPrice.objects.exists()
    answer = client.post(url, {"action": "prices", "month_usd": "5.50", "month_cny": "28", "year_usd": ""})
    assert answer.status_code == 303
    assert {(p.interval, p.currency, p.price_minor) for p in AuthorPrice.objects.filter(active=True)} == {
        ("month", "USD", 550), ("month", "CNY", 2800)}
    assert 'value="5.50"' in client.get(url).content.decode()


def test_a_writer_creates_an_offer_with_a_crlf_form_and_a_nul_is_refused(client, author):
    client.force_login(author.user)
    url = reverse("subscriptions:settings")
    answer = client.post(url, {"action": "offer", "kind": "trial", "trial_days": "14", "code": "TRY14\r\n"})
    assert answer.status_code == 303
    offer = Offer.objects.get()
    assert offer.code == "TRY14" and offer.trial_days == 14 and offer.author == author
    assert client.post(url, {"action": "offer", "kind": "percent", "code": "A\x00B"}).status_code == 400
    page = client.post(url, {"action": "offer", "kind": "percent", "percent_off": ""})
    assert "Choose a percentage" in page.content.decode()


def test_a_reader_who_is_no_writer_gets_no_settings_page(client, reader):
    client.force_login(reader)
    assert client.get(reverse("subscriptions:settings")).status_code == 404


def test_subscribing_with_a_code_confirms_the_terms_then_charges_once(client, priced, reader):
    fund(reader, 1000)
    services.create_offer(target=OfferTarget.AUTHOR, author=priced, kind=OfferKind.PERCENT, percent_off=20,
                          code="HELLO")
    client.force_login(reader)
    confirm = reverse("subscriptions:confirm", args=[priced.slug])
    page = client.get(confirm, {"interval": "month", "code": "hello"}).content.decode()
    assert "$4.00" in page and "20% off the first period" in page
    token = Offer.objects.get().token
    form = {"confirmed": "yes", "interval": "month", "quoted_price": "400", "currency": "USD", "offer": token,
            "idempotency_key": new_key()}
    assert client.post(confirm, form).status_code == 303
    assert client.post(confirm, form).status_code == 303  # a double click
    assert balance(reader) == 600 and AuthorSubscription.objects.count() == 1
    assert "Monthly subscription to" in client.get(reverse("purchases:wallet")).content.decode()


def test_an_offer_link_leads_to_its_confirmation(client, priced, reader):
    offer = services.create_offer(target=OfferTarget.AUTHOR, author=priced, kind=OfferKind.TRIAL, trial_days=7)
    client.force_login(reader)
    answer = client.get(reverse("subscriptions:offer", args=[offer.token]))
    assert answer.status_code == 303
    page = client.get(answer["Location"]).content.decode()
    assert "Confirm: start the free trial" in page


def test_an_unknown_code_says_so(client, priced, reader):
    client.force_login(reader)
    answer = client.get(reverse("subscriptions:confirm", args=[priced.slug]), {"code": "NOPE"}, follow=True)
    assert "There is no such offer" in answer.content.decode()


def test_the_paywall_says_how_close_the_cap_is_and_the_confirmation_what_is_charged(client, priced, reader):
    fund(reader, 2000)
    purchases.unlock_with_wallet(reader=reader, article=make_article(author=priced), idempotency_key=new_key())
    article = make_article(author=priced)
    client.force_login(reader)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "$2.00 more this month and all of their articles are yours" in page
    confirm = client.get(reverse("purchases:unlock", args=[article.slug])).content.decode()
    assert "You pay only $2.00 of $3.00" in confirm and "Confirm: pay $2.00 from my balance" in confirm
    client.post(reverse("purchases:unlock", args=[article.slug]), {
        "confirmed": "yes", "quoted_price": "300", "currency": "USD", "idempotency_key": new_key()})
    assert balance(reader) == 1500
    third = make_article(author=priced)
    page = client.get(third.get_absolute_url()).content.decode()
    assert "Turn this month into a subscription" in page and "locked-content" in page


def test_cancelling_shows_the_retention_offer_and_staying_takes_it(client, priced, reader):
    fund(reader, 1000)
    services.subscribe_with_wallet(reader=reader, author=priced, interval=Interval.MONTH, idempotency_key=new_key())
    services.create_offer(target=OfferTarget.AUTHOR, author=priced, kind=OfferKind.PERCENT, percent_off=50,
                          retention=True)
    client.force_login(reader)
    url = reverse("subscriptions:cancel", args=[priced.slug])
    assert "$2.50 off your next period" in client.get(url).content.decode()
    assert client.post(url, {"action": "keep"}).status_code == 303
    assert not AuthorSubscription.objects.get().cancel_at_period_end
    client.post(url, {"action": "cancel"})
    assert AuthorSubscription.objects.get().cancel_at_period_end
    assert "Ends on" in client.get(reverse("subscriptions:mine")).content.decode()


def test_a_membership_trial_link_joins_without_charge(client, reader):
    MembershipPlan.objects.create(name="Monthly", interval=Interval.MONTH, price_minor=800, currency="USD")
    offer = services.create_offer(target=OfferTarget.MEMBERSHIP, kind=OfferKind.TRIAL, trial_days=14)
    client.force_login(reader)
    url = reverse("subscriptions:membership_offer", args=[offer.token])
    assert "Confirm: start the free trial" in client.get(url).content.decode()
    plan = MembershipPlan.objects.get()
    assert client.post(url, {"confirmed": "yes", "plan": plan.pk, "quoted_price": "0",
                             "idempotency_key": new_key()}).status_code == 303
    assert reader.memberships.get().period_end


def test_strangers_are_sent_to_log_in(client, priced):
    assert client.get(reverse("subscriptions:subscribe", args=[priced.slug])).status_code == 302
    assert make_user()
