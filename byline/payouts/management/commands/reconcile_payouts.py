import datetime as dt

from django.core.management.base import BaseCommand

from byline.payouts.services import reconcile_payouts


class Command(BaseCommand):
    help = "Ask each provider about payouts still being sent or in flight, and act on the answers once."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-minutes", type=int, default=10)

    def handle(self, *args, **options):
        counts = reconcile_payouts(older_than=dt.timedelta(minutes=options["older_than_minutes"]))
        self.stdout.write(f"payouts reconciled: {counts}")
