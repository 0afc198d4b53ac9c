"""Gift links: creating, opening, keeping, limits, and clear messages for every bad case."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from byline.access.decision import Reason, decide
from byline.articles.models import Article, Status
from byline.sharing import services
from byline.sharing.models import GiftLink
from tests.conftest import LOCKED_SENTINEL, make_article, make_user
from tests.sharing.conftest import browser_client, gift_url, open_gift

pytestmark = pytest.mark.django_db


def test_opening_a_gift_link_shows_who_gave_it_and_the_full_text(browser, gift):
    response = open_gift(browser, gift)
    content = response.content.decode()
    assert response.status_code == 200
    assert f"{gift.giver.username} gave you this article." in content
    assert LOCKED_SENTINEL in content


def test_gift_pages_are_not_indexed_and_send_no_referrer_to_other_sites(browser, gift):
    response = browser.get(gift_url(gift))
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_anonymous_recipient_keeps_access_in_that_browser_on_the_article_page(browser, gift, paid_article):
    open_gift(browser, gift)
    page = browser.get(paid_article.get_absolute_url())
    assert LOCKED_SENTINEL in page.content.decode()
    assert "private" in page["Cache-Control"]
    assert LOCKED_SENTINEL not in browser_client().get(paid_article.get_absolute_url()).content.decode()


def test_a_browser_holding_a_gift_never_reads_the_full_text_from_the_shared_page_cache(gift, paid_article):
    browser_client().get(paid_article.get_absolute_url())  # fills the anonymous cache
    holder = browser_client()
    open_gift(holder, gift)
    assert LOCKED_SENTINEL in holder.get(paid_article.get_absolute_url()).content.decode()
    assert LOCKED_SENTINEL not in browser_client().get(paid_article.get_absolute_url()).content.decode()


def test_signed_in_recipient_keeps_the_article_after_the_link_expires(gift, paid_article):
    recipient = make_user()
    open_gift(browser_client(recipient), gift)
    GiftLink.objects.filter(pk=gift.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    assert decide(recipient, paid_article).reason == Reason.GIFT
    assert LOCKED_SENTINEL in browser_client(recipient).get(paid_article.get_absolute_url()).content.decode()


def test_each_distinct_recipient_uses_one_redemption_and_reopening_uses_none(gift):
    first = browser_client()
    open_gift(first, gift)
    open_gift(first, gift)
    reader = make_user()
    open_gift(browser_client(reader), gift)
    open_gift(browser_client(reader), gift)
    gift.refresh_from_db()
    assert gift.redemption_count == 2


def test_an_anonymous_recipient_who_signs_in_keeps_the_gift_without_a_second_use(gift, paid_article):
    client = browser_client()
    open_gift(client, gift)
    reader = make_user()
    client.force_login(reader)
    client.get(gift_url(gift))  # looking at the link again, signed in, keeps it in the account
    gift.refresh_from_db()
    assert gift.redemption_count == 1
    assert decide(reader, paid_article).reason == Reason.GIFT


def test_the_giver_opening_their_own_link_uses_no_redemption(gift):
    open_gift(browser_client(gift.giver), gift)
    gift.refresh_from_db()
    assert gift.redemption_count == 0


def test_a_used_up_link_shows_the_preview_and_says_why(gift, paid_article):
    for _ in range(gift.max_redemptions):
        open_gift(browser_client(), gift)
    response = open_gift(browser_client(), gift)
    content = response.content.decode()
    assert response.status_code == 200
    assert "already been used by as many readers as it allows" in content
    assert "The harbour town woke early" in content
    assert LOCKED_SENTINEL not in content


def test_a_revoked_link_shows_the_preview_and_ends_anonymous_access(gift, paid_article):
    holder = browser_client()
    open_gift(holder, gift)
    services.revoke_gift_link(giver=gift.giver, gift_id=gift.pk)
    content = holder.get(gift_url(gift)).content.decode()
    assert "withdrawn" in content and LOCKED_SENTINEL not in content
    assert LOCKED_SENTINEL not in holder.get(paid_article.get_absolute_url()).content.decode()


def test_only_the_giver_can_revoke_a_gift_link(gift):
    with pytest.raises(ValidationError):
        services.revoke_gift_link(giver=make_user(), gift_id=gift.pk)


def test_gift_link_defaults_are_five_uses_for_thirty_days(gift):
    assert gift.max_redemptions == 5
    assert dt.timedelta(days=29, hours=23) < gift.expires_at - gift.created_at <= dt.timedelta(days=30)
    assert len(gift.token) >= 22


def test_a_malformed_token_gets_a_clear_message(browser):
    response = browser.get(reverse("sharing:gift", kwargs={"token": "abc"}))
    assert response.status_code == 404
    assert "incomplete or mistyped" in response.content.decode()


def test_an_unknown_token_gets_a_clear_message(browser):
    response = browser.get(reverse("sharing:gift", kwargs={"token": "A" * 22}))
    assert response.status_code == 404
    assert "no gift link at this address" in response.content.decode()


def test_a_gift_for_an_article_turned_draft_says_it_is_unavailable(browser, gift, paid_article):
    Article.objects.filter(pk=paid_article.pk).update(status=Status.DRAFT)
    response = browser.get(gift_url(gift))
    assert response.status_code == 410
    assert "no longer available" in response.content.decode()
    assert LOCKED_SENTINEL not in response.content.decode()


def test_a_gift_for_a_deleted_article_says_it_is_unavailable(browser, gift, paid_article):
    paid_article.delete()
    response = browser.get(gift_url(gift))
    assert response.status_code == 410
    assert "no longer available" in response.content.decode()


def test_a_reader_without_access_cannot_create_a_gift_link(paid_article):
    client = browser_client(make_user())
    response = client.post(reverse("sharing:create_gift", kwargs={"slug": paid_article.slug}))
    assert response.status_code == 403
    assert "Only readers who have this article" in response.content.decode()
    assert not GiftLink.objects.exists()


def test_a_gift_link_to_a_draft_cannot_be_created(author):
    draft = make_article(author=author, status=Status.DRAFT, published_at=None)
    response = browser_client(author.user).post(reverse("sharing:create_gift", kwargs={"slug": draft.slug}))
    assert response.status_code == 404
    assert "not published" in response.content.decode()


def test_a_gift_link_to_a_free_article_is_refused_with_advice(free_article):
    response = browser_client(free_article.author.user).post(
        reverse("sharing:create_gift", kwargs={"slug": free_article.slug}))
    assert response.status_code == 400
    assert "share its link instead" in response.content.decode()


def test_a_gift_recipient_cannot_pass_the_article_on(gift, paid_article):
    recipient = make_user()
    open_gift(browser_client(recipient), gift)
    with pytest.raises(ValidationError) as error:
        services.create_gift_link(giver=recipient, article=paid_article)
    assert error.value.code == "no_access"


def test_exceeding_the_monthly_quota_gets_a_clear_message(paid_article):
    giver = paid_article.author.user
    client = browser_client(giver)
    url = reverse("sharing:create_gift", kwargs={"slug": paid_article.slug})
    for _ in range(5):
        assert client.post(url).status_code == 302
    response = client.post(url)
    assert response.status_code == 429
    assert "used all 5 gift links for this month" in response.content.decode()
    assert GiftLink.objects.filter(giver=giver).count() == 5


def test_last_months_gift_links_do_not_count_against_this_month(paid_article):
    giver = paid_article.author.user
    last_month = services.month_start(timezone.now()) - dt.timedelta(days=2)
    for _ in range(5):
        services.create_gift_link(giver=giver, article=paid_article, now=last_month)
    assert services.gifts_left_this_month(giver=giver) == 5


def test_creating_a_gift_link_lists_it_for_the_giver_with_its_address(paid_article):
    client = browser_client(paid_article.author.user)
    response = client.post(reverse("sharing:create_gift", kwargs={"slug": paid_article.slug}), follow=True)
    gift = GiftLink.objects.get()
    content = response.content.decode()
    assert gift.token in content and "4 more gift links" in content


def test_the_share_panel_offers_a_gift_form_with_the_quota_only_to_readers_with_access(paid_article):
    author_page = browser_client(paid_article.author.user).get(paid_article.get_absolute_url()).content.decode()
    assert "Give this article" in author_page and "You have 5 gift links left this month." in author_page
    reader_page = browser_client(make_user()).get(paid_article.get_absolute_url()).content.decode()
    assert "Give this article" not in reader_page
