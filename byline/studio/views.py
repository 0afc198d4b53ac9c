"""The writing studio's pages. Thin: forms parse, `services` write, `selectors` read."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from byline.articles.models import Article, Author, PublicationState, Topic
from byline.articles.services import divider_errors
from byline.core.errors import Refused
from byline.core.inputs import reports_unstorable_text
from byline.core.text_input import TextRefused, normalise_text
from byline.sharing.grants import grant_from_request
from byline.studio import images, selectors, services
from byline.studio.drafts import Draft
from byline.studio.forms import EditorForm, ScheduleForm
from byline.studio.models import RevisionKind, StudioImage
from byline.studio.paste import markdown_from_html

PREVIEW_MODES = ("anonymous", "buyer")


def author_only(view: Callable) -> Callable:
    """Signed-in authors only; anyone else signed in gets a 403 page that says how to become one."""
    @functools.wraps(view)
    @login_required
    @never_cache
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        author = Author.objects.filter(user=request.user).first()
        if author is None:
            raise Refused(gettext(
                "The writing studio is for authors. To write on %(site)s, write to the editors and ask for an author "
                "profile; once you have one, “Write” appears at the top of every page.") % {"site": settings.SITE_NAME})
        request.author = author
        return view(request, *args, **kwargs)
    return wrapped


def _article(request: HttpRequest, pk: int) -> Article:
    article = selectors.article_of(author=request.author, pk=pk)
    if article is None:
        raise Http404
    return article


@author_only
def index(request: HttpRequest) -> HttpResponse:
    articles = selectors.articles_of(author=request.author)
    return render(request, "studio/index.html", {"articles": articles, "State": PublicationState})


def _preview_mode(request: HttpRequest) -> str:
    mode = request.POST.get("preview_as") or request.GET.get("preview_as") or "anonymous"
    return mode if mode in PREVIEW_MODES else "anonymous"


def _topic_or_first(draft: Draft) -> Draft:
    if draft.topic is None:
        draft.topic = Topic.objects.order_by("slug").first()
    return draft


def _preview_context(request: HttpRequest, form: EditorForm | None, article: Article | None,
                     draft: Draft | None = None) -> dict:
    """What the preview panel shows for the form's text (what parsed of it, valid or not), or for `draft`."""
    if draft is None:
        if not hasattr(form, "cleaned_data"):
            form.is_valid()
        draft = form.draft()
    draft = _topic_or_first(draft)
    if draft.topic is None:
        return {}
    preview = selectors.preview_of(draft=draft, author=request.author, saved=article)
    problems = divider_errors(draft.body_markdown) if draft.visibility != "free" else []
    return {"preview": preview, "preview_as": _preview_mode(request), "preview_problems": problems,
            "anonymous_user": AnonymousUser()}


def _editor(request: HttpRequest, form: EditorForm, article: Article | None, *, status: int = 200,
            preview: bool = False, note: str = "", draft: Draft | None = None) -> HttpResponse:
    context = {"form": form, "article": article, "note": note, "preview_as": _preview_mode(request),
               "State": PublicationState,
               "cover_images": list(article.studio_images.order_by("id")) if article is not None else []}
    if preview or draft is not None:
        context.update(_preview_context(request, form, article, draft))
    return render(request, "studio/editor.html", context, status=status)


@reports_unstorable_text
@author_only
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _post_editor(request, None)
    return _editor(request, EditorForm(lang=get_language() or "en"), None)


@reports_unstorable_text
@author_only
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    if request.method == "POST":
        return _post_editor(request, article)
    head = selectors.head_of(article)
    note = ""
    if head is not None and not head.applied:
        # The newest text is not the article's yet (typed into a published article, or it broke a rule): the
        # editor opens with it, so closing a tab never loses what was typed.
        title, subtitle, body = head.title, head.subtitle, head.body_markdown
        note = gettext("This is your latest text, saved as you typed. It is not on the article yet: "
                       "press the save button below to put it there.")
    else:
        title, subtitle, body = article.title, article.subtitle, article.body_markdown
    form = EditorForm(initial=EditorForm.initial_for(article, title=title, subtitle=subtitle, body=body,
                                                     base=head.pk if head else None))
    # The preview of what the editor opens with, so the page shows it before anything is typed.
    draft = Draft(title=title, subtitle=subtitle, body_markdown=body, topic=article.topic, lang=article.lang,
                  visibility=article.visibility, price_minor=article.price_minor, currency=article.currency,
                  prices=article.prices)
    return _editor(request, form, article, note=note, draft=draft)


