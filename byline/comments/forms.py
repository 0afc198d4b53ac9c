from django import forms
from django.utils.translation import gettext_lazy as _

from byline.comments.models import Policy
from byline.comments.services import INVISIBLE_ONLY, MAX_LENGTH
from byline.core.text_input import NormalisedCharField, has_visible_text


class CommentForm(forms.Form):
    body = NormalisedCharField(
        label=_("Your comment"), max_length=MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("You can write *emphasis*, **bold**, [a link](https://example.org) and > quotes."),
        error_messages={"required": _("Please write something first."),
                        "max_length": _("Please keep a comment under %(limit_value)d characters.")})

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if not has_visible_text(body):
            raise forms.ValidationError(INVISIBLE_ONLY, code="invisible")
        return body


class ReportForm(forms.Form):
    reason = NormalisedCharField(
        label=_("What is wrong with this comment?"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("Please keep it under %(limit_value)d characters.")})


class DefaultPolicyForm(forms.Form):
    default_policy = forms.ChoiceField(label=_("Who may comment on your articles"), choices=Policy.choices,
                                       widget=forms.RadioSelect)
    approve_first = forms.BooleanField(label=_("Approve each reader's first comment before it shows"),
                                       required=False)


FOLLOW_DEFAULT = ""


class ArticlePolicyForm(forms.Form):
    policy = forms.ChoiceField(label=_("Who may comment on this article"),
                               choices=[(FOLLOW_DEFAULT, _("As my default")), *Policy.choices], required=False)
