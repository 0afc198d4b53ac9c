from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "byline.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from byline.accounts.backends import forget_user

        post_save.connect(forget_user, sender=get_user_model(), dispatch_uid="accounts-forget-cached-user")
        post_delete.connect(forget_user, sender=get_user_model(), dispatch_uid="accounts-forget-deleted-user")
