"""The Stripe provider, offline: the SDK talks to a local fake, webhooks are signed fixtures."""

import json
import time
import urllib.parse

import pytest
import stripe

from byline.payments.models import Checkout, CheckoutStatus
from byline.payments.providers import signing, use_provider
from byline.payments.providers.stripe import StripeProvider
from byline.payments.services import start_topup
from byline.payments.webhooks import receive
from byline.purchases import memberships
from byline.purchases.models import MembershipPlan, RenewVia
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db
SECRET = "whsec_test_fixture_secret"


class FakeStripeHTTP(stripe.HTTPClient):
    """Answers the SDK like api.stripe.com would, and remembers every request; never touches the network."""

    name = "fake"

    def __init__(self):
        super().__init__()
        self.requests = []
        self.sessions = {}  # sessions created through the fake, by id: a test may mark one paid or expired

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        form = dict(urllib.parse.parse_qsl(post_data or ""))
        self.requests.append((method, url, headers, form))
        path = urllib.parse.urlparse(url).path
        if method == "post" and path == "/v1/checkout/sessions":
            body = {"id": "cs_test_123", "object": "checkout.session", "url": "https://checkout.stripe.test/cs_test_123",
                    "client_reference_id": form.get("client_reference_id"), "payment_status": "unpaid",
                    "status": "open", "amount_total": int(form["line_items[0][price_data][unit_amount]"]),
                    "currency": form["line_items[0][price_data][currency]"], "payment_intent": "pi_1",
                    "subscription": None}
            self.sessions[body["id"]] = body
            return json.dumps(body), 200, {}
        if method == "get" and path.rsplit("/", 1)[1] in self.sessions:
            return json.dumps(self.sessions[path.rsplit("/", 1)[1]]), 200, {}
        if method == "get" and path.startswith("/v1/checkout/sessions/"):
            return json.dumps({"id": path.rsplit("/", 1)[1], "object": "checkout.session", "payment_status": "paid",
                               "status": "complete", "amount_total": 1000, "currency": "usd",
                               "client_reference_id": "ref", "payment_intent": "pi_1"}), 200, {}
        if method == "post" and path == "/v1/refunds":
            return json.dumps({"id": "re_1", "object": "refund", "amount": int(form["amount"])}), 200, {}
        return json.dumps({"error": {"message": "not faked", "type": "invalid_request_error"}}), 400, {}

    def close(self):
        pass


@pytest.fixture
def fake_http():
    return FakeStripeHTTP()


@pytest.fixture
def provider(settings, fake_http):
    settings.PAYMENT_PROVIDER = "stripe"
    provider = StripeProvider(api_key="sk_test_fake", webhook_secret=SECRET, http_client=fake_http)
    use_provider("stripe", provider)
    yield provider
    use_provider("stripe", None)


def stripe_signed(event: dict, *, timestamp=None, secret=SECRET):
    body = json.dumps(event).encode()
    return body, {"Stripe-Signature": signing.sign(body, secret, timestamp or int(time.time()))}


def test_a_top_up_creates_a_stripe_checkout_session(provider, fake_http, reader):
    checkout = start_topup(reader=reader, amount_minor=1000, currency="USD", idempotency_key=new_key(),
                           success_url="https://byline.test/return/", cancel_url="https://byline.test/")
    assert checkout.redirect_url == "https://checkout.stripe.test/cs_test_123"
    assert checkout.provider == "stripe" and checkout.provider_ref == "cs_test_123"
    method, url, headers, form = fake_http.requests[0]
    assert form["mode"] == "payment" and form["line_items[0][price_data][unit_amount]"] == "1000"
    assert form["client_reference_id"] == checkout.reference
    assert form["success_url"].endswith(f"ref={checkout.reference}")
    assert headers["Idempotency-Key"] == f"checkout-{checkout.reference}"


