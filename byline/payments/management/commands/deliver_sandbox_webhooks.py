from django.core.management.base import BaseCommand

from byline.payments.providers.sandbox import deliver_due


class Command(BaseCommand):
    help = "Retry the sandbox provider's undelivered webhooks whose backoff has passed (run from cron)."

    def handle(self, *args, **options):
        self.stdout.write(f"Delivered {deliver_due()} webhook(s).")
