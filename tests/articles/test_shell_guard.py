"""A signed-in article page's shared shell holds nothing of the reader it was first rendered for.

Reader A, who has everything personal a page could show (a name, an e-mail, a balance, referral codes, a gift
allowance, a CSRF token, a private feed secret), reads every kind of shelled page in every state: a paid
article without access (the paywall and balance), bought inside the undo window (the undo offer, the gift
form) and after it, a free article, a members' article as a member and not, one opened through a gift, as
staff, as its author, in the caring version and in Chinese. After each page, every shell stored is searched
for A's values. Anything reader-specific put in `base.html` or `article.html` without `{% personal %}` or
`{% personal_value %}` ends up in the shell, and another reader would be served it: this test fails then.
"""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone, translation

from byline.api.services import rotate_private_feed_key
from byline.core import local_cache
from byline.core.money import money
from byline.ledger.selectors import wallet_balance
from byline.purchases import memberships
from byline.purchases.models import MembershipPlan, Purchase
from byline.purchases.services import unlock_with_wallet
from byline.sharing.services import create_gift_link, redeem_gift_link, referral_codes_for
from tests.conftest import LOCKED_SENTINEL, make_article, make_author, make_user
from tests.ledger.conftest import fund

pytestmark = pytest.mark.django_db

HOLE = "\x00"  # where the shell has a hole (a slot, a value, the CSRF token), when its parts are joined
CSRF_VALUE = re.compile(r'csrfmiddlewaretoken" value="[^"\x00]|data-csrf="[^"\x00]')


def stored_shells() -> dict[str, str]:
    """Every shell this process holds, as text (its parts; the holes between them are where personal
    parts go)."""
    shells = {}
    for key, (_expiry, value) in list(local_cache.versioned._entries.items()):
        if key.startswith("page:shell:"):
            parts = value[0] if isinstance(value, tuple) else (value,)
            shells[key] = HOLE.join(parts)
    return shells


def personal_traces(shell: str, secrets: dict[str, str]) -> list[str]:
    """What of the reader the shell holds: named values, a CSRF token, a personal part left rendered."""
    found = [name for name, value in secrets.items() if value and value in shell]
    if CSRF_VALUE.search(shell):
        found.append("a CSRF token")
    for text, what in (('id="undo-offer"', "the undo offer"), ("gift link left", "the gift allowance"),
                       ("gift links left", "the gift allowance"), ("Create a gift link", "the gift button"),
                       ('id="paywall-title"', "the paywall")):
        if text in shell:
            found.append(what)
    return found


class ReaderA:
    def __init__(self):
        self.user = make_user("reader_a_zq7x", first_name="Zeldaqq", last_name="Quorvath")
        self.user.email = "zeldaqq.quorvath@example.test"
        self.user.save()
        fund(self.user, 7_777)
        self.feed_secret = rotate_private_feed_key(owner=self.user)
        self.client = Client()
        self.client.force_login(self.user)

    def secrets(self) -> dict[str, str]:
        found = {"username": self.user.username, "first name": self.user.first_name,
                 "last name": self.user.last_name, "e-mail": self.user.email, "private feed secret": self.feed_secret,
                 "balance": money(wallet_balance(reader=self.user, currency="USD"), "USD")}
        found |= {f"referral code ({channel})": code for channel, code in referral_codes_for(sharer=self.user).items()}
        return found

    def page(self, article, *, language: str = "en", caring: bool = False) -> str:
        with translation.override(language):
            url = article.get_absolute_url()
        if caring:
            self.client.cookies["byline_reading"] = "caring|standard|100|0000"
        else:
            self.client.cookies.pop("byline_reading", None)
        response = self.client.get(url)
        assert response.status_code == 200
        return response.content.decode()


def assert_no_trace_of(reader: ReaderA, page: str, state: str) -> None:
    shells = stored_shells()
    assert shells, f"{state}: the page did not come from a shell"
    secrets = reader.secrets()
    for key, shell in shells.items():
        assert not personal_traces(shell, secrets), (state, key, personal_traces(shell, secrets))
    assert reader.feed_secret not in page  # not even on the reader's own article page


