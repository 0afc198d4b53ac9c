"""A reader who signed up by code finds "set a password" on their library page and in the log-in help, sets one
on Byline's page, and can then log in with it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.accounts.test_signin_by_code import code_in
from tests.audience.conftest import smtp_sink  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def test_a_code_only_reader_sets_a_password_from_the_log_in_help_and_uses_it(smtp_sink):  # noqa: F811
    client = Client()
    client.post(reverse("accounts:signup"), {"email": "codeonly@example.org"})
    client.post(reverse("account_email_verification_sent"), {"code": code_in(smtp_sink.to("codeonly@example.org")[-1])})
    user = get_user_model().objects.get(email="codeonly@example.org")
    assert not user.has_usable_password()
    library = client.get(reverse("accounts:library")).content.decode()
    set_url = reverse("account_set_password")
    assert f'href="{set_url}"' in library
    client.post(reverse("accounts:logout"))

    # The help on the log-in page: a code first, then straight to the password page.
    login_page = client.get(reverse("accounts:login")).content.decode()
    help_link = f"{reverse('account_request_login_code')}?next={set_url}"
    assert help_link in login_page and help_link in client.get(reverse("accounts:password_reset")).content.decode()
    client.post(reverse("account_request_login_code"), {"email": "codeonly@example.org", "next": set_url})
    response = client.post(reverse("account_confirm_login_code"),
                           {"code": code_in(smtp_sink.to("codeonly@example.org")[-1]), "next": set_url})
    assert response["Location"] == set_url
    page = client.get(set_url)
    assert page.status_code == 200 and 'name="password1"' in page.content.decode()

    short = client.post(set_url, {"password1": "short", "password2": "short"})
    assert short.status_code == 200 and "field-error" in short.content.decode()
    response = client.post(set_url, {"password1": "a-fine-long-password", "password2": "a-fine-long-password"},
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:library")
    body = response.content.decode()
    assert "Your password is set" in body and f'href="{reverse("account_change_password")}"' in body
    assert client.get(set_url)["Location"] == reverse("account_change_password")  # only once

    client.post(reverse("accounts:logout"))
    other = Client()
    response = other.post(reverse("accounts:login"), {"username": user.username, "password": "a-fine-long-password"})
    assert response.status_code == 302 and int(other.session["_auth_user_id"]) == user.pk


def test_the_set_password_page_and_the_library_link_in_chinese_and_strangers_sent_to_log_in():
    from tests.conftest import make_user

    user = make_user("zhcodeonly")
    user.set_unusable_password()
    user.save()
    path = reverse("account_set_password").replace("/en/", "/zh-hans/")
    response = Client().get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client = Client()
    client.force_login(user, backend="byline.accounts.backends.CachedUserBackend")
    page = client.get(path).content.decode()
    assert "<h1 class=\"page-title\">设置密码</h1>" in page and "验证码登录仍然可用" in page
    library = client.get(reverse("accounts:library").replace("/en/", "/zh-hans/")).content.decode()
    assert "登录方式" in library and f'href="{path}">设置密码</a>' in library
