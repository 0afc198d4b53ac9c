"""Known filter-evasion payloads, stored wherever people can type text, never run in a real Chromium.

The corpus (xss_payloads.txt) goes into article bodies (free preview and locked part), titles, author
names, topic names and account fields (username, e-mail), and into query strings that pages echo.
The pages that show them are opened in Chromium with the Content-Security-Policy switched OFF, so
the test checks the escaping and sanitising themselves, not just the CSP behind them. On each page
the test fails on any dialog (alert/confirm/prompt), on `window.__xss` being set, and on any
markup a payload could use later: event-handler attributes, script-bearing URLs, stray scripts,
frames, objects, <base> or a meta refresh. Many payloads share each page, so the test stays quick.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import translation

from byline.articles.models import Article, Author, Topic
from tests.conftest import make_article, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CORPUS = Path(__file__).with_name("xss_payloads.txt")
PAYLOADS = [line for line in CORPUS.read_text(encoding="utf-8").split("\n") if line and not line.startswith("# ")]

# Collects everything on the page that could execute, now or on a later click, hover or focus.
FIND_DANGER = """() => {
  const found = [];
  const bad = /^\\s*(javascript|vbscript|data:text\\/html)/i;
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) found.push(`${el.tagName} ${name}`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc', 'background', 'dynsrc']
          .includes(name) && (bad.test(attr.value.replace(/[\\u0000-\\u001f]/g, '')) || name === 'srcdoc'))
        found.push(`${el.tagName} ${name}=${attr.value.slice(0, 40)}`);
      if (name === 'style' && /expression|javascript:/i.test(attr.value)) found.push(`${el.tagName} style`);
    }
  }
  for (const s of document.querySelectorAll('script')) {
    const src = s.getAttribute('src') || '';
    const sameOrigin = src.startsWith('/') && !src.startsWith('//');
    const ours = (sameOrigin && !s.textContent.trim()) || s.type === 'application/ld+json';
    if (!ours) found.push(`SCRIPT ${src || s.textContent.slice(0, 40)}`);
  }
  for (const el of document.querySelectorAll('iframe, frame, frameset, object, embed, base, meta[http-equiv]'))
    found.push(el.tagName);
  return found;
}"""


def test_the_corpus_holds_at_least_a_hundred_distinct_payloads():
    assert len(PAYLOADS) >= 100
    assert len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.fixture
def hostile_site(db) -> dict:
    """Every payload as a title, an author's name (both languages), a topic's name and an account's
    username and e-mail; one omnibus article carries all of them in its preview and its locked part."""
    for index, payload in enumerate(PAYLOADS):
        user = make_user(f"xss{index}")
        user.username = f"{payload[:140]}#{index}"
        user.email = payload[:254]
        user.first_name = payload[:150]
        user.save()
        author = Author.objects.create(user=user, slug=f"xss-author-{index}", display_name=payload[:120],
                                       display_name_zh=payload[:120])
        topic = Topic.objects.create(slug=f"xss-topic-{index}", name_en=payload[:80], name_zh=payload[:80])
        make_article(author=author, topic=topic, title=payload[:200], slug=f"xss-{index}")
    paragraphs = "\n\n".join(PAYLOADS)
    body = f"Plain opening words.\n\n{paragraphs}\n\n<!-- paywall -->\n\n{paragraphs}\n\nPlain closing words.\n"
    omnibus = make_article(author=Author.objects.get(slug="xss-author-0"), topic=Topic.objects.get(slug="xss-topic-1"),
                           title=PAYLOADS[2][:200], slug="xss-omnibus", body_markdown=body)
    return {"omnibus": omnibus, "admin": make_user("xss-admin", is_staff=True, is_superuser=True)}


def signed_in(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])


def assert_nothing_runs(page, url: str, dialogs: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 500, url
    page.wait_for_load_state("load")
    assert dialogs == [], f"{url}: dialogs opened: {dialogs[:5]}"
    assert page.evaluate("() => window.__xss") is None, f"{url}: a payload set window.__xss"
    danger = page.evaluate(FIND_DANGER)
    assert danger == [], f"{url}: executable markup: {danger[:10]}"


def open_hostile_page(browser):
    """A browser context that ignores the CSP (so escaping alone is tested) and records every dialog."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return context, page, dialogs


