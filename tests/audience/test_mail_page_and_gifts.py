"""The demo's mail folder and its staff page; a gift opened while signed in rings the bell."""

from __future__ import annotations

import pytest
from django.core.mail import EmailMultiAlternatives

from byline.audience.models import Notification
from byline.sharing import services as sharing
from tests.conftest import make_article, make_user
from tests.sharing.conftest import ACCEPT_KEY

pytestmark = pytest.mark.django_db


def test_the_demo_backend_writes_eml_files_that_staff_can_read(settings, tmp_path, client):
    settings.EMAIL_BACKEND = "byline.mail.backends.EmlFileBackend"
    settings.MAIL_DIR = str(tmp_path)
    message = EmailMultiAlternatives("Hello 你好", "Plain words.", to=["r@example.org"])
    message.attach_alternative("<p>Formatted words.</p>", "text/html")
    assert message.send() == 1
    [written] = list(tmp_path.glob("*.eml"))
    assert b"Plain words." in written.read_bytes()
    client.force_login(make_user())
    assert client.get("/en/mail/").status_code == 302  # not staff: the admin's log-in
    client.force_login(make_user(is_staff=True))
    listing = client.get("/en/mail/").content.decode()
    assert "Hello 你好" in listing
    shown = client.get(f"/en/mail/{written.name}/").content.decode()
    assert "Plain words." in shown
    html = client.get(f"/en/mail/{written.name}/html/")
    assert b"Formatted words." in html.content and "sandbox" in html["Content-Security-Policy"]
    assert client.get("/en/mail/..%2Fsecret.eml/").status_code == 404


def test_a_gift_opened_by_a_signed_in_reader_appears_under_the_bell(client, django_capture_on_commit_callbacks):
    article = make_article()
    gift = sharing.create_gift_link(giver=article.author.user, article=article)
    friend = make_user()
    client.force_login(friend)
    url = f"/en/gift/{gift.token}/"
    page = client.get(url, HTTP_USER_AGENT="Mozilla/5.0 Chrome/130.0").content.decode()
    key = ACCEPT_KEY.search(page)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"accept_key": key.group(1)} if key else {}, HTTP_USER_AGENT="Mozilla/5.0 Chrome/130.0")
    assert Notification.objects.filter(user=friend, kind="gift", article=article).exists()
    assert "Notifications (1 unread)" in client.get("/en/").content.decode()


def test_the_clusters_mail_sink_writes_what_it_receives_where_the_staff_page_reads(tmp_path):
    import re
    import smtplib
    import subprocess
    import sys
    from pathlib import Path

    from byline.mail.views import NAME
    from tests.audience.conftest import free_port

    port = free_port()
    root = Path(__file__).resolve().parents[2]
    sink = subprocess.Popen([sys.executable, str(root / "deploy" / "mailsink.py"), "--port", str(port),
                             "--dir", str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert re.match(r"mail sink on", sink.stdout.readline())
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.sendmail("a@example.org", ["b@example.org"], b"Subject: hi\r\n\r\nBody words.\r\n")
    finally:
        sink.terminate()
        sink.wait(timeout=30)
    [written] = list(tmp_path.glob("*.eml"))
    assert NAME.match(written.name) and b"Body words." in written.read_bytes()
