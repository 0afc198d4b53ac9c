"""Top-ups and card payments through the sandbox provider, and its signed webhooks."""

import datetime as dt
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from byline.ledger.invariants import assert_balanced
from byline.ledger.models import Transfer
from byline.payments.models import Checkout, CheckoutStatus, SandboxDelivery, SandboxPayment, WebhookEvent
from byline.payments.providers import sandbox
from byline.payments.services import start_topup
from byline.purchases.models import Purchase
from tests.ledger.conftest import balance, fund, new_key
from tests.payments.conftest import signed

pytestmark = pytest.mark.django_db


def top_up(client, amount="1000", custom=""):
    return client.post(reverse("payments:top_up"), {"preset": amount, "custom_amount": custom,
                                                    "idempotency_key": new_key()})


def pay(client, response, card=sandbox.SUCCESS):
    assert response.status_code in (302, 303), response.content.decode()[:2000]
    return client.post(response["Location"], {"card_number": card})


def test_a_preset_top_up_is_credited_when_the_sandbox_confirms(client, reader):
    client.force_login(reader)
    result = pay(client, top_up(client))
    assert balance(reader) == 1000
    page = client.get(result["Location"]).content.decode()
    assert "Your wallet is topped up" in page and "$10.00 was added to your wallet" in page
    assert_balanced()


def test_the_top_up_amounts_are_one_group_of_choices_named_by_its_legend(client, reader):
    client.force_login(reader)
    page = client.get(reverse("payments:top_up")).content.decode()
    group = page[page.index('<fieldset class="choices"'):page.index("</fieldset>")]
    assert "<legend>Amount</legend>" in group and group.count('type="radio"') == 4
    assert '<label for="">' not in page  # no label pointing at nothing


def test_a_custom_top_up_within_limits_is_credited(client, reader):
    client.force_login(reader)
    pay(client, top_up(client, amount="custom", custom="12.34"))
    assert balance(reader) == 1234


@pytest.mark.parametrize("custom", ["0", "-5", "1.234", "99999999", "abc", "0.50", "NaN", "Infinity"])
def test_bad_top_up_amounts_get_a_clear_error_and_change_nothing(client, reader, custom):
    client.force_login(reader)
    response = top_up(client, amount="custom", custom=custom)
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    assert not Checkout.objects.exists() and balance(reader) == 0


@pytest.mark.parametrize("card, message", [
    (sandbox.DECLINED, "The card was declined."),
    (sandbox.INSUFFICIENT, "The card has insufficient funds."),
])
def test_a_refused_card_credits_nothing_says_why_and_the_same_page_takes_another_card(client, reader, card, message):
    client.force_login(reader)
    checkout_page = top_up(client)["Location"]
    response = client.post(checkout_page, {"card_number": card})
    assert response.status_code == 302 and response["Location"] == checkout_page  # Back never resubmits a card
    page = client.get(checkout_page).content.decode()
    assert message in page and "You can try another card." in page and 'name="card_number"' in page
    assert balance(reader) == 0 and Checkout.objects.get().status == CheckoutStatus.OPEN
    client.post(checkout_page, {"card_number": sandbox.SUCCESS})
    assert balance(reader) == 1000 and Checkout.objects.get().status == CheckoutStatus.PAID


def test_an_empty_card_number_asks_for_one_and_charges_nothing(client, reader):
    client.force_login(reader)
    checkout_page = top_up(client)["Location"]
    response = client.post(checkout_page, {"card_number": "  "})
    page = response.content.decode()
    assert response.status_code == 400 and "Enter a card number." in page and "The card was declined" not in page
    assert SandboxPayment.objects.get().failure_reason == "" and balance(reader) == 0


def test_a_card_needing_extra_confirmation_is_credited_only_after_it(client, reader):
    client.force_login(reader)
    response = pay(client, top_up(client), card=sandbox.NEEDS_CONFIRMATION)
    assert response["Location"].endswith("/confirm/") and balance(reader) == 0
    assert "Confirm this payment with your bank" in client.get(response["Location"]).content.decode()
    client.post(response["Location"], {"answer": "approve"})
    assert balance(reader) == 1000


