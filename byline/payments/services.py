"""Money coming in through a provider: start a checkout, and act on the provider's confirmation.

A wallet is credited only when the provider confirms payment (a verified webhook), once per
checkout, in the same transaction that then completes what the payment was for (an article
unlock or a membership). If that last step is no longer possible, the money stays in the wallet.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from byline.articles.models import Article
from byline.ledger import services as ledger
from byline.ledger.models import AccountKind, TransferKind
from byline.ledger.selectors import wallet_balance
from byline.payments.models import Checkout, CheckoutStatus
from byline.payments.providers import get_provider, provider_class
from byline.payments.providers.base import CheckoutRequest, EventKind, PaymentEvent, ProviderError, Purpose
from byline.payments.providers.config import QR_PROVIDERS, methods_for
from byline.pricing.selectors import currency_of
from byline.pricing.services import settle_currency
from byline.purchases import memberships
from byline.purchases import services as purchases
from byline.purchases.errors import PurchaseRefused
from byline.purchases.models import Membership, MembershipPlan, RenewVia

log = logging.getLogger(__name__)


class PaymentRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check_topup_amount(*, amount_minor: int, currency: str) -> None:
    """Raise ValidationError unless this is an allowed top-up in an allowed currency."""
    if currency not in settings.TOPUP_LIMITS:
        raise ValidationError(_("Top-ups in %(currency)s are not offered.") % {"currency": currency})
    low, high = settings.TOPUP_LIMITS[currency]
    if type(amount_minor) is not int or not low <= amount_minor <= high:
        from byline.core.templatetags.byline import money

        raise ValidationError(_("Choose an amount between %(low)s and %(high)s.") % {
            "low": money(low, currency), "high": money(high, currency)})


def minimum_charge(*, currency: str, method: str = "") -> int:
    """The smallest amount the payment method (default: the configured provider) will charge in `currency`."""
    return provider_class(method or None).minimum_charge(currency)


class IdempotencyConflict(PaymentRefused):
    """The idempotency key was used before for a different payment; nothing was done (answered 409)."""

    def __init__(self) -> None:
        super().__init__(_("This form was already used for a different payment, so nothing was done. "
                           "Please reload the page and try again."))


def start_checkout(*, reader, purpose: Purpose, amount_minor: int, currency: str, idempotency_key: str,
                   description: str, success_url: str, cancel_url: str, article: Article | None = None,
                   plan: MembershipPlan | None = None, price_minor: int | None = None, method: str = "",
                   channel: str = "", client_ip: str = "") -> Checkout:
    """Open a checkout with the chosen payment method (default: the configured provider), once per key.

    A repeat gets the first checkout, also one sent while the first is still being opened: the new row and
    its provider session are written in one transaction, so a racing insert of the same key waits for it,
    fails on the unique key and then reads the finished checkout. A key used for a different payment
    (purpose, currency, article, plan, method, or a top-up's amount) raises IdempotencyConflict; a repeat
    of a checkout the provider refused raises PaymentRefused again. QR methods (WeChat Pay, Alipay) place
    an order and send the reader to Byline's own page with the QR code, or with channel="mobile" to the
    provider's mobile page."""
    key = f"checkout:{purchases.scoped_key(reader, idempotency_key)}"
    wanted = _CheckoutTerms(purpose=purpose, currency=currency, article_id=article.pk if article else None,
                            plan_id=plan.pk if plan else None, provider=method or settings.PAYMENT_PROVIDER,
                            amount_minor=amount_minor if purpose == Purpose.TOPUP else None)
    existing = Checkout.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return _repeat_of(existing, wanted)
    _check_method(method=method, currency=currency)
    lowest = minimum_charge(currency=currency, method=method)
    if amount_minor < lowest:
        from byline.core.templatetags.byline import money

        raise PaymentRefused(_("Card payments start at %(minimum)s, more than the %(amount)s asked for here. "
                               "Nothing was charged; please pay from your wallet or top it up first.") % {
            "minimum": money(lowest, currency), "amount": money(amount_minor, currency)})
    reference = uuid.uuid4().hex
    join = "&" if "?" in success_url else "?"
    failure: ProviderError | None = None
    with transaction.atomic():
        try:
            with transaction.atomic():
                checkout = Checkout.objects.create(
                    reference=reference, reader=reader, provider=wanted.provider, purpose=purpose,
                    amount_minor=amount_minor, currency=currency, article=article, plan=plan, price_minor=price_minor,
                    idempotency_key=key)
        except IntegrityError:
            first = Checkout.objects.filter(idempotency_key=key).first()
            if first is None:
                raise
            return _repeat_of(first, wanted)
        try:
            _open_session(checkout=checkout, description=description, cancel_url=cancel_url,
                          success_url=f"{success_url}{join}ref={reference}", recurring=plan.interval if plan else "",
                          channel=channel, client_ip=client_ip)
        except ProviderError as error:
            log.warning("checkout %s: %s refused: %s", reference, checkout.provider, error)
            checkout.status, checkout.failure_reason = CheckoutStatus.FAILED, str(error)[:200]
            checkout.save(update_fields=["status", "failure_reason"])
            failure = error
    if failure is not None:
        raise PaymentRefused(_("The payment service is unavailable. Nothing was charged; please try again.")) \
            from failure
    return checkout


@dataclass(frozen=True)
class _CheckoutTerms:
    """What makes two checkout requests the same payment. A card unlock's amount is left out: it follows the
    wallet balance, which may change between a request and its repeat."""

    purpose: str
    currency: str
    article_id: int | None
    plan_id: int | None
    provider: str
    amount_minor: int | None

    @classmethod
    def of(cls, checkout: Checkout) -> _CheckoutTerms:
        return cls(purpose=checkout.purpose, currency=checkout.currency, article_id=checkout.article_id,
                   plan_id=checkout.plan_id, provider=checkout.provider,
                   amount_minor=checkout.amount_minor if checkout.purpose == Purpose.TOPUP else None)


def _repeat_of(first: Checkout, wanted: _CheckoutTerms) -> Checkout:
    if _CheckoutTerms.of(first) != wanted:
        raise IdempotencyConflict()
    if first.status == CheckoutStatus.FAILED and not first.redirect_url:
        raise PaymentRefused(_("The payment service was unavailable, so nothing was charged. "
                               "Please reload the page and try again."))
    return first


def _open_session(*, checkout: Checkout, description: str, success_url: str, cancel_url: str, recurring: str,
                  channel: str, client_ip: str) -> None:
    """Ask the provider for the hosted checkout (or, for QR methods, place the first order); ProviderError
    when it refuses."""
    if checkout.provider in QR_PROVIDERS:
        from byline.payments import orders

        orders.place_order(checkout=checkout, channel=channel or "qr", client_ip=client_ip, description=description,
                           success_url=success_url, cancel_url=cancel_url)
        return
    session = get_provider(checkout.provider).create_checkout(CheckoutRequest(
        reference=checkout.reference, amount_minor=checkout.amount_minor, currency=checkout.currency,
        purpose=Purpose(checkout.purpose), description=description, success_url=success_url,
        cancel_url=cancel_url, customer_email=checkout.reader.email or "", recurring_interval=recurring))
    checkout.provider_ref, checkout.redirect_url = session.provider_ref, session.redirect_url
    checkout.save(update_fields=["provider_ref", "redirect_url"])


def _check_method(*, method: str, currency: str) -> None:
    if method and method not in methods_for(currency):
        raise PaymentRefused(_("This payment method is not offered for this currency."))


def start_topup(*, reader, amount_minor: int, currency: str, idempotency_key: str, success_url: str,
                cancel_url: str, method: str = "", channel: str = "", client_ip: str = "") -> Checkout:
    check_topup_amount(amount_minor=amount_minor, currency=currency)
    return start_checkout(reader=reader, purpose=Purpose.TOPUP, amount_minor=amount_minor, currency=currency,
                          idempotency_key=idempotency_key, success_url=success_url, cancel_url=cancel_url,
                          description=_("Byline wallet top-up"), method=method, channel=channel, client_ip=client_ip)


def card_shortfall(*, price_minor: int, balance: int) -> int:
    """What a card payment for an article must cover: what the wallet lacks, or the whole price when the
    wallet holds none of it (or could pay it all, and the reader chose the card anyway)."""
    return price_minor - balance if 0 < balance < price_minor else price_minor


def card_charge(*, price_minor: int, balance: int, currency: str, method: str = "") -> int:
    """`card_shortfall` raised to the payment method's minimum charge; anything above the price stays in
    the wallet as a top-up."""
    return max(card_shortfall(price_minor=price_minor, balance=balance),
               minimum_charge(currency=currency, method=method))


def card_amount_for(*, reader, article: Article, method: str = "", balance: int | None = None,
                    currency: str | None = None) -> int:
    """What a card payment for this article charges in `currency` (default: the reader's own), with the
    reader's balance there (`card_charge`)."""
    currency = currency or currency_of(reader)
    if balance is None:
        balance = wallet_balance(reader=reader, currency=currency)
    return card_charge(price_minor=purchases.quote(article=article, currency=currency), balance=balance,
                       currency=currency, method=method)


def start_card_unlock(*, reader, article: Article, idempotency_key: str, success_url: str,
                      cancel_url: str, method: str = "", channel: str = "", client_ip: str = "") -> Checkout:
    """Pay by card, in the reader's currency, for one article: top up what is missing; the purchase
    completes when payment succeeds, at the price quoted now (refused, money kept, if it changed)."""
    if not article.is_live or article.is_free or article.price_minor <= 0:
        raise PaymentRefused(_("This article is not for sale."))
    currency = currency_of(reader)
    _check_method(method=method, currency=currency)  # before its minimum charge is looked up
    return start_checkout(reader=reader, purpose=Purpose.UNLOCK, amount_minor=card_amount_for(
        reader=reader, article=article, method=method, currency=currency), currency=currency,
        idempotency_key=idempotency_key, success_url=success_url, cancel_url=cancel_url, article=article,
        price_minor=purchases.quote(article=article, currency=currency),
        description=_("Unlock: %(title)s") % {"title": article.title}, method=method, channel=channel,
        client_ip=client_ip)


def start_card_membership(*, reader, plan: MembershipPlan, idempotency_key: str, success_url: str,
                          cancel_url: str, quoted_minor: int | None = None) -> Checkout:
    """A card subscription to `plan` in the reader's currency, at the plan's price there (which must still be
    `quoted_minor` when given)."""
    if not plan.active:
        raise PaymentRefused(_("This plan is no longer offered."))
    currency = currency_of(reader)
    price = memberships.plan_quote(plan=plan, currency=currency)
    purchases.check_quote(price_minor=price, currency=currency, quoted_minor=quoted_minor)
    return start_checkout(reader=reader, purpose=Purpose.MEMBERSHIP, amount_minor=price,
                          currency=currency, idempotency_key=idempotency_key, success_url=success_url,
                          cancel_url=cancel_url, plan=plan, price_minor=price,
                          description=_("Membership: %(plan)s") % {"plan": plan.display_name})


def cancel_membership(*, reader) -> Membership | None:
    """Stop the reader's membership from renewing; it keeps working until its period ends.

    A card subscription is cancelled at its provider first, so the card is not charged again; if the
    provider cannot be reached, ProviderError is raised and nothing changes (the reader may try again).
    """
    membership = memberships.active_membership(reader=reader)
    if membership is None or membership.cancel_at_period_end:
        return membership
    if membership.renew_via == RenewVia.CARD and membership.subscription_ref:
        get_provider(membership.renew_provider or None).cancel_subscription(
            subscription_ref=membership.subscription_ref)
    return memberships.cancel_at_period_end(reader=reader)


def credit_wallet(*, reader, amount_minor: int, currency: str, key: str, memo: str = ""):
    """Move money the provider collected from provider clearing into the reader's wallet, once per key.
    The first money a reader receives settles their currency, if they had none yet (byline/pricing)."""
    clearing = ledger.account_for(kind=AccountKind.CLEARING, currency=currency)
    wallet = ledger.account_for(kind=AccountKind.WALLET, owner=reader, currency=currency)
    posted = ledger.transfer(key=key, kind=TransferKind.TOPUP, memo=memo,
                             legs=[ledger.Leg(clearing, -amount_minor), ledger.Leg(wallet, amount_minor)])
    settle_currency(reader=reader, currency=currency)
    return posted


def apply_event(*, event: PaymentEvent, provider_name: str) -> tuple[str, Checkout | None]:
    """Act on one verified, not-yet-seen event. Runs inside the webhook's transaction. Returns (outcome, checkout)."""
    if event.kind == EventKind.PAYMENT_SUCCEEDED and provider_name in QR_PROVIDERS:
        from byline.payments import orders

        return orders.settle_order_payment(event=event, provider_name=provider_name)
    if event.kind in (EventKind.PAYMENT_SUCCEEDED, EventKind.PAYMENT_FAILED):
        checkout = Checkout.objects.select_for_update().filter(reference=event.reference,
                                                               provider=provider_name).first()
        if checkout is None:
            return "unknown checkout", None
        if event.kind == EventKind.PAYMENT_FAILED:
            if checkout.status == CheckoutStatus.OPEN:
                checkout.status, checkout.failure_reason = CheckoutStatus.FAILED, event.failure_reason[:200]
                checkout.save(update_fields=["status", "failure_reason"])
                return "failed", checkout
            return f"ignored failure of a {checkout.status} checkout", checkout
        return _complete(checkout=checkout, event=event), checkout
    if event.kind == EventKind.SUBSCRIPTION_RENEWED:
        return _renew(event=event), None
    if event.kind == EventKind.SUBSCRIPTION_ENDED:
        memberships.end_card_subscription(subscription_ref=event.subscription_ref)
        return "subscription ends at period end", None
    return "ignored", None


def _complete(*, checkout: Checkout, event: PaymentEvent) -> str:
    if checkout.status == CheckoutStatus.PAID:
        return "already paid"
    if event.amount_minor != checkout.amount_minor or event.currency != checkout.currency:
        log.error("checkout %s: provider says %s %s, expected %s %s", checkout.reference, event.amount_minor,
                  event.currency, checkout.amount_minor, checkout.currency)
        raise ProviderError("amount or currency differs from the checkout")
    checkout.credit = credit_wallet(reader=checkout.reader, amount_minor=checkout.amount_minor,
                                    currency=checkout.currency, key=f"checkout:{checkout.reference}:credit",
                                    memo=f"{checkout.provider} {checkout.provider_ref}")
    checkout.status, checkout.completed_at = CheckoutStatus.PAID, timezone.now()
    checkout.outcome = _fulfil(checkout=checkout, subscription_ref=event.subscription_ref)
    checkout.save(update_fields=["credit", "status", "completed_at", "outcome"])
    return f"paid; {checkout.outcome}"


def _fulfil(*, checkout: Checkout, subscription_ref: str) -> str:
    key = f"checkout-{checkout.reference}"
    try:
        with transaction.atomic():
            if checkout.purpose == Purpose.UNLOCK:
                purchase = purchases.unlock_with_wallet(reader=checkout.reader, article=checkout.article,
                                                        idempotency_key=key, currency=checkout.currency,
                                                        quoted_minor=checkout.price_minor)
                return f"purchase {purchase.pk}"
            if checkout.purpose == Purpose.MEMBERSHIP:
                membership = memberships.join_with_wallet(
                    reader=checkout.reader, plan=checkout.plan, idempotency_key=key, currency=checkout.currency,
                    quoted_minor=checkout.price_minor,
                    renew_via=RenewVia.CARD if subscription_ref else RenewVia.WALLET,
                    subscription_ref=subscription_ref, renew_provider=checkout.provider if subscription_ref else "")
                return f"membership {membership.pk}"
    except PurchaseRefused as refused:
        # The money stays in the wallet: the reader can use it, or staff can refund it.
        return f"kept in wallet: {refused.message}"[:200]
    return "wallet topped up"


RECONCILE_AFTER = dt.timedelta(minutes=10)
RECONCILE_GIVE_UP_AFTER = dt.timedelta(days=2)  # well past a Stripe Checkout Session's 24-hour life


def reconcile_stale_checkouts(*, older_than: dt.timedelta = RECONCILE_AFTER, limit: int = 200,
                              now: dt.datetime | None = None) -> dict[str, int]:
    """Ask the provider about open checkouts older than `older_than` (at most `limit`, oldest first, none
    older than two days) whose webhook has not come, and act on what it says through the same once-only
    path a verified webhook takes (`webhooks.act_once`): paid ones are credited and fulfilled, failed or
    expired ones marked failed, open ones left alone. Safe to run concurrently and before or after the
    real webhook: the event id, the checkout's row lock and the credit's ledger key each allow one credit.
    Returns counts by outcome."""
    now = now or timezone.now()
    stale = (Checkout.objects.filter(status=CheckoutStatus.OPEN, created_at__lte=now - older_than,
                                     created_at__gte=now - RECONCILE_GIVE_UP_AFTER)
             .exclude(provider_ref="").order_by("created_at"))
    counts: Counter[str] = Counter()
    for checkout in stale[:limit]:
        try:
            counts[reconcile_checkout(checkout=checkout)] += 1
        except Exception:  # one checkout's surprise must not stop the others; it is asked again next run
            log.exception("reconcile %s failed", checkout.reference)
            counts["error"] += 1
    return dict(counts)


def reconcile_checkout(*, checkout: Checkout) -> str:
    """Bring one open checkout in line with its provider. Returns "paid", "failed", "open" or "error"."""
    from byline.payments.webhooks import act_once

    if checkout.provider in QR_PROVIDERS:
        from byline.payments import orders

        try:
            return orders.check_checkout(checkout=checkout)
        except ProviderError as error:
            log.warning("reconcile %s: %s did not answer: %s", checkout.reference, checkout.provider, error)
            return "error"
    try:
        status = get_provider(checkout.provider).fetch_payment(provider_ref=checkout.provider_ref)
    except (ProviderError, KeyError) as error:
        log.warning("reconcile %s: %s did not answer: %s", checkout.reference, checkout.provider, error)
        return "error"
    if status.reference and status.reference != checkout.reference:
        log.error("reconcile %s: %s %s belongs to checkout %s", checkout.reference, checkout.provider,
                  checkout.provider_ref, status.reference)
        return "error"
    if status.state not in ("succeeded", "failed"):
        return "open"
    paid = status.state == "succeeded"
    receipt = act_once(provider_name=checkout.provider, event=PaymentEvent(
        event_id=f"reconcile:{checkout.reference}:{status.state}",
        kind=EventKind.PAYMENT_SUCCEEDED if paid else EventKind.PAYMENT_FAILED, raw_type="reconcile.fetch_payment",
        reference=checkout.reference, provider_ref=status.provider_ref, amount_minor=status.amount_minor,
        currency=status.currency, subscription_ref=status.subscription_ref, paid_at=status.paid_at,
        failure_reason="" if paid else "expired or failed (reconciled)"))
    if receipt.status >= 400:
        return "error"
    checkout.refresh_from_db(fields=["status"])
    return checkout.status


def _renew(*, event: PaymentEvent) -> str:
    membership = Membership.objects.filter(subscription_ref=event.subscription_ref).select_related(
        "plan", "reader").order_by("-period_end").first()
    if membership is None or not event.subscription_ref or not event.invoice_ref:
        return "unknown subscription"
    if event.currency != membership.currency or event.amount_minor != membership.price_minor:
        raise ProviderError("renewal amount differs from the membership's terms")
    credit_wallet(reader=membership.reader, amount_minor=event.amount_minor, currency=event.currency,
                  key=f"invoice:{event.invoice_ref}:credit", memo=f"renewal {event.invoice_ref}")
    memberships.renew_from_card(subscription_ref=event.subscription_ref, invoice_ref=event.invoice_ref)
    return "renewed"


# Staff returning a payment to where it came from (the card, WeChat Pay or Alipay account). The money went
# into the reader's wallet when the payment was confirmed; it comes back out of the wallet first, and
# only then is the provider asked to refund. A refusal by the provider reverses the wallet debit.

class RefundRefused(PaymentRefused):
    """Nothing was moved: the payment cannot be returned (not paid, or the wallet no longer holds it)."""


class RefundFailed(PaymentRefused):
    """The provider refused or did not answer; the wallet debit was reversed, so nothing was moved."""


@dataclass(frozen=True)
class RefundResult:
    checkout: Checkout
    refund_ref: str
    repeated: bool  # True when the payment had already been returned: nothing was done this time


def refund_to_payment_method(*, checkout: Checkout, staff_user, idempotency_key: str) -> RefundResult:
    """Return a paid checkout's amount to the reader's payment method, once per checkout.

    (a) Under the wallet's row lock, the amount moves from the reader's wallet to provider clearing
    (key `cashout:<checkout pk>`, suffixed by the attempt after a failed one); refused if the wallet holds
    less. (b) The provider refunds, with a key derived from the checkout, so asking again after an answer
    that never arrived cannot refund twice. (c) If the provider refuses, the debit is reversed and
    RefundFailed is raised. A repeat after success returns the first refund with repeated=True."""
    checkout = _cash_out(checkout=checkout, staff_user=staff_user, idempotency_key=idempotency_key)
    if checkout.refund_ref:
        return RefundResult(checkout=checkout, refund_ref=checkout.refund_ref, repeated=True)
    failure: Exception | None = None
    with transaction.atomic():
        # The checkout row stays locked while the provider is asked: a concurrent attempt waits for the answer.
        checkout = Checkout.objects.select_for_update(of=("self",)).select_related("cashout").get(pk=checkout.pk)
        if checkout.refund_ref:
            return RefundResult(checkout=checkout, refund_ref=checkout.refund_ref, repeated=True)
        if checkout.cashout is None:
            raise RefundFailed(_("The payment service refused this refund; nothing was moved. Please try again."))
        try:
            refund_ref = _provider_refund(checkout=checkout)
        except (ProviderError, PaymentRefused) as error:
            log.warning("refund of checkout %s refused by %s: %s", checkout.reference, checkout.provider, error)
            ledger.reverse(original=checkout.cashout, key=f"{checkout.cashout.key}:reversed",
                           kind=TransferKind.CORRECTION, memo=f"{checkout.provider} refused the refund")
            checkout.cashout, checkout.refund_attempts = None, checkout.refund_attempts + 1
            checkout.save(update_fields=["cashout", "refund_attempts"])
            failure = error
        else:
            checkout.refund_ref, checkout.refunded_at = refund_ref[:200], timezone.now()
            checkout.save(update_fields=["refund_ref", "refunded_at"])
    if failure is not None:
        raise RefundFailed(_("The payment service refused this refund; the money stays in the reader's wallet.")) \
            from failure
    log.info("checkout %s returned to %s by %s: %s", checkout.reference, checkout.provider, staff_user, refund_ref)
    return RefundResult(checkout=checkout, refund_ref=checkout.refund_ref, repeated=False)


def _cash_out(*, checkout: Checkout, staff_user, idempotency_key: str) -> Checkout:
    from byline.core.templatetags.byline import money

    with transaction.atomic():
        checkout = Checkout.objects.select_for_update(of=("self",)).select_related("reader").get(pk=checkout.pk)
        if checkout.status != CheckoutStatus.PAID or checkout.credit_id is None:
            raise RefundRefused(_("Only a paid payment can be returned."))
        if checkout.refund_ref or checkout.cashout_id:
            return checkout
        amount, currency = checkout.amount_minor, checkout.currency
        wallet = ledger.account_for(kind=AccountKind.WALLET, owner=checkout.reader, currency=currency)
        clearing = ledger.account_for(kind=AccountKind.CLEARING, currency=currency)
        attempt = f":{checkout.refund_attempts}" if checkout.refund_attempts else ""
        try:
            checkout.cashout = ledger.transfer(
                key=f"cashout:{checkout.pk}{attempt}", kind=TransferKind.REFUND,
                legs=[ledger.Leg(wallet, -amount), ledger.Leg(clearing, amount)],
                memo=f"{checkout.reference} to {checkout.provider} by {staff_user} ({idempotency_key})")
        except ledger.InsufficientFunds:
            raise RefundRefused(_(
                "The reader's wallet holds %(balance)s, less than the %(amount)s to return. Undo or refund the "
                "purchases this payment paid for first.") % {
                "balance": money(wallet_balance(reader=checkout.reader, currency=currency), currency),
                "amount": money(amount, currency)}) from None
        checkout.save(update_fields=["cashout"])
        return checkout


def _provider_refund(*, checkout: Checkout) -> str:
    key = f"refund-{checkout.reference}"
    if checkout.provider in QR_PROVIDERS:
        from byline.payments import orders

        try:
            return orders.refund_order(checkout=checkout, idempotency_key=key)
        except orders.OrderRefused as refused:
            raise PaymentRefused(refused.message) from refused
    return get_provider(checkout.provider).refund(provider_ref=checkout.provider_ref,
                                                  amount_minor=checkout.amount_minor, currency=checkout.currency,
                                                  idempotency_key=key)
