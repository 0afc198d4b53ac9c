"""What a reader's library holds, whether a new username looks like an existing one, and whose verified
address an e-mail address is."""

from __future__ import annotations

import functools
import operator
import string
import unicodedata
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from byline.access.decision import readable_ids
from byline.articles.models import Article, Visibility
from byline.articles.selectors import live_articles

LIBRARY_LIMIT = 200


def library_for(*, reader: Any) -> list[Article]:
    """Paid and members-only articles the reader may read, newest first, bounded."""
    candidates = list(live_articles().exclude(visibility=Visibility.FREE)[: LIBRARY_LIMIT * 5])
    allowed = readable_ids(reader, candidates)
    return [article for article in candidates if article.pk in allowed][:LIBRARY_LIMIT]


def username_key(username: str) -> str:
    """One spelling for names that read alike: Unicode compatibility forms folded (NFKC: full-width and
    mathematical letters become plain ones), then case (casefold: also "ß" to "ss")."""
    return unicodedata.normalize("NFKC", username).casefold()


# Cyrillic and Greek letters drawn like Latin ones ("stаff" with a Cyrillic "а" reads as "staff"): compared as
# those Latin letters. Only the unmistakable look-alikes, so names in these scripts stay possible.
LATIN_LOOKALIKES = str.maketrans(
    "аеорсухѕіјһԁԛԝӏАВЕКМНОРСТХУЅІЈαορικνυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxsijhdqwlABEKMHOPCTXYSIJaopikvuxABEZHIKMNOPTYX")


def lookalike_username_exists(username: str) -> bool:
    """True when an account's username has the same `username_key` as `username`, or reads as it once the
    Cyrillic and Greek look-alikes of Latin letters are taken as those letters (`LATIN_LOOKALIKES`).

    Stored usernames are NFKC already (Django normalises on every save), so what is left is case: the
    database compares case-insensitively (`iexact`) against each spelling that may be stored. SQLite folds
    only ASCII letters, hence the lower-, upper- and case-folded spellings. A stored name whose folding
    needs full case mapping ("Straße" found from "STRASSE") is beyond what the database can compare."""
    plain = unicodedata.normalize("NFKC", username)
    latin = plain.translate(LATIN_LOOKALIKES)
    spellings = {plain, plain.lower(), plain.upper(), username_key(plain), latin, latin.lower()}
    query = functools.reduce(operator.or_, (Q(username__iexact=spelling) for spelling in spellings))
    return get_user_model()._default_manager.filter(query).exists()


# Only ASCII letters are folded: the database's case-insensitive match also folds "ſ" to "s" and the Kelvin
# sign to "k" (PostgreSQL's UPPER), which would make a look-alike address someone else's.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def same_address(a: str, b: str) -> bool:
    """Whether two addresses are one: equal but for the case of ASCII letters (allauth keeps them lowered)."""
    return a.strip().translate(_ASCII_LOWER) == b.strip().translate(_ASCII_LOWER)


def owner_of_verified_address(email: str) -> Any | None:
    """The active account that proved `email` is theirs (an allauth address marked verified: the code or link
    it was sent was used), else None: an unverified address, a look-alike, or (never, with ACCOUNT_UNIQUE_EMAIL)
    two accounts claiming it. What is told to this account must be safe to tell only the address's owner."""
    from allauth.account.models import EmailAddress

    email = (email or "").strip()
    if not email or len(email) > 254:
        return None
    rows = [row for row in EmailAddress.objects.filter(email__iexact=email, verified=True, user__is_active=True)
            .select_related("user")[:3] if same_address(row.email, email)]
    owners = {row.user_id: row.user for row in rows}
    return next(iter(owners.values())) if len(owners) == 1 else None

