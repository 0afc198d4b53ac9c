"""The demo article page in a real Chromium, in English and Chinese, with an axe audit."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import translation

from byline.articles.models import Article
from tests.conftest import LOCKED_SENTINEL, make_article, make_author

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def demo_article() -> Article:
    author = make_author("historian")
    body = (
        "The canal began as a string of local ditches, each dug for a different lord and a different war.\n\n"
        "By the seventh century an emperor decided they should become one waterway.\n\n<!-- paywall -->\n\n"
        f"{LOCKED_SENTINEL}\n\n## What the barges carried\n\nGrain, salt and letters."
    )
    return make_article(author=author, title="The canal that fed an empire", slug="canal-fed-empire",
                        body_markdown=body)


def audit(page) -> list:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    return results.response["violations"]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_article_page_renders_paywall_in_chromium_and_passes_axe(live_server, page, demo_article, language,
                                                                   screenshot_dir):
    with translation.override(language):
        path = demo_article.get_absolute_url()
    page.goto(live_server.url + path)
    assert page.locator("h1").inner_text() == demo_article.title
    assert page.locator(".paywall").is_visible()
    assert LOCKED_SENTINEL not in page.content()
    page.screenshot(path=str(screenshot_dir / f"article-{language}.png"), full_page=True)
    violations = audit(page)
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]


def test_caring_version_switch_works_without_javascript(live_server, browser, demo_article, screenshot_dir):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(live_server.url + demo_article.get_absolute_url())
    page.get_by_role("link", name="Enter the caring version").first.click()
    assert "mode-caring" in page.locator("html").get_attribute("class")
    assert page.url.endswith(demo_article.get_absolute_url())
    body_size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.article-body')).fontSize)")
    assert body_size >= 24
    page.screenshot(path=str(screenshot_dir / "article-caring-phone.png"), full_page=True)
    context.close()
