"""Paid gifts: bought from the wallet, claimed once, taken back until claimed; each step one ledger transfer."""

import datetime as dt

import pytest
from django.utils import timezone

from byline.access.decision import Reason, decide
from byline.gifts import services
from byline.gifts.errors import GiftRefused
from byline.gifts.models import GiftState
from byline.ledger import services as ledger
from byline.ledger.invariants import assert_balanced
from byline.ledger.models import AccountKind
from byline.purchases import memberships
from byline.purchases import services as purchases
from byline.purchases.errors import KeyReused, NotEnoughInWallet
from tests.conftest import make_article, make_user
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db


def _earnings(user, currency="USD") -> int:
    return ledger.account_for(kind=AccountKind.EARNINGS, owner=user, currency=currency).balance


def _held(currency="USD") -> int:
    return ledger.account_for(kind=AccountKind.GIFTS, currency=currency).balance


def _buy(buyer, article, **kw):
    return services.buy_gift(buyer=buyer, order=services.article_order(article=article, **kw),
                             idempotency_key=new_key())


def test_a_bought_gift_holds_the_money_and_grants_nothing_until_claimed(paid_article):
    buyer, friend = make_user(), make_user()
    fund(buyer, 1000)
    gift = _buy(buyer, paid_article, recipient_email=friend.email)
    assert gift.state == GiftState.PAID and gift.price_minor == 300
    assert balance(buyer) == 700 and _held() == 300 and _earnings(paid_article.author.user) == 0
    assert not decide(friend, paid_article).allowed
    assert not decide(buyer, paid_article).allowed  # buying a gift is not buying the article
    assert_balanced()


def test_claiming_gives_the_article_and_pays_the_author_as_a_sale(paid_article):
    buyer, friend = make_user(), make_user()
    fund(buyer, 1000)
    gift = _buy(buyer, paid_article)
    claimed = services.claim_gift(token=gift.token, reader=friend)
    assert claimed.state == GiftState.CLAIMED and claimed.recipient == friend
    access = decide(friend, paid_article)
    assert access.allowed and access.reason == Reason.GIFTED and access.ref == gift.pk
    author_share, _fee = purchases.split_price(300)
    assert _held() == 0 and _earnings(paid_article.author.user) == author_share
    assert services.claim_gift(token=gift.token, reader=friend).pk == gift.pk  # a repeat claims nothing more
    assert _earnings(paid_article.author.user) == author_share
    assert_balanced()


def test_a_claimed_gift_cannot_be_claimed_by_another_or_taken_back(paid_article):
    buyer, friend, other = make_user(), make_user(), make_user()
    fund(buyer, 1000)
    gift = _buy(buyer, paid_article)
    services.claim_gift(token=gift.token, reader=friend)
    with pytest.raises(GiftRefused) as refused:
        services.claim_gift(token=gift.token, reader=other)
    assert refused.value.code == "claimed"
    with pytest.raises(GiftRefused) as refused:
        services.refund_gift(buyer=buyer, gift_id=gift.pk)
    assert refused.value.code == "claimed"
    assert balance(buyer) == 700
    assert_balanced()


def test_taking_a_gift_back_returns_the_money_and_the_link_then_claims_nothing(paid_article):
    buyer, friend = make_user(), make_user()
    fund(buyer, 1000)
    gift = _buy(buyer, paid_article)
    refunded = services.refund_gift(buyer=buyer, gift_id=gift.pk)
    assert refunded.state == GiftState.REFUNDED and balance(buyer) == 1000 and _held() == 0
    assert services.refund_gift(buyer=buyer, gift_id=gift.pk).settlement_id == refunded.settlement_id
    with pytest.raises(GiftRefused) as refused:
        services.claim_gift(token=gift.token, reader=friend)
    assert refused.value.code == "refunded"
    assert not decide(friend, paid_article).allowed
    assert_balanced()


