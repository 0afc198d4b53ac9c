"""Odd input is refused or ignored as bad input, never a 500 (the fuzz pass in tests/security covers every
page; these name the cases the outside probe found)."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from byline.core.inputs import ascii_int, has_unstorable
from byline.reader import prefs
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(db) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(make_user())
    return client


def test_ascii_int_reads_only_plain_ascii_digits_and_not_too_many():
    assert ascii_int("150") == 150 and ascii_int("007") == 7
    for odd in ("²", "١٢", "１２", "+1", "-1", " 1", "1_0", "", None, "1" * 10, "1.0"):
        assert ascii_int(odd) is None, odd
    assert ascii_int("1" * 12, max_digits=12) == 111111111111


def test_nul_and_unpaired_surrogates_are_unstorable_and_other_text_is_not():
    assert has_unstorable("a\x00b") and has_unstorable("\ud800") and has_unstorable("x\udfff")
    assert not has_unstorable("ｔｅｓｔ 数据 ² ١٢ 😀")


@pytest.mark.parametrize("path", ["/en/payments/sandbox/%00/", "/en/payments/pay/%00/", "/en/articles/a%00b/",
                                  "/en/payments/return/?ref=%00", "/en/dashboard/?author=%00", "/en/search/?q=%00"])
def test_a_nul_in_a_path_or_query_answers_the_bad_request_page(signed_in, path):
    response = signed_in.get(path)
    assert response.status_code == 400
    assert "We could not understand that request" in response.content.decode()


def test_the_bad_request_page_speaks_the_language_of_the_address(client):
    response = client.get("/zh-hans/search/?q=%00")
    assert response.status_code == 400 and '<html lang="zh-Hans"' in response.content.decode()
    assert "我们无法理解这个请求" in response.content.decode()


def test_a_nul_in_a_form_value_answers_400_and_buys_nothing(signed_in, paid_article):
    response = signed_in.post(reverse("purchases:unlock", args=[paid_article.slug]),
                              "confirmed=yes&idempotency_key=%00", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert not paid_article.purchases.exists()


def test_a_nul_sent_to_the_api_answers_problem_json():
    response = Client(raise_request_exception=False).get("/api/v1/articles?topic=%00")
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["status"] == 400


def test_a_cookie_holding_a_nul_is_ignored_not_fatal(client):
    client.cookies["sessionid"] = "abc\x00defghijk"
    client.cookies[prefs.COOKIE_NAME] = "caring\x00|dark|150|0000"
    response = client.get("/en/")
    assert response.status_code == 200 and 'class="mode-standard' in response.content.decode()


def test_a_superscript_digit_in_the_reading_cookie_falls_back_to_the_default_size(client):
    client.cookies[prefs.COOKIE_NAME] = "standard|standard|²|0000"
    response = client.get("/en/")
    assert response.status_code == 200 and "zoom-100" in response.content.decode()
    assert prefs.parse("caring|dark|١٥٠|0000").zoom == 100


@pytest.mark.parametrize("page", ["²", "١٢", "１", "9" * 30])
def test_an_odd_page_number_in_search_shows_the_first_page(client, page):
    assert client.get("/en/search/", {"q": "salt", "page": page}).status_code == 200


def test_a_number_too_big_for_the_database_is_bad_input(db):
    staff = make_user("boss", is_staff=True, is_superuser=True)
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    response = client.get(reverse("admin:articles_article_changelist"), {"topic": "9" * 30})
    assert response.status_code < 500  # SQLite's driver cannot bind it (400); PostgreSQL finds nothing (200)


def test_an_unknown_payment_method_for_a_card_unlock_is_refused_not_a_500(signed_in, paid_article):
    response = signed_in.post(reverse("purchases:unlock_by_card", args=[paid_article.slug]),
                              {"method": "²", "idempotency_key": "k1"}, follow=True)
    assert response.status_code == 200 and "not offered" in response.content.decode()


def test_an_unpaired_surrogate_in_an_articles_text_is_refused_like_a_nul_not_a_500(db):
    from tests.api.conftest import bearer, token_for
    from tests.conftest import make_article, make_author

    author = make_author()
    article = make_article(author=author)
    response = Client(raise_request_exception=False).patch(
        f"/api/v1/articles/{article.slug}", json.dumps({"body_markdown": "Free.\n\nBroken \ud800 here."}),
        content_type="application/json", **bearer(token_for(author.user)))
    assert response.status_code == 422 and "surrogate" in response.content.decode()


@pytest.mark.parametrize("odd", ["²", "١٢", "plain-word"])
def test_a_bare_word_as_next_is_ignored_not_looked_up_as_a_view(signed_in, odd):
    response = signed_in.get(reverse("accounts:signup"), {"next": odd})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:library")
