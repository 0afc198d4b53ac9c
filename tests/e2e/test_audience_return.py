"""Coming back to where one was, in Chromium: a visitor on an article follows its author, signs up on the way by
the link in the sign-up code e-mail (read from a real SMTP server, shown as a mail program shows it), and lands
back on the article following; then follows a topic from its page, sees the publication's follow box on the home
page, gets a paid gift's e-mail in their language, and hears of a new article in the topic under the bell.
Chinese on a 390 px phone, English at 1280 px; every page axe-clean and without sideways overflow. Screenshots go
to test-artifacts/screenshots/audience-return-*."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from byline.gifts.models import PaidGift
from tests.audience.conftest import smtp_sink  # noqa: F401 (the fixture)
from tests.conftest import make_article, make_author, make_topic, make_user
from tests.e2e.checks import DESKTOP, PHONE, problems_on
from tests.ledger.conftest import fund

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIGNUP_LINK = re.compile(r"^(http\S+/accounts/signup/code/link/\?\S+)$", re.M)
WALKS = [
    ("zh-hans", PHONE, {"follow": "关注", "following": "已关注", "send": "发送验证码",
                        "create": "创建我的账户", "gift": "送给您一份礼物", "bell": "通知（2 条未读）"}),
    ("en", DESKTOP, {"follow": "Follow", "following": "Following", "send": "E-mail me a code",
                     "create": "Create my account", "gift": "sent you a gift", "bell": "Notifications (2 unread)"}),
]


def test_sign_up_by_link_on_the_way_to_following_then_topic_gift_and_bell(live_server, browser, smtp_sink,  # noqa: F811
                                                                          settings, screenshot_dir):
    settings.SITE_URL = live_server.url
    problems: list[str] = []
    for language, viewport, words in WALKS:
        tag = f"{language}-{viewport['width']}"

        def shot(page, name: str, tag: str = tag) -> None:
            page.screenshot(path=str(screenshot_dir / f"audience-return-{name}-{tag}.png"), full_page=True)

        topic = make_topic(f"harbours-{language}")
        author = make_author(f"return-writer-{language}")
        article = make_article(author=author, topic=topic, title=f"Tide tables ({language})")
        article_path = f"/{language}/articles/{article.slug}/"
        address = f"newcomer-{language}@example.org"

        context = browser.new_context(viewport=viewport, locale=language)
        page = context.new_page()
        page.goto(live_server.url + article_path)
        page.locator(".follow-box a").click()
        page.wait_for_load_state()
        page.locator(".page a[href*='/accounts/signup/']").click()  # the subscription page's, which keeps next
        page.wait_for_load_state()
        page.locator("#id_email").fill(address)
        page.get_by_role("button", name=words["send"]).click()
        page.wait_for_load_state()

        message = smtp_sink.to(address)[-1]
        mail = context.new_page()
        mail.set_content(message.get_body(("html",)).get_content())
        problems += problems_on(mail, f"{tag} sign-up code e-mail")
        shot(mail, "signup-mail")
        mail.close()
        link = urlsplit(SIGNUP_LINK.search(message.get_body(("plain",)).get_content().replace("\r\n", "\n")).group(1))
        page.goto(live_server.url + f"{link.path}?{link.query}")
        problems += problems_on(page, f"{tag} sign-up link page")
        shot(page, "signup-link")
        page.get_by_role("button", name=words["create"]).click()
        page.wait_for_load_state()
        # Signed up and back on the subscription page the follow link opened; its follow leads to the article.
        page.get_by_role("button", name=re.compile(words["follow"])).first.click()
        page.wait_for_load_state()
        assert urlsplit(page.url).path == article_path, (tag, page.url)
        assert page.get_by_role("button", name=re.compile(words["following"])).count() == 1, tag

        page.goto(live_server.url + topic.get_absolute_url().replace("/en/", f"/{language}/"))
        page.locator(".follow-box button").click()
        page.wait_for_load_state()
        assert page.get_by_role("button", name=re.compile(words["following"])).count() == 1, tag
        problems += problems_on(page, f"{tag} topic page, following")
        shot(page, "topic")
        page.goto(live_server.url + f"/{language}/")
        assert page.locator(".follow-box button").count() == 1, tag
        problems += problems_on(page, f"{tag} home page with the publication's follow box")
        shot(page, "home")

        # A friend's paid gift reaches the new address, in the language it chose by following from this page.
        from byline.gifts import services as gifts

        buyer = make_user(f"giver-{language}")
        fund(buyer, 1000)
        gifts.buy_gift(buyer=buyer, order=gifts.article_order(article=article, recipient_email=address,
                                                              message="For the crossing"),
                       idempotency_key=uuid.uuid4().hex)
        [gift_mail] = [m for m in smtp_sink.to(address) if words["gift"] in str(m["Subject"])]
        gift_token = PaidGift.objects.get(buyer=buyer).token
        mail = context.new_page()
        mail.set_content(gift_mail.get_body(("html",)).get_content())
        problems += problems_on(mail, f"{tag} gift e-mail")
        shot(mail, "gift-mail")
        mail.close()

        make_article(author=make_author(f"other-writer-{language}"), topic=topic,
                     title=f"Harbour news ({language})", published_at=timezone.now())
        page.goto(live_server.url + f"/{language}/")
        page.get_by_role("link", name=words["bell"]).click()
        page.wait_for_load_state()
        # Two unread: the new article from the followed topic, and the paid gift bought for the verified address.
        assert f"Harbour news ({language})" in page.content(), tag
        assert page.locator(f"a[href*='{gift_token}']").count() == 1, tag
        problems += problems_on(page, f"{tag} notifications")
        shot(page, "bell")
        context.close()
    assert problems == []
