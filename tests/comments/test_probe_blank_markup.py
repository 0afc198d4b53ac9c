"""A comment whose words are only invisible once rendered (found by the outside probe): invisible characters
written as HTML entities, an empty link (a hidden link to anywhere) or emphasis, code and quotes around
nothing visible passed the check on the typed text and showed as an empty comment."""

import pytest
from django.urls import reverse

from byline.comments import services
from byline.comments.models import Comment
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
