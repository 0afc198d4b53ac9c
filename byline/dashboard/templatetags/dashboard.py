from django import template

from byline.dashboard.presentation import percent as format_percent

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    return format_percent(value)
