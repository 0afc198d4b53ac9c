"""The amount a writer pays out is an amount, not a price: no price cap (a payout above 1,000,000.00 was refused as
"That price is too high"), the same reading of typed figures as a top-up, and what is more than is available is
left to the service."""

import pytest
from django.utils import translation

from byline.payouts.forms import AmountForm


def cleaned(typed: str, currency: str = "USD"):
    form = AmountForm(data={"amount": typed, "idempotency_key": "k"}, currency=currency)
    return form.cleaned_data["amount"] if form.is_valid() else form.errors["amount"][0]


def test_large_and_decorated_amounts_read_as_minor_units():
    assert cleaned("2000000.00") == 200_000_000
    assert cleaned("１２０元", "CNY") == 12_000
    assert cleaned("$1,250.5") == 125_050
    assert cleaned("1e999999") > 10**15  # far above anything available: the service refuses it, never a 500


@pytest.mark.parametrize("typed, english, chinese", [
    ("12.345", "at most two decimals", "最多保留两位小数"),
    ("twelve", "in figures", "请用数字输入金额"),
    ("0", "above zero", None),
    ("-5", "above zero", None),
])
def test_what_is_not_an_amount_is_said_in_both_languages(typed, english, chinese):
    assert english in cleaned(typed)
    if chinese:
        with translation.override("zh-hans"):
            assert chinese in cleaned(typed)
