"""A worker killed with SIGKILL in the middle of a send, then a new one: every recipient has exactly one copy.

The kill comes while the SMTP server holds a message without having answered it, the moment a real crash
leaves most in doubt: the server never said 250, so that message was not delivered, its row is still
waiting, and the next worker sends it. Also two workers side by side (skip_locked) share the rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from byline.audience import services
from byline.audience.models import Delivery, DeliveryState
from tests.audience.conftest import Sink, free_port
from tests.audience.helpers import fresh_article, many_subscribers
from tests.conftest import make_author

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = 300
KILL_AT = 120


class KillingSink(Sink):
    """Accepts messages until the KILL_AT-th, then kills the worker before answering it."""

    def __init__(self):
        super().__init__()
        self.worker: subprocess.Popen | None = None
        self.killed = threading.Event()

    async def handle_DATA(self, server, session, envelope) -> str:
        if len(self.received) + 1 == KILL_AT and self.worker is not None and not self.killed.is_set():
            self.worker.send_signal(signal.SIGKILL)
            self.worker.wait()
            self.killed.set()
            return "451 4.3.0 The client went away"  # never read: the client is dead, nothing was delivered
        return await super().handle_DATA(server, session, envelope)


def _worker_env(port: int) -> dict[str, str]:
    s = connection.settings_dict
    return dict(os.environ, DJANGO_SETTINGS_MODULE="tests.settings", PYTHONPATH=str(ROOT),
                DATABASE_URL=f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}",
                EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend")


def _worker(newsletter_id: int, port: int) -> subprocess.Popen:
    script = textwrap.dedent(f"""
        import django
        django.setup()
        from django.conf import settings
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", {port}
        from byline.audience import services
        services.send_newsletter(newsletter_id={newsletter_id}, limit=50)
    """)
    return subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=_worker_env(port),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def no_publish_hook(monkeypatch):
    """These tests commit for real (the workers are other processes): keep the publish hook from sending
    the newsletter in this process as the article is saved."""
    from byline.audience import tasks

    monkeypatch.setattr(tasks.queue_newsletter, "delay", lambda *args, **kwargs: None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_then_restarted_sends_each_recipient_exactly_one_copy(settings, no_publish_hook):
    author = make_author()
    addresses = [f"k{n}@example.org" for n in range(RECIPIENTS)]
    many_subscribers(addresses, author=author)
    newsletter = services.queue_newsletter(article_id=fresh_article(author).pk)
    sink = KillingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        sink.worker = _worker(newsletter.pk, controller.port)
        assert sink.killed.wait(timeout=60), sink.worker.stderr.read() if sink.worker.poll() is not None else ""
        assert sink.worker.returncode == -signal.SIGKILL
        assert len(sink.received) == KILL_AT - 1
        # The dead worker's claim is a lease; once it runs out, a new worker takes its rows.
        later = timezone.now() + timezone.timedelta(seconds=services.CLAIM_SECONDS + 1)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        services.send_newsletter(newsletter_id=newsletter.pk, limit=50, now=later)
    finally:
        controller.stop()
    copies = {address: len(sink.to(address)) for address in addresses}
    assert set(copies.values()) == {1}, {a: n for a, n in copies.items() if n != 1}
    assert Delivery.objects.filter(state=DeliveryState.SENT).count() == RECIPIENTS


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_side_by_side_share_the_rows_and_send_each_once(smtp_sink, settings, no_publish_hook):
    author = make_author()
    addresses = [f"w{n}@example.org" for n in range(100)]
    many_subscribers(addresses, author=author)
    newsletter = services.queue_newsletter(article_id=fresh_article(author).pk)
    workers = [_worker(newsletter.pk, settings.EMAIL_PORT) for _ in range(2)]
    for worker in workers:
        assert worker.wait(timeout=120) == 0, worker.stderr.read()
    assert {address: len(smtp_sink.to(address)) for address in addresses} == dict.fromkeys(addresses, 1)
