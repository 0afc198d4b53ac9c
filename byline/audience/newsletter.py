"""A newsletter's copies: rendered once per (copy, language, format, currency), personalised by substitution.

Which copy a recipient gets is `byline.access.decision.decide(reader, article)`, the page's own decision:
"full" (the locked part too) only when it allows; otherwise "preview": the free part, the paywall box in
the page's words and a button to the confirmation page (a page, never a purchase made by a click).
An address without an account is decided as an anonymous reader.

Rendering a template per recipient would cost more than sending; instead each copy is rendered once with
random markers where the personal parts go (the unsubscribe and preference links), and each recipient's
message is that text with the markers replaced. The markers are made fresh for every send, so no text in
an article can forge one.
"""

from __future__ import annotations

import html as html_lib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from byline.access.decision import Access, decide, decide_many
from byline.articles.models import Article
from byline.audience import tokens
from byline.audience.models import MailFormat, Subscriber
from byline.mail.compose import inline_css
from byline.pricing.selectors import article_price, currency_of

FULL, PREVIEW = "full", "preview"
_RELATIVE_LINK = re.compile(r'(\s(?:src|href)=")/(?!/)')
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|pre|tr|div|figure|figcaption)>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def absolute_links(fragment: str) -> str:
    """Site-relative `src` and `href` made absolute: a mail reader has no page address to resolve them by."""
    return _RELATIVE_LINK.sub(lambda m: f"{m.group(1)}{settings.SITE_URL}/", fragment)


def html_to_plain(fragment: str) -> str:
    """Sanitised article HTML as plain text with its paragraphs kept, for the text part."""
    text = _BLOCK_END.sub("\n\n", fragment)
    text = html_lib.unescape(_TAG.sub("", text))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def site_url(path: str) -> str:
    return settings.SITE_URL + path


def reader_of(subscriber: Subscriber) -> Any:
    """Whom the access decision is asked about: the account behind the address, else nobody (anonymous)."""
    user = subscriber.user
    return user if user is not None and user.is_active else None


@dataclass(frozen=True)
class CopyKey:
    copy: str  # FULL or PREVIEW
    language: str
    mail_format: str
    currency: str  # the price shown in the paywall box ("" for the full copy)


@dataclass(frozen=True)
class Copy:
    subject: str
    text: str
    html: str | None


@dataclass
class Markers:
    unsubscribe: str
    preferences: str
    to: str
    message_id: str
    recipient: str  # the recipient's part of each counted link (`track_links`)

    @classmethod
    def fresh(cls) -> Markers:
        salt = secrets.token_hex(8)
        return cls(unsubscribe=f"BYLINE-UNSUBSCRIBE-{salt}", preferences=f"BYLINE-PREFERENCES-{salt}",
                   to=f"to-{salt}@byline.invalid", message_id=f"<id-{salt}@byline.invalid>",
                   recipient=f"BYLINE-RECIPIENT-{salt}")


def copy_key(subscriber: Subscriber, access: Access) -> CopyKey:
    language = subscriber.language if subscriber.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    if access.allowed:
        return CopyKey(FULL, language, subscriber.mail_format, "")
    return CopyKey(PREVIEW, language, subscriber.mail_format, currency_of(reader_of(subscriber), language))


def render_copy(article: Article, key: CopyKey, markers: Markers, *, email_only: bool = False) -> Copy:
    """One copy of the newsletter for every recipient with this key. `article` must carry `locked_html`;
    it reaches the copy only when `key.copy` is FULL, which only `decide` chose."""
    with translation.override(key.language):
        context = {
            "article": article,
            "article_url": site_url(article.get_absolute_url()),
            "author_name": article.author.name,
            "preview_html": absolute_links(article.preview_html),
            "preview_text": html_to_plain(article.preview_html),
            "full": key.copy == FULL,
            "locked_html": absolute_links(article.locked_html) if key.copy == FULL else "",
            "locked_text": html_to_plain(article.locked_html) if key.copy == FULL else "",
            "price": article_price(article, key.currency) if key.currency else 0,
            "currency": key.currency,
            "unlock_url": site_url(reverse("purchases:unlock", args=[article.slug])),
            "membership_url": site_url(reverse("purchases:membership")),
            "unsubscribe_url": markers.unsubscribe,
            "preferences_url": markers.preferences,
            "site_url": settings.SITE_URL,
            "SITE_NAME": settings.SITE_NAME,
            "LANGUAGE_CODE": key.language,
            # An e-mail-only post (free, never on the site): no link to a page, no paywall box.
            "email_only": email_only,
        }
        subject = f"{article.title} · {article.author.name}"
        text = render_to_string("audience/email/newsletter.txt", context)
        html = None
        if key.mail_format == MailFormat.HTML:
            html = inline_css(render_to_string("audience/email/newsletter.html", context))
    return Copy(subject=subject, text=text, html=html)


