"""The giver's pages: a new gift link with a copy button and a QR code; withdrawing one, after a confirmation."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from byline.sharing import services
from byline.sharing.models import GiftLink, GiftStatus
from tests.conftest import make_user
from tests.sharing.conftest import browser_client, gift_url

pytestmark = pytest.mark.django_db


def test_a_new_gift_link_is_shown_as_selectable_text_with_a_copy_button_and_a_qr_code(paid_article):
    client = browser_client(paid_article.author.user)
    response = client.post(reverse("sharing:create_gift", kwargs={"slug": paid_article.slug}), follow=True)
    gift = GiftLink.objects.get()
    content = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("sharing:gift_detail", args=[gift.pk])
    assert "Your gift link is ready" in content
    assert f'id="gift-url" class="share-url" type="text" readonly value="http://testserver{gift_url(gift)}"' in content
    copy = content.split('class="button share-copy-button"', 1)[1].split("</button>", 1)[0]
    assert " hidden " in copy and 'data-copy-target="gift-url"' in copy  # shown by sharing.js only
    assert '<svg role="img" aria-label="QR code of the gift link for' in content
    assert "no-store" in response["Cache-Control"]


def test_the_gift_page_speaks_chinese(paid_article):
    gift = services.create_gift_link(giver=paid_article.author.user, article=paid_article)
    with translation.override("zh-hans"):
        content = browser_client(gift.giver).get(reverse("sharing:gift_detail", args=[gift.pk])).content.decode()
    assert "复制赠阅链接" in content and "撤回这个链接…" in content


def test_only_the_giver_sees_their_gift_links_page(paid_article):
    gift = services.create_gift_link(giver=paid_article.author.user, article=paid_article)
    response = browser_client(make_user()).get(reverse("sharing:gift_detail", args=[gift.pk]))
    assert response.status_code == 404
    assert gift.token not in response.content.decode()


def test_withdrawing_asks_first_and_says_afterwards_what_happened(paid_article):
    gift = services.create_gift_link(giver=paid_article.author.user, article=paid_article)
    client = browser_client(gift.giver)
    url = reverse("sharing:revoke_gift", args=[gift.pk])
    listed = client.get(reverse("sharing:gifts")).content.decode()
    assert f'href="{url}"' in listed and "<form" not in listed.split('class="gift-list"', 1)[1]

    confirmation = client.get(url).content.decode()
    assert "Withdraw this gift link?" in confirmation and 'name="confirmed" value="yes"' in confirmation
    client.post(url, {})  # a press without the confirmation only shows it again
    assert GiftLink.objects.get(pk=gift.pk).status() == GiftStatus.ACTIVE

    done = client.post(url, {"confirmed": "yes"}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("sharing:gifts")
    assert "The gift link is withdrawn: nobody new can open it." in done.content.decode()
    assert GiftLink.objects.get(pk=gift.pk).status() == GiftStatus.REVOKED


def test_nobody_else_can_withdraw_a_gift_link(paid_article):
    gift = services.create_gift_link(giver=paid_article.author.user, article=paid_article)
    response = browser_client(make_user()).post(reverse("sharing:revoke_gift", args=[gift.pk]), {"confirmed": "yes"})
    assert response.status_code == 404
    assert GiftLink.objects.get(pk=gift.pk).status() == GiftStatus.ACTIVE
