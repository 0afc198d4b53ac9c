"""Django's cached_db sessions, read through core/read_ahead.py: an article page reads the session in the
same Redis round trip as the other entries it needs (its stamp, the reader's user row).

Sessions signed in before the cached user backend (accounts/backends.py) name Django's ModelBackend;
they are read as naming its successor, so nobody is signed out by the change."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends import cached_db

from byline.core import read_ahead

RENAMED_BACKENDS = {"django.contrib.auth.backends.ModelBackend": "byline.accounts.backends.CachedUserBackend"}


# Django's keys are 32 characters; a cookie far longer is no session of ours and must not name a cache entry.
LONGEST_SESSION_KEY = 64


class SessionStore(cached_db.SessionStore):
    def _validate_session_key(self, key: str | None) -> bool:
        return super()._validate_session_key(key) and len(key) <= LONGEST_SESSION_KEY

    def load(self) -> dict[str, Any]:
        data = self._load()
        if data.get(BACKEND_SESSION_KEY) in RENAMED_BACKENDS:
            data[BACKEND_SESSION_KEY] = RENAMED_BACKENDS[data[BACKEND_SESSION_KEY]]
        return data

    def _load(self) -> dict[str, Any]:
        if settings.SESSION_CACHE_ALIAS != "default" or self.session_key is None:
            return super().load()
        data = read_ahead.get(self.cache_key)
        if data is None:
            return super().load()  # the database, then stored in the cache again
        return data


def cache_key_for(session_key: str) -> str:
    return SessionStore.cache_key_prefix + session_key
