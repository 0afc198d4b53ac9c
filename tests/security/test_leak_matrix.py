"""The locked part of a paid article never reaches a reader without access, on any surface, in any state.

The matrix is two tables: SURFACES (everything that shows something about an article) and STATES
(who is asking). Every pair runs as its own test, named `surface--state`, and the run ends with a
printed grid of what ran (tests/security/conftest.py). To extend it, add one line to a table:

    SURFACES: "api detail": http(lambda a: f"/api/v1/articles/{a.slug}/", expect=PREVIEW_SENTENCE),
    STATES:   "refunded purchase": refunded_purchase,   # a function (client, article) -> None

Surfaces that the server renders identically whatever the browser does are listed with a note
rather than requested twice in different ways: JavaScript-disabled readers get exactly the HTML
of the matching signed-in or anonymous state (the paywall is server-side), and the print view is
the article page's HTML with the print stylesheet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from byline.articles.models import Article
from byline.reader.prefs import COOKIE_NAME, ReadingPrefs
from tests.conftest import LOCKED_ONLY_WORD, LOCKED_SENTINEL, PREVIEW_SENTENCE, make_user

pytestmark = pytest.mark.django_db

CRAWLER_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
MATRIX_RESULTS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Surface:
    """How to fetch one surface for an article as a given client; `expect` proves the article is on it."""

    fetch: Callable[[Client, Article], tuple[int, str]]
    expect: Callable[[Article], str] | None = None
    note: str = ""


def localised(language: str, build: Callable[[Article], str]) -> Callable[[Article], str]:
    def url(article: Article) -> str:
        with translation.override(language):
            return build(article)

    return url


def http(url: Callable[[Article], str], *, expect: Callable[[Article], str] | None = None,
         cookies: dict[str, str] | None = None, note: str = "") -> Surface:
    def fetch(client: Client, article: Article) -> tuple[int, str]:
        for name, value in (cookies or {}).items():
            client.cookies[name] = value
        response = client.get(url(article), follow=True)
        return response.status_code, response.content.decode()

    return Surface(fetch, expect, note)


def admin_anonymous_preview(client: Client, article: Article) -> tuple[int, str]:
    """Staff use it to see what an anonymous reader sees: asked as staff whatever the state."""
    staff = Client()
    staff.force_login(make_user(is_staff=True, is_superuser=True))
    response = staff.get(reverse("admin:articles_article_anonymous_preview", args=[article.pk]))
    return response.status_code, response.content.decode()


def password_reset_email(client: Client, article: Article) -> tuple[int, str]:
    """The e-mails a reader without access can make the site send, read from the outbox."""
    user = make_user()
    mail.outbox.clear()
    response = client.post(reverse("accounts:password_reset"), {"email": user.email}, follow=True)
    return response.status_code, "\n".join(f"{m.subject}\n{m.body}" for m in mail.outbox)


def article_url(article: Article) -> str:
    return article.get_absolute_url()


def title(article: Article) -> str:
    return article.title


def preview(article: Article) -> str:
    return PREVIEW_SENTENCE


CARING = ReadingPrefs(mode="caring").serialise()
TEXT_ONLY = ReadingPrefs(text_only=True).serialise()

SURFACES: dict[str, Surface] = {
    "article page (en)": http(localised("en", article_url), expect=preview),
    "article page (zh-hans)": http(localised("zh-hans", article_url), expect=preview),
    "share tags and JSON-LD": http(localised("en", article_url), expect=title,
                                   note="Open Graph, Twitter card and JSON-LD live in the page head"),
    "caring version": http(localised("en", article_url), expect=preview, cookies={COOKIE_NAME: CARING}),
    "text-only view": http(localised("en", article_url), expect=preview, cookies={COOKIE_NAME: TEXT_ONLY}),
    "print view": http(localised("en", article_url), expect=preview,
                       note="the article page's HTML with the print stylesheet"),
    "home page (en)": http(localised("en", lambda a: reverse("articles:home")), expect=title),
    "home page (zh-hans)": http(localised("zh-hans", lambda a: reverse("articles:home")), expect=title),
    "topic page": http(localised("en", lambda a: a.topic.get_absolute_url()), expect=title),
    "author page": http(localised("en", lambda a: a.author.get_absolute_url()), expect=title),
    "RSS feed": http(localised("en", lambda a: reverse("articles:feed")), expect=title),
    "sitemap": http(lambda a: "/sitemap.xml", expect=lambda a: a.slug),
    "robots.txt": http(lambda a: "/robots.txt"),
    "404 page": http(localised("en", lambda a: reverse("articles:detail", kwargs={"slug": f"{a.slug}-gone"}))),
    "admin anonymous preview": Surface(admin_anonymous_preview, expect=preview),
    "password-reset e-mail": Surface(password_reset_email, expect=lambda a: "/reset/"),
}


def anonymous(client: Client, article: Article) -> None:
    """No account, no cookies."""


def signed_in_without_access(client: Client, article: Article) -> None:
    client.force_login(make_user())


def crawler(client: Client, article: Article) -> None:
    client.defaults["HTTP_USER_AGENT"] = CRAWLER_UA


def javascript_disabled(client: Client, article: Article) -> None:
    """The server cannot tell: it sends the same HTML as to anyone anonymous (the paywall is server-side)."""


STATES: dict[str, Callable[[Client, Article], None]] = {
    "anonymous": anonymous,
    "signed in without access": signed_in_without_access,
    "crawler user agent": crawler,
    "JavaScript disabled": javascript_disabled,
}

MATRIX = [(surface, state) for surface in SURFACES for state in STATES]


def assert_no_locked_text(content: str, where: str) -> None:
    assert LOCKED_SENTINEL not in content, f"locked sentinel leaked on {where}"
    assert LOCKED_ONLY_WORD not in content, f"a locked-only word leaked on {where}"


@pytest.mark.parametrize(("surface", "state"), MATRIX, ids=[f"{s}--{t}" for s, t in MATRIX])
def test_locked_text_never_reaches_a_reader_without_access(paid_article, surface, state):
    client = Client()
    STATES[state](client, paid_article)
    MATRIX_RESULTS[(surface, state)] = "FAIL"
    status, content = SURFACES[surface].fetch(client, paid_article)
    assert status in (200, 404), f"{surface} as {state} answered {status}"
    expect = SURFACES[surface].expect
    if expect is not None:
        assert expect(paid_article) in content, f"{surface} does not show the article: the check would prove nothing"
    assert_no_locked_text(content, f"{surface} as {state}")
    MATRIX_RESULTS[(surface, state)] = "ok"


@pytest.mark.parametrize("surface", ["article page (en)", "article page (zh-hans)", "caring version",
                                     "text-only view"])
def test_the_matrix_would_see_a_leak_the_author_is_entitled_to(paid_article, surface):
    """Control: the same fetch, as the article's author, does carry the sentinel."""
    client = Client()
    client.force_login(paid_article.author.user)
    _, content = SURFACES[surface].fetch(client, paid_article)
    assert LOCKED_SENTINEL in content
