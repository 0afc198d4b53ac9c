from django import forms
from django.utils.translation import gettext_lazy as _

from byline.api.models import Scope


class NewTokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=80,
                           help_text=_("So you recognise it later, e.g. “feed reader on my phone”."))
    scopes = forms.MultipleChoiceField(
        label=_("What this token may do"), choices=Scope.choices, initial=[Scope.READ],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose only what the app needs: a token can never do more than this, and you cannot widen "
                    "it later."),
        error_messages={"required": _("Choose at least one thing this token may do.")})

    def __init__(self, *args, can_write: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_write:  # only authors have articles to write
            self.fields["scopes"].choices = [c for c in Scope.choices if c[0] != Scope.WRITE_ARTICLES]
