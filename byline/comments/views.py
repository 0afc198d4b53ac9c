"""Thin views: write a comment or a reply, change or delete one's own, report, moderate, and the author's
settings. Every POST answers with a redirect (303) back to the article, or re-renders its form with the
problem (400); a refusal that the reader should see is a message on the page they land on."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from byline.access.decision import decide
from byline.access.selectors import article_for_reader
from byline.articles.models import Article, Author
from byline.comments import selectors, services
from byline.comments.forms import ArticlePolicyForm, CommentForm, DefaultPolicyForm, ReportForm
from byline.comments.models import Block, Comment, CommentStatus
from byline.comments.services import CommentRefused
from byline.core import errors
from byline.core.addresses import client_bucket
from byline.core.redirects import safe_next
from byline.sharing.grants import grant_from_request


def _back_to(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url, status=303)


def _article(request: HttpRequest, slug: str) -> Article:
    article = article_for_reader(slug=slug, reader=request.user)
    if article is None:
        raise Http404
    return article


def _readable_comment(request: HttpRequest, pk: int) -> tuple[Comment, object]:
    """A comment this reader may read (through the access decision), with the access answer."""
    comment = Comment.objects.filter(pk=pk, status=CommentStatus.VISIBLE).select_related(
        "article__author", "article__topic", "reader").first()
    if comment is None or not comment.article.is_live:
        raise Http404
    access = decide(request.user, comment.article, grant=grant_from_request(request))
    if not access.allowed and not comment.featured:
        raise Http404
    return comment, access


def _refused(request: HttpRequest, refused: CommentRefused, template: str, context: dict) -> HttpResponse:
    if refused.code == "rate":
        return errors.too_many_requests(request, retry_after_s=refused.retry_after_s or 60,
                                        message=str(refused.message))
    if refused.code == "invalid":
        context["form"].add_error(None, str(refused.message))
        return render(request, template, context, status=400)
    messages.error(request, str(refused.message))
    return _back_to(context["article"].get_absolute_url() + "#comments")


def _write(request: HttpRequest, *, article: Article, access, parent: Comment | None) -> HttpResponse:
    form = CommentForm(request.POST or None)
    context = {"article": article, "form": form, "parent": parent}
    if request.method == "POST":
        if request.POST.get("website"):
            # A bot filled the field people never see: thank it and keep nothing.
            messages.success(request, _("Thank you: your comment is posted."))
            return _back_to(article.get_absolute_url() + "#comments")
        if form.is_valid():
            try:
                comment = services.post_comment(
                    reader=request.user, article=article, access=access, body=form.cleaned_data["body"],
                    address=client_bucket(request), parent_id=parent.pk if parent else None)
            except CommentRefused as refused:
                return _refused(request, refused, "comments/write.html", context)
            if comment.status == CommentStatus.PENDING:
                messages.success(request, _("Thank you: your comment will show once the author approves it."))
                return _back_to(article.get_absolute_url() + "#comments")
            messages.success(request, _("Thank you: your comment is posted."))
            return _back_to(article.get_absolute_url() + f"#comment-{comment.pk}")
        return render(request, "comments/write.html", context, status=400)
    return render(request, "comments/write.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def post(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article(request, slug)
    return _write(request, article=article, access=decide(request.user, article, grant=grant_from_request(request)),
                  parent=None)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    comment, access = _readable_comment(request, pk)
    return _write(request, article=comment.article, access=access, parent=comment)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("article"), pk=pk, reader=request.user,
                                status=CommentStatus.VISIBLE)
    form = CommentForm(request.POST or None, initial={"body": comment.body_markdown})
    context = {"article": comment.article, "form": form, "editing": comment}
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_comment(reader=request.user, comment_id=pk, body=form.cleaned_data["body"])
        except CommentRefused as refused:
            return _refused(request, refused, "comments/write.html", context)
        messages.success(request, _("Your comment is changed."))
        return _back_to(comment.article.get_absolute_url() + f"#comment-{pk}")
    return render(request, "comments/write.html", context, status=400 if form.errors else 200)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("article"), pk=pk, reader=request.user,
                                status=CommentStatus.VISIBLE)
    if request.method == "POST":
        services.delete_own_comment(reader=request.user, comment_id=pk)
        messages.success(request, _("Your comment is deleted."))
        return _back_to(comment.article.get_absolute_url() + "#comments")
    return render(request, "comments/delete.html", {"comment": comment, "article": comment.article})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, pk: int) -> HttpResponse:
    comment, _access = _readable_comment(request, pk)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_comment(reader=request.user, comment_id=pk, reason=form.cleaned_data["reason"])
        except CommentRefused as refused:
            messages.error(request, str(refused.message))
        else:
            messages.success(request, _("Thank you: the author and our staff will look at this comment."))
        return _back_to(comment.article.get_absolute_url() + "#comments")
    return render(request, "comments/report.html", {"comment": comment, "article": comment.article, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def like(request: HttpRequest, pk: int) -> HttpResponse:
    """Like a comment the reader may read (404 otherwise, as for reply and report); a second time is a no-op."""
    comment, _access = _readable_comment(request, pk)
    try:
        services.like_comment(reader=request.user, comment=comment)
    except CommentRefused as refused:
        messages.error(request, str(refused.message))
    return _back_to(comment.article.get_absolute_url() + f"#comment-{comment.pk}")


@login_required
@require_POST
def unlike(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a like back; pressing it again (or for a like that is already gone) changes nothing."""
    comment = get_object_or_404(Comment.objects.select_related("article"), pk=pk)
    services.unlike_comment(reader=request.user, comment=comment)
    return _back_to(comment.article.get_absolute_url() + f"#comment-{comment.pk}")


