"""The e-mail that brings a paid gift to the address the buyer gave: who gave what, their message, and the
claim link. It carries no article text at all (the title and the free teaser only), so it needs no access
decision: the recipient reads the article on the site once they claimed it.

It is a transactional e-mail on the shared templates (`mail.transactional`: `gifts/email/gift.txt` and `.html`
in the site's frame, CSS inlined), written in the recipient's language: the one their address or account
chose (`transactional.language_for_address`), else the buyer's, as the best guess for a friend's."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from byline.gifts.models import GiftState, PaidGift
from byline.mail import transactional


def mail_gift(*, gift_id: int) -> bool:
    """Send the gift's e-mail once (`mailed_at` is claimed first, so a crash loses the mail rather than
    repeating it; the buyer's page shows the link to pass on by hand). True if it was sent now."""
    with transaction.atomic():
        claimed = PaidGift.objects.filter(pk=gift_id, mailed_at__isnull=True, state=GiftState.PAID).exclude(
            recipient_email="").update(mailed_at=timezone.now())
    if not claimed:
        return False
    gift = PaidGift.objects.select_related("buyer", "article", "plan", "collection", "author").get(pk=gift_id)
    from byline.gifts.services import claim_url

    giver = gift.buyer.get_full_name() or gift.buyer.get_username()
    language = transactional.language_for_address(gift.recipient_email,
                                                  default=transactional.language_for(gift.buyer))
    with translation.override(language):
        url = claim_url(gift)  # the claim page opens in the e-mail's language
    transactional.send(template="gifts/email/gift", to=gift.recipient_email, language=language,
                       subject=lambda: _("%(giver)s sent you a gift") % {"giver": giver},
                       context={"gift": gift, "url": url, "giver": giver})
    return True
