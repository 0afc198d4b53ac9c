from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GiftsConfig(AppConfig):
    name = "byline.gifts"
    verbose_name = _("Paid gifts")

    def ready(self) -> None:
        from byline.access import entitlements
        from byline.gifts.invariants import gift_problems
        from byline.gifts.selectors import entitlement_conditions
        from byline.ledger.invariants import register

        # After purchases and memberships (they come first in SOURCES): a reader who bought an article
        # and was also given it is a purchaser.
        if entitlement_conditions not in entitlements.SOURCES:
            entitlements.SOURCES.append(entitlement_conditions)
        register(gift_problems)
