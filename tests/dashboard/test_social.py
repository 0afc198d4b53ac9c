"""Comments and tips on the author's dashboard and statement: recent comments with moderation that comes back to
the dashboard, tips received per article and in total, each tip's message, and tips on the monthly statement."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from byline.comments.models import Comment, CommentStatus, Report
from byline.dashboard import selectors
from byline.tips import services as tips
from tests.conftest import make_article, make_author, make_user
from tests.ledger.conftest import fund

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name, *args, language="en"):
    with translation.override(language):
        return reverse(name, args=args)


@pytest.fixture
def social(author, paid_article, settings):
    settings.TIP_FEE_PERCENT = 10
    named, shy = make_user("named"), make_user("shy")
    for reader in (named, shy):
        fund(reader, 5_000)
    tips.tip_from_wallet(tipper=named, article=paid_article, amount_minor=500, currency="USD",
                         idempotency_key="t1", message="For the lighthouse keeper")
    tips.tip_from_wallet(tipper=shy, article=paid_article, amount_minor=1_000, currency="USD",
                         idempotency_key="t2", anonymous=True)
    undone = tips.tip_from_wallet(tipper=shy, article=paid_article, amount_minor=200, currency="USD",
                                  idempotency_key="t3")
    tips.undo_tip(tipper=shy, tip_id=undone.pk)
    comment = Comment.objects.create(article=paid_article, reader=named, body_markdown="Lovely",
                                     body_html="<p>Lovely words</p>")
    Report.objects.create(comment=comment, reporter=shy, reason="spam")
    return {"comment": comment, "named": named}


def test_tips_count_on_the_dashboard_per_article_and_in_total_without_those_undone(author, paid_article, social):
    report = selectors.report(author=author, window=selectors.Window.last_days(7))
    assert report.total.tips == 2 and report.total.tip_shares == {"USD": 1_350}
    [row] = [row for row in report.articles if row.article.pk == paid_article.pk]
    assert row.figures.tips == 2 and row.figures.tip_shares == {"USD": 1_350}
    assert report.total.earnings == {"USD": 1_350}  # the ledger's credits: the two tips that stand


def test_the_overview_lists_recent_comments_with_moderation_that_comes_back_here(author, paid_article, social):
    client = signed_in(author.user)
    page = client.get(url("dashboard:overview")).content.decode()
    assert "Recent comments" in page and "<p>Lovely words</p>" in page and "1 report" in page
    assert 'data-testid="tips">2' in page and "$13.50" in page
    comment = social["comment"]
    back = client.post(reverse("comments:moderate", args=[comment.pk]),
                       {"action": "hide", "next": url("dashboard:overview") + "#comments-heading"})
    assert back.status_code == 303 and back["Location"] == url("dashboard:overview") + "#comments-heading"
    comment.refresh_from_db()
    assert comment.status == CommentStatus.HIDDEN
    assert "Hidden from readers" in client.get(url("dashboard:overview")).content.decode()
    elsewhere = client.post(reverse("comments:moderate", args=[comment.pk]),
                            {"action": "show", "next": "https://elsewhere.example/"})
    assert elsewhere["Location"] == paid_article.get_absolute_url() + "#comments"  # never another site


def test_the_article_page_shows_each_tip_with_its_message_and_keeps_the_anonymous_unnamed(author, paid_article,
                                                                                           social):
    page = signed_in(author.user).get(url("dashboard:article", paid_article.slug)).content.decode()
    assert "For the lighthouse keeper" in page and "named" in page
    assert "A reader who chose not to be named" in page and ">shy<" not in page
    assert "<p>Lovely words</p>" in page
    chinese = signed_in(author.user).get(url("dashboard:article", paid_article.slug, language="zh-hans"))
    assert "赞赏" in chinese.content.decode()


def test_another_author_sees_none_of_it(paid_article, social):
    other = make_author("other-writer")
    make_article(author=other, title="Theirs", slug="theirs")
    page = signed_in(other.user).get(url("dashboard:overview")).content.decode()
    assert "Lovely words" not in page and "For the lighthouse keeper" not in page
    assert signed_in(other.user).post(reverse("comments:moderate", args=[social["comment"].pk]),
                                      {"action": "hide"}).status_code == 403


def test_tips_are_a_line_and_a_total_of_their_own_on_the_monthly_statement(author, paid_article, social):
    now = timezone.localtime()
    page = signed_in(author.user).get(
        f"/en/payouts/statements/USD/{now.year}-{now.month}/").content.decode()
    assert 'data-testid="tips">$15.30<' in page  # 450 + 900 + 180 credited; the undo is among refunds and undos
