"""Probe: prices typed in exponent form. Decimal reads "1e999999" as a number, and scaling it to minor units
overflowed Decimal's context (decimal.Overflow, a 500 in the editor); far digits were rounded away (the
28-digit context) so a price with more decimals than the currency has was taken."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from byline.articles.models import Article
from byline.articles.services import to_minor_units
from tests.conftest import make_author, make_topic


@pytest.mark.parametrize("typed", ["1e999999", "1e999999999", "9" * 15 + "e99999"])
def test_a_huge_exponent_is_too_high_not_an_overflow(typed):
    with pytest.raises(ValidationError, match="too high"):
        to_minor_units(typed, "USD")


@pytest.mark.parametrize("typed", ["1.000000000000000000000000000001", "9e-999999999", "1e-999999"])
def test_far_decimals_are_refused_not_rounded_away(typed):
    with pytest.raises(ValidationError, match="more decimals"):
        to_minor_units(typed, "USD")


@pytest.mark.parametrize(("typed", "currency", "minor"), [
    ("3.00", "USD", 300), ("3", "USD", 300), ("1e2", "USD", 10_000), ("0e999999999", "USD", 0), ("-0", "USD", 0),
    ("18", "CNY", 1800), ("2.5", "EUR", 250), ("12.3400", "EUR", 1234)])
def test_ordinary_prices_still_convert(typed, currency, minor):
    assert to_minor_units(typed, currency) == minor


@pytest.mark.django_db
def test_the_editor_answers_a_huge_exponent_with_a_form_error(client):
    author = make_author("exponent")
    client.force_login(author.user)
    data = {"title": "Exponents", "body_markdown": "Free.\n\n<!-- paywall -->\n\nPaid.", "lang": "en",
            "topic": make_topic().pk, "visibility": "paid", "currency": "USD", "price": "1e999999", "action": "save"}
    response = client.post(reverse("studio:new"), data)
    assert response.status_code < 500
    assert not Article.objects.filter(author=author).exists()
