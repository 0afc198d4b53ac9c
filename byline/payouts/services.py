"""Paying writers: set up where the money goes, request a payout, send it, and act on what the provider says.

Ledger first. A payout is first a ledger transfer (key: the payout's idempotency key) from the writer's
earnings to payout clearing, posted under the earnings account's row lock after the available balance was
worked out under that same lock: concurrent requests queue on the lock, and each sees what the one before
took, so together they can never take more than was available. A refund racing a payout waits on the same
row; landing after it, it lowers the balance below zero, the writer's recorded debt, which their next
earnings pay back before anything more can be paid out (Byline does not absorb it).

Only then is the provider asked, outside any transaction, with the payout's reference as its idempotency
key. What the provider says is applied once (`apply_answer`, under the payout's row lock, each ledger
transfer under its own key): PAID posts the settlement (payout clearing to provider clearing); FAILED
reverses the debit in full; RETURNED after PAID reverses the settlement and then the debit. A worker that
dies between the provider's answer and `apply_answer` leaves the payout SENDING with its debit standing:
`reconcile_payouts` asks the provider by reference and applies the answer through the same path, or sends
again under the same reference when the provider has no record, so nothing is paid twice and nothing lost.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from byline.ledger import services as ledger
from byline.ledger.models import AccountKind, TransferKind
from byline.payouts import selectors
from byline.payouts.models import (
    CLOSED,
    MethodStatus,
    Payout,
    PayoutMethod,
    PayoutStatus,
    Schedule,
    Trigger,
)
from byline.payouts.providers import get_provider, offered, provider_class
from byline.payouts.providers.base import PayoutAnswer, PayoutOrder, PayoutProviderError, PayoutState

log = logging.getLogger(__name__)
MAX_KEY = 100


class PayoutRefused(Exception):
    """Nothing was moved; `message` says why, in the writer's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _money(minor: int, currency: str) -> str:
    from byline.core.money import money

    return money(minor, currency)


# Payout methods -------------------------------------------------------------------------------------------

def set_up_method(*, writer, provider: str, currency: str, schedule: str = Schedule.ON_REQUEST,
                  account_ref: str = "", holder_name: str = "", bank_details: str = "") -> PayoutMethod:
    """Make `provider` where the writer's `currency` earnings go, replacing the method they had for it.
    Providers with their own onboarding start SETTING_UP until the writer finishes it there."""
    if provider not in offered(currency):
        raise PayoutRefused(_("This payout method is not offered for this currency."))
    if schedule not in Schedule.values:
        raise PayoutRefused(_("Choose when you want to be paid."))
    cls = provider_class(provider)
    with transaction.atomic():
        current = list(PayoutMethod.objects.select_for_update().filter(writer=writer, currency=currency)
                       .exclude(status=MethodStatus.REMOVED))
        reuse = ""
        if cls.onboarding and not account_ref:
            # The same provider account serves every currency: a Stripe account set up for USD also takes EUR.
            reuse = (PayoutMethod.objects.filter(writer=writer, provider=provider).exclude(account_ref="")
                     .order_by("-created_at").values_list("account_ref", flat=True).first() or "")
        for method in current:
            method.status = MethodStatus.REMOVED
            method.save(update_fields=["status", "updated_at"])
        method = PayoutMethod.objects.create(
            writer=writer, provider=provider, currency=currency, schedule=schedule,
            account_ref=(account_ref or reuse).strip()[:200], holder_name=holder_name.strip()[:100],
            bank_details=bank_details.strip()[:500])
    return refresh_method(method=method) if (not cls.onboarding or method.account_ref) else method


def refresh_method(*, method: PayoutMethod) -> PayoutMethod:
    """Ask the provider whether the method's account can be paid now, and say so on the method."""
    if method.status == MethodStatus.REMOVED:
        return method
    ready = get_provider(method.provider).account_ready(method=method)
    status = MethodStatus.READY if ready else MethodStatus.SETTING_UP
    if status != method.status:
        method.status = status
        method.save(update_fields=["status", "updated_at"])
    return method


