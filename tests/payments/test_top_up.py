"""The top-up page: in the reader's own currency, its presets, another amount typed in, and errors in words."""

import pytest
from django.urls import reverse
from django.utils import translation

from byline.payments.models import Checkout
from byline.pricing.services import choose_currency
from tests.ledger.conftest import new_key

pytestmark = pytest.mark.django_db


def top_up_url(language: str = "en") -> str:
    with translation.override(language):
        return reverse("payments:top_up")


def post(client, language: str = "en", **form):
    return client.post(top_up_url(language), {"idempotency_key": new_key(), **form})


def test_the_presets_are_in_the_readers_own_currency_and_there_is_no_currency_to_pick(client, reader):
    client.force_login(reader)
    page = client.get(top_up_url()).content.decode()
    assert "$5.00" in page and "$20.00" in page and 'name="currency"' not in page
    choose_currency(reader=reader, currency="CNY")
    page = client.get(top_up_url()).content.decode()
    assert "¥30.00" in page and "¥100.00" in page and "$5.00" not in page


def test_a_new_reader_reading_in_chinese_tops_up_in_yuan(client, reader):
    client.force_login(reader)
    page = client.get(top_up_url("zh-hans")).content.decode()
    assert "¥50.00" in page
    post(client, "zh-hans", preset="5000")
    assert (Checkout.objects.get().currency, Checkout.objects.get().amount_minor) == ("CNY", 5000)


def test_an_amount_typed_under_other_amount_is_used_even_with_a_preset_chosen(client, reader):
    client.force_login(reader)
    response = post(client, preset="1000", custom_amount="12.50")
    assert response.status_code == 302 and Checkout.objects.get().amount_minor == 1250


@pytest.mark.parametrize("currency, typed, amount", [
    ("USD", "$7", 700), ("USD", " 8.00 ", 800), ("USD", "１２.５", 1250), ("CNY", "１００", 10_000),
    ("CNY", "1,000元", 100_000), ("CNY", "¥88.8", 8880),
])
def test_amounts_are_read_the_way_people_type_them(client, reader, currency, typed, amount):
    choose_currency(reader=reader, currency=currency)
    client.force_login(reader)
    post(client, preset="custom", custom_amount=typed)
    assert Checkout.objects.get().amount_minor == amount


@pytest.mark.parametrize("language, form, message", [
    ("en", {"preset": "3000"}, "Choose one of the amounts shown, or type another amount."),
    ("en", {"preset": "custom"}, "Type the amount you want to add, or choose one of the amounts above."),
    ("en", {}, "Choose an amount, or type another amount."),
    ("en", {"preset": "custom", "custom_amount": "ten"}, "Type the amount in figures, for example 12.50."),
    ("en", {"preset": "custom", "custom_amount": "1.234"}, "Use at most two decimals, for example 12.50."),
    ("en", {"preset": "custom", "custom_amount": "0.50"}, "Choose an amount between $1.00 and $500.00."),
    ("zh-hans", {"preset": "1000"}, "请选择所列金额之一，或输入其他金额。"),  # a dollar preset from an old page
    ("zh-hans", {"preset": "custom", "custom_amount": "十"}, "请用数字输入金额，例如 100。"),
])
def test_mistakes_are_answered_in_words_never_raw_form_errors(client, reader, language, form, message):
    client.force_login(reader)
    response = post(client, language, **form)
    page = response.content.decode()
    assert response.status_code == 400 and message in page
    assert "Select a valid choice" not in page and "选择一个有效的选项" not in page
    assert not Checkout.objects.exists()


def test_a_double_submitted_top_up_opens_one_checkout(client, reader):
    client.force_login(reader)
    form = {"preset": "1000", "idempotency_key": new_key()}
    first, second = client.post(top_up_url(), form), client.post(top_up_url(), form)
    assert first["Location"] == second["Location"] and Checkout.objects.count() == 1
