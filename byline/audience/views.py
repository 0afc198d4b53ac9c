"""Pages for following and e-mail subscriptions: follow, subscribe and confirm, unsubscribe in one click,
preferences, notifications, and the author's list of subscribers (with a CSV export)."""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from byline.articles.models import Author, Topic
from byline.audience import selectors, services, tokens
from byline.audience.forms import ImportForm, PreferencesForm, SubscribeForm
from byline.audience.models import ListKind, Notification, Subscriber
from byline.core.addresses import client_bucket
from byline.core.errors import Refused, too_many_requests
from byline.core.ratelimit import count_request
from byline.core.redirects import safe_next

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SUBSCRIBES_PER_HOUR = 30  # per client address: the e-mail form sends mail to whatever address it is given


def _target(kind: str, slug: str | None) -> tuple[Author | None, Topic | None, str]:
    """The list named in the address, and a name to show for it."""
    if kind == ListKind.AUTHOR:
        author = get_object_or_404(Author, slug=slug)
        return author, None, author.name
    if kind == ListKind.TOPIC:
        topic = get_object_or_404(Topic, slug=slug)
        return None, topic, topic.name
    return None, None, settings.SITE_NAME


@require_POST
def follow(request: HttpRequest, kind: str, slug: str | None = None) -> HttpResponse:
    author, topic, name = _target(kind, slug)
    if not request.user.is_authenticated:
        # Signed out (a session that ended): the subscription page offers both ways in.
        subscribe_url = request.path.replace("/follow/", "/subscribe/", 1)
        back = safe_next(request)
        if back:
            subscribe_url += f"?{urlencode({'next': back})}"
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': subscribe_url})}")
    if request.POST.get("action") == "unfollow":
        services.unfollow(user=request.user, kind=kind, author=author, topic=topic)
        messages.success(request, _("You no longer follow %(name)s.") % {"name": name})
    else:
        subscription = services.follow(user=request.user, kind=kind, author=author, topic=topic,
                                       request_language=translation.get_language())
        subscriber = subscription.subscriber
        if subscriber.email and subscriber.confirmed_at is None:
            messages.success(request, _("You follow %(name)s. New articles appear under Notifications; to get them "
                                        "by e-mail too, confirm your address with the message we sent.")
                             % {"name": name})
        else:
            messages.success(request, _("You follow %(name)s.") % {"name": name})
    fallback = author.get_absolute_url() if author else (topic.get_absolute_url() if topic else "/")
    return redirect(safe_next(request, fallback))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request: HttpRequest, kind: str, slug: str | None = None) -> HttpResponse:
    author, topic, name = _target(kind, slug)
    form = SubscribeForm(request.POST or None)
    if request.method == "POST":
        wait = count_request("audience-subscribe", f"ip:{client_bucket(request)}", limit=SUBSCRIBES_PER_HOUR,
                             window=3600)
        if wait:
            return too_many_requests(request, retry_after_s=wait)
    if request.method == "POST" and form.is_valid():
        services.subscribe_by_email(email=form.cleaned_data["email"], kind=kind, author=author, topic=topic,
                                    language=translation.get_language())
        return redirect("audience:subscribe_sent")
    following = False
    if request.user.is_authenticated:
        key = f"author:{author.pk}" if author else (f"topic:{topic.pk}" if topic else "site")
        following = key in selectors.followed_lists(request.user)
    follow_url = request.path.replace("/subscribe/", "/follow/", 1)
    return render(request, "audience/subscribe.html", {"form": form, "name": name, "following": following,
                                                       "follow_url": follow_url, "back": safe_next(request)},
                  status=400 if form.errors else 200)


@require_GET
def subscribe_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "audience/subscribe_sent.html")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """A link in the confirmation message. GET asks (link scanners in mail systems open every link, and must
    not subscribe anyone); the button's POST confirms."""
    subscriber_id = tokens.read(token, tokens.CONFIRM_SALT)
    if subscriber_id is None:
        return render(request, "audience/link_invalid.html", status=404)
    if request.method == "POST":
        subscriber = services.confirm(subscriber_id=subscriber_id)
        if subscriber is None:
            return render(request, "audience/link_invalid.html", status=404)
        return render(request, "audience/confirmed.html", {
            "preferences_token": tokens.make(subscriber.pk, tokens.PREFERENCES_SALT)})
    return render(request, "audience/confirm.html", {"token": token})


@csrf_exempt  # RFC 8058: mail systems POST "List-Unsubscribe=One-Click" with no token; the link is the secret
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    subscriber_id = tokens.read(token, tokens.UNSUBSCRIBE_SALT)
    if subscriber_id is None:
        return render(request, "audience/link_invalid.html", status=404)
    if request.method == "POST":
        subscriber = services.unsubscribe(subscriber_id=subscriber_id)
        if subscriber is None:
            return render(request, "audience/link_invalid.html", status=404)
        return render(request, "audience/unsubscribed.html", {
            "preferences_token": tokens.make(subscriber.pk, tokens.PREFERENCES_SALT)})
    return render(request, "audience/unsubscribe.html", {"token": token})


