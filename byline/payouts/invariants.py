"""What must hold between payouts and the ledger, checked by `ledger_check` (registered with
byline.ledger.invariants) and the tests:

1. Per writer and currency, what payout transfers took from the earnings account, net of their reversals,
   equals the sum of the payouts that stand (requested, being sent, in flight or paid).
2. Per currency, payout clearing holds exactly the payouts not yet settled (requested, sending, in flight).
3. Each payout's status matches its transfers: a paid one has its settlement; a failed, returned or cancelled
   one has its debit reversed (and a returned one that was settled, its settlement too); the debit moved the
   payout's amount from the writer's own earnings.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q, Sum

from byline.ledger.invariants import LIMIT
from byline.ledger.models import PAYOUT_KINDS, Account, AccountKind, Entry
from byline.payouts.models import CLOSED, STANDING, UNSETTLED, Payout, PayoutStatus


def problems() -> list[str]:
    found: list[str] = []
    ledger_paid = defaultdict(int)
    for owner_id, currency, total in (Entry.objects.filter(account__kind=AccountKind.EARNINGS,
                                                           transfer__kind__in=PAYOUT_KINDS)
                                      .values_list("account__owner_id", "account__currency")
                                      .annotate(total=Sum("amount"))):
        ledger_paid[(owner_id, currency)] = -total
    standing = defaultdict(int)
    for writer_id, currency, total in (Payout.objects.filter(status__in=STANDING)
                                       .values_list("writer_id", "currency").annotate(total=Sum("amount_minor"))):
        standing[(writer_id, currency)] = total
    for key in sorted(set(ledger_paid) | set(standing)):
        if ledger_paid[key] != standing[key]:
            found.append(f"writer {key[0]} ({key[1]}): payout transfers took {ledger_paid[key]} from earnings, "
                         f"but the payouts that stand add up to {standing[key]}")
    unsettled = dict(Payout.objects.filter(status__in=UNSETTLED).values_list("currency")
                     .annotate(total=Sum("amount_minor")))
    clearing = dict(Account.objects.filter(kind=AccountKind.PAYOUT).values_list("currency", "balance"))
    for currency in sorted(set(unsettled) | set(clearing)):
        if unsettled.get(currency, 0) != clearing.get(currency, 0):
            found.append(f"payout clearing ({currency}) holds {clearing.get(currency, 0)}, but payouts on their way "
                         f"add up to {unsettled.get(currency, 0)}")
    wrong = (Payout.objects.filter(Q(status=PayoutStatus.PAID, settlement__isnull=True)
                                   | Q(status__in=CLOSED, reversal__isnull=True)
                                   | Q(status__in=UNSETTLED, settlement__isnull=False)
                                   | Q(status__in=STANDING, reversal__isnull=False)
                                   | Q(status=PayoutStatus.RETURNED, settlement__isnull=False,
                                       settlement_reversal__isnull=True))
             .values_list("reference", "status"))
    for reference, status in wrong[:LIMIT]:
        found.append(f"payout {reference} is {status} but its transfers say otherwise")
    for payout in Payout.objects.filter(debit__isnull=False).select_related("debit").prefetch_related(
            "debit__entries__account").order_by("-pk")[:2000]:
        legs = {(e.account.kind, e.account.owner_id, e.amount) for e in payout.debit.entries.all()}
        if (AccountKind.EARNINGS, payout.writer_id, -payout.amount_minor) not in legs:
            found.append(f"payout {payout.reference}'s debit did not take {payout.amount_minor} from its writer's "
                         "earnings")
            if len(found) > 3 * LIMIT:
                break
    return found
