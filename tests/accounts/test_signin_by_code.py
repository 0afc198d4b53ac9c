"""Signing in and up with a code e-mailed through a real SMTP server (aiosmtpd), and with the offline WeChat:
back to `next`, the cached user backend in the session, the log-in throttle on codes, and bad input."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.test import Client
from django.urls import reverse

from byline.accounts import wechat
from tests.audience.conftest import smtp_sink  # noqa: F401 (the fixture)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

CODE = re.compile(r"^\s{4}(\S+)\s*$", re.M)
CACHED_BACKEND = "byline.accounts.backends.CachedUserBackend"


def code_in(message) -> str:
    return CODE.search(message.get_body(("plain",)).get_content()).group(1)


def request_code(client: Client, email: str, next_url: str = ""):
    data = {"email": email, **({"next": next_url} if next_url else {})}
    return client.post(reverse("account_request_login_code"), data)


def test_sign_in_by_code_from_the_paywall_lands_back_on_the_article(paid_article, smtp_sink):  # noqa: F811
    reader = make_user("coder")
    client = Client()
    article_url = paid_article.get_absolute_url()
    login_page = client.get(f"{reverse('accounts:login')}?next={article_url}").content.decode()
    assert f'action="{reverse("account_request_login_code")}"' in login_page
    response = request_code(client, reader.email, article_url)
    assert response.status_code == 302 and reverse("account_confirm_login_code") in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert f'name="next" value="{article_url}"' in page
    [mail] = smtp_sink.to(reader.email)
    code = code_in(mail)
    assert code in mail["Subject"] and "Byline" in mail["Subject"]
    response = client.post(reverse("account_confirm_login_code"), {"code": code, "next": article_url})
    assert response.status_code == 302 and response["Location"] == article_url
    assert client.session[BACKEND_SESSION_KEY] == CACHED_BACKEND
    assert int(client.session["_auth_user_id"]) == reader.pk


def test_the_code_mail_is_in_the_readers_language(smtp_sink):  # noqa: F811
    reader = make_user("zhreader")
    client = Client()
    client.post(reverse("account_request_login_code").replace("/en/", "/zh-hans/"), {"email": reader.email})
    [mail] = smtp_sink.to(reader.email)
    assert "登录验证码" in mail["Subject"] and code_in(mail)


def test_sign_up_by_code_creates_a_reader_without_a_password(paid_article, smtp_sink):  # noqa: F811
    client = Client()
    unlock = reverse("purchases:unlock", args=[paid_article.slug])
    form = client.get(reverse("accounts:signup"), {"next": unlock}).content.decode()
    assert f'name="next" value="{unlock}"' in form and 'name="password1"' not in form
    response = client.post(reverse("accounts:signup"), {"email": "New.Reader@Example.org", "next": unlock})
    assert response.status_code == 302
    [mail] = smtp_sink.to("new.reader@example.org")
    response = client.post(reverse("account_email_verification_sent"), {"code": code_in(mail)})
    assert response.status_code == 302 and response["Location"] == unlock
    user = get_user_model().objects.get(email="new.reader@example.org")
    assert not user.has_usable_password() and user.username
    assert client.session[BACKEND_SESSION_KEY] == CACHED_BACKEND


def test_five_wrong_codes_lock_the_account_like_five_wrong_passwords(smtp_sink, settings):  # noqa: F811
    reader = make_user("guessed")
    client = Client()
    request_code(client, reader.email)
    confirm = reverse("account_confirm_login_code")
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        response = client.post(confirm, {"code": "WRONG1"})
        assert response.status_code == 200 and "field-error" in response.content.decode()
    response = client.post(confirm, {"code": "WRONG1"})  # the last attempt ends the code
    assert response.status_code == 302
    # The account is locked now: a fresh code is refused, and so is the right password.
    request_code(client, reader.email)
    right = code_in(smtp_sink.to(reader.email)[-1])
    response = client.post(confirm, {"code": right})
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    response = Client().post(reverse("accounts:login"), {"username": "guessed", "password": "a-long-test-password"})
    assert response.status_code == 429


def test_an_expired_code_is_refused_with_a_way_on(smtp_sink, settings):  # noqa: F811
    reader = make_user("late")
    client = Client()
    request_code(client, reader.email)
    code = code_in(smtp_sink.to(reader.email)[-1])
    settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT = -1
    response = client.post(reverse("account_confirm_login_code"), {"code": code}, follow=True)
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_a_second_submit_of_a_used_code_does_not_fail(smtp_sink):  # noqa: F811
    reader = make_user("twice")
    client = Client()
    request_code(client, reader.email)
    code = code_in(smtp_sink.to(reader.email)[-1])
    first = client.post(reverse("account_confirm_login_code"), {"code": code})
    second = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert first.status_code == 302 and second.status_code == 302
    assert int(client.session["_auth_user_id"]) == reader.pk


def test_an_unknown_address_gets_the_same_page_and_a_mail_saying_so(smtp_sink):  # noqa: F811
    response = request_code(Client(), "nobody@example.org")
    assert response.status_code == 302 and reverse("account_confirm_login_code") in response["Location"]
    [mail] = smtp_sink.to("nobody@example.org")
    assert "no account" in mail.get_body(("plain",)).get_content()


def test_the_address_is_matched_without_regard_to_case(smtp_sink):  # noqa: F811
    reader = make_user("cased")
    client = Client()
    request_code(client, reader.email.upper())
    [mail] = smtp_sink.to(reader.email)
    response = client.post(reverse("account_confirm_login_code"), {"code": code_in(mail)})
    assert response.status_code == 302 and int(client.session["_auth_user_id"]) == reader.pk


@pytest.mark.parametrize("email", ["reader\x00@example.org", "reader@example.org\r\nBcc: x@evil.example",
                                   "ｒｅａｄｅｒ@example.org", "a" * 300 + "@example.org", "", "not an address"])
def test_bad_addresses_get_a_form_error_never_a_500(email, smtp_sink):  # noqa: F811
    for url in (reverse("account_request_login_code"), reverse("accounts:signup")):
        response = Client().post(url, {"email": email})
        assert response.status_code in (200, 400), (url, email)
    assert smtp_sink.received == []


def test_a_lookalike_address_is_another_account_not_a_way_in(smtp_sink):  # noqa: F811
    make_user("latin", email="reader@example.org")
    client = Client()
    request_code(client, "reader@exаmple.org")  # Cyrillic "а"
    assert smtp_sink.to("reader@example.org") == []


@pytest.mark.parametrize("code", ["\x00", "A" * 5000, "12\r\n34", ""])
def test_bad_codes_get_a_form_error(code, smtp_sink):  # noqa: F811
    reader = make_user("badcode")
    client = Client()
    request_code(client, reader.email)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code in (200, 400)


def test_the_code_page_without_a_pending_sign_in_goes_back_to_asking():
    response = Client().get(reverse("account_confirm_login_code"))
    assert response.status_code == 302


class TestWechat:
    def test_fake_qr_sign_in_creates_a_reader_and_returns_to_next(self, paid_article):
        client = Client()
        article_url = paid_article.get_absolute_url()
        response = client.post(reverse("weixin_login"), {"process": "login", "next": article_url})
        assert response.status_code == 302 and reverse("accounts:wechat_fake_qr") in response["Location"]
        qr_page = client.get(response["Location"])
        assert qr_page.status_code == 200 and "<svg" in qr_page.content.decode()
        response = client.post(response["Location"], {"name": "小明"})
        assert response.status_code == 302 and reverse("weixin_callback") in response["Location"]
        response = client.get(response["Location"])
        assert response.status_code == 302 and response["Location"] == article_url
        user = get_user_model().objects.get(pk=client.session["_auth_user_id"])
        assert user.socialaccount_set.get().provider == "weixin"
        assert client.session[BACKEND_SESSION_KEY] == CACHED_BACKEND

    def test_the_same_wechat_user_signs_in_to_the_same_account(self):
        ids = []
        for _ in range(2):
            client = Client()
            qr = client.post(reverse("weixin_login"), {"process": "login"})["Location"]
            callback = client.post(qr, {"name": "同一个人"})["Location"]
            client.get(callback)
            ids.append(client.session["_auth_user_id"])
        assert ids[0] == ids[1]

    def test_a_replayed_or_forged_callback_is_an_error_page(self):
        client = Client()
        qr = client.post(reverse("weixin_login"), {"process": "login"})["Location"]
        callback = client.post(qr, {"name": "reader"})["Location"]
        client.get(callback)
        again = Client()
        replayed = again.get(callback)  # allauth answers its error page with 401
        assert replayed.status_code == 401 and "did not confirm" in replayed.content.decode()
        forged = again.get(reverse("weixin_callback"), {"code": "made-up", "state": "x"})
        assert forged.status_code == 401 and "_auth_user_id" not in again.session

    def test_bad_fake_qr_requests_are_400(self):
        url = reverse("accounts:wechat_fake_qr")
        assert Client().get(url, {"redirect_uri": "https://evil.example/", "state": "s"}).status_code == 400
        assert Client().get(url).status_code == 400

    def test_off_means_no_button_and_no_pages(self, settings):
        settings.WECHAT_LOGIN = ""
        assert not wechat.enabled()
        assert "weixin" not in Client().get(reverse("accounts:login")).content.decode()
        assert Client().post(reverse("weixin_login")).status_code == 404
        assert Client().get(reverse("accounts:wechat_fake_qr")).status_code == 404


def test_old_login_paths_still_work():
    make_user("classic")
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": "classic", "password": "a-long-test-password"})
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == CACHED_BACKEND


@pytest.mark.parametrize("name", ["account_email", "account_change_password", "account_set_password",
                                  "account_reset_password", "socialaccount_connections", "account_inactive",
                                  "account_email_verification_sent", "account_request_login_code",
                                  "socialaccount_login_error", "socialaccount_login_cancelled", "socialaccount_signup",
                                  "account_reauthenticate"])
@pytest.mark.parametrize("signed_in", [False, True])
def test_every_allauth_page_answers_in_the_site_layout_without_an_error(name, signed_in):
    client = Client()
    if signed_in:
        client.force_login(make_user())
    response = client.get(reverse(name))
    assert response.status_code < 500
    if response.status_code == 200:
        assert 'class="site-footer"' in response.content.decode()


def test_the_live_wechat_login_asks_wechat_and_turns_refusals_into_errors(monkeypatch):
    import requests

    class Answer:
        encoding = None

        def __init__(self, data):
            self.data = data

        def json(self):
            return self.data

    asked = []

    def fake_get(url, params, timeout):
        asked.append((url, params))
        if url.endswith("/access_token"):
            return Answer({"errcode": 40029, "errmsg": "invalid code"} if params["code"] == "bad"
                          else {"access_token": "T", "openid": "O", "unionid": "U"})
        return Answer({"openid": "O", "nickname": "小明", "headimgurl": ""})

    monkeypatch.setattr(requests, "get", fake_get)
    live = wechat.LiveWechatLogin()
    url = live.authorize_url(app_id="wx1", redirect_uri="https://byline.example/cb", state="s")
    assert url.startswith("https://open.weixin.qq.com/connect/qrconnect?appid=wx1&") and "snsapi_login" in url
    assert live.exchange_code(app_id="wx1", secret="S", code="c")["openid"] == "O"
    assert live.user_info(access_token="T", openid="O")["nickname"] == "小明"
    with pytest.raises(wechat.WechatLoginError):
        live.exchange_code(app_id="wx1", secret="S", code="bad")
    monkeypatch.setattr(requests, "get", lambda *a, **k: (_ for _ in ()).throw(requests.ConnectionError("down")))
    with pytest.raises(wechat.WechatLoginError):
        live.user_info(access_token="T", openid="O")
