"""Signing in as a person would, in Chromium: from the paywall of a paid article by an e-mailed code (read from a
real SMTP server, aiosmtpd) and back to the article; a new reader signs up by code from the paywall; WeChat's
QR log-in through the offline fake. Chinese on a 390 px phone, English at 1280 px; every page axe-clean and
without sideways overflow. Screenshots go to test-artifacts/screenshots/signin-*."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from tests.audience.conftest import smtp_sink  # noqa: F401 (the fixture)
from tests.conftest import make_article, make_author, make_user
from tests.e2e.checks import DESKTOP, PHONE, problems_on

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CODE = re.compile(r"^\s{4}(\S+)\s*$", re.M)
WALKS = [
    ("zh-hans", PHONE, {"read": "登录后阅读", "send": "发送验证码", "code": "邮件中的验证码", "go": "登录",
                        "signup": "创建账户", "email": "电子邮箱", "wechat": "微信登录", "scan": "在手机上确认",
                        "bad": "验证码不正确", "paid": "剩余部分需付费"}),
    ("en", DESKTOP, {"read": "Log in to read", "send": "E-mail me a code", "code": "Code from the e-mail",
                     "go": "Log in", "signup": "Create an account", "email": "E-mail", "wechat": "Log in with WeChat",
                     "scan": "Confirm on the phone", "bad": "That code is not right", "paid": "The rest is paid"}),
]


def _code(sink, address: str) -> str:
    return CODE.search(sink.to(address)[-1].get_body(("plain",)).get_content()).group(1)


def test_sign_in_and_sign_up_by_code_from_the_paywall(live_server, browser, smtp_sink,  # noqa: F811
                                                      screenshot_dir):
    problems: list[str] = []
    for language, viewport, words in WALKS:
        tag = f"{language}-{viewport['width']}"
        article = make_article(author=make_author(f"writer-{language}"), title=f"Harbour lights ({language})")
        article_url = live_server.url + article.get_absolute_url().replace("/en/", f"/{language}/")
        reader = make_user(f"returning-{language}")

        context = browser.new_context(viewport=viewport, locale=language)
        page = context.new_page()
        page.goto(article_url)
        page.get_by_role("link", name=words["read"]).click()
        page.wait_for_load_state()
        problems += problems_on(page, f"{tag} log-in page")
        page.screenshot(path=str(screenshot_dir / f"signin-login-{tag}.png"), full_page=True)
        page.locator("#id_code_email").fill(reader.email.upper())  # any case finds the account
        page.get_by_role("button", name=words["send"]).click()
        page.wait_for_load_state()
        code_box = page.get_by_label(words["code"])
        code_box.fill("WRONG-CODE")
        page.get_by_role("button", name=words["go"], exact=True).click()
        page.wait_for_load_state()
        assert words["bad"] in page.content(), tag
        problems += problems_on(page, f"{tag} code page with an error")
        page.screenshot(path=str(screenshot_dir / f"signin-code-error-{tag}.png"), full_page=True)
        page.get_by_label(words["code"]).fill(_code(smtp_sink, reader.email))
        page.get_by_role("button", name=words["go"], exact=True).dblclick()  # a double click signs in once
        page.wait_for_url(article_url)
        assert article.title in page.content(), tag
        page.screenshot(path=str(screenshot_dir / f"signin-back-on-article-{tag}.png"), full_page=True)
        # Back to the code page (Chrome asks before sending a POST again; a GET is what it shows): no error.
        response = page.goto(f"{live_server.url}/{language}/accounts/login/code/confirm/")
        assert response.ok, tag
        context.close()

        # A new reader: from the paywall to sign-up, a code, and back to the article.
        context = browser.new_context(viewport=viewport, locale=language)
        page = context.new_page()
        page.goto(article_url)
        page.get_by_role("link", name=words["read"]).click()
        page.get_by_role("link", name=words["signup"]).click()
        page.wait_for_load_state()
        problems += problems_on(page, f"{tag} sign-up page")
        page.screenshot(path=str(screenshot_dir / f"signin-signup-{tag}.png"), full_page=True)
        address = f"new-{language}@example.org"
        page.get_by_label(words["email"]).fill(address)
        page.get_by_role("button", name=words["send"]).click()
        page.wait_for_load_state()
        problems += problems_on(page, f"{tag} sign-up code page")
        page.screenshot(path=str(screenshot_dir / f"signin-signup-code-{tag}.png"), full_page=True)
        page.get_by_label(words["code"]).fill(_code(smtp_sink, address))
        page.get_by_role("button", name=words["go"], exact=True).click()
        page.wait_for_url(article_url)
        assert get_user_model().objects.filter(email=address).exists()
        context.close()
    assert problems == []


def test_wechat_qr_sign_in_with_the_offline_fake(live_server, browser, screenshot_dir):
    problems: list[str] = []
    for language, viewport, words in WALKS:
        tag = f"{language}-{viewport['width']}"
        article = make_article(author=make_author(f"wx-writer-{language}"), title=f"Tea roads ({language})")
        article_url = live_server.url + article.get_absolute_url().replace("/en/", f"/{language}/")
        context = browser.new_context(viewport=viewport, locale=language)
        page = context.new_page()
        page.goto(article_url)
        page.get_by_role("link", name=words["read"]).click()
        page.get_by_role("button", name=words["wechat"]).click()
        page.wait_for_load_state()
        problems += problems_on(page, f"{tag} WeChat QR page")
        page.screenshot(path=str(screenshot_dir / f"signin-wechat-qr-{tag}.png"), full_page=True)
        page.locator("#id_name").fill(f"茶路读者 {language}")  # who the fake phone says scanned
        page.get_by_role("button", name=words["scan"]).click()
        page.wait_for_url(article_url)
        assert get_user_model().objects.get(socialaccount__provider="weixin",
                                            first_name__startswith="茶路读者", last_name=language)
        context.close()
    assert problems == []
