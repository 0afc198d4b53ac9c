"""Bounces and complaints from an e-mail service (django-anymail): Mailgun's signed tracking webhook, and
sending through anymail's test backend. A suppressed address gets no more newsletters, the author's list says
why, and the reader can confirm the address again."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid

import pytest
from django.core import mail
from django.test import Client

from byline.audience import services
from byline.audience.mail_events import METADATA_KEY
from byline.audience.models import Delivery, Subscriber
from tests.audience.helpers import confirmed_subscriber, fresh_article, publish_and_send
from tests.conftest import make_author

pytestmark = pytest.mark.django_db

SIGNING_KEY = "key-test-signing-0123456789"
WEBHOOK = "/mail-events/"


@pytest.fixture
def mailgun(settings):
    settings.MAIL_EVENTS_ESP = "mailgun"
    settings.ANYMAIL = {**settings.ANYMAIL, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    from byline.audience import mail_events

    mail_events._VIEWS.clear()  # anymail's view reads its key when made
    yield
    mail_events._VIEWS.clear()


def mailgun_event(event: str, recipient: str, *, delivery_id: int | None = None, severity: str | None = None,
                  key: str = SIGNING_KEY) -> dict:
    """A tracking webhook body as Mailgun posts it: the event, and a signature over timestamp and token."""
    timestamp, token = str(int(time.time())), uuid.uuid4().hex
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    data = {"event": event, "recipient": recipient, "timestamp": time.time(), "id": uuid.uuid4().hex,
            "message": {"headers": {"message-id": f"{uuid.uuid4().hex}@mg.example.org", "to": recipient}},
            "user-variables": {METADATA_KEY: str(delivery_id)} if delivery_id else {},
            "delivery-status": {"code": 550, "message": "No such mailbox", "description": ""}}
    if severity:
        data["severity"] = severity
    return {"signature": {"timestamp": timestamp, "token": token, "signature": signature}, "event-data": data}


def post(body: dict) -> int:
    return Client().post(WEBHOOK, data=json.dumps(body), content_type="application/json").status_code


@pytest.fixture
def through_anymail(settings):
    """Newsletters sent through anymail's test backend: what an e-mail service would be handed."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    mail.outbox = []


def test_a_permanent_bounce_suppresses_the_address_and_marks_the_message(mailgun, through_anymail):
    author = make_author()
    nina = confirmed_subscriber("nina@example.org", author=author)
    confirmed_subscriber("omar@example.org", author=author)
    publish_and_send(fresh_article(author))
    [message] = [m for m in mail.outbox if m.to == ["nina@example.org"]]
    delivery = Delivery.objects.get(subscriber=nina)
    # The service is handed the outbox row's id, and gives it back with every event about the message.
    assert message.anymail_test_params["metadata"] == {METADATA_KEY: str(delivery.pk)}
    assert post(mailgun_event("failed", "nina@example.org", delivery_id=delivery.pk, severity="permanent")) == 200
    nina.refresh_from_db()
    delivery.refresh_from_db()
    assert nina.suppressed_at is not None and nina.suppressed_reason == "bounced" and not nina.receives_mail
    assert delivery.outcome == "bounced"
    mail.outbox = []
    publish_and_send(fresh_article(author))
    assert [m.to for m in mail.outbox] == [["omar@example.org"]]  # no more newsletters to the bounced address


def test_delivered_and_temporary_failures_do_not_suppress(mailgun, through_anymail):
    author = make_author()
    nina = confirmed_subscriber("nina@example.org", author=author)
    publish_and_send(fresh_article(author))
    delivery = Delivery.objects.get(subscriber=nina)
    assert post(mailgun_event("failed", "nina@example.org", delivery_id=delivery.pk, severity="temporary")) == 200
    assert post(mailgun_event("delivered", "nina@example.org", delivery_id=delivery.pk)) == 200
    nina.refresh_from_db()
    delivery.refresh_from_db()
    assert nina.suppressed_at is None and delivery.outcome == "delivered"


@pytest.mark.parametrize(("event", "reason"), [("complained", "complained"), ("unsubscribed", "unsubscribed")])
def test_complaints_and_the_services_unsubscribe_suppress(mailgun, event, reason):
    nina = Subscriber.objects.create(email="Nina@Example.org", confirmed_at="2026-01-01T00:00:00Z")
    assert post(mailgun_event(event, "nina@example.org")) == 200
    nina.refresh_from_db()
    assert nina.suppressed_reason == reason and nina.suppressed_at is not None


def test_a_forged_or_unconfigured_webhook_changes_nothing(mailgun, settings):
    nina = Subscriber.objects.create(email="nina@example.org", confirmed_at="2026-01-01T00:00:00Z")
    assert post(mailgun_event("complained", "nina@example.org", key="not-the-key")) == 400
    body = mailgun_event("complained", "nina@example.org")
    body["event-data"]["recipient"] = "omar@example.org"  # the signature covers only timestamp and token…
    body["signature"]["signature"] = "0" * 64  # …so a changed body is refused by a wrong signature
    assert post(body) == 400
    assert Client().post(WEBHOOK, data="not json", content_type="application/json").status_code == 400
    settings.ANYMAIL = {**settings.ANYMAIL, "MAILGUN_WEBHOOK_SIGNING_KEY": ""}
    assert post(mailgun_event("complained", "nina@example.org")) == 404  # no key: nothing is served
    nina.refresh_from_db()
    assert nina.suppressed_at is None


def test_an_event_cannot_mark_another_addresss_message(mailgun, through_anymail):
    author = make_author()
    nina = confirmed_subscriber("nina@example.org", author=author)
    publish_and_send(fresh_article(author))
    delivery = Delivery.objects.get(subscriber=nina)
    assert post(mailgun_event("failed", "omar@example.org", delivery_id=delivery.pk, severity="permanent")) == 200
    delivery.refresh_from_db()
    nina.refresh_from_db()
    assert delivery.outcome == "" and nina.suppressed_at is None


def test_the_author_sees_why_and_the_reader_can_confirm_again(mailgun, smtp_sink):
    author = make_author()
    nina = confirmed_subscriber("nina@example.org", author=author)
    services.record_mail_event(event_type="complained", recipient="nina@example.org")
    client = Client()
    client.force_login(author.user)
    page = client.get("/en/audience/subscribers/").content.decode()
    assert "no: reported our mail as spam" in page
    page = client.get("/zh-hans/audience/subscribers/").content.decode()
    assert "否：将我们的邮件举报为垃圾邮件" in page
    # The reader's preference link offers a new confirmation; answering it lifts the suppression.
    from byline.audience import tokens

    reader = Client()
    url = f"/en/audience/preferences/{tokens.make(nina.pk, tokens.PREFERENCES_SALT)}/"
    assert "Send me the confirmation" in reader.get(url).content.decode()
    assert reader.post(url, {"reconfirm": "1"}).status_code == 302
    [message] = smtp_sink.to("nina@example.org")
    link = re.search(r"https?://\S+/confirm/[^/\s]+/", message.get_body(("plain",)).get_content()).group(0)
    assert reader.post(link.split("//", 1)[1].split("/", 1)[1].join(["/", ""])).status_code == 200
    nina.refresh_from_db()
    assert nina.suppressed_at is None and nina.receives_mail
