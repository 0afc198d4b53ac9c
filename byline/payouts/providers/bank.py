"""Manual bank transfer, for writers the other providers do not reach: staff send the money from the
site's bank and record it (services.record_bank_transfer); nothing is asked of any service."""

from __future__ import annotations

from byline.payouts.providers.base import PayoutAnswer, PayoutOrder, PayoutProvider, PayoutState


class ManualBankTransfer(PayoutProvider):
    name = "bank"
    automatic = False
    fields = ("holder_name", "bank_details")

    def account_ready(self, *, method) -> bool:
        return bool(method.holder_name.strip() and method.bank_details.strip())

    def send(self, order: PayoutOrder) -> PayoutAnswer:
        # Queued for staff: it is on its way once they have sent it, and paid once they record that.
        return PayoutAnswer(PayoutState.IN_FLIGHT)

    def fetch(self, order: PayoutOrder) -> PayoutAnswer:
        return PayoutAnswer(PayoutState.IN_FLIGHT)
