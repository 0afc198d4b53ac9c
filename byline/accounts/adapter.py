"""Byline's hooks into django-allauth (sign-in by e-mail code, WeChat): who signs in is loaded per request by the
cached user backend, names that look like existing ones are refused, and the code e-mails go out in the
reader's language through Django's mail."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from byline.accounts.selectors import lookalike_username_exists

# The backend the session names: every later request loads the user through it (accounts/backends.py).
SESSION_BACKEND = "byline.accounts.backends.CachedUserBackend"


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # allauth's wording leaves the reader guessing what to do next.
        "incorrect_code": _("That code is not right. Check the e-mail and try again."),
        "too_many_login_attempts": _("Too many wrong codes. Please ask for a new code, or wait 15 minutes."),
        "rate_limited": _("Too many attempts in a short time. Please wait a minute and try again."),
    }

    def is_safe_url(self, url) -> bool:
        # As core.redirects.safe_next: a path from the root or a URL of this site, never a bare word ("²").
        if not url or not (url.startswith("/") or "://" in url):
            return False
        return super().is_safe_url(url)

    def login(self, request, user) -> None:
        user.backend = SESSION_BACKEND
        super().login(request, user)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # Byline's name and address in every message (allauth's `current_site` is only the host name).
        context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL,
                   "login_code_url": settings.SITE_URL + reverse("account_request_login_code"), **context}
        super().send_mail(template_prefix, email, context)

    def clean_username(self, username, shallow=False):
        username = super().clean_username(username, shallow=shallow)
        if not shallow and lookalike_username_exists(username):
            raise forms.ValidationError(_("This username looks the same as an existing one. Please choose another."),
                                        code="lookalike")
        return username

    def clean_email(self, email: str) -> str:
        # Addresses are kept in lower case, as on the password sign-up form: "Reader@x" and "reader@x" are one.
        return super().clean_email(email).strip().lower()


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        # A WeChat nickname often is not a valid or free username: allauth then makes one up; the nickname
        # stays the display name.
        if user.username and (len(user.username) > 30 or lookalike_username_exists(user.username)):
            user.username = ""
        return user