@never_cache
@require_http_methods(["GET", "HEAD"])
def click(request: HttpRequest, recipient: str, link: str) -> HttpResponse:
    """A link in a newsletter: counted, then on to where the e-mail pointed. Both halves are signed
    (`newsletter.track_links`); a made-up or altered one shows the "link not valid" page and redirects
    nowhere, so this is never an open redirect."""
    from django.core import signing
    from django.http import HttpResponseRedirect

    delivery_id = tokens.read(recipient, tokens.CLICK_RECIPIENT_SALT)
    try:
        target = tokens.signer(tokens.CLICK_LINK_SALT).unsign_object(link)
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        target = None
    url = target.get("u") if isinstance(target, dict) else None
    newsletter_id = target.get("n") if isinstance(target, dict) else None
    if (delivery_id is None or not isinstance(url, str) or not isinstance(newsletter_id, int)
            or not url.startswith(("https://", "http://"))):
        return render(request, "audience/link_invalid.html", status=404)
    if request.method == "GET":
        services.record_click(delivery_id=delivery_id, newsletter_id=newsletter_id, url=url)
    response = HttpResponseRedirect(url)
    response["Referrer-Policy"] = "no-referrer"  # the counting address names the recipient
    return response


def _list_choices(subscriber: Subscriber) -> list[tuple[str, str]]:
    return [(s.list_key, services.list_name(s)) for s in subscriber.subscriptions.select_related("author", "topic")]


