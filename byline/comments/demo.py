"""Demo comments: a short conversation under a free article and under a paid one (whose buyer's comment the
author featured), written through the product's services. Safe to run twice: a comment already written is
not written again."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from byline.access.decision import decide
from byline.articles.models import Article, Visibility
from byline.comments import services
from byline.comments.models import Comment

FREE_THREAD = [("reader", "I read this on the train and missed my stop. Worth it."),
               ("demo-buyer-1", "The part about the harbour lights stayed with me.")]
PAID_COMMENT = ("demo-buyer-1", "Thank you for the second half: the ending is exactly right.")


def _write(username: str, article: Article, body: str, parent: Comment | None = None) -> Comment | None:
    reader = get_user_model().objects.filter(username=username).first()
    if reader is None:
        return None
    existing = Comment.objects.filter(article=article, reader=reader, body_markdown=body).first()
    if existing is not None:
        return existing
    try:
        return services.post_comment(reader=reader, article=article, access=decide(reader, article), body=body,
                                     address="demo", parent_id=parent.pk if parent else None)
    except services.CommentRefused:
        return None


def load_demo_conversation() -> None:
    live = Article.objects.published().select_related("author").order_by("pk")
    free = live.filter(visibility=Visibility.FREE).first()
    if free is not None:
        first = _write(FREE_THREAD[0][0], free, FREE_THREAD[0][1])
        if first is not None:
            _write(FREE_THREAD[1][0], free, FREE_THREAD[1][1], first)
            _write(free.author.user.username, free, "Thank you both: I missed that stop too, once.", first)
    for article in live.exclude(visibility=Visibility.FREE).filter(price_minor__gt=0):
        comment = _write(PAID_COMMENT[0], article, PAID_COMMENT[1])
        if comment is not None:
            services.moderate(moderator=article.author.user, comment_id=comment.pk, action=services.Action.FEATURE)
            return
