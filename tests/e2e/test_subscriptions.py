"""Author subscriptions in Chromium: a writer sets prices and a trial offer in the studio; a reader takes the
trial through its link; another reader buys single articles until the fair-price cap, sees how close they
are on the paywall and the confirmation, gets the rest of the month free and turns it into a subscription;
then cancels and is shown the retention offer. In Chinese on a 390 px phone, in English at 1280 px, and in
the caring version; every page axe-clean and fitting its width."""

import pytest
from django.utils import translation

from byline.reader.prefs import COOKIE_NAME, ReadingPrefs
from byline.subscriptions.models import AuthorSubscription, Offer
from tests.conftest import make_article, make_author, make_user
from tests.e2e.checks import DESKTOP, PHONE, problems_on
from tests.ledger.conftest import balance, fund

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(browser, live_server, lang, viewport, username, next_url, caring):
    context = browser.new_context(viewport=viewport, locale="zh-CN" if lang == "zh-hans" else "en-GB")
    if caring:
        context.add_cookies([{"name": COOKIE_NAME, "value": ReadingPrefs(mode="caring").serialise(),
                              "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/{lang}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "a-long-test-password")
    page.locator("main form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return context, page


def walk(browser, live_server, screenshot_dir, lang, viewport, tag, *, caring=False):
    currency = "CNY" if lang == "zh-hans" else "USD"
    price, cap = (1500, 2500) if currency == "CNY" else (300, 500)
    author = make_author(f"writer{tag}")
    articles = [make_article(author=author, title=f"Harbour notes {tag} {n}", slug=f"harbour-{tag}-{n}", lang="en",
                             price_minor=300, prices={"CNY": 1500}) for n in range(3)]
    with translation.override(lang):
        urls = [article.get_absolute_url() for article in articles]
    problems: list[str] = []
    where = f"{tag}{' caring' if caring else ''}"
    shot = lambda page, name: page.screenshot(path=str(screenshot_dir / f"subs-{tag}-{name}.png"), full_page=True)  # noqa: E731
    check = lambda page, name: problems.extend(problems_on(page, f"{where} {name}", enhanced_contrast=caring))  # noqa: E731

    # The writer: prices and a trial offer, in the studio's settings page.
    context, page = log_in(browser, live_server, lang, viewport, author.user.username, f"/{lang}/write/", caring)
    page.locator("main a[href$='/subscriptions/settings/']").click()
    page.fill(f"input[name=month_{currency.lower()}]", str(cap // 100))
    page.fill(f"input[name=year_{currency.lower()}]", str(cap * 10 // 100))
    page.locator("form:has(input[value=prices]) button[type=submit]").click()
    page.wait_for_load_state()
    shot(page, "0-prices-saved")
    page.wait_for_selector(".messages")
    page.locator("input[name=kind][value=trial]").check()
    page.fill("input[name=trial_days]", "7")
    page.fill("input[name=code]", f"TRY{tag.upper()}")
    page.locator("form:has(input[value=offer]) button[type=submit]").click()
    page.wait_for_selector(".offer-item")
    check(page, "writer's settings")
    shot(page, "1-settings")
    context.close()
    offer = Offer.objects.get(author=author)

    # A reader takes the trial through the offer's link.
    trialist = make_user(f"trial{tag}")
    context, page = log_in(browser, live_server, lang, viewport, trialist.username,
                           f"/{lang}/subscriptions/offer/{offer.token}/", caring)
    assert page.get_by_test_id("due").inner_text().endswith("0.00")
    check(page, "trial confirmation")
    shot(page, "2-trial-confirm")
    page.locator(".money-actions form button[type=submit]").dblclick()
    page.wait_for_url("**/subscriptions/mine/")
    check(page, "subscriptions list")
    shot(page, "3-mine")
    page.goto(live_server.url + urls[0])
    assert page.locator("#full-text").is_visible()
    context.close()
    assert AuthorSubscription.objects.filter(reader=trialist).count() == 1 and offer.redemptions.count() == 1

    # Another reader buys single articles until the cap.
    buyer = make_user(f"buyer{tag}")
    fund(buyer, 10_000, currency)
    context, page = log_in(browser, live_server, lang, viewport, buyer.username, urls[0], caring)
    assert page.get_by_test_id("subscription-note").is_visible()
    check(page, "paywall with the subscription note")
    shot(page, "4-paywall")
    page.goto(f"{live_server.url}/{lang}/unlock/{articles[0].slug}/")
    page.locator(".money-actions form button[type=submit]").click()
    page.wait_for_url("**" + urls[0] + "*")
    page.goto(live_server.url + urls[1])
    assert page.get_by_test_id("cap-progress").is_visible()
    shot(page, "5-paywall-progress")
    page.goto(f"{live_server.url}/{lang}/unlock/{articles[1].slug}/")
    assert page.get_by_test_id("cap-note").is_visible() and page.get_by_test_id("charge").is_visible()
    check(page, "unlock confirmation at the cap")
    shot(page, "6-confirm-cap")
    page.locator(".money-actions form button[type=submit]").click()
    page.wait_for_url("**" + urls[1] + "*")
    assert balance(buyer, currency) == 10_000 - cap
    page.goto(live_server.url + urls[2])
    assert page.locator("#full-text").is_visible()
    check(page, "article opened by the cap")
    shot(page, "7-capped")
    page.locator(".subscription-note a.button").click()
    assert page.get_by_test_id("credit").is_visible()
    check(page, "subscription with the month credited")
    shot(page, "8-credited")
    page.locator(".money-actions form button[type=submit]").click()
    page.wait_for_url("**/subscriptions/mine/")
    assert balance(buyer, currency) == 10_000 - cap
    context.close()
    return problems


def test_subscribe_with_a_trial_and_reach_the_cap_in_both_languages(live_server, browser, screenshot_dir):
    problems = walk(browser, live_server, screenshot_dir, "zh-hans", PHONE, "zh")
    problems += walk(browser, live_server, screenshot_dir, "en", DESKTOP, "en")
    assert problems == []


def test_subscribe_with_a_trial_and_reach_the_cap_in_the_caring_version(live_server, browser, screenshot_dir):
    assert walk(browser, live_server, screenshot_dir, "en", PHONE, "care", caring=True) == []
