"""Newsletters through a real SMTP server (aiosmtpd in this process): what arrives, for whom, and once."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from byline.audience import services
from byline.audience.models import Delivery, DeliveryState, Subscriber
from tests.audience.helpers import buy, confirmed_subscriber, fresh_article, publish_and_send
from tests.conftest import LOCKED_SENTINEL, PREVIEW_SENTENCE, make_author, make_user

pytestmark = pytest.mark.django_db

UNSUBSCRIBE_LINK = re.compile(r"<(http[^>]+/unsubscribe/[^>]+)>")


def link_targets(part: str) -> list[str]:
    """Where the counted links of a message part lead (HEAD: following them this way counts nothing)."""
    counted = re.findall(r'https?://[^\s"<>]+/audience/c/[^/\s"<>]+/[^/\s"<>]+/', part)
    return [Client().head("/" + link.split("/", 3)[3])["Location"] for link in counted]


def parts(message) -> tuple[str, str | None]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",))
    return text, html.get_content() if html is not None else None


def test_a_subscriber_without_access_gets_the_preview_the_paywall_wording_and_list_headers(smtp_sink):
    author = make_author()
    confirmed_subscriber("nina@example.org", author=author)
    article = fresh_article(author)
    assert publish_and_send(article) == 1
    [message] = smtp_sink.to("nina@example.org")
    assert message["Subject"] == f"{article.title} · {author.name}"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert UNSUBSCRIBE_LINK.search(message["List-Unsubscribe"])
    text, html = parts(message)
    assert html is not None
    for part in (text, html):
        assert PREVIEW_SENTENCE in part and LOCKED_SENTINEL not in part
        assert "The rest is paid: $3.00" in part and "more words" in part
        # A link to the confirmation page (through the counting redirect), never a purchase.
        assert any(target.endswith(f"/unlock/{article.slug}/") for target in link_targets(part))
    assert "<style" not in html and 'style="' in html  # CSS inlined
    assert 'src="/' not in html and 'href="/' not in html  # absolute links only


def test_a_buyer_and_the_author_get_the_full_text_others_the_preview(smtp_sink):
    author = make_author()
    article = fresh_article(author)
    buyer, other = make_user(), make_user()
    buy(buyer, article)
    confirmed_subscriber(buyer.email, author=author, user=buyer)
    confirmed_subscriber(other.email, author=author, user=other)
    confirmed_subscriber("no-account@example.org", author=author)
    publish_and_send(article)
    assert LOCKED_SENTINEL in parts(smtp_sink.to(buyer.email)[0])[0]
    for address in (other.email, "no-account@example.org"):
        text, html = parts(smtp_sink.to(address)[0])
        assert LOCKED_SENTINEL not in text + html and PREVIEW_SENTENCE in text
    rows = dict(Delivery.objects.values_list("subscriber__email", "copy"))
    assert rows == {buyer.email: "full", other.email: "preview", "no-account@example.org": "preview"}


def test_messages_are_prepared_once_per_copy_and_each_recipient_gets_their_own_links_and_id(smtp_sink, monkeypatch):
    from byline.audience import newsletter

    built = []
    real = newsletter.prepared_bytes
    monkeypatch.setattr(newsletter, "prepared_bytes", lambda copy, markers: built.append(1) or real(copy, markers))
    author = make_author()
    for n in range(4):
        confirmed_subscriber(f"same{n}@example.org", author=author)
    publish_and_send(fresh_article(author))
    assert len(built) == 1  # one copy for all four: same access, language and format
    messages = [smtp_sink.to(f"same{n}@example.org")[0] for n in range(4)]
    assert len({m["Message-ID"] for m in messages}) == 4
    assert len({m["List-Unsubscribe"] for m in messages}) == 4
    for n, message in enumerate(messages):
        assert message["To"] == f"same{n}@example.org" and "BYLINE-" not in message.as_string()


def test_the_language_and_format_follow_the_recipient(smtp_sink):
    author = make_author()
    confirmed_subscriber("wang@example.org", author=author, language="zh-hans", mail_format="text")
    confirmed_subscriber("ann@example.org", author=author, language="en")
    publish_and_send(fresh_article(author))
    [chinese] = smtp_sink.to("wang@example.org")
    assert not chinese.is_multipart()
    body = chinese.get_content()
    assert "剩余部分需付费" in body and "退订" in body and "¥" in body
    assert "/zh-hans/audience/unsubscribe/" in chinese["List-Unsubscribe"]
    [english] = smtp_sink.to("ann@example.org")
    assert "Unsubscribe" in parts(english)[0] and "/en/audience/unsubscribe/" in english["List-Unsubscribe"]


def test_the_unsubscribe_link_works_with_one_post_and_nothing_more_arrives(smtp_sink):
    author = make_author()
    subscriber = confirmed_subscriber("once@example.org", author=author)
    publish_and_send(fresh_article(author))
    link = UNSUBSCRIBE_LINK.search(smtp_sink.to("once@example.org")[0]["List-Unsubscribe"]).group(1)
    path = link.split("://", 1)[1].split("/", 1)[1]
    # What a mail system does (RFC 8058): one POST, no cookie, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(f"/{path}", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.stopped_at is not None
    publish_and_send(fresh_article(author))
    assert len(smtp_sink.to("once@example.org")) == 1
    from byline.audience.selectors import newsletter_figures

    figures = newsletter_figures(author=author)
    assert [row["stopped"] for row in figures] == [0, 1]  # the newest had no one left; the first lost one


def test_the_unsubscribe_link_asks_before_it_acts_on_a_get(smtp_sink, client):
    author = make_author()
    subscriber = confirmed_subscriber("look@example.org", author=author)
    publish_and_send(fresh_article(author))
    link = UNSUBSCRIBE_LINK.search(smtp_sink.to("look@example.org")[0]["List-Unsubscribe"]).group(1)
    page = client.get("/" + link.split("://", 1)[1].split("/", 1)[1])
    assert page.status_code == 200 and b"Unsubscribe" in page.content
    subscriber.refresh_from_db()
    assert subscriber.stopped_at is None


def test_a_forged_unsubscribe_link_is_refused(client):
    subscriber = Subscriber.objects.create(email="x@example.org")
    response = client.post(f"/en/audience/unsubscribe/{subscriber.pk}:forged/")
    assert response.status_code == 404


def test_an_interrupted_send_resumes_without_duplicates_or_gaps(smtp_sink, monkeypatch):
    author = make_author()
    addresses = [f"r{n}@example.org" for n in range(12)]
    for address in addresses:
        confirmed_subscriber(address, author=author)
    article = fresh_article(author)
    newsletter = services.queue_newsletter(article_id=article.pk)
    real_mark, calls = services._Marker.sent, {"n": 0}

    def crash_on_the_fifth(marker, row_id, copy_name):
        calls["n"] += 1
        if calls["n"] == 5:
            raise ConnectionResetError("the worker lost its connection")
        return real_mark(marker, row_id, copy_name)

    monkeypatch.setattr(services._Marker, "sent", crash_on_the_fifth)
    with pytest.raises(ConnectionResetError):
        services.send_newsletter(newsletter_id=newsletter.pk, limit=8)
    monkeypatch.setattr(services._Marker, "sent", real_mark)
    # The fifth message was accepted but not recorded: the one message a crash at that instant can repeat.
    services.send_newsletter(newsletter_id=newsletter.pk, limit=8)
    counts = {address: len(smtp_sink.to(address)) for address in addresses}
    assert sorted(counts.values()) == [1] * 11 + [2]
    assert Delivery.objects.filter(state=DeliveryState.SENT).count() == 12
    newsletter.refresh_from_db()
    assert newsletter.finished_at is not None


def test_a_send_stopped_before_a_message_went_out_repeats_nothing(smtp_sink, monkeypatch):
    author = make_author()
    addresses = [f"s{n}@example.org" for n in range(10)]
    for address in addresses:
        confirmed_subscriber(address, author=author)
    newsletter = services.queue_newsletter(article_id=fresh_article(author).pk)
    real_send, calls = services._send_one, {"n": 0}

    def fail_on_the_seventh(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 7:
            raise OSError("connection refused")
        return real_send(*args, **kwargs)

    monkeypatch.setattr(services, "_send_one", fail_on_the_seventh)
    with pytest.raises(OSError):
        services.send_newsletter(newsletter_id=newsletter.pk, limit=4)
    services.send_newsletter(newsletter_id=newsletter.pk, limit=4)
    assert {address: len(smtp_sink.to(address)) for address in addresses} == dict.fromkeys(addresses, 1)


def test_a_refused_address_is_recorded_and_the_rest_still_go(smtp_sink):
    author = make_author()
    confirmed_subscriber("gone@example.org", author=author)
    confirmed_subscriber("here@example.org", author=author)
    smtp_sink.refuse.add("gone@example.org")
    publish_and_send(fresh_article(author))
    assert len(smtp_sink.to("here@example.org")) == 1
    assert Delivery.objects.get(subscriber__email="gone@example.org").state == DeliveryState.FAILED


def test_a_newsletter_is_made_once_however_often_it_is_queued(smtp_sink):
    author = make_author()
    confirmed_subscriber("one@example.org", author=author)
    article = fresh_article(author)
    publish_and_send(article)
    publish_and_send(article)
    assert len(smtp_sink.to("one@example.org")) == 1