def test_only_the_buyer_takes_a_gift_back(paid_article):
    buyer, other = make_user(), make_user()
    fund(buyer, 1000)
    gift = _buy(buyer, paid_article)
    with pytest.raises(GiftRefused) as refused:
        services.refund_gift(buyer=other, gift_id=gift.pk)
    assert refused.value.code == "missing"


def test_one_key_buys_one_gift_and_a_key_reused_for_another_is_refused(paid_article, author):
    buyer = make_user()
    fund(buyer, 1000)
    key = new_key()
    order = services.article_order(article=paid_article)
    first = services.buy_gift(buyer=buyer, order=order, idempotency_key=key)
    again = services.buy_gift(buyer=buyer, order=order, idempotency_key=key)
    assert first.pk == again.pk and balance(buyer) == 700
    with pytest.raises(KeyReused):
        services.buy_gift(buyer=buyer, order=services.article_order(article=make_article(author=author)),
                          idempotency_key=key)


def test_a_gift_the_wallet_cannot_pay_writes_nothing(paid_article):
    buyer = make_user()
    fund(buyer, 100)
    with pytest.raises(NotEnoughInWallet):
        _buy(buyer, paid_article)
    assert balance(buyer) == 100 and not paid_article.paid_gifts.exists()


def test_the_buyer_cannot_claim_their_own_gift_nor_a_reader_who_has_the_article(paid_article):
    buyer, owner = make_user(), make_user()
    fund(buyer, 1000)
    fund(owner, 1000)
    purchases.unlock_with_wallet(reader=owner, article=paid_article, idempotency_key=new_key())
    gift = _buy(buyer, paid_article)
    for reader, code in ((buyer, "own"), (owner, "has_it"), (paid_article.author.user, "has_it")):
        with pytest.raises(GiftRefused) as refused:
            services.claim_gift(token=gift.token, reader=reader)
        assert refused.value.code == code
    assert gift.__class__.objects.get(pk=gift.pk).state == GiftState.PAID


def test_a_gift_not_claimed_within_a_year_can_only_be_taken_back(paid_article):
    buyer, friend = make_user(), make_user()
    fund(buyer, 1000)
    gift = _buy(buyer, paid_article)
    later = timezone.now() + dt.timedelta(days=366)
    with pytest.raises(GiftRefused) as refused:
        services.claim_gift(token=gift.token, reader=friend, now=later)
    assert refused.value.code == "expired"
    services.refund_gift(buyer=buyer, gift_id=gift.pk, now=later)
    assert balance(buyer) == 1000


def test_free_articles_are_not_sold_as_gifts(free_article):
    from byline.purchases.errors import NotForSale

    with pytest.raises(NotForSale):
        services.article_order(article=free_article)


def test_months_of_membership_go_to_the_pool_and_make_a_membership_that_never_renews(monthly_plan, paid_article):
    buyer, friend = make_user(), make_user()
    fund(buyer, 5000)
    gift = services.buy_gift(buyer=buyer, order=services.membership_order(months=3), idempotency_key=new_key())
    assert gift.price_minor == 2400 and balance(buyer) == 2600
    assert not decide(friend, paid_article).allowed
    now = timezone.now()
    services.claim_gift(token=gift.token, reader=friend, now=now)
    membership = memberships.active_membership(reader=friend)
    assert membership.cancel_at_period_end and membership.period_end == memberships.add_months(now, 3)
    assert decide(friend, paid_article).reason == Reason.MEMBERSHIP
    assert ledger.account_for(kind=AccountKind.POOL, currency="USD").balance == 2400
    counts = memberships.renew_due_wallet_memberships(now=membership.period_end + dt.timedelta(seconds=1))
    assert counts == {"ended": 1} and balance(friend) == 0  # nothing renews
    assert_balanced()


def test_months_given_to_a_member_follow_their_paid_period(monthly_plan):
    buyer, member = make_user(), make_user()
    fund(buyer, 5000)
    fund(member, 800)
    joined = memberships.join_with_wallet(reader=member, plan=monthly_plan, idempotency_key=new_key())
    gift = services.buy_gift(buyer=buyer, order=services.membership_order(months=2), idempotency_key=new_key())
    services.claim_gift(token=gift.token, reader=member)
    after = memberships.active_membership(reader=member)
    assert after.pk == joined.pk and after.period_end == memberships.add_months(joined.period_end, 2)
    assert_balanced()


