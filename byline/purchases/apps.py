from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchasesConfig(AppConfig):
    name = "byline.purchases"
    verbose_name = _("Purchases and memberships")

    def ready(self) -> None:
        from byline.access import entitlements
        from byline.purchases import personal  # noqa: F401 (registers the undo offer)
        from byline.purchases.selectors import entitlement_conditions

        # Purchases and memberships come first: a reader who bought an article and also holds a gift
        # for it is a purchaser (who may, for example, give it on).
        if entitlement_conditions not in entitlements.SOURCES:
            entitlements.SOURCES.insert(0, entitlement_conditions)
