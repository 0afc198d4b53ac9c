from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from byline.articles.services import to_minor_units
from byline.core.templatetags.byline import money
from byline.payments.services import check_topup_amount

CUSTOM = "custom"


class TopUpForm(forms.Form):
    currency = forms.ChoiceField(label=_("Currency"))
    preset = forms.ChoiceField(label=_("Amount"), widget=forms.RadioSelect)
    custom_amount = forms.CharField(label=_("Other amount"), required=False, max_length=20,
                                    help_text=_("For example 12.50. Used when you choose “Other amount”."))
    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(code, code) for code in settings.TOPUP_LIMITS]
        self.fields["currency"].initial = currency
        chosen = self.data.get("currency") if self.is_bound else currency
        presets = settings.TOPUP_PRESETS.get(chosen, settings.TOPUP_PRESETS.get(currency, []))
        self.fields["preset"].choices = [(str(amount), money(amount, chosen)) for amount in presets] + [
            (CUSTOM, _("Other amount"))]
        self.fields["preset"].initial = str(presets[1]) if len(presets) > 1 else CUSTOM

    def clean(self):
        data = super().clean()
        currency, preset = data.get("currency"), data.get("preset")
        if not currency or not preset:
            return data
        if preset == CUSTOM:
            raw = (data.get("custom_amount") or "").strip()
            if not raw:
                self.add_error("custom_amount", _("Enter an amount, or choose one of the amounts above."))
                return data
            try:
                amount = to_minor_units(raw, currency)
                check_topup_amount(amount_minor=amount, currency=currency)
            except ValidationError as error:
                self.add_error("custom_amount", error)
                return data
        else:
            amount = int(preset)
        data["amount_minor"] = amount
        return data
