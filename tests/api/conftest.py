import pytest
from django.test import Client

from byline.api.models import Scope
from byline.api.services import create_api_token

ALL_SCOPES = tuple(Scope.values)


def token_for(user, scopes=ALL_SCOPES) -> str:
    """A token that may do everything (tests/api/test_scopes.py narrows it)."""
    return create_api_token(owner=user, name="test", scopes=scopes)[1]


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def author_token(author) -> str:
    return token_for(author.user)


@pytest.fixture
def reader_token(reader) -> str:
    return token_for(reader)


@pytest.fixture
def api_client() -> Client:
    return Client()
