"""The e-mails that follow a reader's money (mail/lifecycle.py): an undone purchase, a membership or a
subscription to a writer renewed or ended; sent when the transaction commits, received through a real SMTP
server, both parts, both languages, on the shared templates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from byline.purchases import memberships, services
from byline.purchases.models import MembershipPlan
from tests.audience.conftest import smtp_sink  # noqa: F401 (the fixture)
from tests.conftest import make_user
from tests.ledger.conftest import fund, new_key

pytestmark = pytest.mark.django_db


def parts(message) -> tuple[str, str]:
    text, html = (message.get_body((kind,)).get_content() for kind in ("plain", "html"))
    return text.replace("\r\n", "\n"), html


def framed(text: str, html: str) -> bool:
    """On the shared frame: the site's name first in the text, the footer in both, styles inlined."""
    return (text.startswith("Byline\n") and "\n--\n" in text and 'class="footer" style=' in html
            and "<style" not in html)


@pytest.mark.parametrize("language, words", [("en", ["Purchase undone", "is back in your wallet"]),
                                             ("zh-hans", ["已撤销购买", "已退回您的钱包"])])
def test_an_undone_purchase_gets_its_mail_in_the_language_it_was_undone_in(
        language, words, paid_article, smtp_sink, django_capture_on_commit_callbacks):  # noqa: F811
    reader = make_user(f"undoer{language[:2]}")
    fund(reader, 1000)
    with django_capture_on_commit_callbacks(execute=True):
        purchase = services.unlock_with_wallet(reader=reader, article=paid_article, idempotency_key=new_key())
    with translation.override(language), django_capture_on_commit_callbacks(execute=True):
        services.undo_purchase(reader=reader, purchase_id=purchase.pk)
    receipt, undone = smtp_sink.to(reader.email)
    text, html = parts(undone)
    assert words[0] in undone["Subject"] and paid_article.title in undone["Subject"]
    assert all(w in text and w in html for w in words) and framed(text, html)
    assert str(purchase.transfer_id) in text and "/wallet/" in html
    assert paid_article.title in text and "LOCKED" not in text  # title only, never the article's text


def test_a_membership_mails_when_renewed_and_when_it_ends_not_when_joined(
        smtp_sink, django_capture_on_commit_callbacks):  # noqa: F811
    plan = MembershipPlan.objects.create(name="Monthly", name_zh="月度会员", interval="month", price_minor=800,
                                         currency="USD")
    reader = make_user("member")
    fund(reader, 1600)
    with django_capture_on_commit_callbacks(execute=True):
        membership = memberships.join_with_wallet(reader=reader, plan=plan, idempotency_key=new_key())
    assert smtp_sink.to(reader.email) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert memberships.renew_due_wallet_memberships(
            now=membership.period_end + dt.timedelta(minutes=1)) == {"renewed": 1}
    [renewed] = smtp_sink.to(reader.email)
    text, html = parts(renewed)
    membership.refresh_from_db()
    assert "Monthly" in renewed["Subject"] and "was paid from your wallet" in text and "$8.00" in html
    assert framed(text, html) and "/membership/" in text
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        assert memberships.renew_due_wallet_memberships(
            now=membership.period_end + dt.timedelta(minutes=1)) == {"lapsed": 1}
    _renewed, ended = smtp_sink.to(reader.email)
    text, html = parts(ended)
    assert "月度会员" in ended["Subject"] and "会员已结束" in text and "会员已结束" in html and framed(text, html)


def test_no_ended_mail_when_another_membership_takes_its_place(smtp_sink):  # noqa: F811
    from byline.mail.lifecycle import send_ended
    from byline.purchases.models import Membership

    plan = MembershipPlan.objects.create(name="Monthly", interval="month", price_minor=800, currency="USD")
    reader = make_user("replaced")
    fund(reader, 800)
    current = memberships.join_with_wallet(reader=reader, plan=plan, idempotency_key=new_key())
    replaced = Membership.objects.create(reader=reader, plan=plan, currency="USD", price_minor=800, status="ended",
                                         period_start=current.period_start, period_end=current.period_start)
    assert send_ended("membership", replaced.pk, "en") is False and smtp_sink.to(reader.email) == []
    current.status = "ended"
    current.save(update_fields=["status"])
    assert send_ended("membership", current.pk, "en") is True and len(smtp_sink.to(reader.email)) == 1


def test_a_subscription_to_a_writer_mails_when_renewed_and_when_it_lapses(
        author, smtp_sink, django_capture_on_commit_callbacks):  # noqa: F811
    from byline.purchases.models import Interval
    from byline.subscriptions import services as subscriptions

    subscriptions.set_price(author=author, interval=Interval.MONTH, currency="USD", price_minor=500)
    reader = make_user("subscriber")
    fund(reader, 1000)
    with django_capture_on_commit_callbacks(execute=True):
        subscription = subscriptions.subscribe_with_wallet(reader=reader, author=author, interval=Interval.MONTH,
                                                           idempotency_key=new_key(), currency="USD")
    assert smtp_sink.to(reader.email) == []  # joining is not a renewal
    with django_capture_on_commit_callbacks(execute=True):
        assert subscriptions.renew_due(now=subscription.period_end + dt.timedelta(minutes=1)) == {"renewed": 1}
    [renewed] = smtp_sink.to(reader.email)
    text, html = parts(renewed)
    assert author.display_name in renewed["Subject"] and "was paid from your wallet" in text and "$5.00" in html
    assert framed(text, html) and "/subscriptions/mine/" in text
    subscription.refresh_from_db()
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        assert subscriptions.renew_due(now=subscription.period_end + dt.timedelta(minutes=1)) == {"lapsed": 1}
    _renewed, ended = smtp_sink.to(reader.email)
    text, html = parts(ended)
    assert "订阅已结束" in ended["Subject"] and "订阅已结束" in text and "订阅已结束" in html and framed(text, html)
