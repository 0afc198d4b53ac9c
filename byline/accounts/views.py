"""Sign-up, log-in (throttled), and the reader's library."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import segno
from allauth.account import views as allauth_views
from allauth.account.internal import stagekit
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from byline.accounts import code_link, throttling, wechat
from byline.accounts.forms import FakeScanForm, RefusedLoginForm, SignUpForm
from byline.accounts.selectors import library_for
from byline.core.redirects import safe_next


class ThrottledLoginView(auth_views.LoginView):
    """Django's log-in view, refusing with 429 while the account or the address is over the limit
    (accounts/throttling.py); every spelling Django would sign in with counts against the same account."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        # The page starts with the code form: the cursor must not jump past it to the username.
        form.fields["username"].widget.attrs.pop("autofocus", None)
        return form

    def post(self, request, *args, **kwargs):
        if not throttling.begin_attempt(request, request.POST.get("username", "")):
            form = RefusedLoginForm(request, data=request.POST)
            form.is_valid()
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response.headers["Retry-After"] = "900"
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        throttling.attempt_succeeded(self.request, self.request.POST.get("username", ""))
        return super().form_valid(form)


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    """Sign up with an e-mail address and a code (allauth's sign-up; the code page then signs the reader in and
    goes on to `next`), or, from `?with=password`, with a username and a password."""
    if request.user.is_authenticated:
        return redirect(safe_next(request) or "accounts:library")
    if "password1" in request.POST or request.GET.get("with") == "password":
        return sign_up_with_password(request)
    return allauth_views.signup(request)


def sign_up_with_password(request: HttpRequest) -> HttpResponse:
    """Create an account, sign in, and go on to `next` (the article or the purchase the reader came from)."""
    next_url = safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "accounts:library")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="byline.accounts.backends.CachedUserBackend")
        messages.success(request, _("Welcome to Byline. Your account is ready."))
        return redirect(next_url or "accounts:library")
    return render(request, "accounts/signup.html", {"form": form, "next": next_url},
                  status=400 if form.errors else 200)


@login_required
def library(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/library.html", {"articles": library_for(reader=request.user)})


def _pending_user_pk(request: HttpRequest):
    """Whose code the confirmation page asks for (allauth keeps the pending log-in in the session)."""
    login = stagekit.unstash_login(request, peek=True)
    return getattr(getattr(login, "user", None), "pk", None)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_login_code(request: HttpRequest) -> HttpResponse:
    """allauth's code page, refusing (429) while the account or the address is locked by the log-in throttle;
    wrong codes count there too (accounts/signals: allauth's `login_code_rejected`)."""
    if request.method == "POST" and request.POST.get("action") != "resend":
        user_pk = _pending_user_pk(request)
        if throttling.over_limit(request, user_pk):
            response = render(request, "account/confirm_login_code.html", {
                "throttled": True, "next": safe_next(request)}, status=429)
            response.headers["Retry-After"] = "900"
            return response
        response = allauth_views.confirm_login_code(request)
        if user_pk is not None and request.user.is_authenticated and request.user.pk == user_pk:
            throttling.code_succeeded(user_pk)
        return response
    return allauth_views.confirm_login_code(request)


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_by_link(request: HttpRequest) -> HttpResponse:
    """The link in the sign-in code e-mail (accounts/code_link.py): a page with one button that signs in with the
    pending code of this browser; the code itself is filled in here, never shown or carried by the link."""
    return _by_link(request, code_link.LOGIN, confirm_login_code)


@never_cache
@require_http_methods(["GET", "POST"])
def sign_up_by_link(request: HttpRequest) -> HttpResponse:
    """The link in the sign-up code e-mail: the same one button, which confirms the new account's address with the
    pending code of this browser (allauth's code page does the rest: signs in, goes on to `next`)."""
    return _by_link(request, code_link.SIGNUP, allauth_views.email_verification_sent)


def _by_link(request: HttpRequest, purpose: str, code_page) -> HttpResponse:
    next_url = safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "accounts:library")
    token = request.POST.get("t") or request.GET.get("t") or ""
    found = code_link.pending_code(request, token, next_url, purpose)
    page = {"purpose": purpose, "next": next_url, "action": request.path}
    if found is None:
        return render(request, "account/code_link.html", {**page, "invalid": True}, status=400)
    code, email = found
    if request.method == "POST":
        data = request.POST.copy()
        data.setlist("code", [code])
        data.pop("action", None)  # only "verify": the link cannot ask for another code
        request.POST = data
        response = code_page(request)
        if request.user.is_authenticated:
            code_link.forget(request)
        return response
    return render(request, "account/code_link.html", {**page, "email": email, "token": token})


@never_cache
@require_http_methods(["GET", "POST"])
def wechat_fake_qr(request: HttpRequest) -> HttpResponse:
    """The offline WeChat's QR page (WECHAT_LOGIN=fake: the demo and the tests). Confirming "on the phone" sends
    the browser to the callback with a code, as WeChat would after a scan."""
    login = wechat.get_wechat_login() if wechat.enabled() else None
    if not isinstance(login, wechat.FakeWechatLogin):
        raise Http404
    callback = reverse("weixin_callback")
    redirect_uri = request.GET.get("redirect_uri", "")
    state = request.GET.get("state", "")
    if urlsplit(redirect_uri).path != callback or not state or len(state) > 200:
        return render(request, "accounts/wechat_fake_qr.html", {"bad_request": True}, status=400)
    form = FakeScanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = login.scan(name=form.cleaned_data["name"])
        return redirect(f"{callback}?{urlencode({'code': code, 'state': state})}")
    phone_url = request.build_absolute_uri()
    return render(request, "accounts/wechat_fake_qr.html", {
        "form": form, "qr_svg": segno.make(phone_url, error="m").svg_inline(scale=4, omitsize=True),
    }, status=400 if form.errors else 200)
