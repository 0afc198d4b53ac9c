from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "byline.comments"
    verbose_name = _("Comments")

    def ready(self) -> None:
        from byline.articles.selectors import CARD_ANNOTATIONS, STAMP_ANNOTATIONS
        from byline.comments import api, personal  # noqa: F401 (register the API operations, the per-reader parts)
        from byline.comments.selectors import CARD_ANNOTATIONS as on_cards
        from byline.comments.selectors import STAMP_ANNOTATIONS as ours

        STAMP_ANNOTATIONS.update(ours)
        CARD_ANNOTATIONS.update(on_cards)
