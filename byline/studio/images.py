"""Images for articles: checked by content, EXIF dropped, stored at a few widths, served behind the paywall.

An image's address is `/images/<key>/<width>.<format>`. Whether a reader may fetch it is decided from the
article as it is now: an image that the free preview shows is public once the article is live; one that only
the locked half shows needs `access.decide` to allow the reader; any other (a draft's, an unused one) only its
author and staff. So moving an image below the paywall line takes it away from readers at the next save.
"""

from __future__ import annotations

import io
import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError, features

from byline.access.decision import Reason, decide
from byline.articles.models import Article
from byline.studio.models import StudioImage

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
WIDTHS = (480, 960, 1600)
SHOWN_WIDTH = 960  # the width the Markdown names; the others are there for smaller and larger screens
ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


def image_path(key: str) -> str:
    return f"/images/{key}/"


def add_image(*, article: Article, upload, alt: str = "") -> StudioImage:
    """Check `upload` is an image by its content, drop its metadata, store it at each width; ValidationError
    says what is wrong (too big, not an image, a format we do not take)."""
    if upload.size > MAX_IMAGE_BYTES:
        raise ValidationError(_("That image is larger than 10 MB: make it smaller and try again."))
    try:
        probe = Image.open(upload)
        probe.verify()
        upload.seek(0)
        image = Image.open(upload)
        if image.format not in ACCEPTED_FORMATS:
            raise ValidationError(_("Upload a JPEG, PNG, GIF or WebP image."))
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise ValidationError(_("That image has too many pixels: make it smaller and try again."))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(_("That file is not an image we can read.")) from None
    image = ImageOps.exif_transpose(image)  # turned as the camera meant, before the EXIF is dropped
    image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    webp = features.check("webp")
    file_format = "webp" if webp else "png"
    stored = StudioImage(key=secrets.token_urlsafe(12), article=article, alt=alt[:300], width=image.width,
                         height=image.height, file_format=file_format)
    widths = sorted({width for width in WIDTHS if width < image.width} | {min(image.width, WIDTHS[-1])})
    for width in widths:
        copy = image if width == image.width else image.resize(
            (width, max(1, round(image.height * width / image.width))), Image.Resampling.LANCZOS)
        data = io.BytesIO()
        # Saved fresh: no EXIF, no ICC comments, no text chunks travel with it.
        copy.save(data, format="WEBP" if webp else "PNG", **({"quality": 82} if webp else {}))
        default_storage.save(stored.storage_name(width), ContentFile(data.getvalue()))
    stored.widths = widths
    stored.save()
    return stored


def markdown_for(image: StudioImage) -> str:
    width = max([w for w in image.widths if w <= SHOWN_WIDTH] or [min(image.widths)])
    alt = image.alt.replace("[", "(").replace("]", ")").replace("\n", " ")
    return f"![{alt}]({image_path(image.key)}{width}.{image.file_format})"


def cover_url(image: StudioImage) -> str:
    """The rendition a cover shows (cards and the article header are at most about 960 px wide)."""
    return markdown_for(image).rsplit("(", 1)[1].rstrip(")")


def may_fetch(reader, image: StudioImage, *, grant=None) -> tuple[bool, bool]:
    """Whether `reader` may fetch this image, and whether the answer is the same for everyone (public)."""
    article = Article.objects.select_related("author").get(pk=image.article_id)
    path = image_path(image.key)
    if article.is_live and (path in article.preview_html or article.cover_url.startswith(path)):
        return True, True  # the cover is public (studio.services refuses a locked-only image as one)
    if article.is_live and path in article.locked_html:
        return decide(reader, article, grant=grant).allowed, False
    return decide(reader, article).reason in (Reason.AUTHOR, Reason.STAFF), False