def start_onboarding(*, method: PayoutMethod, return_url: str, state: str) -> str:
    """Where to send the writer to set the account up at the provider; remembers the account it created. The
    provider sends the writer back to `return_url` with `state`, which the caller must check before
    `finish_onboarding` (views keep it in the writer's session)."""
    onboarding = get_provider(method.provider).start_onboarding(method=method, return_url=return_url, state=state)
    if onboarding.account_ref and onboarding.account_ref != method.account_ref:
        method.account_ref = onboarding.account_ref
        method.save(update_fields=["account_ref", "updated_at"])
    return onboarding.url


def finish_onboarding(*, method: PayoutMethod, query) -> PayoutMethod:
    """The writer came back from the provider's onboarding: take the account it names, and check it."""
    account_ref = get_provider(method.provider).finish_onboarding(method=method, query=query)
    if account_ref and account_ref != method.account_ref:
        method.account_ref = account_ref[:200]
        method.save(update_fields=["account_ref", "updated_at"])
    return refresh_method(method=method)


def change_schedule(*, method: PayoutMethod, schedule: str) -> PayoutMethod:
    if schedule not in Schedule.values:
        raise PayoutRefused(_("Choose when you want to be paid."))
    method.schedule = schedule
    method.save(update_fields=["schedule", "updated_at"])
    return method


def remove_method(*, method: PayoutMethod) -> None:
    """Stop paying to this method. Payouts already on their way there go on."""
    method.status = MethodStatus.REMOVED
    method.save(update_fields=["status", "updated_at"])


# Requesting a payout --------------------------------------------------------------------------------------

def _scoped_key(writer, idempotency_key: str) -> str:
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_KEY:
        raise PayoutRefused(_("This form has expired. Please reload the page and try again."))
    return f"payout:w{writer.pk}:{key}"


def request_payout(*, writer, currency: str, idempotency_key: str, amount_minor: int | None = None,
                   trigger: str = Trigger.REQUEST, now: dt.datetime | None = None) -> Payout:
    """Take `amount_minor` (None: all that is available) from the writer's available earnings into payout
    clearing, once per key, for the method set up for `currency`. The payout then waits for staff approval
    (PAYOUT_APPROVAL) or is ready to send (`send_payout`). Raises PayoutRefused and moves nothing when the
    amount is below the minimum or above what is available, or no method is ready."""
    key = _scoped_key(writer, idempotency_key)
    existing = Payout.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    method = selectors.method_for(writer=writer, currency=currency)
    if method is None or method.status != MethodStatus.READY:
        raise PayoutRefused(_("Set up where your money goes first."))
    if amount_minor is not None and (type(amount_minor) is not int or amount_minor <= 0):
        raise PayoutRefused(_("Enter an amount above zero."))
    earnings, clearing = ledger.accounts_for([(AccountKind.EARNINGS, currency, writer),
                                              (AccountKind.PAYOUT, currency, None)])
    with transaction.atomic():
        # Every payout of this writer in this currency queues here, and so does every credit or refund that
        # would change the balance meanwhile: what is available is worked out with nothing moving under it.
        locked = ledger.lock_accounts([earnings])[earnings.pk]
        existing = Payout.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
        balance = selectors.balance_of(writer=writer, currency=currency, now=now, account=locked)
        amount = balance.available if amount_minor is None else amount_minor
        if amount < balance.minimum:
            raise PayoutRefused(_("Payouts start at %(minimum)s; %(amount)s is available now.") % {
                "minimum": _money(balance.minimum, currency), "amount": _money(max(0, balance.available), currency)})
        if amount > balance.available:
            raise PayoutRefused(_("Only %(amount)s is available to pay out now.") % {
                "amount": _money(max(0, balance.available), currency)})
        reference = uuid.uuid4().hex
        debit = ledger.transfer(key=key, kind=TransferKind.PAYOUT,
                                legs=[ledger.Leg(earnings, -amount), ledger.Leg(clearing, amount)],
                                memo=f"payout {reference} to {method.provider}")
        try:
            with transaction.atomic():
                payout = Payout.objects.create(
                    reference=reference, writer=writer, method=method, provider=method.provider,
                    amount_minor=amount, currency=currency, idempotency_key=key, trigger=trigger, debit=debit,
                    status=PayoutStatus.REQUESTED if settings.PAYOUT_APPROVAL else PayoutStatus.SENDING)
        except IntegrityError:  # the same key, a moment ago: its debit is the one just returned by the ledger
            return Payout.objects.get(idempotency_key=key)
    log.info("payout %s requested: %s %s for writer %s", reference, amount, currency, writer.pk)
    return payout


