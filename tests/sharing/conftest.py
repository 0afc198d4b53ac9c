"""Sharing fixtures: a browser-like client, gift links made through the service, the share-image dir."""

from __future__ import annotations

import pytest
from django.test import Client

from byline.sharing import services

BROWSER_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/130.0 Safari/537.36")


def browser_client(user=None) -> Client:
    client = Client(HTTP_USER_AGENT=BROWSER_UA)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def browser():
    return browser_client()


@pytest.fixture
def gift(paid_article):
    """A gift link given by the article's author (whom `decide` allows the full text)."""
    return services.create_gift_link(giver=paid_article.author.user, article=paid_article)


@pytest.fixture(autouse=True)
def _share_images_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path
