"""Every error the payments app raises, in one module at the bottom of the app (it imports nothing of
Byline), so any layer may raise or catch any of them without importing the layer that raises it.

- `ProviderError`: a provider could not do what was asked (network, refused request).
- `InvalidWebhook`: a delivery that fails verification or cannot be parsed: answered 400, moves no money.
- `PaymentRefused` (with a message for the reader) and its kinds: `IdempotencyConflict` (a key reused for
  another payment, answered 409), `RefundRefused` (nothing moved), `RefundFailed` (the provider refused;
  the wallet debit was reversed).
- `OrderRefused`: a QR order cannot be renewed or refunded (message for the reader).
"""

from __future__ import annotations

from django.utils.translation import gettext as _


class ProviderError(Exception):
    """The provider could not do what was asked (network, refused request)."""


class InvalidWebhook(Exception):
    """A webhook that fails verification or cannot be parsed; answer 400 and move no money."""


class PaymentRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class IdempotencyConflict(PaymentRefused):
    """The idempotency key was used before for a different payment; nothing was done (answered 409)."""

    def __init__(self) -> None:
        super().__init__(_("This form was already used for a different payment, so nothing was done. "
                           "Please reload the page and try again."))


class RefundRefused(PaymentRefused):
    """Nothing was moved: the payment cannot be returned (not paid, or the wallet no longer holds it)."""


class RefundFailed(PaymentRefused):
    """The provider refused or did not answer; the wallet debit was reversed, so nothing was moved."""


class OrderRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
