"""Demo money: a funded wallet for the demo reader, through real ledger top-ups (`settlement.credit_wallet`)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from byline.payments.settlement import credit_wallet

# Dollars first: the first money in a wallet settles the reader's currency; the others show on the
# wallet page as money kept in another currency.
DEMO_WALLET = {"USD": 2000, "CNY": 10000, "EUR": 2000}


def fund_demo_wallet(*, reader_username: str) -> None:
    """Safe to run twice: top-ups are matched by idempotency key."""
    reader = get_user_model().objects.get(username=reader_username)
    for currency, amount in DEMO_WALLET.items():
        credit_wallet(reader=reader, amount_minor=amount, currency=currency, key=f"demo-wallet:{reader.pk}:{currency}",
                      memo="demo top-up")
