"""Byline's hooks into django-allauth (sign-in by e-mail code, WeChat): who signs in is loaded per request by the
cached user backend, names that look like existing ones are refused, and the code e-mails go out on the shared
e-mail templates (mail/transactional.py), in the language of the request that asked for them."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from byline.accounts import code_link
from byline.accounts.selectors import lookalike_username_exists
from byline.mail import transactional

# allauth's e-mails that Byline writes itself, as `<prefix>.txt` and `<prefix>.html` on the shared templates
# (its subjects stay `<prefix>_subject.txt`). Any other allauth e-mail (notifications Byline does not turn on)
# would go out through allauth's own templates.
SHARED_EMAILS = frozenset(f"account/email/{name}" for name in (
    "login_code", "email_confirmation", "email_confirmation_signup", "unknown_account", "account_already_exists"))

# The code e-mails that carry a one-button link (accounts/code_link.py), and what the link finishes.
LINKED_EMAILS = {"account/email/login_code": code_link.LOGIN,
                 "account/email/email_confirmation_signup": code_link.SIGNUP}

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

    def get_password_change_redirect_url(self, request) -> str:
        # After setting (or changing) a password: the account page that links to it, not allauth's change form.
        return reverse("accounts:library")

    def login(self, request, user) -> None:
        user.backend = SESSION_BACKEND
        super().login(request, user)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        if template_prefix not in SHARED_EMAILS:
            return super().send_mail(template_prefix, email, context)
        request = context.get("request")
        # The reader is looking at a page in this language right now, and will type the code there.
        language = transactional.language_for(None, translation.get_language())
        with translation.override(language):
            context = {"site_name": settings.SITE_NAME, "email": email,
                       "login_code_url": settings.SITE_URL + reverse("account_request_login_code"), **context}
            # allauth hands the asking request to the sign-in code's mail; the sign-up code's has it in allauth's
            # request context.
            request = request or allauth_context.request
            purpose = LINKED_EMAILS.get(template_prefix)
            if purpose and request is not None and context.get("code"):
                context["login_link"] = code_link.link_for(request, context["code"], purpose)
        context.pop("request", None)
        transactional.send(template=template_prefix, to=email, language=language, context=context,
                           subject=lambda: render_to_string(f"{template_prefix}_subject.txt", context))

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
        # The nickname is shown wherever the reader's name is (comments, gifts): one that reads as an existing
        # username ("stаff" with a Cyrillic "а") is not kept, so the made-up username is shown instead.
        shown = " ".join(part for part in (user.first_name, user.last_name) if part).strip()
        if shown and lookalike_username_exists(shown):
            user.first_name = user.last_name = ""
        return user
