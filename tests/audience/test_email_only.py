"""E-mail-only posts: a free draft sent to the list that stays off the site."""

from __future__ import annotations

import pytest
from django.test import Client

from byline.articles.models import Article
from byline.audience import services
from byline.audience.models import Delivery, Newsletter
from tests.audience.helpers import confirmed_subscriber
from tests.audience.test_newsletter_smtp import parts
from tests.conftest import LOCKED_SENTINEL, PREVIEW_SENTENCE, make_article, make_author, make_user

pytestmark = pytest.mark.django_db

FREE_BODY = f"{PREVIEW_SENTENCE}\n\nOnly for the list: a second paragraph.\n"


def free_draft(author, **overrides):
    values = {"body_markdown": FREE_BODY, "visibility": "free", "price_minor": 0, "status": "draft",
              "published_at": None}
    return make_article(author=author, **{**values, **overrides})


def test_the_author_sends_a_free_draft_by_email_only_and_it_stays_off_the_site(smtp_sink,
                                                                             django_capture_on_commit_callbacks):
    author = make_author()
    confirmed_subscriber("nina@example.org", author=author)
    reader = make_user()
    confirmed_subscriber(reader.email, author=author, user=reader)
    article = free_draft(author)
    client = Client()
    client.force_login(author.user)
    # Without the box ticked nothing goes out.
    client.post(f"/en/audience/newsletter/{article.slug}/email-only/")
    assert not Newsletter.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/en/audience/newsletter/{article.slug}/email-only/", {"confirm": "yes"},
                               follow=True)
    assert "going out by e-mail to 2 readers" in response.content.decode()
    for address in ("nina@example.org", reader.email):
        [message] = smtp_sink.to(address)
        text, html = parts(message)
        assert "Only for the list" in text and "Only for the list" in html
        assert "not on the site" in text and article.get_absolute_url() not in text + html
        assert "The rest is paid" not in text + html
    # Not on the site: the page, the author page and the home page do not show it.
    assert Client().get(article.get_absolute_url()).status_code == 404
    assert article.title not in Client().get(article.author.get_absolute_url()).content.decode()
    assert Article.objects.get(pk=article.pk).status == "draft"
    # A second submit (double click, Back) sends nothing more.
    client.post(f"/en/audience/newsletter/{article.slug}/email-only/", {"confirm": "yes"})
    assert len(smtp_sink.to("nina@example.org")) == 1 and Delivery.objects.count() == 2


def test_a_paid_or_published_article_or_someone_elses_cannot_go_out_by_email_only(smtp_sink):
    author = make_author()
    confirmed_subscriber("nina@example.org", author=author)
    paid = make_article(author=author, status="draft", published_at=None)
    live = make_article(author=author, visibility="free", price_minor=0, body_markdown=FREE_BODY)
    for article in (paid, live):
        with pytest.raises(services.EmailOnlyRefused):
            services.send_email_only(article=article, user=author.user)
    with pytest.raises(services.EmailOnlyRefused):
        services.send_email_only(article=free_draft(author), user=make_user())
    assert not smtp_sink.received


def test_an_email_only_newsletter_of_a_paid_article_never_carries_the_locked_part(smtp_sink):
    """Even a newsletter made e-mail-only for a paid draft (bypassing the check) sends nothing, and the
    access decision would have given no recipient more than the preview."""
    author = make_author()
    confirmed_subscriber("nina@example.org", author=author)
    article = make_article(author=author, status="draft", published_at=None)
    newsletter = Newsletter.objects.create(article=article, email_only=True)
    Delivery.objects.create(newsletter=newsletter, article=article,
                            subscriber=confirmed_subscriber("omar@example.org", author=make_author()))
    services.send_newsletter(newsletter_id=newsletter.pk)
    assert not smtp_sink.received
    assert all(LOCKED_SENTINEL not in r.data.decode(errors="replace") for r in smtp_sink.received)
