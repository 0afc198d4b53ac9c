from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "byline.sharing"
    verbose_name = _("Sharing")

    def ready(self) -> None:
        from byline.access import entitlements
        from byline.sharing import grants, personal  # noqa: F401 (personal registers the panel's values)

        # Gifts plug into the one access decision: a redeemed gift kept by a signed-in reader is an
        # entitlement source; a gift carried by an anonymous browser's cookie is a request grant.
        if grants.gift_conditions not in entitlements.SOURCES:
            entitlements.SOURCES.append(grants.gift_conditions)
        if grants.gift_grant_is_valid not in entitlements.GRANT_CHECKS:
            entitlements.GRANT_CHECKS.append(grants.gift_grant_is_valid)

        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_store_referral_codes, dispatch_uid="sharing-store-referral-codes")


def _store_referral_codes(sender, user, **kwargs) -> None:
    """Store a reader's referral codes when they sign in, so rendering a share panel never writes."""
    from byline.sharing.services import referral_codes_for

    referral_codes_for(sharer=user)
