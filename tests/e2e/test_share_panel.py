"""The share panel in a real Chromium: both languages, the caring version, with and without JavaScript."""

import subprocess

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import translation
from playwright.sync_api import expect

from byline.reader.prefs import COOKIE_NAME
from tests.conftest import make_article, make_author

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def article():
    return make_article(author=make_author("historian"), title="The canal that fed an empire",
                        slug="canal-fed-empire")


def open_panel(browser, live_server, article, *, language, caring, javascript):
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900},
                                  permissions=["clipboard-read", "clipboard-write"] if javascript else [])
    if caring:
        context.add_cookies([{"name": COOKIE_NAME, "value": "caring|standard|100|0000", "url": live_server.url}])
    page = context.new_page()
    with translation.override(language):
        page.goto(live_server.url + article.get_absolute_url())
    panel = page.locator(".share-panel")
    panel.scroll_into_view_if_needed()
    return context, page, panel


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("caring", [False, True], ids=["standard", "caring"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_share_panel_works_in_chromium(browser, live_server, article, screenshot_dir, language, caring, javascript):
    context, page, panel = open_panel(browser, live_server, article, language=language, caring=caring,
                                      javascript=javascript)
    field = panel.locator("#share-url")
    assert "?r=" in field.input_value()
    copy = panel.locator(".share-copy-button")
    if javascript:
        copy.click()
        expected = "Link copied" if language == "en" else "链接已复制"
        expect(panel.locator("[data-share-status]")).to_have_text(expected)
        assert page.evaluate("navigator.clipboard.readText()") == field.input_value()
    else:
        assert not copy.is_visible()
    if caring:
        box = panel.locator(".share-network").first.bounding_box()
        assert box["height"] >= 60
    name = f"share-panel-{language}-{'caring' if caring else 'standard'}-{'js' if javascript else 'nojs'}.png"
    panel.screenshot(path=str(screenshot_dir / name))
    if javascript and not caring:
        violations = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}}).response["violations"]
        assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]
    context.close()


def test_the_qr_code_as_chromium_draws_it_scans_to_the_article_url(browser, live_server, article, screenshot_dir):
    context, page, panel = open_panel(browser, live_server, article, language="en", caring=False, javascript=False)
    path = screenshot_dir / "share-qr.png"
    panel.locator("svg.share-qr-code").screenshot(path=str(path))
    decoded = subprocess.run(["/usr/bin/zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True,
                             timeout=30).stdout.strip()
    assert decoded.startswith(live_server.url + article.get_absolute_url() + "?r=")
    context.close()
