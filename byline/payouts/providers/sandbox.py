"""The built-in sandbox payout provider, for the demo and the tests: a local onboarding page standing in for
Stripe's hosted Express onboarding, transfers recorded on its side by Byline's reference (so a repeat pays
once), and Stripe-style signed notifications when a transfer comes back.

A payee whose e-mail starts with "fail" has a closed account: every transfer to it fails, as Stripe's test
bank numbers do. `return_transfer` plays a bank sending a paid transfer back.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.http import urlencode

from byline.payments.providers import signing
from byline.payments.providers.base import InvalidWebhook
from byline.payouts.models import SandboxPayee, SandboxTransfer
from byline.payouts.providers.base import (
    InvalidNotice,
    Onboarding,
    PayoutAnswer,
    PayoutNotice,
    PayoutOrder,
    PayoutProvider,
    PayoutState,
    with_state,
)

SIGNATURE_HEADER = "Sandbox-Signature"
STATES = {"paid": PayoutState.PAID, "failed": PayoutState.FAILED, "returned": PayoutState.RETURNED}


class SandboxPayouts(PayoutProvider):
    name = "sandbox"
    onboarding = True
    notices = True

    def start_onboarding(self, *, method, return_url: str, state: str) -> Onboarding:
        payee = SandboxPayee.objects.filter(ref=method.account_ref).first() if method.account_ref else None
        if payee is None:
            payee = SandboxPayee.objects.create(ref="sbxacct_" + secrets.token_hex(8), email=method.writer.email)
        url = reverse("payouts:sandbox_onboarding", kwargs={"ref": payee.ref})
        return Onboarding(url=f"{url}?{urlencode({'next': with_state(return_url, state)})}", account_ref=payee.ref)

    def account_ready(self, *, method) -> bool:
        return SandboxPayee.objects.filter(ref=method.account_ref, onboarded=True).exists()

    def send(self, order: PayoutOrder) -> PayoutAnswer:
        payee = SandboxPayee.objects.filter(ref=order.account_ref, onboarded=True).first()
        if payee is None:
            return PayoutAnswer(PayoutState.FAILED, failure_reason="account_not_set_up")
        closed = payee.email.lower().startswith("fail")
        try:
            with transaction.atomic():
                record = SandboxTransfer.objects.create(
                    ref="sbxtr_" + secrets.token_hex(10), reference=order.reference, payee=payee,
                    amount_minor=order.amount_minor, currency=order.currency, state="failed" if closed else "paid",
                    failure_reason="account_closed" if closed else "")
        except IntegrityError:  # sent before under this reference: the first answer stands
            record = SandboxTransfer.objects.get(reference=order.reference)
        return _answer(record)

    def fetch(self, order: PayoutOrder) -> PayoutAnswer:
        record = SandboxTransfer.objects.filter(reference=order.reference).first()
        return _answer(record) if record else PayoutAnswer(PayoutState.UNKNOWN)

    def parse_notice(self, *, body: bytes, headers: Mapping[str, str]) -> PayoutNotice:
        try:
            signing.verify(body, headers.get(SIGNATURE_HEADER, ""), settings.SANDBOX_WEBHOOK_SECRET)
        except InvalidWebhook as error:
            raise InvalidNotice(str(error)) from None
        try:
            event = json.loads(body)
            obj = event["data"]["object"]
            event_id, reference, state = event["id"], obj["reference"], obj["state"]
        except (ValueError, KeyError, TypeError):
            raise InvalidNotice("malformed notification") from None
        if not isinstance(event_id, str) or not event_id or state not in STATES:
            raise InvalidNotice("malformed notification")
        return PayoutNotice(event_id=event_id, reference=str(reference), raw_type=str(event.get("type", "")),
                            answer=PayoutAnswer(STATES[state], provider_ref=str(obj.get("id", "")),
                                                failure_reason=str(obj.get("failure_reason", ""))[:200]))


def _answer(record: SandboxTransfer) -> PayoutAnswer:
    return PayoutAnswer(STATES[record.state], provider_ref=record.ref, failure_reason=record.failure_reason)


def complete_onboarding(*, ref: str) -> SandboxPayee:
    payee = SandboxPayee.objects.get(ref=ref)
    if not payee.onboarded:
        payee.onboarded = True
        payee.save(update_fields=["onboarded"])
    return payee


def notice_for(record: SandboxTransfer, *, event_id: str | None = None) -> tuple[bytes, dict[str, str]]:
    """A signed `transfer.updated` notification about `record`, as the sandbox sends it."""
    body = json.dumps({"id": event_id or "evt_sbxpo_" + secrets.token_hex(10), "type": "transfer.updated",
                       "data": {"object": {"id": record.ref, "reference": record.reference, "state": record.state,
                                           "failure_reason": record.failure_reason}}}).encode()
    return body, {SIGNATURE_HEADER: signing.sign(body, settings.SANDBOX_WEBHOOK_SECRET)}


def return_transfer(*, reference: str, reason: str = "account_closed") -> int:
    """The payee's bank sent a paid transfer back: mark it returned and tell Byline. Returns the HTTP status
    Byline answered."""
    from byline.payouts.notices import receive

    record = SandboxTransfer.objects.get(reference=reference)
    record.state, record.failure_reason = "returned", reason
    record.save(update_fields=["state", "failure_reason"])
    body, headers = notice_for(record)
    return receive(provider_name="sandbox", body=body, headers=headers).status
