"""Log-in throttling: after too many failed attempts for one account or from one address, refuse for a while.

An account is named the way Django finds it when it authenticates: the username as the log-in form cleans
it (stripped, then NFKC), so "ｔｈｖｉｃｔｉｍ" and "𝐭𝐡𝐯𝐢𝐜𝐭𝐢𝐦" count against the same account as "thvictim".
An existing account is counted by its primary key; a name no account has is counted by that name
case-folded, so guesses at unknown names are throttled the same way and the counts tell nothing about
which names exist. The address is the client's (`core.addresses.client_bucket`: behind a trusted proxy,
the forwarded address; an IPv6 address by its /64).

An attempt is counted before the password is checked, so attempts sent at the same moment cannot all slip
under the limit. A successful log-in clears the account's count and takes its own attempt back from the
address's count: the address keeps counting only failures (an office behind one address is not locked
out by its colleagues signing in), and signing in to one's own account does not reset it.

Counts live in the cache (Redis in production), so every app server sees the same numbers.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UsernameField
from django.core.cache import cache
from django.http import HttpRequest

from byline.core.addresses import client_bucket


def login_name(raw: str) -> str:
    """The username exactly as `AuthenticationForm` hands it to `authenticate()`."""
    return UsernameField().to_python(raw)


def account_key(raw_username: str) -> str:
    name = login_name(raw_username)
    user_model = get_user_model()
    max_length = user_model._meta.get_field(user_model.USERNAME_FIELD).max_length
    if name and len(name) <= max_length:
        user_pk = (user_model._default_manager.filter(**{user_model.USERNAME_FIELD: name})
                   .values_list("pk", flat=True).first())
        if user_pk is not None:
            return f"login-attempts:user:{user_pk}"
    return "login-attempts:name:" + hashlib.sha256(name.casefold().encode()).hexdigest()[:32]


def address_key(request: HttpRequest) -> str:
    return f"login-attempts:address:{client_bucket(request)}"


def _count(key: str) -> int:
    if cache.add(key, 1, settings.LOGIN_FAILURE_WINDOW_S):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, settings.LOGIN_FAILURE_WINDOW_S)
        return 1


def begin_attempt(request: HttpRequest, raw_username: str) -> bool:
    """Count one log-in attempt for the account and the address; False when either is over the limit,
    and then the password must not be checked."""
    counts = [_count(account_key(raw_username)), _count(address_key(request))]
    return all(count <= settings.LOGIN_FAILURE_LIMIT for count in counts)


def attempt_succeeded(request: HttpRequest, raw_username: str) -> None:
    cache.delete(account_key(raw_username))
    try:
        cache.decr(address_key(request))
    except ValueError:  # the window ended meanwhile
        pass


# Sign-in codes (allauth, accounts/views.confirm_login_code) count against the same account and address as
# passwords: five wrong codes lock the account as five wrong passwords do, and a lock from either refuses both.

def user_key(user_pk) -> str:
    return f"login-attempts:user:{user_pk}"


def over_limit(request: HttpRequest, user_pk) -> bool:
    keys = [address_key(request)] + ([user_key(user_pk)] if user_pk is not None else [])
    return any((cache.get(key) or 0) >= settings.LOGIN_FAILURE_LIMIT for key in keys)


def code_failed(request: HttpRequest, user_pk) -> None:
    _count(address_key(request))
    if user_pk is not None:
        _count(user_key(user_pk))


def code_succeeded(user_pk) -> None:
    cache.delete(user_key(user_pk))
