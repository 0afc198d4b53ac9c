from django.core.management.base import BaseCommand

from byline.payments.tasks import renew_all_due


class Command(BaseCommand):
    help = ("Renew every membership whose period has ended: sandbox card subscriptions send their signed "
            "invoice.paid, wallet memberships are charged from the wallet or end (Celery beat runs it).")

    def handle(self, *args, **options):
        self.stdout.write(f"Memberships: {renew_all_due() or 'nothing due'}")
