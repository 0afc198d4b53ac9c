from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "byline.payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from byline.payments import checks  # noqa: F401 - registers the configuration checks
        from byline.payments.providers import sandbox
        from byline.payments.webhooks import receive_from_sandbox

        # The sandbox plays the provider's servers: its signed webhooks reach Byline in process. Installed
        # here because providers sit below the webhook layer (docs/DEVELOPING.md).
        sandbox.transport = receive_from_sandbox

        from byline.payments.subscriptions import cancel_author_subscription_at_provider
        from byline.subscriptions import services as author_subscriptions

        if cancel_author_subscription_at_provider not in author_subscriptions.CANCEL_AT_PROVIDER:
            author_subscriptions.CANCEL_AT_PROVIDER.append(cancel_author_subscription_at_provider)
