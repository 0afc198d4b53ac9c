from django.core.management.base import BaseCommand, CommandError

from byline.ledger.invariants import problems
from byline.ledger.models import Account, Transfer


class Command(BaseCommand):
    help = "Verify every ledger invariant; exit non-zero naming what is wrong."

    def handle(self, *args, **options):
        found = problems()
        if found:
            for problem in found:
                self.stderr.write(f"LEDGER PROBLEM: {problem}")
            raise CommandError(f"ledger_check found {len(found)} problem(s)")
        self.stdout.write(self.style.SUCCESS(
            f"Ledger sound: {Transfer.objects.count()} transfers, {Account.objects.count()} accounts; "
            "every transfer sums to zero, balances match entries, no wallet below zero, keys applied once; "
            "every writer's paid out + available + pending = earned - reversed, and each payout matches its "
            "transfers."))
