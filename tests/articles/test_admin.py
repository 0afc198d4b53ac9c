"""Authoring in the admin: authors write and price their own articles; bad input is shown, not lost."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from byline.articles.demo import authors_group
from byline.articles.models import Article
from tests.conftest import LOCKED_SENTINEL, make_article, make_author, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer_client(client):
    author = make_author("penwriter")
    author.user.is_staff = True
    author.user.save()
    author.user.groups.add(authors_group())
    client.force_login(author.user)
    client.author = author
    return client


def form_data(author, **overrides):
    data = {
        "title": "Lanterns of the Qinhuai", "slug": "lanterns-qinhuai", "lang": "en",
        "topic": make_topic().pk, "author": author.pk,
        "body_markdown": f"Free lines.\n\n<!-- paywall -->\n\n{LOCKED_SENTINEL}",
        "visibility": "paid", "price_minor": "250", "currency": "USD", "status": "published",
        "published_at_0": "2026-10-01", "published_at_1": "08:00:00",
    }
    data.update(overrides)
    return data


def test_author_creates_a_paid_article_and_it_is_split_on_save(writer_client):
    response = writer_client.post(reverse("admin:articles_article_add"), form_data(writer_client.author))
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(slug="lanterns-qinhuai")
    assert LOCKED_SENTINEL in article.locked_html and LOCKED_SENTINEL not in article.preview_html


@pytest.mark.parametrize("overrides, message", [
    ({"price_minor": "-5"}, "greater than or equal to 0"),
    ({"price_minor": "0"}, "A paid article needs a price above zero."),
    ({"lang": "klingon"}, "not one of the available choices"),
    ({"slug": "Not A Slug"}, "valid “slug”"),
])
def test_bad_input_in_the_admin_form_is_shown_and_nothing_is_saved(writer_client, overrides, message):
    response = writer_client.post(reverse("admin:articles_article_add"),
                                  form_data(writer_client.author, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Article.objects.exists()


def test_duplicate_slug_is_refused_with_a_message(writer_client):
    make_article(slug="lanterns-qinhuai")
    response = writer_client.post(reverse("admin:articles_article_add"), form_data(writer_client.author))
    assert response.status_code == 200 and "already exists" in response.content.decode()


def test_authors_see_only_their_own_articles(writer_client):
    mine = make_article(author=writer_client.author, title="Mine")
    theirs = make_article(title="Someone else's")
    listing = writer_client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert mine.title in listing and theirs.title not in listing
    assert writer_client.get(reverse("admin:articles_article_change", args=[theirs.pk])).status_code in (302, 404)


def test_authors_group_grants_writing_but_not_reading_everything(writer_client):
    group = Group.objects.get(name="Authors")
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert "change_article" in codenames and "read_all_articles" not in codenames


def test_a_body_sent_with_crlf_is_split_at_its_divider(writer_client):
    """What a browser sends from a textarea: every line ending is CRLF."""
    body = f"Free lines.\r\n\r\n<!-- paywall -->\r\n\r\n{LOCKED_SENTINEL}\r\n"
    response = writer_client.post(reverse("admin:articles_article_add"),
                                  form_data(writer_client.author, body_markdown=body))
    assert response.status_code == 302
    article = Article.objects.get(slug="lanterns-qinhuai")
    assert "\r" not in article.body_markdown and article.has_divider
    assert LOCKED_SENTINEL in article.locked_html and LOCKED_SENTINEL not in article.preview_html


def test_a_nul_in_the_body_is_shown_as_a_form_error(writer_client):
    response = writer_client.post(reverse("admin:articles_article_add"),
                                  form_data(writer_client.author, body_markdown="Free.\r\nBad\x00byte"))
    assert response.status_code == 200 and "NUL character" in response.content.decode() and "line 2" in \
        response.content.decode()
    assert not Article.objects.exists()


@pytest.mark.parametrize("body, message", [
    ("Free. <!-- paywall --> Paid.", "on a line of its own"),
    ("All free.\r\n\r\n<!-- paywall -->\r\n", "Nothing follows the paywall line"),
])
def test_a_divider_that_would_lock_nothing_or_not_split_is_a_form_error(writer_client, body, message):
    response = writer_client.post(reverse("admin:articles_article_add"),
                                  form_data(writer_client.author, body_markdown=body))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Article.objects.exists()


@pytest.mark.parametrize("language, words", [("en", "Put the line &lt;!-- paywall --&gt; where"),
                                             ("zh-hans", "单独写一行 &lt;!-- paywall --&gt;。")])
def test_the_body_help_text_shows_the_marker_in_both_languages(writer_client, language, words):
    page = writer_client.get(f"/{language}/admin/articles/article/add/").content.decode()
    assert words in page and "<!-- paywall -->" not in page


def test_published_without_a_time_is_live_now_and_listed_as_live(writer_client, client):
    response = writer_client.post(reverse("admin:articles_article_add"), form_data(
        writer_client.author, published_at_0="", published_at_1=""))
    assert response.status_code == 302
    article = Article.objects.get(slug="lanterns-qinhuai")
    assert article.is_live and article.status == "published"
    listing = writer_client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "Live since" in listing
    assert client.get(article.get_absolute_url()).status_code == 200


def test_published_at_a_future_time_is_scheduled_and_listed_with_its_time(writer_client):
    response = writer_client.post(reverse("admin:articles_article_add"), form_data(
        writer_client.author, published_at_0="2099-05-01", published_at_1="09:30:00"))
    assert response.status_code == 302
    article = Article.objects.get(slug="lanterns-qinhuai")
    assert article.status == "scheduled" and not article.is_live
    listing = writer_client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "Scheduled for" in listing and "2099" in listing
    scheduled = writer_client.get(reverse("admin:articles_article_changelist"), {"state": "scheduled"})
    assert article.title in scheduled.content.decode()
    live = writer_client.get(reverse("admin:articles_article_changelist"), {"state": "live"})
    assert article.title not in live.content.decode()


def test_a_draft_is_listed_as_a_draft(writer_client):
    make_article(author=writer_client.author, title="Quiet draft", status="draft", published_at=None)
    listing = writer_client.get(reverse("admin:articles_article_changelist"), {"state": "draft"}).content.decode()
    assert "Quiet draft" in listing and "Live since" not in listing
