from django import forms
from django.core.validators import MaxValueValidator
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


def _hours_limit() -> int:
    from django.conf import settings

    return settings.REFUND_ON_REQUEST_MAX_HOURS


class SalesTermsForm(forms.Form):
    """A writer's terms for all their articles: the referral commission and refunds on request."""

    referral_percent = forms.IntegerField(
        label=_("Commission for readers whose share link brought a buyer"), min_value=0, max_value=50,
        help_text=_("A percentage of your share of each such sale, from 0 (none) to 50. It is paid into the "
                    "reader's earnings with the sale, and taken back if the sale is undone or refunded."),
        error_messages={"required": _("Enter a percentage from 0 to 50."),
                        "invalid": _("Enter a whole number from 0 to 50."),
                        "min_value": _("Enter a percentage from 0 to 50."),
                        "max_value": _("Enter a percentage from 0 to 50.")})
    refund_hours = forms.IntegerField(
        label=_("Hours in which buyers may refund a purchase themselves"), min_value=0,
        error_messages={"required": _("Enter a number of hours (0 for the site's default)."),
                        "invalid": _("Enter a whole number of hours.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = _hours_limit()
        field = self.fields["refund_hours"]
        field.max_value = limit
        field.validators.append(MaxValueValidator(limit, message=_("At most %(limit)d hours on this site.") % {
            "limit": limit}))
        field.help_text = _("0 follows the site's default. At most %(limit)d hours; the 10-minute undo always "
                            "applies.") % {"limit": limit}


class ArticleRefundForm(forms.Form):
    article = forms.SlugField(widget=forms.HiddenInput, max_length=200)
    hours = forms.IntegerField(label=_("Refund hours"), min_value=0, required=False,
                               error_messages={"invalid": _("Enter a whole number of hours.")})

    def clean_hours(self):
        hours = self.cleaned_data.get("hours")
        if hours is not None and hours > _hours_limit():
            raise forms.ValidationError(_("At most %(limit)d hours on this site.") % {"limit": _hours_limit()})
        return hours
