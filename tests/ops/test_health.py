"""/healthz tells a load balancer whether this app server can serve: database required, cache wanted."""

import json

import pytest
from django.core.cache import cache
from django.db import OperationalError, connections

pytestmark = pytest.mark.django_db


def test_health_is_ok_when_database_and_cache_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["cache"]["ok"]


def test_health_is_never_cached_and_lives_outside_the_language_prefix(client):
    response = client.get("/healthz")
    assert "no-cache" in response.headers["Cache-Control"] or "max-age=0" in response.headers["Cache-Control"]
    assert client.get("/en/healthz").status_code == 404


def test_health_answers_503_when_the_database_is_down(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 10.1.2.3 port 5432 failed: secret-ish detail")

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"ok": False, "ms": body["checks"]["database"]["ms"],
                                          "error": "OperationalError"}


def test_health_never_reveals_where_its_dependencies_live(client, monkeypatch, settings):
    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to 10.1.2.3 with password hunter2")

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    text = client.get("/healthz").content.decode()
    for secret in ("10.1.2.3", "hunter2", settings.SECRET_KEY, settings.DATABASES["default"]["NAME"]):
        assert str(secret) not in text


def test_health_is_degraded_but_200_when_only_the_cache_is_down(client, monkeypatch):
    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: None)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["status"] == "degraded"
    assert body["checks"]["cache"]["ok"] is False and body["checks"]["database"]["ok"] is True
