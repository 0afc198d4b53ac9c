"""allauth's code e-mails on the shared templates (both parts, CSS inlined, the asking page's language), received
through a real SMTP server; and the one-button sign-in link they carry: once, for as long as the code, back to
`next`, only in the browser that asked."""

from __future__ import annotations

import re
import time
import types
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from byline.accounts import code_link
from tests.accounts.test_signin_by_code import code_in, request_code
from tests.audience.conftest import smtp_sink  # noqa: F401 (the fixture)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

LINK = re.compile(r"^(http\S+/accounts/login/code/link/\?\S+)$", re.M)


def parts(message) -> tuple[str, str]:
    text, html = (message.get_body((kind,)).get_content() for kind in ("plain", "html"))
    return text.replace("\r\n", "\n"), html


def link_in(message) -> str:
    """The link as a path with its query (the test client speaks to the site without a host)."""
    url = urlsplit(LINK.search(parts(message)[0]).group(1))
    return f"{url.path}?{url.query}"


def in_language(path: str, language: str) -> str:
    return path.replace("/en/", f"/{language}/", 1)


@pytest.mark.parametrize("language, words, subject_words", [
    ("en", "Enter it on the page where you asked for it", "sign-in code"),
    ("zh-hans", "请在获取验证码的页面输入", "登录验证码"),
])
def test_the_code_mail_has_both_parts_on_the_shared_templates_in_the_asking_pages_language(
        language, words, subject_words, smtp_sink):  # noqa: F811
    reader = make_user(f"parts{language[:2]}")
    Client().post(in_language(reverse("account_request_login_code"), language), {"email": reader.email})
    [mail] = smtp_sink.to(reader.email)
    text, html = parts(mail)
    code = code_in(mail)
    assert subject_words in mail["Subject"] and code in mail["Subject"]
    assert mail.get_content_type() == "multipart/alternative"
    # The shared frame: the site's name on top and the footer, in the text part and in the HTML part.
    assert text.startswith("Byline") and words in text and f"\n    {code}\n" in text
    assert f'lang="{"zh-Hans" if language == "zh-hans" else "en"}"' in html and words in html
    assert "<style" not in html and re.search(rf'<p class="code" style="[^"]*font-size: 30px[^"]*">{code}</p>', html)
    assert 'class="footer" style=' in html
    # The link: in the page's language, in both parts.
    assert f"/{language}/accounts/login/code/link/?t=" in text
    assert html.count(LINK.search(text).group(1).replace("&", "&amp;")) == 1


@pytest.mark.parametrize("language, words", [("en", "finish signing up"), ("zh-hans", "注册")])
def test_the_sign_up_code_and_unknown_address_mails_have_both_parts(language, words, smtp_sink):  # noqa: F811
    client = Client()
    client.post(in_language(reverse("accounts:signup"), language), {"email": f"new-{language}@example.org"})
    [mail] = smtp_sink.to(f"new-{language}@example.org")
    text, html = parts(mail)
    assert words in mail["Subject"] and words in text and words in html and code_in(mail) in html
    assert "<style" not in html and "/login/code/link/" not in text  # a sign-up's link, not a log-in's
    assert f"/{language}/accounts/signup/code/link/?t=" in text and html.count("/accounts/signup/code/link/?t=") == 1
    Client().post(in_language(reverse("account_request_login_code"), language), {"email": "nobody@example.org"})
    [mail] = smtp_sink.to("nobody@example.org")
    text, html = parts(mail)
    signup = f"/{language}/accounts/signup/"
    assert signup in text and signup in html and "nobody@example.org" in html and "<style" not in html


def test_the_link_shows_one_button_and_signs_in_back_on_next(paid_article, smtp_sink):  # noqa: F811
    reader = make_user("linker")
    client = Client()
    article = paid_article.get_absolute_url()
    request_code(client, reader.email, article)
    link = link_in(smtp_sink.to(reader.email)[-1])
    assert parse_qs(urlsplit(link).query)["next"] == [article]
    page = client.get(link)
    body = page.content.decode()
    assert page.status_code == 200 and reader.email in body and "_auth_user_id" not in client.session
    assert code_in(smtp_sink.to(reader.email)[-1]) not in body  # the code never reaches the page
    token = parse_qs(urlsplit(link).query)["t"][0]
    response = client.post(reverse("accounts:code_link"), {"t": token, "next": article})
    assert response.status_code == 302 and response["Location"] == article
    assert int(client.session["_auth_user_id"]) == reader.pk


def _use_link(client: Client, link: str):
    query = parse_qs(urlsplit(link).query)
    return client.post(reverse("accounts:code_link"), {"t": query["t"][0], "next": query.get("next", [""])[0]})


def test_the_link_works_once(smtp_sink):  # noqa: F811
    reader = make_user("once")
    client = Client()
    request_code(client, reader.email, "/en/")
    mail = smtp_sink.to(reader.email)[-1]
    link = link_in(mail)
    assert _use_link(client, link).status_code == 302 and "_auth_user_id" in client.session
    client.post(reverse("accounts:logout"))
    assert client.get(link).status_code == 400 and _use_link(client, link).status_code == 400
    assert "_auth_user_id" not in client.session
    # Nor can the code it stood for be typed now.
    response = client.post(reverse("account_confirm_login_code"), {"code": code_in(mail)})
    assert response.status_code == 302 and "_auth_user_id" not in client.session


