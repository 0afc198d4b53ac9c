"""Counted links in newsletters: each recipient's links go through a signed redirect, counted once per
recipient and link; a forged or altered link redirects nowhere; an unlock by a recipient who clicked is
attributed to the newsletter."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from byline.audience import selectors
from byline.audience.models import Click, Delivery, Newsletter
from tests.audience.helpers import buy, confirmed_subscriber, fresh_article, publish_and_send
from tests.audience.test_newsletter_smtp import parts
from tests.conftest import make_author, make_user

pytestmark = pytest.mark.django_db

COUNTED = re.compile(r'https?://[^\s"<>]+/audience/c/[^/\s"<>]+/[^/\s"<>]+/')


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_links_are_counted_once_per_recipient_and_link_and_lead_where_the_email_pointed(smtp_sink):
    author = make_author()
    nina, omar = make_user(), make_user()
    confirmed_subscriber(nina.email, author=author, user=nina)
    confirmed_subscriber(omar.email, author=author, user=omar)
    article = fresh_article(author)
    publish_and_send(article)
    text, html = parts(smtp_sink.to(nina.email)[0])
    links = COUNTED.findall(html)
    assert links and COUNTED.findall(text)
    assert "/unsubscribe/" in html and "/unsubscribe/" in text  # the personal links are not redirected
    omar_links = COUNTED.findall(parts(smtp_sink.to(omar.email)[0])[1])
    assert set(links).isdisjoint(omar_links)  # each recipient's own
    unlock = next(link for link in links if Client().head(path_of(link))["Location"].endswith(  # HEAD: not counted
        f"/unlock/{article.slug}/"))
    client = Client()
    for _ in range(3):  # however often: once
        response = client.get(path_of(unlock))
        assert response.status_code == 302 and response["Location"].startswith("http")
        assert response["Referrer-Policy"] == "no-referrer"
    assert Click.objects.filter(delivery__subscriber__user=nina).count() == 1
    client.get(path_of(omar_links[0]))
    [row] = selectors.newsletter_figures(author=author)
    assert (row["clicked"], row["clicks"], row["unlocks"]) == (2, 2, 0)
    # Nina buys after her click: an unlock the newsletter is credited with. Omar bought nothing.
    buy(nina, article)
    [row] = selectors.newsletter_figures(author=author)
    assert row["unlocks"] == 1


def test_a_purchase_before_the_click_or_without_one_is_not_attributed(smtp_sink):
    author = make_author()
    nina = make_user()
    confirmed_subscriber(nina.email, author=author, user=nina)
    article = fresh_article(author)
    buy(nina, article)
    publish_and_send(article)
    link = COUNTED.findall(parts(smtp_sink.to(nina.email)[0])[1])[0]
    Client().get(path_of(link))
    [row] = selectors.newsletter_figures(author=author)
    assert row["clicked"] == 1 and row["unlocks"] == 0


def test_forged_and_altered_links_redirect_nowhere(smtp_sink):
    author = make_author()
    confirmed_subscriber("nina@example.org", author=author)
    publish_and_send(fresh_article(author))
    link = path_of(COUNTED.findall(parts(smtp_sink.to("nina@example.org")[0])[1])[0])
    _, lang, app, c, recipient, target, _ = link.split("/")
    from django.core import signing

    evil = signing.Signer(key="not-the-secret", salt="byline.audience.click.link").sign_object(  # another key
        {"n": 1, "u": "https://evil.example/"})
    for forged in (f"/{lang}/{app}/{c}/{recipient}/{evil}/",
                   f"/{lang}/{app}/{c}/{recipient}/{target[:-2]}{'zz' if target.endswith('xx') else 'xx'}/",
                   # another last character (one in 64 signatures already ends in "A")
                   f"/{lang}/{app}/{c}/{recipient[:-1]}{'B' if recipient.endswith('A') else 'A'}/{target}/",
                   f"/{lang}/{app}/{c}/1/{target}/",
                   f"/{lang}/{app}/{c}/{recipient}/https:%2F%2Fevil.example/",
                   f"/{lang}/{app}/{c}/{recipient}/{target}\x00/"):
        response = Client().get(forged)
        assert response.status_code in (400, 404) and "Location" not in response, forged
    assert not Click.objects.exists()


def test_a_recipient_part_moved_to_another_newsletter_redirects_but_counts_nothing(smtp_sink):
    author = make_author()
    confirmed_subscriber("nina@example.org", author=author)
    publish_and_send(fresh_article(author))
    publish_and_send(fresh_article(author))
    first, second = (COUNTED.findall(parts(m)[1])[0] for m in smtp_sink.to("nina@example.org"))
    recipient_of_first = path_of(first).split("/")[4]
    mixed = path_of(second).split("/")
    mixed[4] = recipient_of_first
    assert Client().get("/".join(mixed)).status_code == 302
    assert not Click.objects.exists()
    assert Delivery.objects.count() == 2 and Newsletter.objects.count() == 2


def test_the_author_sees_the_figures_in_both_languages(smtp_sink):
    author = make_author()
    confirmed_subscriber("nina@example.org", author=author)
    publish_and_send(fresh_article(author))
    client = Client()
    client.force_login(author.user)
    page = client.get("/en/audience/subscribers/").content.decode()
    assert "Readers who clicked" in page and "Unlocks after a click" in page and "Bounced" in page
    page = client.get("/zh-hans/audience/subscribers/").content.decode()
    assert "点击过链接的读者" in page and "点击后解锁" in page
