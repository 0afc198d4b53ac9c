"""Checkouts whose webhook never came: the reconciler asks the provider and acts through the webhook's path."""

import datetime as dt
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from byline.ledger.invariants import assert_balanced
from byline.ledger.models import Transfer, TransferKind
from byline.payments.models import Checkout, CheckoutStatus, SandboxPayment, WebhookEvent
from byline.payments.providers import sandbox
from byline.payments.services import reconcile_stale_checkouts, start_card_unlock, start_topup
from byline.payments.webhooks import receive
from byline.purchases.models import Purchase
from tests.ledger.conftest import balance, new_key
from tests.payments.test_stripe import completed, stripe_signed

LATER = dt.timedelta(minutes=11)


def sandbox_topup(reader, amount=1000):
    return start_topup(reader=reader, amount_minor=amount, currency="USD", idempotency_key=new_key(),
                       success_url="http://t/r/", cancel_url="http://t/")


def pay_at_sandbox(checkout, card=sandbox.SUCCESS):
    return sandbox.pay(payment=SandboxPayment.objects.get(ref=checkout.provider_ref), card_number=card)


@pytest.mark.django_db
def test_a_paid_checkout_whose_webhook_never_came_is_completed_once(reader, paid_article, failing_transport):
    checkout = start_card_unlock(reader=reader, article=paid_article, idempotency_key=new_key(),
                                 success_url="http://t/r/", cancel_url="http://t/")
    assert pay_at_sandbox(checkout) == "succeeded"
    assert Checkout.objects.get().status == CheckoutStatus.OPEN  # the webhook endpoint was down

    assert reconcile_stale_checkouts(now=timezone.now() + LATER) == {"paid": 1}
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.PAID and checkout.outcome.startswith("purchase ")
    assert Purchase.objects.get().price_minor == 300 and balance(reader) == 0
    assert reconcile_stale_checkouts(now=timezone.now() + LATER) == {}  # nothing left to ask about
    assert Transfer.objects.filter(kind=TransferKind.TOPUP).count() == 1
    assert_balanced()


@pytest.mark.django_db
def test_the_real_webhook_arriving_after_reconciliation_moves_nothing_more(reader, failing_transport):
    checkout = sandbox_topup(reader)
    pay_at_sandbox(checkout)
    reconcile_stale_checkouts(now=timezone.now() + LATER)
    transfers = Transfer.objects.count()

    failing_transport["up_fn"]()
    assert sandbox.deliver_due(now=timezone.now() + dt.timedelta(hours=1)) == 1  # acknowledged ...
    late = WebhookEvent.objects.get(event_type="checkout.session.completed")
    assert late.outcome == "already paid"  # ... and did nothing
    assert balance(reader) == 1000 and Transfer.objects.count() == transfers
    assert_balanced()


@pytest.mark.django_db
def test_a_checkout_still_waiting_for_payment_is_left_alone(reader):
    checkout = sandbox_topup(reader)
    assert reconcile_stale_checkouts(now=timezone.now() + LATER) == {"open": 1}
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.OPEN and balance(reader) == 0
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db
def test_a_checkout_younger_than_ten_minutes_is_not_asked_about(reader, failing_transport):
    pay_at_sandbox(sandbox_topup(reader))
    assert reconcile_stale_checkouts(now=timezone.now() + dt.timedelta(minutes=9)) == {}
    assert balance(reader) == 0


@pytest.mark.django_db
def test_a_declined_card_leaves_the_checkout_open_for_another_card(reader, failing_transport):
    checkout = sandbox_topup(reader)
    assert pay_at_sandbox(checkout, card=sandbox.DECLINED) == "open"
    assert reconcile_stale_checkouts(now=timezone.now() + LATER) == {"open": 1}
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.OPEN and balance(reader) == 0


