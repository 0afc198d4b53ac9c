"""The author dashboard in Chromium: English, Chinese and the caring version pass axe (WCAG 2.2 AA; 7:1
contrast in the caring version), and every chart has an accessible name and an associated data table."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from byline.dashboard import services
from byline.purchases import services as purchases
from tests.conftest import make_article, make_author, make_user
from tests.e2e.reading_support import MODES, Site, Visitor
from tests.e2e.test_accessibility import audit
from tests.ledger.conftest import fund, new_key

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHART_ALTERNATIVES = """() => [...document.querySelectorAll('svg.chart')].map(svg => {
  const named = (svg.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
    .map(id => document.getElementById(id)).filter(Boolean).map(el => el.textContent.trim()).join(' ');
  const table = document.getElementById(svg.getAttribute('aria-details') || '');
  return {
    role: svg.getAttribute('role'),
    name: named,
    hasTitle: !!svg.querySelector(':scope > title'),
    table: !!table && table.tagName === 'TABLE',
    caption: table && table.caption ? table.caption.textContent.trim() : '',
    scopedHeaders: table ? table.querySelectorAll('th[scope=col]').length > 0
      && table.querySelectorAll('tbody th[scope=row]').length === table.tBodies[0].rows.length : false,
    sameFigure: !!table && svg.closest('figure') === table.closest('figure'),
  };
})"""


@pytest.fixture
def site() -> Site:
    author = make_author("historian")
    paid = make_article(author=author, title="The canal that fed an empire", slug="canal-fed-empire")
    paid_zh = make_article(author=author, title="大运河与漕运", slug="grand-canal-grain", lang="zh-hans",
                           currency="CNY", price_minor=600)
    for article in (paid, paid_zh):
        for number in range(12):
            services.record_view(article_id=article.pk, paywalled=number % 4 != 0)
        for _ in range(2):
            buyer = make_user()
            fund(buyer, 1000, article.currency)
            purchases.unlock_with_wallet(reader=buyer, article=article, idempotency_key=new_key())
    return Site(author=author, topic=paid.topic, free=paid, paid=paid, paid_zh=paid_zh)


@pytest.mark.parametrize("mode", ["standard", "caring"])
def test_the_dashboard_passes_axe_and_every_chart_has_a_text_alternative(mode, live_server, browser, site,
                                                                           screenshot_dir):
    visitor = Visitor(browser, live_server, site, MODES[mode])
    problems: list[str] = []
    try:
        page = visitor.page("author")
        for language in ("en", "zh-hans"):
            with translation.override(language):
                urls = {"overview": reverse("dashboard:overview") + "?period=7",
                        "article": reverse("dashboard:article", args=[site.paid.slug]) + "?period=7"}
            for name, url in urls.items():
                where = f"{mode}/{language}/{name}"
                response = page.goto(live_server.url + url)
                assert response.status == 200, where
                problems += audit(page, where, enhanced_contrast=mode == "caring")
                charts = page.evaluate(CHART_ALTERNATIVES)
                assert len(charts) >= 3, where  # views, unlocks, and earnings in each currency sold
                for chart in charts:
                    assert chart["role"] == "img" and chart["name"] and chart["hasTitle"], (where, chart)
                    assert chart["table"] and chart["caption"] and chart["scopedHeaders"], (where, chart)
                    assert chart["sameFigure"], (where, chart)
                    assert page.get_by_role("img", name=chart["name"].split(" ")[0], exact=False).count() >= 1
                page.screenshot(path=str(screenshot_dir / f"dashboard-{name}-{mode}-{language}.png"),
                                full_page=True)
    finally:
        visitor.close()
    assert problems == [], "\n".join(problems)
