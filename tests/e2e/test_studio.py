"""An author writes in the studio with its toolbar (the paywall line by its button), previews the piece as an
anonymous reader and as a buyer, publishes it, and an anonymous browser then sees exactly that preview: once in
Chinese on a 390 px phone, once in English at 1280 px. Closing the tab mid-sentence loses nothing."""

import threading

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.db.models.signals import post_save
from playwright.sync_api import expect

from byline.articles.models import Article, PublicationState
from byline.studio.models import Revision
from tests.conftest import LOCKED_SENTINEL, make_author, make_topic
from tests.e2e.checks import DESKTOP, PHONE, problems_on

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
# How long a saved note or a refreshed preview may take: on a busy shared machine the first save also loads the
# Chinese word lists. A wait for an event, never a sleep.
WAIT = 20_000

WALKS = [
    # language, viewport, words the page shows, the title, a free paragraph
    ("zh-hans", PHONE, {"new": "新文章", "anonymous": "未登录读者看到的样子", "buyer": "购买者看到的样子",
                        "line": "付费线：未付费的读者读到这里为止", "publish": "发表…", "now": "立即发表",
                        "saved": "已于", "paywall": "付费线", "bold": "粗体", "live": "已上线"},
     "盐道来信", "自贡的盐井已经有两千年的历史。", "yan-dao-lai-xin"),
    ("en", DESKTOP, {"new": "New article", "anonymous": "as an anonymous reader sees it",
                     "buyer": "as a buyer sees it", "line": "Paywall line: readers who have not paid stop here",
                     "publish": "Publish…", "now": "Publish now", "saved": "Saved at", "paywall": "Paywall line",
                     "bold": "Bold", "live": "Live"},
     "Letters from the salt road", "The salt wells of Zigong are two thousand years old.",
     "letters-from-the-salt-road"),
]


