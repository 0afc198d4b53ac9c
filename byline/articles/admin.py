"""Authoring in the Django admin: authors see and edit only their own articles."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.html import escape, format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from byline.articles.models import LIVE_STATUSES, Article, Author, Currency, PublicationState, Topic
from byline.articles.services import prepare_for_save, rule_errors, to_minor_units
from byline.core.conversion import exponent
from byline.core.text_input import NormalisedCharField


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_en", "name_zh")
    search_fields = ("slug", "name_en", "name_zh")


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ("display_name", "slug", "user")
    search_fields = ("display_name", "display_name_zh", "slug")
    raw_id_fields = ("user",)


def _own_price_field(code: str) -> forms.CharField:
    # Lazy, so each request reads the label in its own language.
    label = lazy(lambda: gettext("Own price in %(currency)s") % {"currency": code}, str)()
    help_text = lazy(lambda: gettext(
        "In %(currency)s, e.g. 18.00. Leave empty: readers who pay in %(currency)s are charged the main price "
        "converted and rounded up to a price step.") % {"currency": code}, str)()
    return forms.CharField(label=label, required=False, max_length=20, help_text=help_text)


OWN_PRICE_FIELDS = {f"price_{code.lower()}": code for code in Currency.values}


class ArticleAdminForm(forms.ModelForm):
    """Text enters through NormalisedCharField (a browser sends CRLF; see core.text_input). The main price
    (minor units and currency) and, per other currency the site sells, the author's own price (in major
    units; empty means the converted price, see byline/pricing)."""

    price_cny = _own_price_field("CNY")
    price_usd = _own_price_field("USD")
    price_eur = _own_price_field("EUR")

    class Meta:
        model = Article
        fields = ["title", "slug", "lang", "topic", "author", "body_markdown", "visibility", "price_minor",
                  "currency", "status", "published_at"]
        field_classes = {"title": NormalisedCharField, "body_markdown": NormalisedCharField}
        # The admin shows help text as HTML: escaped, the marker is read, not swallowed as a comment.
        help_texts = {
            "body_markdown": escape(Article._meta.get_field("body_markdown").help_text),
            "published_at": _("Leave empty to publish now; a future time schedules the article."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, code in OWN_PRICE_FIELDS.items():
            own = (self.instance.prices or {}).get(code)
            if own and name in self.fields:
                self.fields[name].initial = format(Decimal(own).scaleb(-exponent(code)), "f")

    def clean(self):
        cleaned = super().clean()
        prices = {}
        for name, code in OWN_PRICE_FIELDS.items():
            typed = (cleaned.get(name) or "").strip()
            if typed and code != cleaned.get("currency"):
                try:
                    prices[code] = to_minor_units(typed, code) or None
                except ValidationError as error:
                    self.add_error(name, error)
        cleaned["prices"] = {code: amount for code, amount in prices.items() if amount}
        errors = rule_errors(
            lang=cleaned.get("lang", ""), visibility=cleaned.get("visibility", ""),
            price_minor=cleaned.get("price_minor") or 0, status=cleaned.get("status", ""),
            published_at=cleaned.get("published_at"), body_markdown=cleaned.get("body_markdown"),
            prices=cleaned["prices"],
        )
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        return cleaned

    def save(self, commit: bool = True) -> Article:
        self.instance.prices = self.cleaned_data.get("prices", {})
        return super().save(commit=commit)


class PublicationStateFilter(admin.SimpleListFilter):
    """Filter by where articles really stand (a "published" status with a future time is scheduled)."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return PublicationState.choices

    def queryset(self, request, queryset):
        now = timezone.now()
        live = {"status__in": LIVE_STATUSES, "published_at__isnull": False}
        if self.value() == PublicationState.LIVE:
            return queryset.filter(**live, published_at__lte=now)
        if self.value() == PublicationState.SCHEDULED:
            return queryset.filter(**live, published_at__gt=now)
        if self.value() == PublicationState.DRAFT:
            return queryset.exclude(status__in=LIVE_STATUSES, published_at__isnull=False)
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    # Its form names the line of a NUL in the text (core.text_input): let such a post reach it (core.inputs).
    reports_unstorable_text = True
    list_display = ("title", "author", "lang", "visibility", "price_minor", "currency", "state",
                    "anonymous_preview_link")
    list_filter = (PublicationStateFilter, "visibility", "lang", "topic")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("preview_words", "locked_words", "has_divider", "version", "anonymous_preview_link")
    fieldsets = (
        (None, {"fields": ("title", "slug", "lang", "topic", "author", "body_markdown")}),
        (_("Price and access"), {"fields": ("visibility", "price_minor", "currency", *OWN_PRICE_FIELDS)}),
        (_("Publishing"), {"fields": ("status", "published_at")}),
        (_("Rendered"), {"fields": ("preview_words", "locked_words", "has_divider", "version",
                                    "anonymous_preview_link")}),
    )

    def get_queryset(self, request: HttpRequest):
        queryset = super().get_queryset(request).select_related("author", "topic")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(author__user=request.user)

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if not request.user.is_superuser and "author" in form.base_fields:
            form.base_fields["author"].queryset = Author.objects.filter(user=request.user)
        return form

    def save_model(self, request: HttpRequest, obj: Article, form, change: bool) -> None:
        prepare_for_save(obj)
        super().save_model(request, obj, form, change)

    @admin.display(description=_("state"), ordering="published_at")
    def state(self, obj: Article) -> str:
        """Live since, scheduled for (with the time), or draft: never "Published" for what readers cannot see."""
        state = obj.publication_state
        if state == PublicationState.DRAFT:
            return str(state.label)
        when = formats.date_format(timezone.localtime(obj.published_at), "DATETIME_FORMAT")
        if state == PublicationState.LIVE:
            return _("Live since %(time)s") % {"time": when}
        return _("Scheduled for %(time)s") % {"time": when}

    @admin.display(description=_("Preview as an anonymous reader"))
    def anonymous_preview_link(self, obj: Article) -> str:
        # The preview renders the reading page, so its view is added on top, by pages/admin.py.
        if not obj.pk:
            return "—"
        url = reverse("admin:articles_article_anonymous_preview", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("View as anonymous reader"))
