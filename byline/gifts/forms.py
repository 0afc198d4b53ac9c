from django import forms
from django.utils.translation import gettext_lazy as _

from byline.core.text_input import NormalisedCharField
from byline.gifts.services import MAX_MESSAGE, MAX_MONTHS

BY_EMAIL, BY_LINK = "email", "link"


class GiftForm(forms.Form):
    """Who the gift is for: an e-mail address we send the claim link to, or a link the buyer passes on."""

    how = forms.ChoiceField(
        label=_("How should it reach them?"), widget=forms.RadioSelect, initial=BY_EMAIL,
        choices=[(BY_EMAIL, _("We e-mail them the claim link")), (BY_LINK, _("I pass the claim link on myself"))],
        error_messages={"required": _("Choose how the gift reaches them."),
                        "invalid_choice": _("Choose how the gift reaches them.")})
    recipient_email = forms.EmailField(
        label=_("Their e-mail address"), required=False, max_length=254,
        error_messages={"invalid": _("Enter an e-mail address such as name@example.com.")})
    message = NormalisedCharField(
        label=_("A message with the gift (optional)"), required=False, max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("Please keep it under %(limit_value)d characters.")})

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("how") == BY_EMAIL and not cleaned.get("recipient_email") \
                and "recipient_email" not in self.errors:
            self.add_error("recipient_email", _("Enter their e-mail address, or choose to pass the link on yourself."))
        if cleaned.get("how") == BY_LINK:
            cleaned["recipient_email"] = ""
        return cleaned


class MonthsGiftForm(GiftForm):
    """Months of the membership, or of one writer's subscription."""

    months = forms.TypedChoiceField(
        label=_("How many months"), coerce=int, initial=1,
        choices=[(n, n) for n in range(1, MAX_MONTHS + 1)],
        error_messages={"required": _("Choose from 1 to 12 months."),
                        "invalid_choice": _("Choose from 1 to 12 months.")})

    field_order = ["months", "how", "recipient_email", "message"]


MembershipGiftForm = MonthsGiftForm
