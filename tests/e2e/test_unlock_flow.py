"""A reader with a funded wallet unlocks a paid article through the confirmation, reads it, and undoes it."""

import pytest

from tests.conftest import LOCKED_SENTINEL, make_article, make_author, make_user
from tests.ledger.conftest import balance, fund

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_reader_unlocks_through_the_confirmation_reads_and_undoes(live_server, page, screenshot_dir):
    article = make_article(author=make_author("essayist"), title="The lighthouse ledger", slug="lighthouse-ledger")
    reader = make_user("walletreader")
    fund(reader, 1000)
    page.goto(live_server.url + "/en/accounts/login/?next=" + article.get_absolute_url())
    page.fill("input[name=username]", "walletreader")
    page.fill("input[name=password]", "a-long-test-password")
    page.locator("main form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url("**" + article.get_absolute_url())
    assert page.get_by_test_id("paywall-balance").inner_text() == "Your balance: $10.00"
    page.screenshot(path=str(screenshot_dir / "unlock-1-paywall.png"), full_page=True)

    page.get_by_role("link", name="Unlock for $3.00 from my balance").click()
    assert page.locator("h1").inner_text() == "Confirm your purchase"
    assert page.get_by_test_id("price").inner_text() == "$3.00"
    assert page.get_by_test_id("after").inner_text() == "$7.00"
    page.screenshot(path=str(screenshot_dir / "unlock-2-confirm.png"), full_page=True)

    page.get_by_role("button", name="Confirm: pay $3.00 from my balance").click()
    assert LOCKED_SENTINEL in page.locator("#full-text").inner_text()
    assert balance(reader) == 700
    page.screenshot(path=str(screenshot_dir / "unlock-3-full-text.png"), full_page=True)

    page.get_by_role("button", name="Undo this purchase").click()
    assert page.locator(".paywall").is_visible()
    assert LOCKED_SENTINEL not in page.content()
    assert balance(reader) == 1000
    page.screenshot(path=str(screenshot_dir / "unlock-4-undone.png"), full_page=True)
