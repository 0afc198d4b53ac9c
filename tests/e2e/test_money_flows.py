"""The money flows walked in Chromium as a reader meets them, in English and Chinese, on a phone and a desktop.

One walk per language, with real forms, Back and double clicks: top-up with a preset and with "Other
amount", an unlock from the wallet, Back after it (no "Confirm Form Resubmission"), undo, an undo after the
window (the purchase stands; a refund request), a card checkout with an empty, a declined and a good card,
a membership joined from the balance through its confirmation, the member's library, and the wallet and
receipt in words. Each page is checked (tests/e2e/checks.py) at the walk's own width and at the other one.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from byline.ledger.invariants import assert_balanced
from byline.payments.providers import sandbox
from byline.purchases.models import MembershipPlan, Purchase
from tests.conftest import LOCKED_SENTINEL, make_article, make_author, make_topic, make_user
from tests.e2e.checks import DESKTOP, PHONE, problems_on
from tests.e2e.reading_support import signed_in_cookies
from tests.ledger.conftest import balance

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WALKS = {  # language: (the walk's viewport, the other one each page is also checked at, its currency)
    "en": (DESKTOP, PHONE, "USD"),
    "zh-hans": (PHONE, DESKTOP, "CNY"),
}


class Walk:
    """A reader's browser in one language, checking and photographing each page it reaches."""

    def __init__(self, page, live_server, language: str, screenshot_dir):
        self.page, self.live_server, self.language = page, live_server, language
        self.viewport, self.other, self.currency = WALKS[language]
        self.screenshots = screenshot_dir
        self.problems: list[str] = []
        self.step = 0

    def t(self, text: str, **values) -> str:
        with translation.override(self.language):
            return gettext(text) % values if values else gettext(text)

    def url(self, name: str, *args) -> str:
        with translation.override(self.language):
            return reverse(name, args=args)

    def article_url(self, article) -> str:
        with translation.override(self.language):
            return article.get_absolute_url()

    def go(self, path: str) -> None:
        self.page.goto(self.live_server.url + path)

    def check(self, where: str) -> None:
        """problems_on at both widths, and a screenshot of each."""
        self.page.wait_for_load_state()
        self.step += 1
        for viewport in (self.viewport, self.other):
            self.page.set_viewport_size(viewport)
            name = f"money-{self.language}-{self.step:02d}-{where}-{viewport['width']}"
            self.problems += problems_on(self.page, f"{self.language}/{viewport['width']}/{where}")
            self.page.screenshot(path=str(self.screenshots / f"{name}.png"), full_page=True)
        self.page.set_viewport_size(self.viewport)

    def text(self, test_id: str) -> str:
        return self.page.get_by_test_id(test_id).inner_text().strip()

    def says(self, text: str) -> None:
        """The status message says `text` (toolbar.js puts messages back a moment after load, to announce them)."""
        expect(self.page.locator(".messages")).to_contain_text(text)

    def submit(self, locator, *, double: bool = False) -> None:
        """Click (or double-click) and wait for the page the form or link leads to."""
        with self.page.expect_navigation():
            if double:
                locator.dblclick()
            else:
                locator.click()

    def pay_at_sandbox(self, card: str) -> None:
        self.page.fill("input[name=card_number]", card)
        self.submit(self.page.locator("main form button[type=submit]").first)


def money(amount_minor: int, currency: str) -> str:
    from byline.core.money import money as format_money

    return format_money(amount_minor, currency)