def pay_out(*, writer, currency: str, idempotency_key: str, amount_minor: int | None = None,
            trigger: str = Trigger.REQUEST) -> Payout:
    """Request a payout and, unless it waits for approval, send it at once."""
    payout = request_payout(writer=writer, currency=currency, idempotency_key=idempotency_key,
                            amount_minor=amount_minor, trigger=trigger)
    if payout.status == PayoutStatus.SENDING:
        payout = send_payout(payout=payout)
    return payout


def approve_payout(*, payout: Payout, staff_user) -> Payout:
    """Staff let a requested payout go, then it is sent."""
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout.pk)
        if payout.status != PayoutStatus.REQUESTED:
            return payout
        payout.status, payout.approved_by = PayoutStatus.SENDING, staff_user
        payout.save(update_fields=["status", "approved_by"])
    return send_payout(payout=payout)


def cancel_payout(*, payout: Payout, reason: str) -> Payout:
    """A payout still waiting for approval is called off (by staff, or by its writer): its debit is reversed."""
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout.pk)
        if payout.status != PayoutStatus.REQUESTED:
            return payout
        _reverse_debit(payout, status=PayoutStatus.CANCELLED, reason=reason)
    return payout


# Sending, and what the provider says -----------------------------------------------------------------------

def order_for(payout: Payout) -> PayoutOrder:
    method = payout.method
    return PayoutOrder(reference=payout.reference, amount_minor=payout.amount_minor, currency=payout.currency,
                       account_ref=method.account_ref, holder_name=method.holder_name,
                       description=f"{settings.SITE_NAME} {payout.created_at:%Y-%m}")


def send_payout(*, payout: Payout) -> Payout:
    """Ask the provider to pay a SENDING payout, then apply its answer. No transaction is open while the
    provider is asked. An unreachable provider leaves the payout SENDING: reconciliation asks again."""
    if payout.status != PayoutStatus.SENDING:
        return payout
    Payout.objects.filter(pk=payout.pk).update(sent_at=timezone.now(), attempts=F("attempts") + 1)
    try:
        answer = get_provider(payout.provider).send(order_for(payout))
    except PayoutProviderError as error:
        log.warning("payout %s: %s did not answer: %s", payout.reference, payout.provider, error)
        payout.refresh_from_db()
        return payout
    apply_answer(payout=payout, answer=answer)
    payout.refresh_from_db()
    return payout


