"""A lost database connection answers 503 with Retry-After, in the reader's language, without a trace."""

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client, RequestFactory
from django.utils import translation

from byline.access import selectors as access_selectors
from byline.articles import selectors
from byline.ops.unavailable import RETRY_AFTER_S
from byline.ops.views import server_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_down(monkeypatch):
    def refuse(**kwargs):
        raise OperationalError("server closed the connection unexpectedly at db.internal:5432")

    monkeypatch.setattr(selectors, "article_stamp", refuse)
    monkeypatch.setattr(access_selectors, "article_for_reader", refuse)


@pytest.mark.parametrize(("language", "wording"), [
    ("en", "Byline is briefly unavailable"), ("zh-hans", "Byline 暂时无法访问"),
])
def test_a_view_that_loses_the_database_answers_503_with_retry_after(paid_article, database_down, language, wording):
    with translation.override(language):
        url = paid_article.get_absolute_url()
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_S)
    assert response.headers["Cache-Control"] == "no-store"
    content = response.content.decode()
    assert wording in content
    assert "Traceback" not in content and "db.internal" not in content


@pytest.mark.parametrize("error", [OperationalError("gone"), InterfaceError("connection already closed")])
def test_the_server_error_handler_answers_503_for_a_database_outage_outside_views(error):
    request = RequestFactory().get("/en/")
    try:
        raise error
    except type(error):
        response = server_error(request)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_S)


def test_the_server_error_handler_keeps_500_for_other_errors():
    request = RequestFactory().get("/en/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500
    assert b"a bug" not in response.content
