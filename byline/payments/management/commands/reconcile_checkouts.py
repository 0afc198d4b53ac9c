import datetime as dt

from django.core.management.base import BaseCommand

from byline.payments.reconcile import RECONCILE_AFTER, reconcile_stale_checkouts


class Command(BaseCommand):
    help = ("Ask the provider about open checkouts whose webhook has not come and complete or fail them "
            "through the webhook's once-only path (Celery beat runs it every 5 minutes).")

    def add_arguments(self, parser):
        parser.add_argument("--older-than-minutes", type=int, default=int(RECONCILE_AFTER.total_seconds() // 60))
        parser.add_argument("--limit", type=int, default=200)

    def handle(self, *args, older_than_minutes: int, limit: int, **options):
        counts = reconcile_stale_checkouts(older_than=dt.timedelta(minutes=max(0, older_than_minutes)),
                                           limit=max(1, min(limit, 10_000)))
        self.stdout.write(f"Checkouts: {counts or 'nothing stale'}")
