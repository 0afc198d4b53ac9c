from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubscriptionsConfig(AppConfig):
    name = "byline.subscriptions"
    verbose_name = _("Author subscriptions and offers")

    def ready(self) -> None:
        from byline.access import entitlements
        from byline.articles.selectors import STAMP_ANNOTATIONS
        from byline.subscriptions.selectors import STAMP_ANNOTATIONS as ours

        STAMP_ANNOTATIONS.update(ours)
        from byline.purchases import services as purchases
        from byline.subscriptions import fair_price, personal  # noqa: F401 (registers the article page's note)
        from byline.subscriptions.selectors import entitlement_conditions

        # After purchases and memberships (a reader who bought an article is a purchaser first).
        if entitlement_conditions not in entitlements.SOURCES:
            entitlements.SOURCES.append(entitlement_conditions)
        if fair_price.capped_price not in purchases.PRICE_LIMITS:
            purchases.PRICE_LIMITS.append(fair_price.capped_price)
        if fair_price.refuse_undo_of_credited not in purchases.UNDO_GUARDS:
            purchases.UNDO_GUARDS.append(fair_price.refuse_undo_of_credited)
        if fair_price.refuse_undo_before_a_capped_purchase not in purchases.UNDO_GUARDS:
            purchases.UNDO_GUARDS.append(fair_price.refuse_undo_before_a_capped_purchase)
