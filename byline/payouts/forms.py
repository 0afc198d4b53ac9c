"""Forms: where a writer's money goes, how much to pay out, and what staff record about a bank transfer."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from byline.payments.forms import typed_minor
from byline.payouts.models import Schedule
from byline.payouts.providers import LABELS, offered, provider_class

FIELD_LABELS = {
    "account_ref": (_("Alipay account"), _("Only for Alipay: the e-mail address or mobile number you log in with.")),
    "holder_name": (_("Account holder's full name"),
                    _("For Alipay, WeChat Pay (from ¥2,000) and bank transfers: your name as they know it. They "
                      "check it.")),
    "bank_details": (_("Bank details"),
                     _("Only for bank transfers: bank name, account number or IBAN, and SWIFT/BIC from abroad.")),
}


class MethodForm(forms.Form):
    provider = forms.ChoiceField(label=_("Pay me through"), widget=forms.RadioSelect)
    schedule = forms.ChoiceField(label=_("When"), choices=Schedule.choices, widget=forms.RadioSelect,
                                 initial=Schedule.ON_REQUEST)
    account_ref = forms.CharField(required=False, max_length=200)
    holder_name = forms.CharField(required=False, max_length=100)
    bank_details = forms.CharField(required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        names = offered(currency)
        self.fields["provider"].choices = [(name, LABELS.get(name, name)) for name in names]
        if names:
            self.fields["provider"].initial = names[0]
        used = {field for name in names for field in provider_class(name).fields}
        for name, (label, help_text) in FIELD_LABELS.items():
            if name in used:
                self.fields[name].label, self.fields[name].help_text = label, help_text
            else:  # no method offered for this currency asks for it
                del self.fields[name]

    def clean(self):
        data = super().clean()
        provider = data.get("provider")
        if not provider:
            return data
        cls = provider_class(provider)
        needed = [name for name in cls.fields if not (provider == "wechatpay" and name == "holder_name")]
        for name in needed:
            if not (data.get(name) or "").strip():
                self.add_error(name, ValidationError(_("%(provider)s needs this.") % {
                    "provider": LABELS.get(provider, provider)}))
        for name in ("account_ref", "holder_name", "bank_details"):
            if name not in cls.fields or name not in data:
                data[name] = ""
        return data


class AmountForm(forms.Form):
    amount = forms.CharField(label=_("Amount to pay out"), max_length=20,
                             help_text=_("For example 120.50. All that is available is filled in."))
    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean_amount(self) -> int:
        # An amount, not a price: no price cap ("That price is too high" refused large earnings); more than is
        # available is the service's refusal, in its own words.
        amount = typed_minor(self.cleaned_data["amount"], self.currency)
        if amount <= 0:
            raise ValidationError(_("Enter an amount above zero."))
        return amount


class BankRecordForm(forms.Form):
    note = forms.CharField(label=_("Bank reference, or what went wrong"), max_length=200)
