"""Unlocking one article from the wallet: one button, a confirmation, the full text; never charged twice."""

import datetime as dt

import pytest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from byline.access.decision import Reason, decide
from byline.articles.models import Status
from byline.ledger.invariants import assert_balanced
from byline.ledger.models import Account, AccountKind, Transfer
from byline.purchases import services
from byline.purchases.errors import KeyReused, NotEnoughInWallet, NotForSale, UndoRefused
from byline.purchases.models import Purchase, PurchaseStatus
from tests.conftest import LOCKED_SENTINEL, make_article, make_user
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db


def earnings_of(user, currency="USD") -> int:
    account = Account.objects.filter(owner=user, kind=AccountKind.EARNINGS, currency=currency).first()
    return account.balance if account else 0


def fees(currency="USD") -> int:
    account = Account.objects.filter(kind=AccountKind.FEES, currency=currency).first()
    return account.balance if account else 0


def test_unlocking_debits_the_price_and_splits_it_ninety_ten(funded_reader, paid_article, author):
    purchase = services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=new_key())
    assert (purchase.price_minor, purchase.author_share_minor, purchase.platform_fee_minor) == (300, 270, 30)
    assert balance(funded_reader) == 700 and earnings_of(author.user) == 270 and fees() == 30
    assert decide(funded_reader, paid_article).reason == Reason.PURCHASE
    assert_balanced()


def test_the_authors_share_is_configurable(settings, funded_reader, paid_article, author):
    settings.AUTHOR_SHARE_PERCENT = 80
    services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=new_key())
    assert earnings_of(author.user) == 240 and fees() == 60


def test_a_repeated_key_returns_the_first_purchase(funded_reader, paid_article):
    key = new_key()
    first = services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=key)
    again = services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=key)
    assert again.pk == first.pk and balance(funded_reader) == 700


def test_an_article_already_owned_is_never_charged_again(funded_reader, paid_article):
    first = services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=new_key())
    second = services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=new_key())
    assert second.pk == first.pk and balance(funded_reader) == 700
    assert Purchase.objects.count() == 1


def test_a_repeated_key_stands_after_the_price_changed_or_the_article_left_sale(funded_reader, paid_article):
    """The happy path reads no purchase first: a refusal (price, sale, wallet) still answers a repeat with the
    purchase that went through, and charges nothing."""
    key = new_key()
    first = services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=key,
                                        quoted_minor=300)
    paid_article.price_minor = 500
    paid_article.save()
    assert services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=key,
                                       quoted_minor=300).pk == first.pk
    paid_article.status = Status.DRAFT
    paid_article.save()
    assert services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=key).pk == first.pk
    assert balance(funded_reader) == 700 and Purchase.objects.count() == 1 and Transfer.objects.filter(
        kind="purchase").count() == 1
    assert_balanced()


def test_a_key_reused_for_another_article_charges_nothing(funded_reader, paid_article, author):
    key = new_key()
    services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=key)
    with pytest.raises(KeyReused):
        services.unlock_with_wallet(reader=funded_reader, article=make_article(author=author), idempotency_key=key)
    assert balance(funded_reader) == 700 and Purchase.objects.count() == 1
    assert_balanced()


def test_an_owner_with_an_empty_wallet_gets_their_purchase_not_a_refusal(funded_reader, paid_article):
    first = services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=new_key())
    services.unlock_with_wallet(reader=funded_reader, article=make_article(author=paid_article.author,
                                price_minor=700), idempotency_key=new_key())
    assert balance(funded_reader) == 0
    assert services.unlock_with_wallet(reader=funded_reader, article=paid_article,
                                       idempotency_key=new_key()).pk == first.pk
    assert balance(funded_reader) == 0 and Purchase.objects.count() == 2
    assert_balanced()


def test_a_short_wallet_is_refused_with_what_is_missing_and_nothing_changes(reader, paid_article):
    fund(reader, 120)
    with pytest.raises(NotEnoughInWallet) as refused:
        services.unlock_with_wallet(reader=reader, article=paid_article, idempotency_key=new_key())
    assert refused.value.missing_minor == 180
    assert balance(reader) == 120 and not Purchase.objects.exists()