def test_refusing_the_extra_confirmation_credits_nothing(client, reader):
    client.force_login(reader)
    response = pay(client, top_up(client), card=sandbox.NEEDS_CONFIRMATION)
    client.post(response["Location"], {"answer": "deny"})
    assert balance(reader) == 0 and Checkout.objects.get().status == CheckoutStatus.OPEN
    assert "The extra confirmation failed." in client.get(reverse(
        "payments:sandbox_checkout", args=[SandboxPayment.objects.get().ref])).content.decode()


def test_paying_by_card_with_a_short_wallet_tops_up_what_is_missing_and_buys(client, reader, paid_article):
    fund(reader, 100)
    client.force_login(reader)
    response = client.post(reverse("purchases:unlock_by_card", args=[paid_article.slug]),
                           {"idempotency_key": new_key()})
    assert Checkout.objects.get().amount_minor == 200
    page = client.get(pay(client, response)["Location"]).content.decode()
    assert "Read the full article" in page
    purchase = Purchase.objects.get()
    assert purchase.price_minor == 300 and balance(reader) == 0
    assert_balanced()


def test_paying_by_card_with_an_empty_wallet_charges_the_price(client, reader, paid_article):
    client.force_login(reader)
    pay(client, client.post(reverse("purchases:unlock_by_card", args=[paid_article.slug]),
                            {"idempotency_key": new_key()}))
    assert Checkout.objects.get().amount_minor == 300 and Purchase.objects.count() == 1 and balance(reader) == 0


def test_webhooks_are_retried_with_backoff_until_acknowledged(client, reader, failing_transport):
    client.force_login(reader)
    pay(client, top_up(client))
    delivery = SandboxDelivery.objects.get()
    assert delivery.delivered_at is None and delivery.attempts == 1 and balance(reader) == 0
    assert sandbox.deliver_due(now=timezone.now()) == 0  # still inside the backoff
    later = timezone.now() + dt.timedelta(seconds=11)
    assert sandbox.deliver_due(now=later) == 0
    assert SandboxDelivery.objects.get().next_attempt_at >= later + dt.timedelta(seconds=20)
    failing_transport["up_fn"]()
    assert sandbox.deliver_due(now=later + dt.timedelta(minutes=5)) == 1
    assert balance(reader) == 1000 and SandboxDelivery.objects.get().attempts == 3


def _completed_event(checkout, event_id="evt_fixed_1"):
    return {"id": event_id, "type": "checkout.session.completed", "created": int(time.time()),
            "data": {"object": {"id": checkout.provider_ref, "client_reference_id": checkout.reference,
                                "amount_total": checkout.amount_minor, "currency": checkout.currency.lower(),
                                "payment_status": "paid"}}}


@pytest.fixture
def open_checkout(reader):
    return start_topup(reader=reader, amount_minor=1000, currency="USD", idempotency_key=new_key(),
                       success_url="http://testserver/return/", cancel_url="http://testserver/")


def post_webhook(client, body, headers):
    return client.post("/payments/webhooks/sandbox/", body, content_type="application/json",
                       headers={key: value for key, value in headers.items()})


def test_a_webhook_delivered_twice_credits_once(client, reader, open_checkout):
    body, headers = signed(_completed_event(open_checkout))
    assert post_webhook(client, body, headers).status_code == 200
    assert post_webhook(client, body, headers).json()["detail"] == "duplicate"
    assert balance(reader) == 1000 and Transfer.objects.count() == 1


def test_a_failure_arriving_after_success_changes_nothing(client, reader, open_checkout):
    post_webhook(client, *signed(_completed_event(open_checkout)))
    failed = _completed_event(open_checkout, "evt_late_failure")
    failed["type"] = "checkout.session.async_payment_failed"
    assert post_webhook(client, *signed(failed)).status_code == 200
    assert Checkout.objects.get().status == CheckoutStatus.PAID and balance(reader) == 1000


def test_a_tampered_webhook_is_rejected_and_moves_no_money(client, reader, open_checkout, caplog):
    body, headers = signed(_completed_event(open_checkout))
    response = post_webhook(client, body.replace(b"1000", b"9000"), headers)
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert "signature does not match" in caplog.text
    assert balance(reader) == 0 and not WebhookEvent.objects.exists()


