"""Odd input never answers 500: every URL pattern, and every query parameter, form field and cookie the
views read, fed NUL, a lone surrogate, "²", Arabic-Indic digits, full-width letters, a number too big
for any integer column and a 100 kB value, by GET and POST, as an anonymous and a signed-in reader.
Admin change lists get the same as staff, and the Content API's JSON bodies as an author with a token.

Which parameters a view reads is not listed by hand: while the test sends a plain request, it records
every name looked up in `request.GET`, `request.POST` and `request.COOKIES` (and the forms on the page
add their fields). The printed summary names them (run with -s to see it).
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import django.core.handlers.wsgi as wsgi_handler
import pytest
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.core.signals import got_request_exception
from django.db import connection, transaction
from django.http import QueryDict
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.functional import cached_property
from django.utils.http import urlsafe_base64_encode

from byline.api.endpoints import api
from byline.api.models import Scope
from byline.api.services import create_api_token, rotate_private_feed_key
from byline.articles.models import Visibility
from byline.payments.services import credit_wallet, start_topup
from byline.purchases.models import MembershipPlan
from byline.purchases.services import unlock_with_wallet
from byline.sharing.services import create_gift_link
from tests.conftest import make_article, make_author, make_topic, make_user

# A cache key built from raw input (a 100 kB slug or session cookie) is a request costing what the input
# costs; made an error here so that it shows as a 500 in the report instead of a warning nobody reads.
pytestmark = [pytest.mark.filterwarnings("error::django.core.cache.backends.base.CacheKeyWarning"),
              pytest.mark.django_db]

# Each payload as it travels in a URL or a form body (already percent-encoded), and as text (for cookies
# and JSON). A lone surrogate cannot be written in UTF-8: on the wire it is the bytes ED A0 80.
PAYLOADS: dict[str, tuple[str, str]] = {
    "NUL": ("a%00b", "a\x00b"),
    "lone surrogate": ("%ED%A0%80", "\ud800"),
    "superscript two": (quote("²"), "²"),
    "Arabic-Indic digits": (quote("١٢"), "١٢"),
    "full-width letters": (quote("ｔｅｓｔ"), "ｔｅｓｔ"),
    "too big a number": ("9" * 30, "9" * 30),
    "100 kB": ("x" * 100_000, "x" * 100_000),
}
ROUTE_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
COVERED: dict[str, set[str]] = {}  # route -> the parameters fuzzed there; printed by tests/security/conftest.py


# Recording which names a view reads -----------------------------------------------------------------

@dataclass
class Reads:
    get: set[str] = field(default_factory=set)
    post: set[str] = field(default_factory=set)
    cookies: set[str] = field(default_factory=set)
    active: bool = False

    def note(self, kind: str, key: Any) -> None:
        if self.active and kind and isinstance(key, str):
            getattr(self, kind).add(key)


READS = Reads()


class RecordingCookies(dict):
    def get(self, key, default=None):
        READS.note("cookies", key)
        return super().get(key, default)

    def __getitem__(self, key):
        READS.note("cookies", key)
        return super().__getitem__(key)

    def __contains__(self, key):
        READS.note("cookies", key)
        return super().__contains__(key)


@pytest.fixture
def recorder(monkeypatch):
    """Record the names looked up in query strings, form bodies and cookies while READS.active is set."""
    request_class = wsgi_handler.WSGIRequest

    def tagged_query(self):
        query = plain_query.func(self)
        query.read_as = "get"
        return query

    def tagged_load(self):
        plain_load(self)
        self._post.read_as = "post"

    def recording(method_name: str):
        original = getattr(QueryDict, method_name)

        def wrapper(self, key, *args, **kwargs):
            READS.note(getattr(self, "read_as", ""), key)
            return original(self, key, *args, **kwargs)

        return wrapper

    plain_query, plain_load = request_class.__dict__["GET"], request_class._load_post_and_files
    query_property = cached_property(tagged_query)
    query_property.__set_name__(request_class, "GET")
    monkeypatch.setattr(request_class, "GET", query_property)
    monkeypatch.setattr(request_class, "_load_post_and_files", tagged_load)
    for name in ("get", "getlist", "__getitem__", "__contains__"):
        monkeypatch.setattr(QueryDict, name, recording(name))
    plain_parse = wsgi_handler.parse_cookie
    monkeypatch.setattr(wsgi_handler, "parse_cookie", lambda raw: RecordingCookies(plain_parse(raw)))
    READS.active = True
    yield READS
    READS.active = False


# The world the URLs point into ----------------------------------------------------------------------

@dataclass
class World:
    values: dict[str, str]
    reader: Any
    staff: Any
    author: Any
    author_token: str


def build_world() -> World:
    topic = make_topic("fuzzing")
    author = make_author("fuzz-author")
    article = make_article(author=author, topic=topic, slug="fuzz-article", title="Fuzz article")
    make_article(author=author, topic=topic, slug="fuzz-free", visibility=Visibility.FREE, price_minor=0)
    unbought = make_article(author=author, topic=topic, slug="fuzz-unbought", title="Not bought yet")
    reader = make_user("fuzz-reader")
    staff = make_user("fuzz-staff", is_staff=True, is_superuser=True)
    # Just enough for one article: fuzzing the unlock form must not buy `unbought`, which the card route needs.
    credit_wallet(reader=reader, amount_minor=article.price_minor, currency="USD", key=f"fuzz:{uuid.uuid4().hex}")
    purchase = unlock_with_wallet(reader=reader, article=article, idempotency_key="fuzz-purchase")
    gift = create_gift_link(giver=reader, article=article)
    # In euros: paying it on the sandbox page (its form is fuzzed too) must not fund the unlock above either.
    checkout = start_topup(reader=reader, amount_minor=1000, currency="EUR", idempotency_key="fuzz-topup",
                           success_url="http://testserver/en/payments/return/", cancel_url="http://testserver/")
    plan = MembershipPlan.objects.create(name="Monthly", interval="month", price_minor=800, currency="USD")
    # A paid gift (byline/gifts) bought by staff: its page, refund page and claim link are fuzzed too.
    from byline.gifts import services as gifts

    credit_wallet(reader=staff, amount_minor=article.price_minor, currency="USD", key=f"fuzz:{uuid.uuid4().hex}")
    paid_gift = gifts.buy_gift(buyer=staff, order=gifts.article_order(article=article), idempotency_key="fuzz-gift")
    token, _raw = create_api_token(owner=reader, name="fuzz")
    _author_token_row, author_token = create_api_token(owner=author.user, name="fuzz-author", scopes=Scope.values)
    # Path parameters by name; "prefix/name" applies where the route holds the prefix ("topics/<slug>").
    values = {
        "slug": article.slug, "unlock/slug": unbought.slug, "topics/slug": topic.slug, "authors/slug": author.slug,
        "mode": "caring", "give/pk": str(paid_gift.pk), "claim/token": paid_gift.token,
        "part": "0", "channel": "weibo", "token": gift.token, "gifts/pk": str(gift.pk), "token_id": str(token.pk),
        "ref": checkout.provider_ref, "reference": checkout.reference, "purchases/pk": str(purchase.pk),
        "receipts/pk": str(purchase.transfer_id), "plan_id": str(plan.pk), "article_id": str(article.pk),
        "version": str(article.version), "variant": "standard", "provider": "sandbox", "currency": "USD",
        "secret": rotate_private_feed_key(owner=reader),
        "uidb64": urlsafe_base64_encode(force_bytes(reader.pk)),
        "reset/token": default_token_generator.make_token(reader),
    }
    return World(values=values, reader=reader, staff=staff, author=author, author_token=author_token)


def routes() -> list[str]:
    """Every URL pattern of the site as a route string ("en/articles/<slug:slug>/"), admin aside."""
    found: list[str] = []

    def walk(patterns: list, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                found.append(route)

    walk(get_resolver().url_patterns, "")
    return [route for route in dict.fromkeys(found) if "/admin/" not in f"/{route}"]


def value_for(route: str, name: str, converter: str | None, values: dict[str, str]) -> str:
    """The world's value for a path parameter; for one the world does not know (a route added since), a
    plain one of the right kind, so the route is still fuzzed (it may answer 404 to the plain request)."""
    for key, value in values.items():
        if "/" in key and key.split("/")[1] == name and key.split("/")[0] in route:
            return value
    return values.get(name, "1" if converter == "int" else "plain")


def url_of(route: str, values: dict[str, str], *, replace: str | None = None, with_: str = "") -> str:
    if route.startswith("^"):  # the API's catch-all regex
        return "/api/v1/no-such-endpoint"
    return "/" + ROUTE_PARAM.sub(lambda m: with_ if m["name"] == replace else quote(
        value_for(route, m["name"], m["converter"], values), safe=""), route)


# Forms on a page ---------------------------------------------------------------------------------------

class FormFinder(HTMLParser):
    """The POST forms of a page: where each posts to, and the fields with the values a browser would send."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._in_post_form = False
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._in_post_form = a.get("method", "get").lower() == "post"
            if self._in_post_form:
                self.forms.append((a.get("action", ""), {}))
            return
        if not self._in_post_form:
            return
        fields = self.forms[-1][1]
        if tag == "option" and self._select and self._select not in fields:
            fields[self._select] = a.get("value", "")
            return
        name = a.get("name")
        if not name or name == "csrfmiddlewaretoken":
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "image"):
            if a.get("type") in ("radio", "checkbox") and "checked" not in a and name in fields:
                return
            fields[name] = a.get("value", "on" if a.get("type") == "checkbox" else "")
        elif tag == "textarea":
            fields[name] = ""
        elif tag == "select":
            self._select = name
        elif tag == "button" and name not in fields:
            fields[name] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_post_form = False
        elif tag == "select":
            self._select = None

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def post_forms(html: str, url: str) -> dict[str, dict[str, str]]:
    """POST forms on the page, by the path they post to."""
    finder = FormFinder()
    finder.feed(html)
    found: dict[str, dict[str, str]] = {}
    for action, fields in finder.forms:
        found.setdefault(urlsplit(action).path or urlsplit(url).path, {}).update(fields)
    return found


