from __future__ import annotations

import json
import time

import pytest
from django.conf import settings

from byline.payments.providers import sandbox, signing
from tests.ledger.conftest import funded_reader  # noqa: F401 - shared fixture


def signed(event: dict, *, secret: str | None = None, timestamp: int | None = None) -> tuple[bytes, dict]:
    body = json.dumps(event).encode()
    header = signing.sign(body, secret or settings.SANDBOX_WEBHOOK_SECRET, timestamp or int(time.time()))
    return body, {sandbox.SIGNATURE_HEADER: header}


@pytest.fixture
def failing_transport(monkeypatch):
    """The webhook endpoint is down: every delivery attempt fails until `up()` is called."""
    state = {"up": False, "calls": 0}

    def transport(body, headers):
        state["calls"] += 1
        if not state["up"]:
            return 503
        return sandbox._in_process(body, headers)

    monkeypatch.setattr(sandbox, "transport", transport)
    state["up_fn"] = lambda: state.update(up=True)
    return state
