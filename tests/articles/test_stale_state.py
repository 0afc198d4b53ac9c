"""A saved article is served as saved from the moment its transaction commits, on every cached path.

The race that matters: a request that reads the article while a save is still open reads the old
row and may store it in the cache after the save forgot it. The PostgreSQL tests below hold a real
save open on one connection between its invalidation and its commit, read the page on another
connection in between, and then ask what readers get once the save has committed.
"""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache
from django.db import connections, transaction
from django.test import Client
from django.utils import translation

from byline.articles import page_cache
from byline.articles.models import Article, Status, Visibility
from byline.articles.services import ArticleData, upsert_article
from byline.pages.views import PROXY_CACHE_SECONDS
from tests.conftest import LOCKED_SENTINEL, PREVIEW_SENTENCE, make_article, make_user

# A paragraph the author adds in the very save that makes the article paid.
ADDED_IN_THE_SAVE = "Quince-harbour sentinel: a paragraph written in the same save that set the price."


def free_article_with_divider(author) -> Article:
    return make_article(author=author, visibility=Visibility.FREE, price_minor=0)


def edited(article: Article, **changes) -> ArticleData:
    values = {"title": article.title, "slug": article.slug, "lang": article.lang, "topic": article.topic,
              "author": article.author, "body_markdown": article.body_markdown, "price_minor": article.price_minor,
              "currency": article.currency, "visibility": article.visibility, "status": article.status,
              "published_at": article.published_at}
    values.update(changes)
    return ArticleData(**values)


def made_paid(article: Article) -> ArticleData:
    return edited(article, visibility=Visibility.PAID, price_minor=300,
                  body_markdown=article.body_markdown + f"\n{ADDED_IN_THE_SAVE}\n")


def url_of(article: Article) -> str:
    with translation.override("en"):
        return article.get_absolute_url()


def page(client: Client, article: Article) -> tuple[int, str]:
    response = client.get(url_of(article))
    return response.status_code, response.content.decode()


def signed_in_without_access() -> Client:
    client = Client()
    client.force_login(make_user())
    return client


def save_held_open(data: ArticleData):
    """Run `upsert_article(data)` on its own connection and hold its transaction open after the save
    (its post_save invalidation has run) until the caller releases it; returns (release, finished)."""
    saved, release, failure = threading.Event(), threading.Event(), []

    def save() -> None:
        try:
            with transaction.atomic():
                upsert_article(data)
                saved.set()
                assert release.wait(30), "the test never released the save"
        except Exception as error:  # reported by finished()
            failure.append(error)
            saved.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=save)
    thread.start()
    assert saved.wait(30)

    def finished() -> None:
        release.set()
        thread.join(30)
        assert not failure, failure

    return finished


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_article_made_paid_while_a_reader_reads_it_stops_being_free_when_the_save_commits(author):
    article = free_article_with_divider(author)
    member_of_the_public, signed_in = Client(), signed_in_without_access()
    assert LOCKED_SENTINEL in page(member_of_the_public, article)[1]  # the free page is now cached
    assert LOCKED_SENTINEL in page(signed_in, article)[1]  # and the signed-in shell too

    commit = save_held_open(made_paid(article))
    # Read on this connection while the save is open: the old, free row, legitimately (nothing committed),
    # and the stamp stored again. (Only anonymously: a signed-in reader's page records the reading, an
    # insert that waits for the save's row lock.)
    assert LOCKED_SENTINEL in page(Client(), article)[1]
    commit()

    for reader in (member_of_the_public, Client(), signed_in, signed_in_without_access()):
        status, content = page(reader, article)
        assert status == 200 and PREVIEW_SENTENCE in content
        assert LOCKED_SENTINEL not in content and ADDED_IN_THE_SAVE not in content
        assert 'class="paywall"' in content


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_article_taken_down_while_a_reader_reads_it_is_gone_when_the_save_commits(author):
    article = free_article_with_divider(author)
    assert page(Client(), article)[0] == 200

    commit = save_held_open(edited(article, status=Status.DRAFT, published_at=None))
    assert page(Client(), article)[0] == 200  # the old row, read before the commit
    commit()

    assert page(Client(), article)[0] == 404
    assert page(signed_in_without_access(), article)[0] == 404


@pytest.mark.django_db
def test_a_stale_stamp_never_lets_a_signed_in_reader_read_the_new_locked_text(author):
    """Should a stale stamp survive anyway (a cache that refused the after-commit write), the page
    loads the locked part only together with the fields access was decided on, and starts over
    from the new row when they differ."""
    article = free_article_with_divider(author)
    page(Client(), article)
    stale = cache.get(page_cache.stamp_key(article.slug))
    upsert_article(made_paid(article))
    cache.set(page_cache.stamp_key(article.slug), (cache.get(page_cache.generation_key(article.slug)), stale[1]))

    status, content = page(signed_in_without_access(), article)
    assert status == 200 and 'class="paywall"' in content
    assert ADDED_IN_THE_SAVE not in content and LOCKED_SENTINEL not in content


@pytest.mark.django_db
def test_an_article_made_paid_or_taken_down_stops_being_served_at_once(author):
    article = free_article_with_divider(author)
    reader = Client()
    assert LOCKED_SENTINEL in page(reader, article)[1]
    upsert_article(made_paid(article))
    assert LOCKED_SENTINEL not in page(reader, article)[1]
    upsert_article(edited(Article.objects.get(pk=article.pk), status=Status.DRAFT, published_at=None))
    assert page(reader, article)[0] == 404


@pytest.mark.django_db
def test_a_shared_proxy_may_keep_a_public_article_page_for_one_second_at_most(paid_article):
    response = Client().get(url_of(paid_article))
    assert "public" in response["Cache-Control"] and "s-maxage=1" in response["Cache-Control"]
    assert response["X-Accel-Expires"] == str(PROXY_CACHE_SECONDS) == "1"
