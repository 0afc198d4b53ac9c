"""A new reader walks the site in Chromium, in English and in Chinese, clicking as a person would: home,
topic, author, a free and a locked article, "Purchase this article" through sign-up and on to the
confirmation, back to the article, the library, the error pages, accessible browsing, the caring version on
and off, search, log out, and a password reset.

Every page it reaches is checked (tests/e2e/checks.py) at 1280 px for axe's WCAG 2.2 AA rules and sideways
overflow, and laid out again on a 390 x 844 phone for overflow; the problems of the whole walk are collected
and asserted once.
Each step leaves a screenshot of the first screen at both widths in test-artifacts/screenshots/.
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.urls import reverse
from django.utils import translation

from tests.e2e.checks import DESKTOP, PHONE, problems_on, sideways_overflow
from tests.e2e.reading_support import make_site

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Where the title and the first paragraph of an article start and end, in CSS px from the top of the page.
ARTICLE_OPENING = """() => {
  const box = el => el.getBoundingClientRect();
  const p = document.querySelector('.article-body p');
  return {title: box(document.querySelector('h1')).bottom, paragraphTop: box(p).top, paragraphBottom: box(p).bottom,
          lineWidth: box(p).width, fontSize: parseFloat(getComputedStyle(p).fontSize)};
}"""


class Walk:
    """One browser going through the flows in one language; `check` audits the page as it is now."""

    def __init__(self, page, base: str, language: str, screenshot_dir, problems: list[str]):
        self.page, self.base, self.language = page, base, language
        self.screenshot_dir, self.problems = screenshot_dir, problems

    def path(self, build) -> str:
        with translation.override(self.language):
            return build()

    def url(self, build) -> str:
        return self.base + self.path(build)

    def goto(self, build, *, status: int = 200) -> None:
        response = self.page.goto(self.url(build))
        assert response.status == status, f"{self.language}: {self.page.url} answered {response.status}"

    def check(self, step: str, *, caring: bool = False) -> None:
        """axe and overflow at 1280 px, then the same page laid out on a phone: overflow again (axe's
        answers do not change with the width, and each run costs a second)."""
        where = f"{self.language}/{step}"
        self.problems.extend(problems_on(self.page, where, enhanced_contrast=caring))
        self.page.screenshot(path=str(self.screenshot_dir / f"flow-{self.language}-{step}-desktop.png"))
        self.page.set_viewport_size(PHONE)
        overflow = sideways_overflow(self.page)
        if overflow:
            self.problems.append(f"{where}/phone: overflows sideways, {overflow}")
        self.page.screenshot(path=str(self.screenshot_dir / f"flow-{self.language}-{step}-phone.png"))
        self.page.set_viewport_size(DESKTOP)

    def click(self, locator) -> None:
        with self.page.expect_navigation():
            locator.click()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_new_reader_walks_every_reader_flow(language, live_server, browser, screenshot_dir):
    site = make_site()
    paid = site.paid if language == "en" else site.paid_zh
    problems: list[str] = []
    context = browser.new_context(viewport=DESKTOP, locale="en-GB" if language == "en" else "zh-CN")
    context.add_init_script(AXE_SCRIPT)
    page = context.new_page()
    walk = Walk(page, live_server.url, language, screenshot_dir, problems)
    main = page.locator("main")
    unlock, article = walk.path(lambda: reverse("purchases:unlock", args=[paid.slug])), walk.path(paid.get_absolute_url)
    try:
        walk.goto(lambda: reverse("articles:home"))
        walk.check("home")
        walk.click(main.locator(f'a[href="{walk.path(site.topic.get_absolute_url)}"]').first)
        walk.check("topic")
        walk.goto(site.author.get_absolute_url)
        walk.check("author")
        walk.goto(site.free.get_absolute_url)
        walk.check("article-free")
        walk.goto(paid.get_absolute_url)
        walk.check("article-locked")

        # The paywall's way in, as a newcomer: log-in page, then "Create an account", then the confirmation.
        walk.click(page.locator(".paywall a.button-primary"))
        assert f"next={unlock}" in page.url
        walk.check("log-in-from-paywall")
        walk.click(main.locator(f'a[href*="/accounts/signup/"][href*="next={unlock}"]'))
        walk.check("sign-up-from-paywall")
        # Sign-up asks for an address and sends a code (tests/e2e/test_signin.py); this walk chooses a password.
        walk.click(main.locator('a[href*="with=password"]'))
        page.fill("input[name=username]", f"newreader-{language}")
        page.fill("input[name=email]", f"new-{language}@example.org")
        page.fill("input[name=password1]", "lantern harbour morning")
        page.fill("input[name=password2]", "lantern harbour morning")
        walk.click(main.locator("form.stack-form button[type=submit]"))
        assert page.url == live_server.url + unlock, "sign-up did not lead on to the confirmation"
        assert page.locator(".money-facts").is_visible()
        walk.check("confirmation-after-sign-up")
        walk.click(main.locator(f'a.button[href="{article}"]'))
        assert page.locator(".paywall").is_visible()
        walk.check("article-locked-signed-in")

        walk.click(page.locator(f'header a[href="{walk.path(lambda: reverse("accounts:library"))}"]'))
        walk.check("library")
        walk.goto(lambda: reverse("dashboard:overview"), status=403)
        walk.check("dashboard-refused")
        walk.goto(lambda: reverse("articles:home") + "no-such-page/", status=404)
        walk.check("not-found")
        walk.goto(lambda: reverse("reader:accessibility"))
        walk.check("accessibility-settings")

        # The caring version, on and off, from the header's way in and way back.
        walk.goto(paid.get_absolute_url)
        walk.click(page.locator('header a.mode-switch[href*="/mode/caring/"]'))
        assert "mode-caring" in page.locator("html").get_attribute("class")
        walk.check("article-caring", caring=True)
        page.set_viewport_size(PHONE)
        opening = page.evaluate(ARTICLE_OPENING)
        assert opening["title"] < PHONE["height"] and opening["paragraphTop"] < PHONE["height"] - 3 * 36, (
            f"{language}: the caring header leaves no room for the title and the text on a phone: {opening}")
        page.set_viewport_size({"width": 1440, "height": 900})
        opening = page.evaluate(ARTICLE_OPENING)
        assert opening["lineWidth"] <= 40 * opening["fontSize"], f"{language}: caring lines too long: {opening}"
        page.set_viewport_size(DESKTOP)
        walk.click(page.locator('header a.mode-switch[href*="/mode/standard/"]'))
        assert "mode-caring" not in page.locator("html").get_attribute("class")

        page.fill("header input[type=search]", "canal")
        walk.click(page.locator("header form[role=search] button"))
        assert re.search(r"/search/\?q=canal", page.url)
        walk.check("search")

        walk.click(page.locator("header form.inline-form button"))
        walk.goto(lambda: reverse("accounts:login"))
        walk.click(main.locator(f'a[href="{walk.path(lambda: reverse("accounts:password_reset"))}"]'))
        walk.check("password-reset")
        page.fill("input[name=email]", f"new-{language}@example.org")
        walk.click(main.locator("form.stack-form button[type=submit]"))
        walk.check("password-reset-sent")
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
