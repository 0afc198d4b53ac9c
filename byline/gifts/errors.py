"""Why a gift could not be bought, claimed or taken back. Messages are for readers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from byline.purchases.errors import PurchaseRefused


class GiftRefused(PurchaseRefused):
    """`code` says why (see the service that raised it)."""

    default_message = _("This gift is not possible.")
