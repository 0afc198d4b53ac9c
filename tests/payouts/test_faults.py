"""Faults: a worker that dies after the provider accepted a transfer and before the ledger recorded it, a provider
that never answered, and concurrent reconcilers. Nothing is paid twice, nothing is lost."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from byline.ledger.invariants import assert_balanced
from byline.ledger.models import TransferKind
from byline.payouts import selectors, services
from byline.payouts.models import Payout, PayoutStatus, SandboxTransfer
from byline.payouts.providers import sandbox
from byline.payouts.providers.base import PayoutProviderError
from tests.conftest import make_author
from tests.ledger.conftest import new_key
from tests.payouts.conftest import later, sandbox_method, sell

ROOT = Path(__file__).resolve().parents[2]


def reconcile():
    return services.reconcile_payouts(now=timezone.now() + services.RECONCILE_AFTER)


def ledger_of(payout):
    return {t.kind for t in (payout.debit, payout.settlement, payout.reversal) if t is not None}


def requested(writer):
    return services.request_payout(writer=writer.user, currency="USD", idempotency_key=new_key(), now=later())


@pytest.mark.django_db
def test_a_worker_that_dies_after_the_provider_paid_is_settled_by_reconciliation_once(paid_writer, monkeypatch):
    payout = requested(paid_writer)

    def killed(**kwargs):
        raise SystemExit("worker killed between the provider's answer and the ledger")

    monkeypatch.setattr(services, "apply_answer", killed)
    with pytest.raises(SystemExit):
        services.send_payout(payout=payout)
    monkeypatch.undo()
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.SENDING and SandboxTransfer.objects.get().state == "paid"
    assert reconcile() == {"paid": 1}
    assert reconcile() == {}
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PAID and ledger_of(payout) == {TransferKind.PAYOUT, TransferKind.PAYOUT_PAID}
    assert SandboxTransfer.objects.count() == 1  # paid once at the provider ...
    assert selectors.balance_of(writer=paid_writer.user, currency="USD", now=later()).available == 0  # ... and here
    assert_balanced()


@pytest.mark.django_db
def test_a_payout_the_provider_never_received_is_sent_again_under_the_same_reference(paid_writer, monkeypatch):
    payout = requested(paid_writer)

    def unreachable(self, order):
        raise PayoutProviderError("connection reset")

    monkeypatch.setattr(sandbox.SandboxPayouts, "send", unreachable)
    assert services.send_payout(payout=payout).status == PayoutStatus.SENDING
    monkeypatch.undo()
    assert reconcile() == {"paid": 1}
    assert SandboxTransfer.objects.get().reference == payout.reference
    assert_balanced()


@pytest.mark.django_db
def test_a_provider_that_does_not_answer_reconciliation_leaves_the_payout_for_the_next_run(paid_writer, monkeypatch):
    payout = requested(paid_writer)
    monkeypatch.setattr(sandbox.SandboxPayouts, "fetch", lambda self, order: (_ for _ in ()).throw(
        PayoutProviderError("timeout")))
    assert reconcile() == {"error": 1}
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.SENDING and payout.reversal is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_after_the_provider_accepted_is_resolved_by_reconciliation():
    author = make_author()
    sell(author, price=10000)
    sandbox_method(author.user)
    payout = requested(author)
    script = textwrap.dedent(f"""
        import django, sys
        django.setup()
        from byline.payouts import services
        from byline.payouts.models import Payout

        def stop_here(**kwargs):  # the provider has answered; the ledger has not heard
            print("accepted", flush=True)
            sys.stdin.readline()  # wait to be killed

        services.apply_answer = stop_here
        services.send_payout(payout=Payout.objects.get(pk={payout.pk}))
    """)
    settings_dict = connection.settings_dict
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.settings",
               DATABASE_URL=f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/"
                            f"{settings_dict['NAME']}")
    worker = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline().strip() == "accepted", worker.stderr.read()
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == -signal.SIGKILL
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.SENDING and SandboxTransfer.objects.get().state == "paid"
    assert reconcile() == {"paid": 1}
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PAID and SandboxTransfer.objects.count() == 1
    assert_balanced()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reconcilers_settle_a_stuck_payout_once(monkeypatch):
    from tests.purchases.test_concurrency import run_concurrently

    author = make_author()
    sell(author, price=10000)
    sandbox_method(author.user)
    payout = requested(author)
    sandbox.SandboxPayouts().send(services.order_for(payout))  # paid at the provider; the ledger never heard
    outcomes = run_concurrently(8, lambda _: reconcile())
    assert sum(result.get("paid", 0) for result in outcomes) >= 1
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PAID
    assert Payout.objects.get().settlement.kind == TransferKind.PAYOUT_PAID
    assert_balanced()


@pytest.mark.django_db
def test_the_command_and_the_beat_entries_run_reconciliation_and_the_monthly_payouts(paid_writer, monkeypatch):
    from io import StringIO

    from django.conf import settings
    from django.core.management import call_command

    from byline.payouts import tasks

    payout = requested(paid_writer)
    sandbox.SandboxPayouts().send(services.order_for(payout))
    out = StringIO()
    call_command("reconcile_payouts", "--older-than-minutes", "0", stdout=out)
    assert "'paid': 1" in out.getvalue()
    assert settings.CELERY_BEAT_SCHEDULE["reconcile-payouts"]["task"] == tasks.reconcile_payouts.name
    assert settings.CELERY_BEAT_SCHEDULE["pay-monthly-payouts"]["task"] == tasks.pay_monthly.name
    assert tasks.reconcile_payouts() == {} and tasks.pay_monthly() == {}
