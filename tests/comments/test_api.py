"""Comments in the Content API: the same reading rule as the page, and writing with `write:comments`."""

import json

import pytest
from django.test import Client

from byline.api.models import Scope
from byline.comments.models import Comment
from tests.api.conftest import bearer, token_for
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def post(slug, token, body):
    return Client().post(f"/api/v1/articles/{slug}/comments", json.dumps(body), content_type="application/json",
                         **bearer(token))


def test_a_token_with_write_comments_comments_and_anyone_reads_it_on_a_free_article(free_article):
    token = token_for(make_user("poster"), scopes=[Scope.WRITE_COMMENTS])
    created = post(free_article.slug, token, {"body": "Hello\r\n\r\n**there**"})
    assert created.status_code == 201, created.content
    assert created.json()["body_html"] == "<p>Hello</p>\n<p><strong>there</strong></p>\n"
    listed = Client().get(f"/api/v1/articles/{free_article.slug}/comments").json()
    assert listed["featured_only"] is False and [c["writer"] for c in listed["items"]] == ["poster"]


def test_without_the_scope_or_with_bad_input_writing_is_refused_with_problem_json(free_article):
    reader = make_user()
    refused = post(free_article.slug, token_for(reader, scopes=[Scope.READ]), {"body": "x"})
    assert refused.status_code == 403 and refused.json()["required_scope"] == "write:comments"
    token = token_for(reader, scopes=[Scope.WRITE_COMMENTS])
    assert post(free_article.slug, token, {"body": ""}).status_code == 422
    assert post(free_article.slug, token, {"body": "a\u0000b"}).status_code == 422
    assert post(free_article.slug, token, {"body": "x", "extra": 1}).status_code == 422
    blank = post(free_article.slug, token, {"body": "\u200b\u0007\r\n\u202e"})
    assert blank.status_code == 422 and blank["Content-Type"] == "application/problem+json"
    assert "only invisible characters" in blank.json()["detail"]
    assert not Comment.objects.exists()


def test_a_reader_without_access_may_not_comment_on_a_paid_article_by_default(paid_article):
    refused = post(paid_article.slug, token_for(make_user(), scopes=[Scope.WRITE_COMMENTS]), {"body": "Hi"})
    assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"