def test_no_shell_holds_anything_of_the_reader_it_was_rendered_for(settings):
    author = make_author("shell_author")
    paid = make_article(author=author, title="A paid story to guard")
    free = make_article(author=author, title="A free story to guard", price_minor=0, visibility="free")
    members = make_article(author=author, title="A members' story to guard", price_minor=0, visibility="members")
    gifted = make_article(author=author, title="A gifted story to guard")
    for number in range(3):  # related cards, with prices and badges, around each page
        make_article(author=author, topic=paid.topic, title=f"Neighbour {number}")
    a = ReaderA()

    page = a.page(paid)
    assert a.secrets()["balance"] in page  # the paywall shows A's balance
    assert referral_codes_for(sharer=a.user)["link"] in page
    assert_no_trace_of(a, page, "paid, no access")
    assert_no_trace_of(a, a.page(paid, language="zh-hans"), "paid, no access, in Chinese")
    assert_no_trace_of(a, a.page(paid, caring=True), "paid, no access, caring version")
    assert_no_trace_of(a, a.page(members), "members' article, not a member")
    assert_no_trace_of(a, a.page(free), "free article")

    unlock_with_wallet(reader=a.user, article=paid, idempotency_key="guard-unlock")
    page = a.page(paid)
    assert 'id="undo-offer"' in page and "gift links left" in page  # A's own undo offer and allowance
    assert_no_trace_of(a, page, "bought, inside the undo window, with gift allowance")
    assert_no_trace_of(a, a.page(paid, language="zh-hans"), "bought, in Chinese")
    assert_no_trace_of(a, a.page(paid, caring=True), "bought, caring version")
    Purchase.objects.filter(reader=a.user).update(
        created_at=timezone.now() - dt.timedelta(seconds=settings.UNDO_WINDOW_SECONDS + 60))
    assert_no_trace_of(a, a.page(paid), "bought, after the undo window")

    giver = make_user("shell_giver")
    fund(giver, 1_000)
    unlock_with_wallet(reader=giver, article=gifted, idempotency_key="guard-giver")
    redeem_gift_link(token=create_gift_link(giver=giver, article=gifted).token, recipient=a.user)
    page = a.page(gifted)
    assert LOCKED_SENTINEL in page
    assert_no_trace_of(a, page, "opened through a gift")

    plan = MembershipPlan.objects.create(name="Monthly", interval="month", price_minor=800, currency="USD")
    memberships.join_with_wallet(reader=a.user, plan=plan, idempotency_key="guard-member")
    assert_no_trace_of(a, a.page(members), "members' article, as a member")

    a.user.is_staff = a.user.is_superuser = True  # staff who may read everything
    a.user.save()
    assert_no_trace_of(a, a.page(gifted), "staff")
    assert_no_trace_of(a, a.page(make_article(author=author, title="Another paid story")), "staff, paid")

    own = make_article(author=make_author("reader_a_author"), title="A's own story")
    own.author.user.first_name, own.author.user.email = "Zeldaqq", "zeldaqq.author@example.test"
    own.author.user.save()
    author_reader = ReaderA.__new__(ReaderA)
    author_reader.user, author_reader.feed_secret = own.author.user, rotate_private_feed_key(owner=own.author.user)
    author_reader.client = Client()
    author_reader.client.force_login(own.author.user)
    # An author's own page shows the author's public name (the byline): that is the article's, not personal.
    page = author_reader.page(own)
    assert LOCKED_SENTINEL in page
    secrets = {name: value for name, value in author_reader.secrets().items() if name != "username"}
    for key, shell in stored_shells().items():
        assert not personal_traces(shell, secrets), ("author", key, personal_traces(shell, secrets))

    assert {key.split(":")[7] for key in stored_shells()} == {"staff", "reader"}
    reasons = {key.split(":")[6] for key in stored_shells()}
    assert {"preview", "full-free", "full-purchase", "full-gift", "full-membership", "full-staff",
            "full-author"} <= reasons, reasons


def test_the_guard_sees_a_personal_value_printed_into_a_shell():
    """The check itself: a shell holding a reader's name, balance or token is reported."""
    secrets = {"username": "reader_a_zq7x", "balance": "$77.77"}
    assert personal_traces("<p>Signed in as reader_a_zq7x</p>", secrets) == ["username"]
    assert personal_traces('<input name="csrfmiddlewaretoken" value="abc">', secrets) == ["a CSRF token"]
    assert personal_traces('<input name="csrfmiddlewaretoken" value="">', secrets) == []
    assert personal_traces("<p>Your balance: $77.77</p>", secrets) == ["balance"]
