"""Every page type, in every reading mode and both languages, passes axe-core (WCAG 2.2 AA) in Chromium,
and fits a 390 px phone screen without sideways scrolling.

The page table `PAGES` is the one place to add a page type: one line, a name, who looks at it
and how to build its URL. Each mode is one test; inside it every page is audited in English and
Chinese and all violations are collected before the single assertion, so one run shows them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import translation

from tests.e2e.checks import PHONE, sideways_overflow
from tests.e2e.reading_support import MODES, Site, Visitor, add_money, make_site

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LANGUAGES = ("en", "zh-hans")


@pytest.fixture
def site() -> Site:
    return add_money(make_site())


@dataclass(frozen=True)
class PageType:
    name: str
    url: Callable[[Site], str]
    # who looks: "anonymous", "stranger" (a second anonymous browser) or a signed-in role: reader (owns
    # nothing), author (wrote every article), funded (has a balance, owns nothing), buyer (bought the paid
    # article minutes ago), staff
    who: str = "anonymous"
    screenshot: bool = False
    status: int = 200


PAGES = [
    PageType("home", lambda s: reverse("articles:home")),
    PageType("topic", lambda s: s.topic.get_absolute_url()),
    PageType("author", lambda s: s.author.get_absolute_url()),
    PageType("article-free", lambda s: s.free.get_absolute_url()),
    PageType("article-locked", lambda s: s.paid.get_absolute_url(), screenshot=True),
    PageType("article-locked-signed-in", lambda s: s.paid.get_absolute_url(), who="reader"),
    PageType("article-zh-locked", lambda s: s.paid_zh.get_absolute_url()),
    PageType("article-unlocked", lambda s: s.paid.get_absolute_url(), who="author", screenshot=True),
    PageType("login", lambda s: reverse("accounts:login")),
    PageType("sign-up", lambda s: reverse("accounts:signup")),
    PageType("password-reset", lambda s: reverse("accounts:password_reset")),
    PageType("library", lambda s: reverse("accounts:library"), who="reader"),
    PageType("accessibility-settings", lambda s: reverse("reader:accessibility")),
    PageType("paywall-confirmation", lambda s: reverse("purchases:unlock", args=[s.paid.slug]), who="funded",
             screenshot=True),
    PageType("article-locked-funded", lambda s: s.paid.get_absolute_url(), who="funded", screenshot=True),
    PageType("article-bought-undo-offer", lambda s: s.paid.get_absolute_url(), who="buyer", screenshot=True),
    PageType("wallet", lambda s: reverse("purchases:wallet"), who="buyer"),
    PageType("receipt", lambda s: reverse("purchases:receipt", args=[s.money["receipt"]]), who="buyer"),
    PageType("membership", lambda s: reverse("purchases:membership"), who="funded"),
    PageType("top-up", lambda s: reverse("payments:top_up"), who="funded"),
    PageType("card-checkout", lambda s: reverse("payments:sandbox_checkout", args=[s.money["checkout"]]),
             who="funded"),
    PageType("gift", lambda s: reverse("sharing:gift", args=[s.money["gift"]])),
    PageType("gift-revoked", lambda s: reverse("sharing:gift", args=[s.money["revoked_gift"]]), who="stranger"),
    PageType("gifts-list", lambda s: reverse("sharing:gifts"), who="author"),
    PageType("referrals", lambda s: reverse("sharing:referrals"), who="author"),
    PageType("search-results", lambda s: reverse("search:search") + "?q=canal"),
    PageType("api-access", lambda s: reverse("api_access:access"), who="reader"),
    PageType("author-earnings", lambda s: reverse("purchases:earnings"), who="author"),
    PageType("staff-ledger-health", lambda s: reverse("purchases:ledger_health"), who="staff"),
    PageType("not-found", lambda s: reverse("articles:home") + "no-such-page/", status=404),
    PageType("membership-confirmation", lambda s: reverse("purchases:join", args=[s.money["plan"]]), who="funded",
             screenshot=True),
    PageType("refund-request", lambda s: reverse("purchases:refund_request", args=[s.money["purchase"]]),
             who="buyer"),
    PageType("payment-return", lambda s: reverse("payments:return") + f"?ref={s.money['checkout_reference']}",
             who="funded"),
    PageType("dashboard-refused", lambda s: reverse("dashboard:overview"), who="reader", status=403),
    PageType("studio", lambda s: reverse("studio:index"), who="author"),
    PageType("studio-editor", lambda s: reverse("studio:edit", args=[s.paid.pk]), who="author", screenshot=True),
    PageType("studio-publish", lambda s: reverse("studio:publish", args=[s.paid.pk]), who="author"),
    PageType("studio-unpublish", lambda s: reverse("studio:unpublish", args=[s.paid.pk]), who="author"),
    PageType("studio-revisions", lambda s: reverse("studio:revisions", args=[s.paid.pk]), who="author"),
    PageType("studio-refused", lambda s: reverse("studio:index"), who="reader", status=403),
]


def url_for(page_type: PageType, site: Site, language: str) -> str:
    with translation.override(language):
        return page_type.url(site)


def describe(violations: list, where: str) -> list[str]:
    return [f"{where}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:5]}" for v in violations]


def audit(page, where: str, *, enhanced_contrast: bool = False) -> list[str]:
    """axe's WCAG 2.2 A/AA rules; with `enhanced_contrast`, also the 7:1 rule (AAA) the caring version promises."""
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    if enhanced_contrast:
        options["rules"] = {"color-contrast-enhanced": {"enabled": True}}
    return describe(page.evaluate("options => axe.run(document, options)", options)["violations"], where)


