"""The studio's collection form: text through NormalisedCharField (browsers send CRLF), the price in
major units, as on the article editor."""

from __future__ import annotations

import secrets

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from byline.articles.models import Currency
from byline.articles.services import to_minor_units
from byline.collections.models import Collection
from byline.core.text_input import NormalisedCharField
from byline.pricing.conversion import sold_currencies


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

    def __init__(self, *args, instance: Collection | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance

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
        if not data.get("slug") and data.get("title"):
            data["slug"] = self._free_slug(slugify(data["title"])[:100] or "collection")
        return data

    def _free_slug(self, base: str) -> str:
        taken = Collection.objects.exclude(pk=getattr(self.instance, "pk", None))
        if self.instance is not None and self.instance.slug:
            return self.instance.slug
        slug = base
        while taken.filter(slug=slug).exists():
            slug = f"{base}-{secrets.token_hex(2)}"
        return slug