_HREF = re.compile(r'href="(https?://[^"]+)"')
_TEXT_URL = re.compile(r'https?://[^\s<>"]+')


def track_links(copy: Copy, *, newsletter_id: int, language: str, markers: Markers) -> Copy:
    """The copy with every web link (both parts) sent through the site's counting redirect:
    `/c/<recipient>/<link>/`. The link part is the address itself, signed once per copy with the newsletter's
    id (tokens.CLICK_LINK_SALT), so the redirect goes only where this site put a link; the recipient part
    is the outbox row's id, signed once per recipient and put in place of `markers.recipient` with the
    other personal parts. A changed or made-up link fails its signature and redirects nowhere."""
    signer = tokens.signer(tokens.CLICK_LINK_SALT)
    with translation.override(language):
        before, middle, after = site_url(reverse("audience:click", args=["RECIPIENT", "LINK"])).replace(
            "RECIPIENT", "\0").replace("LINK", "\0").split("\0")
    made: dict[str, str] = {}

    def tracked(url: str) -> str:
        if url not in made:
            token = signer.sign_object({"n": newsletter_id, "u": url}, compress=True)
            made[url] = f"{before}{markers.recipient}{middle}{token}{after}"
        return made[url]

    text = _TEXT_URL.sub(lambda m: tracked(m.group(0)), copy.text)
    html = None
    if copy.html is not None:
        html = _HREF.sub(lambda m: f'href="{tracked(html_lib.unescape(m.group(1)))}"', copy.html)
    return Copy(subject=copy.subject, text=text, html=html)


@dataclass(frozen=True)
class Personal:
    unsubscribe_url: str
    preferences_url: str
    recipient: str = ""  # the recipient's signed part of counted links (a newsletter's copy only)


def personal_links(subscriber: Subscriber) -> Personal:
    return LinkMaker(subscriber.language).links(subscriber.pk)


class LinkMaker:
    """A recipient's signed links, made by signing their id (as `tokens.make` does) and putting the token
    into an address reversed once per language: `reverse` and `translation.override` cost more per
    recipient than the signing."""

    def __init__(self, language: str):
        stand_in = "BYLINE-TOKEN"
        with translation.override(language):
            self.unsubscribe = site_url(reverse("audience:unsubscribe", args=[stand_in])).split(stand_in)
            self.preferences = site_url(reverse("audience:preferences_by_link", args=[stand_in])).split(stand_in)
        self.unsubscribe_signer = tokens.signer(tokens.UNSUBSCRIBE_SALT)
        self.preferences_signer = tokens.signer(tokens.PREFERENCES_SALT)

        self.recipient_signer = tokens.signer(tokens.CLICK_RECIPIENT_SALT)

    def links(self, subscriber_id: int, delivery_id: int | None = None) -> Personal:
        return Personal(self.unsubscribe_signer.sign(str(subscriber_id)).join(self.unsubscribe),
                        self.preferences_signer.sign(str(subscriber_id)).join(self.preferences),
                        self.recipient_signer.sign(str(delivery_id)) if delivery_id is not None else "")


def personalise(copy: Copy, markers: Markers, links: Personal) -> Copy:
    def fill(text: str) -> str:
        return text.replace(markers.unsubscribe, links.unsubscribe_url).replace(
            markers.preferences, links.preferences_url).replace(markers.recipient, links.recipient)

    return Copy(subject=copy.subject, text=fill(copy.text), html=fill(copy.html) if copy.html is not None else None)


def list_headers(links: Personal) -> dict[str, str]:
    """RFC 2369 and RFC 8058: mail readers show their own "Unsubscribe" and POST to the link in one click."""
    return {
        "List-Unsubscribe": f"<{links.unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"{settings.SITE_NAME} <newsletter.{settings.SITE_URL.split('//')[-1].split('/')[0].split(':')[0]}>",
        "Precedence": "bulk",
    }


