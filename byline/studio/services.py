"""Writes of the writing studio: saving drafts as revisions, publishing, scheduling, unpublishing.

Every change to an article goes through `articles.services` (`normalised_fields`, `validate_article`,
`prepare_for_save`), as the admin, the API and the importer do. The studio adds revisions around it:
each save is one, and a save made from an out-of-date editor (another tab saved meanwhile) is kept as a
conflict revision instead of being applied.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from byline.articles import page_cache
from byline.articles.models import Article, Author, PublicationState, SlugRedirect, Status, Tag
from byline.articles.services import normalised_fields, prepare_for_save, validate_article
from byline.studio import images, slugs
from byline.studio.drafts import Draft
from byline.studio.models import Revision, RevisionKind, StudioImage
from byline.studio.selectors import head_of


@dataclass
class Saved:
    """The outcome of a save: the article (None if a new one could not be made), the revision that holds
    the text, whether the article took it, and what stopped it if not."""

    article: Article | None
    revision: Revision | None
    applied: bool
    errors: dict[str, list[str]] = field(default_factory=dict)
    conflict: bool = False


class NotYours(Exception):
    """The article belongs to another author."""


def _slug_taken(slug: str, *, article_id: int | None) -> bool:
    return (Article.objects.filter(slug=slug).exclude(pk=article_id).exists()
            or SlugRedirect.objects.filter(old_slug=slug).exclude(article_id=article_id).exists())


def _settle_slug(article: Article, *, previous_title: str, asked: str) -> str | None:
    """The article's slug after this save. Asked for by the writer: that one. Otherwise a slug made from
    the title, which follows the title until the article is first published (then its address is out there
    and stays). A published article whose slug changes keeps its old address as a redirect."""
    old = article.slug
    if asked and asked != old:  # the editor sends the slug it shows: only a different one is a change
        if _slug_taken(asked, article_id=article.pk):
            raise ValidationError({"slug": [_slug_in_use()]})
        new = asked
    elif not old or (article.published_at is None and slugs.follows_title(old, previous_title)
                     and not slugs.follows_title(old, article.title)):
        new = slugs.unique_slug(article.title, taken=lambda slug: _slug_taken(slug, article_id=article.pk))
    else:
        new = old
    if new == old:
        return None
    article.slug = new
    return old


def _keep_old_address(article: Article, old: str | None) -> None:
    """After a slug change: the old address of a published article redirects to the new one."""
    if old is None:
        return
    page_cache.article_changed(old)  # the old address's cached stamp would go on serving the article there
    SlugRedirect.objects.filter(old_slug=article.slug, article=article).delete()  # an old address taken back
    if old and article.published_at is not None:
        SlugRedirect.objects.update_or_create(old_slug=old, defaults={"article": article})


def _slug_in_use() -> str:
    from django.utils.translation import gettext

    return gettext("Another article already uses this address: choose another.")


def _apply(article: Article, draft: Draft, text: dict[str, str]) -> None:
    article.title = text["title"]
    article.subtitle = text["subtitle"]
    article.body_markdown = text["body_markdown"]
    article.description = text["description"]
    article.canonical_url = draft.canonical_url
    article.topic = draft.topic
    article.lang = draft.lang
    article.visibility = draft.visibility
    article.price_minor = draft.price_minor if draft.visibility != "free" else 0
    article.currency = draft.currency
    article.prices = {code: amount for code, amount in draft.prices.items() if code != draft.currency} \
        if draft.visibility != "free" else {}


def tag_slug(name: str) -> str:
    """A tag's slug, made as an article's is (pinyin for Chinese); a name with no letters (emoji) gets one
    from its hash, so the same name always finds the same tag."""
    return slugs.base_slug(name) or "t-" + hashlib.sha256(name.encode()).hexdigest()[:8]


def _tags_for(names: list[str]) -> list[Tag]:
    """The tags named, made where new; a name whose slug a tag has already is that tag."""
    tags: dict[str, Tag] = {}
    for name in names:
        slug = tag_slug(name)
        if slug not in tags:
            tags[slug] = Tag.objects.get_or_create(slug=slug, defaults={"name": name})[0]
    return list(tags.values())


def _settle_tags(article: Article, names: list[str] | None) -> list[Tag] | None:
    """Set `tag_list` (kept on the row for the article page) now; the many-to-many after the save."""
    if names is None:
        return None
    tags = _tags_for(names)
    article.tag_list = [[tag.slug, tag.name] for tag in tags]
    return tags


def _settle_cover(article: Article, key: str | None) -> None:
    """The cover chosen in the editor: one of the article's own uploads, and never one that only the locked
    half shows. A cover is public by nature (cards, the article's header, share previews), and the image
    address is the same for every use, so choosing a paid image as the cover would hand it to everyone; the
    writer is told instead (a separate public copy would be a second, surprising way to publish it).
    Called after the halves are rendered, so the check sees this save's paywall line."""
    if key is None:
        key = article.cover_url.split("/")[2] if article.cover_url else ""
    if not key:
        article.cover_url = ""
        return
    image = StudioImage.objects.filter(key=key, article_id=article.pk).first() if article.pk else None
    if image is None:
        raise ValidationError({"cover": [_cover_not_here()]})
    path = images.image_path(image.key)
    if path in article.locked_html and path not in article.preview_html:
        raise ValidationError({"cover": [_cover_locked()]})
    article.cover_url = images.cover_url(image)


def _cover_not_here() -> str:
    from django.utils.translation import gettext

    return gettext("Choose the cover from this article's uploaded images.")


def _cover_locked() -> str:
    from django.utils.translation import gettext

    return gettext("This image is shown only below the paywall line, so it cannot be the cover: a cover is seen "
                   "by everyone. Choose another image, or move this one above the line.")


def untitled() -> str:
    from django.utils.translation import gettext

    return gettext("Untitled draft")


@transaction.atomic
def save_draft(*, author: Author, article: Article | None, draft: Draft, base_revision_id: int | None,
               kind: str = RevisionKind.SAVE, user=None, apply: bool = True) -> Saved:
    """Save what the writer has as a revision, and apply it to the article when it may be.

    - A new article is created as a draft (if its fields are valid; otherwise nothing is stored and the
      errors say why: the editor still holds the text).
    - `apply=False` keeps the text as a revision only (the editor's settings did not parse).
    - `base_revision_id` is the revision the editor started from. If another save came since, this one is
      stored as a conflict revision and not applied (`conflict=True`): never a silent overwrite.
    - A draft takes every save. A live or scheduled article takes only explicit saves ("Update"): what is
      typed into a published article is kept as revisions until then (`kind=AUTOSAVE` is not applied).
    - A save that breaks a rule (a paid article with nothing below its paywall line) is kept as a revision
      and not applied; `errors` says what is wrong.
    """
    text = normalised_fields(title=draft.title.strip(), subtitle=draft.subtitle.strip(),
                             body_markdown=draft.body_markdown, description=draft.description.strip())
    text["title"] = text["title"] or untitled()
    if article is not None:
        article = Article.objects.select_for_update().select_related("author", "topic").get(pk=article.pk)
        if article.author_id != author.pk:
            raise NotYours(article.pk)
        head = head_of(article)
        if (head.pk if head else None) != base_revision_id:
            # The base this tab named, if it is one of this article's revisions (a form may carry anything).
            base_id = article.revisions.filter(pk=base_revision_id).values_list("pk", flat=True).first() \
                if base_revision_id else None
            revision = _revision(article, text, kind=RevisionKind.CONFLICT, base_id=base_id, user=user)
            return Saved(article=article, revision=revision, applied=False, conflict=True)
    else:
        head = None
    is_new = article is None
    if is_new:
        article = Article(author=author, status=Status.DRAFT)
    previous_title = article.title
    applies = apply and (is_new or article.publication_state == PublicationState.DRAFT
                         or kind != RevisionKind.AUTOSAVE)
    errors: dict[str, list[str]] = {}
    if applies:
        snapshot = {name: getattr(article, name) for name in _SETTINGS}
        _apply(article, draft, text)
        try:
            old_slug = _settle_slug(article, previous_title=previous_title, asked=draft.slug)
            validate_article(article)
            prepare_for_save(article)
            _settle_cover(article, draft.cover)
        except ValidationError as error:
            errors = error.message_dict
            for name, value in snapshot.items():
                setattr(article, name, value)  # this object stays as stored
        else:
            tags = _settle_tags(article, draft.tags)
            if (article.cover_url, article.tag_list) != (snapshot["cover_url"], snapshot["tag_list"]) \
                    and article.version == snapshot["version"]:
                article.version += 1  # both show on the page, whose cached copies are keyed by the version
            article.save()
            if tags is not None:
                article.tags.set(tags)
            _keep_old_address(article, old_slug)
    if is_new and not (applies and not errors):
        return Saved(article=None, revision=None, applied=False, errors=errors)
    revision = _revision(article, text, kind=kind, base_id=head.pk if head else None, user=user,
                         applied=applies and not errors)
    return Saved(article=article, revision=revision, applied=applies and not errors, errors=errors)


_SETTINGS = ("title", "subtitle", "body_markdown", "description", "canonical_url", "topic_id", "lang", "visibility",
             "price_minor", "currency", "prices", "slug", "status", "published_at", "cover_url", "tag_list", "version",
             # derived by prepare_for_save, which runs before the cover's check
             "preview_html", "locked_html", "preview_text", "preview_words", "locked_words", "has_divider")


# Autosaves come every few seconds of typing: an article keeps its newest ones (every other kind is kept).
AUTOSAVES_KEPT = 200


def _revision(article: Article, text: dict[str, str], *, kind: str, base_id: int | None, user,
              applied: bool = False) -> Revision:
    revision = Revision.objects.create(article=article, base_id=base_id, kind=kind, title=text["title"][:200],
                                       subtitle=text["subtitle"][:300], body_markdown=text["body_markdown"],
                                       applied=applied, created_by=user)
    if kind in (RevisionKind.AUTOSAVE, RevisionKind.CONFLICT):
        oldest_kept = (article.revisions.filter(kind=kind).order_by("-id")
                       .values_list("id", flat=True)[AUTOSAVES_KEPT - 1:AUTOSAVES_KEPT].first())
        if oldest_kept is not None:
            article.revisions.filter(kind=kind, id__lt=oldest_kept).delete()
    return revision


@transaction.atomic
def publish_article(*, author: Author, article: Article, at: dt.datetime | None = None) -> Article:
    """Publish now (`at` None or past) or schedule (`at` in the future), through `prepare_for_save`.
    Raises ValidationError if the article breaks a rule (then nothing changes)."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.author_id != author.pk:
        raise NotYours(article.pk)
    article.status = Status.PUBLISHED
    article.published_at = at if at is not None and at > timezone.now() else None
    validate_article(article)
    prepare_for_save(article)
    article.save()
    return article


@transaction.atomic
def unpublish_article(*, author: Author, article: Article) -> Article:
    """Take a live or scheduled article back to a draft: readers no longer see it; purchases stay."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.author_id != author.pk:
        raise NotYours(article.pk)
    article.status = Status.DRAFT
    prepare_for_save(article)
    article.save()
    return article
