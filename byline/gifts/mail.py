"""The e-mail that brings a paid gift to the address the buyer gave: who gave what, their message, and the
claim link. It carries no article text at all (the title and the free teaser only), so it needs no access
decision: the recipient reads the article on the site once they claimed it."""

from __future__ import annotations

from django.core.mail import get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from byline.gifts.models import GiftState, PaidGift
from byline.mail.compose import build_message, inline_css


def mail_gift(*, gift_id: int) -> bool:
    """Send the gift's e-mail once (`mailed_at` is claimed first, so a crash loses the mail rather than
    repeating it; the buyer's page shows the link to pass on by hand). True if it was sent now."""
    with transaction.atomic():
        claimed = PaidGift.objects.filter(pk=gift_id, mailed_at__isnull=True, state=GiftState.PAID).exclude(
            recipient_email="").update(mailed_at=timezone.now())
    if not claimed:
        return False
    gift = PaidGift.objects.select_related("buyer", "article", "plan", "collection", "author").get(pk=gift_id)
    from django.conf import settings

    from byline.gifts.services import claim_url

    context = {"gift": gift, "url": claim_url(gift), "giver": gift.buyer.get_full_name() or gift.buyer.get_username(),
               "SITE_NAME": settings.SITE_NAME, "site_url": settings.SITE_URL}
    with translation.override(translation.get_language() or "en"):
        subject = render_to_string("gifts/mail_subject.txt", context).strip()
        text = render_to_string("gifts/mail.txt", context)
        html = inline_css(render_to_string("gifts/mail.html", context))
    build_message(subject=subject, text=text, html=html, to=gift.recipient_email,
                  connection=get_connection()).send()
    return True
