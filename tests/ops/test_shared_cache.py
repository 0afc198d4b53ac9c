"""Without Redis (make demo, a small site), every process of the site shares one cache: a value one worker
writes or forgets is what the next worker reads, and counters stay exact when workers count at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from byline.ops.cache import SharedFileCache

ROOT = Path(__file__).resolve().parents[2]


def embedded_env(var_dir: Path) -> dict[str, str]:
    """The environment of `make demo`: demo mode, no REDIS_URL, no DATABASE_URL, the real settings."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(BYLINE_DEMO="1", BYLINE_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="byline.settings")
    return env


def in_a_site_process(var_dir: Path, code: str) -> subprocess.Popen:
    """A separate Python process with the site's settings and the cache they configure, running `code`
    (the apps are not loaded: the cache needs none of them, and loading them takes seconds)."""
    prelude = "from django.core.cache import caches\ncache = caches['default']\n"
    return subprocess.Popen([sys.executable, "-c", prelude + code], cwd=ROOT, env=embedded_env(var_dir),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def output_of(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out.strip()


def test_a_value_one_process_writes_is_read_by_another_and_a_removal_is_seen_by_both(tmp_path):
    writer = output_of(in_a_site_process(tmp_path, (
        "print(type(cache).__name__, cache._dir)\n"
        "cache.set('sharing:gift-allowance:7', 4)\n"
        "cache.set('api:feed-secret-shown-once:7', 'xyz')\n"
    )))
    assert writer == f"SharedFileCache {tmp_path / 'cache'}"
    # This test's process is a second client of the same store: it sees the writer's values...
    other = SharedFileCache(str(tmp_path / "cache"), {})
    assert other.get("sharing:gift-allowance:7") == 4
    # ...and what it changes or forgets, a third process sees at once.
    other.set("sharing:gift-allowance:7", 0)
    other.delete("api:feed-secret-shown-once:7")
    reader = output_of(in_a_site_process(tmp_path, (
        "print(cache.get('sharing:gift-allowance:7'), cache.get('api:feed-secret-shown-once:7'))\n"
    )))
    assert reader == "0 None"


def test_counters_stay_exact_when_two_processes_count_at_once(tmp_path):
    count = (
        "cache.add('views', 0, 300)\n"
        "for _ in range(300):\n"
        "    cache.incr('views')\n"
        "print(cache.add('flush-lock', 1, 300))\n"
    )
    first, second = in_a_site_process(tmp_path, count), in_a_site_process(tmp_path, count)
    took_lock = sorted([output_of(first), output_of(second)])
    assert SharedFileCache(str(tmp_path / "cache"), {}).get("views") == 600
    assert took_lock == ["False", "True"]  # `add` as a lock: exactly one process gets it