def apply_answer(*, payout: Payout, answer: PayoutAnswer) -> str:
    """Bring the payout in line with what the provider says, once: each state change happens under the
    payout's row lock and each ledger transfer under its own key. Returns what was done."""
    with transaction.atomic():
        payout = (Payout.objects.select_for_update(of=("self",)).select_related("debit", "settlement")
                  .get(pk=payout.pk))
        state, status = answer.state, payout.status
        if answer.provider_ref and not payout.provider_ref:
            payout.provider_ref = answer.provider_ref[:200]
            payout.save(update_fields=["provider_ref"])
        if state == PayoutState.PAID:
            if status in (PayoutStatus.SENDING, PayoutStatus.IN_FLIGHT):
                _settle(payout)
                return "paid"
            if status in CLOSED:
                # The provider paid a payout whose money Byline already gave back: never guess which is right.
                log.error("payout %s: %s says paid, but it was %s", payout.reference, payout.provider, status)
                return f"conflict: paid but {status}"
            return f"already {status}"
        if state in (PayoutState.FAILED, PayoutState.RETURNED):
            reason = answer.failure_reason or str(state)
            if status == PayoutStatus.PAID:
                payout.settlement_reversal = ledger.reverse(
                    original=payout.settlement, key=f"payout-unsettle:{payout.reference}",
                    kind=TransferKind.PAYOUT_BACK, memo=f"payout {payout.reference} returned")
                _reverse_debit(payout, status=PayoutStatus.RETURNED, reason=reason)
                return "returned"
            if status in (PayoutStatus.SENDING, PayoutStatus.IN_FLIGHT):
                _reverse_debit(payout, status=PayoutStatus.FAILED if state == PayoutState.FAILED
                               else PayoutStatus.RETURNED, reason=reason)
                return str(payout.status)
            return f"already {status}"
        if state == PayoutState.IN_FLIGHT and status == PayoutStatus.SENDING:
            payout.status, payout.payee_action = PayoutStatus.IN_FLIGHT, answer.payee_action
            payout.save(update_fields=["status", "payee_action"])
            return "in flight"
        if state == PayoutState.IN_FLIGHT and answer.payee_action != payout.payee_action \
                and status == PayoutStatus.IN_FLIGHT:
            payout.payee_action = answer.payee_action
            payout.save(update_fields=["payee_action"])
        return f"no change ({status})"


def _settle(payout: Payout) -> None:
    clearing, provider_clearing = ledger.accounts_for([(AccountKind.PAYOUT, payout.currency, None),
                                                       (AccountKind.CLEARING, payout.currency, None)])
    payout.settlement = ledger.transfer(
        key=f"payout-settle:{payout.reference}", kind=TransferKind.PAYOUT_PAID,
        legs=[ledger.Leg(clearing, -payout.amount_minor), ledger.Leg(provider_clearing, payout.amount_minor)],
        memo=f"payout {payout.reference} paid by {payout.provider} {payout.provider_ref}"[:200])
    payout.status, payout.paid_at, payout.payee_action = PayoutStatus.PAID, timezone.now(), ""
    payout.save(update_fields=["settlement", "status", "paid_at", "payee_action"])
    log.info("payout %s paid: %s %s", payout.reference, payout.amount_minor, payout.currency)


def _reverse_debit(payout: Payout, *, status: str, reason: str) -> None:
    """Give the writer the whole payout back (caller holds the payout's row lock)."""
    payout.reversal = ledger.reverse(original=payout.debit, key=f"payout-back:{payout.reference}",
                                     kind=TransferKind.PAYOUT_BACK, memo=f"payout {payout.reference} {status}")
    payout.status, payout.failure_reason, payout.closed_at = status, reason[:200], timezone.now()
    payout.payee_action = ""
    payout.save(update_fields=["reversal", "settlement_reversal", "status", "failure_reason", "closed_at",
                               "payee_action"])
    log.info("payout %s %s: %s", payout.reference, status, reason)


# Manual bank transfers, recorded by staff ------------------------------------------------------------------

def record_bank_transfer(*, payout: Payout, staff_user, bank_reference: str) -> str:
    """Staff sent a bank-transfer payout from the site's bank: it is paid."""
    if payout.provider != "bank" or not bank_reference.strip():
        raise PayoutRefused(_("Give the bank's reference for the transfer you made."))
    log.info("payout %s: bank transfer recorded by %s", payout.reference, staff_user)
    return apply_answer(payout=payout, answer=PayoutAnswer(PayoutState.PAID,
                                                           provider_ref=bank_reference.strip()[:200]))


