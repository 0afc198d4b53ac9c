"""A writer sets up a payout method, is paid, and reads a statement, in English at 1280px and in Chinese at phone
width (390x844); staff look at their queues. Every page is checked for axe violations and sideways overflow."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from byline.ledger.models import Transfer
from byline.payouts import services
from byline.payouts.models import Payout, PayoutStatus
from tests.conftest import make_user
from tests.e2e.checks import DESKTOP, PHONE, problems_on
from tests.ledger.conftest import new_key
from tests.payouts.conftest import sell

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser):
    """A page with axe loaded before each document (an init script, which the site's CSP allows)."""
    from axe_playwright_python.base import AXE_SCRIPT

    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    context.add_init_script(AXE_SCRIPT)
    yield context.new_page()
    context.close()


def log_in(page, base, username):
    page.goto(base + "/en/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "a-long-test-password")
    page.locator("main form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_load_state()


def test_a_writer_sets_up_payouts_is_paid_and_reads_the_statement(live_server, page, screenshot_dir):
    from tests.conftest import make_author

    writer = make_author("payee")
    old = sell(writer, price=10000)
    Transfer.objects.filter(pk=old.transfer_id).update(created_at=timezone.now() - dt.timedelta(days=8))
    sell(writer, price=500)  # still pending
    base, found = live_server.url, []

    def look(name, where):
        found.extend(problems_on(page, where))
        page.screenshot(path=str(screenshot_dir / f"payouts-{name}.png"), full_page=True)

    log_in(page, base, "payee")
    page.goto(base + "/en/earnings/")
    page.get_by_role("link", name="Payouts: available balance, payout method, statements").click()
    assert page.get_by_test_id("available-USD").inner_text() == "$90.00"
    assert page.get_by_test_id("pending-USD").inner_text().startswith("$4.50")
    look("1-home-en-1280", "payouts page (en, 1280)")

    page.get_by_role("link", name="Set up payouts").click()
    look("2-method-en-1280", "method form (en, 1280)")
    page.get_by_label("Sandbox account (test payouts, no real money)").check()
    page.get_by_role("button", name="Save and continue").click()
    look("3-onboarding-en-1280", "sandbox onboarding (en, 1280)")
    page.get_by_role("button", name="Finish the set-up").click()
    expect(page.locator(".messages")).to_contain_text("Your payout account is ready.")

    page.get_by_test_id("request-USD").click()
    assert page.get_by_test_id("confirm-available").inner_text() == "$90.00"
    look("4-confirm-en-1280", "confirmation (en, 1280)")

    page.set_viewport_size(PHONE)
    page.goto(base + "/zh-hans/payouts/")
    look("5-home-zh-390", "payouts page (zh-hans, 390)")
    page.goto(base + "/zh-hans/payouts/request/USD/")
    page.fill("input[name=amount]", "60.00")
    look("6-confirm-zh-390", "confirmation (zh-hans, 390)")
    page.get_by_role("button", name="确认：把这笔钱付给我").click()
    expect(page.locator(".messages")).to_contain_text("已付款：$60.00")
    assert Payout.objects.get().status == PayoutStatus.PAID
    look("7-paid-zh-390", "after the payout (zh-hans, 390)")
    now = timezone.localtime()
    page.goto(base + f"/zh-hans/payouts/statements/USD/{now.year}-{now.month}/")
    assert page.get_by_test_id("closing").inner_text() == "$34.50"
    look("8-statement-zh-390", "statement (zh-hans, 390)")
    pdf = page.request.get(base + f"/zh-hans/payouts/statements/USD/{now.year}-{now.month}.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF-")

    page.set_viewport_size(DESKTOP)
    page.goto(base + f"/en/payouts/statements/USD/{now.year}-{now.month}/")
    look("9-statement-en-1280", "statement (en, 1280)")
    page.goto(base + "/en/payouts/method/USD/")
    look("10-method-en-1280-again", "method form with a method (en, 1280)")
    page.goto(base + "/zh-hans/payouts/method/USD/")
    page.set_viewport_size(PHONE)
    look("11-method-zh-390", "method form (zh-hans, 390)")
    assert found == []


def test_staff_see_bank_transfers_to_send_and_record_them(live_server, page, screenshot_dir):
    from tests.conftest import make_author

    writer = make_author("banked")
    old = sell(writer, price=20000, currency="CNY")
    Transfer.objects.filter(pk=old.transfer_id).update(created_at=timezone.now() - dt.timedelta(days=8))
    services.set_up_method(writer=writer.user, provider="bank", currency="CNY", holder_name="苏婉清",
                           bank_details="中国银行 6217 0000 0000 0000")
    payout = services.pay_out(writer=writer.user, currency="CNY", idempotency_key=new_key())
    assert payout.status == PayoutStatus.IN_FLIGHT
    make_user("cashier", is_staff=True, is_superuser=True)
    base, found = live_server.url, []
    log_in(page, base, "cashier")
    for width, language in ((DESKTOP, "en"), (PHONE, "zh-hans")):
        page.set_viewport_size(width)
        page.goto(base + f"/{language}/payouts/staff/")
        found += problems_on(page, f"operator ({language}, {width['width']})")
        page.screenshot(path=str(screenshot_dir / f"payouts-operator-{language}-{width['width']}.png"), full_page=True)
    page.fill(f"#paid-{payout.reference}", "BOC-20261203-001")
    page.get_by_role("button", name="记为已转账").click()
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PAID and payout.provider_ref == "BOC-20261203-001"
    assert found == []
