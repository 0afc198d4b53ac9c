"""Who takes a use of a gift link: a person who presses "Open the gift". Never a look, a scanner, a
prefetch or a second press."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from byline.sharing.models import GiftLink
from tests.conftest import LOCKED_SENTINEL, make_user
from tests.sharing.conftest import ACCEPT_KEY, BROWSER_UA, browser_client, gift_url, open_gift

pytestmark = pytest.mark.django_db

# User agents a link scanner or another program sends (the outside probe saw each take a use).
SCANNER_AGENTS = ["python-requests/2.32.3", "curl/8.5.0", "Go-http-client/1.1", "python-urllib3/2.2.1",
                  "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)", BROWSER_UA]
PREFETCH_HEADERS = [{"HTTP_SEC_PURPOSE": "prefetch"}, {"HTTP_SEC_PURPOSE": "prefetch;prerender"},
                    {"HTTP_PURPOSE": "prefetch"}, {"HTTP_X_PURPOSE": "preview"}, {"HTTP_X_MOZ": "prefetch"}]
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def uses(gift) -> int:
    return GiftLink.objects.get(pk=gift.pk).redemption_count


@pytest.mark.parametrize("agent", SCANNER_AGENTS)
def test_looking_at_a_gift_link_takes_no_use_whoever_looks(gift, agent):
    for _ in range(6):
        response = Client(HTTP_USER_AGENT=agent).get(gift_url(gift))
        assert LOCKED_SENTINEL not in response.content.decode()
    assert uses(gift) == 0


def test_a_signed_in_reader_looking_at_the_link_takes_no_use_and_is_offered_the_button(gift):
    reader = make_user()
    content = browser_client(reader).get(gift_url(gift)).content.decode()
    assert "Open the gift" in content and LOCKED_SENTINEL not in content
    assert uses(gift) == 0
    assert LOCKED_SENTINEL in open_gift(browser_client(reader), gift).content.decode()
    assert uses(gift) == 1


def test_the_page_offers_a_plain_form_with_a_button_in_both_languages(gift):
    for language, label in (("en", "Open the gift"), ("zh-hans", "打开礼物")):
        with translation.override(language):
            content = browser_client().get(gift_url(gift)).content.decode()
        form = content.split('class="gift-open"', 1)[1].split("</form>", 1)[0]
        assert label in form and 'name="csrfmiddlewaretoken"' in form and 'type="submit"' in form


def test_pressing_the_button_opens_the_gift_and_lands_on_the_page_by_redirect(gift):
    browser = browser_client()
    page = browser.get(gift_url(gift)).content.decode()
    response = browser.post(gift_url(gift), {"accept_key": ACCEPT_KEY.search(page).group(1)})
    assert response.status_code == 303 and response["Location"] == gift_url(gift)
    assert LOCKED_SENTINEL in browser.get(response["Location"]).content.decode()
    assert uses(gift) == 1


def test_the_button_needs_the_pages_csrf_token(gift):
    browser = Client(HTTP_USER_AGENT=BROWSER_UA, enforce_csrf_checks=True)
    page = browser.get(gift_url(gift)).content.decode()
    key = ACCEPT_KEY.search(page).group(1)
    assert browser.post(gift_url(gift), {"accept_key": key}).status_code == 403
    assert uses(gift) == 0
    token = CSRF_INPUT.search(page).group(1)
    assert browser.post(gift_url(gift), {"accept_key": key, "csrfmiddlewaretoken": token}).status_code == 303
    assert uses(gift) == 1


def test_a_double_click_or_a_second_tab_takes_one_use(gift):
    """Two presses of the same page's button, before the first answer has set the browser's cookie."""
    page = browser_client().get(gift_url(gift)).content.decode()
    key = ACCEPT_KEY.search(page).group(1)
    first, second = browser_client(), browser_client()  # neither holds the cookie yet
    first.post(gift_url(gift), {"accept_key": key})
    second.post(gift_url(gift), {"accept_key": key})
    assert uses(gift) == 1
    assert LOCKED_SENTINEL in first.get(gift_url(gift)).content.decode()


def test_back_and_pressing_again_takes_no_second_use(gift):
    browser = browser_client()
    page = browser.get(gift_url(gift)).content.decode()
    key = ACCEPT_KEY.search(page).group(1)
    browser.post(gift_url(gift), {"accept_key": key})
    browser.post(gift_url(gift), {"accept_key": key})  # Back to the old page, and the button again
    browser.post(gift_url(gift), {})
    assert uses(gift) == 1


@pytest.mark.parametrize("headers", PREFETCH_HEADERS, ids=lambda h: "-".join(f"{k}={v}" for k, v in h.items()))
def test_a_prefetch_takes_no_use_and_gets_nothing_a_browser_would_show(gift, headers):
    response = browser_client().get(gift_url(gift), **headers)
    assert response.status_code == 403 and LOCKED_SENTINEL not in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert uses(gift) == 0


def test_a_head_request_or_a_bots_press_takes_no_use(gift):
    browser_client().head(gift_url(gift))
    bot = Client(HTTP_USER_AGENT="Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
    assert bot.post(gift_url(gift), {}).status_code == 302
    assert uses(gift) == 0


def test_a_signed_in_reader_pressing_twice_takes_one_use(gift):
    reader = make_user()
    first, second = browser_client(reader), browser_client(reader)  # two tabs
    first.post(gift_url(gift), {})
    second.post(gift_url(gift), {})
    assert uses(gift) == 1
