"""Comments and tips in Chromium: a buyer comments and replies, tips from the wallet and then by card (the
sandbox's hosted page), another reader reports, likes and unlikes a featured comment, the author features and
hides; in Chinese on a 390 px phone and in English at 1280 px, and in the caring version (no amount chosen for
the reader, every button of equal weight), with every page axe-clean and fitting its width."""

import pytest
from django.urls import reverse
from django.utils import translation

from byline.comments.models import Comment, CommentStatus, Like, Report
from byline.payments.providers import sandbox
from byline.purchases.services import unlock_with_wallet
from byline.tips.models import Tip
from tests.conftest import make_article, make_author, make_user
from tests.e2e.checks import DESKTOP, PHONE, problems_on
from tests.ledger.conftest import balance, fund

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(browser, live_server, lang, viewport, username, next_url, caring=False):
    context = browser.new_context(viewport=viewport, locale="zh-CN" if lang == "zh-hans" else "en-GB")
    if caring:
        context.add_cookies([{"name": "byline_reading", "value": "caring|standard|100|0000", "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/{lang}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "a-long-test-password")
    page.locator("main form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url("**" + next_url.split("#")[0] + "*")
    return context, page


def walk(browser, live_server, screenshot_dir, lang, viewport, tag, caring=False):
    author = make_author(f"writer{tag}")
    article = make_article(author=author, title=f"Harbour notes {tag}", slug=f"harbour-notes-{tag}", lang="en")
    buyer, other, friend = make_user(f"buyer{tag}"), make_user(f"other{tag}"), make_user(f"friend{tag}")
    fund(buyer, 2_000)
    fund(friend, 1_000)
    unlock_with_wallet(reader=buyer, article=article, idempotency_key=f"e2e-{tag}")
    unlock_with_wallet(reader=friend, article=article, idempotency_key=f"e2e-friend-{tag}")
    with translation.override(lang):
        url = article.get_absolute_url()
    problems: list[str] = []
    shot = lambda page, name: page.screenshot(path=str(screenshot_dir / f"social-{tag}-{name}.png"), full_page=True)  # noqa: E731

    context, page = log_in(browser, live_server, lang, viewport, buyer.username, url, caring)
    # A link with nothing to click beside words (a hidden link) is refused with a message, and the text stays.
    page.fill("#comment-body", "Nice [](https://spam.example)")
    page.locator("form.comment-form button[type=submit]").click()
    page.wait_for_selector("#form-errors")
    assert page.locator("textarea[name=body]").input_value().replace("\r\n", "\n") == "Nice [](https://spam.example)"
    problems += problems_on(page, f"{tag} hidden link refused")
    shot(page, "0-hidden-link")
    page.fill("textarea[name=body]", f"The **third** chapter moved me, @{friend.username}.\n\n> quiet harbour")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**" + url + "*")
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
    if caring:  # nothing chosen for the reader, and no button louder than "Maybe later"
        assert page.locator("input[name=amount]:checked").count() == 0
        assert page.locator("main .button-primary").count() == 0
    page.locator("input[name=amount][value='500']").check()
    page.fill("textarea[name=message]", "Thank you")
    page.locator("main form button[type=submit]").click()
    assert page.get_by_test_id("amount").inner_text() in ("$5.00", "¥5.00")
    problems += problems_on(page, f"{tag} tip confirmation")
    shot(page, "3-tip-confirm")
    if caring:
        assert page.locator("main .button-primary").count() == 0
    page.locator(".money-actions form button[type=submit]").first.click()
    page.wait_for_selector("#undo-offer")
    problems += problems_on(page, f"{tag} tip receipt")
    shot(page, "4-tip-receipt")
    assert Tip.objects.filter(tipper=buyer).count() == 1 and balance(buyer) == 2_000 - 300 - 500

    # Again, by card for the exact amount: the sandbox's hosted page, then the return page says it is given.
    page.goto(live_server.url + url)
    page.locator(".tip-box a.button").click()
    page.locator("input[name=amount][value='1000']").check()
    page.fill("textarea[name=message]", "Once more, by card")
    page.locator("main form button[type=submit]").click()
    page.locator("form.tip-by-card button[type=submit]").click()
    page.wait_for_url("**/payments/sandbox/**")
    page.fill("input[name=card_number]", sandbox.SUCCESS)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_selector("[data-testid=result]")
    problems += problems_on(page, f"{tag} card tip given")
    shot(page, "4b-card-tip-given")
    card_tip = Tip.objects.get(tipper=buyer, amount_minor=1_000)
    assert card_tip.message == "Once more, by card" and balance(buyer) == 2_000 - 300 - 500
    page.locator(f"main a[href$='/tips/{card_tip.pk}/']").click()
    page.wait_for_selector("[data-testid=paid-with]")
    problems += problems_on(page, f"{tag} card tip receipt")
    shot(page, "4c-card-tip-receipt")
    context.close()

    context, page = log_in(browser, live_server, lang, viewport, author.user.username, url, caring)
    page.locator(f"#comment-{comment.pk} > form.comment-moderation button[value=feature]").click()
    page.wait_for_selector(f"#comment-{reply.pk}")
    page.locator(f"#comment-{reply.pk} form.comment-moderation button[value=hide]").click()
    page.wait_for_selector(f"#comment-{reply.pk}.comment-hidden")
    problems += problems_on(page, f"{tag} author's view")
    shot(page, "5-moderated")
    # The dashboard: the newest comments with their buttons, which come back to it; the tips per article.
    with translation.override(lang):
        dashboard = reverse("dashboard:overview")
    page.goto(live_server.url + dashboard)
    page.locator(f"#dash-comment-{reply.pk} button[value=show]").click()
    page.wait_for_selector(f"#dash-comment-{reply.pk} button[value=hide]")
    assert page.url.split("#")[0].endswith(dashboard)
    page.locator(f"#dash-comment-{reply.pk} button[value=hide]").click()
    page.wait_for_selector(f"#dash-comment-{reply.pk} button[value=show]")
    problems += problems_on(page, f"{tag} dashboard")
    shot(page, "5b-dashboard")
    page.locator(f"a[href*='/dashboard/articles/{article.slug}/']").first.click()
    page.wait_for_selector("#tips-heading")
    assert "Once more, by card" in page.content()
    problems += problems_on(page, f"{tag} article dashboard")
    shot(page, "5c-article-dashboard")
    context.close()
    comment.refresh_from_db()
    reply.refresh_from_db()
    assert comment.featured and reply.status == CommentStatus.HIDDEN

    context, page = log_in(browser, live_server, lang, viewport, other.username, url, caring)
    assert page.get_by_test_id("featured-only").is_visible()  # no access: only what the author featured
    shot(page, "6-featured-only")
    page.locator(f"#comment-{comment.pk} form.comment-like button").click()  # like, then take it back
    page.wait_for_selector(f"#comment-{comment.pk} .comment-liked")
    assert Like.objects.filter(reader=other, comment=comment).exists()
    problems += problems_on(page, f"{tag} liked")
    shot(page, "6b-liked")
    page.locator(f"#comment-{comment.pk} form.comment-like button").click()
    page.wait_for_selector(f"#comment-{comment.pk} .comment-liked", state="detached")
    assert not Like.objects.filter(reader=other).exists()
    page.locator(f"#comment-{comment.pk} > .comment-actions a[href$='/report/']").click()
    page.fill("textarea[name=reason]", "Off topic")
    problems += problems_on(page, f"{tag} report page")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**" + url + "*")
    assert Report.objects.filter(reporter=other).count() == 1
    context.close()

    # The reader the comment names hears of it under the bell, and the bell leads to the comment itself.
    context, page = log_in(browser, live_server, lang, viewport, friend.username, url, caring)
    with translation.override(lang):
        page.goto(live_server.url + reverse("audience:notifications"))
    mention = page.locator(".notification-unread a")
    assert mention.count() == 1 and "quiet harbour" in page.content()
    problems += problems_on(page, f"{tag} bell with a mention")
    shot(page, "6c-mentioned")
    mention.click()
    page.wait_for_url(f"**#comment-{comment.pk}")
    assert page.locator(f"#comment-{comment.pk}").is_visible()
    page.go_back()  # opening the note read it: the bell has nothing unread now
    page.reload()
    assert page.locator(".notification-unread").count() == 0
    context.close()

    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(live_server.url + url)
    assert page.locator(f"#comment-{comment.pk}").is_visible() and not page.locator(f"#comment-{reply.pk}").count()
    problems += problems_on(page, f"{tag} anonymous reader's view")
    shot(page, "7-anonymous")
    context.close()
    return problems


def test_comment_reply_report_feature_hide_like_and_tip_in_both_languages(live_server, browser, screenshot_dir):
    problems = walk(browser, live_server, screenshot_dir, "zh-hans", PHONE, "zh")
    problems += walk(browser, live_server, screenshot_dir, "en", DESKTOP, "en")
    assert problems == []


def test_the_same_in_the_caring_version(live_server, browser, screenshot_dir):
    problems = walk(browser, live_server, screenshot_dir, "zh-hans", DESKTOP, "zhcare", caring=True)
    problems += walk(browser, live_server, screenshot_dir, "en", PHONE, "encare", caring=True)
    assert problems == []
