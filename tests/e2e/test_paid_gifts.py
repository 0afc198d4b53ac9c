"""Paid gifts and refunds on request in Chromium: a reader gives an article (claim link), a month of
membership (by e-mail) and two months of a writer's subscription (claim link, from the writer's subscribe
page), and another reader claims all three and reads a paid article of that writer; a buyer refunds a
purchase themselves from its receipt. English at 1280 px, Chinese on a 390 px phone, and the caring version
(关怀版); every page axe-clean, fitting its width, and in the caring version large text and big targets."""

import pytest
from django.urls import reverse
from django.utils import translation

from byline.access.decision import Reason, decide
from byline.articles.services import set_article_refund_hours
from byline.gifts.models import GiftKind, GiftState, PaidGift
from byline.ledger.invariants import assert_balanced
from byline.purchases.models import MembershipPlan, PurchaseStatus
from byline.purchases.services import unlock_with_wallet
from byline.subscriptions.services import set_price
from tests.conftest import LOCKED_SENTINEL, make_article, make_author, make_user
from tests.e2e.checks import DESKTOP, PHONE, problems_on
from tests.e2e.reading_support import COOKIE, MODES, signed_in_cookies
from tests.e2e.test_reading_modes import CARING_STYLE_CHECK
from tests.ledger.conftest import balance, fund

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def browse_as(browser, live_server, user, lang, viewport, caring):
    context = browser.new_context(viewport=viewport, locale="zh-CN" if lang == "zh-hans" else "en-GB")
    cookies = signed_in_cookies(user, live_server)
    if caring:
        cookies.append({"name": COOKIE, "value": MODES["caring"], "url": live_server.url})
    context.add_cookies(cookies)
    return context, context.new_page()


def at(lang, name, *args):
    with translation.override(lang):
        return reverse(name, args=args)


