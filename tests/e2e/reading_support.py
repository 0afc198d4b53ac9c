"""What the browser tests of reading modes share: a small site, and visitors with a reading-preferences cookie."""

from __future__ import annotations

from dataclasses import dataclass

from axe_playwright_python.base import AXE_SCRIPT
from django.test import Client

from byline.articles.models import Article, Author, Topic, Visibility
from tests.conftest import LOCKED_SENTINEL, make_article, make_author, make_topic, make_user

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


def make_site() -> Site:
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
            context.add_init_script(AXE_SCRIPT)  # axe is on every page already: no injection per audit
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