@pytest.mark.parametrize("overrides", [
    {"status": Status.DRAFT, "published_at": None},
    {"visibility": "free", "price_minor": 0},
    {"visibility": "members", "price_minor": 0},
])
def test_drafts_free_and_members_only_articles_cannot_be_bought(funded_reader, author, overrides):
    article = make_article(author=author, **overrides)
    with pytest.raises(NotForSale):
        services.unlock_with_wallet(reader=funded_reader, article=article, idempotency_key=new_key())
    assert balance(funded_reader) == 1000 and Transfer.objects.count() == 1


def test_an_author_cannot_buy_their_own_article(paid_article, author):
    fund(author.user, 1000)
    with pytest.raises(NotForSale):
        services.unlock_with_wallet(reader=author.user, article=paid_article, idempotency_key=new_key())


def test_undo_within_ten_minutes_reverses_in_full_and_removes_access(funded_reader, paid_article, author):
    purchase = services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=new_key())
    undone = services.undo_purchase(reader=funded_reader, purchase_id=purchase.pk,
                                    now=purchase.created_at + dt.timedelta(minutes=9))
    assert undone.status == PurchaseStatus.UNDONE and undone.reversal.reverses_id == purchase.transfer_id
    assert balance(funded_reader) == 1000 and earnings_of(author.user) == 0 and fees() == 0
    assert not decide(funded_reader, paid_article).allowed
    assert_balanced()


def test_undo_after_ten_minutes_is_refused(funded_reader, paid_article):
    purchase = services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=new_key())
    with pytest.raises(UndoRefused):
        services.undo_purchase(reader=funded_reader, purchase_id=purchase.pk,
                               now=purchase.created_at + dt.timedelta(minutes=10, seconds=1))
    assert balance(funded_reader) == 700


def test_undo_of_someone_elses_purchase_is_refused(funded_reader, paid_article):
    purchase = services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=new_key())
    with pytest.raises(UndoRefused):
        services.undo_purchase(reader=make_user(), purchase_id=purchase.pk)
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.ACTIVE


def test_a_reader_gets_three_undos_per_thirty_days(funded_reader, author):
    for _ in range(3):
        article = make_article(author=author)
        purchase = services.unlock_with_wallet(reader=funded_reader, article=article, idempotency_key=new_key())
        services.undo_purchase(reader=funded_reader, purchase_id=purchase.pk)
    fourth = services.unlock_with_wallet(reader=funded_reader, article=make_article(author=author),
                                         idempotency_key=new_key())
    with pytest.raises(UndoRefused):
        services.undo_purchase(reader=funded_reader, purchase_id=fourth.pk)
    assert services.undos_left(reader=funded_reader, now=timezone.now() + dt.timedelta(days=31)) == 3


def test_staff_refund_after_the_undo_window_is_a_reversing_transfer(funded_reader, paid_article):
    purchase = services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=new_key())
    refunded = services.refund_purchase(purchase_id=purchase.pk, staff_user=make_user(is_staff=True), reason="typo")
    assert refunded.status == PurchaseStatus.REFUNDED and refunded.reversal.reverses_id == purchase.transfer_id
    assert balance(funded_reader) == 1000 and not decide(funded_reader, paid_article).allowed
    assert services.refund_purchase(purchase_id=purchase.pk, staff_user=make_user()).reversal_id == refunded.reversal_id


# Through the pages


def test_paywall_offers_wallet_card_and_membership_with_the_balance(client, funded_reader, paid_article):
    client.force_login(funded_reader)
    page = client.get(paid_article.get_absolute_url()).content.decode()
    assert "Your balance: $10.00" in page
    assert "Unlock for $3.00 from my balance" in page and "Pay $3.00 by card" in page and "Become a member" in page
    assert LOCKED_SENTINEL not in page


def test_the_paywall_button_leads_to_a_confirmation_that_restates_price_and_balance(client, funded_reader,
                                                                                    paid_article):
    client.force_login(funded_reader)
    url = reverse("purchases:unlock", args=[paid_article.slug])
    paywall = client.get(paid_article.get_absolute_url()).content.decode()
    assert f'href="{url}"' in paywall  # a link: the confirmation is a page Back can return to
    page = client.get(url).content.decode()
    assert "Confirm your purchase" in page and "$3.00" in page and "$10.00" in page and "$7.00" in page
    assert not Purchase.objects.exists()


def test_a_post_without_the_confirmation_is_sent_to_the_confirmation_page(client, funded_reader, paid_article):
    client.force_login(funded_reader)
    url = reverse("purchases:unlock", args=[paid_article.slug])
    response = client.post(url, {"idempotency_key": new_key()})
    assert response.status_code == 303 and response["Location"] == url
    assert not Purchase.objects.exists()


