"""Signed-in users come from the shared cache, and any change to a user applies to the very next request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def user_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("purchases:wallet")).status_code == 200
    return sum('FROM "auth_user"' in query["sql"] for query in queries.captured_queries)


def signed_in(client) -> bool:
    return client.get(reverse("purchases:wallet")).status_code == 200


def test_a_signed_in_user_is_loaded_from_the_database_once(client):
    client.force_login(make_user())
    assert user_queries(client) == 1
    assert user_queries(client) == 0


def test_deactivating_a_user_signs_them_out_at_the_next_request(client):
    reader = make_user()
    client.force_login(reader)
    assert signed_in(client)
    reader.is_active = False
    reader.save()
    assert not signed_in(client)


def test_a_password_change_ends_the_other_sessions_at_once(client):
    reader = make_user()
    client.force_login(reader)
    assert signed_in(client)
    reader.set_password("a whole new passphrase")
    reader.save()
    assert not signed_in(client)


def test_a_deleted_user_is_signed_out(client):
    reader = make_user()
    client.force_login(reader)
    assert signed_in(client)
    reader.delete()
    assert not signed_in(client)


def test_a_new_staff_flag_applies_to_the_next_request(client):
    reader = make_user()
    client.force_login(reader)
    assert client.get(reverse("admin:index")).status_code == 302
    reader.is_staff = reader.is_superuser = True
    reader.save()
    assert client.get(reverse("admin:index")).status_code == 200
