"""Look-alike usernames across scripts (found by the outside probe): "stаff" with a Cyrillic "а" signed up beside
"staff", and then wrote comments under a name that reads exactly like the staff account's. Letters of Cyrillic
and Greek that look like Latin ones count as those Latin letters when names are compared; names in those
scripts that look like no one's are still welcome."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from byline.accounts.selectors import lookalike_username_exists
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _sign_up(client, username):
    return client.post(reverse("accounts:signup") + "?with=password", {
        "username": username, "email": "new@example.org",
        "password1": "correct horse battery", "password2": "correct horse battery"})


@pytest.mark.parametrize("taken, lookalike", [
    ("staff", "st\u0430ff"),              # Cyrillic small a
    ("staff", "\u0455taff"),              # Cyrillic dze for s
    ("paypal", "\u0440\u0430\u0443\u0440\u0430l"),  # Cyrillic r, a, u, r, a
    ("alice", "\u0391lice"),              # Greek capital alpha
    ("Bob", "\u0412\u041e\u0412"),        # Cyrillic capitals Ve, O, Ve
])
def test_sign_up_refuses_a_name_written_with_look_alike_letters_of_another_script(client, taken, lookalike):
    make_user(taken)
    assert _sign_up(client, lookalike).status_code == 400
    assert get_user_model().objects.count() == 1


@pytest.mark.parametrize("name", ["\u0438\u0432\u0430\u043d", "lan\u4e54", "\u03c3\u03bf\u03c6\u03af\u03b1"])
def test_names_in_other_scripts_that_look_like_no_one_are_welcome(name):
    make_user("ivan")
    assert not lookalike_username_exists(name)


def test_a_wechat_nickname_that_reads_as_an_existing_username_is_not_shown_as_the_name():
    from django.test import Client

    make_user("staff")
    for nickname in ("st\u0430ff", "STAFF"):
        client = Client()
        qr = client.post(reverse("weixin_login"), {"process": "login"})["Location"]
        client.get(client.post(qr, {"name": nickname})["Location"])
        user = get_user_model().objects.get(pk=client.session["_auth_user_id"])
        assert not lookalike_username_exists(user.get_full_name() or "x")
        assert user.get_full_name() == "" and user.username != "staff"
    client = Client()
    qr = client.post(reverse("weixin_login"), {"process": "login"})["Location"]
    client.get(client.post(qr, {"name": "小明"})["Location"])
    assert get_user_model().objects.get(pk=client.session["_auth_user_id"]).get_full_name() == "小明"
