"""The demo site: enough real content, every page renders, and the demo server answers."""

import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from byline.articles.models import Article, Author, Topic, Visibility

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=open(os.devnull, "w"))


def test_demo_has_the_promised_mix(demo):
    articles = Article.objects.all()
    assert articles.count() >= 24
    assert articles.filter(lang="zh-hans").count() >= 8
    assert Topic.objects.count() >= 4 and Author.objects.count() == 3
    assert articles.filter(visibility=Visibility.FREE).exists()
    assert articles.filter(visibility=Visibility.MEMBERS).exists()
    assert articles.filter(visibility=Visibility.PAID, has_divider=True).exists()
    assert articles.filter(visibility=Visibility.PAID, has_divider=False).exists()
    assert articles.filter(topic__slug="history", preview_words__gt=0, locked_words__gt=1400).exists()


def test_demo_load_is_repeatable(demo):
    before = Article.objects.count()
    call_command("load_demo", stdout=open(os.devnull, "w"))
    assert Article.objects.count() == before


def test_every_demo_page_renders_in_both_languages(demo, client):
    for language in ("en", "zh-hans"):
        with translation.override(language):
            urls = [a.get_absolute_url() for a in Article.objects.all()]
            urls += [t.get_absolute_url() for t in Topic.objects.all()]
            urls += [a.get_absolute_url() for a in Author.objects.all()]
        for url in urls + [f"/{language}/"]:
            assert client.get(url).status_code == 200, url


def test_paid_demo_articles_without_divider_show_a_partial_preview(demo):
    for article in Article.objects.filter(visibility=Visibility.PAID, has_divider=False):
        assert 0 < article.preview_words < article.locked_words


def test_demo_server_serves_the_home_page(tmp_path):
    """What `make demo` runs: migrate, load the demo, serve with gunicorn on SQLite."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(BYLINE_DEMO="1", BYLINE_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="byline.settings")
    python = sys.executable
    for command in (["migrate", "--noinput", "-v", "0"], ["load_demo"]):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True,
                       timeout=300)
    # The test opens the listening socket and hands it to gunicorn (fd://): requests wait in its backlog until
    # the worker accepts them, so the first one simply blocks until the site is up (no polling, no race for
    # a free port).
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        port = listener.getsockname()[1]
        server = subprocess.Popen(
            [python, "-m", "gunicorn", "byline.wsgi:application", "--bind", f"fd://{listener.fileno()}",
             "--workers", "1"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(listener.fileno(),),
        )
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/en/", timeout=120) as response:
            body = response.read().decode()
        assert "Latest articles" in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/byline/byline.css", timeout=5) as response:
            assert response.status == 200
    finally:
        server.terminate()
        server.wait(timeout=20)
