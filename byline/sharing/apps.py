from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "byline.sharing"
    verbose_name = _("Sharing")

    def ready(self) -> None:
        from byline.access import entitlements
        from byline.sharing import grants

        # Gifts plug into the one access decision: a redeemed gift kept by a signed-in reader is an
        # entitlement source; a gift carried by an anonymous browser's cookie is a request grant.
        if grants.gift_entitlements not in entitlements.SOURCES:
            entitlements.SOURCES.append(grants.gift_entitlements)
        if grants.gift_grant_is_valid not in entitlements.GRANT_CHECKS:
            entitlements.GRANT_CHECKS.append(grants.gift_grant_is_valid)