def walk(browser, live_server, screenshot_dir, lang, viewport, tag, *, caring=False):
    author = make_author(f"writer{tag}")
    article = make_article(author=author, title=f"Lighthouse letters {tag}", slug=f"lighthouse-{tag}")
    giver, friend = make_user(f"giver{tag}"), make_user(f"friend{tag}")
    fund(giver, 5_000)
    problems: list[str] = []

    def check(page, name):
        problems.extend(problems_on(page, f"{tag} {name}", enhanced_contrast=caring))
        if caring:
            style = page.evaluate(CARING_STYLE_CHECK)
            if style["fontSize"] < 24 or style["small"]:
                problems.append(f"{tag} {name}: caring version text {style['fontSize']}px, small {style['small']}")
        page.screenshot(path=str(screenshot_dir / f"gifts-{tag}-{name}.png"), full_page=True)

    context, page = browse_as(browser, live_server, giver, lang, viewport, caring)
    with translation.override(lang):
        page.goto(live_server.url + article.get_absolute_url())
    page.get_by_test_id("give-article").click()
    page.locator("input[name=how][value=link]").check()
    page.fill("textarea[name=message]", "For the long train ride\nto the coast")
    check(page, "1-give-article")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("[data-testid=pay-gift]")
    check(page, "2-confirm-article")
    page.get_by_test_id("pay-gift").dblclick()  # a double click pays once
    page.wait_for_selector("[data-testid=claim-link]")
    check(page, "3-gift-page")
    claim_link = page.get_by_test_id("claim-link").input_value()
    assert balance(giver) == 4_700 and PaidGift.objects.filter(buyer=giver, state=GiftState.PAID).count() == 1

    page.goto(live_server.url + at(lang, "purchases:membership"))
    page.get_by_test_id("give-membership").click()
    page.select_option("select[name=months]", "1")
    page.fill("input[name=recipient_email]", friend.email)
    check(page, "4-give-membership")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("[data-testid=pay-gift]")
    page.get_by_test_id("pay-gift").click()
    page.wait_for_selector("[data-testid=gift-state]")
    context.close()
    month = PaidGift.objects.get(buyer=giver, kind=GiftKind.MEMBERSHIP)

    context, page = browse_as(browser, live_server, friend, lang, viewport, caring)
    page.goto(claim_link)
    check(page, "5-claim-article")
    page.get_by_test_id("claim").click()
    page.wait_for_selector("#full-text")
    assert LOCKED_SENTINEL in page.content()
    check(page, "6-claimed-article")
    page.goto(live_server.url + at(lang, "gifts:claim", month.token))
    page.get_by_test_id("claim").click()
    page.wait_for_url("**/membership/")
    check(page, "7-claimed-membership")
    context.close()
    assert decide(friend, article).allowed and PaidGift.objects.filter(recipient=friend).count() == 2

    # Two months of the writer's subscription, given from their subscribe page; a reader with nothing else
    # (no membership, no purchase) claims them and reads a paid article of theirs that no gift named.
    set_price(author=author, interval="month", currency="USD", price_minor=500)
    essay = make_article(author=author, title=f"Harbour essays {tag}", slug=f"essays-{tag}")
    context, page = browse_as(browser, live_server, giver, lang, viewport, caring)
    page.goto(live_server.url + at(lang, "subscriptions:subscribe", author.slug))
    page.get_by_test_id("give-writer").click()
    page.select_option("select[name=months]", "2")
    page.locator("input[name=how][value=link]").check()
    check(page, "10-give-writer")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("[data-testid=pay-gift]")
    check(page, "11-confirm-writer")
    page.get_by_test_id("pay-gift").click()
    page.wait_for_selector("[data-testid=claim-link]")
    writer_link = page.get_by_test_id("claim-link").input_value()
    context.close()
    fan = make_user(f"fan{tag}")
    context, page = browse_as(browser, live_server, fan, lang, viewport, caring)
    page.goto(writer_link)
    check(page, "12-claim-writer")
    page.get_by_test_id("claim").click()
    page.wait_for_url("**" + at(lang, "articles:author", author.slug))
    check(page, "13-claimed-writer")
    page.goto(live_server.url + at(lang, "articles:detail", essay.slug))
    assert LOCKED_SENTINEL in page.content()
    check(page, "14-writer-article")
    context.close()
    assert decide(fan, essay).reason == Reason.AUTHOR_SUBSCRIPTION and balance(giver) == 5_000 - 300 - 800 - 1_000

    # Refund on request: the author allows 24 hours; the friend buys another article and refunds it later.
    other = make_article(author=author, title=f"Tide tables {tag}", slug=f"tides-{tag}")
    set_article_refund_hours(article=other, hours=24)
    fund(friend, 1_000)
    purchase = unlock_with_wallet(reader=friend, article=other, idempotency_key=f"e2e-refund-{tag}")
    context, page = browse_as(browser, live_server, friend, lang, viewport, caring)
    page.goto(live_server.url + at(lang, "purchases:receipt", purchase.transfer_id))
    page.get_by_test_id("ask-refund").click()
    page.wait_for_selector("[data-testid=refund-now]")
    check(page, "8-refund-now")
    page.get_by_test_id("refund-now").click()
    page.wait_for_url("**" + other.slug + "**")
    check(page, "9-refunded")
    page.go_back()  # Back shows the page again; it offers nothing twice
    context.close()
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.RETURNED and balance(friend) == 1_000
    assert_balanced()
    return problems


@pytest.fixture
def plan(db):
    return MembershipPlan.objects.create(name="Monthly", name_zh="月度会员", interval="month", price_minor=800,
                                         currency="USD", prices={"CNY": 3000})


def test_give_and_claim_an_article_and_a_month_then_refund_a_purchase(live_server, browser, screenshot_dir, plan):
    problems = walk(browser, live_server, screenshot_dir, "en", DESKTOP, "en")
    problems += walk(browser, live_server, screenshot_dir, "zh-hans", PHONE, "zh")
    assert problems == []


def test_the_same_walk_in_the_caring_version(live_server, browser, screenshot_dir, plan):
    problems = walk(browser, live_server, screenshot_dir, "zh-hans", DESKTOP, "care", caring=True)
    problems += walk(browser, live_server, screenshot_dir, "en", PHONE, "carephone", caring=True)
    assert problems == []
