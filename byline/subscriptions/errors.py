"""Why a subscription or an offer was refused. Messages are for readers and writers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from byline.purchases.errors import PurchaseRefused


class SubscriptionRefused(PurchaseRefused):
    default_message = _("This subscription is not possible.")


class ProviderUnavailable(SubscriptionRefused):
    """The payment provider could not be reached to stop a card subscription; nothing changed."""

    default_message = _("We could not reach the payment provider to stop your card renewal, so nothing has "
                        "changed. Please try again in a few minutes.")


class OfferRefused(PurchaseRefused):
    default_message = _("This offer cannot be used: it has ended, reached its limit, or you used it before.")
