"""The share card: a 1200x630 PNG with title, author, site name and badge, redrawn when the title changes."""

from io import BytesIO

import pytest
from django.urls import reverse
from PIL import Image

from byline.articles.services import ArticleData, upsert_article
from byline.sharing import images
from tests.conftest import make_article

pytestmark = pytest.mark.django_db


def fetch_image(client, article, variant="standard") -> bytes:
    url = reverse("share_image", kwargs={"slug": article.slug, "version": article.version, "variant": variant})
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    return b"".join(response.streaming_content)


def retitle(article, title):
    data = ArticleData(title=title, slug=article.slug, lang=article.lang, topic=article.topic, author=article.author,
                       body_markdown=article.body_markdown, price_minor=article.price_minor,
                       currency=article.currency, visibility=article.visibility, status=article.status,
                       published_at=article.published_at)
    return upsert_article(data)[0]


def test_the_share_image_is_a_1200_by_630_png(client, paid_article):
    assert Image.open(BytesIO(fetch_image(client, paid_article))).size == (1200, 630)


def test_the_share_image_changes_when_the_title_does(client, paid_article):
    before = fetch_image(client, paid_article)
    article = retitle(paid_article, "A wholly different title about lighthouses")
    after = fetch_image(client, article)
    assert before != after
    assert len(list(images.share_image_path(article, "standard").parent.glob(f"{article.pk}-*"))) == 1


def test_the_share_image_is_cached_on_disk(client, paid_article):
    fetch_image(client, paid_article)
    path = images.share_image_path(paid_article, "standard")
    assert path.exists()
    stamp = path.stat().st_mtime_ns
    fetch_image(client, paid_article)
    assert path.stat().st_mtime_ns == stamp


def test_a_gift_card_differs_from_the_paid_card(client, paid_article):
    assert fetch_image(client, paid_article, "gift") != fetch_image(client, paid_article)


def test_a_chinese_title_is_drawn_with_the_cjk_font(author):
    assert images.conf.share_image_font().exists(), "install fonts-wqy-microhei"
    article = make_article(author=author, lang="zh-hans", title="大运河：一条喂养帝国的水道")
    font = images._font(60)
    # A font without these glyphs draws each as the same .notdef box: the CJK font draws them apart.
    assert font.getmask("运").getbbox() != font.getmask("河").getbbox() or \
        bytes(font.getmask("运")) != bytes(font.getmask("河"))
    assert images.render_share_image(article)[:8] == b"\x89PNG\r\n\x1a\n"


def test_article_pages_point_their_cards_at_the_share_image(client, paid_article):
    head = client.get(paid_article.get_absolute_url()).content.decode().split("</head>")[0]
    assert '<meta name="twitter:card" content="summary_large_image">' in head
    assert f"/share-image/{paid_article.slug}/v{paid_article.version}/standard.png" in head


def test_drafts_have_no_share_image(client, author):
    draft = make_article(author=author, status="draft", published_at=None)
    url = reverse("share_image", kwargs={"slug": draft.slug, "version": draft.version, "variant": "standard"})
    assert client.get(url).status_code == 404