# Sending -----------------------------------------------------------------------------------------------

@dataclass
class Run:
    client: Client
    user: Any = None
    failures: list[str] = field(default_factory=list)
    sent: int = 0

    def stay_signed_in(self) -> None:
        """The log-out form (and a password reset) end the session: sign the reader in again."""
        session = self.client.cookies.get("sessionid")
        if self.user is not None and (session is None or not session.value):
            self.client.force_login(self.user)

    def send(self, method: str, url: str, body: str | bytes | None = None, *, content_type: str = "",
             label: str = "", **extra: Any) -> Any:
        errors: list[BaseException] = []

        def note(sender: Any, request: Any = None, **kwargs: Any) -> None:
            errors.append(sys.exc_info()[1])

        got_request_exception.connect(note)
        savepoint = transaction.savepoint()
        try:
            if method == "GET":
                response = self.client.get(url, **extra)
            else:
                response = self.client.generic(method, url, body or "", content_type=content_type or
                                               "application/x-www-form-urlencoded", **extra)
        finally:
            got_request_exception.disconnect(note)
        self.sent += 1
        if response.status_code >= 500 and response.status_code != 503 or errors:
            transaction.savepoint_rollback(savepoint)
            error = f"{type(errors[0]).__name__}: {str(errors[0])[:120]}" if errors else ""
            self.failures.append(f"{method} {url[:120]} {label} -> {response.status_code} {error}")
        else:
            transaction.savepoint_commit(savepoint)
        self.stay_signed_in()
        return response


