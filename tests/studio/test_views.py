"""The writing studio's pages through the test client: who may use it, saving CRLF text, previews, publishing."""

import pytest
from django.test import Client
from django.urls import reverse

from byline.articles.models import Article, PublicationState, SlugRedirect
from byline.studio.models import Revision, RevisionKind
from tests.conftest import LOCKED_SENTINEL, PREVIEW_SENTENCE, make_author, make_topic, make_user

pytestmark = pytest.mark.django_db

CRLF_BODY = f"{PREVIEW_SENTENCE}\r\n\r\nA second free paragraph.\r\n\r\n<!-- paywall -->\r\n\r\n{LOCKED_SENTINEL}\r\n"


@pytest.fixture
def writer(client):
    author = make_author("studiowriter")
    client.force_login(author.user)
    return author


def form_data(topic, **overrides):
    data = {"title": "Letters from the salt road", "subtitle": "", "body_markdown": CRLF_BODY, "lang": "en",
            "topic": topic.pk, "visibility": "paid", "currency": "USD", "price": "3.50", "description": "",
            "canonical_url": "", "slug": "", "base_revision": "", "action": "save"}
    data.update(overrides)
    return data


def test_a_reader_without_an_author_profile_is_told_how_to_become_one(client):
    client.force_login(make_user("plainreader"))
    response = client.get(reverse("studio:index"))
    assert response.status_code == 403
    assert "ask for an author profile" in response.content.decode()


