from django.core.management.base import BaseCommand

from byline.payouts.services import pay_monthly


class Command(BaseCommand):
    help = "Pay every writer on the monthly schedule what is available (once per month and currency)."

    def handle(self, *args, **options):
        self.stdout.write(f"monthly payouts: {pay_monthly()}")
