"""No bad gift token and no bot ever gets the locked text, on the page or in its share tags."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from byline.sharing import services
from byline.sharing.models import GiftLink
from tests.conftest import LOCKED_ONLY_WORD, LOCKED_SENTINEL, make_article
from tests.sharing.conftest import browser_client, open_gift

pytestmark = pytest.mark.django_db

BOT_AGENTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "WhatsApp/2.23.20.0",
    "TelegramBot (like TwitterBot)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "",
]


def assert_locked_out(response) -> None:
    content = response.content.decode()
    assert LOCKED_SENTINEL not in content and LOCKED_ONLY_WORD not in content
    head = content.split("</head>", 1)[0]
    assert 'property="og:description"' in head or response.status_code != 200


def gift_url(token: str) -> str:
    return reverse("sharing:gift", kwargs={"token": token})


def test_an_expired_token_never_receives_the_locked_text(gift):
    GiftLink.objects.filter(pk=gift.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert_locked_out(browser_client().get(gift_url(gift.token)))


def test_a_revoked_token_never_receives_the_locked_text(gift):
    services.revoke_gift_link(giver=gift.giver, gift_id=gift.pk)
    assert_locked_out(browser_client().get(gift_url(gift.token)))


def test_an_exhausted_token_never_receives_the_locked_text(gift):
    GiftLink.objects.filter(pk=gift.pk).update(redemption_count=gift.max_redemptions)
    assert_locked_out(browser_client().get(gift_url(gift.token)))


@pytest.mark.parametrize("forged", ["A" * 22, "x" * 43, "not a token", "../../admin", "%00" * 8])
def test_a_forged_token_never_receives_the_locked_text(gift, forged):
    response = browser_client().get(f"/en/gift/{forged}/")
    assert response.status_code == (400 if "%00" in forged else 404)  # a NUL is refused before any view
    assert_locked_out(response)


def test_a_forged_gift_cookie_never_receives_the_locked_text(gift, paid_article):
    client = browser_client()
    client.cookies["byline_gift"] = "a-key:forged-signature"
    assert_locked_out(client.get(paid_article.get_absolute_url()))


def test_a_gift_for_another_article_never_opens_this_one(gift, author):
    other = make_article(author=author)
    holder = browser_client()
    assert LOCKED_SENTINEL in open_gift(holder, gift).content.decode()
    assert_locked_out(holder.get(other.get_absolute_url()))


@pytest.mark.parametrize("agent", BOT_AGENTS)
def test_bots_and_link_previews_never_redeem_and_never_get_the_locked_text(gift, agent):
    client = browser_client()
    response = client.get(gift_url(gift.token), HTTP_USER_AGENT=agent)
    assert response.status_code == 200
    assert_locked_out(response)
    gift.refresh_from_db()
    assert gift.redemption_count == 0


def test_a_head_request_never_redeems(gift):
    browser_client().head(gift_url(gift.token))
    gift.refresh_from_db()
    assert gift.redemption_count == 0


def test_share_tags_on_a_valid_gift_page_come_from_the_preview_alone(gift):
    content = open_gift(browser_client(), gift).content.decode()
    head = content.split("</head>", 1)[0]
    assert LOCKED_SENTINEL in content
    assert LOCKED_SENTINEL not in head and LOCKED_ONLY_WORD not in head
    assert gift.token not in head
    assert '<meta name="robots" content="noindex, nofollow">' in head
