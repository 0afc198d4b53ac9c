from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudioConfig(AppConfig):
    name = "byline.studio"
    verbose_name = _("Writing studio")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from byline.articles.models import Author
        from byline.studio import personal  # noqa: F401 (registers the header's "Write" link)

        # The signed-in user's cached row carries their Author profile (accounts.backends.USER_RELATED), so
        # the header knows who writes without a query: becoming or ceasing to be an author forgets that row.
        post_save.connect(personal.forget_authors_user, sender=Author, dispatch_uid="studio-forget-author-user")
        post_delete.connect(personal.forget_authors_user, sender=Author, dispatch_uid="studio-forget-author-user-gone")
