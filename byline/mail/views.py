"""Staff pages for the demo's mail folder: every message the site sent, as a reader would get it."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from byline.mail.backends import mail_dir

NAME = re.compile(r"^\d{8}T\d{12}-[0-9a-f]{8}\.eml$")
LISTED = 200


def _messages() -> list[Path]:
    folder = mail_dir()
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if NAME.match(p.name)), reverse=True)[:LISTED]


def _read(name: str) -> email.message.EmailMessage:
    if not NAME.match(name):
        raise Http404
    path = mail_dir() / name
    if not path.is_file():
        raise Http404
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


@never_cache
@staff_member_required
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    rows = []
    for path in _messages():
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        rows.append({"name": path.name, "subject": message["Subject"], "to": message["To"], "date": message["Date"]})
    return render(request, "mail/outbox.html", {"rows": rows, "folder": mail_dir()})


@never_cache
@staff_member_required
@require_GET
def show(request: HttpRequest, name: str) -> HttpResponse:
    message = _read(name)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    headers = [(key, str(value)) for key, value in message.items()]
    return render(request, "mail/message.html", {
        "name": name, "headers": headers, "subject": message["Subject"],
        "text": text.get_content() if text is not None else "", "has_html": html is not None})


@xframe_options_sameorigin
@never_cache
@staff_member_required
@require_GET
def show_html(request: HttpRequest, name: str) -> HttpResponse:
    """The HTML part alone, sandboxed: no scripts, no forms, nothing of this site's origin."""
    html = _read(name).get_body(preferencelist=("html",))
    if html is None:
        raise Http404
    response = HttpResponse(html.get_content(), content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = ("sandbox; default-src 'none'; img-src * data:; style-src 'unsafe-inline'; "
                                               "frame-ancestors 'self'")
    return response
