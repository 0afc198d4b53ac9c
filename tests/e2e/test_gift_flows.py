"""A gift link as people meet it in Chromium: a buyer makes one, copies it and sees its QR code; a friend in
another browser opens it with the button; the buyer withdraws it after a confirmation. Both languages, at
desktop and phone widths; every page is checked for sideways overflow and axe violations."""

from __future__ import annotations

import subprocess
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from byline.purchases.services import unlock_with_wallet
from byline.sharing.models import GiftLink, GiftStatus
from tests.conftest import LOCKED_SENTINEL, make_article, make_author, make_user
from tests.e2e.checks import DESKTOP, PHONE, problems_on
from tests.ledger.conftest import fund

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {"create": "Create a gift link", "copy": "Copy gift link", "copied": "Gift link copied",
           "open": "Open the gift", "withdraw": "Withdraw this link…", "confirm": "Withdraw the link",
           "withdrawn": "The gift link is withdrawn: nobody new can open it.",
           "gone": "The person who sent this gift link has withdrawn it."},
    "zh-hans": {"create": "创建赠阅链接", "copy": "复制赠阅链接", "copied": "赠阅链接已复制",
                "open": "打开礼物", "withdraw": "撤回这个链接…", "confirm": "撤回链接",
                "withdrawn": "赠阅链接已撤回：其他人无法再打开。", "gone": "赠送者已撤回这个赠阅链接。"},
}


def new_context(browser, viewport, **options):
    # bypass_csp: checks.py injects axe-core as an inline script, which the site's CSP (rightly) refuses.
    return browser.new_context(viewport=viewport, bypass_csp=True, **options)


def signed_in(browser, live_server, user, viewport):
    client = Client()
    client.force_login(user)
    context = new_context(browser, viewport, permissions=["clipboard-read", "clipboard-write"])
    context.add_cookies([{"name": name, "value": morsel.value, "url": live_server.url}
                         for name, morsel in client.cookies.items()])
    return context


def decoded_qr(page, path) -> str:
    page.locator(".gift-share svg.share-qr-code").screenshot(path=str(path))
    return subprocess.run(["/usr/bin/zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True,
                          timeout=30).stdout.strip()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_buyer_gives_a_friend_opens_and_the_buyer_withdraws(live_server, browser, screenshot_dir, language,
                                                             viewport):
    words, width = WORDS[language], viewport["width"]
    shot = lambda page, step: page.screenshot(  # noqa: E731
        path=str(screenshot_dir / f"gift-{language}-{width}-{step}.png"), full_page=True)
    article = make_article(author=make_author("cartographer"), title="The map that moved a border",
                           slug="map-moved-border")
    buyer = make_user("giftbuyer")
    fund(buyer, 1000)
    unlock_with_wallet(reader=buyer, article=article, idempotency_key=uuid.uuid4().hex)
    with translation.override(language):
        article_url = live_server.url + article.get_absolute_url()
        gifts_url = live_server.url + reverse("sharing:gifts")
    problems: list[str] = []

    giver = signed_in(browser, live_server, buyer, viewport)
    friend = new_context(browser, viewport)
    try:
        page = giver.new_page()
        page.goto(article_url)
        page.get_by_role("button", name=words["create"]).click()
        gift = GiftLink.objects.get(giver=buyer)
        field = page.locator("#gift-url")
        assert field.input_value().endswith(f"/gift/{gift.token}/")
        problems += problems_on(page, "the new gift link")
        page.get_by_role("button", name=words["copy"]).click()
        expect(page.locator("[data-share-status]")).to_have_text(words["copied"])
        assert page.evaluate("navigator.clipboard.readText()") == field.input_value()
        assert decoded_qr(page, screenshot_dir / f"gift-{language}-{width}-qr.png") == field.input_value()
        shot(page, "1-new-link")
        gift_url = field.input_value()

        look = friend.new_page()
        look.goto(gift_url)
        assert LOCKED_SENTINEL not in look.content()
        problems += problems_on(look, "the gift, before opening")
        shot(look, "2-friend-offered")
        look.get_by_role("button", name=words["open"]).click()
        assert LOCKED_SENTINEL in look.locator("#full-text").inner_text()
        problems += problems_on(look, "the gift, opened")
        shot(look, "3-friend-reads")
        look.go_back()  # Back and the button again: still one use
        if look.get_by_role("button", name=words["open"]).count():
            look.get_by_role("button", name=words["open"]).click()
        assert GiftLink.objects.get(pk=gift.pk).redemption_count == 1

        page.goto(gifts_url)
        problems += problems_on(page, "the gift links")
        page.get_by_role("link", name=words["withdraw"]).click()
        problems += problems_on(page, "the withdraw confirmation")
        shot(page, "4-confirm-withdraw")
        page.get_by_role("button", name=words["confirm"]).click()
        expect(page.locator(".messages")).to_have_text(words["withdrawn"])
        assert GiftLink.objects.get(pk=gift.pk).status() == GiftStatus.REVOKED
        problems += problems_on(page, "the gift links after withdrawing")
        shot(page, "5-withdrawn")

        look.goto(gift_url)
        expect(look.locator(".gift-notice")).to_contain_text(words["gone"])
        assert LOCKED_SENTINEL not in look.content()
    finally:
        giver.close()
        friend.close()
    assert problems == []
