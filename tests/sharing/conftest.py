"""Sharing fixtures: a browser-like client, gift links made through the service, the share-image dir."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from byline.sharing import services

BROWSER_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/130.0 Safari/537.36")


def browser_client(user=None) -> Client:
    client = Client(HTTP_USER_AGENT=BROWSER_UA)
    if user is not None:
        client.force_login(user)
    return client


ACCEPT_KEY = re.compile(r'name="accept_key" value="([^"]+)"')


def gift_url(gift) -> str:
    return reverse("sharing:gift", kwargs={"token": gift.token})


def open_gift(client: Client, gift):
    """What a person does with a gift link: look at the page, then press "Open the gift" (the page's form,
    with the key it carries). Returns the page the browser lands on."""
    page = client.get(gift_url(gift)).content.decode()
    found = ACCEPT_KEY.search(page)
    return client.post(gift_url(gift), {"accept_key": found.group(1)} if found else {}, follow=True)


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
