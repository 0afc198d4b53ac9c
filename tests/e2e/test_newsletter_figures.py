"""The author's newsletter page in Chromium, as a person uses it: a reader follows a counted link from the
newsletter to the confirmation page and buys, an address complains through the e-mail service, the author
sees clicks, unlocks and the suppressed address, then sends a free draft by e-mail only (the box ticked, a
real form submit, then Back and the same submit again: nothing is sent twice). The suppressed reader
confirms again from their preference link. Chinese at 390 px, English at 1280 px; axe-clean, no overflow."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from byline.audience import services, tokens
from byline.audience.models import Delivery, Subscriber
from tests.audience.conftest import smtp_sink  # noqa: F401 (the fixture)
from tests.audience.helpers import buy, confirmed_subscriber
from tests.conftest import make_article, make_author, make_user
from tests.e2e.checks import DESKTOP, PHONE, problems_on
from tests.e2e.reading_support import signed_in_cookies

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COUNTED = re.compile(r'https?://[^\s"<>]+?(/[a-z-]+/audience/c/[^/\s"<>]+/[^/\s"<>]+/)')
WALKS = [
    ("zh-hans", PHONE, {"clicked": "点击过链接的读者", "spam": "将我们的邮件举报为垃圾邮件",
                        "tick": "仅通过邮件发给我的全部读者", "send": "仅通过邮件发送", "going": "正在通过邮件发给",
                        "already": "这篇文章已经发送过了", "reconfirm": "给我发送确认邮件"}),
    ("en", DESKTOP, {"clicked": "Readers who clicked", "spam": "reported our mail as spam",
                     "tick": "Send it to my whole list by e-mail only", "send": "Send by e-mail only",
                     "going": "is going out by e-mail to 1 reader.", "already": "This article was already sent",
                     "reconfirm": "Send me the confirmation"}),
]


def test_clicks_unlocks_bounces_and_an_email_only_post(live_server, browser, smtp_sink,  # noqa: F811
                                                       settings, screenshot_dir):
    settings.SITE_URL = live_server.url
    problems: list[str] = []
    for language, viewport, words in WALKS:
        tag = f"{language}-{viewport['width']}"
        author = make_author(f"figures-{language}")
        reader = make_user(f"clicker-{language}")
        confirmed_subscriber(reader.email, author=author, user=reader, language=language)
        spam = confirmed_subscriber(f"spam-{language}@example.org", author=author, language=language)
        article = make_article(author=author, title=f"Counted lights ({language})", published_at=timezone.now())
        [message] = [m for m in smtp_sink.to(reader.email) if article.title in str(m["Subject"])]
        html = message.get_body(("html",)).get_content()

        context = browser.new_context(viewport=viewport, locale=language)
        context.add_cookies(signed_in_cookies(reader, live_server))
        page = context.new_page()
        unlock = [path for path in COUNTED.findall(html)
                  if page.request.head(live_server.url + path, max_redirects=0).headers["location"].endswith(
                      f"/unlock/{article.slug}/")][0]
        page.goto(live_server.url + unlock)  # the button in the e-mail: counted, then the confirmation page
        assert f"/unlock/{article.slug}/" in page.url, tag
        page.goto(live_server.url + unlock)  # a second click counts nothing more
        buy(reader, article)
        services.record_mail_event(event_type="complained", recipient=spam.email,
                                   delivery_id=Delivery.objects.get(subscriber=spam).pk)
        context.close()

        writer = browser.new_context(viewport=viewport, locale=language)
        writer.add_cookies(signed_in_cookies(author.user, live_server))
        desk = writer.new_page()
        desk.goto(live_server.url + f"/{language}/audience/subscribers/")
        content = desk.content()
        assert words["clicked"] in content and words["spam"] in content, tag
        row = desk.locator("tr", has_text=article.title)
        assert row.locator("td").nth(9).inner_text().startswith("1"), tag  # one reader clicked
        assert row.locator("td").nth(10).inner_text() == "1", tag  # one unlock after a click
        problems += problems_on(desk, f"{tag} newsletter figures")
        desk.screenshot(path=str(screenshot_dir / f"newsletter-figures-{tag}.png"), full_page=True)

        draft = make_article(author=author, title=f"Only by mail ({language})", status="draft", published_at=None,
                             visibility="free", price_minor=0, body_markdown="Only for the list.\n")
        desk.reload()
        item = desk.locator("li", has_text=draft.title)
        item.get_by_label(words["tick"]).check()
        with desk.expect_navigation():
            item.get_by_role("button", name=words["send"]).click()
        desk.locator(".messages p", has_text=words["going"]).wait_for()  # the redirect's page, with its message
        problems += problems_on(desk, f"{tag} e-mail-only sent")
        desk.screenshot(path=str(screenshot_dir / f"newsletter-email-only-{tag}.png"), full_page=True)
        sent_before = len(smtp_sink.to(reader.email))
        desk.go_back()
        desk.reload()  # the form is gone now: the post was sent. Submit it again by hand, as a stale tab would.
        answer = desk.request.post(live_server.url + f"/{language}/audience/newsletter/{draft.slug}/email-only/",
                                   form={"confirm": "yes"}, max_redirects=0)
        assert answer.status in (302, 403), tag
        assert len(smtp_sink.to(reader.email)) == sent_before, tag
        writer.close()

        mailbox = browser.new_context(viewport=viewport, locale=language)
        box = mailbox.new_page()
        box.goto(live_server.url + f"/{language}/audience/preferences/{tokens.make(spam.pk, tokens.PREFERENCES_SALT)}/")
        problems += problems_on(box, f"{tag} suppressed preferences")
        box.screenshot(path=str(screenshot_dir / f"newsletter-suppressed-{tag}.png"), full_page=True)
        with box.expect_navigation():
            box.get_by_role("button", name=words["reconfirm"]).click()
        assert smtp_sink.to(spam.email)[-1] is not None
        mailbox.close()
        assert Subscriber.objects.get(pk=spam.pk).suppressed_at is not None  # until the link is answered
    assert not problems, "\n".join(problems)
