"""How long a gift lives: as long as the purchase it came from, and never again once its link has ended."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from byline.access.decision import Reason, decide
from byline.purchases import memberships
from byline.purchases import services as purchases
from byline.purchases.models import MembershipPlan
from byline.sharing import services
from byline.sharing.models import GiftLink, GiftStatus
from tests.conftest import LOCKED_SENTINEL, make_article, make_user
from tests.ledger.conftest import fund
from tests.sharing.conftest import browser_client, gift_url, open_gift

pytestmark = pytest.mark.django_db


def bought_and_given(article):
    """A reader buys the article from the wallet and makes a gift link from the purchase."""
    buyer = make_user()
    fund(buyer, 1000)
    purchase = purchases.unlock_with_wallet(reader=buyer, article=article, idempotency_key=uuid.uuid4().hex)
    return buyer, purchase, services.create_gift_link(giver=buyer, article=article)


def reads_in_full(client: Client, article) -> bool:
    return LOCKED_SENTINEL in client.get(article.get_absolute_url()).content.decode()


def test_a_gift_records_the_purchase_it_was_made_from(paid_article):
    _, purchase, gift = bought_and_given(paid_article)
    assert (gift.source, gift.source_ref) == (Reason.PURCHASE, purchase.pk)
    authors_gift = services.create_gift_link(giver=paid_article.author.user, article=paid_article)
    assert (authors_gift.source, authors_gift.source_ref) == (Reason.AUTHOR, None)


@pytest.mark.parametrize("end", ["undo", "refund"])
def test_undoing_or_refunding_a_purchase_ends_its_gifts_for_every_recipient(paid_article, end):
    buyer, purchase, gift = bought_and_given(paid_article)
    friend, browser = make_user(), browser_client()
    open_gift(browser_client(friend), gift)
    open_gift(browser, gift)
    assert decide(friend, paid_article).reason == Reason.GIFT and reads_in_full(browser, paid_article)

    if end == "undo":
        purchases.undo_purchase(reader=buyer, purchase_id=purchase.pk)
    else:
        purchases.refund_purchase(purchase_id=purchase.pk, staff_user=make_user(is_staff=True))

    gift.refresh_from_db()
    assert gift.status() == GiftStatus.ENDED
    assert not decide(friend, paid_article).allowed
    assert not reads_in_full(browser_client(friend), paid_article) and not reads_in_full(browser, paid_article)
    newcomer = browser_client()
    content = open_gift(newcomer, gift).content.decode()
    assert "This gift has ended" in content and LOCKED_SENTINEL not in content
    assert GiftLink.objects.get(pk=gift.pk).redemption_count == 2


def test_ending_a_purchase_ends_only_the_gifts_made_from_it(author):
    first, second = make_article(author=author), make_article(author=author)
    buyer = make_user()
    fund(buyer, 1000)
    bought = [purchases.unlock_with_wallet(reader=buyer, article=a, idempotency_key=uuid.uuid4().hex)
              for a in (first, second)]
    gifts = [services.create_gift_link(giver=buyer, article=a) for a in (first, second)]
    purchases.undo_purchase(reader=buyer, purchase_id=bought[0].pk)
    assert [GiftLink.objects.get(pk=g.pk).status() for g in gifts] == [GiftStatus.ENDED, GiftStatus.ACTIVE]


def test_the_undo_offer_warns_and_the_undo_message_tells_the_giver_their_gifts_ended(paid_article):
    buyer, purchase, _ = bought_and_given(paid_article)
    services.create_gift_link(giver=buyer, article=paid_article)
    client = browser_client(buyer)
    assert "Any gift links you made from this purchase end with it." in client.get(
        paid_article.get_absolute_url()).content.decode()
    content = client.post(reverse("purchases:undo", args=[purchase.pk]), follow=True).content.decode()
    assert "The 2 gift links you made from this purchase have ended" in content
    gifts_page = client.get(reverse("sharing:gifts")).content.decode()
    assert "Ended with the purchase it came from" in gifts_page


def test_an_undo_without_gifts_says_nothing_about_gifts(paid_article):
    buyer = make_user()
    fund(buyer, 1000)
    purchase = purchases.unlock_with_wallet(reader=buyer, article=paid_article, idempotency_key="no-gifts")
    response = browser_client(buyer).post(reverse("purchases:undo", args=[purchase.pk]), follow=True)
    content = response.content.decode()
    assert "Purchase undone" in content and "you made from this purchase" not in content


def test_a_gift_made_while_its_purchase_is_refunded_is_refused_or_ended(paid_article):
    """The access a gift is made from is decided under the giver's row lock, which ending a purchase
    takes too: once the purchase has ended, no gift can be made from it."""
    buyer, purchase, _ = bought_and_given(paid_article)
    purchases.refund_purchase(purchase_id=purchase.pk, staff_user=make_user(is_staff=True))
    with pytest.raises(services.ValidationError) as refused:
        services.create_gift_link(giver=buyer, article=paid_article)
    assert refused.value.code == "no_access"


def test_a_members_gift_keeps_its_own_terms_when_the_membership_ends(paid_article):
    """A membership that ends at the close of a paid period returns no money: the gifts made during it
    keep their own terms (new friends until the link expires; signed-in friends keep the article)."""
    member = make_user()
    fund(member, 800)
    plan = MembershipPlan.objects.create(name="Monthly", interval="month", price_minor=800, currency="USD")
    membership = memberships.join_with_wallet(reader=member, plan=plan, idempotency_key="member")
    gift = services.create_gift_link(giver=member, article=paid_article)
    assert gift.source == Reason.MEMBERSHIP
    friend = make_user()
    open_gift(browser_client(friend), gift)
    memberships.cancel_at_period_end(reader=member)
    memberships.renew_due_wallet_memberships(now=membership.period_end + dt.timedelta(seconds=1))

    assert not decide(member, paid_article).allowed
    assert decide(friend, paid_article).reason == Reason.GIFT
    assert GiftLink.objects.get(pk=gift.pk).status() == GiftStatus.ACTIVE


# A gift link that has ended for a browser stays ended for whoever signs in there -----------------------


def opened_then(gift, paid_article, change) -> Client:
    """A browser opens the gift while signed out; then `change` happens to the gift."""
    browser = browser_client()
    open_gift(browser, gift)
    assert reads_in_full(browser, paid_article)
    change(gift)
    assert not reads_in_full(browser, paid_article)
    return browser


def revoke(gift) -> None:
    services.revoke_gift_link(giver=gift.giver, gift_id=gift.pk)


def expire(gift) -> None:
    GiftLink.objects.filter(pk=gift.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))


@pytest.mark.parametrize("change", [revoke, expire], ids=["revoked", "expired"])
def test_signing_up_in_a_browser_whose_gift_has_ended_does_not_reopen_it(gift, paid_article, change):
    browser = opened_then(gift, paid_article, change)
    newcomer = make_user()
    browser.force_login(newcomer)  # the same browser, the same gift cookie
    content = open_gift(browser, gift).content.decode()  # looks at the link, and presses any button there
    assert LOCKED_SENTINEL not in content
    assert not decide(newcomer, paid_article).allowed
    assert not reads_in_full(browser, paid_article)
    assert not reads_in_full(browser_client(newcomer), paid_article)  # nor in a new session
    assert not gift.redemptions.filter(recipient=newcomer).exists()


def test_a_browser_that_signs_in_while_the_gift_lives_keeps_it_in_the_account(gift, paid_article):
    browser = browser_client()
    open_gift(browser, gift)
    reader = make_user()
    browser.force_login(reader)
    browser.get(gift_url(gift))
    revoke(gift)
    assert decide(reader, paid_article).reason == Reason.GIFT
    assert GiftLink.objects.get(pk=gift.pk).redemption_count == 1
