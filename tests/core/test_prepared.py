"""On PostgreSQL the article page's entitlement query is a prepared statement: parsed and planned once per
connection, with the same answers, and a server lost under it still answers a clean 503."""

import psycopg
import pytest
from django.conf import settings
from django.db import close_old_connections, connection
from django.test import Client

from byline.core import prepared
from byline.purchases.services import unlock_with_wallet
from tests.conftest import LOCKED_SENTINEL, make_user
from tests.ledger.conftest import fund

pytestmark = pytest.mark.postgres


def statements_prepared_here() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def entitlement_statements() -> list[str]:
    return [sql for sql in statements_prepared_here() if "purchases_membership" in sql]


def signed_in(reader) -> Client:
    client = Client()
    client.force_login(reader)
    return client


def buyer(article, key: str):
    reader = make_user()
    fund(reader, 5_000)
    unlock_with_wallet(reader=reader, article=article, idempotency_key=key)
    return reader


@pytest.mark.django_db
def test_the_entitlement_query_is_prepared_once_and_answers_every_reader_rightly(paid_article):
    owner, stranger = buyer(paid_article, "prepared"), make_user()
    url = paid_article.get_absolute_url()
    for _ in range(3):
        assert LOCKED_SENTINEL in signed_in(owner).get(url).content.decode()
        page = signed_in(stranger).get(url).content.decode()
        assert LOCKED_SENTINEL not in page and "The rest of this article is paid" in page
    [statement] = entitlement_statements()  # one statement for both readers and all six pages
    assert "$1" in statement  # bound on the server: the reader and the article are parameters
    # The paywall's balance (the unlock's own statements read ledger_account too: they begin with WITH).
    [balance] = [sql for sql in statements_prepared_here() if "ledger_account" in sql and not sql.startswith("WITH")]
    assert "$1" in balance


@pytest.mark.django_db
def test_the_wallet_unlocks_two_statements_are_prepared_once_for_every_purchase(author):
    """Issue 23: planning the unlock's two CTEs cost the server more than running them. Three readers buying three
    articles leave one prepared statement of each shape on the connection, and the purchases are all there."""
    from tests.conftest import make_article

    articles = [make_article(author=author) for _ in range(3)]
    for n, article in enumerate(articles):
        buyer(article, f"unlock-{n}")
    found = [sql for sql in statements_prepared_here() if sql.startswith("WITH")]
    assert sorted(sql.split()[1] for sql in found) == ["posted", "wallets"], found
    assert all("$1" in sql for sql in found)
    assert all(article.purchases.count() == 1 for article in articles)


@pytest.mark.django_db
def test_the_paywalls_prepared_balance_is_the_readers_own_and_zero_without_an_account(paid_article):
    rich, poor, newcomer = make_user(), make_user(), make_user()
    fund(rich, 4_321)
    fund(poor, 10)
    url = paid_article.get_absolute_url()
    for reader, shown in ((rich, "$43.21"), (poor, "$0.10"), (rich, "$43.21"), (newcomer, "$0.00")):
        page = signed_in(reader).get(url).content.decode()
        assert shown in page and LOCKED_SENTINEL not in page


@pytest.mark.django_db
def test_with_preparing_turned_off_it_is_djangos_own_cursor(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", {
        **connection.settings_dict["OPTIONS"], "prepare_threshold": None})
    with prepared.cursor(connection) as cursor:
        assert isinstance(cursor.cursor, psycopg.ClientCursor)
    monkeypatch.undo()
    with prepared.cursor(connection) as cursor:
        assert not isinstance(cursor.cursor, psycopg.ClientCursor)


@pytest.mark.django_db(transaction=True)
def test_a_server_lost_under_a_prepared_statement_answers_503_and_the_next_page_reconnects(paid_article):
    reader = buyer(paid_article, "lost")
    client = Client(raise_request_exception=False)
    client.force_login(reader)
    url = paid_article.get_absolute_url()
    assert LOCKED_SENTINEL in client.get(url).content.decode()
    assert entitlement_statements()
    pid = connection.connection.info.backend_pid
    params = settings.DATABASES["default"]
    with psycopg.connect(host=params["HOST"], port=params["PORT"], user=params["USER"],
                         dbname=connection.settings_dict["NAME"], autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])

    response = client.get(url)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert LOCKED_SENTINEL not in response.content.decode()
    close_old_connections()  # what a server does after each request (Django's test client leaves it out)
    again = client.get(url)
    assert again.status_code == 200 and LOCKED_SENTINEL in again.content.decode()
    assert connection.connection.info.backend_pid != pid
