"""Conversion between the currencies the site sells, and rounding up to each currency's price steps."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from byline.pricing.conversion import convert, is_step, price_in, rate, round_up_to_step, sold_currencies

SOLD = ["USD", "EUR", "CNY"]
amounts = st.integers(min_value=1, max_value=10_000_000)


@pytest.mark.parametrize("currency, amount, step", [
    ("USD", 1, 50), ("USD", 50, 50), ("USD", 51, 99), ("USD", 99, 99), ("USD", 100, 100), ("USD", 101, 150),
    ("USD", 213, 250), ("USD", 251, 299), ("USD", 299, 299), ("USD", 300, 300), ("EUR", 276, 299),
    ("CNY", 1, 100), ("CNY", 720, 800), ("CNY", 999, 1000), ("CNY", 1000, 1000), ("CNY", 1001, 1500),
    ("CNY", 1440, 1500), ("CNY", 1501, 1800), ("CNY", 2160, 2500), ("CNY", 2801, 3000), ("CNY", 10_001, 10_500),
])
def test_amounts_round_up_to_the_documented_steps(currency, amount, step):
    assert round_up_to_step(amount, currency) == step


@pytest.mark.parametrize("currency", SOLD)
def test_every_amount_rounds_up_to_the_least_step_at_or_above_it(currency):
    """Checked exhaustively over the prices articles have (up to 300.00): nothing is skipped, nothing lowered."""
    steps = [amount for amount in range(1, 30_001) if is_step(amount, currency)]
    index = 0
    for amount in range(1, 30_001):
        while steps[index] < amount:
            index += 1
        assert round_up_to_step(amount, currency) == steps[index]


@given(currency=st.sampled_from(SOLD), amount=amounts, other=amounts)
def test_rounding_is_upward_idempotent_and_monotonic(currency, amount, other):
    step = round_up_to_step(amount, currency)
    assert step >= amount and is_step(step, currency) and round_up_to_step(step, currency) == step
    if amount <= other:
        assert step <= round_up_to_step(other, currency)


@given(source=st.sampled_from(SOLD), target=st.sampled_from(SOLD), amount=amounts)
def test_a_converted_price_is_a_step_worth_at_least_the_original(source, target, amount):
    converted = convert(amount, source, target)
    if source == target:
        assert converted == amount
        return
    assert is_step(converted, target)
    # Back at the table's rate (both currencies have two decimals), the reader pays no less than the author asked.
    assert Decimal(converted) / rate(target) * rate(source) >= Decimal(amount)


@hypothesis_settings(max_examples=50)
@given(currency=st.sampled_from(SOLD), amount=amounts, own=st.integers(min_value=1, max_value=10_000_000))
def test_the_authors_own_price_wins_over_the_conversion(currency, amount, own):
    base = "EUR" if currency != "EUR" else "USD"
    assert price_in(base_minor=amount, base_currency=base, own={currency: own}, currency=currency) == own
    assert price_in(base_minor=amount, base_currency=base, own={}, currency=currency) == convert(amount, base,
                                                                                               currency)
    assert price_in(base_minor=amount, base_currency=currency, own={}, currency=currency) == amount
    assert price_in(base_minor=0, base_currency=base, own={currency: own}, currency=currency) == 0


def test_the_table_comes_from_the_settings(settings):
    assert convert(300, "USD", "CNY") == 2500  # 3.00 × 7.20 = 21.60, up to ¥25
    settings.CURRENCY_RATES = {"USD": "1", "EUR": "0.92", "CNY": "6.50"}
    assert convert(300, "USD", "CNY") == 2000  # 19.50, up to ¥20
    settings.CURRENCY_RATES = {"USD": "1", "CNY": "7"}
    assert sold_currencies() == ["USD", "CNY"]


def test_a_broken_table_stops_the_site_at_start_up(settings):
    from byline.pricing.checks import currency_settings

    assert currency_settings() == []
    settings.CURRENCY_RATES = {"USD": "1", "EUR": "-1", "CNY": "seven"}
    settings.PRICE_STEPS = {"USD": [(1000, 100, (0,))]}  # a last band with a bound
    ids = {error.id for error in currency_settings()}
    assert {"pricing.E001", "pricing.E006"} <= ids
    settings.CURRENCY_RATES = {"USD": "1"}
    assert "pricing.E003" in {error.id for error in currency_settings()}  # articles priced in CNY, EUR
