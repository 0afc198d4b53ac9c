"""Reads for sharing: the share panel's links and QR code, gift lists, referral counts for authors."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import segno
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import mark_safe
from django.utils.safestring import SafeString

from byline.access.decision import Access, Reason
from byline.articles.models import Article
from byline.core import local_cache
from byline.sharing import conf
from byline.sharing.models import Channel, EventKind, GiftLink, ReferralEvent
from byline.sharing.services import CONVERSION_KINDS, GIFT_REASONS, referral_codes_for

NETWORK_CHANNELS = (Channel.WEIBO, Channel.X, Channel.FACEBOOK, Channel.LINKEDIN, Channel.TELEGRAM,
                    Channel.WHATSAPP, Channel.EMAIL)
REFERRAL_PARAM = "r"


def with_referral(url: str, code: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{REFERRAL_PARAM}={code}"


def network_share_url(channel: str, *, url: str, title: str) -> str:
    """The network's own share page (or a mailto:) with the title and URL filled in."""
    if channel == Channel.WEIBO:
        return "https://service.weibo.com/share/share.php?" + urlencode({"url": url, "title": title})
    if channel == Channel.X:
        return "https://x.com/intent/tweet?" + urlencode({"url": url, "text": title})
    if channel == Channel.FACEBOOK:
        return "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})
    if channel == Channel.LINKEDIN:
        return "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url})
    if channel == Channel.TELEGRAM:
        return "https://t.me/share/url?" + urlencode({"url": url, "text": title})
    if channel == Channel.WHATSAPP:
        return "https://wa.me/?" + urlencode({"text": f"{title} {url}"})
    if channel == Channel.EMAIL:
        return f"mailto:?subject={quote(title)}&body={quote(title + chr(10) + chr(10) + url)}"
    raise ValueError(f"{channel!r} has no share page")


QR_CACHE_SECONDS = 24 * 3600


def qr_svg(data: str, *, label: str) -> SafeString:
    """An inline SVG QR code (segno), with an accessible name; dark modules on a transparent ground.

    Encoding is a third of a signed-in article page's time and the result depends only on its two
    arguments, so it is cached under their hash.
    """
    key = "sharing:qr:" + hashlib.sha256(f"{data}\x00{label}".encode()).hexdigest()
    svg = local_cache.versioned.get_or_shared(key, lambda: _render_qr_svg(data, label=label),
                                              shared_timeout=QR_CACHE_SECONDS)
    return mark_safe(svg)


def gift_qr_svg(url: str, *, label: str) -> SafeString:
    """The QR code of a gift link: drawn for each view and never cached, because the link is a secret
    that only its giver's pages may hold."""
    return mark_safe(_render_qr_svg(url, label=label))


