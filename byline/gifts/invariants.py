"""The ledger's account of paid gifts, checked by `ledger_check` (registered in GiftsConfig.ready).

1. Each currency's "gifts held" account holds exactly the prices of the gifts paid and not yet claimed or
   taken back.
2. Every paid gift's transfer is a GIFT of its price; a claimed gift's settlement is a GIFT_CLAIM, a
   refunded gift's the GIFT_REFUND that reverses its payment.
"""

from __future__ import annotations

from django.db.models import Sum

from byline.gifts.models import GiftState, PaidGift
from byline.ledger.models import Account, AccountKind, TransferKind

LIMIT = 20


def gift_problems() -> list[str]:
    found: list[str] = []
    held = dict(PaidGift.objects.filter(state=GiftState.PAID).values("currency").annotate(total=Sum("price_minor"))
                .values_list("currency", "total"))
    accounts = dict(Account.objects.filter(kind=AccountKind.GIFTS).values_list("currency", "balance"))
    for currency in sorted(set(held) | set(accounts)):
        if held.get(currency, 0) != accounts.get(currency, 0):
            found.append(f"gifts held ({currency}) stores {accounts.get(currency, 0)} but unclaimed paid gifts "
                         f"come to {held.get(currency, 0)}")
    expected = {GiftState.CLAIMED: TransferKind.GIFT_CLAIM, GiftState.REFUNDED: TransferKind.GIFT_REFUND}
    rows = (PaidGift.objects.exclude(state=GiftState.AWAITING).select_related("transfer", "settlement")
            .only("pk", "state", "price_minor", "transfer__kind", "transfer__id", "settlement__kind",
                  "settlement__reverses_id"))
    for gift in rows.iterator():
        if gift.transfer is None or gift.transfer.kind != TransferKind.GIFT:
            found.append(f"paid gift #{gift.pk} has no GIFT transfer")
        elif gift.state in expected and (gift.settlement is None or gift.settlement.kind != expected[gift.state]):
            found.append(f"paid gift #{gift.pk} is {gift.state} without its {expected[gift.state]} transfer")
        elif gift.state == GiftState.REFUNDED and gift.settlement.reverses_id != gift.transfer.pk:
            found.append(f"paid gift #{gift.pk} was refunded by a transfer that does not reverse its payment")
        elif gift.state == GiftState.PAID and gift.settlement_id is not None:
            found.append(f"paid gift #{gift.pk} is unclaimed but has a settlement")
        if len(found) > LIMIT:
            break
    return found