def prepared_bytes(copy: Copy, markers: Markers) -> bytes | None:
    """The whole message of a copy as the SMTP server will receive it, with markers for the recipient's address,
    links and Message-ID, so each recipient's message is four byte replacements instead of a MIME build (which
    costs more than sending). None when the markers would not survive verbatim (a part encoded in
    quoted-printable or base64 because of a very long line): the caller then builds each message."""
    from byline.mail.compose import build_message

    message = build_message(subject=copy.subject, text=copy.text, html=copy.html, to=markers.to,
                            headers={**list_headers(Personal(markers.unsubscribe, markers.preferences)),
                                     "Message-ID": markers.message_id})
    data = message.message().as_bytes(linesep="\r\n")
    if b"quoted-printable" in data or b"Transfer-Encoding: base64" in data:
        return None
    expected_links = 2 if copy.html is None else 3  # the header, the text part, the HTML part
    if (data.count(markers.to.encode()) != 1 or data.count(markers.message_id.encode()) != 1
            or data.count(markers.unsubscribe.encode()) != expected_links):
        return None
    return data


def fill_bytes(data: bytes, markers: Markers, *, to: str, links: Personal) -> bytes:
    from email.utils import make_msgid

    return (data.replace(markers.to.encode(), to.encode())
            .replace(markers.message_id.encode(), make_msgid(domain="byline.local").encode())
            .replace(markers.unsubscribe.encode(), links.unsubscribe_url.encode())
            .replace(markers.preferences.encode(), links.preferences_url.encode())
            .replace(markers.recipient.encode(), links.recipient.encode()))


class CopyBook:
    """The copies of one send, each rendered the first time a recipient needs it."""

    def __init__(self, article: Article, newsletter_id: int | None = None, *, email_only: bool = False):
        self.article = article
        self.email_only = email_only
        self.newsletter_id = newsletter_id  # links are counted (`track_links`) in a newsletter's copies
        self.markers = Markers.fresh()
        self.copies: dict[CopyKey, Copy] = {}
        self.prepared: dict[CopyKey, bytes | None] = {}
        self.accesses: dict[int, Access] = {}  # by user id, from `decide_batch`
        self.anonymous: Access | None = None
        self.link_makers: dict[str, LinkMaker] = {}

    def links_of(self, subscriber: Subscriber, delivery_id: int | None) -> Personal:
        maker = self.link_makers.get(subscriber.language)
        if maker is None:
            maker = self.link_makers[subscriber.language] = LinkMaker(subscriber.language)
        return maker.links(subscriber.pk, delivery_id)

    def decide_batch(self, subscribers: list[Subscriber]) -> None:
        """The access decision for a whole batch at once (`decide_many`: one entitlement query), so
        `key_for` asks nothing per recipient. The same decision as `decide`, asked of the same rows."""
        readers = [reader for subscriber in subscribers if (reader := reader_of(subscriber)) is not None]
        self.accesses.update(decide_many(readers, self.article))

    def access_of(self, subscriber: Subscriber) -> Access:
        reader = reader_of(subscriber)
        if reader is None:
            if self.anonymous is None:
                self.anonymous = decide(None, self.article)
            return self.anonymous
        access = self.accesses.get(reader.pk)
        return access if access is not None else decide(reader, self.article)

    def key_for(self, subscriber: Subscriber) -> CopyKey:
        key = copy_key(subscriber, self.access_of(subscriber))
        if key not in self.copies:
            copy = render_copy(self.article, key, self.markers, email_only=self.email_only)
            if self.newsletter_id is not None:
                copy = track_links(copy, newsletter_id=self.newsletter_id, language=key.language, markers=self.markers)
            self.copies[key] = copy
        return key

    def for_subscriber(self, subscriber: Subscriber, delivery_id: int | None = None) -> tuple[str, Copy, Personal]:
        key = self.key_for(subscriber)
        links = self.links_of(subscriber, delivery_id)
        return key.copy, personalise(self.copies[key], self.markers, links), links

    def bytes_for(self, subscriber: Subscriber, delivery_id: int | None = None) -> tuple[str, bytes | None, Personal]:
        """The recipient's whole message as bytes, or None where it must be built as a message."""
        key = self.key_for(subscriber)
        if key not in self.prepared:
            self.prepared[key] = prepared_bytes(self.copies[key], self.markers)
        links = self.links_of(subscriber, delivery_id)
        data = self.prepared[key]
        if data is None or not subscriber.email.isascii():
            return key.copy, None, links
        return key.copy, fill_bytes(data, self.markers, to=subscriber.email, links=links), links
