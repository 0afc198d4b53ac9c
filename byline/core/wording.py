"""Django's own messages that a reader meets on our pages (form errors, password rules, log-in errors),
listed so that `make messages` extracts them into the site catalogue (byline/locale) and its table gives
them our Chinese wording: 您 rather than Django's 你, full-width punctuation, our own words where Django's
read oddly. Only messages whose msgid no page of ours uses in another sense belong here: the site catalogue
wins for every use of a msgid.

The site catalogue is in LOCALE_PATHS, which outranks every app's catalogue, Django's included, so the
same msgid translated there wins everywhere. tests/core/test_i18n.py checks the wording a reader gets
for each of these, so a message Django rewords or a table entry that goes missing shows up there.
Nothing imports this module at run time; the msgids must match Django's to the character (’ included).
"""

from django.utils.translation import gettext_noop, ngettext_lazy

MESSAGES = [
    # django.forms
    gettext_noop("This field is required."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Enter a valid value."),
    gettext_noop("Enter a number."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    # django.contrib.auth: log in, sign up, password reset
    gettext_noop("Please enter a correct %(username)s and password. Note that both fields may be case-sensitive."),
    gettext_noop("This account is inactive."),
    gettext_noop("The two password fields didn’t match."),
    gettext_noop("Enter the same password as before, for verification."),
    gettext_noop("Password confirmation"),
    gettext_noop("New password confirmation"),
    gettext_noop("A user with that username already exists."),
    gettext_noop("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."),
    gettext_noop("Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."),
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("This password is too common."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("This password is entirely numeric."),
    gettext_noop("Your password can’t be entirely numeric."),
]

# Plural messages, each with sample values for its placeholders (what the test formats them with).
PLURAL_MESSAGES = [
    (ngettext_lazy("Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
                   "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
                   "limit_value"), {"limit_value": 200, "show_value": 230}),
    (ngettext_lazy("Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
                   "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
                   "limit_value"), {"limit_value": 10, "show_value": 3}),
    (ngettext_lazy("This password is too short. It must contain at least %(min_length)d character.",
                   "This password is too short. It must contain at least %(min_length)d characters.",
                   "min_length"), {"min_length": 10}),
    (ngettext_lazy("Your password must contain at least %(min_length)d character.",
                   "Your password must contain at least %(min_length)d characters.",
                   "min_length"), {"min_length": 10}),
]