def _render_qr_svg(data: str, *, label: str) -> str:
    # omitsize: a viewBox only, so CSS sets the size (larger in the caring version) and the code scales.
    svg = segno.make(data, error="m").svg_inline(scale=5, border=2, title=label, svgclass="share-qr-code",
                                                 omitsize=True)
    return svg.replace("<svg ", '<svg role="img" aria-label="{}" '.format(
        label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")), 1)


@dataclass(frozen=True)
class ShareLink:
    channel: str
    label: str
    href: str


@dataclass(frozen=True)
class SharePanel:
    """The parts of the share panel that are the same for every reader of the article (page shells keep them)."""
    networks: list[ShareLink]
    copy_beacon: str
    native_beacon: str


@dataclass(frozen=True)
class ShareLinks:
    """The reader's own links to the article: each carries the sharer's referral code."""
    url: str
    native_url: str
    qr: SafeString


@dataclass(frozen=True)
class GiftTerms:
    """What a gift link gives; the same for everyone who may give (each giver's allowance is personal)."""
    days: int = field(default_factory=conf.gift_days)
    uses: int = field(default_factory=conf.gift_max_redemptions)


def share_panel(*, article: Article) -> SharePanel:
    networks = [
        ShareLink(channel, Channel(channel).label,
                  reverse("sharing:share_to", kwargs={"slug": article.slug, "channel": channel}))
        for channel in NETWORK_CHANNELS
    ]
    return SharePanel(
        networks=networks,
        copy_beacon=reverse("sharing:share_to", kwargs={"slug": article.slug, "channel": Channel.LINK}),
        native_beacon=reverse("sharing:share_to", kwargs={"slug": article.slug, "channel": Channel.NATIVE}),
    )


def share_links(*, canonical_url: str, reader: Any, qr_label: str) -> ShareLinks:
    """The reader's links (None or anonymous: the site's own codes, so cached pages hold nothing personal)."""
    signed_in = reader is not None and getattr(reader, "is_authenticated", False)
    codes = referral_codes_for(sharer=reader if signed_in else None)
    wechat_url = with_referral(canonical_url, codes[Channel.WECHAT])
    return ShareLinks(url=with_referral(canonical_url, codes[Channel.LINK]),
                      native_url=with_referral(canonical_url, codes[Channel.NATIVE]),
                      qr=qr_svg(wechat_url, label=qr_label))


def may_give(*, article: Article, reader: Any, access: Access | None) -> bool:
    """Whether the page offers this reader the gift form: a signed-in reader whose access comes from a
    purchase, membership, authorship or staff (access.reason: page shells are keyed by it)."""
    signed_in = reader is not None and getattr(reader, "is_authenticated", False)
    return bool(signed_in and access is not None and access.allowed and access.reason in GIFT_REASONS
                and not article.is_free and article.is_live)


def gift_links_of(*, giver: Any, limit: int = 100) -> list[GiftLink]:
    return list(GiftLink.objects.filter(giver_id=giver.pk).select_related("article")[:limit])


def gifts_made_from_purchase(*, purchase_id: int) -> int:
    """How many gift links were made from this purchase (they end with it: services.end_gifts_from_purchase)."""
    return GiftLink.objects.filter(source=Reason.PURCHASE, source_ref=purchase_id).count()


@dataclass(frozen=True)
class ReferralRow:
    article: Article
    channel: str
    channel_label: str
    shares: int
    visits: int
    redemptions: int
    purchases: int


def referral_counts(*, author: Any) -> list[ReferralRow]:
    """Per article and channel: shares, referred visits, gift redemptions and purchases that followed
    (within the attribution window), for every article by `author`. One aggregate query plus titles."""
    rows = (
        ReferralEvent.objects.filter(article__author=author)
        .values("article_id", "referral__channel")
        .annotate(
            shares=Count("id", filter=Q(kind=EventKind.SHARE)),
            visits=Count("id", filter=Q(kind=EventKind.VISIT)),
            redemptions=Count("id", filter=Q(kind=EventKind.REDEMPTION)),
            purchases=Count("id", filter=Q(kind__in=CONVERSION_KINDS)),
        )
        .order_by("article_id", "referral__channel")
    )
    rows = list(rows)
    articles = Article.objects.defer("locked_html", "body_markdown").in_bulk({r["article_id"] for r in rows})
    result = [
        ReferralRow(article=articles[r["article_id"]], channel=r["referral__channel"],
                    channel_label=Channel(r["referral__channel"]).label, shares=r["shares"], visits=r["visits"],
                    redemptions=r["redemptions"], purchases=r["purchases"])
        for r in rows
    ]
    result.sort(key=lambda row: (-(row.article.published_at.timestamp() if row.article.published_at else 0),
                                 row.article.pk, row.channel))
    return result


def referrer_of(*, reader_id: int, article_id: int, author_user_id: int | None = None) -> int | None:
    """The user whose share (or gift link) brought `reader_id` to this article: the sharer of their latest
    referred visit or gift redemption of it within the attribution window (7 days), the one
    `services.record_conversion` credits the purchase to. None for the site's own links, the reader
    themselves and the article's author. One query."""
    import datetime as dt

    from django.utils import timezone

    since = timezone.now() - dt.timedelta(days=conf.attribution_days())
    sharer_id = (ReferralEvent.objects.filter(reader_id=reader_id, article_id=article_id, created_at__gte=since,
                                              kind__in=(EventKind.VISIT, EventKind.REDEMPTION))
                 .order_by("-created_at", "-id").values_list("referral__sharer_id", flat=True).first())
    if sharer_id in (None, reader_id, author_user_id):
        return None
    return sharer_id
