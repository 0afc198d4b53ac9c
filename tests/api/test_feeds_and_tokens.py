"""Public feeds, the private feed and its secret, and the API access page."""

import pytest
from django.test import Client
from django.urls import reverse

from byline.api.models import ApiToken
from byline.api.services import rotate_private_feed_key
from tests.api.conftest import bearer
from tests.conftest import LOCKED_SENTINEL, make_article

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind, content_type", [("rss", "application/rss+xml"), ("atom", "application/atom+xml")])
def test_site_topic_and_author_feeds_list_articles_with_previews(client, paid_article, kind, content_type):
    for url in (reverse(f"feeds:site_{kind}"), reverse(f"feeds:topic_{kind}", args=[paid_article.topic.slug]),
                reverse(f"feeds:author_{kind}", args=[paid_article.author.slug])):
        response = client.get(url)
        assert response["Content-Type"].startswith(content_type)
        assert paid_article.title in response.content.decode()
        assert "harbour town woke early" in response.content.decode()


def test_a_feed_of_an_unknown_topic_is_404(client, db):
    assert client.get(reverse("feeds:topic_rss", args=["nothing-here"])).status_code == 404


def test_the_private_feed_is_private_and_not_indexed(author):
    make_article(author=author)
    response = Client().get(reverse("private_feed", args=[rotate_private_feed_key(owner=author.user)]))
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]


def test_rotating_the_private_feed_secret_retires_the_old_address(author):
    make_article(author=author)
    old = rotate_private_feed_key(owner=author.user)
    new = rotate_private_feed_key(owner=author.user)
    assert Client().get(reverse("private_feed", args=[old])).status_code == 404
    assert LOCKED_SENTINEL in Client().get(reverse("private_feed", args=[new])).content.decode()


def test_an_unknown_private_feed_secret_is_404(db):
    assert Client().get(reverse("private_feed", args=["x" * 300])).status_code == 404


def test_a_reader_makes_a_private_feed_from_the_account_page_and_can_turn_it_off(author):
    make_article(author=author)
    client = Client()
    client.force_login(author.user)
    page = client.post(reverse("api_access:rotate_feed"), follow=True).content.decode()
    url = page.split("/feeds/private/")[1].split("/")[0]
    assert LOCKED_SENTINEL in Client().get(reverse("private_feed", args=[url])).content.decode()
    client.post(reverse("api_access:revoke_feed"))
    assert Client().get(reverse("private_feed", args=[url])).status_code == 404


def test_a_reader_creates_a_token_sees_it_once_and_revokes_it(reader):
    client = Client()
    client.force_login(reader)
    page = client.post(reverse("api_access:create_token"), {"name": "my phone", "scopes": ["read"]},
                       follow=True).content.decode()
    raw = "byl_" + page.split('value="byl_')[1].split('"')[0]
    assert Client().get("/api/v1/articles", **bearer(raw)).status_code == 200
    assert raw not in client.get(reverse("api_access:access")).content.decode()
    token = ApiToken.objects.get(owner=reader)
    assert token.last_used_at is not None and token.token_hash != raw
    client.post(reverse("api_access:revoke_token", args=[token.pk]))
    assert Client().get("/api/v1/articles", **bearer(raw)).status_code == 401


def test_a_token_without_a_name_re_renders_the_form_with_an_error(reader):
    client = Client()
    client.force_login(reader)
    response = client.post(reverse("api_access:create_token"), {"name": ""})
    assert response.status_code == 400 and 'class="field-error"' in response.content.decode()


def test_the_access_page_needs_sign_in(client, db):
    assert client.get(reverse("api_access:access")).status_code == 302


def test_a_reader_cannot_revoke_someone_elses_token(reader, author_token):
    client = Client()
    client.force_login(reader)
    client.post(reverse("api_access:revoke_token", args=[ApiToken.objects.get().pk]))
    assert Client().get("/api/v1/articles", **bearer(author_token)).status_code == 200


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feed_excerpts_keep_punctuation_tight_next_to_formatting(client, author, kind):
    make_article(author=author, visibility="free", price_minor=0, title="Tea words",
                 body_markdown="We drank *chá*, in Russian **чай**.\n\n我们喝*茶*，很好。")
    content = client.get(reverse(f"feeds:site_{kind}")).content.decode()
    assert "We drank chá, in Russian чай. 我们喝茶，很好。" in content and "chá ," not in content
