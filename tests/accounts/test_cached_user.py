"""Signed-in users come from the shared cache, and any change to a user applies to the very next request."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from byline.accounts.backends import READER_HINT_COOKIE, cache_name, settle_user, user_cache_key
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def user_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("purchases:wallet")).status_code == 200
    return sum('FROM "auth_user"' in query["sql"] for query in queries.captured_queries)


def signed_in(client) -> bool:
    return client.get(reverse("purchases:wallet")).status_code == 200


def test_a_signed_in_user_is_loaded_from_the_database_once(client):
    client.force_login(make_user())
    assert user_queries(client) == 1
    assert user_queries(client) == 0


def test_deactivating_a_user_signs_them_out_at_the_next_request(client):
    reader = make_user()
    client.force_login(reader)
    assert signed_in(client)
    reader.is_active = False
    reader.save()
    assert not signed_in(client)


def test_a_password_change_ends_the_other_sessions_at_once(client):
    reader = make_user()
    client.force_login(reader)
    assert signed_in(client)
    reader.set_password("a whole new passphrase")
    reader.save()
    assert not signed_in(client)


def test_a_deleted_user_is_signed_out(client):
    reader = make_user()
    client.force_login(reader)
    assert signed_in(client)
    reader.delete()
    assert not signed_in(client)


def test_a_new_staff_flag_applies_to_the_next_request(client):
    reader = make_user()
    client.force_login(reader)
    assert client.get(reverse("admin:index")).status_code == 302
    reader.is_staff = reader.is_superuser = True
    reader.save()
    assert client.get(reverse("admin:index")).status_code == 200


def log_in(client, user) -> None:
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": "a-long-test-password"})
    assert response.status_code == 302


def test_signing_in_sets_the_reader_hint_and_signing_out_removes_it(client):
    reader = make_user()
    log_in(client, reader)
    assert client.cookies[READER_HINT_COOKIE].value == cache_name(reader.pk)
    assert client.cookies[READER_HINT_COOKIE]["httponly"]
    client.post(reverse("accounts:logout"))
    assert client.cookies[READER_HINT_COOKIE].value == ""  # deleted


def test_an_article_page_reads_session_user_and_allowance_ahead_in_one_go(client, paid_article, monkeypatch):
    reader = make_user()
    log_in(client, reader)
    asked: list[list[str]] = []
    real_get_many = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys, **kw: asked.append(list(keys)) or real_get_many(keys, **kw))
    assert client.get(paid_article.get_absolute_url()).status_code == 200
    [keys] = asked
    assert user_cache_key(reader.pk) in keys
    assert any(key.startswith("django.contrib.sessions.cached_db") for key in keys)
    assert any(key.startswith(f"sharing:gifts-left:{cache_name(reader.pk)}") for key in keys)


def test_a_reader_hint_naming_someone_else_changes_nothing(client, paid_article):
    """The hint only chooses what to read ahead: the session alone says who is signed in."""
    reader, other = make_user(), make_user()
    client.force_login(other)
    client.get(reverse("purchases:wallet"))  # caches the other reader's row under their name
    client.logout()
    log_in(client, reader)
    client.cookies[READER_HINT_COOKIE] = cache_name(other.pk)
    page = client.get(reverse("purchases:wallet"))
    assert page.wsgi_request.user.pk == reader.pk
    assert client.cookies[READER_HINT_COOKIE].value == cache_name(reader.pk)  # put right


def test_a_session_signed_in_under_djangos_model_backend_stays_signed_in(client):
    """Sessions from before the cached backend name django.contrib.auth.backends.ModelBackend."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from byline.accounts.sessions import SessionStore

    reader = make_user()
    session = SessionStore()
    session.update({SESSION_KEY: str(reader.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: reader.get_session_auth_hash()})
    session.save()
    client.cookies["sessionid"] = session.session_key
    assert signed_in(client)


def test_settling_the_user_puts_the_loaded_user_in_place_of_djangos_stand_in(rf):
    reader = make_user()
    loads = []
    request = rf.get("/")
    request.user = SimpleLazyObject(lambda: loads.append(1) or reader)
    assert settle_user(request) is reader and request.user is reader
    assert settle_user(request) is reader and loads == [1]  # loaded once; a plain user stays as it is
    request.user = SimpleLazyObject(lambda: AnonymousUser())
    assert isinstance(settle_user(request), AnonymousUser) and not request.user.is_authenticated


def test_the_cache_never_holds_a_password_hash(client):
    reader = make_user()
    client.force_login(reader)
    assert signed_in(client)
    entry = cache.get(user_cache_key(reader.pk))
    assert entry is not None
    assert reader.password not in repr(entry)
    assert not any(hasattr(value, "_meta") for value in entry)  # plain values, not a pickled model


def test_saving_a_user_built_from_the_cache_keeps_the_password():
    from byline.accounts.backends import CachedUserBackend

    reader = make_user()
    backend = CachedUserBackend()
    backend.get_user(reader.pk)  # stores the entry
    cached = backend.get_user(reader.pk)
    assert "password" in cached.get_deferred_fields()
    cached.first_name = "Ada"
    cached.save()
    reader.refresh_from_db()
    assert reader.first_name == "Ada"
    assert reader.check_password("a-long-test-password")
    cached.set_password("another long passphrase 7")  # a deferred password can still be changed
    cached.save()
    reader.refresh_from_db()
    assert reader.check_password("another long passphrase 7")


def test_a_row_read_before_a_save_committed_is_never_cached_after_it(django_capture_on_commit_callbacks):
    """The race of an admin deactivating a user while one of their requests is loading the row: the request
    read the old row, and tries to cache it just before and just after the save commits."""
    from django.contrib.auth import get_user_model

    from byline.accounts import backends
    from byline.core import forgetting

    user = make_user()
    key = user_cache_key(user.pk)
    old_row = get_user_model().objects.select_related(*backends.USER_RELATED).get(pk=user.pk)
    with django_capture_on_commit_callbacks(execute=True):
        user.is_active = False
        user.save()
        backends.remember(key, old_row)  # before the commit: the commit's tombstone replaces it
    backends.remember(key, old_row)  # after the commit: the tombstone holds the key
    assert cache.get(key) == forgetting.FORGOTTEN
    assert backends.CachedUserBackend().get_user(user.pk) is None  # read from the database: inactive