@login_required
@require_POST
def moderate(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("article__author"), pk=pk)
    # The author's dashboard lists recent comments with these buttons and sends its own address back.
    back = safe_next(request, comment.article.get_absolute_url() + "#comments")
    action = request.POST.get("action", "")
    try:
        if action == "block":
            if comment.article.author.user_id != request.user.pk:
                raise CommentRefused(_("Only the author may block readers from their articles."), code="forbidden")
            services.block_reader(author_user=request.user, reader_id=comment.reader_id)
            services.moderate(moderator=request.user, comment_id=pk, action=services.Action.HIDE)
            messages.success(request, _("This reader can no longer comment on your articles."))
        else:
            services.moderate(moderator=request.user, comment_id=pk, action=action)
            messages.success(request, _("Done."))
    except CommentRefused as refused:
        if refused.code == "forbidden":
            raise errors.Refused(str(refused.message)) from None
        messages.error(request, str(refused.message))
    return _back_to(back)


def _own_author(request: HttpRequest) -> Author:
    author = Author.objects.filter(user=request.user).first()
    if author is None:
        raise errors.Refused(_("This page is for authors."))
    return author


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    author = _own_author(request)
    current = getattr(author, "comment_settings", None)
    form = DefaultPolicyForm(request.POST or None, initial={
        "default_policy": current.default_policy if current else selectors.DEFAULT_POLICY,
        "approve_first": current.approve_first if current else False})
    if request.method == "POST" and form.is_valid():
        services.set_default_policy(author=author, policy=form.cleaned_data["default_policy"],
                                    approve_first=form.cleaned_data["approve_first"])
        messages.success(request, _("Your comment settings are saved."))
        return _back_to(reverse("comments:settings"))
    articles = (Article.objects.filter(author=author).select_related("comment_policy")
                .defer("locked_html", "body_markdown").order_by("-published_at", "-pk")[:200])
    blocked = Block.objects.filter(author=author).select_related("reader")[:200]
    return render(request, "comments/settings.html", {
        "form": form, "articles": articles, "blocked": blocked, "article_form": ArticlePolicyForm(),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def article_policy(request: HttpRequest, slug: str) -> HttpResponse:
    author = _own_author(request)
    article = get_object_or_404(Article, slug=slug, author=author)
    form = ArticlePolicyForm(request.POST)
    if form.is_valid():
        services.set_article_policy(article=article, policy=form.cleaned_data["policy"] or None)
        messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Choose one of the options in the list."))
    return _back_to(reverse("comments:settings"))


@login_required
@require_POST
def unblock(request: HttpRequest, reader_id: int) -> HttpResponse:
    _own_author(request)
    services.unblock_reader(author_user=request.user, reader_id=reader_id)
    messages.success(request, _("This reader may comment on your articles again."))
    return _back_to(reverse("comments:settings"))
