from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from byline.audience.models import Frequency, MailFormat


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}),
                             help_text=_("We send one message to confirm it. Nothing else arrives until you do."))


class PreferencesForm(forms.Form):
    receive = forms.BooleanField(label=_("Send me e-mail"), required=False)
    frequency = forms.ChoiceField(label=_("How often"), choices=Frequency.choices, widget=forms.RadioSelect)
    language = forms.ChoiceField(label=_("Language of the e-mails"), choices=settings.LANGUAGES,
                                 widget=forms.RadioSelect)
    mail_format = forms.ChoiceField(label=_("Format"), choices=MailFormat.choices, widget=forms.RadioSelect)
    lists = forms.MultipleChoiceField(label=_("What you receive (untick to leave a list)"), required=False,
                                      widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, list_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lists"].choices = list_choices
        if not list_choices:
            del self.fields["lists"]
