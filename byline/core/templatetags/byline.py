"""Template helpers: money (formatted by `core.money`), language links, reading-time phrases."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language, ngettext

from byline.core import personal as personal_values
from byline.core.money import money

register = template.Library()

@register.filter(name="money")
def money_filter(minor: int | None, currency: str) -> str:
    """300, "USD" -> "$3.00" (`core.money.money`, which services use too)."""
    return money(minor, currency)


@register.simple_tag(takes_context=True)
def url_in_language(context: template.Context, language: str) -> str:
    request = context.get("request")
    if request is None:
        return f"/{language}/"
    return translate_url(request.get_full_path(), language)


@register.filter
def minutes_read(minutes: int) -> str:
    return ngettext("%(n)d min read", "%(n)d min read", minutes) % {"n": minutes}


@register.filter
def more_words(words: int) -> str:
    return ngettext("%(n)s more word", "%(n)s more words", words) % {"n": f"{words:,}"}


@register.simple_tag
def html_lang(code: str | None = None) -> str:
    code = code or get_language() or "en"
    return "zh-Hans" if code.startswith("zh") else code


@register.simple_tag(takes_context=True)
def personal(context: template.Context, template_name: str) -> str:
    """Include `template_name`, a part of a page that differs from reader to reader. While a shared page
    shell is rendered (core/personal.py, pages/page_shell.py) it becomes a slot, filled for each request instead."""
    if context.get(personal_values.SHELL_FLAG):
        return personal_values.slot_marker(template_name)
    return context.template.engine.get_template(template_name).render(context)


@register.simple_tag(takes_context=True)
def personal_value(context: template.Context, name: str) -> str:
    """A short personal value (byline/core/personal.py): a marker in a shared page shell, else the value."""
    if context.get(personal_values.SHELL_FLAG):
        return personal_values.value_marker(name)
    return personal_values.render_value(name, context.get("request"), context)


@register.simple_tag
def site_name() -> str:
    """The site's name where no context processor ran (bare.html: the 400, 500 and 503 pages)."""
    return settings.SITE_NAME


@register.simple_tag
def colon() -> str:
    """The colon after a label in plain-text e-mail ("Receipt number: 123"): full-width in Chinese
    ("收据编号：123"), where a translated label followed by a typed ": " read wrong."""
    return "：" if (get_language() or "").startswith("zh") else ": "
