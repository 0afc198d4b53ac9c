"""allauth's own words that Byline shows, marked here so that Byline's catalogue (which comes first:
LOCALE_PATHS) words them: allauth's Chinese for some reads badly ("Code" as 代码, "Incorrect code." as 错误代码)
and names things differently from Byline ("电子邮件" where Byline says 电子邮箱). Never imported:
makemessages reads it."""

from django.utils.translation import gettext_noop

ALLAUTH_WORDS = [
    gettext_noop("Code"),
    gettext_noop("Incorrect code."),
    gettext_noop("Email"),
    gettext_noop("Email address"),
    gettext_noop("Too many failed login attempts. Try again later."),
    gettext_noop("Be patient, you are sending too many requests."),
    gettext_noop("A user is already registered with this email address."),
    # The e-mail addresses page (/accounts/email/), where allauth says "Email地址"
    gettext_noop("Email Addresses"),
    gettext_noop("The following email addresses are associated with your account:"),
    gettext_noop("Verified"),
    gettext_noop("Unverified"),
    gettext_noop("Primary"),
    gettext_noop("Make Primary"),
    gettext_noop("Re-send Verification"),
    gettext_noop("Add Email Address"),
    gettext_noop("Add Email"),
    gettext_noop("Do you really want to remove the selected email address?"),
]