def form_body(fields: dict[str, str], *, raw: dict[str, str] | None = None) -> str:
    """URL-encoded form body; `raw` values are already percent-encoded."""
    parts = [urlencode({name: value}) for name, value in fields.items() if name not in (raw or {})]
    parts += [f"{quote(name)}={value}" for name, value in (raw or {}).items()]
    return "&".join(parts)


def refuses(response: Any) -> bool:
    return response.status_code == 403 or (response.status_code == 302 and "/login/" in response["Location"])


def fuzz_pages(run: Run, world: World, reads: Reads, routes_to_try: list[str]) -> list[str]:
    """Fuzz each route's path, query and form; the routes that refused this user (to try as staff)."""
    refused = []
    for route in routes_to_try:
        url = url_of(route, world.values)
        reads.get, reads.post = set(), set()
        page = run.send("GET", url, label="plain")
        if refuses(page):
            refused.append(route)
        forms = post_forms(page.content.decode(errors="replace"), url) if page.status_code == 200 and \
            page.get("Content-Type", "").startswith("text/html") else {}
        fields = forms.get(urlsplit(url).path, {})
        run.send("POST", url, form_body(fields), label="plain form")
        query_names, post_names = set(reads.get), set(reads.post) | set(fields)
        COVERED.setdefault(f"/{route}", set()).update({f"?{n}" for n in query_names} | {f"{n}=" for n in post_names})
        params = [m["name"] for m in ROUTE_PARAM.finditer(route)]
        for payload_name, (encoded, _text) in PAYLOADS.items():
            for param in params:
                run.send("GET", url_of(route, world.values, replace=param, with_=encoded), label=payload_name)
                run.send("POST", url_of(route, world.values, replace=param, with_=encoded), form_body(fields),
                         label=payload_name)
            for name in sorted(query_names):
                run.send("GET", f"{url}?{quote(name)}={encoded}", label=payload_name)
            for name in sorted(post_names):
                run.send("POST", url, form_body(fields, raw={name: encoded}), label=payload_name)
    return refused


