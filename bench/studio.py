"""Time the writing studio's preview and publish on a long article.

    python bench/studio.py [--words 10000] [--images 20] [--repeat 15]

Builds, in a throwaway test database (SQLite in memory unless DATABASE_URL names another), one author and a
paid Markdown article of about `--words` words (English, paragraphs of 60-120 words, headings, a list, a
quote) with `--images` image lines spread through it and the paywall line at a quarter. Then, `--repeat`
times each, interleaved:

- reference: markdown-it rendering of the same text alone (the floor any preview pays);
- render: `articles.text.render_body` (split, render, sanitise, count), what a save and a preview do;
- preview: the studio's preview endpoint through Django's test client (form, render, template), as an author;
- publish: `studio.services.save_draft` then `publish_article` (validation, render, save, revision, signals).

Prints median and p90 in milliseconds and each one's ratio to the reference's median.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

WORDS = ("salt well brine derrick bamboo pipe furnace merchant road mountain river village ledger tax guild "
         "copper cauldron evaporate crystal caravan mule porter temple market season flood drought").split()


def article_text(words: int, images: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    paragraphs, count = [], 0
    while count < words:
        size = rng.randint(60, 120)
        sentence = " ".join(rng.choice(WORDS) for _ in range(size))
        paragraphs.append(sentence.capitalize() + ".")
        count += size
    for index in range(0, len(paragraphs), 12):
        paragraphs.insert(index, f"## Part {index // 12 + 1}")
    paragraphs.insert(5, "- brine\n- bamboo\n- fire")
    paragraphs.insert(9, "> The wells are older than the dynasty.")
    step = max(1, len(paragraphs) // (images + 1))
    for number in range(images):
        paragraphs.insert((number + 1) * step + number, f"![Well {number}](/images/bench{number:02d}key/960.webp)")
    paragraphs.insert(len(paragraphs) // 4, "<!-- paywall -->")
    return "\n\n".join(paragraphs) + "\n"


def timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=10_000)
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=15)
    options = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        run(options, Client)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(options, Client) -> None:
    from django.contrib.auth import get_user_model
    from django.urls import reverse
    from django.utils import translation

    from byline.articles.models import Author, Topic
    from byline.articles.text import _markdown, count_words, render_body
    from byline.studio import services
    from byline.studio.drafts import Draft

    translation.activate("en")
    text = article_text(options.words, options.images)
    # Not tests.conftest's make_user: benchmarks run after `make install`, without the test extras.
    user = get_user_model().objects.create_user(username="benchwriter", email="benchwriter@example.org",
                                                password="a-long-bench-password")
    author = Author.objects.create(user=user, slug="benchwriter", display_name="Bench Writer")
    topic = Topic.objects.create(slug="history", name_en="History")
    client = Client()
    client.force_login(user)
    form = {"title": "A long read", "body_markdown": text.replace("\n", "\r\n"), "lang": "en", "topic": topic.pk,
            "visibility": "paid", "currency": "USD", "price": "3.00", "preview_as": "buyer"}
    rendered = render_body(text, priced=True)
    assert rendered.has_divider and rendered.locked_html.count("<img") + rendered.preview_html.count("<img") \
        == options.images

    def preview() -> None:
        response = client.post(reverse("studio:preview"), form)
        assert response.status_code == 200 and b"studio-paywall-line" in response.content

    saved_article = None

    def publish() -> None:
        nonlocal saved_article
        draft = Draft(title="A long read", body_markdown=text, topic=topic, lang="en", visibility="paid",
                      price_minor=300, currency="USD")
        head = saved_article.revisions.first().pk if saved_article else None
        saved = services.save_draft(author=author, article=saved_article, draft=draft, base_revision_id=head)
        assert not saved.errors, saved.errors
        saved_article = services.publish_article(author=author, article=saved.article)

    cases = {"reference: markdown-it alone": lambda: _markdown.render(text),
             "render_body": lambda: render_body(text, priced=True),
             "preview endpoint (HTTP, as author)": preview,
             "save draft + publish": publish}
    for function in cases.values():  # warm up: imports, template loading, first queries
        function()
    results = {name: [] for name in cases}
    for _ in range(options.repeat):  # interleaved, so a busy moment on a shared machine hits every case
        for name, function in cases.items():
            results[name] += timed(function, 1)

    print(f"studio bench: {count_words(text):,} words, {options.images} images, {len(text):,} characters, "
          f"repeat {options.repeat}; {platform.python_implementation()} {platform.python_version()} on "
          f"{platform.machine()}, {os.cpu_count()} CPUs; database {connection_vendor()}")
    reference = statistics.median(results["reference: markdown-it alone"])
    for name, times in results.items():
        ordered = sorted(times)
        p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
        print(f"  {name:<38} median {statistics.median(times):8.1f} ms   p90 {p90:8.1f} ms   "
              f"x{statistics.median(times) / reference:5.2f} of the reference")


def connection_vendor() -> str:
    from django.db import connection

    return connection.vendor


if __name__ == "__main__":
    main()
