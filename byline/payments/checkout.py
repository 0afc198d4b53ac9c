"""Opening a checkout: a top-up, a card unlock of one article, a card membership; what a card payment charges.

Above `settlement` (which acts on the provider's confirmation) and `orders` (QR orders); see the layer
order in docs/DEVELOPING.md.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from byline.articles.models import Article
from byline.collections import selectors as collection_selectors
from byline.collections.models import Collection
from byline.core.money import money
from byline.gifts import services as gifts
from byline.gifts.models import GiftState
from byline.ledger.selectors import wallet_balance
from byline.payments import orders
from byline.payments.errors import IdempotencyConflict, PaymentRefused, ProviderError
from byline.payments.models import Checkout, CheckoutStatus
from byline.payments.providers import get_provider, provider_class
from byline.payments.providers.base import CheckoutRequest, Purpose
from byline.payments.providers.config import methods_for
from byline.pricing.selectors import currency_of
from byline.purchases import memberships
from byline.purchases import services as purchases
from byline.purchases.models import MembershipPlan
from byline.subscriptions.models import AuthorPrice
from byline.tips import selectors as tip_selectors
from byline.tips import services as tips
from byline.tips.errors import TipRefused

log = logging.getLogger(__name__)


def check_topup_amount(*, amount_minor: int, currency: str) -> None:
    """Raise ValidationError unless this is an allowed top-up in an allowed currency."""
    if currency not in settings.TOPUP_LIMITS:
        raise ValidationError(_("Top-ups in %(currency)s are not offered.") % {"currency": currency})
    low, high = settings.TOPUP_LIMITS[currency]
    if type(amount_minor) is not int or not low <= amount_minor <= high:
        raise ValidationError(_("Choose an amount between %(low)s and %(high)s.") % {
            "low": money(low, currency), "high": money(high, currency)})


def minimum_charge(*, currency: str, method: str = "") -> int:
    """The smallest amount the payment method (default: the configured provider) will charge in `currency`."""
    return provider_class(method or None).minimum_charge(currency)


def start_checkout(*, reader, purpose: Purpose, amount_minor: int, currency: str, idempotency_key: str,
                   description: str, success_url: str, cancel_url: str, article: Article | None = None,
                   plan: MembershipPlan | None = None, price_minor: int | None = None, method: str = "",
                   channel: str = "", client_ip: str = "", collection: Collection | None = None,
                   author_price: AuthorPrice | None = None, gift=None, tip_message: str = "",
                   tip_anonymous: bool = False) -> Checkout:
    """Open a checkout with the chosen payment method (default: the configured provider), once per key.

    A repeat gets the first checkout, also one sent while the first is still being opened: the new row and
    its provider session are written in one transaction, so a racing insert of the same key waits for it,
    fails on the unique key and then reads the finished checkout. A key used for a different payment
    (purpose, currency, article, plan, method, or a top-up's amount) raises IdempotencyConflict; a repeat
    of a checkout the provider refused raises PaymentRefused again. QR methods (`qr_checkout`: WeChat Pay, Alipay) place
    an order and send the reader to Byline's own page with the QR code, or with channel="mobile" to the
    provider's mobile page."""
    key = f"checkout:{purchases.scoped_key(reader, idempotency_key)}"
    wanted = _CheckoutTerms(purpose=purpose, currency=currency, article_id=article.pk if article else None,
                            plan_id=plan.pk if plan else None, provider=method or settings.PAYMENT_PROVIDER,
                            amount_minor=amount_minor if purpose in EXACT_AMOUNT else None,
                            collection_id=collection.pk if collection else None,
                            author_price_id=author_price.pk if author_price else None,
                            gift_id=gift.pk if gift else None)
    existing = Checkout.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return _repeat_of(existing, wanted)
    _check_method(method=method, currency=currency)
    lowest = minimum_charge(currency=currency, method=method)
    if amount_minor < lowest:
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
                    idempotency_key=key, collection=collection, author_price=author_price, gift=gift,
                    tip_message=tip_message, tip_anonymous=tip_anonymous)
        except IntegrityError:
            first = Checkout.objects.filter(idempotency_key=key).first()
            if first is None:
                raise
            return _repeat_of(first, wanted)
        try:
            _open_session(checkout=checkout, description=description, cancel_url=cancel_url,
                          success_url=f"{success_url}{join}ref={reference}",
                          recurring=plan.interval if plan else author_price.interval if author_price else "",
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


# Checkouts whose amount is what the reader chose (not derived from a price and the wallet): a key reused for
# another amount is another payment.
EXACT_AMOUNT = (Purpose.TOPUP, Purpose.TIP)


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
    collection_id: int | None = None
    author_price_id: int | None = None
    gift_id: int | None = None

    @classmethod
    def of(cls, checkout: Checkout) -> _CheckoutTerms:
        return cls(purpose=checkout.purpose, currency=checkout.currency, article_id=checkout.article_id,
                   plan_id=checkout.plan_id, provider=checkout.provider,
                   amount_minor=checkout.amount_minor if checkout.purpose in EXACT_AMOUNT else None,
                   collection_id=checkout.collection_id, author_price_id=checkout.author_price_id,
                   gift_id=checkout.gift_id)


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
    provider = provider_class(checkout.provider)
    if provider.qr_checkout:
        orders.place_order(checkout=checkout, channel=channel or "qr", client_ip=client_ip, description=description,
                           success_url=success_url, cancel_url=cancel_url)
        return
    session = get_provider(checkout.provider).create_checkout(CheckoutRequest(
        reference=checkout.reference, amount_minor=checkout.amount_minor, currency=checkout.currency,
        purpose=Purpose(checkout.purpose), description=description, success_url=success_url,
        cancel_url=cancel_url, customer_email=checkout.reader.email or "",
        recurring_interval=recurring if provider.subscriptions else ""))
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


def start_card_gift(*, reader, gift, idempotency_key: str, success_url: str, cancel_url: str,
                    method: str = "", channel: str = "", client_ip: str = "",
                    quoted_minor: int | None = None) -> Checkout:
    """Pay by card for a paid gift the reader opened (byline/gifts, not yet paid): top up what the wallet
    lacks; the gift is paid from the wallet when the payment succeeds, at today's price (written on the gift
    now, so the payment's check finds it unchanged unless it changes again meanwhile)."""
    if gift.buyer_id != reader.pk or gift.state != GiftState.AWAITING:
        raise PaymentRefused(_("This gift is already paid for."))
    gift = gifts.reprice_gift(gift_id=gift.pk)
    purchases.check_quote(price_minor=gift.price_minor, currency=gift.currency, quoted_minor=quoted_minor)
    _check_method(method=method, currency=gift.currency)
    amount = card_charge(price_minor=gift.price_minor, balance=wallet_balance(reader=reader, currency=gift.currency),
                         currency=gift.currency, method=method)
    return start_checkout(reader=reader, purpose=Purpose.GIFT, amount_minor=amount, currency=gift.currency,
                          idempotency_key=idempotency_key, success_url=success_url, cancel_url=cancel_url,
                          article=gift.article, plan=gift.plan, price_minor=gift.price_minor, method=method,
                          channel=channel, client_ip=client_ip, gift=gift, description=_("A gift"))
def start_card_collection(*, reader, collection: Collection, idempotency_key: str, success_url: str,
                          cancel_url: str, method: str = "", channel: str = "", client_ip: str = "") -> Checkout:
    """Pay by card for a whole collection, in the reader's currency: top up what the wallet lacks of the
    amount to pay (the price less the parts already bought); the purchase completes when payment succeeds, at
    that amount (refused, money kept, if it changed meanwhile)."""
    currency = currency_of(reader)
    _check_method(method=method, currency=currency)
    to_pay = collection_selectors.quote(reader=reader, collection=collection, currency=currency).to_pay
    if to_pay <= 0:
        raise PaymentRefused(_("There is nothing to pay for this collection: confirm it from your balance."))
    amount = card_charge(price_minor=to_pay, balance=wallet_balance(reader=reader, currency=currency),
                         currency=currency, method=method)
    return start_checkout(reader=reader, purpose=Purpose.COLLECTION, amount_minor=amount, currency=currency,
                          idempotency_key=idempotency_key, success_url=success_url, cancel_url=cancel_url,
                          price_minor=to_pay, collection=collection,
                          description=_("Collection: %(title)s") % {"title": collection.title}, method=method,
                          channel=channel, client_ip=client_ip)
def start_card_author_subscription(*, reader, author_price: AuthorPrice, idempotency_key: str, success_url: str,
                                   cancel_url: str, quoted_minor: int | None = None) -> Checkout:
    """A card subscription to a writer at their price (which must still be `quoted_minor` when given), in the
    price's currency, which must be the reader's. Offers and this month's credit are for the wallet only: the
    card is charged the full price each period."""
    if not author_price.active or author_price.currency != currency_of(reader):
        raise PaymentRefused(_("This subscription is no longer offered."))
    purchases.check_quote(price_minor=author_price.price_minor, currency=author_price.currency,
                          quoted_minor=quoted_minor)
    return start_checkout(reader=reader, purpose=Purpose.AUTHOR_SUBSCRIPTION, amount_minor=author_price.price_minor,
                          currency=author_price.currency, idempotency_key=idempotency_key, success_url=success_url,
                          cancel_url=cancel_url, author_price=author_price, price_minor=author_price.price_minor,
                          description=_("Subscription: %(writer)s") % {"writer": author_price.author.name})


def tip_methods(*, methods: list[tuple[str, str]], amount_minor: int, currency: str) -> list[tuple[str, str, int]]:
    """The payment methods that can charge exactly `amount_minor` for a tip (card networks refuse tiny charges):
    (name, label, amount) as the payment method buttons take them."""
    return [(name, label, amount_minor) for name, label in methods
            if minimum_charge(currency=currency, method=name) <= amount_minor]


def start_card_tip(*, tipper, article: Article, amount_minor: int, currency: str, idempotency_key: str,
                   success_url: str, cancel_url: str, message: str = "", anonymous: bool = False, method: str = "",
                   channel: str = "", client_ip: str = "") -> Checkout:
    """A tip paid by card, WeChat Pay or Alipay for the exact amount: a checkout with the purpose "tip" (once
    per key) recording the article, the amount (`price_minor`), the message and whether the tipper stays
    unnamed. `settlement.fulfil` gives the tip from the wallet under the checkout's key when the provider
    confirms (the money stays in the wallet if the tip is no longer possible then).

    Raises TipRefused (the writer takes no tips, one's own article, an amount outside the limits) or
    PaymentRefused (below the method's minimum, a key used for another payment, the provider refused);
    nothing is charged then."""
    if not article.is_live or not tip_selectors.accepts_tips(article):
        raise TipRefused(_("The writer of this article does not take tips."), code="closed")
    if article.author.user_id == tipper.pk:
        raise TipRefused(_("You cannot tip yourself."), code="self")
    tips.check_amount(amount_minor=amount_minor, currency=currency)
    _check_method(method=method, currency=currency)  # before its minimum charge is looked up
    lowest = minimum_charge(currency=currency, method=method)
    if amount_minor < lowest:
        raise PaymentRefused(_("This way of paying starts at %(minimum)s. Please choose a larger tip, or tip "
                               "from your balance.") % {"minimum": money(lowest, currency)})
    return start_checkout(
        reader=tipper, purpose=Purpose.TIP, amount_minor=amount_minor, currency=currency,
        idempotency_key=idempotency_key, success_url=success_url, cancel_url=cancel_url, article=article,
        price_minor=amount_minor, tip_message=tips.clean_message(message),
        tip_anonymous=anonymous, description=(_("Tip to %(name)s: %(title)s") % {
            "name": article.author.name, "title": article.title})[:200],
        method=method, channel=channel, client_ip=client_ip)
