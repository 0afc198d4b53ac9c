"""What the drills (bench/faults.py) and the soak (bench/soak.py) share: the running cluster's
settings, Django set up against its database, buyers with funded wallets and ready sessions, and
loopback-only HTTP with a purchase POST. Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = Path(os.environ.get("CLUSTER_RUN_DIR", ROOT / "var" / "cluster"))


def cluster_info() -> dict:
    path = RUN_DIR / "cluster.json"
    if not path.exists():
        sys.exit("no cluster is running: start it with `make cluster` (see deploy/README.md)")
    return json.loads(path.read_text())


def cluster_module():
    """deploy/cluster.py, configured with the ports the running cluster was started with."""
    info = cluster_info()
    os.environ.setdefault("CLUSTER_PG_PORT", str(info.get("pg_port", 5432)))
    os.environ.setdefault("CLUSTER_REDIS_PORT", str(info.get("redis_port", 6379)))
    os.environ.setdefault("CLUSTER_PORT", urlsplit(info["url"]).port.__str__())
    os.environ.setdefault("CLUSTER_APP_PORTS", ",".join(str(p) for p in info["app_ports"]))
    os.environ.setdefault("CLUSTER_DB", info["database"])
    sys.path.insert(0, str(ROOT / "deploy"))
    import cluster  # noqa: PLC0415 - deploy/ is not a package

    return cluster


def app_env() -> dict[str, str]:
    cluster = cluster_module()
    return cluster.app_env(cluster.Config.from_env())


def django_setup(env: dict[str, str] | None = None) -> None:
    """Django in this process, against the cluster's database and cache, as an app server sees them."""
    os.environ.update(env or app_env())
    sys.path.insert(0, str(ROOT))
    import django  # noqa: PLC0415

    django.setup()


def manage(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env or app_env(),
                          capture_output=True, text=True, timeout=120, check=False)


# --- people and things to buy (Django set up first) -------------------------------------------------

@dataclass(frozen=True)
class Buyer:
    username: str
    user_id: int
    cookies: dict[str, str]


def make_buyers(count: int, *, prefix: str, fund_minor: int = 100_000) -> list[Buyer]:
    """Readers with a funded wallet (a real ledger top-up) and a signed-in session each."""
    from django.conf import settings  # noqa: PLC0415
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: PLC0415
    from django.contrib.sessions.backends.cached_db import SessionStore  # noqa: PLC0415

    from byline.payments.services import credit_wallet  # noqa: PLC0415

    buyers = []
    for index in range(count):
        user = get_user_model().objects.create(username=f"{prefix}-{index}", email=f"{prefix}-{index}@example.org",
                                               password="!")
        credit_wallet(reader=user, amount_minor=fund_minor, currency="USD", key=f"bench-fund:{prefix}:{index}",
                      memo="bench top-up")
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        csrf = secrets.token_hex(16)  # 32 characters: Django accepts the unmasked secret as the token
        buyers.append(Buyer(user.username, user.pk, {"sessionid": session.session_key, "csrftoken": csrf}))
    return buyers


def paid_articles(limit: int = 50) -> list[str]:
    from byline.articles.models import Article, Status, Visibility  # noqa: PLC0415

    return list(Article.objects.filter(status=Status.PUBLISHED, visibility=Visibility.PAID, price_minor__gt=0,
                                       currency="USD").order_by("pk").values_list("slug", flat=True)[:limit])


def active_purchases(user_ids: list[int]) -> list[tuple[int, str]]:
    from byline.purchases.models import Purchase, PurchaseStatus  # noqa: PLC0415

    return list(Purchase.objects.filter(reader_id__in=user_ids, status=PurchaseStatus.ACTIVE)
                .values_list("reader_id", "article__slug"))


# --- HTTP (loopback only) -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    status: int  # 0 = no HTTP answer at all (connection refused or reset)
    retry_after: str | None
    location: str
    body: bytes


def request(base: str, method: str, path: str, *, cookies: dict[str, str] | None = None,
            form: dict[str, str] | None = None, headers: dict[str, str] | None = None,
            timeout: float = 15) -> Answer:
    parts = urlsplit(base)
    assert parts.hostname == "127.0.0.1", "drills and soaks only ever talk to 127.0.0.1"
    headers = {"Host": f"127.0.0.1:{parts.port}", **(headers or {})}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    payload = None
    if form is not None:
        payload = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        body = response.read()
        return Answer(response.status, response.getheader("Retry-After"), response.getheader("Location") or "", body)
    except (OSError, http.client.HTTPException):
        return Answer(0, None, "", b"")
    finally:
        connection.close()


def buy(base: str, buyer: Buyer, slug: str, key: str | None = None) -> Answer:
    """The paywall's confirmed wallet purchase, as the browser posts it. A redirect (303, post/redirect/get)
    = bought (or already owned)."""
    return request(base, "POST", f"/en/unlock/{slug}/", cookies=buyer.cookies, form={
        "confirmed": "yes", "idempotency_key": key or uuid.uuid4().hex,
        "csrfmiddlewaretoken": buyer.cookies["csrftoken"]})


def bought(answer: Answer) -> bool:
    """A new purchase lands on the undo offer; an article already owned, on its full text."""
    return answer.status in (302, 303) and ("#undo-offer" in answer.location or "#full-text" in answer.location)


def clean_failure(answer: Answer) -> bool:
    """A failure a client can act on: 503 with Retry-After."""
    return answer.status == 503 and bool(answer.retry_after)


def process_memory_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def app_worker_pids() -> list[int]:
    pids = []
    for pid_path in sorted(RUN_DIR.glob("app-*.pid")):
        master = int(pid_path.read_text())
        for task in Path(f"/proc/{master}/task").glob("*"):
            try:
                pids += [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
    return pids
