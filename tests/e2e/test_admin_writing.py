"""An author writes a paid article in the Django admin through the real textarea (so the browser sends
CRLF line endings), publishes it without a publish time, and an anonymous reader sees only the preview."""

from urllib.parse import unquote_plus

import pytest
from axe_playwright_python.base import AXE_SCRIPT

from byline.articles.demo import authors_group
from byline.articles.models import Article
from tests.conftest import LOCKED_SENTINEL, PREVIEW_SENTENCE, make_author, make_topic
from tests.e2e.checks import DESKTOP, PHONE, problems_on

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BODY_LINES = [PREVIEW_SENTENCE, "", "A second free paragraph.", "", "<!-- paywall -->", "",
              LOCKED_SENTINEL, "", "A last locked paragraph."]


def test_an_article_written_in_the_admin_shows_readers_only_its_preview(live_server, browser, screenshot_dir):
    author = make_author("adminwriter")
    author.user.is_staff = True
    author.user.save()
    author.user.groups.add(authors_group())
    topic = make_topic()
    writer = browser.new_context(viewport=DESKTOP, locale="en-GB").new_page()
    writer.goto(live_server.url + "/en/admin/login/?next=/en/admin/articles/article/add/")
    writer.fill("input[name=username]", "adminwriter")
    writer.fill("input[name=password]", "a-long-test-password")
    writer.locator("input[type=submit]").click()
    writer.wait_for_url("**/admin/articles/article/add/")
    assert "Put the line <!-- paywall --> where the free preview ends." in writer.locator(
        "#id_body_markdown_helptext").inner_text()

    writer.fill("#id_slug", "letters-salt-road")  # first: the admin's script then leaves it alone
    writer.fill("#id_title", "Letters from the salt road")
    writer.select_option("#id_lang", "en")
    writer.select_option("#id_topic", str(topic.pk))
    writer.select_option("#id_author", str(author.pk))
    body = writer.locator("#id_body_markdown")
    body.click()
    for number, line in enumerate(BODY_LINES):  # typed as a person would: Enter between lines
        body.type(line)
        if number < len(BODY_LINES) - 1:
            body.press("Enter")
    writer.select_option("#id_visibility", "paid")
    writer.fill("#id_price_minor", "300")
    writer.select_option("#id_currency", "USD")
    writer.select_option("#id_status", "published")
    writer.screenshot(path=str(screenshot_dir / "admin-writing-1-form.png"), full_page=True)
    with writer.expect_request(lambda request: request.method == "POST") as sent:
        writer.locator("input[name=_save]").click()
    posted = unquote_plus(sent.value.post_data)
    assert "\r\n<!-- paywall -->\r\n" in posted, "the browser did not send CRLF: this would prove nothing"
    writer.wait_for_url("**/admin/articles/article/")
    assert "Live since" in writer.locator("#result_list").inner_text()
    writer.screenshot(path=str(screenshot_dir / "admin-writing-2-list.png"), full_page=True)
    writer.context.close()

    article = Article.objects.get(slug="letters-salt-road")
    assert article.is_live and article.has_divider
    problems = []
    reader_context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    reader_context.add_init_script(AXE_SCRIPT)  # the site's CSP forbids injecting it later
    reader = reader_context.new_page()
    for language in ("en", "zh-hans"):
        for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            reader.set_viewport_size(viewport)
            reader.goto(f"{live_server.url}/{language}/articles/{article.slug}/")
            assert PREVIEW_SENTENCE in reader.locator("main").inner_text()
            assert LOCKED_SENTINEL not in reader.content() and "paywall -->" not in reader.content()
            assert reader.locator(".paywall").is_visible()
            problems += problems_on(reader, f"article page ({language}, {name})")
            reader.screenshot(path=str(screenshot_dir / f"admin-writing-3-reader-{language}-{name}.png"),
                              full_page=True)
    reader.context.close()
    assert problems == []


def test_the_chinese_admin_shows_the_divider_in_its_help_text(live_server, page):
    author = make_author("zhwriter")
    author.user.is_staff = True
    author.user.save()
    author.user.groups.add(authors_group())
    page.goto(live_server.url + "/zh-hans/admin/login/?next=/zh-hans/admin/articles/article/add/")
    page.fill("input[name=username]", "zhwriter")
    page.fill("input[name=password]", "a-long-test-password")
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/articles/article/add/")
    assert "单独写一行 <!-- paywall -->。" in page.locator("#id_body_markdown_helptext").inner_text()
