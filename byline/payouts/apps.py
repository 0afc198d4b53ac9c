from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayoutsConfig(AppConfig):
    name = "byline.payouts"
    verbose_name = _("Payouts")

    def ready(self) -> None:
        from byline.ledger import invariants
        from byline.payouts import checks  # noqa: F401 - registers the configuration checks
        from byline.payouts.invariants import problems

        invariants.register(problems)