def record_bank_failure(*, payout: Payout, staff_user, reason: str) -> str:
    """A bank transfer could not be made, or came back: the writer gets the money back in their balance."""
    if payout.provider != "bank" or not reason.strip():
        raise PayoutRefused(_("Say what happened to the transfer."))
    log.info("payout %s: bank transfer failure recorded by %s", payout.reference, staff_user)
    state = PayoutState.RETURNED if payout.status == PayoutStatus.PAID else PayoutState.FAILED
    return apply_answer(payout=payout, answer=PayoutAnswer(state, failure_reason=reason.strip()[:200]))


# Scheduled work ------------------------------------------------------------------------------------------------

def pay_monthly(*, now: dt.datetime | None = None, limit: int = 5000) -> dict[str, int]:
    """Pay every writer on the monthly schedule all that is available, once per month and currency
    (the key names the month, so a second run the same month pays nobody twice)."""
    now = now or timezone.now()
    month = timezone.localtime(now).strftime("%Y-%m")
    counts: Counter[str] = Counter()
    methods = (PayoutMethod.objects.filter(status=MethodStatus.READY, schedule=Schedule.MONTHLY)
               .select_related("writer").order_by("pk")[:limit])
    for method in methods:
        key = f"monthly:{month}:{method.currency}"
        if Payout.objects.filter(idempotency_key=_scoped_key(method.writer, key)).exists():
            counts["already paid this month"] += 1
            continue
        balance = selectors.balance_of(writer=method.writer, currency=method.currency, now=now)
        if balance.available < balance.minimum:
            counts["below minimum"] += 1
            continue
        try:
            payout = request_payout(writer=method.writer, currency=method.currency, trigger=Trigger.MONTHLY,
                                    idempotency_key=key, now=now)
            payout = send_payout(payout=payout)
        except PayoutRefused:
            counts["refused"] += 1
            continue
        counts[str(payout.status)] += 1
    return dict(counts)


RECONCILE_AFTER = dt.timedelta(minutes=10)


def reconcile_payouts(*, older_than: dt.timedelta = RECONCILE_AFTER, limit: int = 200,
                      now: dt.datetime | None = None) -> dict[str, int]:
    """Ask each provider about payouts sent at least `older_than` ago that are still SENDING or IN_FLIGHT, and
    act on the answer through `act_once` (event id `reconcile:<reference>:<state>`), the path notifications
    take. A payout the provider has no record of, still SENDING, is sent again under the same reference: the
    provider's idempotency makes that safe. Safe to run concurrently, and before or after a notification."""
    now = now or timezone.now()
    due = (Payout.objects.filter(status__in=(PayoutStatus.SENDING, PayoutStatus.IN_FLIGHT),
                                 created_at__lte=now - older_than)
           .exclude(provider="bank").select_related("method").order_by("created_at"))
    counts: Counter[str] = Counter()
    for payout in due[:limit]:
        try:
            counts[reconcile_payout(payout=payout)] += 1
        except Exception:  # one payout's surprise must not stop the others; it is asked about again next run
            log.exception("reconcile payout %s failed", payout.reference)
            counts["error"] += 1
    return dict(counts)


def reconcile_payout(*, payout: Payout) -> str:
    from byline.payouts.notices import act_once
    from byline.payouts.providers.base import PayoutNotice as Notice

    provider = get_provider(payout.provider)
    try:
        answer = provider.fetch(order_for(payout))
        if answer.state == PayoutState.UNKNOWN:
            if payout.status != PayoutStatus.SENDING:
                log.error("payout %s is in flight but %s has no record of it", payout.reference, payout.provider)
                return "missing"
            answer = provider.send(order_for(payout))  # never reached the provider: send it, same reference
    except PayoutProviderError as error:
        log.warning("reconcile payout %s: %s did not answer: %s", payout.reference, payout.provider, error)
        return "error"
    receipt = act_once(provider_name=payout.provider, notice=Notice(
        event_id=f"reconcile:{payout.reference}:{answer.state}",
        reference=payout.reference, answer=answer, raw_type="reconcile.fetch"))
    if receipt.status >= 400:
        return "error"
    payout.refresh_from_db(fields=["status"])
    return str(payout.status)

