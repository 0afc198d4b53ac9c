"""What each line of a wallet or earnings history means to the person reading it, in their language.

A ledger transfer carries a kind and, for staff, a memo ("article 15: ...", "sandbox sbx_..."). Readers
see neither: their wording comes from the transfer's kind and the rows that point at it (the purchase it
paid for or undid, the membership period it bought, the checkout that brought the money in), looked up
in a few queries for a whole page of history and translated when the page is shown. This module sits in
payments because payments is the one app that may read the ledger, purchases and checkouts together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from byline.collections.models import CollectionPurchase
from byline.core.unbroken import unbroken_day
from byline.gifts.models import GiftKind, PaidGift
from byline.ledger.models import AccountKind, Entry, Transfer, TransferKind
from byline.payments.models import Checkout, Reconciliation
from byline.payments.providers.base import Purpose
from byline.purchases.models import Interval, MembershipCharge, Purchase
from byline.subscriptions.models import SubscriptionCharge
from byline.tips.models import Tip

# "Top-up by ...": one whole sentence per way of paying, so each language can word it in its own order.
TOP_UP_BY = {"wechatpay": gettext_lazy("Top-up by WeChat Pay"), "alipay": gettext_lazy("Top-up by Alipay")}
TOP_UP_BY_CARD = gettext_lazy("Top-up by card")
SENT_BACK_TO = {"wechatpay": gettext_lazy("Sent back to your WeChat Pay account"),
                "alipay": gettext_lazy("Sent back to your Alipay account")}
SENT_BACK_TO_CARD = gettext_lazy("Sent back to your card")


@dataclass(frozen=True)
class Line:
    """One movement on one of the reader's (or author's) accounts, ready to show."""

    transfer_id: int
    when: Any
    what: str
    amount: int  # signed minor units on this account: positive came in, negative went out
    currency: str
    how: str  # what the amount was, for a receipt: "Paid from your balance", "Refunded to your balance", ...
    article: Any = None  # the article a purchase, undo or refund was about
    purchase: Purchase | None = None
    counterpart_id: int | None = None  # the transfer this one reverses, or that reversed it
    counterpart_is_reversal: bool = False

    @property
    def amount_shown(self) -> int:
        """The amount without its sign: the sign is said in words (`how`)."""
        return abs(self.amount)


@dataclass
class _Related:
    bought: dict[int, Purchase]
    undone: dict[int, Purchase]
    charges: dict[int, MembershipCharge]
    credits: dict[int, Checkout]
    cashouts: dict[int, Checkout]
    late: dict[int, Reconciliation]
    tips: dict[int, Tip] = field(default_factory=dict)  # by the transfer that gave it, and the one that undid it
    gifts: dict[int, PaidGift] = field(default_factory=dict)  # by its payment, and by its claim or refund
    # Collection purchases, by the transfer that paid and the one that undid it.
    collections: dict[int, CollectionPurchase] = field(default_factory=dict)
    subscription_charges: dict[int, SubscriptionCharge] = field(default_factory=dict)


def _related(transfers: Sequence[Transfer]) -> _Related:
    """The rows that say what each transfer was for: a query per kind present, none for kinds absent."""
    kinds: dict[str, list[int]] = {}
    for transfer in transfers:
        kinds.setdefault(transfer.kind, []).append(transfer.pk)
    ids_of = kinds.get
    bought = {p.transfer_id: p for p in Purchase.objects.filter(transfer_id__in=ids_of(TransferKind.PURCHASE, []))
              .select_related("article")} if TransferKind.PURCHASE in kinds else {}
    reversing = ids_of(TransferKind.UNDO, []) + ids_of(TransferKind.REFUND, [])
    undone = {p.reversal_id: p for p in Purchase.objects.filter(reversal_id__in=reversing)
              .select_related("article")} if reversing else {}
    charges = {c.transfer_id: c for c in MembershipCharge.objects.filter(
        transfer_id__in=ids_of(TransferKind.MEMBERSHIP, [])).select_related("membership__plan")} \
        if TransferKind.MEMBERSHIP in kinds else {}
    topups = ids_of(TransferKind.TOPUP, [])
    credits = {c.credit_id: c for c in Checkout.objects.filter(credit_id__in=topups)
               .select_related("article", "plan", "collection")} if topups else {}
    late = {r.credit_id: r for r in Reconciliation.objects.filter(credit_id__in=topups)} if topups else {}
    refunds = ids_of(TransferKind.REFUND, [])
    cashouts = {c.cashout_id: c for c in Checkout.objects.filter(cashout_id__in=refunds)} if refunds else {}
    tip_ids = ids_of(TransferKind.TIP, []) + ids_of(TransferKind.TIP_UNDO, [])
    tips = {}
    if tip_ids:
        for tip in Tip.objects.filter(Q(transfer_id__in=tip_ids) | Q(reversal_id__in=tip_ids)).select_related(
                "article__author"):
            tips[tip.transfer_id] = tip
            if tip.reversal_id:
                tips[tip.reversal_id] = tip
    gift_ids = [pk for kind in (TransferKind.GIFT, TransferKind.GIFT_CLAIM, TransferKind.GIFT_REFUND)
                for pk in ids_of(kind, [])]
    gifts = {}
    if gift_ids:
        for gift in PaidGift.objects.filter(Q(transfer_id__in=gift_ids) | Q(settlement_id__in=gift_ids)).select_related(
                "article", "collection", "author"):
            gifts[gift.transfer_id] = gift
            if gift.settlement_id:
                gifts[gift.settlement_id] = gift
    whole_ids = ids_of(TransferKind.COLLECTION, []) + ids_of(TransferKind.COLLECTION_UNDO, [])
    wholes = {}
    if whole_ids:
        for whole in CollectionPurchase.objects.filter(Q(transfer_id__in=whole_ids) | Q(reversal_id__in=whole_ids)
                                                       ).select_related("collection"):
            wholes[whole.transfer_id] = whole
            if whole.reversal_id:
                wholes[whole.reversal_id] = whole
    subscription_charges = {c.transfer_id: c for c in SubscriptionCharge.objects.filter(
        transfer_id__in=ids_of(TransferKind.AUTHOR_SUBSCRIPTION, [])).select_related("subscription__author")} \
        if TransferKind.AUTHOR_SUBSCRIPTION in kinds else {}
    return _Related(bought=bought, undone=undone, charges=charges, credits=credits, cashouts=cashouts, late=late,
                    tips=tips, collections=wholes, subscription_charges=subscription_charges, gifts=gifts)


_day = unbroken_day


def _membership_until(charge: MembershipCharge) -> str:
    end = _day(charge.period_end)
    if charge.membership.plan.interval == Interval.YEAR:
        return _("Yearly membership, until %(date)s") % {"date": end}
    return _("Monthly membership, until %(date)s") % {"date": end}


def _author_subscription(charge: SubscriptionCharge, owner_is_author: bool) -> str:
    names = {"name": charge.subscription.author.name, "date": _day(charge.period_end)}
    if owner_is_author:
        if charge.subscription.interval == Interval.YEAR:
            return _("Yearly subscriber, until %(date)s") % names
        return _("Monthly subscriber, until %(date)s") % names
    if charge.subscription.interval == Interval.YEAR:
        return _("Yearly subscription to %(name)s, until %(date)s") % names
    return _("Monthly subscription to %(name)s, until %(date)s") % names


def _top_up(transfer: Transfer, related: _Related) -> str:
    checkout = related.credits.get(transfer.pk)
    if checkout is not None:
        how = TOP_UP_BY.get(checkout.provider, TOP_UP_BY_CARD)
        if checkout.purpose == Purpose.UNLOCK and checkout.article_id:
            return _("%(how)s, for: %(title)s") % {"how": how, "title": checkout.article.title}
        if checkout.purpose == Purpose.COLLECTION and checkout.collection_id:
            return _("%(how)s, for the collection: %(title)s") % {"how": how, "title": checkout.collection.title}
        if checkout.purpose == Purpose.MEMBERSHIP and checkout.plan_id:
            return _("%(how)s, for the membership") % {"how": how}
        if checkout.purpose == Purpose.TIP and checkout.article_id:
            return _("%(how)s, for a tip: %(title)s") % {"how": how, "title": checkout.article.title}
        return str(how)
    if transfer.pk in related.late:
        late = related.late[transfer.pk]
        return _("%(how)s that arrived late, kept in your balance") % {
            "how": TOP_UP_BY.get(late.order.provider, TOP_UP_BY_CARD)}
    if transfer.key.startswith("invoice:"):
        return _("Card payment for your membership renewal")
    return _("Top-up")


def _describe(entry: Entry, related: _Related) -> Line:
    transfer, amount = entry.transfer, entry.amount
    owner_is_author = entry.account.kind == AccountKind.EARNINGS
    base = {"transfer_id": transfer.pk, "when": transfer.created_at, "amount": amount,
            "currency": entry.account.currency}
    purchase = related.bought.get(transfer.pk) or related.undone.get(transfer.pk)
    title = purchase.article.title if purchase else ""
    if purchase and owner_is_author and purchase.referrer_id == entry.account.owner_id:
        # The referrer's commission, a leg of the sale (or of its undo or refund).
        if transfer.kind == TransferKind.PURCHASE:
            what, how = _("Referral commission: %(title)s"), _("Earned")
        else:
            what, how = _("Referral commission taken back: %(title)s"), _("Taken from your earnings")
        return Line(**base, what=what % {"title": title}, how=how, article=purchase.article)
    if transfer.kind == TransferKind.PURCHASE and purchase:
        what = _("Sale: %(title)s") if owner_is_author else _("Unlocked: %(title)s")
        how = _("Earned") if owner_is_author else _("Paid from your balance")
        return Line(**base, what=what % {"title": title}, how=how, article=purchase.article,
                    purchase=purchase, counterpart_id=purchase.reversal_id, counterpart_is_reversal=True)
    if transfer.kind in (TransferKind.UNDO, TransferKind.REFUND) and purchase:
        if transfer.kind == TransferKind.UNDO:
            what = _("Sale undone: %(title)s") if owner_is_author else _("Undo: %(title)s")
        else:
            what = _("Sale refunded: %(title)s") if owner_is_author else _("Refund: %(title)s")
        how = _("Taken from your earnings") if owner_is_author else _("Refunded to your balance")
        return Line(**base, what=what % {"title": title}, how=how, article=purchase.article, purchase=purchase,
                    counterpart_id=purchase.transfer_id)
    if transfer.kind in (TransferKind.TIP, TransferKind.TIP_UNDO) and transfer.pk in related.tips:
        tip = related.tips[transfer.pk]
        names = {"title": tip.article.title, "name": tip.article.author.name}
        if transfer.kind == TransferKind.TIP:
            what = _("Tip received: %(title)s") if owner_is_author else _("Tip to %(name)s: %(title)s")
            how = _("Earned") if owner_is_author else _("Paid from your balance")
        else:
            what = _("Tip undone: %(title)s")
            how = _("Taken from your earnings") if owner_is_author else _("Refunded to your balance")
        return Line(**base, what=what % names, how=how, article=tip.article)
    if transfer.kind in (TransferKind.GIFT, TransferKind.GIFT_CLAIM, TransferKind.GIFT_REFUND) \
            and transfer.pk in related.gifts:
        return _gift_line(base, transfer, related.gifts[transfer.pk], owner_is_author)
    if transfer.kind in (TransferKind.COLLECTION, TransferKind.COLLECTION_UNDO) and transfer.pk in related.collections:
        names = {"title": related.collections[transfer.pk].collection.title}
        if transfer.kind == TransferKind.COLLECTION:
            what = _("Collection sold: %(title)s") if owner_is_author else _("Collection: %(title)s")
            how = _("Earned") if owner_is_author else _("Paid from your balance")
        else:
            what = _("Collection sale undone: %(title)s") if owner_is_author else _("Collection undone: %(title)s")
            how = _("Taken from your earnings") if owner_is_author else _("Refunded to your balance")
        return Line(**base, what=what % names, how=how)
    if transfer.kind == TransferKind.MEMBERSHIP and transfer.pk in related.charges:
        return Line(**base, what=_membership_until(related.charges[transfer.pk]), how=_("Paid from your balance"))
    if transfer.kind == TransferKind.AUTHOR_SUBSCRIPTION and transfer.pk in related.subscription_charges:
        return Line(**base, what=_author_subscription(related.subscription_charges[transfer.pk], owner_is_author),
                    how=_("Earned") if owner_is_author else _("Paid from your balance"))
    if transfer.kind == TransferKind.TOPUP:
        return Line(**base, what=_top_up(transfer, related), how=_("Added to your balance"))
    if transfer.kind == TransferKind.REFUND and transfer.pk in related.cashouts:
        checkout = related.cashouts[transfer.pk]
        return Line(**base, what=str(SENT_BACK_TO.get(checkout.provider, SENT_BACK_TO_CARD)),
                    how=_("Paid out of your balance"))
    reverses_cashout = transfer.reverses_id is not None and transfer.reverses.key.startswith("cashout:")
    if transfer.kind == TransferKind.CORRECTION and reverses_cashout:
        return Line(**base, what=_("A refund to your payment method did not go through"),
                    how=_("Returned to your balance"), counterpart_id=transfer.reverses_id)
    if transfer.kind == TransferKind.POOL_PAYOUT:
        return Line(**base, what=_("Your share of the membership pool"), how=_("Earned"))
    if amount > 0:
        how = _("Earned") if owner_is_author else _("Added to your balance")
    else:
        how = _("Taken from your earnings") if owner_is_author else _("Taken from your balance")
    return Line(**base, what=transfer.get_kind_display(), how=how, counterpart_id=transfer.reverses_id)


def _gift_line(base: dict, transfer: Transfer, gift: PaidGift, owner_is_author: bool) -> Line:
    """A paid gift on the buyer's wallet (paid, taken back) or on the author's earnings (its claim)."""
    if gift.kind == GiftKind.ARTICLE:
        what = {"what": gift.article.title}
    elif gift.kind == GiftKind.COLLECTION:
        what = {"what": gift.collection.title}
    elif gift.kind == GiftKind.AUTHOR:
        what = {"what": ngettext("%(months)d month of %(writer)s's subscription",
                                 "%(months)d months of %(writer)s's subscription",
                                 gift.months) % {"months": gift.months, "writer": gift.author.name}}
    else:
        what = {"what": ngettext("%(months)d month of membership", "%(months)d months of membership",
                                 gift.months) % {"months": gift.months}}
    if transfer.kind == TransferKind.GIFT_CLAIM:
        return Line(**base, what=_("Sale as a gift: %(what)s") % what, how=_("Earned"), article=gift.article)
    if transfer.kind == TransferKind.GIFT_REFUND:
        return Line(**base, what=_("Gift taken back: %(what)s") % what, how=_("Refunded to your balance"),
                    article=gift.article, counterpart_id=gift.transfer_id)
    return Line(**base, what=_("Gift: %(what)s") % what, how=_("Paid from your balance"), article=gift.article)


def lines_for(entries: Iterable[Entry]) -> list[Line]:
    """The entries (with `transfer` and `account` loaded, as `ledger.selectors.history` gives them), worded."""
    entries = list(entries)
    related = _related([entry.transfer for entry in entries])
    return [_describe(entry, related) for entry in entries]
