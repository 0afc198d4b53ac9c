"""A web worker loads no heavy library until a request needs it (worker RSS, issue 23: at most 150 MiB).

Importing the WSGI application and serving English pages loads neither the numeric libraries of the
recommendation engine nor a Chinese segmenter's dictionary (rjieba: about 33 MiB); a Chinese search
does load the segmenter, and only then.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("numpy", "scipy", "sklearn", "jieba", "rjieba", "torch")
CHECK = f"""
import sys
import byline.wsgi
from byline.search.terms import terms_of
terms_of("Printing in Mainz, and the teas of the Song")
print(",".join(m for m in {HEAVY!r} if m in sys.modules))
terms_of("北京大学")
print(",".join(m for m in {HEAVY!r} if m in sys.modules))
"""


def test_the_wsgi_application_and_english_text_load_no_heavy_library():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "byline.settings", "BYLINE_DEMO": "1", "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", CHECK], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    before_chinese, after_chinese = out.stdout.split("\n")[:2]
    assert before_chinese == ""
    assert after_chinese == "rjieba"



# A first process writes the data as a worker would (publishing indexes the article, whose Chinese topic
# name loads the segmenter: a save that needs it; the related lists' update is queued to Celery, so not
# the engine); a second one, like a fresh web worker, only serves pages.
SETUP = """
import sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from byline.payments.services import credit_wallet
from byline.purchases.services import unlock_with_wallet
from tests.conftest import make_article, make_user

article = make_article()
reader = make_user()
credit_wallet(reader=reader, amount_minor=5000, currency="USD", key="fund")
unlock_with_wallet(reader=reader, article=article, idempotency_key="buy")
print(",".join(m for m in ("numpy", "scipy", "sklearn") if m in sys.modules) or "-")
print(article.get_absolute_url(), reader.pk)
"""

PAGES = f"""
import sys
import byline.wsgi  # what a worker imports; then the pages a worker serves most
from django.contrib.auth import get_user_model
from django.test import Client

url, reader_id = sys.argv[1], int(sys.argv[2])
anonymous, signed_in = Client(), Client()
signed_in.force_login(get_user_model().objects.get(pk=reader_id))
pages = [anonymous.get(url), signed_in.get(url), anonymous.get("/en/search/?q=harbour+town"),
         signed_in.get("/en/search/?q=scene"), anonymous.get("/en/"), signed_in.get("/en/")]
print(",".join(str(page.status_code) for page in pages))
print("entitled" if b"article-body locked-content" in pages[1].content else "not entitled")
print(",".join(m for m in {HEAVY!r} if m in sys.modules))
"""


def test_article_pages_and_an_english_search_load_no_heavy_library(tmp_path):
    """The anonymous and the signed-in (entitled) article page, English searches and the home page, as a
    fresh worker serves them (on a SQLite file, whatever the suite runs on): none of the recommendation
    engine's numeric libraries nor a Chinese segmenter is imported. Tasks are queued, as in production."""
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env.update({"DJANGO_SETTINGS_MODULE": "byline.settings", "BYLINE_DEMO": "1", "PYTHONPATH": str(REPO),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}", "ALLOWED_HOSTS": "testserver",
                "CELERY_TASK_ALWAYS_EAGER": "0", "CELERY_BROKER_URL": "memory://localhost/"})
    setup = subprocess.run([sys.executable, "-c", SETUP], cwd=REPO, env=env, capture_output=True, text=True,
                           timeout=300)
    assert setup.returncode == 0, setup.stderr[-3000:]
    numeric, (url, reader_id) = setup.stdout.split("\n")[-3], setup.stdout.split("\n")[-2].split()
    assert numeric == "-"  # publishing queued the recommender's work instead of doing it here
    out = subprocess.run([sys.executable, "-c", PAGES, url, reader_id], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    statuses, entitled, heavy = out.stdout.split("\n")[-4:-1]
    assert statuses == "200,200,200,200,200,200", out.stdout[-2000:]
    assert entitled == "entitled"
    assert heavy == ""
