"""Sign-up, log-in (throttled), and the reader's library."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from byline.accounts import throttling
from byline.accounts.forms import RefusedLoginForm, SignUpForm
from byline.accounts.selectors import library_for
from byline.core.redirects import safe_next


class ThrottledLoginView(auth_views.LoginView):
    """Django's log-in view, refusing with 429 while the account or the address is over the limit
    (accounts/throttling.py); every spelling Django would sign in with counts against the same account."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

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