def test_confirming_unlocks_and_shows_the_full_text_with_an_undo_offer(client, funded_reader, paid_article):
    client.force_login(funded_reader)
    url = reverse("purchases:unlock", args=[paid_article.slug])
    response = client.post(url, {"idempotency_key": new_key(), "confirmed": "yes", "quoted_price": "300",
                                 "currency": "USD"})
    assert response.status_code == 303 and response["Location"].endswith("#undo-offer")
    page = client.get(paid_article.get_absolute_url()).content.decode()
    assert LOCKED_SENTINEL in page and "Undo this purchase" in page
    assert f"You bought “{paid_article.title}” for $3.00. Your balance is now $7.00." in page
    assert page.index('id="undo-offer"') < page.index(LOCKED_SENTINEL)  # where the reader lands, above the text


def test_a_double_submitted_confirmation_charges_once(client, funded_reader, paid_article):
    client.force_login(funded_reader)
    url = reverse("purchases:unlock", args=[paid_article.slug])
    form = {"idempotency_key": new_key(), "confirmed": "yes"}
    client.post(url, form)
    client.post(url, form)
    assert Purchase.objects.count() == 1 and balance(funded_reader) == 700


def test_a_short_wallet_sees_the_card_option_on_the_confirmation(client, reader, paid_article):
    fund(reader, 100)
    client.force_login(reader)
    url = reverse("purchases:unlock", args=[paid_article.slug])
    response = client.post(url, {"idempotency_key": new_key(), "confirmed": "yes"})
    assert response.status_code == 303 and response["Location"] == url
    page = client.get(url).content.decode()
    assert "Your balance is too low for this article. Nothing was charged." in page and "Pay $2.00 by card" in page
    assert balance(reader) == 100


def test_undo_through_the_page_returns_the_money(client, funded_reader, paid_article):
    purchase = services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=new_key())
    client.force_login(funded_reader)
    client.post(reverse("purchases:undo", args=[purchase.pk]))
    assert balance(funded_reader) == 1000
    assert LOCKED_SENTINEL not in client.get(paid_article.get_absolute_url()).content.decode()


def test_undo_of_someone_elses_purchase_through_the_page_is_a_clear_error(client, funded_reader, paid_article):
    purchase = services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=new_key())
    client.force_login(make_user())
    response = client.post(reverse("purchases:undo", args=[purchase.pk]))
    assert response.status_code == 404
    assert balance(funded_reader) == 700


def test_buying_a_draft_through_the_page_is_not_found(client, funded_reader, author):
    draft = make_article(author=author, status=Status.DRAFT, published_at=None)
    client.force_login(funded_reader)
    response = client.post(reverse("purchases:unlock", args=[draft.slug]),
                           {"idempotency_key": new_key(), "confirmed": "yes"})
    assert response.status_code == 404 and balance(funded_reader) == 1000


def test_anonymous_paywall_carries_nothing_personal(client, paid_article):
    page = client.get(paid_article.get_absolute_url()).content.decode()
    assert "Purchase this article" in page and "Become a member" in page
    assert "idempotency_key" not in page and "csrfmiddlewaretoken" not in page and "balance" not in page


def test_a_purchasers_article_page_stays_within_six_queries(client, funded_reader, paid_article):
    services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=new_key())
    client.force_login(funded_reader)
    client.get(paid_article.get_absolute_url())
    from django.db import connection

    with CaptureQueriesContext(connection) as queries:
        response = client.get(paid_article.get_absolute_url())
    assert LOCKED_SENTINEL in response.content.decode()
    assert len(queries) <= 6, "\n".join(q["sql"][:150] for q in queries)


def test_wallet_page_shows_balance_history_and_receipts(client, funded_reader, paid_article):
    purchase = services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=new_key())
    client.force_login(funded_reader)
    page = client.get(reverse("purchases:wallet")).content.decode()
    assert "$7.00" in page and f"Unlocked: {paid_article.title}" in page and "Top-up" in page
    assert "article " + str(paid_article.pk) not in page and "purchase:r" not in page  # no memos, no keys
    receipt = client.get(reverse("purchases:receipt", args=[purchase.transfer_id])).content.decode()
    assert f"Unlocked: {paid_article.title}" in receipt and "Paid from your balance" in receipt
    assert "$3.00" in receipt and "-$3.00" not in receipt and "−$3.00" not in receipt
    assert purchase.transfer.key not in receipt


