"""Test settings: the demo mode, a fast password hasher, and ORM use from Playwright's thread."""

import os

os.environ.setdefault("BYLINE_DEMO", "1")
os.environ.setdefault("BYLINE_FAST_HASHER", "1")
# Playwright's sync API runs an event loop in the test thread; the ORM calls there are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from byline.settings import *  # noqa: E402,F403

if not os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
VIEW_COUNT_FLUSH_SECONDS = 0  # counted at once (tests/ops/test_counters.py covers the buffered path)
RECOMMEND_INDEX_DIR = __import__("tempfile").mkdtemp(prefix="byline-test-recommend-")  # never the demo's var/
MEDIA_ROOT = __import__("tempfile").mkdtemp(prefix="byline-test-media-")  # uploaded images, never var/

# Forty threads connecting at once on a busy two-core machine can take longer than production's 3 seconds
# (tests/payments/test_idempotency.py once timed out in the full run); the tests are not about that limit.
for _database in DATABASES.values():  # noqa: F405
    if _database["ENGINE"] == "django.db.backends.postgresql":
        _database["OPTIONS"]["connect_timeout"] = 15
