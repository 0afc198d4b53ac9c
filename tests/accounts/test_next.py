"""From the paywall through log-in or sign-up and back: to the article, and on to the purchase the reader
came for (its confirmation page); a `next` that leaves the site is never followed."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import make_user

pytestmark = pytest.mark.django_db

NEW_READER = {"username": "newreader", "email": "new@example.org",
              "password1": "correct horse battery", "password2": "correct horse battery"}


def paywall_links(client: Client, article) -> tuple[str, str]:
    """The paywall's "Purchase this article" and "Log in to read" addresses, as an anonymous reader gets them."""
    page = client.get(article.get_absolute_url()).content.decode()
    purchase = page.split(">Purchase this article<")[0].rsplit('href="', 1)[1].split('"')[0]
    read = page.split(">Log in to read<")[0].rsplit('href="', 1)[1].split('"')[0]
    return purchase.replace("&amp;", "&"), read.replace("&amp;", "&")


def test_purchase_from_the_paywall_leads_through_log_in_to_the_confirmation(paid_article):
    client = Client()
    make_user("buyer")
    purchase, _ = paywall_links(client, paid_article)
    unlock = reverse("purchases:unlock", args=[paid_article.slug])
    assert purchase == f"{reverse('accounts:login')}?next={unlock}"
    response = client.post(purchase, {"username": "buyer", "password": "a-long-test-password"})
    assert response.status_code == 302 and response["Location"] == unlock
    confirmation = client.get(unlock)
    assert confirmation.status_code == 200 and "Confirm your purchase" in confirmation.content.decode()


def test_signing_up_from_the_paywall_leads_on_to_the_confirmation(paid_article):
    client = Client()
    purchase, _ = paywall_links(client, paid_article)
    login_page = client.get(purchase).content.decode()
    unlock = reverse("purchases:unlock", args=[paid_article.slug])
    sign_up = f"{reverse('accounts:signup')}?next={unlock}"
    assert f'href="{sign_up}"' in login_page
    form = client.get(sign_up).content.decode()
    assert f'name="next" value="{unlock}"' in form
    response = client.post(reverse("accounts:signup"), {**NEW_READER, "next": unlock})
    assert response.status_code == 302 and response["Location"] == unlock
    assert "Confirm your purchase" in client.get(unlock).content.decode()


def test_log_in_to_read_comes_back_to_the_article(paid_article):
    client = Client()
    make_user("owner")
    _, read = paywall_links(client, paid_article)
    response = client.post(read, {"username": "owner", "password": "a-long-test-password"})
    assert response["Location"] == paid_article.get_absolute_url()


def test_a_sign_up_with_errors_keeps_where_to_go_next(paid_article):
    unlock = reverse("purchases:unlock", args=[paid_article.slug])
    response = Client().post(reverse("accounts:signup"), {**NEW_READER, "password2": "something else", "next": unlock})
    assert response.status_code == 400 and f'name="next" value="{unlock}"' in response.content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/path", "javascript:alert(1)",
                                    "http://testserver.evil.example/", "https:///evil.example"])
def test_sign_up_never_sends_the_reader_to_another_site(target):
    response = Client().post(reverse("accounts:signup"), {**NEW_READER, "next": target})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:library")


def test_a_signed_in_reader_sent_to_sign_up_goes_on_to_next(paid_article):
    client = Client()
    client.force_login(make_user())
    response = client.get(reverse("accounts:signup"), {"next": paid_article.get_absolute_url()})
    assert response["Location"] == paid_article.get_absolute_url()


def test_a_members_only_article_offers_membership_not_a_purchase(author):
    from byline.articles.models import Visibility
    from tests.conftest import make_article

    article = make_article(author=author, visibility=Visibility.MEMBERS, price_minor=0)
    page = Client().get(article.get_absolute_url()).content.decode()
    assert "Purchase this article" not in page and "Become a member" in page