def _post_editor(request: HttpRequest, article: Article | None) -> HttpResponse:
    form = EditorForm(request.POST, lang=get_language() or "en")
    action = request.POST.get("action", "save")
    if action == "preview":  # the Preview button without JavaScript: nothing is saved
        return _editor(request, form, article, preview=True)
    if not form.is_valid():
        return _editor(request, form, article, status=422, preview=True)
    try:
        saved = services.save_draft(author=request.author, article=article, draft=form.draft(),
                                    base_revision_id=form.cleaned_data.get("base_revision"), user=request.user)
    except services.NotYours:
        raise Http404 from None
    if saved.conflict:
        messages.warning(request, gettext(
            "This article was saved in another tab or window after you opened it, so your text was not put over "
            "it. Both are kept: compare them and choose."))
        return redirect("studio:revision", pk=saved.article.pk, revision=saved.revision.pk)
    if saved.errors:
        data = request.POST.copy()
        if saved.revision is not None:
            data["base_revision"] = str(saved.revision.pk)  # the kept text is now the head
        form = EditorForm(data, lang=get_language() or "en")
        form.is_valid()
        for name, problems in saved.errors.items():
            for problem in problems:
                form.add_error(name if name in form.fields else None, problem)
        return _editor(request, form, saved.article, status=422, preview=True)
    if action == "publish":
        return redirect("studio:publish", pk=saved.article.pk)
    if action == "upload":  # the image button without JavaScript: saved first, then the image is added
        return upload_image.__wrapped__(request, saved.article.pk)
    messages.success(request, gettext("Saved."))
    return redirect("studio:edit", pk=saved.article.pk)


@reports_unstorable_text
@author_only
@require_POST
def autosave(request: HttpRequest, pk: int | None = None) -> JsonResponse:
    """Saves as the writer types, and when the page is left (navigator.sendBeacon): JSON for studio.js."""
    article = _article(request, pk) if pk is not None else None
    form = EditorForm(request.POST, lang=get_language() or "en")
    valid = form.is_valid()
    text_ok = not any(name in form.errors for name in ("title", "subtitle", "body_markdown", "base_revision"))
    if not text_ok or (not valid and article is None):
        return JsonResponse({"saved": False, "errors": form.errors.get_json_data()}, status=422)
    if valid:
        draft = form.draft()
    else:  # a half-typed price: keep the text, leave the settings as they are
        draft = Draft(title=form.cleaned_data.get("title", ""), subtitle=form.cleaned_data.get("subtitle", ""),
                      body_markdown=form.cleaned_data.get("body_markdown", ""), topic=article.topic, lang=article.lang)
    try:
        saved = services.save_draft(author=request.author, article=article, draft=draft,
                                    base_revision_id=form.cleaned_data.get("base_revision"),
                                    kind=RevisionKind.AUTOSAVE, user=request.user, apply=valid)
    except services.NotYours:
        raise Http404 from None
    if saved.article is None:
        return JsonResponse({"saved": False, "errors": saved.errors}, status=422)
    body = {
        "saved": True, "applied": saved.applied, "conflict": saved.conflict, "revision": saved.revision.pk,
        "errors": saved.errors, "edit_url": reverse("studio:edit", kwargs={"pk": saved.article.pk}),
        "autosave_url": reverse("studio:autosave", kwargs={"pk": saved.article.pk}),
        "saved_at": timezone.localtime().strftime("%H:%M"), "slug": saved.article.slug,
    }
    if saved.conflict:
        body["compare_url"] = reverse("studio:revision", kwargs={"pk": saved.article.pk,
                                                                  "revision": saved.revision.pk})
        body["message"] = gettext("This article was saved in another tab or window after you opened this one. "
                                  "What you type here is kept, but not put over it.")
    return JsonResponse(body, status=409 if saved.conflict else 200)


@reports_unstorable_text
@author_only
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The preview panel alone, for studio.js (the same template the no-JavaScript Preview button fills)."""
    pk = request.POST.get("article")
    article = _article(request, int(pk)) if pk and pk.isascii() and pk.isdigit() else None
    form = EditorForm(request.POST, lang=get_language() or "en")
    context = _preview_context(request, form, article)
    return HttpResponse(render_to_string("studio/preview.html", context, request))


@author_only
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation before readers see the article: now, or at a time."""
    article = _article(request, pk)
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        at = form.cleaned_data.get("publish_at") if request.POST.get("when") == "later" else None
        if request.POST.get("when") == "later" and (at is None or at <= timezone.now()):
            form.add_error("publish_at", gettext("Choose a time in the future, or publish now."))
        else:
            try:
                article = services.publish_article(author=request.author, article=article, at=at)
            except ValidationError as error:
                for problem in error.messages:
                    messages.error(request, problem)
                return redirect("studio:edit", pk=pk)
            if article.publication_state == PublicationState.SCHEDULED:
                messages.success(request, gettext("Scheduled. Readers will see it from the time you chose."))
            else:
                messages.success(request, gettext("Published. Readers can see it now."))
            return redirect("studio:edit", pk=pk)
    return render(request, "studio/publish.html", {"article": article, "form": form, "State": PublicationState},
                  status=422 if form.errors else 200)


