"""Log-in throttling counts every spelling Django signs in with against one account, counts unknown names
alike, and takes the client's address from a trusted proxy only."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from byline.accounts import throttling
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
LOOKALIKES = ["ｔｈｖｉｃｔｉｍ", "𝐭𝐡𝐯𝐢𝐜𝐭𝐢𝐦", "𝓉𝒽𝓋𝒾𝒸𝓉𝒾𝓂", " thvictim\u3000", "thvictim"]


def log_in(username: str, password: str, address: str, client: Client | None = None, **meta):
    client = client or Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": password},
                           REMOTE_ADDR=address, **meta)
    return response, SESSION_KEY in client.session


def test_every_spelling_django_signs_in_with_counts_against_the_same_account(settings):
    make_user("thvictim")
    for number in range(settings.LOGIN_FAILURE_LIMIT):
        spelling = LOOKALIKES[number % len(LOOKALIKES)]
        response, _ = log_in(spelling, "wrong guess", f"203.0.113.{number}")
        assert response.status_code == 200
    for number, spelling in enumerate(LOOKALIKES):
        response, signed_in = log_in(spelling, PASSWORD, f"198.51.100.{number}")
        assert response.status_code == 429 and not signed_in, spelling
        assert "Too many failed attempts" in response.content.decode()


def test_a_lookalike_of_an_unlocked_account_still_signs_in_like_django_does(db):
    make_user("thvictim")
    response, signed_in = log_in("𝐭𝐡𝐯𝐢𝐜𝐭𝐢𝐦", PASSWORD, "203.0.113.1")
    assert response.status_code == 302 and signed_in


def test_names_no_account_has_are_throttled_the_same_way(settings):
    for number in range(settings.LOGIN_FAILURE_LIMIT):
        assert log_in("ｎｏｂｏｄｙ" if number % 2 else "Nobody", "guess", f"203.0.113.{number}")[0].status_code == 200
    assert log_in("nobody", "guess", "198.51.100.1")[0].status_code == 429


def test_a_refused_attempt_checks_no_password(settings, monkeypatch):
    make_user("thvictim")
    for number in range(settings.LOGIN_FAILURE_LIMIT):
        log_in("thvictim", "wrong guess", f"203.0.113.{number}")
    checked = []
    monkeypatch.setattr("django.contrib.auth.forms.authenticate", lambda *a, **k: checked.append(k))
    assert log_in("thvictim", PASSWORD, "198.51.100.1")[0].status_code == 429
    assert checked == []


def test_attempts_are_counted_before_the_password_is_checked_so_simultaneous_ones_cannot_all_pass(settings):
    make_user("thvictim")
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.1")
    admitted = [throttling.begin_attempt(request, "thvictim") for _ in range(settings.LOGIN_FAILURE_LIMIT + 3)]
    assert admitted.count(True) == settings.LOGIN_FAILURE_LIMIT


def test_signing_in_to_ones_own_account_does_not_wipe_the_addresss_failures(settings):
    make_user("mine")
    for number in range(settings.LOGIN_FAILURE_LIMIT - 1):
        make_user(f"other{number}")
        assert log_in(f"other{number}", "guess", "203.0.113.7")[0].status_code == 200
    assert log_in("mine", PASSWORD, "203.0.113.7")[1]
    assert log_in("other0", "guess", "203.0.113.7")[0].status_code == 200
    assert log_in("other1", "guess", "203.0.113.7")[0].status_code == 429


@override_settings(BEHIND_PROXY=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_behind_the_proxy_each_reader_has_their_own_address_count(settings):
    make_user("patient")
    for number in range(settings.LOGIN_FAILURE_LIMIT):
        make_user(f"target{number}")
        log_in(f"target{number}", "guess", "127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.66")
    assert log_in("patient", "guess", "127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.66")[0].status_code == 429
    response, signed_in = log_in("patient", PASSWORD, "127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.77")
    assert response.status_code == 302 and signed_in


@override_settings(BEHIND_PROXY=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_a_forwarded_for_header_the_client_wrote_does_not_give_it_a_fresh_address(settings):
    for number in range(settings.LOGIN_FAILURE_LIMIT):
        make_user(f"target{number}")
        log_in(f"target{number}", "guess", "127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.9.9.{number}, 198.51.100.66")
    make_user("fresh")
    response, _ = log_in("fresh", PASSWORD, "127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.99, 198.51.100.66")
    assert response.status_code == 429
