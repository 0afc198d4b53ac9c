"""The money pages as a reader meets them: wallet history and receipts in words, the undo window's end with a
way to ask for a refund, the membership confirmation, and post/redirect/get wherever money moves."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from byline.core.unbroken import unbroken_day
from byline.ledger.invariants import assert_balanced
from byline.payments.providers import sandbox
from byline.purchases import memberships, services
from byline.purchases.models import MembershipPlan, Purchase, PurchaseStatus, RefundRequest, RefundRequestStatus
from tests.conftest import make_article, make_user
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db


def url(name: str, *args, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name, args=args)


@pytest.fixture
def plan():
    return MembershipPlan.objects.create(name="Monthly membership", name_zh="月度会员", interval="month",
                                         price_minor=800, currency="USD", prices={"CNY": 3000})


@pytest.fixture
def history(client, reader, paid_article, author, plan):
    """A top-up by card, a purchase, an undo, a second purchase and a membership, through the pages."""
    client.force_login(reader)
    top_up = client.post(url("payments:top_up"), {"preset": "2000", "idempotency_key": new_key()})
    client.post(top_up["Location"], {"card_number": sandbox.SUCCESS})
    first = services.unlock_with_wallet(reader=reader, article=paid_article, idempotency_key=new_key())
    services.undo_purchase(reader=reader, purchase_id=first.pk)
    second = services.unlock_with_wallet(reader=reader, article=paid_article, idempotency_key=new_key())
    member = memberships.join_with_wallet(reader=reader, plan=plan, idempotency_key=new_key())
    return {"first": Purchase.objects.get(pk=first.pk), "second": second, "membership": member}


def test_the_wallet_history_says_what_each_line_was_in_words(client, history, paid_article):
    page = client.get(url("purchases:wallet")).content.decode()
    title = paid_article.title
    end = unbroken_day(history["membership"].period_end)
    for words in ("Top-up by card", f"Unlocked: {title}", f"Undo: {title}", f"Monthly membership, until {end}"):
        assert words in page, words
    for memo in ("article ", "sandbox sbx_", "purchase:r", "undo of purchase", "membership Monthly"):
        assert memo not in page, memo


def test_the_history_and_receipts_speak_chinese(client, history, paid_article):
    page = client.get(url("purchases:wallet", language="zh-hans")).content.decode()
    assert f"解锁：《{paid_article.title}》" in page and f"撤销购买：《{paid_article.title}》" in page
    assert "银行卡充值" in page and "月度会员，有效期至" in page
    receipt = client.get(url("purchases:receipt", history["first"].reversal_id, language="zh-hans")).content.decode()
    assert "已退回您的余额" in receipt


def test_receipts_say_paid_or_refunded_and_never_show_a_negative_amount(client, history, paid_article):
    bought = client.get(url("purchases:receipt", history["first"].transfer_id)).content.decode()
    assert "Paid from your balance" in bought and "$3.00" in bought and "Undone by the reader" in bought
    assert not re.search(r"[-−]\s?\$", bought)
    undone = client.get(url("purchases:receipt", history["first"].reversal_id)).content.decode()
    assert "Refunded to your balance" in undone and f"Undo: {paid_article.title}" in undone
    assert not re.search(r"[-−]\s?\$", undone)
    assert history["first"].transfer.key not in bought  # no internal references


def test_the_earnings_page_names_sales_and_undone_sales(client, history, author, paid_article):
    client.force_login(author.user)
    page = client.get(url("purchases:earnings")).content.decode()
    assert f"Sale: {paid_article.title}" in page and f"Sale undone: {paid_article.title}" in page


def test_an_undo_after_the_window_says_the_purchase_stands_and_leads_to_a_refund_request(
        client, funded_reader, paid_article, settings):
    purchase = services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=new_key())
    Purchase.objects.filter(pk=purchase.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=settings.UNDO_WINDOW_SECONDS + 5))
    client.force_login(funded_reader)
    response = client.post(url("purchases:undo", purchase.pk))
    assert response.status_code == 303 and response["Location"] == url("purchases:refund_request", purchase.pk)
    page = client.get(response["Location"]).content.decode()
    assert "The 10 minutes to undo this purchase have passed, so the purchase stands." in page
    assert "ask us for a refund" in page and "Nothing was charged" not in page
    assert balance(funded_reader) == 700

    blank = client.post(response["Location"], {"reason": " "})
    assert blank.status_code == 400 and "Please tell us in a sentence or two what went wrong." in blank.content.decode()
    sent = client.post(response["Location"], {"reason": "I bought it twice by mistake."})
    assert sent.status_code == 303
    assert "your request is with our staff" in client.get(sent["Location"]).content.decode()
    client.post(response["Location"], {"reason": "Again."})
    assert RefundRequest.objects.count() == 1
    assert "We have your request" in client.get(response["Location"]).content.decode()

    asked = RefundRequest.objects.get()
    services.answer_refund_request(request_id=asked.pk, staff_user=make_user(is_staff=True), refund=True)
    asked.refresh_from_db()
    assert asked.status == RefundRequestStatus.REFUNDED and balance(funded_reader) == 1000
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.REFUNDED
    assert_balanced()


def test_joining_from_the_balance_is_confirmed_first_and_said_afterwards(client, funded_reader, plan):
    client.force_login(funded_reader)
    membership_page = client.get(url("purchases:membership")).content.decode()
    join = url("purchases:join", plan.pk)
    assert f'href="{join}"' in membership_page and "Join, paid from my balance" not in membership_page
    confirmation = client.get(join).content.decode()
    assert re.search(r'data-testid="price">\$8.00', confirmation) and 'data-testid="after">$2.00' in confirmation
    assert not funded_reader.memberships.exists()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', confirmation).group(1)
    form = {"idempotency_key": key, "method": "wallet", "confirmed": "yes", "quoted_price": "800", "currency": "USD"}
    first, second = client.post(join, form), client.post(join, form)  # a double click
    assert first.status_code == second.status_code == 303
    assert funded_reader.memberships.count() == 1 and balance(funded_reader) == 200


def test_a_members_library_shows_no_price_tags(client, funded_reader, plan, paid_article):
    memberships.join_with_wallet(reader=funded_reader, plan=plan, idempotency_key=new_key())
    client.force_login(funded_reader)
    page = client.get(url("accounts:library")).content.decode()
    assert paid_article.title in page and "badge-paid" not in page and "Unlocked" in page


def test_every_post_that_moves_money_answers_with_a_redirect(client, reader, author, plan):
    """Post, redirect, get: Back after any of these lands on a page, never on "Confirm Form Resubmission"."""
    fund(reader, 5000)
    article, other = make_article(author=author), make_article(author=author)
    client.force_login(reader)
    unlock = url("purchases:unlock", article.slug)
    posts = [
        (unlock, {"idempotency_key": new_key()}),  # the old paywall form: to the confirmation
        (unlock, {"idempotency_key": new_key(), "confirmed": "yes", "quoted_price": "300", "currency": "USD"}),
        (url("purchases:unlock", other.slug), {"idempotency_key": new_key(), "confirmed": "yes",
                                               "quoted_price": "1", "currency": "USD"}),  # a stale price
        (url("purchases:unlock_by_card", other.slug), {"idempotency_key": new_key()}),
        (url("payments:top_up"), {"preset": "1000", "idempotency_key": new_key()}),
        (url("purchases:join", plan.pk), {"idempotency_key": new_key(), "method": "wallet", "confirmed": "yes",
                                          "quoted_price": "800", "currency": "USD"}),
        (url("purchases:cancel_membership"), {}),
        (url("purchases:change_currency"), {"currency": "USD"}),
    ]
    for path, form in posts:
        response = client.post(path, form)
        assert response.status_code in (302, 303), (path, response.status_code)
    purchase = Purchase.objects.get(article=article)
    undo = client.post(url("purchases:undo", purchase.pk))
    assert undo.status_code == 303
    assert_balanced()
