from django import forms
from django.utils.translation import gettext_lazy as _

from byline.pricing.conversion import currency_name, sold_currencies


class CurrencyForm(forms.Form):
    currency = forms.ChoiceField(label=_("Your currency"), error_messages={
        "required": _("Choose a currency."),
        "invalid_choice": _("Choose one of the currencies in the list."),
    })

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(code, currency_name(code)) for code in sold_currencies()]


class RefundRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("What went wrong?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For example: the article was not what its preview promised, or you bought it twice."),
        error_messages={"required": _("Please tell us in a sentence or two what went wrong."),
                        "max_length": _("Please keep it under %(limit_value)d characters.")})
