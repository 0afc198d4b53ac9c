from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "byline.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from allauth.account.signals import login_code_rejected
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from byline.accounts.backends import forget_user
        from byline.accounts.throttling import code_failed

        post_save.connect(forget_user, sender=get_user_model(), dispatch_uid="accounts-forget-cached-user")
        post_delete.connect(forget_user, sender=get_user_model(), dispatch_uid="accounts-forget-deleted-user")
        # A wrong sign-in code counts against the account and the address as a wrong password does.
        login_code_rejected.connect(lambda sender, request, user, **kwargs: code_failed(request, user.pk),
                                    weak=False, dispatch_uid="accounts-throttle-wrong-codes")
