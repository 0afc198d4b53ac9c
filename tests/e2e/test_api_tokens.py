"""An author makes a scoped API token on the access page without JavaScript, sees its scopes in the list, and
the token does what it was given; the page and the bad-request page pass the browser checks at desktop and
phone width, in English and Chinese."""

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.urls import reverse
from django.utils import translation

from byline.api.models import ApiToken
from tests.conftest import make_author, make_topic
from tests.e2e.checks import DESKTOP, PHONE, problems_on
from tests.e2e.reading_support import signed_in_cookies

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_author_makes_a_scoped_token_and_the_pages_pass_the_checks(live_server, browser, screenshot_dir):
    author = make_author("tokenmaker")
    make_topic("history")
    problems: list[str] = []
    without_js = browser.new_context(viewport=DESKTOP, locale="en-GB", java_script_enabled=False)
    with_js = browser.new_context(viewport=DESKTOP, locale="en-GB")
    with_js.add_init_script(AXE_SCRIPT)  # the site's CSP refuses an injected inline script
    for context in (without_js, with_js):
        context.add_cookies(signed_in_cookies(author.user, live_server))
    try:
        page = without_js.new_page()
        page.goto(live_server.url + reverse("api_access:access"))
        assert page.get_by_label("Read articles, topics, authors and search, with free previews").is_checked()
        assert not page.get_by_label("Write your articles", exact=False).is_checked()
        page.get_by_label("Token name").fill("publishing script")
        page.get_by_label("Write your articles", exact=False).check()
        page.get_by_role("button", name="Create a token").click()
        raw = page.get_by_label("New API token").input_value()
        assert ApiToken.objects.get().scopes == "read write:articles" and raw.startswith("byl_")
        assert "Write your articles" in page.locator("table.api-tokens").inner_text()

        page = with_js.new_page()
        for viewport_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            for language in ("en", "zh-hans"):
                with translation.override(language):
                    access, bad = reverse("api_access:access"), reverse("search:search") + "?q=%00"
                page.goto(live_server.url + access)
                problems += problems_on(page, f"{language}/{viewport_name}/api-access")
                page.screenshot(path=str(screenshot_dir / f"api-access-{language}-{viewport_name}.png"),
                                full_page=True)
                response = page.goto(live_server.url + bad)
                assert response.status == 400
                problems += problems_on(page, f"{language}/{viewport_name}/bad-request")
                page.screenshot(path=str(screenshot_dir / f"bad-request-{language}-{viewport_name}.png"),
                                full_page=True)
    finally:
        without_js.close()
        with_js.close()
    assert problems == [], "\n".join(problems)
