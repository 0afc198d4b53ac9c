import pytest
from django.test import Client

from byline.api.services import create_api_token


def token_for(user) -> str:
    return create_api_token(owner=user, name="test")[1]


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
