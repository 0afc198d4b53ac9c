"""A comment whose words are only invisible once rendered (found by the outside probe): invisible characters
written as HTML entities, an empty link (a hidden link to anywhere) or emphasis, code and quotes around
nothing visible passed the check on the typed text and showed as an empty comment."""

import pytest
from django.urls import reverse
from django.utils import translation

from byline.api.models import Scope
from byline.comments import services
from byline.comments.models import Comment
from tests.api.conftest import token_for
from tests.comments.test_api import post
from tests.comments.test_comments import signed_in, write
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

SHOWS_NOTHING = ["&#8203;", "&nbsp;&nbsp;", "&zwj;", "&#x3164;", "&#10;", "[](https://spam.example)",
                 "**\u200b**", "`\u200b`", "> \u200b", "- &#8203;"]


@pytest.mark.parametrize("body", SHOWS_NOTHING)
def test_a_comment_that_renders_to_nothing_visible_is_refused(free_article, body):
    with pytest.raises(services.CommentRefused) as refused:
        write(make_user(), free_article, body)
    assert refused.value.code == "invalid"
    assert not Comment.objects.exists()


def test_the_form_says_so_with_a_crlf_body_and_a_visible_entity_still_posts(free_article):
    client = signed_in(make_user())
    url = reverse("comments:post", args=[free_article.slug])
    blank = client.post(url, "body=%26%238203%3B%0D%0A%26nbsp%3B\r\n", content_type="application/x-www-form-urlencoded")
    assert blank.status_code == 400 and "only invisible characters" in blank.content.decode()
    assert client.post(url, {"body": "Fish &amp; chips [link](https://example.org)"}).status_code == 303
    assert Comment.objects.count() == 1


HIDDEN_LINKS = ["hello [](https://spam.example)", "hello [&#8203;](https://spam.example)",
                "hello [**\u200b**](https://spam.example) there", "[ ](https://spam.example) a fine point",
                "- a list\n- [`\u200b`](https://spam.example)"]


@pytest.mark.parametrize("body", HIDDEN_LINKS)
def test_a_link_with_nothing_to_click_beside_visible_words_is_refused(free_article, body):
    """`hello [](https://spam)` shows "hello" and hides a link no reader can see: a spam link for robots."""
    with pytest.raises(services.CommentRefused) as refused:
        write(make_user(), free_article, body)
    assert refused.value.code == "invalid" and "no words to click" in str(refused.value.message)
    assert not Comment.objects.exists()


def test_the_form_and_the_api_explain_a_hidden_link_and_a_worded_one_posts(free_article):
    reader = make_user()
    client = signed_in(reader)
    url = reverse("comments:post", args=[free_article.slug])
    hidden = client.post(url, "body=Good+point%0D%0A%0D%0A%5B%5D%28https%3A%2F%2Fspam.example%29",
                         content_type="application/x-www-form-urlencoded")
    page = hidden.content.decode()
    assert hidden.status_code == 400 and "no words to click" in page
    assert "Good point" in page and "spam.example" in page  # what the reader wrote is kept in the form
    with translation.override("zh-hans"):
        zh = client.post(reverse("comments:post", args=[free_article.slug]),
                         {"body": "好观点 [](https://spam.example)"})
    assert zh.status_code == 400 and "没有可点击的文字" in zh.content.decode()
    problem = post(free_article.slug, token_for(reader, scopes=[Scope.WRITE_COMMENTS]),
                   {"body": "hello [](https://spam.example)"})
    assert problem.status_code == 422 and problem["Content-Type"] == "application/problem+json"
    assert "no words to click" in problem.json()["detail"]
    assert client.post(url, {"body": "Good point: [the report](https://example.org)"}).status_code == 303
    assert Comment.objects.count() == 1