@pytest.fixture
def hostile_page(browser):
    context, page, dialogs = open_hostile_page(browser)
    yield context, page, dialogs
    context.close()


def public_pages(context, page, dialogs, live_server, site) -> None:
    """Anonymous: the home page, the omnibus article, its author and topic (both languages), pages that echo
    a query, and the feed."""
    omnibus: Article = site["omnibus"]
    urls = []
    for language in ("en", "zh-hans"):
        with translation.override(language):
            urls += ["/" + language + "/", omnibus.get_absolute_url(), omnibus.author.get_absolute_url(),
                     omnibus.topic.get_absolute_url()]
    joined = quote("".join(PAYLOADS[:60]))
    urls += [f"/en/accounts/login/?next={joined}", f"/en/reading/accessibility/?next={joined}",
             f"/en/articles/{joined[:300]}/", "/en/feed/"]
    for url in urls:
        assert_nothing_runs(page, live_server.url + url, dialogs)


def entitled_article_page(context, page, dialogs, live_server, site) -> None:
    """The omnibus article as its author reads it: the locked part (payloads too) shown."""
    omnibus: Article = site["omnibus"]
    signed_in(context, live_server, omnibus.author.user)
    for language in ("en", "zh-hans"):
        with translation.override(language):
            url = live_server.url + omnibus.get_absolute_url()
        assert_nothing_runs(page, url, dialogs)
        assert page.locator(".locked-content").count() == 1


def admin_pages(context, page, dialogs, live_server, site) -> None:
    """Staff: the change lists of users, articles, authors and topics, and the omnibus's change forms."""
    signed_in(context, live_server, site["admin"])
    omnibus: Article = site["omnibus"]
    for path in ("auth/user/?all=", "articles/article/?all=", "articles/author/?all=", "articles/topic/?all=",
                 f"articles/article/{omnibus.pk}/change/", f"articles/author/{omnibus.author.pk}/change/",
                 f"auth/user/{omnibus.author.user.pk}/change/"):
        assert_nothing_runs(page, f"{live_server.url}/en/admin/{path}", dialogs)


def test_no_payload_runs_on_public_pages_the_entitled_article_page_or_in_the_admin(live_server, hostile_site,
                                                                                   browser):
    """Three visitors, each in a fresh browser context, over one hostile site: building it (every payload as a
    user, author, topic and article) is most of the cost, so it is built once, not once per visitor. Each
    visitor's first failure is collected and the test fails on them all at the end."""
    failures = []
    for walk in (public_pages, entitled_article_page, admin_pages):
        context, page, dialogs = open_hostile_page(browser)
        try:
            walk(context, page, dialogs, live_server, hostile_site)
        except AssertionError as failure:
            failures.append(f"{walk.__name__}: {failure}")
        finally:
            context.close()
    assert failures == [], "\n".join(failures)


def test_no_payload_runs_when_a_form_echoes_it_back(live_server, db, hostile_page):
    """Anonymous sign-up forms echo what was typed; nothing stored is shown, so no hostile site is built."""
    context, page, dialogs = hostile_page
    # The password sign-up form (username and e-mail echoed back) and the code sign-up form (e-mail only).
    page.goto(live_server.url + "/en/accounts/signup/?with=password")
    page.fill("input[name=username]", "".join(PAYLOADS[:40]))
    page.fill("input[name=email]", "".join(PAYLOADS[40:80]))
    page.locator("main form:has(input[name=username]) button[type=submit]").click()
    page.wait_for_load_state("load")
    assert dialogs == []
    assert page.evaluate("() => window.__xss") is None
    assert page.evaluate(FIND_DANGER) == []
    page.goto(live_server.url + "/en/accounts/signup/")
    page.fill("input[name=email]", "".join(PAYLOADS[80:120]) or "".join(PAYLOADS[:40]))
    page.locator("main form:has(input[name=email]) button[type=submit]").first.click()
    page.wait_for_load_state("load")
    assert dialogs == []
    assert page.evaluate("() => window.__xss") is None
    assert page.evaluate(FIND_DANGER) == []