@pytest.mark.parametrize("language", list(WALKS))
def test_a_reader_walks_every_money_flow(language, live_server, browser, screenshot_dir, settings):
    author = make_author(f"money{language[:2]}")
    topic = make_topic("history")
    essay = make_article(author=author, topic=topic, title="The salt road" if language == "en" else "盐道",
                         slug=f"salt-road-{language}", price_minor=300, currency="USD")
    carded = make_article(author=author, topic=topic, title="Paper money" if language == "en" else "纸币的故事",
                          slug=f"paper-money-{language}", price_minor=250, currency="USD", prices={"CNY": 1800})
    MembershipPlan.objects.create(name="Monthly membership", name_zh="月度会员", interval="month", price_minor=800,
                                  currency="USD", prices={"CNY": 3000})
    MembershipPlan.objects.create(name="Yearly membership", name_zh="年度会员", interval="year", price_minor=8000,
                                  currency="USD", prices={"CNY": 30000})
    reader = make_user(f"walker{language[:2]}")
    context = browser.new_context(viewport=WALKS[language][0], locale="zh-CN" if language != "en" else "en-GB")
    context.add_init_script(AXE_SCRIPT)  # the pages' CSP refuses an injected script; an init script is not one
    context.add_cookies(signed_in_cookies(reader, live_server))
    walk = Walk(context.new_page(), live_server, language, screenshot_dir)
    page, cur = walk.page, walk.currency
    try:
        # 1. Top-up with a preset: the presets are in the reader's own currency (from their language).
        walk.go(walk.url("payments:top_up"))
        presets = settings.TOPUP_PRESETS[cur]
        assert page.locator("input[name=preset]").count() == len(presets) + 1
        assert page.locator("select[name=currency]").count() == 0
        walk.check("top-up")
        page.get_by_label(money(presets[0], cur), exact=True).check()
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/payments/sandbox/**")
        walk.check("sandbox-checkout")
        walk.pay_at_sandbox(sandbox.SUCCESS)
        assert walk.text("result") == walk.t("Your wallet is topped up")
        walk.check("return-top-up")

        # 2. Top-up with "Other amount": typing chooses it (JavaScript), and the typed amount is what is paid.
        walk.go(walk.url("payments:top_up"))
        typed = "12.50" if cur == "USD" else "88"
        page.locator("input[name=custom_amount]").fill(typed)
        assert page.locator("input[name=preset][value=custom]").is_checked()
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/payments/sandbox/**")
        other = 1250 if cur == "USD" else 8800
        assert money(other, cur) in page.locator("h1").inner_text()
        walk.pay_at_sandbox(sandbox.SUCCESS)
        funded = presets[0] + other
        assert balance(reader, cur) == funded

        # 3. Unlock from the wallet: the paywall's link, the confirmation (a double click buys once).
        price = 300 if cur == "USD" else 2500  # $3.00 converted: 21.60 yuan, up to 25
        walk.go(walk.article_url(essay))
        assert walk.text("paywall-balance") == walk.t("Your balance: %(balance)s", balance=money(funded, cur))
        walk.check("paywall")
        page.get_by_role("link", name=walk.t("Unlock for %(price)s from my balance", price=money(price, cur))).click()
        assert walk.text("price") == money(price, cur) and walk.text("after") == money(funded - price, cur)
        walk.check("confirm-purchase")
        page.get_by_role("button", name=walk.t("Confirm: pay %(price)s from my balance",
                                                price=money(price, cur))).dblclick()
        page.wait_for_url("**" + walk.article_url(essay) + "#undo-offer")
        assert LOCKED_SENTINEL in page.locator("#full-text").inner_text()
        assert Purchase.objects.filter(reader=reader).count() == 1 and balance(reader, cur) == funded - price
        walk.check("bought")

        # 4. Back after the purchase lands on a page, not on "Confirm Form Resubmission".
        with page.expect_navigation():
            page.go_back()
        assert page.url.startswith(live_server.url + walk.article_url(essay)), page.url
        assert "ERR_CACHE_MISS" not in page.content() and page.locator("h1").count() >= 1
        walk.check("back-after-purchase")

        # 5. Undo within the window.
        walk.go(walk.article_url(essay))
        walk.submit(page.get_by_role("button", name=walk.t("Undo this purchase")))
        walk.says(walk.t("Purchase undone: %(amount)s is back in your balance.", amount=money(price, cur)))
        assert LOCKED_SENTINEL not in page.content() and balance(reader, cur) == funded
        walk.check("undone")

        # 6. Undo after the window: the purchase stands, and the way to ask staff for a refund.
        walk.go(walk.url("purchases:unlock", essay.slug))
        page.get_by_role("button", name=walk.t("Confirm: pay %(price)s from my balance",
                                                price=money(price, cur))).click()
        page.wait_for_url("**#undo-offer")
        Purchase.objects.filter(reader=reader, status="active").update(
            created_at=timezone.now() - dt.timedelta(seconds=settings.UNDO_WINDOW_SECONDS + 60))
        page.get_by_role("button", name=walk.t("Undo this purchase")).click()
        page.wait_for_url("**/refund/")
        walk.says(walk.t("The 10 minutes to undo this purchase have passed, so the purchase stands."))
        assert walk.t("Nothing was charged.") not in page.content()
        walk.check("refund-request")
        page.get_by_label(walk.t("What went wrong?")).fill("I meant to buy another article.")
        page.get_by_role("button", name=walk.t("Send my request to staff")).click()
        page.wait_for_url("**" + walk.url("purchases:wallet"))
        assert balance(reader, cur) == funded - price

        # 7. A card checkout of an article: an empty card, a declined one, then a good one, on the same page.
        card_price = 250 if cur == "USD" else 1800  # the author's own yuan price
        walk.go(walk.article_url(carded))
        page.get_by_role("button", name=walk.t("Pay %(amount)s by card", amount=money(card_price, cur))).click()
        page.wait_for_url("**/payments/sandbox/**")
        checkout_url = page.url
        walk.pay_at_sandbox("")
        assert walk.t("Enter a card number.") in page.locator(".field-error").inner_text()
        walk.check("sandbox-empty-card")
        walk.pay_at_sandbox(sandbox.DECLINED)
        assert page.url == checkout_url
        assert walk.t("The card was declined.") in walk.text("card-refused")
        walk.check("sandbox-declined")
        walk.pay_at_sandbox(sandbox.SUCCESS)
        assert walk.text("result") == walk.t("You bought “%(title)s”", title=carded.title)
        walk.check("return-bought")

        # 8. Membership from the balance, confirmed like an article, and said afterwards.
        walk.go(walk.url("purchases:membership"))
        assert page.get_by_test_id("plan").count() == 2
        saving = 1600 if cur == "USD" else 6000
        assert walk.text("plan-saving") == walk.t("Saves %(amount)s a year compared with paying monthly",
                                                  amount=money(saving, cur))
        walk.check("membership")
        monthly = 800 if cur == "USD" else 3000
        before = balance(reader, cur)
        page.get_by_role("link", name=walk.t("Join: %(plan)s", plan="Monthly membership" if cur == "USD"
                                             else "月度会员")).click()
        assert walk.text("price").startswith(money(monthly, cur))
        assert walk.text("balance") == money(before, cur) and walk.text("after") == money(before - monthly, cur)
        walk.check("confirm-membership")
        page.get_by_role("button", name=walk.t("Confirm: pay %(price)s from my balance",
                                                price=money(monthly, cur))).click()
        page.wait_for_url("**" + walk.url("purchases:membership"))
        walk.says(money(before - monthly, cur))
        assert walk.text("member-status")
        walk.check("member")

        # 9. The member's library carries no price tags.
        walk.go(walk.url("accounts:library"))
        assert page.locator(".badge-paid").count() == 0 and page.locator(".badge-unlocked").count() >= 1
        walk.check("library")

        # 10. The wallet and a receipt speak the reader's language.
        walk.go(walk.url("purchases:wallet"))
        history = page.locator("table.statement").inner_text()
        for words in (walk.t("Top-up by card"), walk.t("Unlocked: %(title)s", title=essay.title),
                      walk.t("Undo: %(title)s", title=essay.title)):
            assert words in history, words
        assert not re.search(r"article \d+|sbx_|purchase:r", page.content())
        walk.check("wallet")
        page.get_by_role("link", name=walk.t("Unlocked: %(title)s", title=essay.title)).first.click()
        assert walk.text("receipt-amount") == money(price, cur)
        assert walk.t("Paid from your balance") in page.locator(".money-facts").inner_text()
        walk.check("receipt")
    finally:
        context.close()
    assert walk.problems == [], "\n".join(walk.problems)
    assert_balanced()


def test_an_author_sees_earnings_in_words_and_the_pages_fit_a_phone(live_server, browser, screenshot_dir):
    from byline.purchases.services import unlock_with_wallet
    from tests.ledger.conftest import fund, new_key

    author = make_author("earner")
    article = make_article(author=author, title="Tides and the moon", slug="tides-moon")
    reader = make_user()
    fund(reader, 1000)
    unlock_with_wallet(reader=reader, article=article, idempotency_key=new_key())
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    context.add_init_script(AXE_SCRIPT)
    context.add_cookies(signed_in_cookies(author.user, live_server))
    page = context.new_page()
    try:
        problems = []
        for language in ("en", "zh-hans"):
            with translation.override(language):
                page.goto(live_server.url + reverse("purchases:earnings"))
                assert gettext("Sale: %(title)s") % {"title": article.title} in page.locator("main").inner_text()
            problems += problems_on(page, f"{language}/earnings")
            page.screenshot(path=str(screenshot_dir / f"money-{language}-earnings-390.png"), full_page=True)
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
