"""Odd input to the studio's forms, as their author: form errors or a refusal, never a 500, never a lost article.

(tests/security/test_fuzz_inputs.py reaches these routes as readers, who are refused before any field is read.)
"""

import pytest
from django.urls import reverse

from byline.articles.models import Article
from byline.studio.models import Revision
from tests.conftest import make_author, make_topic

pytestmark = pytest.mark.django_db

PAYLOADS = {"NUL": "a\x00b", "superscript two": "²", "Arabic-Indic digits": "١٢", "too big a number": "9" * 30}
LONG = "x" * 100_000  # sent to the text fields only: every other field refuses it by its length alone
EDITOR_FIELDS = ("title", "subtitle", "body_markdown", "lang", "topic", "visibility", "currency", "price",
                 "price_cny", "price_eur", "description", "canonical_url", "slug", "base_revision", "preview_as",
                 "action", "article")


def test_odd_values_in_every_studio_field_never_answer_500(client):
    author = make_author("oddwriter")
    client.force_login(author.user)
    topic = make_topic()
    valid = {"title": "Odd input", "body_markdown": "Free.\n\n<!-- paywall -->\n\nPaid.", "lang": "en",
             "topic": topic.pk, "visibility": "paid", "currency": "USD", "price": "3.00", "action": "save"}
    client.post(reverse("studio:new"), valid)
    article = Article.objects.get(author=author)
    head = Revision.objects.filter(article=article).first()
    # The editor's save (new and edit share it), its autosave and the preview each parse the whole form.
    urls = [reverse("studio:edit", args=[article.pk]), reverse("studio:preview"),
            reverse("studio:autosave", args=[article.pk])]
    for url in urls:
        for name in EDITOR_FIELDS:
            payloads = {**PAYLOADS, "100 kB": LONG} if name in ("title", "body_markdown") else PAYLOADS
            for label, value in payloads.items():
                response = client.post(url, {**valid, "base_revision": head.pk, name: value})
                assert response.status_code < 500, f"{url} {name}={label} answered {response.status_code}"
    for label, value in {**PAYLOADS, "100 kB": LONG}.items():
        for url, data in ((reverse("studio:paste"), {"html": value}),
                          (reverse("studio:publish", args=[article.pk]), {"when": "later", "publish_at": value}),
                          (reverse("studio:upload_image", args=[article.pk]), {"image_alt": value})):
            response = client.post(url, data)
            assert response.status_code < 500, f"{url} with {label} answered {response.status_code}"
    article.refresh_from_db()
    assert article.title  # still there, whatever was sent
