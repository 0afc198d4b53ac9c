"""Django's model backend, with each signed-in user's row kept in the shared cache.

Every signed-in request loads its user (django.contrib.auth.get_user); from Redis that costs a
fraction of a database query. The cache holds the row's plain field values without the password hash,
and the session hash derived from it (what `get_user` compares with the session); the password field
of a user built from the cache is deferred, so code that needs it (a password change) loads it then.
A saved or deleted user is forgotten at once, and when the transaction commits the entry becomes a
short-lived tombstone that readers never overwrite (`core.forgetting`): a request that read the old row
before the commit cannot store it after. So a
deactivation, a password change (which ends other sessions) or a new staff flag applies to the next
request. A row written with `QuerySet.update()`, which sends no
signal, would be seen within USER_CACHE_SECONDS: Byline never writes users that way.

Per-reader cache entries are named by `cache_name(user_id)`, a keyed hash, not the id itself: the
browser holds it in the READER_HINT_COOKIE, so a page can read the reader's entries in the same
round trip as their session (views and core/read_ahead.py) without the cookie telling anyone who
the reader is. The hint is never trusted: the session still says who is signed in, and an entry is
used only under the name computed from that.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.utils.functional import SimpleLazyObject, empty

from byline.core import forgetting, read_ahead

USER_CACHE_SECONDS = 300
# "author": the header shows "Write" to authors (studio/personal.py) without a query.
USER_RELATED = ("reader_currency", "author")
READER_HINT_COOKIE = "byline_reader"


def cache_name(user_id: Any) -> str:
    return _cache_name(settings.SECRET_KEY, str(user_id))


@functools.lru_cache(maxsize=4096)
def _cache_name(secret: str, user_id: str) -> str:
    return hmac.new(secret.encode(), f"reader-cache-name:{user_id}".encode(), hashlib.sha256).hexdigest()[:24]


def user_cache_key(user_id: Any) -> str:
    return user_key_for_name(cache_name(user_id))


def user_key_for_name(name: str) -> str:
    return f"auth:user:{name}"


class CachedUserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        key = user_cache_key(user_id)
        cached = read_ahead.get(key)
        user = _user_from_cache(cached) if cached is not None else None
        if user is None or str(user.pk) != str(user_id):
            try:
                # The reader's currency (byline/pricing) comes in the same query and is cached with the row,
                # so pages that show prices need not ask for it; changing it forgets the row (forget_user).
                user = get_user_model()._default_manager.select_related(*USER_RELATED).get(pk=user_id)
            except get_user_model().DoesNotExist:
                return None
            remember(key, user)
        return user if self.user_can_authenticate(user) else None


@functools.cache
def _cached_fields() -> tuple[str, ...]:
    return tuple(field.attname for field in get_user_model()._meta.concrete_fields if field.attname != "password")


def _related_fields(name: str) -> tuple[type, tuple[str, ...]]:
    model = get_user_model()._meta.get_field(name).related_model
    return model, tuple(field.attname for field in model._meta.concrete_fields)


def _cache_entry(user: Any) -> tuple:
    """What the cache keeps of a user: the plain field values (never the password hash), the session hash,
    and the plain values of the one-to-one rows loaded with it (USER_RELATED; None where there is none)."""
    related = []
    for name in USER_RELATED:
        row = user._state.fields_cache.get(name)
        related.append(None if row is None else tuple(getattr(row, f) for f in _related_fields(name)[1]))
    return (*(getattr(user, name) for name in _cached_fields()), user.get_session_auth_hash(), tuple(related))


def _user_from_cache(entry: Any) -> Any:
    fields = _cached_fields()
    if not isinstance(entry, tuple) or len(entry) != len(fields) + 2 or len(entry[-1]) != len(USER_RELATED):
        return None  # written by an older version: read the row again
    user = get_user_model().from_db(None, list(fields), entry[:len(fields)])  # the password stays deferred
    session_hash = entry[len(fields)]
    # The session check compares this with the session's copy; computing it would load the password. Once the
    # password is set on this object (a password set or change in this request), the hash is the new one's:
    # the session then keeps the reader signed in (update_session_auth_hash) instead of storing the old hash.
    def get_session_auth_hash() -> str:
        if "password" in user.get_deferred_fields():
            return session_hash
        return type(user).get_session_auth_hash(user)

    user.get_session_auth_hash = get_session_auth_hash
    for name, values in zip(USER_RELATED, entry[-1], strict=True):
        model, names = _related_fields(name)
        user._state.fields_cache[name] = None if values is None else model.from_db(None, list(names), values)
    return user


def remember(key: str, user: Any) -> None:
    """Cache a row just read, unless the user was saved a moment ago (a tombstone holds the key)."""
    forgetting.remember(key, _cache_entry(user), USER_CACHE_SECONDS)


def forget_user(sender: Any, instance: Any, **kwargs: Any) -> None:
    forgetting.forget(user_cache_key(instance.pk))


def settle_user(request: Any) -> Any:
    """Load `request.user` now and put the user itself in place of Django's lazy stand-in.

    For pages that read the user dozens of times (the article page: access, shell key, personal values):
    each read through the stand-in costs several function calls. Django's own login() and logout() set
    `request.user` the same way.
    """
    user = request.user
    if isinstance(user, SimpleLazyObject):
        if user._wrapped is empty:
            user._setup()
        user = request.user = user._wrapped
    return user
