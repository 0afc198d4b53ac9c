from django.core.management.base import BaseCommand

from byline.purchases.memberships import renew_due_wallet_memberships


class Command(BaseCommand):
    help = "Renew from the wallet every membership whose period has ended, or end it (run daily from cron)."

    def handle(self, *args, **options):
        self.stdout.write(f"Memberships: {renew_due_wallet_memberships() or 'nothing due'}")
