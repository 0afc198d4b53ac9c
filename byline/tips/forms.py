import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from byline.core.text_input import NormalisedCharField
from byline.tips import selectors

CUSTOM = "custom"
_MAJOR = re.compile(r"^\d{1,7}(?:\.\d{1,2})?$")


class TipForm(forms.Form):
    """How much, and what to say. The amount is a preset (minor units) or CUSTOM with `custom` in major units."""

    amount = forms.ChoiceField(label=_("How much"), widget=forms.RadioSelect,
                               error_messages={"required": _("Choose an amount."),
                                               "invalid_choice": _("Choose one of the amounts shown.")})
    custom = forms.CharField(label=_("Another amount"), required=False, max_length=12)
    message = NormalisedCharField(label=_("A message for the writer (optional)"), required=False, max_length=280,
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  error_messages={"max_length": _("Please keep it under %(limit_value)d characters.")})
    anonymous = forms.BooleanField(label=_("Do not show my name among the readers who tipped"), required=False)

    def __init__(self, *args, currency: str, labels: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["amount"].choices = [(str(v), labels[v]) for v in selectors.presets(currency)] + [
            (CUSTOM, _("Another amount"))]
        self.fields["custom"].help_text = _("From %(low)s to %(high)s.") % {"low": labels["low"],
                                                                             "high": labels["high"]}

    def clean(self):
        data = super().clean()
        choice = data.get("amount")
        if choice is None:
            return data
        if choice == CUSTOM:
            text = (data.get("custom") or "").strip().replace(",", ".")
            if not _MAJOR.match(text):
                self.add_error("custom", _("Write an amount such as 5 or 5.50."))
                return data
            whole, _dot, cents = text.partition(".")
            exponent = settings.CURRENCIES.get(self.currency, 2)
            minor = int(whole) * 10**exponent + (int(cents.ljust(exponent, "0")[:exponent]) if cents else 0)
        else:
            minor = int(choice)
        low, high = selectors.limits(self.currency)
        if not low <= minor <= high:
            self.add_error("custom" if choice == CUSTOM else "amount",
                           _("Choose an amount within the limits shown."))
        data["amount_minor"] = minor
        return data


class TipSettingsForm(forms.Form):
    accepts_tips = forms.BooleanField(label=_("Readers may tip me on my articles"), required=False)