@pytest.mark.django_db
def test_a_stripe_session_paid_without_a_webhook_is_completed_and_the_late_webhook_is_ignored(stripe_http, reader):
    checkout = start_topup(reader=reader, amount_minor=1000, currency="USD", idempotency_key=new_key(),
                           success_url="https://b.test/r/", cancel_url="https://b.test/")
    assert reconcile_stale_checkouts(now=timezone.now() + LATER) == {"open": 1}
    stripe_http.sessions[checkout.provider_ref].update(payment_status="paid", status="complete")
    assert reconcile_stale_checkouts(now=timezone.now() + LATER) == {"paid": 1}
    assert balance(reader) == 1000
    body, headers = stripe_signed(completed(checkout, event_id="evt_late"))
    assert receive(provider_name="stripe", body=body, headers=headers).detail == "already paid"
    assert balance(reader) == 1000
    assert_balanced()


@pytest.mark.django_db
def test_an_expired_stripe_session_marks_the_checkout_failed(stripe_http, reader):
    checkout = start_topup(reader=reader, amount_minor=1000, currency="USD", idempotency_key=new_key(),
                           success_url="https://b.test/r/", cancel_url="https://b.test/")
    stripe_http.sessions[checkout.provider_ref].update(status="expired")
    assert reconcile_stale_checkouts(now=timezone.now() + LATER) == {"failed": 1}
    assert Checkout.objects.get().status == CheckoutStatus.FAILED


@pytest.mark.django_db
def test_a_provider_that_does_not_answer_leaves_the_checkout_for_the_next_run(reader):
    checkout = sandbox_topup(reader)
    SandboxPayment.objects.filter(ref=checkout.provider_ref).delete()  # fetch_payment raises ProviderError
    assert reconcile_stale_checkouts(now=timezone.now() + LATER) == {"error": 1}
    assert Checkout.objects.get().status == CheckoutStatus.OPEN


@pytest.mark.django_db
def test_the_command_and_the_beat_entry_run_the_reconciler(reader, failing_transport):
    pay_at_sandbox(sandbox_topup(reader))
    out = StringIO()
    call_command("reconcile_checkouts", "--older-than-minutes", "0", stdout=out)
    assert "'paid': 1" in out.getvalue() and balance(reader) == 1000
    entry = settings.CELERY_BEAT_SCHEDULE["reconcile-checkouts"]
    assert entry == {"task": "byline.payments.reconcile_checkouts", "schedule": 300.0}
    from byline.payments.tasks import reconcile_checkouts

    assert reconcile_checkouts.name == entry["task"] and reconcile_checkouts() == {}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reconcilers_credit_a_paid_checkout_once(failing_transport):
    from tests.conftest import make_user
    from tests.purchases.test_concurrency import run_concurrently

    reader = make_user()
    pay_at_sandbox(sandbox_topup(reader))
    later = timezone.now() + LATER
    results = run_concurrently(8, lambda _: reconcile_stale_checkouts(now=later))
    assert sum(result.get("paid", 0) for result in results) >= 1
    assert balance(reader) == 1000 and Transfer.objects.filter(kind=TransferKind.TOPUP).count() == 1
    assert WebhookEvent.objects.filter(event_id__startswith="reconcile:").count() == 1
    assert_balanced()


@pytest.mark.django_db
def test_a_card_membership_whose_webhook_was_lost_is_reconciled_with_its_subscription(reader, failing_transport):
    from byline.payments.services import start_card_membership
    from byline.purchases import memberships
    from byline.purchases.models import MembershipPlan, RenewVia

    plan = MembershipPlan.objects.create(name="Monthly", interval="month", price_minor=800, currency="USD")
    checkout = start_card_membership(reader=reader, plan=plan, idempotency_key=new_key(), success_url="http://t/r/",
                                     cancel_url="http://t/")
    pay_at_sandbox(checkout)
    assert reconcile_stale_checkouts(now=timezone.now() + LATER) == {"paid": 1}
    membership = memberships.active_membership(reader=reader)
    assert membership.renew_via == RenewVia.CARD and membership.subscription_ref == f"sub_{checkout.provider_ref}"
