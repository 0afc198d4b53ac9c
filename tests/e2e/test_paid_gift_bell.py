"""A paid gift under the bell, in Chromium: a reader gives a month of membership to a friend's address; the
friend (that address verified) finds it under the bell, follows its link to the claim page, claims it, and the
bell then says it was claimed. English at 1280 px and Chinese on a 390 px phone; every page axe-clean and
fitting its width."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import translation

from byline.gifts.models import GiftState, PaidGift
from byline.purchases.models import MembershipPlan
from tests.conftest import make_user
from tests.e2e.checks import DESKTOP, PHONE, problems_on
from tests.e2e.test_paid_gifts import browse_as
from tests.ledger.conftest import fund

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def walk(browser, live_server, screenshot_dir, lang, viewport, tag) -> list[str]:
    giver, friend = make_user(f"giver{tag}"), make_user(f"friend{tag}")
    EmailAddress.objects.create(user=friend, email=friend.email, verified=True, primary=True)
    fund(giver, 5_000)
    problems: list[str] = []

    def check(page, name):
        problems.extend(problems_on(page, f"{tag} {name}"))
        page.screenshot(path=str(screenshot_dir / f"bell-{tag}-{name}.png"), full_page=True)

    with translation.override(lang):
        membership, home = reverse("purchases:membership"), reverse("articles:home")
    context, page = browse_as(browser, live_server, giver, lang, viewport, False)
    page.goto(live_server.url + membership)
    page.get_by_test_id("give-membership").click()
    page.select_option("select[name=months]", "1")
    page.fill("input[name=recipient_email]", friend.email.upper())
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("[data-testid=pay-gift]")
    page.get_by_test_id("pay-gift").click()
    page.wait_for_selector("[data-testid=gift-state]")
    context.close()
    gift = PaidGift.objects.get(buyer=giver)

    context, page = browse_as(browser, live_server, friend, lang, viewport, False)
    page.goto(live_server.url + home)
    page.get_by_test_id("bell").click()
    page.wait_for_selector("[data-testid=paid-gift-claim]")
    check(page, "1-bell")
    page.get_by_test_id("paid-gift-claim").click()
    page.get_by_test_id("claim").click()
    page.wait_for_url("**/membership/")
    page.get_by_test_id("bell").click()
    page.wait_for_selector("[data-testid=paid-gift-claimed]")
    assert gift.token not in page.content()
    check(page, "2-bell-claimed")
    context.close()
    gift.refresh_from_db()
    assert gift.state == GiftState.CLAIMED and gift.recipient == friend
    return problems


@pytest.fixture
def plan(db):
    return MembershipPlan.objects.create(name="Monthly", name_zh="月度会员", interval="month", price_minor=800,
                                         currency="USD", prices={"CNY": 3000})


def test_a_gift_paid_for_a_readers_address_is_found_and_claimed_from_the_bell(
        live_server, browser, screenshot_dir, plan):
    problems = walk(browser, live_server, screenshot_dir, "en", DESKTOP, "en")
    problems += walk(browser, live_server, screenshot_dir, "zh-hans", PHONE, "zh")
    assert problems == []
