"""Monthly statements: every sale, refund, pool share, fee and payout, and a closing balance that always equals
the ledger; as HTML, CSV and PDF in both languages. A hypothesis run of random sales, refunds, pool closes,
payouts and passing months checks every statement of every writer against the ledger after each step."""

import csv
import datetime as dt
import io
import re
import zlib

import pytest
from django.db.models import F
from django.utils import timezone, translation
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from byline.ledger.invariants import assert_balanced
from byline.ledger.models import Transfer
from byline.payouts import selectors, services
from byline.payouts.models import Payout, PayoutNotice, PayoutStatus
from byline.payouts.providers import sandbox
from byline.payouts.services import PayoutRefused
from byline.payouts.statements import statement_csv, statement_pdf
from byline.purchases import memberships
from byline.purchases.errors import PurchaseRefused
from byline.purchases.models import MembershipPlan, Purchase, PurchaseStatus
from byline.purchases.services import refund_purchase, undo_purchase
from tests.conftest import make_author, make_user
from tests.ledger.conftest import fund, new_key
from tests.payouts.conftest import later, sandbox_method, sell

pytestmark = pytest.mark.django_db


def inflated(pdf: bytes):
    """The PDF's compressed streams, opened: WeasyPrint packs fonts and objects into them."""
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            yield zlib.decompress(match.group(1))
        except zlib.error:
            yield match.group(1)


def this_month():
    now = timezone.localtime()
    return now.year, now.month


def test_a_statement_lists_sales_refunds_pool_shares_fees_and_payouts_and_closes_on_the_ledger(paid_writer):
    second = sell(paid_writer, price=2000)
    refund_purchase(purchase_id=second.pk, staff_user=make_user(is_staff=True))
    reader = make_user()
    fund(reader, 800)
    plan = MembershipPlan.objects.create(name="M", interval="month", price_minor=800, currency="USD")
    memberships.join_with_wallet(reader=reader, plan=plan, idempotency_key=new_key())
    memberships.record_member_read(reader=reader, article=second.article)
    memberships.close_pool_period(currency="USD")
    services.send_payout(payout=services.request_payout(writer=paid_writer.user, currency="USD",
                                                        idempotency_key=new_key(), amount_minor=5000, now=later()))
    year, month = this_month()
    statement = selectors.statement(writer=paid_writer.user, currency="USD", year=year, month=month)
    assert statement.totals == {"sale": 9000 + 1800, "refund": -1800, "pool": 720, "payout": -5000}
    assert statement.fees == 1000 + 200 - 200 and statement.opening == 0
    assert statement.closing == statement.ledger_closing == 9000 + 720 - 5000
    rows = list(csv.reader(io.StringIO(statement_csv(statement))))
    assert rows[-2] == ["Closing balance", "", "", "", "", "47.20"]
    sale = next(row for row in rows if row[1] == "Sale")
    assert sale[3:] == ["100.00", "-10.00", "90.00"]


def test_statement_text_that_looks_like_a_formula_is_kept_as_text(writer):
    from tests.conftest import make_article
    from tests.ledger.conftest import fund as fund_reader

    reader = make_user()
    fund_reader(reader, 500)
    article = make_article(author=writer, title="=HYPERLINK(\"http://evil\")", price_minor=500)
    from byline.purchases.services import unlock_with_wallet

    unlock_with_wallet(reader=reader, article=article, idempotency_key=new_key())
    year, month = this_month()
    text = statement_csv(selectors.statement(writer=writer.user, currency="USD", year=year, month=month))
    assert ",=HYPERLINK" not in text and "article " in text


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_pdf_statement_renders_in_both_languages_with_an_embedded_font(paid_writer, language):
    year, month = this_month()
    statement = selectors.statement(writer=paid_writer.user, currency="USD", year=year, month=month)
    with translation.override(language):
        pdf = statement_pdf(statement, context={"statement": statement, "period": timezone.localtime(statement.start),
                                                "last_day": timezone.localtime(statement.end), "SITE_NAME": "Byline",
                                                "LANGUAGE_CODE": language})
    assert pdf.startswith(b"%PDF-")
    inside = b"".join(inflated(pdf))
    assert b"/FontFile" in inside
    if language == "zh-hans":  # the CJK font is embedded, and maps its glyphs back to 期末余额 (closing balance)
        assert b"WenQuanYi" in inside and all(code in inside.upper() for code in (b"671F", b"672B", b"4F59", b"989D"))