def test_a_receipt_is_only_for_its_own_reader(client, funded_reader, paid_article):
    purchase = services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=new_key())
    client.force_login(make_user())
    assert client.get(reverse("purchases:receipt", args=[purchase.transfer_id])).status_code == 404


def test_authors_see_every_transfer_on_their_earnings_page(client, funded_reader, paid_article, author):
    services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=new_key())
    client.force_login(author.user)
    page = client.get(reverse("purchases:earnings")).content.decode()
    assert "$2.70" in page and f"Sale: {paid_article.title}" in page


def test_staff_ledger_health_page_runs_the_checks(client, funded_reader):
    client.force_login(make_user(is_staff=True))
    assert 'data-testid="ledger-ok"' in client.get(reverse("purchases:ledger_health")).content.decode()
    client.force_login(funded_reader)
    assert client.get(reverse("purchases:ledger_health")).status_code == 302


def test_the_caring_version_confirms_with_plain_equal_weight_buttons(client, funded_reader, paid_article):
    from byline.reader.prefs import COOKIE_NAME

    client.force_login(funded_reader)
    client.cookies[COOKIE_NAME] = "caring|standard|100|0000"
    page = client.get(reverse("purchases:unlock", args=[paid_article.slug])).content.decode()
    assert "Confirm: pay $3.00 from my balance" in page and "Cancel, go back" in page
    assert "button-primary" not in page.split('<main')[1]
    assert not Purchase.objects.exists()


def test_one_wallet_unlock_writes_in_few_statements(funded_reader, paid_article, author):
    """What one unlock sends to the database (issue 23: one round trip where one will do): under the wallet's lock
    taken by the statement that finds the accounts (and asks the fair-price cap whether the writer has a monthly
    price: this one has none, so the cap costs no query), the transfer with its entries and balances, and the
    purchase row. No read of the purchase (the unique key and the one active purchase per article refuse a
    repeat, and the block rolls back whole), no second lock and no savepoint inside the block.

    On PostgreSQL the transfer, its entries, the three balances and the purchase row are one statement
    (`ledger.transfer`'s data-modifying WITH), and the referral count rides in the statement that locks the wallet
    (`accounts_locked(writes=...)`); SQLite takes the ORM path, the purchase row before the balances, and counts
    the referral after the commit. The receipt's outbox row is written with the purchase (mail.models.ReceiptDue:
    no round trip to a task queue). Outside a test's transaction add BEGIN and COMMIT (bench/unlock.py prints
    them): 4 statements on PostgreSQL."""
    from django.db import connection

    services.unlock_with_wallet(reader=funded_reader, article=make_article(author=author), idempotency_key="warm")
    before = (balance(funded_reader), earnings_of(author.user), fees())
    with CaptureQueriesContext(connection) as queries:
        purchase = services.unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=new_key())
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert "FOR UPDATE" in queries.captured_queries[1]["sql"] or connection.vendor != "postgresql"
    assert "subscriptions_authorprice" in queries.captured_queries[1]["sql"]
    if connection.vendor == "postgresql":
        assert statements == ["SAVEPOINT", "WITH", "WITH", "RELEASE"], statements
        assert "INSERT INTO sharing_referralevent" in queries.captured_queries[1]["sql"]
        assert "purchases_purchase" in queries.captured_queries[2]["sql"]
        assert "mail_receiptdue" in queries.captured_queries[2]["sql"]  # the receipt's outbox row, same statement
    else:
        assert statements == ["SAVEPOINT", "WITH", "INSERT", "INSERT", "INSERT", "INSERT", "UPDATE", "UPDATE",
                              "UPDATE", "RELEASE"], statements
        # The purchase row (and its receipt's outbox row) before the balances: the busy earnings and fees rows are
        # held from their update to the commit only.
        assert "purchases_purchase" in queries.captured_queries[4]["sql"]
        assert "mail_receiptdue" in queries.captured_queries[5]["sql"]
    # Either way the same rows: the transfer, one entry per leg, the balances moved by them.
    transfer = purchase.transfer
    assert sorted(transfer.entries.values_list("amount", flat=True)) == sorted(
        [-purchase.price_minor, purchase.author_share_minor, purchase.platform_fee_minor])
    assert (balance(funded_reader), earnings_of(author.user), fees()) == (
        before[0] - purchase.price_minor, before[1] + purchase.author_share_minor,
        before[2] + purchase.platform_fee_minor)
    assert_balanced()
