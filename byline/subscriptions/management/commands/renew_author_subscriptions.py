from django.core.management.base import BaseCommand

from byline.subscriptions.services import renew_due


class Command(BaseCommand):
    help = "Renew author subscriptions whose period or trial ended (from the wallet), or end them."

    def handle(self, *args, **options) -> None:
        self.stdout.write(str(renew_due()))
