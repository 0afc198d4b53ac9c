"""What the browser tests of reading modes share: a small site, and visitors with a reading-preferences cookie."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from axe_playwright_python.base import AXE_SCRIPT
from django.test import Client
from django.urls import reverse

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
    people: dict = field(default_factory=dict)  # more signed-in visitors by role, see `add_money`
    money: dict = field(default_factory=dict)  # ids and tokens the money and gift pages need


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


def fund(reader, amount_minor: int, currency: str = "USD"):
    """Credit a wallet from provider clearing, as a confirmed top-up does (the ledger's own path)."""
    from byline.payments.services import credit_wallet

    return credit_wallet(reader=reader, amount_minor=amount_minor, currency=currency,
                         key=f"e2e-fund:{uuid.uuid4().hex}")


def add_money(site: Site) -> Site:
    """The money and gift pages' people and things, all made through the real services.

    `funded` has a balance and owns nothing; `buyer` bought the paid article a moment ago (undo still
    offered); `staff` looks at ledger health. `money` holds the purchase and its transfer (its receipt),
    a valid and a revoked gift link, a sandbox checkout started as a top-up (its sandbox ref and its own
    reference) and the membership plan.
    """
    from byline.payments.services import start_topup
    from byline.purchases.models import MembershipPlan
    from byline.purchases.services import unlock_with_wallet
    from byline.sharing.services import create_gift_link, revoke_gift_link
    from tests.conftest import make_user

    funded, buyer = make_user(), make_user()
    fund(funded, 1000)
    fund(buyer, 1000)
    purchase = unlock_with_wallet(reader=buyer, article=site.paid, idempotency_key=uuid.uuid4().hex)
    plan = MembershipPlan.objects.create(name="Monthly", name_zh="月度会员", interval="month", price_minor=800,
                                         currency="USD")
    gift = create_gift_link(giver=site.author.user, article=site.paid)
    revoked = create_gift_link(giver=site.author.user, article=site.paid)
    revoke_gift_link(giver=site.author.user, gift_id=revoked.pk)
    checkout = start_topup(reader=funded, amount_minor=1000, currency="USD", idempotency_key=uuid.uuid4().hex,
                           success_url="http://testserver" + reverse("payments:return"),
                           cancel_url="http://testserver" + reverse("purchases:wallet"))
    site.people.update(funded=funded, buyer=buyer, staff=make_user(is_staff=True))
    site.money.update(receipt=purchase.transfer_id, gift=gift.token, revoked_gift=revoked.token,
                      checkout=checkout.provider_ref, checkout_reference=checkout.reference, plan=plan.pk,
                      purchase=purchase.pk)
    return site


def signed_in_cookies(user, live_server) -> list[dict]:
    client = Client()
    client.force_login(user)
    return [{"name": name, "value": morsel.value, "url": live_server.url} for name, morsel in client.cookies.items()]


class Visitor:
    """One browser context per kind of visitor, all with the same reading-preferences cookie."""

    def __init__(self, browser, live_server, site: Site, cookie: str | None, viewport: dict | None = None):
        self.browser, self.live_server, self.cookie = browser, live_server, cookie
        self.viewport = viewport or {"width": 1280, "height": 900}
        self.users = {"reader": make_user(), "author": site.author.user, **site.people}
        self.contexts: dict[str, object] = {}

    def page(self, who: str):
        if who not in self.contexts:
            context = self.browser.new_context(viewport=self.viewport, locale="en-GB")
            context.add_init_script(AXE_SCRIPT)  # axe is on every page already: no injection per audit
            cookies = [{"name": COOKIE, "value": self.cookie, "url": self.live_server.url}] if self.cookie else []
            if who not in ("anonymous", "stranger"):  # a stranger: a second anonymous browser
                cookies += signed_in_cookies(self.users[who], self.live_server)
            if cookies:
                context.add_cookies(cookies)
            self.contexts[who] = context.new_page()
        return self.contexts[who]

    def close(self) -> None:
        for page in self.contexts.values():
            page.context.close()
