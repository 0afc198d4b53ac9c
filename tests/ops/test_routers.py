"""Selectors that tolerate lag read from the replica; everything else, and every transaction, the primary."""

import pytest
from django.db import transaction

from byline.articles.models import Article
from byline.ops import routers
from byline.ops.routers import ReplicaRouter, from_replica, replica_ok


@pytest.fixture
def with_replica(monkeypatch):
    monkeypatch.setattr(routers, "replica_configured", lambda: True)


def test_reads_go_to_the_primary_unless_a_selector_asks_for_the_replica(with_replica):
    assert ReplicaRouter().db_for_read(Article) is None
    with from_replica():
        assert ReplicaRouter().db_for_read(Article) == "replica"
    assert ReplicaRouter().db_for_read(Article) is None


def test_a_decorated_selector_reads_from_the_replica(with_replica):
    @replica_ok
    def listing():
        return ReplicaRouter().db_for_read(Article)

    assert listing() == "replica"


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_stay_on_the_primary(with_replica):
    with transaction.atomic(), from_replica():
        assert ReplicaRouter().db_for_read(Article) is None


def test_without_a_replica_everything_reads_the_primary():
    with from_replica():
        assert ReplicaRouter().db_for_read(Article) is None


def test_writes_and_migrations_never_go_to_the_replica(with_replica):
    with from_replica():
        assert ReplicaRouter().db_for_write(Article) is None
    assert ReplicaRouter().allow_migrate("replica", "articles") is False
    assert ReplicaRouter().allow_migrate("default", "articles") is None