def cookie_variants(value: str, text: str) -> list[str]:
    """The payload as the whole value, and in place of each part of a value made of parts ("a|b|c")."""
    variants = [text]
    for separator in "|:":
        parts = value.split(separator)
        if len(parts) > 1:
            variants += [separator.join(parts[:i] + [text] + parts[i + 1:]) for i in range(len(parts))]
    return variants


def fuzz_cookies(run: Run, world: World, names: set[str]) -> None:
    article_page = url_of("en/articles/<slug:slug>/", world.values)  # reads every cookie a page reads
    held = {name: morsel for name, morsel in run.client.cookies.items() if morsel.value}
    for name in sorted(names):
        others = "".join(f"{other}={morsel.coded_value}; " for other, morsel in held.items() if other != name)
        for payload_name, (_encoded, text) in PAYLOADS.items():
            for value in cookie_variants(held[name].value if name in held else "", text):
                quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
                # As a WSGI server hands the header over: the bytes read as Latin-1.
                header = f"{others}{name}={quoted}".encode("utf-8", "surrogatepass").decode("latin-1")
                run.send("GET", article_page, HTTP_COOKIE=header, label=f"cookie {name} {payload_name}")


def test_no_page_answers_500_to_odd_input_anonymous_signed_in_or_staff(recorder):
    """Anonymous and signed-in readers on every route; staff on the routes readers are refused (dashboard,
    ledger health).

    The anonymous reader runs on PostgreSQL only (`make test` runs this file on both databases). Its
    requests that reach a database meet PostgreSQL's stricter rules: a NUL in text is refused there (SQLite
    stores it), a 100 kB value can overflow an index row there, and a 30-digit number is out of range of
    every integer column on both. What parses input in Python (the Unicode digits and letters) does the same
    on either database. The signed-in reader and staff, whose paths write the most (unlocks, gifts, top-ups,
    forms), still run on both; on SQLite an anonymous plain GET of each route still finds the routes staff
    are to try. Anonymous was half of this test's requests (4,200 of 8,100)."""
    world = build_world()
    runs = []
    staff_routes: set[str] = set()
    if connection.vendor == "postgresql":
        anonymous = [(None, routes())]
    else:
        anonymous = []
        look = Run(Client(raise_request_exception=False))
        staff_routes.update(route for route in routes() if refuses(look.send("GET", url_of(route, world.values))))
        runs.append(look)
    for who, routes_to_try in (*anonymous, (world.reader, routes()), (world.staff, None)):
        run = Run(Client(raise_request_exception=False), user=who)
        run.stay_signed_in()
        staff_routes.update(fuzz_pages(run, world, recorder, routes_to_try or sorted(staff_routes)))
        if routes_to_try is not None:
            fuzz_cookies(run, world, set(recorder.cookies))
        runs.append(run)
    COVERED["cookies"] = set(recorder.cookies)
    COVERED["requests"] = {str(sum(run.sent for run in runs))}
    failures = [failure for run in runs for failure in run.failures]
    assert not failures, f"{len(failures)} answers of 500:\n" + "\n".join(failures[:60])


