"""Signed links in e-mails: confirm an address, unsubscribe, open one's preferences.

Each purpose has its own salt, so a link made for one can never be used for another. Unsubscribe and
preference links never expire (an old newsletter's link must still work); a confirmation link lives a week.
"""

from __future__ import annotations

from django.core import signing

CONFIRM_SALT = "byline.audience.confirm"
UNSUBSCRIBE_SALT = "byline.audience.unsubscribe"
PREFERENCES_SALT = "byline.audience.preferences"
# A counted link in a newsletter: the recipient's part (an outbox row's id) and the link's (newsletter, address).
CLICK_RECIPIENT_SALT = "byline.audience.click.recipient"
CLICK_LINK_SALT = "byline.audience.click.link"
CONFIRM_MAX_AGE_S = 7 * 24 * 3600


def signer(salt: str) -> signing.Signer:
    """The signer `make` uses for a link that never expires (not CONFIRM_SALT), for callers that sign many ids."""
    assert salt != CONFIRM_SALT
    return signing.Signer(salt=salt)


def make(subscriber_id: int, salt: str) -> str:
    if salt == CONFIRM_SALT:
        return signing.TimestampSigner(salt=salt).sign(str(subscriber_id))
    return signing.Signer(salt=salt).sign(str(subscriber_id))


def read(token: str, salt: str) -> int | None:
    """The subscriber id a token names, or None for a forged, mangled or (confirmation) expired one."""
    try:
        if salt == CONFIRM_SALT:
            value = signing.TimestampSigner(salt=salt).unsign(token, max_age=CONFIRM_MAX_AGE_S)
        else:
            value = signing.Signer(salt=salt).unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isascii() and value.isdigit() else None
