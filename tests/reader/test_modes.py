"""Reading preferences: kept in one cookie, applied by the server, changed with plain links and forms."""

import re

import pytest
from django.urls import reverse

from byline.reader import prefs

pytestmark = pytest.mark.django_db

CARING = "caring|standard|100|0000"


def html_classes(response) -> set[str]:
    return set(re.search(r'<html[^>]*class="([^"]*)"', response.content.decode()).group(1).split())


def test_the_cookie_round_trips_and_rejects_anything_unexpected():
    chosen = prefs.ReadingPrefs(mode="caring", scheme="yellow", zoom=175, guide=True, captions=True)
    assert prefs.parse(chosen.serialise()) == chosen
    assert prefs.parse("evil|<script>|999|zz") == prefs.DEFAULT
    assert prefs.parse(None) == prefs.DEFAULT


def test_the_server_renders_the_chosen_mode_on_html_so_nothing_flashes(client):
    client.cookies[prefs.COOKIE_NAME] = "caring|contrast|150|1111"
    classes = html_classes(client.get("/en/"))
    assert {"mode-caring", "scheme-contrast", "zoom-150", "text-only", "big-cursor", "reading-guide",
            "captions"} <= classes


def test_every_page_offers_the_caring_version_in_header_and_footer_and_the_way_back(client):
    page = client.get("/en/accounts/login/").content.decode()
    assert page.count("/en/reading/mode/caring/?next=") == 2
    client.cookies[prefs.COOKIE_NAME] = CARING
    page = client.get("/en/accounts/login/").content.decode()
    assert page.count("Back to the standard version") == 2
    assert "/en/reading/mode/caring/" not in page


def test_leaving_the_caring_version_keeps_the_other_settings(client):
    client.cookies[prefs.COOKIE_NAME] = "caring|dark|125|0100"
    response = client.get(reverse("reader:switch_mode", args=["standard"]) + "?next=/en/")
    assert response.status_code == 302 and response["Location"] == "/en/"
    assert response.cookies[prefs.COOKIE_NAME].value == "standard|dark|125|0100"


def test_the_settings_form_saves_every_choice_in_the_cookie(client):
    response = client.post(reverse("reader:accessibility"), {
        "zoom": "200", "scheme": "yellow", "guide": "on", "captions": "on", "next": "/en/"})
    assert response.status_code == 302 and response["Location"] == "/en/"
    assert response.cookies[prefs.COOKIE_NAME].value == "standard|yellow|200|0011"


def test_reset_restores_the_defaults_but_keeps_the_caring_version(client):
    client.cookies[prefs.COOKIE_NAME] = "caring|dark|200|1111"
    response = client.post(reverse("reader:accessibility"), {"reset": "1"})
    assert response.cookies[prefs.COOKIE_NAME].value == CARING


def test_a_bad_settings_form_is_shown_again_with_the_error_tied_to_its_field(client):
    response = client.post(reverse("reader:accessibility"), {"zoom": "500", "scheme": "standard"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-invalid="true"' in page and 'aria-describedby="id_zoom_error"' in page
    assert page.count('id="id_zoom_error"') == 1


def test_the_settings_form_never_redirects_off_site(client):
    response = client.post(reverse("reader:accessibility"), {"zoom": "100", "scheme": "standard",
                                                            "next": "https://evil.example/"})
    assert response["Location"] == reverse("reader:accessibility")


def test_the_toolbar_is_rendered_closed_and_its_link_leads_to_the_settings_page_without_javascript(client):
    page = client.get("/zh-hans/").content.decode()
    assert re.search(r'<section id="a11y-toolbar"[^>]*\shidden', page)
    assert 'href="/zh-hans/reading/accessibility/?next=/zh-hans/"' in page
    assert "朗读本页" in page


def test_sign_up_errors_are_tied_to_their_fields_with_unique_ids(client):
    response = client.post(reverse("accounts:signup"), {"username": "", "email": "x", "password1": "1",
                                                         "password2": "2"})
    page = response.content.decode()
    for name in ("username", "email", "password2"):
        assert f'id="id_{name}_error"' in page and page.count(f'id="id_{name}_error"') == 1
        field = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
        assert 'aria-invalid="true"' in field and f"id_{name}_error" in field


def test_the_page_has_landmarks_a_skip_link_and_one_h1(client):
    page = client.get("/en/").content.decode()
    assert '<a class="skip-link" href="#main">' in page and '<main id="main"' in page
    assert "<header" in page and "<footer" in page and page.count("<h1") == 1


def test_mixed_language_pages_mark_each_part_with_its_language(client):
    from tests.conftest import make_article

    chinese = make_article(title="大运河", slug="da-yun-he", lang="zh-hans", currency="CNY",
                           body_markdown="运河连接了南北。\n\n<!-- paywall -->\n\n其余部分。")
    home = client.get("/en/").content.decode()
    card = re.search(r'<article class="card" lang="zh-Hans">.*?</article>', home, re.S).group(0)
    assert '<p class="card-meta" lang="en">' in card and '<p class="card-price" lang="en">' in card
    page = client.get(chinese.get_absolute_url()).content.decode()
    assert '<html lang="en"' in page and 'class="article" lang="zh-Hans"' in page
    assert '<p class="article-topic" lang="en">' in page and '<p class="byline" lang="en">' in page
    assert '<section class="paywall" aria-labelledby="paywall-title" lang="en">' in page


def test_the_settings_form_can_enter_the_caring_version_too(client):
    response = client.post(reverse("reader:accessibility"), {"mode": "caring", "zoom": "125", "scheme": "dark"})
    assert response.cookies[prefs.COOKIE_NAME].value == "caring|dark|125|0000"
