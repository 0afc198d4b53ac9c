"""Referred visits on the article page: `?r=code` is counted once per browser and article a week.

An anonymous browser keeps the ids of its own referred visits in a signed cookie, so that when the
reader signs in (before buying) those visits become theirs and a purchase can be attributed. No IP,
no fingerprint: clearing cookies forgets everything.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core import signing
from django.http import HttpRequest, HttpResponse

from byline.articles.models import Article
from byline.sharing import conf, services
from byline.sharing.bots import is_automated
from byline.sharing.selectors import REFERRAL_PARAM

REF_COOKIE = "byline_ref"
_SALT = "byline.sharing.referred-visits"
CODE_RE = re.compile(r"^[a-z0-9]{4,16}$")
MAX_REMEMBERED = 20


def _remembered(request: HttpRequest) -> dict[str, int]:
    """{article_id: visit event id} this browser was referred to lately."""
    raw = request.COOKIES.get(REF_COOKIE)
    if not raw:
        return {}
    try:
        value = signing.loads(raw, salt=_SALT, max_age=dt.timedelta(days=conf.attribution_days()))
    except signing.BadSignature:
        return {}
    return value if isinstance(value, dict) else {}


def note_referral(request: HttpRequest, article: Article, response: HttpResponse) -> None:
    """Count a referred visit (`?r=`) to `article` and remember it; attach remembered visits to a reader
    who has signed in since. Bots and repeat visits from the same browser are not counted."""
    remembered = _remembered(request)
    signed_in = request.user.is_authenticated
    if signed_in and remembered:
        services.claim_visits(reader=request.user, event_ids=[int(v) for v in remembered.values()])
        response.delete_cookie(REF_COOKIE)
        remembered = {}
    code = request.GET.get(REFERRAL_PARAM, "")
    if not code or not CODE_RE.match(code) or is_automated(request) or not article.is_live:
        return
    if str(article.pk) in remembered:
        return
    event = services.record_visit(article=article, code=code, reader=request.user)
    if event is None or signed_in:
        return
    remembered[str(article.pk)] = event.pk
    remembered = dict(list(remembered.items())[-MAX_REMEMBERED:])
    response.set_cookie(REF_COOKIE, signing.dumps(remembered, salt=_SALT),
                        max_age=conf.attribution_days() * 86400, httponly=True, samesite="Lax",
                        secure=request.is_secure())
