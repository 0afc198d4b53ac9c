"""The editor's form: text through NormalisedCharField (browsers send CRLF), prices in major units."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from byline.articles.models import Article, Currency, Language, Topic, Visibility, slug_validator
from byline.articles.services import to_minor_units
from byline.core.text_input import NormalisedCharField
from byline.pricing.conversion import convert, exponent, sold_currencies
from byline.studio.drafts import Draft

# A sensible first price in each currency: what a long read costs on similar sites.
DEFAULT_PRICES = {"USD": 300, "EUR": 300, "CNY": 1800}


def priced_currencies() -> list[str]:
    """The currencies an article may be priced in: sold by the site and known to the article model."""
    return [code for code in sold_currencies() if code in Currency.values]


def default_price(currency: str) -> int:
    if currency in DEFAULT_PRICES:
        return DEFAULT_PRICES[currency]
    return convert(DEFAULT_PRICES["USD"], "USD", currency)


def major(minor: int, currency: str) -> str:
    return format(Decimal(minor).scaleb(-exponent(currency)), "f")


def _own_price_label(code: str):
    return lazy(lambda: gettext("Own price in %(currency)s (optional)") % {"currency": code}, str)()


MAX_TAGS = 10
MAX_TAG_LENGTH = 40
# Writers separate tags with a comma, a full-width comma (，) or an enumeration comma (、): Chinese keyboards
# type the last two. Line breaks too, for a pasted list.
TAG_SEPARATORS = re.compile(r"[,，、\n]")


def parse_tags(text: str) -> list[str]:
    """The tags in `text` (already normalised: no CR, NFC), trimmed, without empties and repeats (the first
    spelling kept, compared without case), in the order typed. ValidationError: too many, or one too long."""
    tags: list[str] = []
    seen: set[str] = set()
    for part in TAG_SEPARATORS.split(text):
        tag = " ".join(part.split())  # trimmed, inner runs of spaces made one
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    problems = [ValidationError(gettext("“%(tag)s” is longer than %(limit)d characters: shorten it.")
                                % {"tag": tag[:MAX_TAG_LENGTH] + "…", "limit": MAX_TAG_LENGTH})
                for tag in tags if len(tag) > MAX_TAG_LENGTH]
    if len(tags) > MAX_TAGS:
        problems.append(ValidationError(gettext("At most %(limit)d tags: you have %(count)d.")
                                        % {"limit": MAX_TAGS, "count": len(tags)}))
    if problems:
        raise ValidationError(problems)
    return tags


class TopicField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Topic) -> str:
        return obj.name  # in the page's language


class EditorForm(forms.Form):
    title = NormalisedCharField(label=_("Title"), max_length=200, required=False)
    subtitle = NormalisedCharField(label=_("Subtitle"), max_length=300, required=False)
    body_markdown = NormalisedCharField(
        label=_("Text (Markdown)"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 22, "spellcheck": "true"}),
        help_text=_("Put the line <!-- paywall --> where the free preview ends."))
    lang = forms.ChoiceField(label=_("Language of the article"), choices=Language.choices)
    topic = TopicField(label=_("Topic"), queryset=Topic.objects.order_by("slug"), empty_label=None)
    visibility = forms.ChoiceField(label=_("Who may read the rest"), choices=Visibility.choices,
                                   widget=forms.RadioSelect, initial=Visibility.PAID)
    currency = forms.ChoiceField(label=_("Currency"))
    price = forms.CharField(label=_("Price"), max_length=20, required=False,
                            help_text=_("In yuan, dollars or euros, e.g. 3.00."))
    description = NormalisedCharField(label=_("Description for search engines and share previews"),
                                      max_length=300, required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}),
                                      help_text=_("Empty: the start of the free preview."))
    canonical_url = forms.URLField(label=_("First published at (canonical URL)"), required=False, max_length=500,
                                   assume_scheme="https",
                                   help_text=_("Only for a piece that appeared elsewhere first."))
    tags = NormalisedCharField(label=_("Tags"), max_length=600, required=False,
                               help_text=_("Up to 10, separated by commas (, or ， or 、), e.g. history, canals."))
    # The key of one of the article's uploaded images, or empty: checked by studio.services (it must be this
    # article's, and not an image that only the locked half shows).
    cover = forms.CharField(label=_("Cover image"), max_length=24, required=False)
    slug = forms.CharField(label=_("Address (slug)"), max_length=120, required=False, validators=[slug_validator],
                           help_text=_("Empty: made from the title. Changing the address of a published "
                                       "article keeps the old one working."))
    base_revision = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, lang: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        codes = priced_currencies()
        self.fields["currency"].choices = [(code, code) for code in codes]
        self.own_price_names = {}
        for code in codes:
            name = f"price_{code.lower()}"
            self.own_price_names[name] = code
            self.fields[name] = forms.CharField(label=_own_price_label(code), max_length=20, required=False)
        if not self.is_bound and not self.initial.get("currency"):
            currency = "CNY" if lang.startswith("zh") and "CNY" in codes else codes[0]
            self.initial.setdefault("currency", currency)
            self.initial.setdefault("price", major(default_price(currency), currency))
            self.initial.setdefault("lang", lang)

    def own_price_fields(self) -> list[tuple]:
        """(bound field, its currency, whether it is the main currency: then hidden, the main price says it)."""
        main = (self.data.get("currency") if self.is_bound else None) or self.initial.get("currency")
        return [(self[name], code, code == main) for name, code in self.own_price_names.items()]

    @classmethod
    def initial_for(cls, article: Article, *, title: str, subtitle: str, body: str, base: int | None) -> dict:
        initial = {
            "title": title, "subtitle": subtitle, "body_markdown": body, "lang": article.lang,
            "topic": article.topic_id,
            "visibility": article.visibility, "currency": article.currency,
            "price": major(article.price_minor or default_price(article.currency), article.currency),
            "description": article.description, "canonical_url": article.canonical_url, "slug": article.slug,
            "base_revision": base, "tags": ", ".join(name for _slug, name in article.tag_list or []),
            "cover": article.cover_url.split("/")[2] if article.cover_url else "",
        }
        for code, amount in (article.prices or {}).items():
            initial[f"price_{code.lower()}"] = major(amount, code)
        return initial

    def clean_tags(self) -> list[str]:
        return parse_tags(self.cleaned_data.get("tags") or "")

    def clean(self):
        cleaned = super().clean()
        currency = cleaned.get("currency")
        visibility = cleaned.get("visibility")
        cleaned["price_minor"] = 0
        cleaned["prices"] = {}
        if currency and visibility and visibility != Visibility.FREE:
            typed = (cleaned.get("price") or "").strip()
            if not typed and visibility == Visibility.PAID:
                self.add_error("price", gettext("A paid article needs a price above zero."))
            elif typed:
                try:
                    cleaned["price_minor"] = to_minor_units(typed, currency)
                except ValidationError as error:
                    self.add_error("price", error)
                if visibility == Visibility.PAID and cleaned["price_minor"] == 0 and "price" not in self.errors:
                    self.add_error("price", gettext("A paid article needs a price above zero."))
            for name, code in self.own_price_names.items():
                typed = (cleaned.get(name) or "").strip()
                if typed and code != currency:
                    try:
                        amount = to_minor_units(typed, code)
                    except ValidationError as error:
                        self.add_error(name, error)
                    else:
                        if amount:
                            cleaned["prices"][code] = amount
        # Where the paywall line stands is checked by the save itself (articles.services.validate_article), which
        # keeps the text as a revision even then; its errors come back onto this form.
        return cleaned

    def draft(self) -> Draft:
        """The form's values for the services (call only once it is valid, or for a preview of what parsed)."""
        data = self.cleaned_data
        return Draft(title=data.get("title") or "", subtitle=data.get("subtitle") or "",
                     body_markdown=data.get("body_markdown") or "", topic=data.get("topic"),
                     lang=data.get("lang") or "en", visibility=data.get("visibility") or Visibility.FREE,
                     price_minor=data.get("price_minor") or 0, currency=data.get("currency") or "USD",
                     prices=data.get("prices") or {}, description=data.get("description") or "",
                     canonical_url=data.get("canonical_url") or "", slug=data.get("slug") or "",
                     # A form posted without these fields (an old tab, a script) leaves them as they are.
                     tags=data.get("tags") if "tags" in self.data else None,
                     cover=data.get("cover") if "cover" in self.data else None)


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(label=_("Publish at"), required=False,
                                     help_text=lazy(lambda: gettext("Time zone: %(zone)s.") % {
                                         "zone": settings.TIME_ZONE}, str)(),
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                format="%Y-%m-%dT%H:%M"),
                                     input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
