"""Sharing pages: the share redirect, gift pages, the giver's gift links, referral counts, share images."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from byline.access.decision import decide
from byline.articles.models import Article, Author
from byline.articles.presentation import article_page_context
from byline.recommend import selectors as recommend_selectors
from byline.sharing import grants, images, selectors, services
from byline.sharing.bots import is_automated, is_prefetch
from byline.sharing.models import Channel, GiftLink, GiftStatus

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,43}$")


class _ShareRedirect(HttpResponseRedirect):
    allowed_schemes = ["http", "https", "mailto"]


def _live_article(slug: str) -> Article:
    article = Article.objects.select_related("author", "topic").defer("locked_html").filter(slug=slug).first()
    if article is None or not article.is_live:
        raise Http404
    return article


@require_GET
def share_to(request: HttpRequest, slug: str, channel: str) -> HttpResponse:
    """Count a share, then send the reader to the network's share page (works without JavaScript).

    `?beacon=1` (the copy and system-share buttons) counts and answers 204 instead.
    """
    if channel not in Channel.values or channel == Channel.GIFT:
        raise Http404
    article = _live_article(slug)
    if not is_automated(request):
        services.record_share(article=article, channel=channel, sharer=request.user)
    if request.GET.get("beacon") == "1" or channel in (Channel.LINK, Channel.NATIVE, Channel.WECHAT):
        if request.GET.get("beacon") == "1":
            response = HttpResponse(status=204)
        else:
            response = redirect(article.get_absolute_url())
    else:
        code = services.referral_codes_for(sharer=request.user)[channel]
        url = selectors.with_referral(request.build_absolute_uri(article.get_absolute_url()), code)
        response = _ShareRedirect(selectors.network_share_url(channel, url=url, title=article.title))
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    patch_cache_control(response, private=True, no_store=True)
    return response


GIFT_MESSAGES = {
    GiftStatus.ENDED: lambda: _("This gift has ended: the purchase it came from was returned, so the article "
                                "is no longer given through it."),
    GiftStatus.REVOKED: lambda: _("The person who sent this gift link has withdrawn it."),
    GiftStatus.EXPIRED: lambda: _("This gift link has expired."),
    GiftStatus.USED_UP: lambda: _("This gift link has already been used by as many readers as it allows."),
    GiftStatus.REMOVED: lambda: _("The article this gift link was for is no longer available."),
    "bot": lambda: _("Open this link in a browser to read the gift."),
}
ACCEPT_KEY_SALT = "byline.sharing.gift-accept"


def _gift_headers(response: HttpResponse) -> HttpResponse:
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    # The address holds the gift's token: never sent to another site. Same-origin, not no-referrer: under
    # no-referrer a browser sends "Origin: null" with the page's own form, which CSRF checking refuses.
    response.headers["Referrer-Policy"] = "same-origin"
    patch_cache_control(response, private=True, no_store=True)
    return response


def _no_such_gift(request: HttpRequest, message: str) -> HttpResponse:
    return _gift_headers(render(request, "sharing/gift_invalid.html", {"message": message}, status=404))


@require_http_methods(["GET", "HEAD", "POST"])
def gift_page(request: HttpRequest, token: str) -> HttpResponse:
    """A gift link. Looking at it (GET) never takes one of its uses: it shows "NAME gave you this article"
    with the full text for someone who holds the gift, a button to open it for someone who may, or the
    preview and why not. Only the button (a POST) takes a use, once per person."""
    if not TOKEN_RE.match(token):
        return _no_such_gift(request, _("This gift link is incomplete or mistyped. Check that you copied all of it."))
    if request.method == "POST":
        return _open_gift(request, token)
    if is_prefetch(request):
        # Not a 2xx, so the browser never shows this answer: it asks again if the person opens the link.
        return _gift_headers(HttpResponse(_("Gift links open only when someone opens them."), status=403,
                                          content_type="text/plain; charset=utf-8"))
    automated = is_automated(request)
    browser_key = grants.browser_key_from(request)
    if automated:
        gift = services.gift_by_token(token)
        outcome = services.Redemption(gift, "bot") if gift else None
    else:
        outcome = services.look_at_gift_link(token=token, recipient=request.user, browser_key=browser_key)
    if outcome is None:
        return _no_such_gift(request, _("There is no gift link at this address. Check that you copied all of it."))
    gift = outcome.gift
    article = gift.article
    if outcome.status == GiftStatus.REMOVED:
        return _gift_headers(render(request, "sharing/gift_invalid.html",
                                    {"message": GIFT_MESSAGES[GiftStatus.REMOVED]()}, status=410))
    grant = grants.GiftGrant(grants.hash_browser_key(browser_key)) if browser_key and not automated else None
    access = decide(None if automated else request.user, article, grant=grant)
    offered = outcome.status == services.OFFERED and not access.allowed
    problem = None if access.allowed or offered else GIFT_MESSAGES.get(outcome.status, GIFT_MESSAGES["bot"])()
    context = {
        **article_page_context(article, access, request),
        "related": recommend_selectors.related_for_page(article=article, reader=request.user),
        "gift": gift,
        "giver_name": gift.giver.get_full_name() or gift.giver.get_username(),
        "gift_problem": problem,
        "gift_offered": offered,
        # A signed-out browser's key to be, in the form: a double click or a second tab sends the same one,
        # so this browser takes one use however often the button is pressed (see _open_gift). A signed-in
        # reader needs none: one use per reader is a unique constraint.
        "accept_key": signing.dumps(grants.new_browser_key(), salt=ACCEPT_KEY_SALT)
        if offered and browser_key is None and not request.user.is_authenticated else "",
        "share_image_variant": "gift",
    }
    return _gift_headers(render(request, "sharing/gift_page.html", context))


def _open_gift(request: HttpRequest, token: str) -> HttpResponse:
    """The gift page's button: take a use for this person (a signed-in reader, or this browser), then show
    the gift page again (post, redirect, get: Back and reload never send the button again)."""
    back = reverse("sharing:gift", kwargs={"token": token})
    if is_automated(request):
        return redirect(back)
    browser_key = grants.browser_key_from(request)
    if browser_key is None and not request.user.is_authenticated:
        browser_key = _accept_key(request)
    outcome = services.redeem_gift_link(token=token, recipient=request.user, browser_key=browser_key,
                                        new_browser_key=grants.new_browser_key())
    if outcome is None:
        return _no_such_gift(request, _("There is no gift link at this address. Check that you copied all of it."))
    response = redirect(back)
    response.status_code = 303
    if outcome.browser_key:
        seconds = int((outcome.gift.expires_at - timezone.now()).total_seconds())
        grants.store_browser_key(response, outcome.browser_key, max_age=seconds)
    return _gift_headers(response)


def _accept_key(request: HttpRequest) -> str | None:
    try:
        return signing.loads(request.POST.get("accept_key", ""), salt=ACCEPT_KEY_SALT)
    except signing.BadSignature:
        return None


def _gift_form_error(request: HttpRequest, article: Article | None, error: ValidationError) -> HttpResponse:
    status = {"quota": 429, "no_access": 403, "not_available": 404, "free": 400}.get(error.code, 400)
    return render(request, "sharing/gift_error.html", {"article": article, "message": error.messages[0]},
                  status=status)


@login_required
@require_POST
def create_gift(request: HttpRequest, slug: str) -> HttpResponse:
    article = Article.objects.select_related("author", "topic").defer("locked_html").filter(slug=slug).first()
    if article is None:
        return _gift_form_error(request, None, ValidationError(
            _("There is no article at this address, so it cannot be given."), code="not_available"))
    try:
        gift = services.create_gift_link(giver=request.user, article=article)
    except ValidationError as error:
        return _gift_form_error(request, article if article.is_live else None, error)
    messages.success(request, _("Your gift link is ready: copy it and send it to up to %(n)d people.")
                     % {"n": gift.max_redemptions})
    return redirect("sharing:gift_detail", pk=gift.pk)


def _gift_url(request: HttpRequest, gift) -> str:
    return request.build_absolute_uri(reverse("sharing:gift", kwargs={"token": gift.token}))


@login_required
@require_GET
def my_gifts(request: HttpRequest) -> HttpResponse:
    rows = [(g, g.status(), _gift_url(request, g)) for g in selectors.gift_links_of(giver=request.user)]
    return render(request, "sharing/my_gifts.html", {
        "rows": rows, "gifts_left": services.gifts_left_this_month(giver=request.user)})


@login_required
@require_GET
def gift_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the reader's gift links, to pass on: the link to copy and its QR code."""
    gift = get_object_or_404(GiftLink.objects.select_related("article"), pk=pk, giver_id=request.user.pk)
    url = _gift_url(request, gift)
    status = gift.status()
    label = _("QR code of the gift link for %(title)s") % {"title": gift.article.title} if gift.article else ""
    response = render(request, "sharing/gift_detail.html", {
        "gift": gift, "status": status, "url": url,
        "qr": selectors.gift_qr_svg(url, label=label) if status == GiftStatus.ACTIVE else "",
        "gifts_left": services.gifts_left_this_month(giver=request.user),
    })
    return _gift_headers(response)