def test_the_statement_pages_are_the_writers_own(client, paid_writer):
    year, month = this_month()
    client.force_login(paid_writer.user)
    for suffix in ("/", ".csv", ".pdf"):
        response = client.get(f"/zh-hans/payouts/statements/USD/{year}-{month}{suffix}")
        assert response.status_code == 200
    page = client.get(f"/zh-hans/payouts/statements/USD/{year}-{month}/").content.decode()
    assert "期末余额" in page and "$90.00" in page
    client.force_login(make_user())
    assert client.get(f"/en/payouts/statements/USD/{year}-{month}/").status_code == 403


class StatementMachine(RuleBasedStateMachine):
    """Writers earn, lose and are paid over months; each statement's closing balance is the ledger's."""

    @initialize()
    def setup(self):
        self.writers = [make_author(), make_author()]
        sandbox_method(self.writers[0].user)
        sandbox_method(self.writers[1].user, email="fail-payee@example.org")  # transfers to it fail
        self.staff = make_user(is_staff=True)
        self.plan = MembershipPlan.objects.create(name="M", interval="month", price_minor=800, currency="USD")

    @rule(who=st.integers(0, 1), price=st.sampled_from([100, 999, 2500, 12000]))
    def sale(self, who, price):
        sell(self.writers[who], price=price)

    @rule(refund=st.booleans())
    def take_back_the_latest_sale(self, refund):
        purchase = Purchase.objects.filter(status=PurchaseStatus.ACTIVE).first()
        if purchase is None:
            return
        if refund:
            refund_purchase(purchase_id=purchase.pk, staff_user=self.staff)
        else:
            try:
                undo_purchase(reader=purchase.reader, purchase_id=purchase.pk)
            except PurchaseRefused:
                pass

    @rule(who=st.integers(0, 1))
    def pool_close(self, who):
        reader = make_user()
        fund(reader, 800)
        memberships.join_with_wallet(reader=reader, plan=self.plan, idempotency_key=new_key())
        article = Purchase.objects.filter(article__author=self.writers[who]).values_list("article", flat=True).first()
        if article is not None:
            from byline.articles.models import Article

            memberships.record_member_read(reader=reader, article=Article.objects.get(pk=article))
        memberships.close_pool_period(currency="USD")

    @rule(who=st.integers(0, 1), share=st.sampled_from([None, 1000, 5000]))
    def payout(self, who, share):
        try:
            services.send_payout(payout=services.request_payout(
                writer=self.writers[who].user, currency="USD", idempotency_key=new_key(), amount_minor=share))
        except PayoutRefused:
            pass

    @rule()
    def a_paid_payout_comes_back(self):
        payout = Payout.objects.filter(status=PayoutStatus.PAID).first()
        if payout is not None:
            assert sandbox.return_transfer(reference=payout.reference) == 200

    @rule(days=st.integers(1, 45))
    def time_passes(self, days):
        """Move every record back in time: the same as the clock moving on."""
        delta = dt.timedelta(days=days)
        Transfer.objects.update(created_at=F("created_at") - delta)
        Purchase.objects.update(created_at=F("created_at") - delta)
        Payout.objects.update(created_at=F("created_at") - delta)
        PayoutNotice.objects.all().delete()

    @invariant()
    def every_statement_closes_on_the_ledger(self):
        if not hasattr(self, "writers"):
            return
        assert_balanced()
        for author in self.writers:
            months = list(reversed(selectors.statement_months(writer=author.user, currency="USD")))
            closing = 0
            for year, month in months:
                statement = selectors.statement(writer=author.user, currency="USD", year=year, month=month)
                assert statement.opening == closing
                assert statement.closing == statement.ledger_closing
                closing = statement.closing
            account = selectors.earnings_account(writer=author.user, currency="USD")
            assert closing == (account.balance if account else 0)
            balance = selectors.balance_of(writer=author.user, currency="USD")
            standing = balance.paid_out + balance.on_the_way
            assert standing + balance.available + balance.pending == balance.earned - balance.taken_back


def test_random_sales_refunds_pool_closes_and_payouts_keep_every_statement_equal_to_the_ledger(db):
    run_state_machine_as_test(StatementMachine, settings=settings(
        max_examples=6, stateful_step_count=12, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
