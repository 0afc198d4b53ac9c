"""What an e-mail service says after it accepted a message, through django-anymail's tracking webhooks.

The site sends through Django's e-mail backends: SMTP by default, or an e-mail service (Amazon SES,
Mailgun, Postmark, Brevo, ...) through anymail's backend. Services report bounces, complaints and their
own unsubscribe pages by webhook; anymail checks the request and turns each provider's payload into one
`AnymailTrackingEvent`, which `record` below reads. One provider's webhook is served (settings
`MAIL_EVENTS_ESP`, default Mailgun, whose payloads are signed with a key: `ANYMAIL["MAILGUN_WEBHOOK_SIGNING_KEY"]`);
without its key the address answers 404, so nobody can post made-up bounces to a site that has no service.
"""

from __future__ import annotations

import logging
from typing import Any

from anymail.signals import EventType, tracking
from django.conf import settings
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

log = logging.getLogger(__name__)

# Events after which the address gets no more newsletters until its owner confirms it again.
SUPPRESSING = {EventType.BOUNCED: "bounced", EventType.COMPLAINED: "complained",
               EventType.UNSUBSCRIBED: "unsubscribed", EventType.REJECTED: "rejected"}
# Events recorded on the message's outbox row, for the author's figures.
OUTCOMES = {EventType.DELIVERED: "delivered", EventType.BOUNCED: "bounced", EventType.REJECTED: "rejected",
            EventType.COMPLAINED: "complained"}
METADATA_KEY = "byline_delivery"  # the outbox row's id, sent with the message as the service's metadata

_VIEWS: dict[str, Any] = {}


def _view(esp: str):
    """anymail's tracking view of the chosen service, made once (its settings are read when it is made)."""
    if esp not in _VIEWS:
        from anymail.webhooks.amazon_ses import AmazonSESTrackingWebhookView
        from anymail.webhooks.brevo import BrevoTrackingWebhookView
        from anymail.webhooks.mailgun import MailgunTrackingWebhookView
        from anymail.webhooks.postmark import PostmarkTrackingWebhookView

        views = {"mailgun": MailgunTrackingWebhookView, "postmark": PostmarkTrackingWebhookView,
                 "amazon_ses": AmazonSESTrackingWebhookView, "brevo": BrevoTrackingWebhookView}
        _VIEWS[esp] = views[esp].as_view()
    return _VIEWS[esp]


def configured(esp: str) -> bool:
    """Whether the service's webhook can tell a real request from a forged one here: a signing key
    (Mailgun) or the shared basic-auth secret (the others)."""
    anymail = getattr(settings, "ANYMAIL", {}) or {}
    if esp == "mailgun":
        return bool(anymail.get("MAILGUN_WEBHOOK_SIGNING_KEY"))
    return esp in ("postmark", "amazon_ses", "brevo") and bool(anymail.get("WEBHOOK_SECRET"))


@csrf_exempt  # the service signs (or authenticates) its request; it has no session or form token
def webhook(request: HttpRequest) -> HttpResponse:
    esp = settings.MAIL_EVENTS_ESP
    if not configured(esp):
        raise Http404
    return _view(esp)(request)


@receiver(tracking, dispatch_uid="byline-audience-mail-events")
def record(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    from byline.audience import services

    delivery_id = None
    raw = (event.metadata or {}).get(METADATA_KEY)
    if isinstance(raw, str | int) and str(raw).isdigit():
        delivery_id = int(raw)
    services.record_mail_event(event_type=str(event.event_type), recipient=event.recipient or "",
                               delivery_id=delivery_id, when=event.timestamp)
