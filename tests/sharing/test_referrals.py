"""Referral counts for authors: shares, visits, gift redemptions and purchases within 7 days, per channel."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from byline.sharing import selectors, services
from byline.sharing.models import EventKind, ReferralEvent
from tests.conftest import make_user
from tests.sharing.conftest import browser_client, open_gift

pytestmark = pytest.mark.django_db


def counts(author, channel):
    rows = [r for r in selectors.referral_counts(author=author) if r.channel == channel]
    return (rows[0].shares, rows[0].visits, rows[0].redemptions, rows[0].purchases) if rows else (0, 0, 0, 0)


def visit_url(article, sharer=None, channel="x"):
    code = services.referral_codes_for(sharer=sharer)[channel]
    return f"{article.get_absolute_url()}?r={code}"


def test_a_visit_with_a_referral_code_is_counted_once_per_browser(browser, paid_article, author):
    browser.get(visit_url(paid_article))
    browser.get(visit_url(paid_article))
    browser_client().get(visit_url(paid_article))
    assert counts(author, "x") == (0, 2, 0, 0)


def test_bots_following_a_shared_link_are_not_counted(paid_article, author):
    browser_client().get(visit_url(paid_article), HTTP_USER_AGENT="Twitterbot/1.0")
    assert counts(author, "x") == (0, 0, 0, 0)


def test_a_sharer_visiting_their_own_link_is_not_counted(paid_article, author):
    sharer = make_user()
    browser_client(sharer).get(visit_url(paid_article, sharer=sharer))
    assert counts(author, "x") == (0, 0, 0, 0)


def test_an_unknown_referral_code_is_ignored(browser, paid_article, author):
    assert browser.get(paid_article.get_absolute_url() + "?r=zzzzzzzz").status_code == 200
    assert not ReferralEvent.objects.exists()


def test_a_purchase_within_seven_days_of_a_referred_visit_counts_for_its_channel(paid_article, author):
    buyer = make_user()
    client = browser_client()
    client.get(visit_url(paid_article, channel="weibo"))
    client.force_login(buyer)
    client.get(paid_article.get_absolute_url())  # signing in claims the browser's referred visit
    assert services.record_conversion(reader=buyer, article=paid_article, kind="purchase") is not None
    assert counts(author, "weibo") == (0, 1, 0, 1)


def test_a_purchase_more_than_seven_days_after_the_visit_is_not_attributed(paid_article, author):
    buyer = make_user()
    browser_client(buyer).get(visit_url(paid_article, channel="telegram"))
    ReferralEvent.objects.update(created_at=timezone.now() - dt.timedelta(days=8))
    assert services.record_conversion(reader=buyer, article=paid_article, kind="purchase") is None
    assert counts(author, "telegram")[3] == 0


def test_gift_redemptions_and_the_purchases_after_them_count_under_gift(gift, paid_article, author):
    recipient = make_user()
    open_gift(browser_client(recipient), gift)
    open_gift(browser_client(), gift)
    services.record_conversion(reader=recipient, article=paid_article, kind="membership")
    assert counts(author, "gift") == (0, 0, 2, 1)


def test_shares_through_the_panel_are_counted_per_channel(browser, paid_article, author):
    for channel in ("weibo", "weibo", "whatsapp"):
        browser.get(reverse("sharing:share_to", kwargs={"slug": paid_article.slug, "channel": channel}))
    assert counts(author, "weibo")[0] == 2 and counts(author, "whatsapp")[0] == 1


def test_authors_see_their_referral_counts_and_others_do_not(paid_article, author):
    ReferralEvent.objects.create(article=paid_article, kind=EventKind.SHARE,
                                 referral=services.referral_code(sharer=None, channel="weibo"))
    page = browser_client(author.user).get(reverse("sharing:referrals"))
    assert page.status_code == 200 and paid_article.title in page.content.decode()
    assert browser_client(make_user()).get(reverse("sharing:referrals")).status_code == 403


def test_no_ip_or_user_agent_is_stored_with_an_event():
    names = {field.name for field in ReferralEvent._meta.get_fields()}
    assert names == {"id", "article", "referral", "kind", "reader", "created_at"}


def test_a_wallet_purchase_after_a_referred_visit_counts_for_that_channel(client, paid_article,
                                                                         django_capture_on_commit_callbacks):
    from byline.ledger import services as ledger
    from byline.ledger.models import AccountKind, TransferKind
    from byline.purchases.services import unlock_with_wallet
    from byline.sharing.models import EventKind, ReferralEvent
    from byline.sharing.services import referral_codes_for
    from tests.conftest import make_user

    buyer = make_user("referred-buyer")
    wallet, clearing = ledger.accounts_for([(AccountKind.WALLET, "USD", buyer), (AccountKind.CLEARING, "USD", None)])
    ledger.transfer(key="seed-referred-buyer", kind=TransferKind.TOPUP,
                    legs=[ledger.Leg(clearing, -1000), ledger.Leg(wallet, 1000)])
    code = referral_codes_for(sharer=paid_article.author.user)["weibo"]
    client.force_login(buyer)
    client.get(paid_article.get_absolute_url() + f"?r={code}", HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux) Firefox/140")
    with django_capture_on_commit_callbacks(execute=True):
        unlock_with_wallet(reader=buyer, article=paid_article, idempotency_key="k-referred-1")
    purchase_event = ReferralEvent.objects.get(kind=EventKind.PURCHASE, reader=buyer)
    assert purchase_event.referral.channel == "weibo"
    # A repeat of the key, and a new key for the article already owned, are refused inside the purchase's
    # transaction: the count (on PostgreSQL written in the statement that locks the wallet) rolls back with them.
    with django_capture_on_commit_callbacks(execute=True):
        unlock_with_wallet(reader=buyer, article=paid_article, idempotency_key="k-referred-1")
        unlock_with_wallet(reader=buyer, article=paid_article, idempotency_key="k-referred-2")
    assert ReferralEvent.objects.filter(kind=EventKind.PURCHASE, reader=buyer).count() == 1
