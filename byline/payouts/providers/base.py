"""The payout provider interface: how Byline sends a writer's money out, and hears how it went.

A provider knows nothing of earnings or the ledger. Byline asks it to:
1. `start_onboarding(method=, return_url=, state=)`: where to send the writer to set the account up at the
   provider (Stripe's hosted Express onboarding, WeChat's sign-in that names the payee's openid, the sandbox's
   page); only providers whose class says `onboarding = True`. The writer must come back to `return_url` with
   `state` in the query (Byline checks it against the writer's session, so nobody can bind their own account
   to another writer's method). `finish_onboarding(method=, query=)` reads the answer, and
   `account_ready(method=)` asks whether the account can be paid.
2. `send(PayoutOrder)`: pay `amount_minor` to the method's account. `order.reference` is Byline's id for
   the payout and the provider's idempotency key (Stripe's Idempotency-Key, Alipay's out_biz_no, WeChat's
   out_bill_no), so sending the same order again can never pay twice.
3. `fetch(PayoutOrder)`: ask the provider where that payout stands, by the same reference (reconciliation,
   and after a worker died between the provider's answer and the ledger).
4. `parse_notice(body=, headers=)`: verify a notification over its raw body (signature, freshness) and turn
   it into a `PayoutNotice`; raise `InvalidNotice` for anything unverifiable; only where `notices = True`.

What a provider can do is declared by its class (`currencies`, `onboarding`, `automatic`, `notices`,
`fields`), never found out by its name. Every answer is a `PayoutAnswer` whose `state` is one of
PAID (the money reached the payee's provider account), IN_FLIGHT (accepted, not final yet), FAILED
(refused, nothing was paid), RETURNED (paid, then sent back) or UNKNOWN (the provider has no record
of that reference: it may be sent again, under the same reference).
"""

from __future__ import annotations

import abc
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlencode


class PayoutProviderError(Exception):
    """The provider could not be asked, or its answer cannot be trusted (network, signature, outage)."""


class InvalidNotice(Exception):
    """A notification that fails verification or cannot be read; answer 400 and move no money."""


class PayoutState(StrEnum):
    PAID = "paid"
    IN_FLIGHT = "in_flight"
    FAILED = "failed"
    RETURNED = "returned"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PayoutOrder:
    reference: str
    amount_minor: int
    currency: str
    account_ref: str
    holder_name: str = ""
    description: str = ""


@dataclass(frozen=True)
class PayoutAnswer:
    state: PayoutState
    provider_ref: str = ""
    failure_reason: str = ""
    payee_action: str = ""   # what the payee must still do at the provider, e.g. accept the transfer in WeChat


@dataclass(frozen=True)
class PayoutNotice:
    event_id: str
    reference: str
    answer: PayoutAnswer
    raw_type: str = ""


def with_state(url: str, state: str) -> str:
    """`url` with `state` added to its query."""
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'state': state})}"


@dataclass(frozen=True)
class Onboarding:
    url: str
    account_ref: str = ""    # the provider's account id, when starting the onboarding created it


class PayoutProvider(abc.ABC):
    name: str = ""
    currencies: frozenset[str] | None = None  # None: any currency
    onboarding = False       # the provider collects the payee's details on its own pages
    automatic = True         # False: staff send the money and record it (a manual bank transfer)
    notices = False          # the provider posts signed notifications about payouts
    fields: tuple[str, ...] = ()  # what the writer types in: "account_ref", "holder_name", "bank_details"

    @classmethod
    def pays(cls, currency: str) -> bool:
        return cls.currencies is None or currency in cls.currencies

    def start_onboarding(self, *, method, return_url: str, state: str) -> Onboarding:
        raise PayoutProviderError(f"{self.name} has no onboarding")

    def finish_onboarding(self, *, method, query: Mapping[str, str]) -> str:
        """The account id the provider's answer names (default: the one onboarding started with)."""
        return method.account_ref

    def account_ready(self, *, method) -> bool:
        return bool(method.account_ref)

    @abc.abstractmethod
    def send(self, order: PayoutOrder) -> PayoutAnswer: ...

    @abc.abstractmethod
    def fetch(self, order: PayoutOrder) -> PayoutAnswer: ...

    def parse_notice(self, *, body: bytes, headers: Mapping[str, str]) -> PayoutNotice:
        raise InvalidNotice(f"{self.name} sends no notifications")

    @classmethod
    def acknowledgement(cls, status: int, detail: str) -> tuple[int, str, bytes]:
        """(HTTP status, content type, body) that tells the provider a notification was taken (status < 400)
        or should be sent again. Stripe-style by default: any 2xx is taken."""
        body = json.dumps({"received": status < 400, "detail": detail[:200]}).encode()
        return status, "application/json", body
