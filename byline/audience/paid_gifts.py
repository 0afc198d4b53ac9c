"""A paid gift under the bell of the reader it was bought for.

Gifts sit below audience and cannot call it: `gifts.services` calls these after each step commits
(`ON_GIFT_PAID`, `ON_GIFT_CLAIMED`, `ON_GIFT_REFUNDED`, registered in `AudienceConfig.ready`).

- Paid for an address: the account whose verified address it is (`accounts.selectors.
  owner_of_verified_address`: not an unverified one, not a look-alike) gets one notification, with the
  gift's id only. The claim link is the gift's secret, so the page shows it only to that reader while the
  address is still theirs and the gift still waits (`selectors.describe_paid_gift_notes`).
- Paid before the address was verified: when its owner verifies it (allauth's `email_confirmed`, whichever way:
  the link, the code, staff), the gifts still waiting for it are told then (`tell_owner_of_verified_address`).
- Claimed: the notification is read; the page then says "claimed".
- Taken back before the claim: the notification is deleted.
"""

from __future__ import annotations

from allauth.account.signals import email_confirmed
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.utils import timezone

from byline.accounts.selectors import owner_of_verified_address, same_address
from byline.audience import selectors
from byline.audience.models import Notification, NotificationKind
from byline.core import forgetting
from byline.gifts.models import GiftState, PaidGift


def tell_recipient_of_paid_gift(gift: PaidGift) -> int | None:
    """`ON_GIFT_PAID`: a notification for the account that owns the gift's address. Returns who was told."""
    gift = PaidGift.objects.filter(pk=gift.pk, state=GiftState.PAID).exclude(recipient_email="").first()
    if gift is None:
        return None
    owner = owner_of_verified_address(gift.recipient_email)
    if owner is None or owner.pk == gift.buyer_id:
        return None
    try:
        with transaction.atomic():
            Notification.objects.get_or_create(paid_gift=gift, defaults={"user": owner,
                                                                         "kind": NotificationKind.GIFT})
    except IntegrityError:  # told by a concurrent call a moment ago
        pass
    if PaidGift.objects.filter(pk=gift.pk, state=GiftState.REFUNDED).exists():
        # Taken back while this ran: the refund's listener may have found nothing to delete yet.
        Notification.objects.filter(paid_gift_id=gift.pk).delete()
    forgetting.forget(selectors.state_key(owner.pk))
    return owner.pk


@receiver(email_confirmed, dispatch_uid="audience-paid-gifts-on-verified-address")
def tell_owner_of_verified_address(sender, email_address=None, **kwargs) -> None:
    """An address just verified: the paid gifts still waiting for it ring its owner's bell, once each (one
    notification per gift), after the verification commits."""
    address = getattr(email_address, "email", "") or ""
    if not address:
        return

    def tell() -> None:
        for gift in PaidGift.objects.filter(state=GiftState.PAID, recipient_email__iexact=address.strip()):
            if same_address(gift.recipient_email, address):
                tell_recipient_of_paid_gift(gift)

    transaction.on_commit(tell, robust=True)


def mark_paid_gift_claimed(gift: PaidGift) -> None:
    """`ON_GIFT_CLAIMED`: the reader told of it need not look again."""
    notes = Notification.objects.filter(paid_gift_id=gift.pk, read_at__isnull=True)
    told = list(notes.values_list("user_id", flat=True))
    if told:
        notes.update(read_at=timezone.now())
        forgetting.forget(*(selectors.state_key(user_id) for user_id in told))


def forget_refunded_gift(gift: PaidGift) -> None:
    """`ON_GIFT_REFUNDED`: the gift is gone, and so is what the bell said of it."""
    notes = Notification.objects.filter(paid_gift_id=gift.pk)
    told = list(notes.values_list("user_id", flat=True))
    if told:
        notes.delete()
        forgetting.forget(*(selectors.state_key(user_id) for user_id in told))
