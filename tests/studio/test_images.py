"""Images: checked by content, EXIF dropped, stored at several widths, and paid when below the paywall line."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from byline.articles.services import ArticleData, upsert_article
from byline.studio import images
from tests.conftest import PREVIEW_SENTENCE, make_article, make_user
from tests.ledger.conftest import fund

pytestmark = pytest.mark.django_db


def jpeg(width=1200, height=800, *, exif=True) -> SimpleUploadedFile:
    picture = Image.new("RGB", (width, height), (180, 90, 30))
    data = io.BytesIO()
    extra = {}
    if exif:
        tags = Image.Exif()
        tags[0x8827] = 400  # ISO
        tags[0x010F] = "Secret Camera Maker"
        extra["exif"] = tags.tobytes()
    picture.save(data, format="JPEG", **extra)
    return SimpleUploadedFile("photo.jpg", data.getvalue(), content_type="image/jpeg")


def with_image(article, image, *, below: bool):
    line = images.markdown_for(image)
    body = (f"{PREVIEW_SENTENCE}\n\n{'' if below else line}\n\n<!-- paywall -->\n\nPaid words here.\n\n"
            f"{line if below else ''}\n")
    upsert_article(ArticleData(title=article.title, slug=article.slug, lang=article.lang, topic=article.topic,
                               author=article.author, body_markdown=body, price_minor=article.price_minor,
                               currency=article.currency, visibility=article.visibility,
                               published_at=article.published_at))
    return [f"{images.image_path(image.key)}{width}.{image.file_format}" for width in image.widths]


def fetch(client, url):
    response = client.get(url)
    return response.status_code, (b"".join(response.streaming_content) if response.status_code == 200 else b"")


def test_an_upload_is_stored_at_each_width_without_its_exif():
    article = make_article()
    stored = images.add_image(article=article, upload=jpeg(), alt="Salt pans")
    assert stored.widths == [480, 960, 1200] and stored.width == 1200
    author = Client()
    author.force_login(article.author.user)
    status, data = fetch(author, f"/images/{stored.key}/960.{stored.file_format}")
    assert status == 200
    picture = Image.open(io.BytesIO(data))
    assert picture.size == (960, 640) and not picture.getexif() and b"Secret Camera Maker" not in data
    assert images.markdown_for(stored) == f"![Salt pans](/images/{stored.key}/960.{stored.file_format})"


def test_a_file_that_is_not_an_image_is_refused_by_its_content():
    fake = SimpleUploadedFile("photo.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    with pytest.raises(images.ValidationError):
        images.add_image(article=make_article(), upload=fake)


def test_an_image_in_the_free_preview_is_public():
    article = make_article()
    urls = with_image(article, images.add_image(article=article, upload=jpeg()), below=False)
    assert all(fetch(Client(), url)[0] == 200 for url in urls)


def test_an_image_below_the_paywall_line_reaches_only_readers_with_access():
    article = make_article()
    urls = with_image(article, images.add_image(article=article, upload=jpeg()), below=True)
    anonymous, reader, buyer, author = Client(), Client(), Client(), Client()
    reader.force_login(make_user())
    paying = make_user()
    fund(paying, 1000)
    from byline.purchases.services import unlock_with_wallet
    unlock_with_wallet(reader=paying, article=article, idempotency_key="image-buyer")
    buyer.force_login(paying)
    author.force_login(article.author.user)
    for url in urls + [urls[0].replace("/480.", "/1600.")]:
        assert fetch(anonymous, url)[0] == 404 and fetch(reader, url)[0] == 404
        assert fetch(buyer, url)[0] == 200 and fetch(author, url)[0] == 200
    response = buyer.get(urls[0])
    assert "private" in response["Cache-Control"]


def test_an_unused_or_draft_image_is_the_authors_alone():
    article = make_article()
    stored = images.add_image(article=article, upload=jpeg(300, 200))
    assert stored.widths == [300]
    url = f"/images/{stored.key}/300.{stored.file_format}"
    assert fetch(Client(), url)[0] == 404
    assert fetch(Client(), f"/images/{stored.key}/480.{stored.file_format}")[0] == 404
    assert fetch(Client(), f"/images/nosuchkey123/480.{stored.file_format}")[0] == 404


def test_the_article_offers_every_width_and_each_answers_with_the_nearest_stored():
    article = make_article()
    stored = images.add_image(article=article, upload=jpeg(1200, 800), alt="Pans")
    with_image(article, stored, below=False)
    article.refresh_from_db()
    key = stored.key
    assert (f'srcset="/images/{key}/480.webp 480w, /images/{key}/960.webp 960w, /images/{key}/1600.webp 1600w"'
            in article.preview_html)
    status, data = fetch(Client(), f"/images/{key}/1600.webp")
    assert status == 200 and Image.open(io.BytesIO(data)).size == (1200, 800)


def test_the_upload_view_answers_markdown_or_a_message(client):
    article = make_article()
    client.force_login(article.author.user)
    answer = client.post(reverse("studio:upload_image", args=[article.pk]), {"image": jpeg(), "image_alt": "Pans"},
                         HTTP_ACCEPT="application/json").json()
    assert answer["markdown"].startswith("![Pans](/images/")
    refused = client.post(reverse("studio:upload_image", args=[article.pk]),
                          {"image": SimpleUploadedFile("a.png", b"not an image")}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 422 and "not an image" in refused.json()["error"]


def test_without_javascript_the_upload_button_saves_the_text_then_names_the_line_to_place(client):
    from byline.articles.models import Article
    from tests.conftest import make_author, make_topic

    author = make_author("nojswriter")
    client.force_login(author.user)
    response = client.post(reverse("studio:new"), {
        "title": "Pans", "body_markdown": "Free.\r\n\r\n<!-- paywall -->\r\n\r\nPaid.", "lang": "en",
        "topic": make_topic().pk, "visibility": "paid", "currency": "USD", "price": "3.00", "action": "upload",
        "image": jpeg(), "image_alt": "Salt pans"}, follow=True)
    article = Article.objects.get(author=author)
    assert article.body_markdown == "Free.\n\n<!-- paywall -->\n\nPaid."
    stored = article.studio_images.get()
    assert f"![Salt pans](/images/{stored.key}/960.webp)" in response.content.decode()