@author_only
@require_http_methods(["GET", "POST"])
def unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    if request.method == "POST":
        services.unpublish_article(author=request.author, article=article)
        messages.success(request, gettext("Unpublished: it is a draft again, and only you can see it."))
        return redirect("studio:edit", pk=pk)
    return render(request, "studio/unpublish.html", {"article": article})


@author_only
def revisions(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    return render(request, "studio/revisions.html", {"article": article, "revisions": selectors.revisions_of(article),
                                                     "head": selectors.head_of(article)})


@author_only
@require_http_methods(["GET", "POST"])
def revision(request: HttpRequest, pk: int, revision: int) -> HttpResponse:
    """One revision compared with the newest text; POST restores it (as a new revision on top)."""
    article = _article(request, pk)
    chosen = selectors.revision_of(article, revision)
    if chosen is None:
        raise Http404
    head = selectors.head_of(article)
    if request.method == "POST":
        draft = Draft(title=chosen.title, subtitle=chosen.subtitle, body_markdown=chosen.body_markdown,
                      topic=article.topic, lang=article.lang, visibility=article.visibility,
                      price_minor=article.price_minor, currency=article.currency, prices=article.prices,
                      description=article.description, canonical_url=article.canonical_url, slug=article.slug)
        saved = services.save_draft(author=request.author, article=article, draft=draft,
                                    base_revision_id=head.pk if head else None, kind=RevisionKind.RESTORE,
                                    user=request.user, apply=article.publication_state == PublicationState.DRAFT)
        if saved.errors:
            messages.warning(request, gettext("Restored into the editor; it has problems to fix before it is saved."))
        else:
            messages.success(request, gettext("Restored. The text it replaced is kept as a revision too."))
        return redirect("studio:edit", pk=pk)
    current = head or chosen
    diff = selectors.line_diff(_as_text(chosen), _as_text(current)) if head and head.pk != chosen.pk else []
    return render(request, "studio/revision.html", {"article": article, "revision": chosen, "head": head,
                                                    "diff": diff})


def _as_text(revision) -> str:
    return "\n".join([revision.title, revision.subtitle, "", revision.body_markdown])


@author_only
@require_POST
def paste(request: HttpRequest) -> JsonResponse:
    """HTML the writer pasted (studio.js sends the clipboard's text/html) as clean Markdown."""
    return JsonResponse({"markdown": markdown_from_html(request.POST.get("html", ""))})


@author_only
@require_POST
def upload_image(request: HttpRequest, pk: int) -> HttpResponse:
    """An image for the article: JSON with its Markdown for studio.js; without JavaScript, the editor again
    with a message holding the line to put in the text."""
    article = _article(request, pk)
    upload = request.FILES.get("image")
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        if upload is None:
            raise ValidationError(gettext("Choose an image file first."))
        stored = images.add_image(article=article, upload=upload,
                                  alt=normalise_text(request.POST.get("image_alt", "")).strip())
    except (ValidationError, TextRefused) as error:
        message = error.messages[0] if isinstance(error, ValidationError) else error.message
        if wants_json:
            return JsonResponse({"error": message}, status=422)
        messages.error(request, message)
        return redirect("studio:edit", pk=pk)
    markdown = images.markdown_for(stored)
    if wants_json:
        return JsonResponse({"markdown": markdown})
    messages.success(request, gettext("Image uploaded. Put this line in the text where it belongs: %(line)s")
                     % {"line": markdown})
    return redirect("studio:edit", pk=pk)


@require_GET
def image(request: HttpRequest, key: str, width: int, file_format: str) -> HttpResponse:
    """An article's image, only for readers who may see the part of the article that shows it (see images.py)."""
    stored = StudioImage.objects.filter(key=key, file_format=file_format).first()
    if stored is None:
        raise Http404
    # The article's HTML offers every standard width (articles.text.STUDIO_IMAGE_WIDTHS): the nearest stored one.
    width = max([stored_width for stored_width in stored.widths if stored_width <= width] or [min(stored.widths)])
    allowed, public = images.may_fetch(request.user, stored, grant=grant_from_request(request))
    if not allowed:
        raise Http404  # the same answer as for no image at all: nothing says a paid image is there
    response = FileResponse(default_storage.open(stored.storage_name(width)), content_type=f"image/{file_format}")
    patch_vary_headers(response, ["Cookie"])
    if public:
        patch_cache_control(response, public=True, max_age=300, s_maxage=1)
    else:
        patch_cache_control(response, private=True, max_age=300)
    return response
