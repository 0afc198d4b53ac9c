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


NOT_UTF8 = _("The file is not UTF-8 text. Save it as CSV (UTF-8) and try again.")


class ImportForm(forms.Form):
    MAX_BYTES = 512 * 1024
    MAX_ROWS = 1000

    file = forms.FileField(label=_("A CSV file, one e-mail address in the first column of each line"))
    consent = forms.BooleanField(
        label=_("These readers asked to receive my articles, and I can show when and how they agreed"),
        help_text=_("Each new address gets one message to confirm it; nothing else is sent until it does."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 512 KB. Split it into smaller files."))
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(NOT_UTF8) from None
        if "\x00" in text:
            raise forms.ValidationError(NOT_UTF8)
        rows = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if len(rows) > self.MAX_ROWS + 1:
            raise forms.ValidationError(_("At most %(n)s addresses at a time.") % {"n": self.MAX_ROWS})
        return rows