def test_a_membership_by_card_starts_a_subscription_checkout(provider, fake_http, reader):
    from byline.payments.services import start_card_membership

    plan = MembershipPlan.objects.create(name="Monthly", interval="month", price_minor=800, currency="USD")
    start_card_membership(reader=reader, plan=plan, idempotency_key=new_key(), success_url="https://b.test/r/",
                          cancel_url="https://b.test/")
    form = fake_http.requests[0][3]
    assert form["mode"] == "subscription" and form["line_items[0][price_data][recurring][interval]"] == "month"


def completed(checkout, event_id="evt_1", subscription=None):
    return {"id": event_id, "object": "event", "type": "checkout.session.completed", "created": int(time.time()),
            "data": {"object": {"id": checkout.provider_ref, "object": "checkout.session",
                                "client_reference_id": checkout.reference, "amount_total": checkout.amount_minor,
                                "currency": checkout.currency.lower(), "payment_status": "paid",
                                "subscription": subscription}}}


def test_a_signed_checkout_completed_event_credits_the_wallet_once(provider, reader):
    checkout = start_topup(reader=reader, amount_minor=1000, currency="USD", idempotency_key=new_key(),
                           success_url="https://b.test/r/", cancel_url="https://b.test/")
    body, headers = stripe_signed(completed(checkout))
    assert receive(provider_name="stripe", body=body, headers=headers).status == 200
    assert receive(provider_name="stripe", body=body, headers=headers).detail == "duplicate"
    assert balance(reader) == 1000 and Checkout.objects.get().status == CheckoutStatus.PAID


@pytest.mark.parametrize("tamper", ["body", "old", "secret", "header"])
def test_stripe_webhooks_that_fail_verification_are_rejected(provider, reader, tamper):
    checkout = start_topup(reader=reader, amount_minor=1000, currency="USD", idempotency_key=new_key(),
                           success_url="https://b.test/r/", cancel_url="https://b.test/")
    body, headers = stripe_signed(completed(checkout), timestamp=int(time.time()) - 400 if tamper == "old" else None,
                                  secret="whsec_wrong" if tamper == "secret" else SECRET)
    if tamper == "body":
        body = body.replace(b'"paid"', b'"PAID"')
    if tamper == "header":
        headers = {"Stripe-Signature": "t=abc,v1"}
    assert receive(provider_name="stripe", body=body, headers=headers).status == 400
    assert balance(reader) == 0


def test_an_invoice_paid_renewal_extends_a_card_membership(provider, reader):
    plan = MembershipPlan.objects.create(name="Monthly", interval="month", price_minor=800, currency="USD")
    fund(reader, 800)
    membership = memberships.join_with_wallet(reader=reader, plan=plan, idempotency_key=new_key(),
                                              renew_via=RenewVia.CARD, subscription_ref="sub_1")
    end = membership.period_end
    invoice = {"id": "evt_inv", "object": "event", "type": "invoice.paid", "created": int(time.time()),
               "data": {"object": {"id": "in_1", "object": "invoice", "billing_reason": "subscription_cycle",
                                   "subscription": "sub_1", "amount_paid": 800, "currency": "usd"}}}
    assert receive(provider_name="stripe", body=stripe_signed(invoice)[0], headers=stripe_signed(invoice)[1]).status \
        == 200
    membership.refresh_from_db()
    assert membership.period_end > end and balance(reader) == 0
    body, headers = stripe_signed(dict(invoice, id="evt_inv_again"))
    again = receive(provider_name="stripe", body=body, headers=headers)  # same invoice, new event id: still once
    assert again.status == 200  # acknowledged, not failed (the wallet was spent by the first delivery)
    membership.refresh_from_db()
    assert membership.charges.count() == 2


def test_fetch_payment_and_refund_go_through_the_sdk(provider, fake_http):
    assert provider.fetch_payment(provider_ref="cs_test_9").state == "succeeded"
    assert provider.refund(provider_ref="cs_test_9", amount_minor=300, currency="USD", idempotency_key="r1") == "re_1"
    assert fake_http.requests[-1][3] == {"payment_intent": "pi_1", "amount": "300"}