def test_an_expired_webhook_is_rejected(client, reader, open_checkout):
    body, headers = signed(_completed_event(open_checkout), timestamp=int(time.time()) - 301)
    assert post_webhook(client, body, headers).status_code == 400 and balance(reader) == 0


def test_a_webhook_signed_with_another_secret_is_rejected(client, reader, open_checkout):
    body, headers = signed(_completed_event(open_checkout), secret="whsec_someone_else")
    assert post_webhook(client, body, headers).status_code == 400 and balance(reader) == 0


@pytest.mark.parametrize("body", [b"not json", b"{}", b'{"id": 5, "type": [], "data": {}}', b"[]"])
def test_a_malformed_webhook_is_rejected(client, reader, body):
    _, headers = signed({})
    from django.conf import settings

    from byline.payments.providers import signing

    headers = {sandbox.SIGNATURE_HEADER: signing.sign(body, settings.SANDBOX_WEBHOOK_SECRET)}
    assert post_webhook(client, body, headers).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_a_webhook_without_signature_is_rejected(client, open_checkout):
    body, _ = signed(_completed_event(open_checkout))
    assert post_webhook(client, body, {}).status_code == 400


def test_an_unknown_event_type_is_acknowledged_and_ignored(client, reader):
    body, headers = signed({"id": "evt_other", "type": "customer.created", "data": {"object": {"id": "cus_1"}}})
    response = post_webhook(client, body, headers)
    assert response.status_code == 200 and response.json()["detail"] == "ignored"
    assert not Transfer.objects.exists()


def test_a_webhook_whose_amount_differs_from_the_checkout_moves_no_money(client, reader, open_checkout):
    event = _completed_event(open_checkout)
    event["data"]["object"]["amount_total"] = 99999
    assert post_webhook(client, *signed(event)).status_code == 500
    assert balance(reader) == 0 and not WebhookEvent.objects.exists()


def test_an_unknown_provider_is_not_found(client):
    assert client.post("/payments/webhooks/paypal/", b"{}", content_type="application/json").status_code == 404


def test_a_checkout_left_unpaid_for_a_day_expires_like_stripes(client, reader):
    """It can no longer be paid, Byline hears of it (checkout.session.expired) and credits nothing."""
    from byline.payments.models import SandboxPayment

    client.force_login(reader)
    started = top_up(client)
    SandboxPayment.objects.update(created_at=timezone.now() - sandbox.CHECKOUT_LIFETIME - dt.timedelta(minutes=1))
    response = client.get(pay(client, started)["Location"])
    assert response.status_code == 402 and "This checkout has expired" in response.content.decode()
    assert balance(reader) == 0 and Checkout.objects.get().status == CheckoutStatus.FAILED
    assert WebhookEvent.objects.filter(event_type="checkout.session.expired").count() == 1


def test_the_reconciler_finds_an_abandoned_sandbox_checkout_expired(reader):
    from byline.payments.models import SandboxPayment
    from byline.payments.services import reconcile_stale_checkouts

    checkout = start_topup(reader=reader, amount_minor=1000, currency="USD", idempotency_key=new_key(),
                           success_url="http://testserver/", cancel_url="http://testserver/")
    later = timezone.now() + sandbox.CHECKOUT_LIFETIME + dt.timedelta(hours=1)
    SandboxPayment.objects.update(created_at=timezone.now() - sandbox.CHECKOUT_LIFETIME - dt.timedelta(hours=1))
    reconcile_stale_checkouts(now=later)
    checkout = Checkout.objects.get()
    assert checkout.status == CheckoutStatus.FAILED and balance(reader) == 0


@pytest.mark.parametrize("provider", ["wechatpay", "alipay", "stripe", "nowhere"])
def test_webhooks_for_a_provider_not_configured_here_answer_404(client, provider):
    response = client.post(f"/payments/webhooks/{provider}/", b"{}", content_type="application/json")
    assert response.status_code == 404


def test_sandbox_webhooks_answer_404_without_their_secret(client, settings, db):
    settings.SANDBOX_WEBHOOK_SECRET = ""
    assert client.post("/payments/webhooks/sandbox/", b"{}", content_type="application/json").status_code == 404
