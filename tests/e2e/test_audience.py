"""Readers who come back, in Chromium: a signed-in reader follows an author from the article page, a visitor
subscribes by e-mail and confirms, the author publishes, the newsletter arrives through a real SMTP server
(aiosmtpd), and the unsubscribe link works in one click. In Chinese on a 390 px phone, in English at 1280 px;
every page axe-clean and without sideways overflow."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from byline.audience.models import Subscriber
from tests.audience.conftest import smtp_sink  # noqa: F401 (the fixture)
from tests.conftest import LOCKED_SENTINEL, PREVIEW_SENTENCE, make_article, make_author, make_user
from tests.e2e.checks import DESKTOP, PHONE, problems_on
from tests.e2e.reading_support import signed_in_cookies

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CONFIRM = re.compile(r"https?://\S+?(/[a-z-]+/audience/confirm/\S+?/)")
UNSUBSCRIBE = re.compile(r"<(https?://[^>]+)>")
WALKS = [
    ("zh-hans", PHONE, {"follow": "关注", "following": "已关注", "subscribe": "免费订阅",
                        "confirm": "是的，请给我发送新文章", "confirmed": "订阅已确认", "bell": "通知（1 条未读）",
                        "paid": "剩余部分需付费", "unsub": "退订"}),
    ("en", DESKTOP, {"follow": "Follow", "following": "Following", "subscribe": "Subscribe for free",
                     "confirm": "Yes, send me new articles", "confirmed": "Subscription confirmed",
                     "bell": "Notifications (1 unread)", "paid": "The rest is paid", "unsub": "Unsubscribe"}),
]


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_follow_subscribe_confirm_publish_receive_and_unsubscribe(live_server, browser, smtp_sink,  # noqa: F811
                                                                   settings, screenshot_dir, tmp_path):
    settings.SITE_URL = live_server.url  # links in the e-mails lead to this test's server
    problems: list[str] = []
    for language, viewport, words in WALKS:
        tag = f"{language}-{viewport['width']}"
        author = make_author(f"writer-{language}")
        article = make_article(author=author, title=f"Harbour lights ({language})")
        reader = make_user(f"follower-{language}")

        follower = browser.new_context(viewport=viewport, locale=language)
        follower.add_cookies(signed_in_cookies(reader, live_server))
        page = follower.new_page()
        page.goto(live_server.url + f"/{language}/articles/{article.slug}/")
        page.get_by_role("button", name=re.compile(words["follow"])).first.click()
        page.wait_for_load_state()
        assert page.get_by_role("button", name=re.compile(words["following"])).count() == 1, tag
        problems += problems_on(page, f"{tag} article page, following")
        page.screenshot(path=str(screenshot_dir / f"audience-follow-{tag}.png"), full_page=True)
        # The follower's account address gets its confirmation too; confirming it lets e-mail flow.
        [first_confirmation] = smtp_sink.to(reader.email)
        page.goto(live_server.url + CONFIRM.search(first_confirmation.get_body(("plain",)).get_content()).group(1))
        page.get_by_role("button", name=words["confirm"]).click()
        page.wait_for_load_state()

        visitor = browser.new_context(viewport=viewport, locale=language)
        anonymous = visitor.new_page()
        anonymous.goto(live_server.url + f"/{language}/authors/{author.slug}/")
        anonymous.locator(".follow-box a").click()
        anonymous.wait_for_load_state()
        problems += problems_on(anonymous, f"{tag} subscribe page")
        address = f"visitor-{language}@example.org"
        anonymous.get_by_label(re.compile("e-mail|电子邮件")).fill(address)
        anonymous.get_by_role("button", name=words["subscribe"]).click()
        anonymous.wait_for_load_state()
        problems += problems_on(anonymous, f"{tag} check your inbox")
        [confirmation] = smtp_sink.to(address)
        anonymous.goto(live_server.url + CONFIRM.search(confirmation.get_body(("plain",)).get_content()).group(1))
        problems += problems_on(anonymous, f"{tag} confirm page")
        anonymous.get_by_role("button", name=words["confirm"]).click()
        anonymous.wait_for_load_state()
        assert words["confirmed"] in anonymous.content(), tag
        problems += problems_on(anonymous, f"{tag} confirmed page")
        anonymous.screenshot(path=str(screenshot_dir / f"audience-confirmed-{tag}.png"), full_page=True)

        # The author publishes (the article's save commits, its newsletter goes out: Celery runs eagerly here).
        news = make_article(author=author, title=f"New harbour lights ({language})", published_at=timezone.now())
        received = {}
        for who in (reader.email, address):
            [newsletter] = [m for m in smtp_sink.to(who) if news.title in str(m["Subject"])]
            received[who] = newsletter
            text = newsletter.get_body(("plain",)).get_content()
            html = newsletter.get_body(("html",)).get_content()
            assert PREVIEW_SENTENCE in text and LOCKED_SENTINEL not in text + html, (tag, who)
            assert words["paid"] in text and words["unsub"] in text, (tag, who)
            assert newsletter["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        mailbox = browser.new_context(viewport=viewport)
        shown = mailbox.new_page()
        shown.set_content(html)
        shown.screenshot(path=str(screenshot_dir / f"audience-newsletter-{tag}.png"), full_page=True)
        mailbox.close()

        page.goto(live_server.url + f"/{language}/")
        assert page.get_by_role("link", name=words["bell"]).count() == 1, tag
        page.get_by_role("link", name=words["bell"]).click()
        page.wait_for_load_state()
        assert news.title in page.content(), tag
        problems += problems_on(page, f"{tag} notifications")
        page.screenshot(path=str(screenshot_dir / f"audience-notifications-{tag}.png"), full_page=True)
        page.goto(live_server.url + f"/{language}/audience/preferences/")
        problems += problems_on(page, f"{tag} preferences")
        page.screenshot(path=str(screenshot_dir / f"audience-preferences-{tag}.png"), full_page=True)

        writer = browser.new_context(viewport=viewport, locale=language)
        writer.add_cookies(signed_in_cookies(author.user, live_server))
        desk = writer.new_page()
        desk.goto(live_server.url + f"/{language}/audience/subscribers/")
        assert address in desk.content(), tag
        problems += problems_on(desk, f"{tag} the author's subscribers")
        desk.screenshot(path=str(screenshot_dir / f"audience-subscribers-{tag}.png"), full_page=True)
        writer.close()

        # One click, as a mail reader does it (RFC 8058): a POST to the header's link, no cookie, no token.
        link = UNSUBSCRIBE.search(received[address]["List-Unsubscribe"]).group(1)
        answer = anonymous.request.post(link, form={"List-Unsubscribe": "One-Click"})
        assert answer.status == 200, tag
        assert Subscriber.objects.get(email=address).stopped_at is not None
        anonymous.goto(live_server.url + _path(link))
        problems += problems_on(anonymous, f"{tag} unsubscribe page")
        follower.close()
        visitor.close()

    # The demo's mail folder as staff read it (the backend's own test is in tests/audience): the last newsletter.
    settings.MAIL_DIR = str(tmp_path)
    (tmp_path / "20261203T120000000000-0123abcd.eml").write_bytes(received[address].as_bytes())
    staff = browser.new_context(viewport=PHONE)
    staff.add_cookies(signed_in_cookies(make_user("mail-staff", is_staff=True), live_server))
    desk = staff.new_page()
    desk.goto(live_server.url + "/en/mail/")
    problems += problems_on(desk, "staff mail list")
    desk.get_by_role("link", name=re.compile("New harbour lights")).click()
    desk.wait_for_load_state()
    problems += problems_on(desk, "staff mail message")
    desk.screenshot(path=str(screenshot_dir / "audience-staff-mail-390.png"), full_page=True)
    staff.close()
    assert problems == [], "\n".join(problems)
