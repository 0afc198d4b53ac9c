"""The studio's collection form: text through NormalisedCharField (browsers send CRLF), the price in
major units and an own price per other currency the site sells, as on the article editor."""

from __future__ import annotations

import re
import secrets

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from byline.articles.models import Currency
from byline.articles.services import to_minor_units
from byline.collections import selectors
from byline.collections.models import Collection
from byline.core.money import money
from byline.core.text_input import NormalisedCharField
from byline.pricing.conversion import sold_currencies


def _major(minor: int, currency: str) -> str:
    from decimal import Decimal

    from byline.pricing.conversion import exponent

    return format(Decimal(minor).scaleb(-exponent(currency)), "f")


def _own_price_label(code: str):
    from django.utils.functional import lazy
    from django.utils.translation import gettext

    return lazy(lambda: gettext("Own price in %(currency)s (optional)") % {"currency": code}, str)()


def _currencies() -> list[tuple[str, str]]:
    return [(code, label) for code, label in Currency.choices if code in sold_currencies()]


class CollectionForm(forms.Form):
    title = NormalisedCharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(label=_("Address (optional)"), max_length=120, required=False,
                           help_text=_("Letters, digits and hyphens; made from the title if empty."))
    description = NormalisedCharField(label=_("Description"), max_length=1000, required=False,
                                      widget=forms.Textarea(attrs={"rows": 4}))
    price = forms.CharField(label=_("Price of the whole collection"), max_length=20,
                            help_text=_("In major units, for example 29 or 7.50."))
    currency = forms.ChoiceField(label=_("Currency"), choices=_currencies)
    includes_later = forms.BooleanField(label=_("Articles I add later are included for earlier buyers"),
                                        required=False, initial=True)

    def __init__(self, *args, instance: Collection | None = None, author=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        # The writer's monthly subscription prices, {currency: minor units}: a collection may cost no more.
        self.monthly = selectors.monthly_prices(author_id=author.pk) if author is not None else {}
        if self.monthly:
            self.fields["price"].help_text = _("In major units, for example 29 or 7.50. At most your monthly "
                                               "subscription price in that currency, so a reader never pays more "
                                               "for a collection than for subscribing to you.")
        # One optional own price per currency the site sells, as the article editor has: a currency left
        # empty is converted from the main price (Collection.price_in). The main currency's is ignored.
        self.own_price_names = {}
        for code, _label in _currencies():
            name = f"price_{code.lower()}"
            self.own_price_names[name] = code
            self.fields[name] = forms.CharField(label=_own_price_label(code), max_length=20, required=False)
        if instance is not None:
            for code, amount in (instance.prices or {}).items():
                if f"price_{code.lower()}" in self.own_price_names:
                    self.initial.setdefault(f"price_{code.lower()}", _major(amount, code))
        self.order_fields(["title", "slug", "description", "price", "currency", *self.own_price_names,
                           "includes_later"])

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug") or ""
        if slug and Collection.objects.filter(slug=slug).exclude(pk=getattr(self.instance, "pk", None)).exists():
            raise ValidationError(_("Another collection has this address already."))
        return slug

    def clean(self):
        data = super().clean()
        if "price" in data and "currency" in data:
            try:
                data["price_minor"] = to_minor_units(data["price"], data["currency"])
            except ValidationError as error:
                self.add_error("price", error)
            else:
                if data["price_minor"] <= 0:
                    self.add_error("price", _("A collection needs a price above zero."))
                else:
                    self._within_monthly("price", data["price_minor"], data["currency"])
        data["prices"] = {}
        for name, code in self.own_price_names.items():
            typed = (data.get(name) or "").strip()
            if not typed or code == data.get("currency"):
                continue
            try:
                amount = to_minor_units(typed, code)
            except ValidationError as error:
                self.add_error(name, error)
            else:
                if amount:
                    data["prices"][code] = amount
                    self._within_monthly(name, amount, code)
        if not data.get("slug") and data.get("title"):
            data["slug"] = self._free_slug(slugify(data["title"])[:100] or "collection")
        return data

    def _within_monthly(self, field: str, amount: int, currency: str) -> None:
        monthly = self.monthly.get(currency)
        if monthly is not None and amount > monthly:
            self.add_error(field, _("This is more than your monthly subscription (%(monthly)s). A collection may "
                                    "cost at most that, so a reader never pays more than for subscribing to you: "
                                    "lower the price to %(monthly)s or less.") % {"monthly": money(monthly, currency)})

    def _free_slug(self, base: str) -> str:
        taken = Collection.objects.exclude(pk=getattr(self.instance, "pk", None))
        if self.instance is not None and self.instance.slug:
            return self.instance.slug
        slug = base
        while taken.filter(slug=slug).exists():
            slug = f"{base}-{secrets.token_hex(2)}"
        return slug


_CODE = re.compile(r"^[A-Za-z0-9_-]{3,40}$")


class CollectionOfferForm(forms.Form):
    """Percent off the whole collection, by code or link, between dates, for a limited number of readers
    (each once): a subscriptions.Offer for this collection (subscriptions.services.create_offer)."""

    percent_off = forms.IntegerField(label=_("Percent off the whole collection"), min_value=1, max_value=100,
                                     error_messages={"required": _("Choose a percentage from 1 to 100."),
                                                     "invalid": _("Choose a percentage from 1 to 100."),
                                                     "min_value": _("Choose a percentage from 1 to 100."),
                                                     "max_value": _("Choose a percentage from 1 to 100.")})
    code = NormalisedCharField(label=_("Code (optional)"), required=False, max_length=40,
                               help_text=_("Letters, digits, - and _. Readers type it; the offer's link works "
                                           "without it."))
    starts_on = forms.DateField(label=_("First day (optional)"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Last day (optional)"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    max_redemptions = forms.IntegerField(label=_("How many readers may take it (optional)"), required=False,
                                         min_value=1, max_value=1_000_000)

    def clean(self):
        data = super().clean()
        code = (data.get("code") or "").strip()
        if code and not _CODE.match(code):
            self.add_error("code", _("Use 3 to 40 letters, digits, - or _."))
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The offer must end after it starts."))
        return data
