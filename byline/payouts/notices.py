"""Receiving provider notifications about payouts: verify over the raw body, record the event id, act once.

The notice row and everything it causes are written in one transaction, so a delivery that fails halfway
leaves nothing and the provider's retry starts clean; a second delivery of one event finds the row and
stops. Reconciliation's answers come through `act_once` too, under ids of their own.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from byline.payouts.models import Payout, PayoutMethod, PayoutNotice
from byline.payouts.providers import PROVIDERS, get_provider, provider_class
from byline.payouts.providers.base import InvalidNotice, PayoutProviderError
from byline.payouts.providers.base import PayoutNotice as Notice

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024


@dataclass(frozen=True)
class Receipt:
    status: int
    detail: str


def receive(*, provider_name: str, body: bytes, headers: Mapping[str, str]) -> Receipt:
    """One delivery. 200: acted on, already seen or ignored; 400: rejected; 404: no such provider; 500: retry."""
    if provider_name not in PROVIDERS or not provider_class(provider_name).notices:
        return Receipt(404, "unknown provider")
    if len(body) > MAX_BODY:
        return Receipt(400, "body too large")
    try:
        notice = get_provider(provider_name).parse_notice(body=body, headers=headers)
    except InvalidNotice as error:
        log.warning("payout notice from %s rejected: %s", provider_name, error)
        return Receipt(400, f"rejected: {error}")
    except PayoutProviderError as error:
        log.warning("payout notice from %s: provider not configured: %s", provider_name, error)
        return Receipt(400, "rejected: not configured")
    return act_once(provider_name=provider_name, notice=notice)


def act_once(*, provider_name: str, notice: Notice) -> Receipt:
    """Record a verified notice by its id and act on it, once."""
    from byline.payouts.services import apply_answer, refresh_method

    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = PayoutNotice.objects.create(provider=provider_name, event_id=notice.event_id)
            except IntegrityError:
                return Receipt(200, "duplicate")
            payout = Payout.objects.filter(reference=notice.reference, provider=provider_name).first() \
                if notice.reference else None
            if payout is not None:
                outcome = apply_answer(payout=payout, answer=notice.answer)
            elif not notice.reference and notice.answer.provider_ref:
                # An account changed at the provider (its onboarding finished, or payouts were paused).
                methods = PayoutMethod.objects.filter(provider=provider_name, account_ref=notice.answer.provider_ref)
                for method in methods.exclude(status="removed"):
                    refresh_method(method=method)
                outcome = "account checked"
            else:
                outcome = "unknown payout" if notice.reference else "ignored"
            record.payout, record.outcome = payout, outcome[:200]
            record.save(update_fields=["payout", "outcome"])
    except Exception:
        log.exception("payout notice %s %s failed; the provider will retry", provider_name, notice.event_id)
        return Receipt(500, "failed, retry")
    log.info("payout notice %s %s %s: %s", provider_name, notice.event_id, notice.raw_type, outcome)
    return Receipt(200, outcome)
