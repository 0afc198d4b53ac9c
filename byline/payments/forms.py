from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from byline.core.money import exact_minor, money
from byline.payments.checkout import check_topup_amount
from byline.pricing.conversion import exponent

CUSTOM = "custom"
# What a reader may type around the figures: currency signs and names, spaces, thousands separators.
_DECORATION = re.compile(r"[\s,$€¥￥£]|USD|EUR|CNY|RMB|元", re.IGNORECASE)


def typed_amount(text: str, currency: str) -> int:
    """A typed top-up ("12.50", "$12.50", "１００元") in minor units of `currency`, within the top-up limits;
    ValidationError with a sentence a reader understands when it is not one."""
    amount = typed_minor(text, currency)
    check_topup_amount(amount_minor=amount, currency=currency)
    return amount


def typed_minor(text: str, currency: str) -> int:
    """A typed amount in minor units of `currency` (-1 for a negative one, and above 10**15 for a huge one: the
    caller's limits say why), or ValidationError when it is not figures or has too many decimals."""
    cleaned = _DECORATION.sub("", unicodedata.normalize("NFKC", text or ""))
    example = "100" if currency == "CNY" else "12.50"
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise ValidationError(_("Type the amount in figures, for example %(example)s.") % {"example": example},
                              code="not_a_number")
    # Exact, whatever the exponent ("1e999999" overflowed Decimal's context: a 500). A negative amount, or one far
    # above any limit (capped), is left to the caller's sentence about its limits.
    amount = -1 if value < 0 else exact_minor(value, exponent(currency), at_most=10**15)
    if amount is None:
        raise ValidationError(_("Use at most two decimals, for example %(example)s.") % {"example": example},
                              code="decimals")
    return amount


class TopUpForm(forms.Form):
    """A top-up in the reader's own currency: one of its preset amounts, or another amount typed in.

    A typed amount wins over a preset (a reader who typed one meant it; with JavaScript, choosing a preset
    clears the typed one and typing chooses "Other amount")."""

    preset = forms.ChoiceField(label=_("Amount"), widget=forms.RadioSelect, required=False, error_messages={
        "invalid_choice": _("Choose one of the amounts shown, or type another amount."),
    })
    custom_amount = forms.CharField(
        label=_("Other amount"), required=False, max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "data-topup-custom": ""}))
    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput, error_messages={
        "required": _("This form has expired. Please reload the page and try again."),
    })

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.presets = list(settings.TOPUP_PRESETS.get(currency, []))
        self.fields["preset"].choices = [(str(amount), money(amount, currency)) for amount in self.presets] + [
            (CUSTOM, _("Other amount"))]
        self.fields["preset"].initial = str(self.presets[1]) if len(self.presets) > 1 else CUSTOM
        low, high = settings.TOPUP_LIMITS.get(currency, (0, 0))
        self.fields["custom_amount"].help_text = _(
            "From %(low)s to %(high)s. If you type an amount here, it is used instead of the amounts above.") % {
            "low": money(low, currency), "high": money(high, currency)}

    def clean(self):
        data = super().clean()
        typed = (data.get("custom_amount") or "").strip()
        preset = data.get("preset") or ""
        if typed:
            try:
                data["amount_minor"] = typed_amount(typed, self.currency)
            except ValidationError as error:
                self.add_error("custom_amount", error)
        elif preset == CUSTOM:
            self.add_error("custom_amount", _("Type the amount you want to add, or choose one of the amounts above."))
        elif preset:
            data["amount_minor"] = int(preset)
        elif "preset" not in self.errors:
            self.add_error("preset", _("Choose an amount, or type another amount."))
        return data
