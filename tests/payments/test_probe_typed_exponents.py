"""Probe: a top-up amount typed in exponent form. "1e999999" overflowed Decimal's context (decimal.Overflow, a 500
on the top-up page); it is now an amount outside the limits, and far decimals are not rounded away."""

import pytest
from django.core.exceptions import ValidationError

from byline.payments.forms import typed_amount


@pytest.mark.parametrize("typed", ["1e999999", "1E999999999", "-1e999999"])
def test_a_huge_exponent_is_outside_the_limits_not_an_overflow(typed):
    with pytest.raises(ValidationError) as refused:
        typed_amount(typed, "USD")
    assert "between" in str(refused.value)


def test_far_decimals_are_refused_not_rounded_away():
    with pytest.raises(ValidationError) as refused:
        typed_amount("10.000000000000000000000000000001", "USD")
    assert "decimals" in str(refused.value)


@pytest.mark.parametrize(("typed", "currency", "minor"), [("12.50", "USD", 1250), ("$20", "USD", 2000),
                                                          ("１００元", "CNY", 10_000), ("1e3", "CNY", 100_000)])
def test_ordinary_amounts_still_read(typed, currency, minor, settings):
    settings.TOPUP_LIMITS = {**settings.TOPUP_LIMITS, currency: (100, 1_000_000)}
    assert typed_amount(typed, currency) == minor
