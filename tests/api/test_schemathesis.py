"""Schemathesis drives the Content API from its own OpenAPI document, through the WSGI app (no
network): no answer may be a 5xx, and every answer must match the document (status, content type,
schema, headers). Bounded: a few examples per operation, derandomized so a run repeats."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from byline.wsgi import application
from tests.conftest import make_article

MAX_EXAMPLES = 25

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def keep_test_connection():
    """Calls go through the real WSGI handler, which would close the test's DB connection after each
    request (it is inside the test transaction); Django's own test client unhooks this the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def some_articles(db, author, keep_test_connection):
    make_article(author=author, slug="a", title="Anchor")
    make_article(author=author, slug="free-one", visibility="free", price_minor=0)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_api_answer_matches_the_openapi_document_and_none_is_a_server_error(case, some_articles):
    case.call_and_validate()
