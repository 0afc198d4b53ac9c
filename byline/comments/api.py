"""Comments in the Content API: read what the reader may read (the same access decision as the page), and
write with the `write:comments` scope. Registered on the API in CommentsConfig.ready."""


import datetime as dt
from typing import Annotated, Any

from ninja import Schema, Status
from pydantic import BeforeValidator, ConfigDict, Field

from byline.access.decision import decide
from byline.access.selectors import article_for_reader
from byline.api.endpoints import SignedIn, SlugPath, api, needs, reading_as
from byline.api.models import Scope
from byline.api.problems import VALIDATION_STATUS, ApiProblem
from byline.api.schemas import _normalised
from byline.comments import selectors, services
from byline.comments.models import Comment
from byline.core.addresses import client_bucket


class CommentOut(Schema):
    id: int
    parent_id: int | None
    writer: str
    body_html: str
    created_at: dt.datetime
    edited: bool
    featured: bool
    pinned: bool


class CommentList(Schema):
    article: str
    featured_only: bool = Field(description="True when the reader may not read the article: only the comments "
                                            "its author featured are answered.")
    count: int
    items: list[CommentOut]


class CommentIn(Schema):
    model_config = ConfigDict(extra="forbid")
    body: Annotated[str, BeforeValidator(_normalised), Field(min_length=1, max_length=services.MAX_LENGTH)]
    parent_id: int | None = Field(default=None, ge=1, le=2**62)


def _shape(comment: Comment) -> dict[str, Any]:
    return {"id": comment.pk, "parent_id": comment.parent_id,
            "writer": comment.reader.get_full_name() or comment.reader.username,
            "body_html": comment.body_html, "created_at": comment.created_at,
            "edited": comment.edited_at is not None, "featured": comment.featured, "pinned": comment.pinned}


def _article(slug: str, reader: Any):
    article = article_for_reader(slug=slug, reader=reader)
    if article is None or not article.is_live:
        raise ApiProblem(404, "No article with this slug.")
    return article


@api.get("/articles/{slug}/comments", response=CommentList, tags=["comments"],
         summary="Comments the reader may read: all of them with access to the article, else the featured ones")
@needs(Scope.READ)
def list_comments(request, slug: str = SlugPath):
    reader = reading_as(request)
    article = _article(slug, reader)
    view = selectors.comments_for(article=article, access=decide(reader, article), moderator=False)
    items = [_shape(c) for thread in view.threads for c in (thread.comment, *thread.replies)
             if c.status == "visible"]
    return {"article": article.slug, "featured_only": view.featured_only, "count": len(items), "items": items}


_STATUS = {"invalid": VALIDATION_STATUS, "rate": 429, "login": 401, "missing": 404, "parent": 404}


@api.post("/articles/{slug}/comments", response={201: CommentOut}, auth=SignedIn(), tags=["comments"],
          summary="Write a comment, or a reply (parent_id) to one you may read")
@needs(Scope.WRITE_COMMENTS)
def write_comment(request, payload: CommentIn, slug: str = SlugPath):
    article = _article(slug, request.reader)
    try:
        comment = services.post_comment(reader=request.reader, article=article,
                                        access=decide(request.reader, article), body=payload.body,
                                        address=client_bucket(request), parent_id=payload.parent_id)
    except services.CommentRefused as refused:
        headers = {"Retry-After": str(refused.retry_after_s)} if refused.retry_after_s else None
        raise ApiProblem(_STATUS.get(refused.code, 403), str(refused.message), headers=headers) from None
    return Status(201, _shape(comment))
