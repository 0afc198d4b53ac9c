"""The link in the code e-mails: it opens a page that signs the reader in (or finishes their sign-up) with one
button, in the browser that asked for the code, for as long as the code is valid, once.

Two purposes, each bound to its own pending step of allauth in this browser's session: LOGIN (the sign-in code,
allauth's pending log-in by code) and SIGNUP (the code that confirms a new account's address, allauth's pending
e-mail verification of a sign-up). The link carries no code and no secret of its own. It carries an HMAC of the
purpose and three things: the code allauth keeps for that step, a random value kept in the same session, and the
`next` the code was asked from. So:
- another browser (or a mail scanner) has neither the pending log-in nor the random value: the link is useless
  there, and the page says to open it where the code was asked for, or to ask for a code here;
- a new code (the "send a new code" button) changes the HMAC: the older e-mail's link stops working with its code;
- when the code is used (by link or typed), expires, or runs out of attempts, allauth drops the pending log-in,
  and the link dies with it;
- changing `next` in the link changes the HMAC, and a link of one purpose is nothing to the other's page.
Opening the link (GET) signs nobody in: link checkers and prefetchers open links, and a GET must not change
state. The page's button POSTs (with the CSRF token) and the code is filled in on the server from the session.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from allauth.account.internal.flows.email_verification_by_code import EmailVerificationProcess
from allauth.account.internal.flows.login_by_code import LoginCodeVerificationProcess
from allauth.account.stages import EmailVerificationStage, LoginByCodeStage, LoginStageController
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from byline.core.redirects import safe_next

SALT = "byline.accounts.code_link"
NONCE_KEY = "byline_code_link_nonce"
LOGIN, SIGNUP = "login", "signup"
_PAGES = {LOGIN: "accounts:code_link", SIGNUP: "accounts:signup_code_link"}


def _digest(purpose: str, nonce: str, code: str, next_url: str) -> str:
    return salted_hmac(SALT, f"{purpose}\n{nonce}\n{code}\n{next_url}", algorithm="sha256").hexdigest()


def link_for(request: HttpRequest, code: str, purpose: str = LOGIN) -> str:
    """The absolute link for the code just made for this browser's pending step (called as the mail is sent)."""
    nonce = request.session.get(NONCE_KEY)
    if not isinstance(nonce, str) or not nonce:
        nonce = request.session[NONCE_KEY] = secrets.token_urlsafe(24)
    next_url = safe_next(request)
    query = {"t": _digest(purpose, nonce, code, next_url), **({"next": next_url} if next_url else {})}
    return f"{settings.SITE_URL}{reverse(_PAGES[purpose])}?{urlencode(query)}"


def _pending(request: HttpRequest, purpose: str) -> Any:
    """allauth's process for this browser's pending step of `purpose`, or None (an expired code is dropped here)."""
    if purpose == SIGNUP:
        # Only a sign-up under way in this browser, for a new account: an address that already has one gets a
        # mail saying so and no code, and its verification is a stand-in without a user.
        if not LoginStageController.enter(request, EmailVerificationStage.key):
            return None
        process = EmailVerificationProcess.resume(request)
        return process if process is not None and process.state.get("user_id") else None
    stage = LoginStageController.enter(request, LoginByCodeStage.key)
    return LoginCodeVerificationProcess.resume(stage) if stage else None


def pending_code(request: HttpRequest, token: str, next_url: str, purpose: str = LOGIN) -> tuple[str, str] | None:
    """(code, address) of this browser's pending step when `token` is the link made for it and `next_url`,
    else None (another browser, used, expired, replaced by a newer code, another purpose, or altered)."""
    nonce = request.session.get(NONCE_KEY)
    if not isinstance(nonce, str) or not nonce or not token or len(token) > 128:
        return None
    process = _pending(request, purpose)
    code = process.state.get("code") if process else None
    if not code or not constant_time_compare(token, _digest(purpose, nonce, code, next_url)):
        return None
    return code, process.state.get("email") or ""


def forget(request: HttpRequest) -> None:
    """After a sign-in by link: the next code gets a new random value (and so no older link can match)."""
    request.session.pop(NONCE_KEY, None)