def _preferences(request: HttpRequest, subscriber: Subscriber, action: str) -> HttpResponse:
    choices = _list_choices(subscriber)
    initial = {"receive": subscriber.stopped_at is None, "frequency": subscriber.frequency,
               "language": subscriber.language, "mail_format": subscriber.mail_format,
               "lists": [key for key, _name in choices]}
    if request.method == "POST" and request.POST.get("reconfirm") and subscriber.email and subscriber.suppressed_at:
        # A suppressed address starts again only through a new confirmation, answered at that address.
        services.send_confirmation(subscriber=subscriber, what=settings.SITE_NAME)
        messages.success(request, _("We sent a confirmation to %(email)s. Open its link to receive e-mail again.")
                         % {"email": subscriber.email})
        return redirect(request.path)
    form = PreferencesForm(request.POST or None, initial=initial, list_choices=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.save_preferences(subscriber=subscriber, frequency=data["frequency"], language=data["language"],
                                  mail_format=data["mail_format"], keep_lists=data.get("lists", []),
                                  receive=data["receive"])
        messages.success(request, _("Your choices are saved."))
        return redirect(request.path)
    return render(request, "audience/preferences.html", {
        "form": form, "subscriber": subscriber, "action": action}, status=400 if form.errors else 200)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    return _preferences(request, services.subscriber_of_user(request.user), request.path)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def preferences_by_link(request: HttpRequest, token: str) -> HttpResponse:
    subscriber_id = tokens.read(token, tokens.PREFERENCES_SALT)
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first() if subscriber_id else None
    if subscriber is None:
        return render(request, "audience/link_invalid.html", status=404)
    return _preferences(request, subscriber, request.path)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.mark_read(user=request.user)
        return redirect("audience:notifications")
    return render(request, "audience/notifications.html", {
        "notifications": selectors.notifications_for(request.user),
        "unread": selectors.unread_count(request.user)})


@never_cache
@login_required
@require_GET
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """A note's link on the bell page: marks that note read (opening it is reading it), then goes where it points,
    the comment under its article or the article. The target comes from the note, never from the request."""
    note = get_object_or_404(Notification.objects.select_related("article").defer(
        "article__body_markdown", "article__locked_html", "article__preview_html"),
        pk=pk, user_id=request.user.pk, article__isnull=False)
    services.mark_read(user=request.user, notification_ids=[note.pk])
    anchor = f"#comment-{note.comment_id}" if note.comment_id else ""
    return redirect(note.article.get_absolute_url() + anchor)


def _author_of(request: HttpRequest) -> Author:
    author = Author.objects.filter(user_id=request.user.pk).first()
    if author is None:
        raise Refused(_("This page lists an author's subscribers. Your account has no author profile."))
    return author


def _list_of(request: HttpRequest) -> tuple[str, Author | None]:
    """Whose list the page shows: the signed-in author's, or, for staff (`?list=site`, or staff without an author
    profile), the whole publication's."""
    wants_site = (request.GET.get("list") or request.POST.get("list")) == ListKind.SITE
    if request.user.is_staff and (wants_site or not Author.objects.filter(user_id=request.user.pk).exists()):
        return ListKind.SITE, None
    if wants_site:
        raise Refused(_("Only the site's staff can see the whole publication's list."))
    return ListKind.AUTHOR, _author_of(request)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def subscribers(request: HttpRequest) -> HttpResponse:
    kind, author = _list_of(request)
    site = kind == ListKind.SITE
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        counts = services.import_subscribers(author=author, kind=kind, rows=form.cleaned_data["file"],
                                             language=translation.get_language())
        messages.success(request, _("Import done: %(added)s added, %(present)s already on your list, %(invalid)s "
                                    "lines were not e-mail addresses.") % counts)
        return redirect(reverse("audience:subscribers") + ("?list=site" if site else ""))
    members = selectors.list_members(kind=kind, author=author)
    return render(request, "audience/subscribers.html", {
        "author": author, "site_list": site, "members": list(members[:500]), "total": members.count(),
        "figures": [] if site else selectors.newsletter_figures(author=author),
        "attribution_days": settings.NEWSLETTER_ATTRIBUTION_DAYS,
        "recent": [] if site else selectors.recent_articles_of(author=author), "import_form": form},
        status=400 if form.errors else 200)


def _cell(value: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


@login_required
@require_GET
def subscribers_csv(request: HttpRequest) -> HttpResponse:
    kind, author = _list_of(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = author.slug if author else "publication"
    response["Content-Disposition"] = f'attachment; filename="subscribers-{name}-{timezone.now():%Y%m%d}.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow(["email", "account", "consent", "subscribed_at", "list_confirmed_at", "address_confirmed_at",
                     "receives_email", "language", "frequency", "format"])
    for member in selectors.iter_list_members(kind=kind, author=author):
        subscriber = member.subscriber
        writer.writerow([
            _cell(subscriber.email or ""), _cell(subscriber.user.get_username() if subscriber.user else ""),
            member.consent, member.created_at.isoformat(),
            member.confirmed_at.isoformat() if member.confirmed_at else "",
            subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else "",
            "yes" if subscriber.receives_mail else "no", subscriber.language, subscriber.frequency,
            subscriber.mail_format])
    return response


def _own_article(request: HttpRequest, slug: str):
    """An article the signed-in author (or staff who may read everything) may preview: the page's own
    decision says whether they may read its locked part, so the full copy is never shown to anyone else."""
    from byline.access.decision import decide
    from byline.articles.models import Article

    article = get_object_or_404(Article.objects.select_related("author", "topic"), slug=slug)
    access = decide(request.user, article)
    if not access.allowed or access.reason not in ("author", "staff"):
        raise Refused(_("Only the article's author can preview its newsletter."))
    return article


@never_cache
@login_required
@require_GET
def newsletter_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The HTML e-mail as a buyer (full) or as a reader without access (preview) would get it, in the
    page's language. Served sandboxed: no scripts, nothing of this site's origin."""
    from byline.audience.newsletter import FULL, PREVIEW, CopyKey, Markers, render_copy
    from byline.pricing.selectors import currency_of

    article = _own_article(request, slug)
    language = translation.get_language()
    copy_name = FULL if request.GET.get("copy") == FULL else PREVIEW
    currency = "" if copy_name == FULL else currency_of(None, language)
    markers = Markers.fresh()
    copy = render_copy(article, CopyKey(copy_name, language, "html", currency), markers)
    html = copy.html.replace(markers.unsubscribe, "#").replace(markers.preferences, "#")
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = ("sandbox; default-src 'none'; img-src * data:; style-src 'unsafe-inline'; "
                                               "frame-ancestors 'none'")
    return response


@login_required
@require_POST
def newsletter_test(request: HttpRequest, slug: str) -> HttpResponse:
    """Both copies of the newsletter to the author's own address, marked as a test."""
    article = _own_article(request, slug)
    if not request.user.email:
        messages.error(request, _("Your account has no e-mail address to send a test to."))
    else:
        services.send_test_newsletter(article=article, to=request.user.email, language=translation.get_language())
        messages.success(request, _("Two test e-mails (as a buyer and as a reader without access) went to %(email)s.")
                         % {"email": request.user.email})
    return redirect("audience:subscribers")


@login_required
@require_POST
def newsletter_email_only(request: HttpRequest, slug: str) -> HttpResponse:
    """Send a free draft to the author's list by e-mail only; it stays off the site. The box must be ticked:
    one click on the wrong line must not mail a whole list."""
    article = _own_article(request, slug)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that the article goes to your whole list."))
    else:
        try:
            newsletter = services.send_email_only(article=article, user=request.user)
        except services.EmailOnlyRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, ngettext(
                "“%(title)s” is going out by e-mail to %(n)s reader. It stays off the site.",
                "“%(title)s” is going out by e-mail to %(n)s readers. It stays off the site.",
                newsletter.recipients) % {"title": article.title, "n": newsletter.recipients})
    return redirect("audience:subscribers")