def test_a_signed_out_visitor_is_sent_to_log_in(client, db):
    response = client.get(reverse("studio:index"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_new_article_posted_with_crlf_is_saved_with_lf_and_split_at_the_line(client, writer):
    topic = make_topic()
    response = client.post(reverse("studio:new"), form_data(topic))
    article = Article.objects.get(author=writer)
    assert response.status_code == 302 and response["Location"] == reverse("studio:edit", args=[article.pk])
    assert "\r" not in article.body_markdown
    assert article.has_divider and LOCKED_SENTINEL in article.locked_html
    assert LOCKED_SENTINEL not in article.preview_html
    assert article.price_minor == 350 and article.slug == "letters-from-the-salt-road"
    assert article.publication_state == PublicationState.DRAFT
    assert Revision.objects.filter(article=article, applied=True).count() == 1


def test_a_paid_article_with_nothing_below_the_line_shows_the_error_and_keeps_the_text(client, writer):
    topic = make_topic()
    client.post(reverse("studio:new"), form_data(topic))
    article = Article.objects.get(author=writer)
    head = Revision.objects.get(article=article)
    response = client.post(reverse("studio:edit", args=[article.pk]), form_data(
        topic, body_markdown="All free.\r\n\r\n<!-- paywall -->\r\n", base_revision=head.pk))
    assert response.status_code == 422
    assert "Nothing follows the paywall line" in response.content.decode()
    kept = Revision.objects.filter(article=article).first()
    assert kept.body_markdown == "All free.\n\n<!-- paywall -->\n" and not kept.applied
    article.refresh_from_db()
    assert LOCKED_SENTINEL in article.locked_html  # the article itself kept its last good text


def test_the_preview_button_without_javascript_shows_both_views(client, writer):
    topic = make_topic()
    anonymous = client.post(reverse("studio:new"), form_data(topic, action="preview")).content.decode()
    assert "The rest of this article is paid" in anonymous
    assert LOCKED_SENTINEL not in anonymous.split("data-preview-body")[1]
    buyer = client.post(reverse("studio:new"), form_data(topic, action="preview", preview_as="buyer")).content.decode()
    assert "Paywall line: readers who have not paid stop here" in buyer and LOCKED_SENTINEL in buyer
    assert not Article.objects.exists()


def test_the_preview_endpoint_counts_words_above_and_below_the_line(client, writer):
    topic = make_topic()
    html = client.post(reverse("studio:preview"), form_data(topic)).content.decode()
    assert "Free preview: 13 words" in html and "Paid part: 9 words" in html


def test_publish_now_schedule_and_unpublish(client, writer):
    topic = make_topic()
    client.post(reverse("studio:new"), form_data(topic, action="publish"))
    article = Article.objects.get(author=writer)
    assert client.get(reverse("studio:publish", args=[article.pk])).status_code == 200
    response = client.post(reverse("studio:publish", args=[article.pk]), {"when": "now"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.publication_state == PublicationState.LIVE
    client.post(reverse("studio:unpublish", args=[article.pk]))
    article.refresh_from_db()
    assert article.publication_state == PublicationState.DRAFT
    response = client.post(reverse("studio:publish", args=[article.pk]),
                           {"when": "later", "publish_at": "2099-01-01T09:00"})
    article.refresh_from_db()
    assert article.publication_state == PublicationState.SCHEDULED


def test_another_authors_article_is_not_found(client, writer):
    other = make_author("otherwriter")
    topic = make_topic()
    from tests.conftest import make_article
    article = make_article(author=other, topic=topic)
    assert client.get(reverse("studio:edit", args=[article.pk])).status_code == 404
    assert client.post(reverse("studio:autosave", args=[article.pk]), form_data(topic)).status_code == 404


def test_a_published_articles_new_slug_keeps_the_old_address(client, writer):
    topic = make_topic()
    client.post(reverse("studio:new"), form_data(topic))
    article = Article.objects.get(author=writer)
    client.post(reverse("studio:publish", args=[article.pk]), {"when": "now"})
    assert Client().get("/en/articles/letters-from-the-salt-road/").status_code == 200  # its stamp is cached now
    head = Revision.objects.filter(article=article).first()
    client.post(reverse("studio:edit", args=[article.pk]), form_data(topic, slug="salt-road-letters",
                                                                   base_revision=head.pk))
    article.refresh_from_db()
    assert article.slug == "salt-road-letters"
    assert SlugRedirect.objects.filter(old_slug="letters-from-the-salt-road", article=article).exists()
    client.logout()
    response = client.get("/en/articles/letters-from-the-salt-road/")
    assert response.status_code == 301 and response["Location"] == "/en/articles/salt-road-letters/"


def test_autosave_creates_the_draft_then_refuses_a_stale_tab(client, writer):
    topic = make_topic()
    first = client.post(reverse("studio:autosave_new"), form_data(topic)).json()
    article = Article.objects.get(author=writer)
    assert first["saved"] and first["applied"] and first["edit_url"] == reverse("studio:edit", args=[article.pk])
    url = reverse("studio:autosave", args=[article.pk])
    second = client.post(url, form_data(topic, title="Tab one", base_revision=first["revision"])).json()
    stale = client.post(url, form_data(topic, title="Tab two", base_revision=first["revision"]))
    assert stale.status_code == 409 and stale.json()["conflict"] and "compare_url" in stale.json()
    article.refresh_from_db()
    assert article.title == "Tab one"
    assert Revision.objects.get(pk=stale.json()["revision"]).kind == RevisionKind.CONFLICT
    assert client.get(stale.json()["compare_url"]).status_code == 200
    assert second["revision"] != first["revision"]


def test_typing_into_a_live_article_is_kept_but_not_shown_until_update(client, writer):
    topic = make_topic()
    client.post(reverse("studio:new"), form_data(topic))
    article = Article.objects.get(author=writer)
    client.post(reverse("studio:publish", args=[article.pk]), {"when": "now"})
    head = Revision.objects.filter(article=article).first()
    answer = client.post(reverse("studio:autosave", args=[article.pk]),
                         form_data(topic, title="Half-typed new title", base_revision=head.pk)).json()
    assert answer["saved"] and not answer["applied"]
    article.refresh_from_db()
    assert article.title == "Letters from the salt road"
    editor = client.get(reverse("studio:edit", args=[article.pk])).content.decode()
    assert "Half-typed new title" in editor  # reopening loses nothing


def test_a_revision_restores(client, writer):
    topic = make_topic()
    client.post(reverse("studio:new"), form_data(topic, title="First title"))
    article = Article.objects.get(author=writer)
    first = Revision.objects.get(article=article)
    client.post(reverse("studio:edit", args=[article.pk]), form_data(topic, title="Second title",
                                                                   base_revision=first.pk))
    page = client.get(reverse("studio:revision", args=[article.pk, first.pk])).content.decode()
    assert "First title" in page and "Second title" in page
    client.post(reverse("studio:revision", args=[article.pk, first.pk]))
    article.refresh_from_db()
    assert article.title == "First title"
    assert Revision.objects.filter(article=article).count() == 3


def test_the_editor_opens_with_the_preview_of_the_article(client, writer):
    from tests.conftest import make_article

    article = make_article(author=writer)
    page = client.get(reverse("studio:edit", args=[article.pk])).content.decode()
    preview = page.split("data-preview-body")[1]
    assert PREVIEW_SENTENCE in preview and "The rest of this article is paid" in preview
    assert LOCKED_SENTINEL not in preview
