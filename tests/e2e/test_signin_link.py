"""Signing in by the link in the code e-mail, and setting a password, as a person would in Chromium: from the
paywall, the e-mail (read from a real SMTP server and shown as the reader's mail program would), its one-button
page, back on the article; the same link in another browser explains itself; then the library's "set a password".
Chinese on a 390 px phone, English at 1280 px; every page axe-clean and without sideways overflow. Screenshots go
to test-artifacts/screenshots/signin-link-*."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.audience.conftest import smtp_sink  # noqa: F401 (the fixture)
from tests.conftest import make_article, make_author, make_user
from tests.e2e.checks import DESKTOP, PHONE, problems_on

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"^(http\S+/accounts/login/code/link/\?\S+)$", re.M)
WALKS = [
    ("zh-hans", PHONE, {"read": "登录后阅读", "send": "发送验证码", "go": "登录", "one": "一键登录",
                        "elsewhere": "这个登录链接在这里无法使用", "set": "设置密码", "done": "密码已设置"}),
    ("en", DESKTOP, {"read": "Log in to read", "send": "E-mail me a code", "go": "Log in",
                     "one": "Log in with one button", "elsewhere": "This sign-in link does not work here",
                     "set": "Set a password", "done": "Your password is set"}),
]


def test_sign_in_by_the_mailed_link_then_set_a_password(live_server, browser, smtp_sink,  # noqa: F811
                                                        screenshot_dir):
    problems: list[str] = []
    for language, viewport, words in WALKS:
        tag = f"{language}-{viewport['width']}"
        article = make_article(author=make_author(f"link-writer-{language}"), title=f"Night ferry ({language})")
        article_url = live_server.url + article.get_absolute_url().replace("/en/", f"/{language}/")
        reader = make_user(f"linkreader-{language}")
        reader.set_unusable_password()  # signed up by code: no password yet
        reader.save()

        context = browser.new_context(viewport=viewport, locale=language)
        page = context.new_page()
        page.goto(article_url)
        page.get_by_role("link", name=words["read"]).click()
        page.locator("#id_code_email").fill(reader.email)
        page.get_by_role("button", name=words["send"]).click()
        page.wait_for_load_state()

        # The e-mail as a mail program shows its HTML part.
        message = smtp_sink.to(reader.email)[-1]
        mail_page = context.new_page()
        mail_page.set_content(message.get_body(("html",)).get_content())
        problems += problems_on(mail_page, f"{tag} code e-mail")
        mail_page.screenshot(path=str(screenshot_dir / f"signin-link-mail-{tag}.png"), full_page=True)
        text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        link = urlsplit(LINK.search(text).group(1))
        link_path = f"{link.path}?{link.query}"
        mail_page.close()

        # The same link in another browser: nothing happens, the page says why and offers a new code.
        stranger = browser.new_context(viewport=viewport, locale=language)
        other = stranger.new_page()
        other.goto(live_server.url + link_path)
        assert words["elsewhere"] in other.content(), tag
        problems += problems_on(other, f"{tag} link in another browser")
        other.screenshot(path=str(screenshot_dir / f"signin-link-elsewhere-{tag}.png"), full_page=True)
        stranger.close()

        # In the browser that asked: one button, then the article.
        page.goto(live_server.url + link_path)
        problems += problems_on(page, f"{tag} one-button page")
        page.screenshot(path=str(screenshot_dir / f"signin-link-confirm-{tag}.png"), full_page=True)
        page.get_by_role("button", name=words["go"], exact=True).click()
        page.wait_for_url(article_url)
        assert article.title in page.content(), tag
        # Set a password from the library.
        page.goto(f"{live_server.url}/{language}/accounts/library/")
        page.get_by_role("link", name=words["set"]).click()
        page.wait_for_load_state()
        problems += problems_on(page, f"{tag} set-password page")
        page.screenshot(path=str(screenshot_dir / f"signin-link-set-password-{tag}.png"), full_page=True)
        page.locator("#id_password1").fill("harbour-lights-2026")
        page.locator("#id_password2").fill("harbour-lights-2026")
        page.get_by_role("button", name=words["set"]).click()
        page.wait_for_url(f"{live_server.url}/{language}/accounts/library/")
        # toolbar.js empties the status region and puts the message back 150 ms later (so it is announced).
        assert words["done"] in page.locator(".messages .message").inner_text(), tag
        problems += problems_on(page, f"{tag} library after setting a password")
        page.screenshot(path=str(screenshot_dir / f"signin-link-password-set-{tag}.png"), full_page=True)
        reader.refresh_from_db()
        assert reader.has_usable_password(), tag
        context.close()
    assert problems == []
