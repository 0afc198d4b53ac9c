"""Referral commission (分销) and refunds on request: each a leg or a reversal of the purchase transfer."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from byline.articles.services import set_article_refund_hours, set_sales_terms
from byline.ledger import services as ledger
from byline.ledger.invariants import assert_balanced
from byline.ledger.models import AccountKind
from byline.purchases import services
from byline.purchases.errors import UndoRefused
from byline.purchases.models import PurchaseStatus
from byline.sharing import services as sharing
from tests.conftest import make_article, make_user
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db


def _earnings(user) -> int:
    return ledger.account_for(kind=AccountKind.EARNINGS, owner=user, currency="USD").balance


def _referred(article, reader, sharer):
    code = sharing.referral_codes_for(sharer=sharer)["link"]
    assert sharing.record_visit(article=article, code=code, reader=reader) is not None


def _fresh(article):
    return type(article).objects.select_related("author").get(pk=article.pk)


def test_a_writer_pays_the_sharer_a_commission_out_of_their_share(paid_article):
    sharer, buyer = make_user(), make_user()
    set_sales_terms(author=paid_article.author, referral_percent=20, refund_hours=0)
    article = _fresh(paid_article)
    _referred(article, buyer, sharer)
    fund(buyer, 1000)
    purchase = services.unlock_with_wallet(reader=buyer, article=article, idempotency_key=new_key())
    share, _fee = services.split_price(300)  # 270
    assert purchase.referrer == sharer and purchase.commission_minor == share * 20 // 100 == 54
    assert _earnings(sharer) == 54 and _earnings(article.author.user) == share - 54
    assert purchase.transfer.entries.count() == 4
    assert_balanced()


def test_an_undo_takes_the_commission_back_with_the_sale(paid_article):
    sharer, buyer = make_user(), make_user()
    set_sales_terms(author=paid_article.author, referral_percent=10, refund_hours=0)
    article = _fresh(paid_article)
    _referred(article, buyer, sharer)
    fund(buyer, 1000)
    purchase = services.unlock_with_wallet(reader=buyer, article=article, idempotency_key=new_key())
    services.undo_purchase(reader=buyer, purchase_id=purchase.pk)
    assert _earnings(sharer) == 0 and _earnings(article.author.user) == 0 and balance(buyer) == 1000
    assert_balanced()


def test_no_commission_without_a_referral_or_when_the_writer_pays_none(paid_article):
    sharer, buyer, other = make_user(), make_user(), make_user()
    _referred(paid_article, buyer, sharer)
    fund(buyer, 1000)
    purchase = services.unlock_with_wallet(reader=buyer, article=paid_article, idempotency_key=new_key())
    assert purchase.referrer is None and purchase.commission_minor == 0  # the writer pays no commission
    set_sales_terms(author=paid_article.author, referral_percent=30, refund_hours=0)
    second = make_article(author=_fresh(paid_article).author)
    fund(other, 1000)
    purchase = services.unlock_with_wallet(reader=other, article=second, idempotency_key=new_key())
    assert purchase.referrer is None and _earnings(sharer) == 0  # nobody's share brought this reader


def test_the_referrers_earnings_page_shows_the_commission(paid_article):
    sharer, buyer = make_user(), make_user()
    set_sales_terms(author=paid_article.author, referral_percent=20, refund_hours=0)
    article = _fresh(paid_article)
    _referred(article, buyer, sharer)
    fund(buyer, 1000)
    services.unlock_with_wallet(reader=buyer, article=article, idempotency_key=new_key())
    client = Client()
    client.force_login(sharer)
    with translation.override("en"):
        page = client.get(reverse("purchases:earnings")).content.decode()
    assert f"Referral commission: {article.title}" in page


def test_without_hours_set_only_the_undo_window_applies(paid_article, settings):
    buyer = make_user()
    fund(buyer, 1000)
    purchase = services.unlock_with_wallet(reader=buyer, article=paid_article, idempotency_key=new_key())
    with pytest.raises(UndoRefused) as refused:
        services.refund_on_request(reader=buyer, purchase_id=purchase.pk)
    assert refused.value.code == "window"


def test_a_buyer_refunds_within_the_authors_hours_and_the_article_closes(paid_article, settings):
    from byline.access.decision import decide

    buyer = make_user()
    set_sales_terms(author=paid_article.author, referral_percent=0, refund_hours=24)
    article = _fresh(paid_article)
    fund(buyer, 1000)
    purchase = services.unlock_with_wallet(reader=buyer, article=article, idempotency_key=new_key())
    later = purchase.created_at + dt.timedelta(hours=5)
    with pytest.raises(UndoRefused):
        services.undo_purchase(reader=buyer, purchase_id=purchase.pk, now=later)  # past the 10 minutes
    returned = services.refund_on_request(reader=buyer, purchase_id=purchase.pk, now=later)
    assert returned.status == PurchaseStatus.RETURNED and balance(buyer) == 1000
    assert not decide(buyer, article).allowed
    assert services.refund_on_request(reader=buyer, purchase_id=purchase.pk, now=later).pk == purchase.pk
    assert_balanced()


def test_the_operator_caps_the_hours_and_an_article_may_differ(paid_article, settings):
    settings.REFUND_ON_REQUEST_MAX_HOURS = 12
    set_sales_terms(author=paid_article.author, referral_percent=0, refund_hours=48)
    assert services.refund_hours_for(_fresh(paid_article)) == 12
    set_article_refund_hours(article=paid_article, hours=0)
    assert services.refund_hours_for(_fresh(paid_article)) == 0
    settings.REFUND_ON_REQUEST_HOURS = 6
    set_sales_terms(author=paid_article.author, referral_percent=0, refund_hours=0)
    set_article_refund_hours(article=paid_article, hours=None)
    assert services.refund_hours_for(_fresh(paid_article)) == 6  # the site's default


def test_refunds_after_the_hours_or_beyond_the_allowance_are_refused(author, settings):
    settings.REFUND_ON_REQUEST_HOURS, settings.REFUND_ON_REQUEST_LIMIT = 24, 2
    buyer = make_user()
    fund(buyer, 3000)
    bought = [services.unlock_with_wallet(reader=buyer, article=make_article(author=author),
                                          idempotency_key=new_key()) for _ in range(4)]
    late = bought[0].created_at + dt.timedelta(hours=25)
    with pytest.raises(UndoRefused) as refused:
        services.refund_on_request(reader=buyer, purchase_id=bought[0].pk, now=late)
    assert refused.value.code == "window"
    now = timezone.now()
    for purchase in bought[1:3]:
        services.refund_on_request(reader=buyer, purchase_id=purchase.pk, now=now)
    with pytest.raises(UndoRefused) as refused:
        services.refund_on_request(reader=buyer, purchase_id=bought[3].pk, now=now)
    assert refused.value.code == "limit"
    assert_balanced()


def test_the_refund_page_offers_the_refund_and_the_dashboard_shows_the_rate(paid_article, settings):
    settings.REFUND_ON_REQUEST_HOURS = 24
    buyer = make_user()
    fund(buyer, 1000)
    purchase = services.unlock_with_wallet(reader=buyer, article=paid_article, idempotency_key=new_key())
    client = Client()
    client.force_login(buyer)
    with translation.override("en"):
        page = client.get(reverse("purchases:refund_request", args=[purchase.pk])).content.decode()
        assert "Confirm: refund $3.00 to my balance" in page
        done = client.post(reverse("purchases:refund_now", args=[purchase.pk]))
        again = client.post(reverse("purchases:refund_now", args=[purchase.pk]))  # a double click
        assert done.status_code == again.status_code == 303 and balance(buyer) == 1000
        author_client = Client()
        author_client.force_login(paid_article.author.user)
        dashboard = author_client.get(reverse("dashboard:overview")).content.decode()
    from byline.dashboard.presentation import percent as format_percent

    assert f'data-testid="refund-rate">{format_percent(1.0)}<' in dashboard


def test_the_sales_settings_page_saves_terms_and_refuses_bad_input(paid_article, settings):
    settings.REFUND_ON_REQUEST_MAX_HOURS = 24
    client = Client()
    client.force_login(paid_article.author.user)
    with translation.override("en"):
        url = reverse("purchases:sales_settings")
        bad = client.post(url, {"form": "terms", "referral_percent": "80", "refund_hours": "99"})
        assert bad.status_code == 400
        good = client.post(url, {"form": "terms", "referral_percent": "15", "refund_hours": "12"})
        assert good.status_code == 303
        one = client.post(url, {"form": "article", "article": paid_article.slug, "hours": "2"})
        assert one.status_code == 303
        assert client.get(url).status_code == 200
    article = _fresh(paid_article)
    assert (article.author.referral_percent, article.author.refund_hours, article.refund_hours) == (15, 12, 2)
    reader = Client()
    reader.force_login(make_user())
    assert reader.get(url).status_code == 403


def test_a_commission_costs_three_statements_more_and_none_when_the_writer_pays_none(paid_article, author):
    """The unlock's statement budget (test_unlock): unchanged without a commission; with one, the referral lookup
    and the referrer's balance (their earnings account is read with the others)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def statements(reader, article):
        with CaptureQueriesContext(connection) as queries:
            services.unlock_with_wallet(reader=reader, article=article, idempotency_key=new_key())
        return len(queries.captured_queries)

    plain_reader, referred_reader, sharer = make_user(), make_user(), make_user()
    fund(plain_reader, 1000)
    fund(referred_reader, 1000)
    services.unlock_with_wallet(reader=plain_reader, article=make_article(author=author), idempotency_key=new_key())
    plain = statements(plain_reader, paid_article)
    set_sales_terms(author=author, referral_percent=20, refund_hours=0)
    article = make_article(author=_fresh(paid_article).author)
    warm = make_article(author=_fresh(paid_article).author)
    _referred(warm, referred_reader, sharer)
    _referred(article, referred_reader, sharer)
    services.unlock_with_wallet(reader=referred_reader, article=warm, idempotency_key=new_key())  # makes the
    # referrer's earnings account, as their first commission does once
    with_commission = statements(referred_reader, article)
    print(f"statements per unlock: {plain} without a commission, {with_commission} with one")
    assert plain <= 16 and with_commission <= plain + 2