def test_the_link_expires_with_the_code(smtp_sink, monkeypatch, settings):  # noqa: F811
    reader = make_user("expiring")
    client = Client()
    request_code(client, reader.email)
    link = link_in(smtp_sink.to(reader.email)[-1])
    from allauth.account.internal.flows import code_verification

    def clock(minutes: int):
        monkeypatch.setattr(code_verification, "time", types.SimpleNamespace(time=lambda: time.time() + minutes * 60))

    clock(14)
    assert client.get(link).status_code == 200
    clock(16)
    response = client.get(link)
    assert response.status_code == 400 and reverse("account_request_login_code") in response.content.decode()
    assert _use_link(client, link).status_code == 400 and "_auth_user_id" not in client.session


def test_an_altered_link_does_nothing(smtp_sink):  # noqa: F811
    reader = make_user("tampered")
    client = Client()
    request_code(client, reader.email, "/en/articles/")
    link = link_in(smtp_sink.to(reader.email)[-1])
    query = parse_qs(urlsplit(link).query)
    token, next_url = query["t"][0], query["next"][0]
    flipped = token[:-1] + ("0" if token[-1] != "0" else "1")
    for t, n in [(flipped, next_url), (token, "/en/elsewhere/"), ("", next_url), (token * 3, next_url),
                 ("\x00" + token, next_url)]:
        response = client.post(reverse("accounts:code_link"), {"t": t, "next": n})
        assert response.status_code == 400 and "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:code_link"), {"t": "%00\r\n", "next": "//evil.example"}).status_code == 400
    assert _use_link(client, link).status_code == 302 and "_auth_user_id" in client.session  # the real one works


def test_the_link_is_useless_in_another_browser_and_leaves_the_code_working(smtp_sink):  # noqa: F811
    reader = make_user("elsewhere")
    asking, other = Client(), Client()
    request_code(other, "someone-else@example.org")  # another browser with a pending log-in of its own
    request_code(asking, reader.email)
    mail = smtp_sink.to(reader.email)[-1]
    link = link_in(mail)
    page = other.get(link)
    assert page.status_code == 400 and "only in the browser where the code was asked for" in page.content.decode()
    assert _use_link(other, link).status_code == 400 and "_auth_user_id" not in other.session
    # The refusal elsewhere costs the asking browser nothing: its code still signs it in.
    response = asking.post(reverse("account_confirm_login_code"), {"code": code_in(mail)})
    assert response.status_code == 302 and int(asking.session["_auth_user_id"]) == reader.pk


def test_a_new_code_retires_the_older_mails_link(smtp_sink):  # noqa: F811
    reader = make_user("resender")
    client = Client()
    request_code(client, reader.email)
    first = link_in(smtp_sink.to(reader.email)[-1])
    client.post(reverse("account_confirm_login_code"), {"action": "resend"})
    second = link_in(smtp_sink.to(reader.email)[-1])
    assert first != second and client.get(first).status_code == 400 and client.get(second).status_code == 200


def test_the_invalid_link_page_is_in_chinese_too():
    with translation.override("zh-hans"):
        path = reverse("accounts:code_link")
    response = Client().get(path, {"t": "x"})
    assert response.status_code == 400 and "登录链接" in response.content.decode()
    assert code_link.NONCE_KEY not in Client().session


SIGNUP_LINK = re.compile(r"^(http\S+/accounts/signup/code/link/\?\S+)$", re.M)


def _sign_up(client: Client, email: str, next_url: str, smtp_sink) -> str:  # noqa: F811
    client.post(reverse("accounts:signup"), {"email": email, "next": next_url})
    url = urlsplit(SIGNUP_LINK.search(parts(smtp_sink.to(email)[-1])[0]).group(1))
    return f"{url.path}?{url.query}"


def test_the_sign_up_link_makes_the_account_with_one_button_once_back_on_next(paid_article, smtp_sink):  # noqa: F811
    from django.contrib.auth import get_user_model

    client = Client()
    article = paid_article.get_absolute_url()
    link = _sign_up(client, "fresh@example.org", article, smtp_sink)
    page = client.get(link)
    body = page.content.decode()
    assert page.status_code == 200 and "fresh@example.org" in body and "Create my account" in body
    assert code_in(smtp_sink.to("fresh@example.org")[-1]) not in body and "_auth_user_id" not in client.session
    query = parse_qs(urlsplit(link).query)
    response = client.post(reverse("accounts:signup_code_link"), {"t": query["t"][0], "next": article})
    assert response.status_code == 302 and response["Location"] == article
    user = get_user_model().objects.get(email="fresh@example.org")
    assert int(client.session["_auth_user_id"]) == user.pk and user.emailaddress_set.get().verified
    client.post(reverse("accounts:logout"))
    assert client.get(link).status_code == 400  # once


def test_the_sign_up_link_is_bound_to_its_browser_its_next_and_its_purpose(smtp_sink):  # noqa: F811
    asking, other = Client(), Client()
    link = _sign_up(asking, "bound@example.org", "/en/", smtp_sink)
    query = parse_qs(urlsplit(link).query)
    page = other.get(link)
    assert page.status_code == 400 and "only in the browser where you signed up" in page.content.decode()
    for t, n in [(query["t"][0], "/en/elsewhere/"), (query["t"][0][:-1] + "x", "/en/")]:
        assert asking.post(reverse("accounts:signup_code_link"), {"t": t, "next": n}).status_code == 400
    # The same browser's sign-in link page knows nothing of a sign-up's token.
    assert asking.post(reverse("accounts:code_link"), {"t": query["t"][0], "next": "/en/"}).status_code == 400
    assert "_auth_user_id" not in asking.session
    response = asking.post(reverse("accounts:signup_code_link"), {"t": query["t"][0], "next": "/en/"})
    assert response.status_code == 302 and "_auth_user_id" in asking.session  # the real one still works
