"""A reader who owns two parts of a collection buys the whole of it: the paywall's offer, the collection page,
the confirmation (a double click), Back, and the third part open; in both languages, at desktop and phone
widths, in the standard and the caring version; axe-clean and without sideways overflow at every step."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from axe_playwright_python.base import AXE_SCRIPT

from byline.collections.models import CollectionPurchase
from byline.purchases import services as purchases
from tests.collections.conftest import make_collection
from tests.conftest import LOCKED_SENTINEL, make_author, make_user
from tests.e2e.checks import DESKTOP, PHONE, problems_on
from tests.e2e.reading_support import COOKIE, MODES, signed_in_cookies
from tests.ledger.conftest import balance, fund, new_key

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("BYLINE_SHOTS", "test-artifacts/screenshots"))

WALKS = [("en", DESKTOP, "standard"), ("zh-hans", PHONE, "standard"), ("en", PHONE, "caring"),
         ("zh-hans", DESKTOP, "caring")]


@pytest.mark.parametrize(("language", "viewport", "mode"), WALKS,
                         ids=[f"{lang}-{vp['width']}-{mode}" for lang, vp, mode in WALKS])
def test_a_reader_who_owns_two_parts_buys_the_whole_collection(live_server, browser, language, viewport, mode):
    currency = "CNY" if language == "zh-hans" else "USD"
    collection, parts = make_collection(make_author("serialist"), title="The canal letters", slug="canal-letters")
    reader = make_user("collector")
    fund(reader, 10_000, currency)
    for part in parts[:2]:
        purchases.unlock_with_wallet(reader=reader, article=part, idempotency_key=new_key(), currency=currency)
    start = balance(reader, currency)
    context = browser.new_context(viewport=viewport, locale="en-GB")
    context.add_init_script(AXE_SCRIPT)
    cookies = signed_in_cookies(reader, live_server)
    if MODES[mode]:
        cookies.append({"name": COOKIE, "value": MODES[mode], "url": live_server.url})
    context.add_cookies(cookies)
    page = context.new_page()
    name = f"collection-{language}-{viewport['width']}-{mode}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    found: list[str] = []

    def look(step: str) -> None:
        page.screenshot(path=str(SHOTS / f"{name}-{step}.png"), full_page=True)
        found.extend(problems_on(page, f"{name} {step}", enhanced_contrast=mode == "caring"))

    try:
        page.goto(f"{live_server.url}/{language}/articles/{parts[2].slug}/")
        offer = page.get_by_test_id("collection-offer").inner_text()
        assert ("2 parts already yours" in offer) if language == "en" else ("已有 2 篇归您所有" in offer)
        assert page.get_by_test_id("collection-nav").is_visible()
        assert LOCKED_SENTINEL not in page.content()
        look("1-paywall")

        page.get_by_test_id("collection-offer").get_by_role("link").click()
        page.wait_for_url(f"**/{language}/collections/{collection.slug}/")
        look("2-collection")

        page.locator(f"a[href='/{language}/collections/{collection.slug}/buy/']").click()
        page.wait_for_url("**/buy/")
        to_pay = page.get_by_test_id("price").inner_text()
        look("3-confirm")

        page.locator(".money-actions form button[type=submit]").dblclick()
        page.wait_for_url(f"**/{language}/collections/{collection.slug}/")
        assert page.locator("form[action*='/undo/']").is_visible()
        look("4-bought")

        page.go_back()
        page.wait_for_load_state()
        assert CollectionPurchase.objects.filter(reader=reader).count() == 1
        paid = CollectionPurchase.objects.get(reader=reader).paid_minor
        assert paid > 0 and balance(reader, currency) == start - paid
        assert to_pay.replace(",", "")  # shown as money
        page.goto(f"{live_server.url}/{language}/articles/{parts[2].slug}/")
        assert LOCKED_SENTINEL in page.locator("#full-text").inner_text()
        look("5-part-three-open")
    finally:
        context.close()
    assert not found, "\n".join(found)
