"""The reading beacon: a signed-in reader's browser says they reached the end of an article."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from byline.access.decision import decide
from byline.articles.models import Article
from byline.recommend.models import ReadingKind
from byline.recommend.services import record_reading


def _problem(status: int, title: str) -> JsonResponse:
    response = JsonResponse({"type": "about:blank", "title": title, "status": status}, status=status)
    response["Content-Type"] = "application/problem+json"
    return response


@require_POST
def article_finished(request: HttpRequest, article_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _problem(401, _("Sign in to keep a reading history."))
    article = Article.objects.select_related("author").filter(pk=article_id).first()
    if article is None or not article.is_live:
        return _problem(404, _("There is no such article."))
    if not decide(request.user, article).allowed:
        return _problem(403, _("Only readers of the whole article can finish it."))
    record_reading(reader=request.user, article=article, kind=ReadingKind.FINISHED)
    return HttpResponse(status=204)
