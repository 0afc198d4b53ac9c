"""One currency per reader: chosen from their language at first, settled by the first money into their wallet,
changeable on the wallet page, and the one currency every price they see and pay is in."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from byline.ledger.invariants import assert_balanced
from byline.ledger.models import Account, AccountKind
from byline.payments.models import Checkout
from byline.payments.providers import sandbox
from byline.pricing.models import ReaderCurrency
from byline.pricing.selectors import currency_of
from byline.pricing.services import choose_currency
from byline.purchases import memberships, services
from byline.purchases.errors import PriceChanged
from byline.purchases.models import MembershipPlan, Purchase
from tests.conftest import LOCKED_SENTINEL, make_article, make_user
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db

PRICE = re.compile(r'data-testid="price">([^<]+)<')
QUOTED = re.compile(r'name="quoted_price" value="(\d+)"')


def url(name: str, *args, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name, args=args)


def article_url(article, language: str = "en") -> str:
    with translation.override(language):
        return article.get_absolute_url()


def test_a_new_reader_deals_in_their_languages_currency_until_money_settles_it(settings):
    reader = make_user()
    assert currency_of(reader, "zh-hans") == "CNY" and currency_of(reader, "en") == "USD"
    settings.READER_CURRENCY_BY_LANGUAGE = {"en": "EUR", "zh-hans": "CNY"}
    assert currency_of(reader, "en") == "EUR"
    fund(reader, 5000, "CNY")
    assert currency_of(reader, "en") == "CNY"
    fund(reader, 500, "USD")  # later money does not move it
    assert currency_of(reader, "en") == "CNY"


def test_anonymous_readers_see_every_price_in_the_currency_of_their_language(client, author):
    make_article(author=author, title="Priced in dollars", price_minor=300, currency="USD")
    make_article(author=author, title="Priced in euros", price_minor=250, currency="EUR")
    make_article(author=author, title="Priced in yuan", price_minor=1800, currency="CNY")
    english = client.get("/en/").content.decode()
    badges = re.findall(r'badge-paid">([^<]+)<', english)
    assert len(badges) >= 3 and all(badge.startswith("$") for badge in badges), badges
    chinese = client.get("/zh-hans/").content.decode()
    assert set(re.findall(r'badge-paid">([^<]+)<', chinese)) == {"¥18.00", "¥20.00", "¥25.00"}


def test_a_reader_with_yuan_sees_a_dollar_article_in_yuan_with_their_balance(client, paid_article):
    reader = make_user()
    fund(reader, 5000, "CNY")
    client.force_login(reader)
    page = client.get(article_url(paid_article)).content.decode()
    assert "The rest of this article is paid: ¥25.00" in page and "Your balance: ¥50.00" in page
    assert "Unlock for ¥25.00 from my balance" in page and "$" not in page.split('class="paywall"')[1][:2000]


def test_the_shell_of_an_article_page_is_kept_apart_per_currency(paid_article, author):
    make_article(author=author, topic=paid_article.topic, title="A neighbour in dollars", price_minor=150)
    yuan, dollars = make_user(), make_user()
    fund(yuan, 5000, "CNY")
    fund(dollars, 500, "USD")
    pages = {}
    for reader in (yuan, dollars):
        client = Client()
        client.force_login(reader)
        pages[reader.pk] = client.get(article_url(paid_article)).content.decode()
    assert "¥25.00" in pages[yuan.pk] and "$3.00" not in pages[yuan.pk]
    assert "$3.00" in pages[dollars.pk] and "¥" not in pages[dollars.pk]


def test_the_currency_rides_on_the_cached_user_row_so_the_page_asks_no_more(client, paid_article):
    reader = make_user()
    fund(reader, 5000, "CNY")
    client.force_login(reader)
    client.get(article_url(paid_article))  # fills the caches
    with CaptureQueriesContext(connection) as queries:
        page = client.get(article_url(paid_article)).content.decode()
    assert "¥25.00" in page
    assert not [q for q in queries if "pricing_readercurrency" in q["sql"]]


def test_buying_in_yuan_records_the_price_paid_and_the_author_earns_in_yuan(paid_article, author):
    reader = make_user()
    fund(reader, 5000, "CNY")
    purchase = services.unlock_with_wallet(reader=reader, article=paid_article, idempotency_key=new_key())
    assert (purchase.currency, purchase.price_minor, purchase.author_share_minor) == ("CNY", 2500, 2250)
    assert balance(reader, "CNY") == 2500
    earnings = Account.objects.get(owner=author.user, kind=AccountKind.EARNINGS)
    assert (earnings.currency, earnings.balance) == ("CNY", 2250)
    assert_balanced()


def test_the_authors_own_price_in_a_currency_is_the_price_there(author):
    article = make_article(author=author, price_minor=300, currency="USD", prices={"CNY": 1800})
    reader = make_user()
    fund(reader, 5000, "CNY")
    assert services.unlock_with_wallet(reader=reader, article=article, idempotency_key=new_key()).price_minor == 1800


def test_the_price_charged_is_the_price_the_confirmation_showed(client, paid_article):
    reader = make_user()
    fund(reader, 5000, "CNY")
    client.force_login(reader)
    confirmation = client.get(url("purchases:unlock", paid_article.slug)).content.decode()
    shown, quoted = PRICE.search(confirmation).group(1), int(QUOTED.search(confirmation).group(1))
    key = re.search(r'name="idempotency_key" value="([^"]+)"', confirmation).group(1)
    client.post(url("purchases:unlock", paid_article.slug), {
        "idempotency_key": key, "confirmed": "yes", "quoted_price": quoted, "currency": "CNY"})
    purchase = Purchase.objects.get()
    assert shown == "¥25.00" and (purchase.price_minor, purchase.currency) == (quoted, "CNY") == (2500, "CNY")


def test_a_table_change_between_confirmation_and_purchase_refuses_and_charges_nothing(client, paid_article,
                                                                                      settings):
    reader = make_user()
    fund(reader, 5000, "CNY")
    client.force_login(reader)
    confirm = url("purchases:unlock", paid_article.slug)
    quoted = int(QUOTED.search(client.get(confirm).content.decode()).group(1))
    settings.CURRENCY_RATES = {**settings.CURRENCY_RATES, "CNY": "8.10"}  # 3.00 × 8.10 = 24.30: up to ¥25
    assert services.quote(article=paid_article, currency="CNY") == quoted  # the same step: nothing changed
    settings.CURRENCY_RATES = {**settings.CURRENCY_RATES, "CNY": "9.00"}  # 27.00: up to ¥28
    response = client.post(confirm, {"idempotency_key": new_key(), "confirmed": "yes", "quoted_price": quoted,
                                     "currency": "CNY"})
    assert response.status_code == 303 and response["Location"] == confirm
    assert not Purchase.objects.exists() and balance(reader, "CNY") == 5000
    again = client.get(confirm).content.decode()
    assert "The price of this article in your currency is now ¥28.00" in again
    assert PRICE.search(again).group(1) == "¥28.00"


def test_a_price_change_between_confirmation_and_a_membership_refuses_it(reader, settings):
    plan = MembershipPlan.objects.create(name="Monthly", interval="month", price_minor=800, currency="USD")
    fund(reader, 10_000, "CNY")
    with pytest.raises(PriceChanged):
        memberships.join_with_wallet(reader=reader, plan=plan, idempotency_key=new_key(), quoted_minor=5000)
    assert balance(reader, "CNY") == 10_000 and not reader.memberships.exists()


def test_a_card_unlock_is_charged_and_bought_in_the_readers_currency(client, paid_article):
    reader = make_user()
    fund(reader, 1000, "CNY")
    client.force_login(reader)
    response = client.post(url("purchases:unlock_by_card", paid_article.slug), {"idempotency_key": new_key()})
    checkout = Checkout.objects.get()
    assert (checkout.currency, checkout.amount_minor, checkout.price_minor) == ("CNY", 1500, 2500)
    client.post(response["Location"], {"card_number": sandbox.SUCCESS})
    purchase = Purchase.objects.get()
    assert (purchase.currency, purchase.price_minor) == ("CNY", 2500) and balance(reader, "CNY") == 0
    assert LOCKED_SENTINEL in client.get(article_url(paid_article)).content.decode()
    assert_balanced()


def test_a_price_change_while_paying_by_card_keeps_the_money_and_says_so(client, paid_article):
    reader = make_user()
    client.force_login(reader)
    response = client.post(url("purchases:unlock_by_card", paid_article.slug), {"idempotency_key": new_key()})
    paid_article.price_minor = 400
    paid_article.save()
    result = client.post(response["Location"], {"card_number": sandbox.SUCCESS})
    page = client.get(result["Location"]).content.decode()
    assert "Your payment arrived, but the purchase did not go through" in page
    assert not Purchase.objects.exists() and balance(reader) == 300
    assert_balanced()


def test_changing_currency_keeps_the_old_money_where_it_is_and_says_so(client):
    reader = make_user()
    fund(reader, 700)
    client.force_login(reader)
    response = client.post(url("purchases:change_currency"), {"currency": "CNY"})
    assert response.status_code == 303
    page = client.get(url("purchases:wallet")).content.decode()
    assert "Prices are now shown and charged in Chinese yuan (CNY)." in page
    assert "Your $7.00 stays in your wallet as it is: switch back to US dollar (USD) to spend it." in page
    assert 'data-testid="balance-CNY">¥0.00' in page and 'data-testid="balance-USD">$7.00' in page
    assert "Switch to USD to spend it" in page
    assert ReaderCurrency.objects.get(reader=reader).currency == "CNY" and balance(reader) == 700


def test_a_currency_the_site_does_not_sell_is_refused_in_words(client, reader):
    client.force_login(reader)
    client.post(url("purchases:change_currency"), {"currency": "JPY"})
    page = client.get(url("purchases:wallet")).content.decode()
    assert "Choose one of the currencies in the list." in page and currency_of(reader) == "USD"
    with pytest.raises(ValidationError):
        choose_currency(reader=reader, currency="JPY")


def test_the_confirmation_points_at_money_held_in_another_currency(client, paid_article):
    reader = make_user()
    fund(reader, 5000, "CNY")
    choose_currency(reader=reader, currency="USD")
    client.force_login(reader)
    page = client.get(url("purchases:unlock", paid_article.slug)).content.decode()
    assert 'data-testid="other-balances"' in page and "¥50.00" in page


def test_membership_plans_are_offered_in_the_readers_currency_with_what_a_year_saves(client):
    MembershipPlan.objects.create(name="Monthly membership", interval="month", price_minor=800, currency="USD",
                                  prices={"CNY": 3000})
    MembershipPlan.objects.create(name="Yearly membership", interval="year", price_minor=8000, currency="USD",
                                  prices={"CNY": 30000})
    MembershipPlan.objects.create(name="Old yuan plan", interval="month", price_minor=2500, currency="CNY")
    english = client.get(url("purchases:membership")).content.decode()
    assert "$8.00" in english and "$80.00" in english and "¥" not in english
    assert "Saves $16.00 a year compared with paying monthly" in english
    chinese = client.get(url("purchases:membership", language="zh-hans")).content.decode()
    assert "¥30.00" in chinese and "¥300.00" in chinese and "¥25.00" in chinese and "$" not in chinese
    reader = make_user()
    choose_currency(reader=reader, currency="EUR")
    client.force_login(reader)
    euro = client.get(url("purchases:membership")).content.decode()
    # Converted: 8.00 × 0.92 = 7.36, up to €7.50; 80.00 × 0.92 = 73.60, up to €73.99; only one monthly plan.
    assert euro.count('data-testid="plan"') == 2 and "€7.50" in euro and "€73.99" in euro


def test_joining_in_yuan_charges_the_yuan_price_and_the_pool_of_yuan_shares_it(client, author):
    plan = MembershipPlan.objects.create(name="Monthly", interval="month", price_minor=800, currency="USD",
                                         prices={"CNY": 3000})
    reader = make_user()
    fund(reader, 5000, "CNY")
    membership = memberships.join_with_wallet(reader=reader, plan=plan, idempotency_key=new_key())
    assert (membership.currency, membership.price_minor) == ("CNY", 3000) and balance(reader, "CNY") == 2000
    client.force_login(reader)
    client.get(article_url(make_article(author=author)))
    assert reader.memberships.get().reads.get().currency == "CNY"
    close = memberships.close_pool_period(currency="CNY")
    assert close.amount_minor == 3000
    assert_balanced()


def test_a_membership_renews_at_the_terms_it_was_joined_on(reader):
    plan = MembershipPlan.objects.create(name="Monthly", interval="month", price_minor=800, currency="USD")
    fund(reader, 2000)
    membership = memberships.join_with_wallet(reader=reader, plan=plan, idempotency_key=new_key())
    plan.price_minor = 1200
    plan.save()
    later = membership.period_end
    assert memberships.renew_due_wallet_memberships(now=later) == {"renewed": 1}
    assert balance(reader) == 400


def test_search_results_show_prices_in_the_readers_currency(client, author):
    make_article(author=author, title="Tea routes priced in dollars", price_minor=300, currency="USD")
    chinese = client.get(url("search:search", language="zh-hans"), {"q": "tea"}).content.decode()
    assert re.findall(r'badge-paid">([^<]+)<', chinese) == ["¥25.00"]
    reader = make_user()
    fund(reader, 5000, "CNY")
    client.force_login(reader)
    english = client.get(url("search:search"), {"q": "tea"}).content.decode()
    assert re.findall(r'badge-paid">([^<]+)<', english) == ["¥25.00"]
