"""When Redis is away the cache answers misses, pages are still served, and nothing raises."""

import pytest
from django.core.cache import caches
from django.test import Client, override_settings

from byline.ops.cache import ResilientRedisCache
from tests.conftest import LOCKED_SENTINEL

# Port 1 on loopback: nothing listens there, so every connection is refused at once.
UNREACHABLE = {"default": {"BACKEND": "byline.ops.cache.ResilientRedisCache",
                           "LOCATION": "redis://127.0.0.1:1/0", "OPTIONS": {"retry_after_s": 60}}}


def unreachable_cache() -> ResilientRedisCache:
    return ResilientRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"retry_after_s": 60}})


def test_an_unreachable_cache_answers_every_read_as_a_miss():
    cache = unreachable_cache()
    assert cache.get("page", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("page") is False


def test_an_unreachable_cache_accepts_writes_without_raising():
    cache = unreachable_cache()
    cache.set("page", b"bytes", 30)
    assert cache.add("counter", 1) is False
    cache.delete_many(["a"])
    cache.set_many({"a": 1})


def test_after_a_failure_the_cache_stops_asking_redis_for_a_while():
    cache = unreachable_cache()
    assert cache.available
    cache.get("page")
    assert not cache.available


@pytest.mark.django_db
@override_settings(CACHES=UNREACHABLE)
def test_article_pages_and_log_in_still_work_while_the_cache_is_down(paid_article):
    try:
        client = Client()
        page = client.get(paid_article.get_absolute_url())
        assert page.status_code == 200
        assert LOCKED_SENTINEL not in page.content.decode()
        client.force_login(paid_article.author.user)
        assert LOCKED_SENTINEL in client.get(paid_article.get_absolute_url()).content.decode()
    finally:
        caches["default"].close()


def test_increment_creates_a_counter_then_adds_to_it():
    from byline.ops.cache import increment

    increment("counter:a", ttl=60)
    increment("counter:a", ttl=60, delta=4)
    assert caches["default"].get("counter:a") == 5


@pytest.mark.skipif(not isinstance(caches["default"], ResilientRedisCache), reason="needs the Redis cache")
def test_increment_on_redis_sets_the_expiry_once_in_one_round_trip():
    from byline.ops.cache import increment

    backend = caches["default"]
    key = backend.make_and_validate_key("counter:b")
    client = backend._cache._client.get_client(key, write=True)
    increment("counter:b", ttl=60)
    assert 0 < client.ttl(key) <= 60
    client.expire(key, 1000)  # as if it had been created long ago with a longer life
    increment("counter:b", ttl=60)
    assert client.ttl(key) > 60, "a later count must not move the expiry"
    assert backend.get("counter:b") == 2


def test_increment_on_an_unreachable_cache_does_not_raise():
    cache = unreachable_cache()
    cache.increment_many({"counter": (1, 60)})
    assert not cache.available
