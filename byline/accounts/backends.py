"""Django's model backend, with each signed-in user's row kept in the shared cache.

Every signed-in request loads its user (django.contrib.auth.get_user); from Redis that costs a
fraction of a database query. A saved or deleted user is forgotten at once, and again when the
transaction commits, so a deactivation, a password change (which ends other sessions) or a new
staff flag applies to the next request. A row written with `QuerySet.update()`, which sends no
signal, would be seen within USER_CACHE_SECONDS: Byline never writes users that way.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

from byline.core import read_ahead

USER_CACHE_SECONDS = 300


def user_cache_key(user_id: Any) -> str:
    return f"auth:user:{user_id}"


class CachedUserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        key = user_cache_key(user_id)
        user = read_ahead.get(key)
        if user is None:
            try:
                user = get_user_model()._default_manager.get(pk=user_id)
            except get_user_model().DoesNotExist:
                return None
            cache.set(key, user, USER_CACHE_SECONDS)
        return user if self.user_can_authenticate(user) else None


def forget_user(sender: Any, instance: Any, **kwargs: Any) -> None:
    key = user_cache_key(instance.pk)
    cache.delete(key)
    # A request that read the old row before this transaction commits may store it again meanwhile.
    transaction.on_commit(lambda: cache.delete(key), robust=True)
