"""Forms: a writer's prices (every sold currency, monthly and yearly) and a new offer; a reader's offer code.
Amounts are typed in major units ("5", "5.50", "28") and kept as minor units."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from byline.core.text_input import NormalisedCharField
from byline.pricing.conversion import currency_name, sold_currencies
from byline.purchases.models import Interval
from byline.subscriptions.models import OfferKind, OfferTarget

_MAJOR = re.compile(r"^\d{1,7}(?:\.\d{1,2})?$")
_CODE = re.compile(r"^[A-Za-z0-9_-]{3,40}$")


def to_minor(text: str, currency: str) -> int | None:
    """"5.50" in `currency` as minor units; None for text that is not such an amount."""
    text = (text or "").strip().replace(",", ".").replace("，", ".")
    if not _MAJOR.match(text):
        return None
    whole, _dot, cents = text.partition(".")
    exponent = settings.CURRENCIES.get(currency, 2)
    if cents and len(cents) > exponent:
        return None
    return int(whole) * 10**exponent + (int(cents.ljust(exponent, "0")) if cents else 0)


def to_major(minor: int, currency: str) -> str:
    """500 in USD -> "5.00"; 2800 in CNY -> "28" (what the price field shows)."""
    exponent = settings.CURRENCIES.get(currency, 2)
    whole, fraction = divmod(minor, 10**exponent)
    return f"{whole}.{fraction:0{exponent}d}" if exponent else str(whole)


def field_name(interval: str, currency: str) -> str:
    return f"{interval}_{currency.lower()}"


class PricesForm(forms.Form):
    """One optional field per billing period and sold currency; an empty field stops offering it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for currency in sold_currencies():
            for interval, label in ((Interval.MONTH, _("Monthly, in %(currency)s")),
                                    (Interval.YEAR, _("Yearly, in %(currency)s"))):
                self.fields[field_name(interval, currency)] = forms.CharField(
                    label=label % {"currency": currency_name(currency)}, required=False, max_length=12,
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))

    def clean(self):
        data = super().clean()
        prices = {}
        for currency in sold_currencies():
            for interval in (Interval.MONTH, Interval.YEAR):
                name = field_name(interval, currency)
                text = (data.get(name) or "").strip()
                if not text:
                    prices[(interval, currency)] = None
                    continue
                minor = to_minor(text, currency)
                if minor is None or minor <= 0:
                    self.add_error(name, _("Write an amount above zero, such as 5 or 5.50."))
                    continue
                prices[(interval, currency)] = minor
        data["prices"] = prices
        return data


class OfferForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of offer"), choices=OfferKind.choices, widget=forms.RadioSelect)
    percent_off = forms.IntegerField(label=_("Percent off"), required=False, min_value=1, max_value=100)
    amount_off = forms.CharField(label=_("Amount off"), required=False, max_length=12)
    currency = forms.ChoiceField(label=_("Currency of the amount off"), required=False)
    trial_days = forms.IntegerField(label=_("Days of free trial"), required=False, min_value=1, max_value=365)
    code = NormalisedCharField(label=_("Code (optional)"), required=False, max_length=40,
                               help_text=_("Letters, digits, - and _. Readers type it; the offer's link works "
                                           "without it."))
    ends_on = forms.DateField(label=_("Last day (optional)"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    max_redemptions = forms.IntegerField(label=_("How many readers may take it (optional)"), required=False,
                                         min_value=1, max_value=1_000_000)
    retention = forms.BooleanField(label=_("Offer it to subscribers who cancel, instead of by code or link"),
                                   required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [("", "—")] + [(c, currency_name(c)) for c in sold_currencies()]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == OfferKind.PERCENT and not data.get("percent_off"):
            self.add_error("percent_off", _("Choose a percentage from 1 to 100."))
        if kind == OfferKind.FIXED:
            currency = data.get("currency") or ""
            minor = to_minor(data.get("amount_off") or "", currency) if currency else None
            if not currency:
                self.add_error("currency", _("Choose the currency of the amount off."))
            elif not minor:
                self.add_error("amount_off", _("Write an amount above zero, such as 5 or 5.50."))
            data["amount_off_minor"] = minor
        if kind == OfferKind.TRIAL and not data.get("trial_days"):
            self.add_error("trial_days", _("Choose a trial of 1 to 365 days."))
        code = (data.get("code") or "").strip()
        if code and not _CODE.match(code):
            self.add_error("code", _("Use 3 to 40 letters, digits, - or _."))
        data["target"] = OfferTarget.AUTHOR
        return data


class CodeForm(forms.Form):
    code = NormalisedCharField(label=_("Offer code"), required=False, max_length=40)