@login_required
@require_http_methods(["GET", "POST"])
def revoke_gift(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a gift link: a page that says what withdrawing does (GET, or a POST without `confirmed`),
    then the withdrawal (POST with confirmed=yes) and a message on the list of links."""
    gift = get_object_or_404(GiftLink.objects.select_related("article"), pk=pk, giver_id=request.user.pk)
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        try:
            services.revoke_gift_link(giver=request.user, gift_id=pk)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("The gift link is withdrawn: nobody new can open it."))
        return redirect("sharing:gifts")
    return _gift_headers(render(request, "sharing/revoke_gift.html", {"gift": gift, "status": gift.status()}))


@login_required
@require_GET
def referrals(request: HttpRequest) -> HttpResponse:
    author = Author.objects.filter(user=request.user).first()
    if author is None:
        return render(request, "sharing/referrals.html", {"author": None, "rows": []}, status=403)
    return render(request, "sharing/referrals.html", {"author": author,
                                                      "rows": selectors.referral_counts(author=author)})


@require_GET
def share_image(request: HttpRequest, slug: str, variant: str, version: int) -> HttpResponse:
    """The article's share card PNG (drawn from the title, author and site name only)."""
    if variant not in images.VARIANTS:
        raise Http404
    article = _live_article(slug)
    response = FileResponse(open(images.share_image(article, variant), "rb"), content_type="image/png")
    patch_cache_control(response, public=True, max_age=86400)
    return response
