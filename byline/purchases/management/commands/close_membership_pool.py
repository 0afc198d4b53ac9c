from django.conf import settings
from django.core.management.base import BaseCommand

from byline.purchases.memberships import close_pool_period


class Command(BaseCommand):
    help = "Share each currency's membership pool among authors by member reads (run at each period close)."

    def handle(self, *args, **options):
        for currency in settings.TOPUP_LIMITS:
            close = close_pool_period(currency=currency)
            if close is not None:
                self.stdout.write(f"{currency}: shared {close.amount_minor} over {close.reads} reads")
