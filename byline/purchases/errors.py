"""Why a purchase, undo or membership request was refused. Messages are for readers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class PurchaseRefused(Exception):
    default_message = _("This purchase is not possible.")

    def __init__(self, message=None, *, missing_minor: int = 0, code: str = ""):
        self.message = message or self.default_message
        self.missing_minor = missing_minor
        self.code = code
        super().__init__(str(self.message))


class NotForSale(PurchaseRefused):
    default_message = _("This article is not for sale.")


class NotEnoughInWallet(PurchaseRefused):
    default_message = _("Your balance is too low for this.")


class KeyReused(PurchaseRefused):
    """The idempotency key was used before for a different article or plan; nothing was done (409)."""

    default_message = _("This form was already used for a different purchase, so nothing was done. "
                        "Please reload the page and try again.")


class PriceChanged(PurchaseRefused):
    """The price is no longer the one the reader confirmed (an author's change, or a new conversion table)."""

    default_message = _("The price has changed since you confirmed. Nothing was charged: please check the new "
                        "price and confirm again.")

    def __init__(self, *, price_minor: int, currency: str):
        super().__init__()
        self.price_minor, self.currency = price_minor, currency


class UndoRefused(PurchaseRefused):
    """`code` says why: "window" (the undo time has passed), "limit" (no undos left), "refunded", "missing"."""

    default_message = _("This purchase can no longer be undone.")
