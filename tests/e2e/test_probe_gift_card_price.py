"""A gift paid by card while the writer raises the price (the outside probe, in Chromium): the payment
arrives, the gift is not paid at the old price, the page says the money is in the wallet and leads back to
the gift's confirmation (not to buying the article), which states the new price. English at 1280 px,
Chinese on a 390 px phone; axe-clean."""

import pytest
from django.urls import reverse
from django.utils import translation

from byline.articles.models import Article
from byline.gifts import services
from byline.gifts.models import GiftState
from byline.ledger.invariants import assert_balanced
from byline.payments.providers import sandbox
from tests.conftest import make_article, make_author, make_user
from tests.e2e.checks import DESKTOP, PHONE, problems_on
from tests.e2e.reading_support import signed_in_cookies
from tests.ledger.conftest import balance, new_key

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("lang", "viewport", "tag"), [("en", DESKTOP, "en"), ("zh-hans", PHONE, "zh")])
def test_a_card_paid_gift_whose_price_rose_meanwhile_goes_back_to_its_confirmation(browser, live_server,
                                                                                 screenshot_dir, lang, viewport,
                                                                                 tag):
    article = make_article(author=make_author(f"riser{tag}"), title=f"Harbour lights {tag}", slug=f"harbour-{tag}")
    buyer = make_user(f"cardgiver{tag}")
    gift = services.open_gift(buyer=buyer, order=services.article_order(article=article), idempotency_key=new_key())
    context = browser.new_context(viewport=viewport, locale="zh-CN" if tag == "zh" else "en-GB")
    context.add_cookies(signed_in_cookies(buyer, live_server))
    page = context.new_page()
    problems: list[str] = []

    def check(name):
        problems.extend(problems_on(page, f"{tag} {name}"))
        page.screenshot(path=str(screenshot_dir / f"probe-gift-card-{tag}-{name}.png"), full_page=True)

    with translation.override(lang):
        confirm = reverse("purchases:gift_confirm", args=[gift.pk])
    page.goto(live_server.url + confirm)
    check("1-confirm")
    page.locator(f"form[action$='/{gift.pk}/card/'] button[type=submit]").first.click()
    page.wait_for_url("**/payments/sandbox/**")
    Article.objects.filter(pk=article.pk).update(price_minor=gift.price_minor * 2)  # while the reader pays
    page.fill("input[name=card_number]", sandbox.SUCCESS)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_selector("[data-testid=result]")
    check("2-returned")
    gift.refresh_from_db()
    assert gift.state == GiftState.AWAITING and balance(buyer) > 0
    page.locator("main a.button-primary").first.click()
    page.wait_for_selector("[data-testid=price-changed]")
    assert page.url.endswith(confirm)
    check("3-confirm-again")
    context.close()
    assert_balanced()
    assert problems == []
