from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionsConfig(AppConfig):
    name = "byline.collections"
    label = "collections"
    verbose_name = _("Collections")

    def ready(self) -> None:
        from byline.access import entitlements
        from byline.articles.selectors import STAMP_ANNOTATIONS
        from byline.collections import personal, selectors  # noqa: F401 (personal registers the paywall's offer)
        from byline.collections.selectors import entitlement_conditions
        from byline.collections.services import refuse_undo_of_credited_part
        from byline.purchases.services import UNDO_GUARDS
        from byline.search.selectors import EXTRA_RESULTS

        STAMP_ANNOTATIONS.update(selectors.STAMP_ANNOTATIONS)
        # After purchases and memberships: a reader who bought the part itself is a purchaser first.
        if entitlement_conditions not in entitlements.SOURCES:
            entitlements.SOURCES.append(entitlement_conditions)
        if refuse_undo_of_credited_part not in UNDO_GUARDS:
            UNDO_GUARDS.append(refuse_undo_of_credited_part)
        if selectors.search_results not in EXTRA_RESULTS:
            EXTRA_RESULTS.append(selectors.search_results)
