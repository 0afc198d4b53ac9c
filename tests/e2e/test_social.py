"""Comments and tips in Chromium: a buyer comments and replies, another reader reports, the author features
and hides, and the buyer tips from the wallet; in Chinese on a 390 px phone and in English at 1280 px, with
every page axe-clean and fitting its width."""

import pytest
from django.utils import translation

from byline.comments.models import Comment, CommentStatus, Report
from byline.purchases.services import unlock_with_wallet
from byline.tips.models import Tip
from tests.conftest import make_article, make_author, make_user
from tests.e2e.checks import DESKTOP, PHONE, problems_on
from tests.ledger.conftest import balance, fund

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(browser, live_server, lang, viewport, username, next_url):
    context = browser.new_context(viewport=viewport, locale="zh-CN" if lang == "zh-hans" else "en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/{lang}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "a-long-test-password")
    page.locator("main form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url("**" + next_url.split("#")[0] + "*")
    return context, page


def walk(browser, live_server, screenshot_dir, lang, viewport, tag):
    author = make_author(f"writer{tag}")
    article = make_article(author=author, title=f"Harbour notes {tag}", slug=f"harbour-notes-{tag}", lang="en")
    buyer, other = make_user(f"buyer{tag}"), make_user(f"other{tag}")
    fund(buyer, 2_000)
    unlock_with_wallet(reader=buyer, article=article, idempotency_key=f"e2e-{tag}")
    with translation.override(lang):
        url = article.get_absolute_url()
    problems: list[str] = []
    shot = lambda page, name: page.screenshot(path=str(screenshot_dir / f"social-{tag}-{name}.png"), full_page=True)  # noqa: E731

    context, page = log_in(browser, live_server, lang, viewport, buyer.username, url)
    page.fill("#comment-body", "The **third** chapter moved me.\n\n> quiet harbour")
    page.locator("form.comment-form button[type=submit]").click()
    comment = Comment.objects.get(reader=buyer, parent=None)
    page.wait_for_selector(f"#comment-{comment.pk}")
    problems += problems_on(page, f"{tag} article with a comment")
    shot(page, "1-commented")
    page.locator(f"#comment-{comment.pk} .comment-actions a[href$='/reply/']").click()
    page.fill("textarea[name=body]", "And a reply to myself.")
    problems += problems_on(page, f"{tag} reply page")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector(f"#comment-{comment.pk} .comment-replies .comment")
    reply = Comment.objects.get(parent=comment)

    page.locator(".tip-box a.button").click()
    problems += problems_on(page, f"{tag} tip choice")
    shot(page, "2-tip-choice")
    page.locator("input[name=amount][value='500']").check()
    page.fill("textarea[name=message]", "Thank you")
    page.locator("main form button[type=submit]").click()
    assert page.get_by_test_id("amount").inner_text() in ("$5.00", "¥5.00")
    problems += problems_on(page, f"{tag} tip confirmation")
    shot(page, "3-tip-confirm")
    page.locator(".money-actions form button[type=submit]").click()
    page.wait_for_selector("#undo-offer")
    problems += problems_on(page, f"{tag} tip receipt")
    shot(page, "4-tip-receipt")
    assert Tip.objects.filter(tipper=buyer).count() == 1 and balance(buyer) == 2_000 - 300 - 500
    context.close()

    context, page = log_in(browser, live_server, lang, viewport, author.user.username, url)
    page.locator(f"#comment-{comment.pk} > form.comment-moderation button[value=feature]").click()
    page.wait_for_selector(f"#comment-{reply.pk}")
    page.locator(f"#comment-{reply.pk} form.comment-moderation button[value=hide]").click()
    page.wait_for_selector(f"#comment-{reply.pk}.comment-hidden")
    problems += problems_on(page, f"{tag} author's view")
    shot(page, "5-moderated")
    context.close()
    comment.refresh_from_db()
    reply.refresh_from_db()
    assert comment.featured and reply.status == CommentStatus.HIDDEN

    context, page = log_in(browser, live_server, lang, viewport, other.username, url)
    assert page.get_by_test_id("featured-only").is_visible()  # no access: only what the author featured
    shot(page, "6-featured-only")
    page.locator(f"#comment-{comment.pk} > .comment-actions a[href$='/report/']").click()
    page.fill("textarea[name=reason]", "Off topic")
    problems += problems_on(page, f"{tag} report page")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**" + url + "*")
    assert Report.objects.filter(reporter=other).count() == 1
    context.close()

    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(live_server.url + url)
    assert page.locator(f"#comment-{comment.pk}").is_visible() and not page.locator(f"#comment-{reply.pk}").count()
    problems += problems_on(page, f"{tag} anonymous reader's view")
    shot(page, "7-anonymous")
    context.close()
    return problems


def test_comment_reply_report_feature_hide_and_tip_in_both_languages(live_server, browser, screenshot_dir):
    problems = walk(browser, live_server, screenshot_dir, "zh-hans", PHONE, "zh")
    problems += walk(browser, live_server, screenshot_dir, "en", DESKTOP, "en")
    assert problems == []
