"""Sign-up, log-in with throttling, password reset and the library."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests.conftest import LOCKED_SENTINEL, make_user

pytestmark = pytest.mark.django_db


def test_sign_up_creates_an_account_and_signs_in(client):
    response = client.post(reverse("accounts:signup"), {
        "username": "newreader", "email": "New@Example.org",
        "password1": "correct horse battery", "password2": "correct horse battery",
    })
    assert response.status_code == 302
    user = get_user_model().objects.get(username="newreader")
    assert user.email == "new@example.org" and user.password.startswith(("argon2", "md5"))
    assert client.get(reverse("accounts:library")).status_code == 200


def test_sign_up_with_bad_input_shows_errors_and_keeps_what_was_typed(client):
    make_user("taken")
    response = client.post(reverse("accounts:signup"), {
        "username": "taken", "email": "not-an-email", "password1": "short", "password2": "other",
    })
    content = response.content.decode()
    assert response.status_code == 400
    assert "already exists" in content and "valid email" in content
    assert 'value="taken"' in content


def test_login_is_throttled_after_repeated_failures(client, settings):
    make_user("target")
    url = reverse("accounts:login")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert client.post(url, {"username": "target", "password": "wrong"}).status_code == 200
    locked = client.post(url, {"username": "target", "password": "a-long-test-password"})
    assert locked.status_code == 429 and "Too many failed attempts" in locked.content.decode()
    assert locked["Retry-After"] == "900"


def test_login_and_logout(client):
    make_user("someone")
    response = client.post(reverse("accounts:login"), {"username": "someone", "password": "a-long-test-password"})
    assert response.status_code == 302
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("accounts:library")).status_code == 302


def test_password_reset_sends_a_working_link(client):
    make_user("forgetful")
    client.post(reverse("accounts:password_reset"), {"email": "forgetful@example.org"})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
    path = link.split("testserver", 1)[1]
    page = client.get(path, follow=True)
    assert page.status_code == 200 and "new password" in page.content.decode().lower()


def test_library_lists_only_what_the_reader_may_read(client, paid_article):
    client.force_login(paid_article.author.user)
    assert paid_article.title in client.get(reverse("accounts:library")).content.decode()
    client.force_login(make_user())
    content = client.get(reverse("accounts:library")).content.decode()
    assert paid_article.title not in content and LOCKED_SENTINEL not in content


def test_forms_carry_csrf_tokens(client):
    assert "csrfmiddlewaretoken" in client.get(reverse("accounts:login")).content.decode()
    assert "csrfmiddlewaretoken" in client.get(reverse("accounts:signup")).content.decode()


@pytest.mark.parametrize("taken, lookalike", [
    ("thvictim", "ｔｈｖｉｃｔｉｍ"), ("thvictim", "𝐭𝐡𝐯𝐢𝐜𝐭𝐢𝐦"), ("thvictim", "THVICTIM"),
    ("strasse", "Straße"), ("émile", "ÉMILE"), ("ÉMILE", "émile"),
])
def test_sign_up_refuses_a_username_that_reads_like_an_existing_one(client, taken, lookalike):
    make_user(taken)
    response = client.post(reverse("accounts:signup"), {
        "username": lookalike, "email": "new@example.org",
        "password1": "correct horse battery", "password2": "correct horse battery",
    })
    assert response.status_code == 400
    assert get_user_model().objects.count() == 1
