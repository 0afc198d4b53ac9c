"""Every page type, in every reading mode and both languages, passes axe-core (WCAG 2.2 AA) in Chromium.

The page table `PAGES` is the one place to add a page type: one line, a name, who looks at it
and how to build its URL. Each mode is one test; inside it every page is audited in English and
Chinese and all violations are collected before the single assertion, so one run shows them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from django.urls import reverse
from django.utils import translation

from byline.articles.models import Article, Author, Topic, Visibility
from tests.conftest import LOCKED_SENTINEL, make_article, make_author, make_topic, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LANGUAGES = ("en", "zh-hans")
COOKIE = "byline_reading"
MODES = {  # the reading-preferences cookie, format mode|scheme|zoom|flags (byline/reader/prefs.py)
    "standard": None,
    "caring": "caring|standard|100|0000",
    "contrast": "standard|contrast|100|0000",
    "zoom200": "standard|standard|200|0000",
}


@dataclass
class Site:
    author: Author
    topic: Topic
    free: Article
    paid: Article
    paid_zh: Article


@dataclass(frozen=True)
class PageType:
    name: str
    url: Callable[[Site], str]
    who: str = "anonymous"  # or "reader" (signed in, owns nothing) or "author" (wrote every article)
    screenshot: bool = False


PAGES = [
    PageType("home", lambda s: reverse("articles:home")),
    PageType("topic", lambda s: s.topic.get_absolute_url()),
    PageType("author", lambda s: s.author.get_absolute_url()),
    PageType("article-free", lambda s: s.free.get_absolute_url()),
    PageType("article-locked", lambda s: s.paid.get_absolute_url(), screenshot=True),
    PageType("article-locked-signed-in", lambda s: s.paid.get_absolute_url(), who="reader"),
    PageType("article-zh-locked", lambda s: s.paid_zh.get_absolute_url()),
    PageType("article-unlocked", lambda s: s.paid.get_absolute_url(), who="author", screenshot=True),
    PageType("login", lambda s: reverse("accounts:login")),
    PageType("sign-up", lambda s: reverse("accounts:signup")),
    PageType("password-reset", lambda s: reverse("accounts:password_reset")),
    PageType("library", lambda s: reverse("accounts:library"), who="reader"),
    PageType("accessibility-settings", lambda s: reverse("reader:accessibility")),
    PageType("not-found", lambda s: reverse("articles:home") + "no-such-page/"),
]


@pytest.fixture
def site() -> Site:
    author = make_author("historian")
    topic = make_topic("history")
    body = (
        "The canal began as a string of local ditches, each dug for a different lord and a different war. "
        "See [the map](#map) for the route.\n\nBy the seventh century an emperor decided they should become one "
        "waterway.\n\n<!-- paywall -->\n\n"
        f"{LOCKED_SENTINEL}\n\n## What the barges carried\n\nGrain, salt and letters.\n\n- Rice\n- Silk\n"
    )
    paid = make_article(author=author, topic=topic, title="The canal that fed an empire", slug="canal-fed-empire",
                        body_markdown=body)
    free = make_article(author=author, topic=topic, title="How locks lift a boat", slug="how-locks-lift",
                        visibility=Visibility.FREE, price_minor=0,
                        body_markdown="A lock is a room of water with two doors.\n\nClose one, open the other.")
    paid_zh = make_article(
        author=author, topic=topic, title="大运河与漕运", slug="grand-canal-grain", lang="zh-hans", currency="CNY",
        body_markdown="大运河把南方的粮食运到北方。\n\n沿岸的城市因此繁荣起来。\n\n<!-- paywall -->\n\n"
                      f"{LOCKED_SENTINEL}\n\n漕运制度延续了一千多年。",
    )
    return Site(author=author, topic=topic, free=free, paid=paid, paid_zh=paid_zh)


def signed_in_cookies(user, live_server) -> list[dict]:
    client = Client()
    client.force_login(user)
    return [{"name": name, "value": morsel.value, "url": live_server.url} for name, morsel in client.cookies.items()]


class Visitor:
    """One browser context per kind of visitor, all with the same reading-preferences cookie."""

    def __init__(self, browser, live_server, site: Site, cookie: str | None, viewport: dict | None = None):
        self.browser, self.live_server, self.cookie = browser, live_server, cookie
        self.viewport = viewport or {"width": 1280, "height": 900}
        self.users = {"reader": make_user(), "author": site.author.user}
        self.contexts: dict[str, object] = {}

    def page(self, who: str):
        if who not in self.contexts:
            context = self.browser.new_context(viewport=self.viewport, locale="en-GB")
            cookies = [{"name": COOKIE, "value": self.cookie, "url": self.live_server.url}] if self.cookie else []
            if who != "anonymous":
                cookies += signed_in_cookies(self.users[who], self.live_server)
            if cookies:
                context.add_cookies(cookies)
            self.contexts[who] = context.new_page()
        return self.contexts[who]

    def close(self) -> None:
        for page in self.contexts.values():
            page.context.close()


def url_for(page_type: PageType, site: Site, language: str) -> str:
    with translation.override(language):
        return page_type.url(site)


def describe(violations: list, where: str) -> list[str]:
    return [f"{where}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:5]}" for v in violations]


def audit(page, where: str, *, enhanced_contrast: bool = False) -> list[str]:
    axe = Axe()
    found = describe(axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
                     .response["violations"], where)
    if enhanced_contrast:
        result = axe.run(page, options={"runOnly": {"type": "rule", "values": ["color-contrast-enhanced"]}})
        found += describe(result.response["violations"], where + " [7:1]")
    return found


@pytest.mark.parametrize("mode", list(MODES))
def test_every_page_type_passes_axe_in_both_languages(mode, live_server, browser, site, screenshot_dir):
    visitor = Visitor(browser, live_server, site, MODES[mode])
    problems: list[str] = []
    try:
        for page_type in PAGES:
            page = visitor.page(page_type.who)
            for language in LANGUAGES:
                where = f"{mode}/{language}/{page_type.name}"
                response = page.goto(live_server.url + url_for(page_type, site, language))
                expected = 404 if page_type.name == "not-found" else 200
                if response.status != expected:
                    problems.append(f"{where}: HTTP {response.status}")
                    continue
                problems += audit(page, where, enhanced_contrast=mode == "caring")
                if page_type.screenshot:
                    page.screenshot(path=str(screenshot_dir / f"{page_type.name}-{mode}-{language}.png"),
                                    full_page=True)
    finally:
        visitor.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("mode", ["standard", "caring"])
def test_the_open_toolbar_and_a_form_with_errors_pass_axe(mode, live_server, browser, site, screenshot_dir):
    visitor = Visitor(browser, live_server, site, MODES[mode])
    problems: list[str] = []
    try:
        page = visitor.page("anonymous")
        for language in LANGUAGES:
            page.goto(live_server.url + url_for(PAGES[4], site, language))
            page.locator("button[data-toolbar-toggle]").first.click()
            assert page.locator("#a11y-toolbar").is_visible()
            problems += audit(page, f"{mode}/{language}/toolbar-open", enhanced_contrast=mode == "caring")
            page.screenshot(path=str(screenshot_dir / f"toolbar-{mode}-{language}.png"))

            with translation.override(language):
                page.goto(live_server.url + reverse("accounts:signup"))
            page.locator("form.stack-form button[type=submit]").click()
            assert page.locator(".field-error").count() > 0
            problems += audit(page, f"{mode}/{language}/sign-up-errors", enhanced_contrast=mode == "caring")
    finally:
        visitor.close()
    assert problems == [], "\n".join(problems)
