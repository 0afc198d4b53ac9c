"""Tips (赞赏): from the wallet with a confirmation, once per key, to the writer less the tip fee, undone within
the window, worded in the wallet and earnings histories, counted on the article."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from byline.ledger.invariants import problems
from byline.ledger.models import AccountKind, TransferKind
from byline.ledger.selectors import balance_of
from byline.tips import services
from byline.tips.errors import NotEnoughForTip, TipKeyReused, TipRefused, TipUndoRefused
from byline.tips.models import Tip, TipStatus
from tests.conftest import make_user
from tests.ledger.conftest import balance, fund

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def earnings(author, currency="USD"):
    return balance_of(owner=author.user, kind=AccountKind.EARNINGS, currency=currency)


def test_a_tip_moves_money_to_the_writer_less_the_tip_fee_once_per_key(paid_article, author, settings):
    settings.TIP_FEE_PERCENT = 10
    reader = make_user()
    fund(reader, 1_000)
    first = services.tip_from_wallet(tipper=reader, article=paid_article, amount_minor=500, currency="USD",
                                     idempotency_key="k1", message="Thank you")
    again = services.tip_from_wallet(tipper=reader, article=paid_article, amount_minor=500, currency="USD",
                                     idempotency_key="k1")
    assert first.pk == again.pk and Tip.objects.count() == 1
    assert balance(reader) == 500 and earnings(author) == 450 and first.fee_minor == 50
    assert first.transfer.kind == TransferKind.TIP
    with pytest.raises(TipKeyReused):
        services.tip_from_wallet(tipper=reader, article=paid_article, amount_minor=200, currency="USD",
                                 idempotency_key="k1")
    with pytest.raises(NotEnoughForTip):
        services.tip_from_wallet(tipper=reader, article=paid_article, amount_minor=1_000, currency="USD",
                                 idempotency_key="k2")
    assert problems() == []


def test_amounts_outside_the_limits_and_self_tips_are_refused(paid_article, author):
    reader = make_user()
    fund(reader, 100_000)
    for amount in (0, 99, 20_001):
        with pytest.raises(TipRefused):
            services.tip_from_wallet(tipper=reader, article=paid_article, amount_minor=amount, currency="USD",
                                     idempotency_key=f"a{amount}")
    with pytest.raises(TipRefused):
        services.tip_from_wallet(tipper=author.user, article=paid_article, amount_minor=100, currency="USD",
                                 idempotency_key="self")


def test_an_author_who_takes_no_tips_gets_none_and_no_tip_box(free_article, author):
    services.set_accepts_tips(author=author, accepts=False)
    reader = make_user()
    fund(reader, 1_000)
    with pytest.raises(TipRefused):
        services.tip_from_wallet(tipper=reader, article=free_article, amount_minor=100, currency="USD",
                                 idempotency_key="closed")
    assert "Tip the writer" not in signed_in(reader).get(free_article.get_absolute_url()).content.decode()


def test_undo_within_the_window_gives_it_all_back_and_not_after(paid_article, author, settings):
    reader = make_user()
    fund(reader, 1_000)
    tip = services.tip_from_wallet(tipper=reader, article=paid_article, amount_minor=300, currency="USD",
                                   idempotency_key="u1")
    services.undo_tip(tipper=reader, tip_id=tip.pk)
    assert balance(reader) == 1_000 and earnings(author) == 0
    assert Tip.objects.get().status == TipStatus.UNDONE
    late = services.tip_from_wallet(tipper=reader, article=paid_article, amount_minor=300, currency="USD",
                                    idempotency_key="u2")
    with pytest.raises(TipUndoRefused):
        services.undo_tip(tipper=reader, tip_id=late.pk,
                          now=timezone.now() + dt.timedelta(seconds=settings.UNDO_WINDOW_SECONDS + 1))
    assert problems() == []


def test_the_tip_walk_confirms_amount_and_balances_then_redirects_and_shows_in_the_wallet(paid_article, author):
    reader = make_user("tipper")
    fund(reader, 1_000)
    client = signed_in(reader)
    page = client.get(paid_article.get_absolute_url()).content.decode()
    assert "Be the first to tip this article." in page and reverse("tips:tip", args=[paid_article.slug]) in page
    choose = client.get(reverse("tips:tip", args=[paid_article.slug])).content.decode()
    assert "$5.00" in choose and "$50.00" in choose and "$1.00 to $200.00" in choose
    confirm = client.get(reverse("tips:confirm", args=[paid_article.slug]),
                         {"amount": "custom", "custom": "2.50", "message": "Lovely", "anonymous": ""})
    text = confirm.content.decode()
    assert confirm.status_code == 200 and "$2.50" in text and "$10.00" in text and "$7.50" in text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', text).group(1)
    form = {"idempotency_key": key, "confirmed": "yes", "amount": "250", "currency": "USD", "message": "Lovely"}
    first = client.post(reverse("tips:confirm", args=[paid_article.slug]), form)
    second = client.post(reverse("tips:confirm", args=[paid_article.slug]), form)
    assert first.status_code == second.status_code == 303 and first["Location"] == second["Location"]
    assert Tip.objects.count() == 1 and balance(reader) == 750
    receipt = client.get(first["Location"]).content.decode()
    assert "Undo this tip" in receipt
    wallet = client.get(reverse("purchases:wallet")).content.decode()
    assert f"Tip to {author.name}: {paid_article.title}" in wallet
    writer_page = signed_in(author.user).get(reverse("purchases:earnings")).content.decode()
    assert f"Tip received: {paid_article.title}" in writer_page
    page = Client().get(paid_article.get_absolute_url()).content.decode()
    assert "1 reader tipped" in page and "Readers who tipped: tipper" in page


def test_bad_amounts_on_the_tip_pages_are_form_errors(paid_article):
    client = signed_in(make_user())
    url = reverse("tips:confirm", args=[paid_article.slug])
    for query in ({"amount": "custom", "custom": "abc"}, {"amount": "custom", "custom": "99999"},
                  {"amount": "7"}, {}):
        assert client.get(url, query).status_code == 400, query
    refused = client.post(url, {"confirmed": "yes", "amount": "²", "currency": "USD", "idempotency_key": "x"})
    assert refused.status_code == 303 and not Tip.objects.exists()


def test_the_caring_version_preselects_no_amount_and_gives_every_choice_equal_weight(paid_article, settings):
    settings.PAYMENT_METHODS = {"USD": ["sandbox", "alipay"]}  # the method list, not the one card button
    reader = make_user()
    fund(reader, 1_000)
    client = signed_in(reader)
    client.cookies["byline_reading"] = "caring|standard|100|0000"
    page = client.get(reverse("tips:tip", args=[paid_article.slug])).content.decode()
    assert " checked" not in page and "Maybe later" in page
    assert "button-primary" not in page.split("<main")[1]
    confirm = client.get(reverse("tips:confirm", args=[paid_article.slug]), {"amount": "500"}).content.decode()
    main = confirm.split("<main")[1]
    assert "Confirm: tip $5.00 from my balance" in main and "Pay $5.00 with Card" in main
    assert "Maybe later" in main and "button-primary" not in main
    standard = signed_in(reader).get(reverse("tips:confirm", args=[paid_article.slug]), {"amount": "500"})
    assert "button-primary" in standard.content.decode().split("<main")[1]


def test_the_wallet_receipt_of_a_tip_and_of_its_undo_say_what_they_were(paid_article, author):
    reader = make_user()
    fund(reader, 1_000)
    tip = services.tip_from_wallet(tipper=reader, article=paid_article, amount_minor=200, currency="USD",
                                   idempotency_key="receipt")
    services.undo_tip(tipper=reader, tip_id=tip.pk)
    tip.refresh_from_db()
    client = signed_in(reader)
    given = client.get(reverse("purchases:receipt", args=[tip.transfer_id])).content.decode()
    undone = client.get(reverse("purchases:receipt", args=[tip.reversal_id])).content.decode()
    assert f"Tip to {author.name}: {paid_article.title}" in given and "Paid from your balance" in given
    assert f"Tip undone: {paid_article.title}" in undone and "Refunded to your balance" in undone
