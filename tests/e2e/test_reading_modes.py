"""The caring version and the accessible-browsing toolbar, checked in a real Chromium."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from tests.conftest import LOCKED_SENTINEL, make_article, make_author, make_user
from tests.e2e.reading_support import MODES, Site, Visitor, add_money, fund, make_site

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CARING_STYLE_CHECK = """() => {
  const px = (el, prop) => parseFloat(getComputedStyle(el)[prop]);
  const body = document.querySelector('.article-body') || document.body;
  const para = document.querySelector('.article-body p') || document.querySelector('main p');
  const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const small = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, summary')]
    .filter(shown)
    .map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect()])
    .filter(([, r]) => r.width < 59.5 || r.height < 59.5)
    .map(([html, r]) => `${html} ${Math.round(r.width)}x${Math.round(r.height)}`);
  return {
    fontSize: px(body, 'fontSize'), lineHeight: px(body, 'lineHeight'),
    paraGap: para ? px(para, 'marginBottom') : 0, paraLine: para ? px(para, 'lineHeight') : 0,
    h1: px(document.querySelector('h1'), 'fontSize'), small,
  };
}"""


@pytest.fixture
def site() -> Site:
    return make_site()


@pytest.fixture
def money_site() -> Site:
    return add_money(make_site())


def at(language: str, path_builder) -> str:
    with translation.override(language):
        return path_builder()


def test_caring_version_has_large_text_generous_spacing_and_big_targets(live_server, browser, site):
    visitor = Visitor(browser, live_server, site, MODES["caring"])
    try:
        page = visitor.page("anonymous")
        for language in ("en", "zh-hans"):
            for path in (site.paid.get_absolute_url, site.paid_zh.get_absolute_url,
                         lambda: reverse("articles:home"), lambda: reverse("accounts:login")):
                page.goto(live_server.url + at(language, path))
                page.locator("button[data-toolbar-toggle]").first.click()  # the open toolbar counts too
                style = page.evaluate(CARING_STYLE_CHECK)
                where = page.url
                assert style["fontSize"] >= 24, where
                assert style["lineHeight"] >= 1.5 * style["fontSize"], where
                assert style["paraGap"] >= 1.3 * style["paraLine"], where
                assert style["h1"] > style["fontSize"], where
                assert style["small"] == [], where
    finally:
        visitor.close()


def test_caring_money_and_gift_pages_have_large_text_and_big_targets(live_server, browser, money_site):
    site = money_site
    visitor = Visitor(browser, live_server, site, MODES["caring"])
    pages = [  # (who, path): the confirmation, the bought article with its undo offer, wallet, checkout, gift
        ("funded", lambda: reverse("purchases:unlock", args=[site.paid.slug])),
        ("funded", site.paid.get_absolute_url),
        ("buyer", site.paid.get_absolute_url),
        ("buyer", lambda: reverse("purchases:wallet")),
        ("funded", lambda: reverse("payments:top_up")),
        ("funded", lambda: reverse("payments:sandbox_checkout", args=[site.money["checkout"]])),
        ("anonymous", lambda: reverse("sharing:gift", args=[site.money["gift"]])),
    ]
    try:
        for language in ("en", "zh-hans"):
            for who, path in pages:
                page = visitor.page(who)
                page.goto(live_server.url + at(language, path))
                style = page.evaluate(CARING_STYLE_CHECK)
                where = f"{who} {page.url}"
                assert style["fontSize"] >= 24, where
                assert style["lineHeight"] >= 1.5 * style["fontSize"], where
                assert style["small"] == [], where
    finally:
        visitor.close()


EQUAL_WEIGHT = """() => [...document.querySelectorAll('.paywall-actions .button')].map(el => {
  const s = getComputedStyle(el);
  return {text: el.innerText.trim(), look: [s.backgroundColor, s.color, s.borderTopWidth, s.borderTopColor,
          s.fontSize, s.fontWeight, Math.round(el.getBoundingClientRect().width)].join(' ')};
})"""


def test_caring_paywall_offers_plain_choices_of_equal_weight_including_not_now(live_server, browser, money_site,
                                                                               screenshot_dir):
    visitor = Visitor(browser, live_server, money_site, MODES["caring"])
    try:
        page = visitor.page("funded")
        page.goto(live_server.url + money_site.paid.get_absolute_url())
        choices = page.evaluate(EQUAL_WEIGHT)
        texts = [choice["text"] for choice in choices]
        assert {"Unlock for $3.00 from my balance", "Pay $3.00 by card", "Not now"} <= set(texts)
        assert texts[-1] == "Not now"
        assert len({choice["look"] for choice in choices}) == 1, choices
        page.locator(".paywall").screenshot(path=str(screenshot_dir / "paywall-caring-choices.png"))
    finally:
        visitor.close()


@pytest.mark.parametrize("mode", ["zoom200", "caring-zoom200"])
def test_text_at_200_percent_needs_no_horizontal_scrolling_at_320_px(mode, live_server, browser, site,
                                                                      screenshot_dir):
    cookie = "caring|standard|200|0000" if mode == "caring-zoom200" else MODES["zoom200"]
    visitor = Visitor(browser, live_server, site, cookie, viewport={"width": 320, "height": 640})
    wide = []
    try:
        page = visitor.page("anonymous")
        for language in ("en", "zh-hans"):
            for path in (site.paid.get_absolute_url, site.paid_zh.get_absolute_url, lambda: reverse("articles:home"),
                         lambda: reverse("accounts:signup"), lambda: reverse("reader:accessibility")):
                page.goto(live_server.url + at(language, path))
                page.locator("button[data-toolbar-toggle]").first.click()
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > 320:
                    wide.append(f"{page.url}: {width}px")
            page.goto(live_server.url + at(language, site.paid.get_absolute_url))
            page.screenshot(path=str(screenshot_dir / f"article-phone-{mode}-{language}.png"), full_page=True)
    finally:
        visitor.close()
    assert wide == []


def tab_to(page, selector: str, *, limit: int = 120) -> None:
    """Press Tab until the element matching `selector` has the focus (never the mouse)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => { const a = document.activeElement; return !!a && a.matches(s); }", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def keyboard_sign_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + reverse("accounts:login"))
    tab_to(page, "#id_username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type("a-long-test-password")
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/library/")


def keyboard_open_article(page, base_url: str, article) -> None:
    page.goto(base_url + reverse("articles:home"))
    tab_to(page, f'a[href="{article.get_absolute_url()}"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{article.get_absolute_url()}")
    assert page.locator("h1").inner_text() == article.title


def keyboard_switch_caring(page, *, on: bool) -> None:
    url = page.url
    name = "caring" if on else "standard"
    tab_to(page, f'.header-tools a[href*="/reading/mode/{name}/"]')
    page.keyboard.press("Enter")
    page.wait_for_url(url)
    classes = page.locator("html").get_attribute("class").split()
    assert ("mode-caring" in classes) is on


def keyboard_use_toolbar(page) -> None:
    """Open the toolbar, make the text larger and choose high contrast, close it with Escape."""
    tab_to(page, "button[data-toolbar-toggle]")
    page.keyboard.press("Enter")
    assert page.locator("button[data-toolbar-toggle]").first.get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.activeElement.closest('#a11y-toolbar') !== null")
    tab_to(page, "[data-action=zoom-in]")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#a11y-toolbar [role=status]').textContent.includes('125%')")
    tab_to(page, '[data-action=scheme][data-value="contrast"]')
    page.keyboard.press("Space")
    classes = page.locator("html").get_attribute("class").split()
    assert "zoom-125" in classes and "scheme-contrast" in classes
    page.keyboard.press("Escape")
    assert page.locator("#a11y-toolbar").is_hidden()
    assert page.evaluate("document.activeElement.matches('[data-toolbar-toggle]')")


def keyboard_unlock(page) -> None:
    """From the paywall to the confirmation page and on to the full text, with the status announced."""
    url = page.url.split("#")[0]
    tab_to(page, '.paywall-actions a[href*="/unlock/"]')  # a link to the confirmation, which asks before it charges
    page.keyboard.press("Enter")
    page.wait_for_url("**/unlock/**")
    assert page.locator("h1").inner_text() == "Confirm your purchase"
    assert page.get_by_test_id("after").is_visible()  # the price and the balance after payment, restated
    tab_to(page, 'form input[name=confirmed][value=yes] ~ button[type=submit]')
    page.keyboard.press("Enter")
    page.wait_for_url(url + "#undo-offer")
    assert LOCKED_SENTINEL in page.locator("#full-text").inner_text()
    status = page.locator(".messages[role=status]")
    status.get_by_text("Your balance is now").wait_for()  # set after load, so it is announced


def keyboard_undo_purchase(page) -> None:
    """The undo offer is the next stop after the landing point; Enter undoes, the paywall is back."""
    url = page.url.split("#")[0]
    tab_to(page, ".undo-offer button[type=submit]", limit=3)
    page.keyboard.press("Enter")
    page.wait_for_url(url)
    assert page.locator(".paywall").is_visible() and LOCKED_SENTINEL not in page.content()
    page.locator(".messages[role=status]").get_by_text("Purchase undone").wait_for()


def test_a_keyboard_only_reader_signs_in_unlocks_undoes_and_uses_both_reading_modes(live_server, browser, site,
                                                                                        screenshot_dir):
    fund(make_user("keyboarder"), 1000)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        keyboard_sign_in(page, live_server.url, "keyboarder")
        keyboard_open_article(page, live_server.url, site.paid)
        assert page.locator(".paywall").is_visible() and LOCKED_SENTINEL not in page.content()
        keyboard_unlock(page)
        page.screenshot(path=str(screenshot_dir / "keyboard-unlocked.png"))
        keyboard_undo_purchase(page)
        keyboard_switch_caring(page, on=True)
        keyboard_use_toolbar(page)
        page.reload()  # the server applies the toolbar's choices on its next render
        classes = page.locator("html").get_attribute("class").split()
        assert {"mode-caring", "zoom-125", "scheme-contrast"} <= set(classes)
        page.screenshot(path=str(screenshot_dir / "keyboard-caring-contrast-125.png"))
        keyboard_switch_caring(page, on=False)
    finally:
        context.close()


def test_read_aloud_without_a_browser_voice_plays_server_audio_of_the_preview_with_captions(live_server, browser,
                                                                                              site, screenshot_dir):
    visitor = Visitor(browser, live_server, site, "standard|standard|100|0001")  # caption bar on
    try:
        page = visitor.page("anonymous")
        page.goto(live_server.url + site.paid.get_absolute_url())
        has_voice = page.evaluate("() => (window.speechSynthesis?.getVoices() || []).some(v => /^en/i.test(v.lang))")
        if has_voice:
            pytest.skip("this Chromium has an English voice, so it never needs the server's audio")
        page.locator("button[data-toolbar-toggle]").first.click()
        with page.expect_response(lambda r: "/reading/audio/" in r.url) as first_audio:
            page.locator("[data-action=read]").click()
        response = first_audio.value
        assert response.status == 200 and response.headers["content-type"] == "audio/wav"
        assert response.url.split("?")[0].endswith(f"/reading/audio/{site.paid.slug}/0.wav")
        caption = page.locator(".a11y-caption")
        caption.wait_for(state="visible")
        assert caption.inner_text() == site.paid.title
        assert page.locator("[data-action=stop]").is_enabled()
        page.screenshot(path=str(screenshot_dir / "read-aloud-caption.png"))
        page.locator("[data-action=stop]").click()
        assert caption.is_hidden()
    finally:
        visitor.close()


def test_point_to_read_reads_the_focused_paragraph_from_server_audio(live_server, browser, site):
    other = make_article(author=make_author(), title="Another canal", slug="another-canal")
    visitor = Visitor(browser, live_server, site, "standard|standard|100|0001")
    try:
        page = visitor.page("anonymous")
        page.goto(live_server.url + other.get_absolute_url())
        if page.evaluate("() => (window.speechSynthesis?.getVoices() || []).length > 0"):
            pytest.skip("this Chromium has voices, so it never needs the server's audio")
        page.locator("button[data-toolbar-toggle]").first.click()
        page.locator("[data-action=point]").click()
        assert page.locator("[data-action=point]").get_attribute("aria-pressed") == "true"
        with page.expect_response(lambda r: "/reading/audio/" in r.url) as audio:
            page.locator(".article-body p").first.hover()
        assert audio.value.status == 200
        assert page.locator(".a11y-caption").inner_text() == "The harbour town woke early, as harbour towns do."
        assert page.locator(".article-body p").first.evaluate("el => el.classList.contains('a11y-reading')")
    finally:
        visitor.close()