def test_the_gift_email_is_on_the_shared_frame_in_the_recipients_language(paid_article, smtp_sink,
                                                                         django_capture_on_commit_callbacks):
    """The address chose Chinese (its subscriber row), the buyer reads English: the friend gets Chinese, in both
    parts of the site's frame, with the claim page in Chinese; an address nobody knows gets the buyer's."""
    from byline.audience.models import Subscriber

    Subscriber.objects.create(email="pengyou@example.net", language="zh-hans")
    buyer = make_user()
    fund(buyer, 2000)
    with django_capture_on_commit_callbacks(execute=True):
        gift = _buy(buyer, paid_article, recipient_email="pengyou@example.net")
        _buy(buyer, paid_article, recipient_email="stranger@example.net")
    [message] = smtp_sink.to("pengyou@example.net")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "送给您一份礼物" in message["Subject"]
    for part in (text, html):
        assert "送给您一份礼物" in part and f"/zh-hans/claim/{gift.token}/" in part
        assert "因为您的账户或邮件地址有相关操作" in part  # the shared footer, in Chinese
    assert 'lang="zh-Hans"' in html and "<style" not in html  # CSS inlined
    [other] = smtp_sink.to("stranger@example.net")
    assert "sent you a gift" in other["Subject"] and "/en/claim/" in other.get_body(("plain",)).get_content()


def test_the_gift_email_takes_the_language_of_the_account_that_verified_the_address_only(
        paid_article, smtp_sink, django_capture_on_commit_callbacks):
    """An account's language counts for an address it proved is its own, as the bell decides who that is; an
    account that only typed the address, or a look-alike ("ſ" for "s"), does not choose for it."""
    from allauth.account.models import EmailAddress

    from byline.audience.models import Subscriber

    for address, verified in (("sam@example.net", True), ("typed@example.net", False)):
        owner = make_user(email=address)
        EmailAddress.objects.create(user=owner, email=address, verified=verified, primary=True)
        Subscriber.objects.create(user=owner, email=None, language="zh-hans")
    buyer = make_user()
    fund(buyer, 3000)
    with django_capture_on_commit_callbacks(execute=True):
        for address in ("Sam@example.net", "typed@example.net", "ſam@example.net"):
            _buy(buyer, paid_article, recipient_email=address)
    assert "送给您一份礼物" in smtp_sink.to("Sam@example.net")[0]["Subject"]
    assert "sent you a gift" in smtp_sink.to("typed@example.net")[0]["Subject"]
    assert "sent you a gift" in smtp_sink.to("ſam@example.net")[0]["Subject"]


def test_months_outside_one_to_twelve_are_refused(monthly_plan):
    for months in (0, 13):
        with pytest.raises(GiftRefused):
            services.membership_order(months=months)


def test_the_gift_email_reaches_the_recipient_through_smtp_with_the_claim_link(paid_article, smtp_sink, settings,
                                                                                 django_capture_on_commit_callbacks):
    buyer = make_user()
    fund(buyer, 1000)
    with django_capture_on_commit_callbacks(execute=True):
        gift = _buy(buyer, paid_article, recipient_email="friend@example.net", message="For the train\r\nride")
    [message] = smtp_sink.to("friend@example.net")
    text = message.get_body(("plain",)).get_content()
    assert services.claim_url(gift) in text and paid_article.title in text and "For the train" in text
    from tests.conftest import LOCKED_SENTINEL

    assert LOCKED_SENTINEL not in message.as_string()
    with django_capture_on_commit_callbacks(execute=True):
        from byline.gifts.mail import mail_gift

        assert not mail_gift(gift_id=gift.pk)  # once only
    assert len(smtp_sink.to("friend@example.net")) == 1
