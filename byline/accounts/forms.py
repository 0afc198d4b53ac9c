from allauth.account.forms import ConfirmEmailVerificationCodeForm, ConfirmLoginCodeForm, RequestLoginCodeForm
from allauth.account.forms import SetPasswordForm as SetPasswordFormBase
from allauth.account.forms import SignupForm as CodeSignupFormBase
from allauth.account.models import EmailAddress
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, UserCreationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from byline.accounts.selectors import lookalike_username_exists


class SignUpForm(UserCreationForm):
    email = forms.EmailField(label=_("E-mail"), help_text=_("For receipts and password resets."))

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_username(self) -> str:
        """Django refuses a name that differs from an existing one only by ASCII case (after NFKC); this
        also refuses other case foldings ("Straße" beside "strasse", "ÉMILE" beside "émile" on SQLite)."""
        username = super().clean_username()
        if username and "username" not in self._errors and lookalike_username_exists(username):
            raise forms.ValidationError(_("This username looks the same as an existing one. Please choose another."),
                                        code="lookalike")
        return username

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this e-mail already exists. Log in instead?"))
        return email


class RefusedLoginForm(AuthenticationForm):
    """The log-in form while the throttle refuses: it keeps the username typed, says why, and checks no
    password (a locked account must not answer whether a guess was right, nor cost a hash)."""

    def clean(self):
        raise forms.ValidationError(_("Too many failed attempts. Please wait 15 minutes, or reset your password."),
                                    code="throttled")


class ResetForm(PasswordResetForm):
    """Django's reset form, with the e-mail field named as on the sign-up form."""

    email = forms.EmailField(label=_("E-mail"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None) -> None:
        """The reset link on the shared e-mail templates (both parts), in the reader's language."""
        from django.conf import settings
        from django.urls import reverse
        from django.utils import translation
        from django.utils.translation import gettext

        from byline.mail import transactional

        language = transactional.language_for(context.get("user"))
        with translation.override(language):
            path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": context["uid"],
                                                                      "token": context["token"]})
        transactional.send(template="accounts/email/password_reset", to=to_email, language=language,
                           subject=lambda: gettext("Reset your %(site)s password") % {"site": settings.SITE_NAME},
                           context={"reset_url": f"{context['protocol']}://{context['domain']}{path}"})

class FakeScanForm(forms.Form):
    """The offline WeChat's "phone": who confirms the log-in (tests and the demo sign in as anyone)."""

    name = forms.CharField(label=_("WeChat user on the phone"), max_length=30, initial="微信读者",
                           help_text=_("Demo only: a real WeChat shows a QR code to scan with the app."))


def _email_field_as_ours(form: forms.Form) -> None:
    """allauth's e-mail field with Byline's label, no placeholder in place of the label, and the browser's help."""
    field = form.fields["email"]
    field.label = _("E-mail")
    # Django allows 320 characters; an address that mail can carry has at most 254 (RFC 5321).
    field.max_length = 254
    field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    field.validators.append(MaxLengthValidator(254))
    field.widget.attrs.pop("placeholder", None)
    field.widget.attrs.update({"autocomplete": "email", "maxlength": "254"})


class CodeRequestForm(RequestLoginCodeForm):
    """allauth's "e-mail me a code" form (ACCOUNT_FORMS). An account made before allauth keeps its address only
    on the user row; allauth signs in by code only an address it has a row for, so the row is made here
    (unverified: the code the reader types proves it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _email_field_as_ours(self)

    def clean_email(self) -> str:
        email = super().clean_email()
        user = getattr(self, "_user", None)
        if email and user is not None and (user.email or "").lower() == email.lower():
            EmailAddress.objects.get_or_create(user=user, email=email.lower(),
                                               defaults={"primary": True, "verified": False})
        return email


class CodeSignupForm(CodeSignupFormBase):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _email_field_as_ours(self)


def _code_field_as_ours(form: forms.Form) -> None:
    field = form.fields["code"]
    field.label = _("Code from the e-mail")
    field.max_length = 64  # longer than any code: a pasted novel is refused before it is compared
    field.validators.append(MaxLengthValidator(64))
    field.widget.attrs.pop("placeholder", None)
    field.widget.attrs.update({"autocomplete": "one-time-code", "autocapitalize": "characters", "spellcheck": "false"})


class CodeForm(ConfirmLoginCodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_field_as_ours(self)


class SignupCodeForm(ConfirmEmailVerificationCodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_field_as_ours(self)


class PasswordSetForm(SetPasswordFormBase):
    """allauth's "set a password" (a reader who signed up by code), with labels and no placeholders repeating them,
    as on Byline's other forms."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in ("password1", "password2"):
            self.fields[field].widget.attrs.pop("placeholder", None)
            self.fields[field].widget.attrs["autocomplete"] = "new-password"