def phone_pass(page, where: str, screenshot_dir, name: str) -> list[str]:
    """The same page laid out again on a 390 x 844 phone: nothing may stick out sideways. Resizing
    re-runs the layout and every media query, as loading it on a phone would, without a second load."""
    desktop = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        overflow = sideways_overflow(page)
        if screenshot_dir is not None:
            page.screenshot(path=str(screenshot_dir / name), full_page=True)
    finally:
        page.set_viewport_size(desktop)
    return [f"{where}/phone: overflows sideways, {overflow}"] if overflow else []


@pytest.mark.parametrize("mode", list(MODES))
def test_every_page_type_passes_axe_and_fits_a_phone_in_both_languages(mode, live_server, browser, site,
                                                                       screenshot_dir):
    visitor = Visitor(browser, live_server, site, MODES[mode])
    problems: list[str] = []
    try:
        for page_type in PAGES:
            page = visitor.page(page_type.who)
            for language in LANGUAGES:
                where = f"{mode}/{language}/{page_type.name}"
                response = page.goto(live_server.url + url_for(page_type, site, language))
                if response.status != page_type.status:
                    problems.append(f"{where}: HTTP {response.status}")
                    continue
                problems += audit(page, where, enhanced_contrast=mode == "caring")
                if page_type.screenshot:
                    page.screenshot(path=str(screenshot_dir / f"{page_type.name}-{mode}-{language}.png"),
                                    full_page=True)
                problems += phone_pass(page, where, screenshot_dir if page_type.screenshot else None,
                                       f"{page_type.name}-{mode}-{language}-phone.png")
    finally:
        visitor.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("mode", ["standard", "caring"])
def test_the_open_toolbar_and_a_form_with_errors_pass_axe(mode, live_server, browser, site, screenshot_dir):
    visitor = Visitor(browser, live_server, site, MODES[mode])
    problems: list[str] = []
    try:
        page = visitor.page("anonymous")
        for language in LANGUAGES:
            page.goto(live_server.url + url_for(PAGES[4], site, language))
            page.locator("button[data-toolbar-toggle]").first.click()
            assert page.locator("#a11y-toolbar").is_visible()
            problems += audit(page, f"{mode}/{language}/toolbar-open", enhanced_contrast=mode == "caring")
            page.screenshot(path=str(screenshot_dir / f"toolbar-{mode}-{language}.png"))

            with translation.override(language):
                page.goto(live_server.url + reverse("accounts:signup"))
            page.locator("form.stack-form button[type=submit]").click()
            assert page.locator(".field-error").count() > 0
            problems += audit(page, f"{mode}/{language}/sign-up-errors", enhanced_contrast=mode == "caring")
    finally:
        visitor.close()
    assert problems == [], "\n".join(problems)

