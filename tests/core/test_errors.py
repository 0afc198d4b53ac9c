"""Errors reach the reader as pages in the site's design and the reader's language, each with a way on,
and never with a stack trace or an internal detail."""

import io

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from PIL import Image

from byline.ops.views import server_error
from tests.conftest import make_author, make_user

pytestmark = pytest.mark.urls("tests.core.boom_urls")
LANGUAGES = {"en": "zh-hans", "zh-hans": "en"}


def ways_on(content: str, language: str) -> None:
    """The site's header and a way on: home and search in this language."""
    assert 'class="site-header"' in content and 'class="brand"' in content
    assert f'href="/{language}/"' in content
    assert f'action="/{language}/search/"' in content or f'href="/{language}/search/"' in content
    assert 'rel="icon"' in content


@pytest.mark.parametrize("language, wording", [("en", "Something went wrong on our side"),
                                               ("zh-hans", "我们这边出了问题")])
def test_server_error_shows_the_site_page_in_the_readers_language_without_details(db, language, wording):
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    response = client.get("/boom/")
    content = response.content.decode()
    assert response.status_code == 500
    assert wording in content
    assert "secret internal detail" not in content and "Traceback" not in content
    ways_on(content, language)


def test_the_server_error_page_renders_without_the_database_or_context_processors(django_db_blocker):
    request = RequestFactory().get("/en/")
    with django_db_blocker.block(), translation.override("zh-hans"):
        response = server_error(request)
    assert response.status_code == 500 and "我们这边出了问题" in response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_missing_page_offers_home_search_and_the_site_header(db, language):
    response = Client().get(f"/{language}/no-such-page/")
    content = response.content.decode()
    assert response.status_code == 404
    assert ("We could not find that page" if language == "en" else "找不到这个页面") in content
    ways_on(content, language)
    assert 'name="robots" content="noindex"' in content


@pytest.mark.parametrize("language, wording", [("en", "The dashboard shows authors"), ("zh-hans", "数据面板")])
def test_a_reader_opening_the_dashboard_is_told_why_in_the_site_design(db, language, wording):
    client = Client()
    client.force_login(make_user())
    with translation.override(language):
        response = client.get(reverse("dashboard:overview"))
    content = response.content.decode()
    assert response.status_code == 403
    assert wording in content and 'class="page-title"' in content
    ways_on(content, language)
    assert "/accounts/library/" in content  # signed in: the way on is their library, not "log in"


def test_an_author_still_opens_the_dashboard(db):
    client = Client()
    client.force_login(make_author().user)
    assert client.get(reverse("dashboard:overview")).status_code == 200


def test_a_plain_permission_denied_keeps_its_reason_to_itself_and_offers_log_in(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/deny/")
    content = response.content.decode()
    assert response.status_code == 403
    assert "secret internal reason" not in content
    assert "This page is not open to you" in content and "/en/accounts/login/?next=/deny/" in content


def test_a_refusal_written_for_the_reader_is_shown(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/refuse/")
    assert response.status_code == 403 and "Only the keeper of the lighthouse" in response.content.decode()


@pytest.mark.parametrize("language, wording", [("en", "This form has expired"), ("zh-hans", "表单已过期")])
def test_a_failed_csrf_check_explains_and_leads_back_to_the_form(db, language, wording):
    client = Client(enforce_csrf_checks=True)
    login = f"/{language}/accounts/login/"
    response = client.post(login, {"username": "x", "password": "y"}, HTTP_REFERER=f"http://testserver{login}")
    content = response.content.decode()
    assert response.status_code == 403
    assert wording in content and "CSRF" not in content and "Referer" not in content
    assert f'href="http://testserver{login}"' in content
    ways_on(content, language)


def test_a_failed_csrf_check_never_links_back_to_another_site(db):
    response = Client(enforce_csrf_checks=True).post("/en/accounts/login/", HTTP_REFERER="https://evil.example/")
    assert response.status_code == 403 and "evil.example" not in response.content.decode()


@pytest.mark.parametrize("language, wording", [("en", "We could not understand that request"),
                                               ("zh-hans", "无法理解这个请求")])
def test_a_bad_request_gets_the_bare_site_page(db, language, wording):
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/suspicious/")
    content = response.content.decode()
    assert response.status_code == 400
    assert wording in content and "secret internal suspicion" not in content
    ways_on(content, language)


def test_a_forged_host_gets_the_bad_request_page(db):
    response = Client(HTTP_HOST="evil.example").get("/en/")
    assert response.status_code == 400
    assert "We could not understand that request" in response.content.decode()


@pytest.mark.parametrize("language, wording", [("en", "Please try again in 2 minutes"), ("zh-hans", "2 分钟后")])
def test_a_rate_limited_reader_is_told_when_to_come_back(db, language, wording):
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/limited/")
    content = response.content.decode()
    assert response.status_code == 429 and response.headers["Retry-After"] == "90"
    assert wording in content and "You asked for many gift links today." in content
    ways_on(content, language)


def test_the_favicon_is_an_icon_cached_for_a_while(db):
    response = Client().get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert "max-age=604800" in response["Cache-Control"] and "public" in response["Cache-Control"]
    icon = Image.open(io.BytesIO(response.content))
    assert icon.format == "ICO" and (32, 32) in icon.ico.sizes()


def test_pages_link_the_icon(db):
    content = Client().get("/en/").content.decode()
    assert 'rel="icon" href="/static/byline/favicon.svg"' in content and 'href="/favicon.ico"' in content
    assert Client().get("/static/byline/favicon.svg").status_code == 200