def admin_changelists(staff: Any) -> Iterator[tuple[str, list[str]]]:
    """Each registered model's change list and the query parameters its search, filters and pages read."""
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        request = RequestFactory().get(url)
        request.user = staff
        changelist = model_admin.get_changelist_instance(request)
        params = ["o", "p"] + (["q"] if changelist.search_fields else [])
        params += [name for spec in changelist.filter_specs for name in spec.expected_parameters()]
        if changelist.date_hierarchy:
            params += [f"{changelist.date_hierarchy}__{part}" for part in ("year", "month", "day")]
        yield url, params


def test_no_admin_change_list_answers_500_to_odd_filters(db):
    world = build_world()
    client = Client(raise_request_exception=False)
    client.force_login(world.staff)
    run = Run(client)
    for url, params in admin_changelists(world.staff):
        COVERED[url] = {f"?{name}" for name in params}
        run.send("GET", url, label="plain")
        for payload_name, (encoded, _text) in PAYLOADS.items():
            for name in params if payload_name != "100 kB" else ["q"]:  # a filter repeats its value in every link
                run.send("GET", f"{url}?{quote(name)}={encoded}", label=payload_name)
            run.send("GET", url.replace("/changelist/", "/") + f"{encoded}/change/", label=payload_name)
    assert not run.failures, f"{len(run.failures)} answers of 500:\n" + "\n".join(run.failures[:60])


API_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/articles"): {"title": "Fuzzed", "slug": "fuzzed", "lang": "en", "topic": "fuzzing",
                                   "body_markdown": "Text.", "visibility": "free", "price_minor": 0,
                                   "currency": "USD"},
    ("PATCH", "/api/v1/articles/fuzz-article"): {"title": "Changed", "body_markdown": "New text."},
    ("PUT", "/api/v1/articles/fuzz-article/price"): {"visibility": "paid", "price_minor": 300, "currency": "USD"},
    ("POST", "/api/v1/articles/fuzz-article/publish"): {"published_at": "2030-01-01T00:00:00Z"},
}


def api_query_parameters() -> Iterator[tuple[str, list[str]]]:
    """Each Content API read and the query parameters its OpenAPI description declares."""
    for path, operations in api.get_openapi_schema()["paths"].items():
        get = operations.get("get")
        if get is not None:
            names = [p["name"] for p in get.get("parameters", []) if p["in"] == "query"]
            yield path.replace("{slug}", "fuzz-article"), names


def test_no_api_request_answers_500_to_odd_input(db):
    world = build_world()
    run = Run(Client(raise_request_exception=False))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world.author_token}"}
    for url, names in api_query_parameters():
        COVERED[f"GET {url}"] = {f"?{name}" for name in names}
        for payload_name, (encoded, _text) in PAYLOADS.items():
            for name in names:
                run.send("GET", f"{url}?{name}={encoded}", label=payload_name, **auth)
            if "fuzz-article" in url:
                run.send("GET", url.replace("fuzz-article", encoded), label=payload_name, **auth)
    for (method, url), body in API_BODIES.items():
        run.send(method, url, json.dumps(body), content_type="application/json", label="plain", **auth)
        for payload_name, (_encoded, text) in PAYLOADS.items():
            for name in body:
                odd = {**body, name: text}
                run.send(method, url, json.dumps(odd), content_type="application/json", label=payload_name, **auth)
        run.send(method, url, b'{"title": "\xed\xa0\x80"}', content_type="application/json", label="bad UTF-8",
                 **auth)
        COVERED[f"{method} {url}"] = {f"{name}:" for name in body}
    for payload_name, (_encoded, text) in PAYLOADS.items():
        header = f"Bearer {text}".encode("utf-8", "surrogatepass").decode("latin-1")
        run.send("GET", "/api/v1/articles", HTTP_AUTHORIZATION=header, label=f"Authorization {payload_name}")
    assert not run.failures, f"{len(run.failures)} answers of 500:\n" + "\n".join(run.failures[:60])
