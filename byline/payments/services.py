"""The payments app's writes, for callers outside it (other apps, commands, tests): one place to import
from. Each lives in its layer (docs/DEVELOPING.md, checked by import-linter), top to bottom:

- `reconcile`: checkouts whose webhook never came;
- `checkout` (top-ups, card unlocks, card memberships, what a card charges), `refunds` (back to the
  payment method), `subscriptions` (ending a card subscription);
- `orders` (QR orders), then `webhooks` (verify, record once, apply);
- `settlement`: crediting the wallet and completing, fulfilling and renewing what was paid;
- `errors`, `models`, `providers`.

Modules inside payments import the layer they need, never this one.
"""

from __future__ import annotations

from byline.payments.checkout import (
    card_amount_for,
    card_charge,
    card_shortfall,
    check_topup_amount,
    minimum_charge,
    start_card_gift,
    start_card_membership,
    start_card_unlock,
    start_checkout,
    start_topup,
)
from byline.payments.errors import IdempotencyConflict, PaymentRefused, RefundFailed, RefundRefused
from byline.payments.reconcile import (
    RECONCILE_AFTER,
    RECONCILE_GIVE_UP_AFTER,
    reconcile_checkout,
    reconcile_stale_checkouts,
)
from byline.payments.refunds import RefundResult, refund_to_payment_method
from byline.payments.settlement import apply_event, credit_wallet
from byline.payments.subscriptions import cancel_membership

__all__ = [
    "RECONCILE_AFTER", "RECONCILE_GIVE_UP_AFTER", "IdempotencyConflict", "PaymentRefused", "RefundFailed",
    "RefundRefused", "RefundResult", "apply_event", "cancel_membership", "card_amount_for", "card_charge",
    "card_shortfall", "check_topup_amount", "credit_wallet", "minimum_charge", "reconcile_checkout",
    "reconcile_stale_checkouts", "refund_to_payment_method", "start_card_gift", "start_card_membership",
    "start_card_unlock", "start_checkout", "start_topup",
]