def test_an_author_writes_previews_and_publishes_and_readers_see_exactly_the_preview(live_server, browser,
                                                                                      screenshot_dir):
    make_author("studiowalker")
    make_topic()
    problems = []
    for lang, viewport, words, title, free_paragraph, slug in WALKS:
        name = f"{lang}-{viewport['width']}"
        context = browser.new_context(viewport=viewport, locale="en-GB")
        context.add_init_script(AXE_SCRIPT)  # the site's CSP forbids injecting it later
        writer = context.new_page()
        writer.goto(f"{live_server.url}/{lang}/accounts/login/?next=/{lang}/write/")
        writer.fill("input[name=username]", "studiowalker")
        writer.fill("input[name=password]", "a-long-test-password")
        writer.locator("main form:has(input[name=password]) button[type=submit]").click()
        writer.wait_for_url(f"**/{lang}/write/")
        problems += problems_on(writer, f"studio list ({name})")
        writer.screenshot(path=str(screenshot_dir / f"studio-0-list-{name}.png"), full_page=True)
        writer.get_by_role("link", name=words["new"], exact=True).first.click()
        writer.wait_for_url(f"**/{lang}/write/new/")

        writer.fill("#id_title", title)
        body = writer.locator("#id_body_markdown")
        body.click()
        body.type(free_paragraph)
        body.press("Enter")
        body.press("Enter")
        writer.get_by_role("button", name=words["bold"], exact=True).click()
        body.type("Zigong")  # replaces the placeholder the button selected
        writer.get_by_role("button", name=words["paywall"], exact=True).click()
        body.type(LOCKED_SENTINEL)
        assert f"**Zigong**\n\n<!-- paywall -->\n\n{LOCKED_SENTINEL}" in body.input_value()
        # saved itself on the server (the first save also loads the Chinese word lists: allow for a busy machine)
        expect(writer.locator("[data-saved]")).to_contain_text(words["saved"], timeout=WAIT)
        writer.wait_for_url("**/write/*/")  # the first save made the article; the address says which

        preview = writer.locator("[data-preview-body]")
        writer.get_by_label(words["anonymous"]).check()
        expect(preview.locator(".paywall")).to_be_visible(timeout=WAIT)
        expect(preview).not_to_contain_text(LOCKED_SENTINEL, timeout=WAIT)
        expect(preview.locator(".preview-content")).to_contain_text("Zigong", timeout=WAIT)
        anonymous_preview = preview.locator(".preview-content").inner_text()
        paywall_title = preview.locator(".paywall-title").inner_text()
        writer.screenshot(path=str(screenshot_dir / f"studio-1-anonymous-{name}.png"), full_page=True)
        problems += problems_on(writer, f"editor, anonymous preview ({name})")

        writer.get_by_label(words["buyer"]).check()
        expect(preview.locator(".studio-paywall-line")).to_contain_text(words["line"], timeout=WAIT)
        expect(preview.locator(".locked-content")).to_contain_text(LOCKED_SENTINEL, timeout=WAIT)
        writer.screenshot(path=str(screenshot_dir / f"studio-2-buyer-{name}.png"), full_page=True)
        problems += problems_on(writer, f"editor, buyer preview ({name})")

        writer.fill("#id_tags", "盐、history，Salt roads")  # Chinese and Latin separators; saved by Publish
        writer.get_by_role("button", name=words["publish"]).click()
        writer.wait_for_url("**/publish/")
        problems += problems_on(writer, f"publish confirmation ({name})")
        writer.screenshot(path=str(screenshot_dir / f"studio-3-publish-{name}.png"), full_page=True)
        writer.get_by_role("button", name=words["now"]).click()
        writer.wait_for_url("**/write/*/")
        expect(writer.locator(".studio-title-row .studio-state")).to_have_text(words["live"], timeout=WAIT)
        article = Article.objects.get(slug=slug)
        assert article.publication_state == PublicationState.LIVE and "\r" not in article.body_markdown

        # Closing the tab mid-sentence: what was typed is on the server when the editor opens again.
        body = writer.locator("#id_body_markdown")
        body.press("Control+End")
        body.type(" Half a sent")
        # Left at once, before the typing pause that saves: the page sends what it has as it goes (a keepalive
        # request, which Playwright does not report: the live server runs in this process, so a signal tells).
        kept = threading.Event()
        def note(sender, instance, kept=kept, **kwargs):
            if instance.body_markdown.endswith("Half a sent"):
                kept.set()
        post_save.connect(note, sender=Revision, weak=False, dispatch_uid="studio-e2e-kept")
        try:
            writer.goto(f"{live_server.url}/{lang}/write/")
            assert kept.wait(timeout=15), "the text typed just before leaving never reached the server"
        finally:
            post_save.disconnect(sender=Revision, dispatch_uid="studio-e2e-kept")
        problems += problems_on(writer, f"studio list with an article ({name})")
        writer.screenshot(path=str(screenshot_dir / f"studio-7-list-{name}.png"), full_page=True)
        writer.close()
        again = context.new_page()
        again.goto(f"{live_server.url}/{lang}/write/{article.pk}/")
        assert again.locator("#id_body_markdown").input_value().endswith("Half a sent")

        # A second tab on the same article: the first saves, so the second is told instead of overwriting it.
        second = context.new_page()
        second.goto(f"{live_server.url}/{lang}/write/{article.pk}/")
        again.locator("#id_body_markdown").press("Control+End")
        again.locator("#id_body_markdown").type("ence, finished.")
        expect(again.locator("[data-saved]")).to_contain_text(words["saved"], timeout=WAIT)
        second.locator("#id_subtitle").type("From the other tab")
        expect(second.locator("[data-conflict]")).to_be_visible(timeout=WAIT)
        second.screenshot(path=str(screenshot_dir / f"studio-5-second-tab-{name}.png"), full_page=True)
        problems += problems_on(second, f"editor, second tab warned ({name})")
        second.locator("[data-conflict-link]").click()
        second.wait_for_url("**/revisions/*/")
        changes = second.locator(".studio-diff").first
        # The other tab's save is the newest text; this tab's, kept apart, is the revision compared.
        expect(changes.locator("ins").last).to_contain_text("Half a sentence, finished.", timeout=WAIT)
        expect(changes.locator("del").first).to_contain_text("From the other tab", timeout=WAIT)
        problems += problems_on(second, f"compare revisions ({name})")
        second.screenshot(path=str(screenshot_dir / f"studio-6-compare-{name}.png"), full_page=True)
        context.close()

        reader_context = browser.new_context(viewport=viewport, locale="en-GB")
        reader_context.add_init_script(AXE_SCRIPT)
        reader = reader_context.new_page()
        reader.goto(f"{live_server.url}/{lang}/articles/{slug}/")
        assert reader.locator(".article .preview-content").inner_text() == anonymous_preview
        assert reader.locator(".paywall-title").inner_text() == paywall_title
        assert LOCKED_SENTINEL not in reader.content() and "Half a sent" not in reader.content()
        assert reader.locator(".article-tags a").all_inner_texts() == ["盐", "history", "Salt roads"]
        reader.screenshot(path=str(screenshot_dir / f"studio-4-reader-{name}.png"), full_page=True)
        problems += problems_on(reader, f"published article ({name})")
        reader_context.close()
    assert problems == []
