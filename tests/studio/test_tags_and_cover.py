"""Tags (parsed from one field, Chinese separators included) and the cover image (public: never a paid image)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from byline.articles.models import Article, Tag
from byline.studio import images, services
from byline.studio.drafts import Draft
from byline.studio.forms import MAX_TAGS, EditorForm, parse_tags
from tests.conftest import LOCKED_SENTINEL, PREVIEW_SENTENCE, make_article, make_author, make_topic

pytestmark = pytest.mark.django_db


def picture() -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", (1000, 600), (40, 120, 60)).save(data, format="JPEG")
    return SimpleUploadedFile("cover.jpg", data.getvalue(), content_type="image/jpeg")


def editor_post(topic, **overrides) -> dict:
    data = {"title": "Salt roads", "subtitle": "", "lang": "en", "topic": topic.pk, "visibility": "paid",
            "currency": "USD", "price": "3.00", "description": "", "canonical_url": "", "slug": "",
            "base_revision": "", "tags": "", "cover": "", "action": "save",
            "body_markdown": f"{PREVIEW_SENTENCE}\r\n\r\n<!-- paywall -->\r\n\r\n{LOCKED_SENTINEL}\r\n"}
    data.update(overrides)
    return data


def test_tags_split_on_latin_and_chinese_commas_and_lines_trimmed_without_repeats():
    assert parse_tags(" history ,canals，大运河、 Grand  Canal \nhistory,, ") == [
        "history", "canals", "大运河", "Grand Canal"]
    assert parse_tags("") == [] and parse_tags(" , ，、") == []


def test_the_tags_field_takes_crlf_from_a_browser():
    form = EditorForm(editor_post(make_topic(), tags="salt\r\nroads、盐"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["tags"] == ["salt", "roads", "盐"] and form.draft().tags == ["salt", "roads", "盐"]


def test_too_many_or_too_long_tags_are_form_errors():
    form = EditorForm(editor_post(make_topic(), tags="，".join(f"tag{n}" for n in range(MAX_TAGS + 1))))
    assert not form.is_valid() and "At most 10 tags: you have 11." in form.errors["tags"]
    form = EditorForm(editor_post(make_topic(), tags="ok, " + "x" * 41))
    assert not form.is_valid() and "longer than 40 characters" in form.errors["tags"][0]
    assert EditorForm(editor_post(make_topic(), tags="x" * 40)).is_valid()


def test_a_form_without_the_new_fields_leaves_tags_and_cover_alone():
    data = editor_post(make_topic())
    del data["tags"], data["cover"]
    form = EditorForm(data)
    assert form.is_valid() and form.draft().tags is None and form.draft().cover is None


def test_tags_get_pinyin_slugs_and_one_slug_is_one_tag():
    author, topic = make_author(), make_topic()
    draft = Draft(title="Salt", body_markdown="Free text.", topic=topic, lang="en",
                  tags=["大运河", "Grand Canal", "grand canal", "🙂"])
    article = services.save_draft(author=author, article=None, draft=draft, base_revision_id=None).article
    slugs = [slug for slug, _name in article.tag_list]
    assert slugs[:2] == ["da-yun-he", "grand-canal"] and len(slugs) == 3 and slugs[2].startswith("t-")
    assert sorted(article.tags.values_list("slug", flat=True)) == sorted(slugs)
    assert Tag.objects.get(slug="grand-canal").name == "Grand Canal"


def test_the_article_page_links_its_tags_and_the_tag_page_lists_live_articles(client):
    article = make_article()
    services._settle_tags(article, ["运河", "salt"])
    article.save()
    article.tags.set(Tag.objects.filter(slug__in=["yun-he", "salt"]))
    page = client.get(article.get_absolute_url()).content.decode()
    assert 'href="/en/tags/yun-he/"' in page and ">运河</a>" in page
    listing = client.get("/en/tags/yun-he/")
    assert listing.status_code == 200 and article.title in listing.content.decode()
    assert client.get("/zh-hans/tags/salt/").status_code == 200
    assert client.get("/en/tags/no-such-tag/").status_code == 404


def test_an_image_above_the_line_is_a_public_cover_on_the_page_card_and_share_preview(client):
    article = make_article()
    image = images.add_image(article=article, upload=picture())
    author = article.author
    client.force_login(author.user)
    body = f"{PREVIEW_SENTENCE}\r\n\r\n{images.markdown_for(image)}\r\n\r\n<!-- paywall -->\r\n\r\n{LOCKED_SENTINEL}"
    response = client.post(reverse("studio:edit", args=[article.pk]),
                           editor_post(article.topic, title=article.title, body_markdown=body, cover=image.key,
                                       slug=article.slug))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.cover_url == f"/images/{image.key}/960.{image.file_format}"
    anonymous = Client()
    page = anonymous.get(article.get_absolute_url()).content.decode()
    assert f'class="article-cover" src="{article.cover_url}"' in page
    assert f'<meta property="og:image" content="http://testserver{article.cover_url}">' in page
    assert f'class="card-cover" src="{article.cover_url}"' in anonymous.get(article.topic.get_absolute_url()) \
        .content.decode()
    assert anonymous.get(article.cover_url).status_code == 200


def test_an_image_only_below_the_line_is_refused_as_cover_with_a_form_error(client):
    article = make_article()
    image = images.add_image(article=article, upload=picture())
    client.force_login(article.author.user)
    body = f"{PREVIEW_SENTENCE}\r\n\r\n<!-- paywall -->\r\n\r\n{LOCKED_SENTINEL}\r\n\r\n{images.markdown_for(image)}"
    response = client.post(reverse("studio:edit", args=[article.pk]),
                           editor_post(article.topic, title=article.title, body_markdown=body, cover=image.key,
                                       slug=article.slug))
    assert response.status_code == 422
    assert "only below the paywall line, so it cannot be the cover" in response.content.decode()
    stored = Article.objects.get(pk=article.pk)
    assert stored.cover_url == "" and images.markdown_for(image) not in stored.body_markdown  # nothing applied
    assert Client().get(f"/images/{image.key}/960.{image.file_format}").status_code == 404


def test_a_cover_must_be_one_of_the_articles_own_images():
    article, other = make_article(), make_article()
    foreign = images.add_image(article=other, upload=picture())
    draft = Draft(title=article.title, body_markdown=article.body_markdown, topic=article.topic, lang="en",
                  visibility=article.visibility, price_minor=article.price_minor, currency=article.currency,
                  slug=article.slug, cover=foreign.key)
    saved = services.save_draft(author=article.author, article=article, draft=draft, base_revision_id=None)
    assert not saved.applied and "cover" in saved.errors


def test_the_content_api_shows_tags_and_the_cover():
    article = make_article()
    services._settle_tags(article, ["运河"])
    article.save()
    body = Client().get(f"/api/v1/articles/{article.slug}").json()
    assert body["tags"] == [{"slug": "yun-he", "name": "运河", "url": "/en/tags/yun-he/"}]
    assert body["cover_url"] is None


def test_changing_only_the_tags_of_a_live_article_shows_at_once_on_its_cached_page(client):
    article = make_article()
    assert client.get(article.get_absolute_url()).status_code == 200  # cached for anonymous readers
    draft = Draft(title=article.title, body_markdown=article.body_markdown, topic=article.topic, lang="en",
                  visibility=article.visibility, price_minor=article.price_minor, currency=article.currency,
                  slug=article.slug, tags=["harbours"])
    saved = services.save_draft(author=article.author, article=article, draft=draft, base_revision_id=None)
    assert saved.applied and saved.article.version == article.version + 1
    assert 'href="/en/tags/harbours/"' in Client().get(article.get_absolute_url()).content.decode()
