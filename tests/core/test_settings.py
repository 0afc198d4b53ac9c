"""Production mode refuses to start without a real secret key."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_check(**env_overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BYLINE_", "SECRET_KEY", "DJANGO_SETTINGS"))}
    env.update(DJANGO_SETTINGS_MODULE="byline.settings", **env_overrides)
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_production_mode_refuses_to_start_without_secret_key():
    result = run_check()
    assert result.returncode != 0 and "Production mode needs SECRET_KEY" in result.stderr


def test_production_mode_refuses_an_insecure_secret_key():
    result = run_check(SECRET_KEY="django-insecure-" + "x" * 50)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_mode_starts_with_a_real_secret_key_and_secure_cookies():
    key = "k" * 20 + "9Zq7" * 10
    result = run_check(SECRET_KEY=key, ALLOWED_HOSTS="example.org")
    assert result.returncode == 0, result.stderr
    probe = subprocess.run(
        [sys.executable, "-c",
         "import django; django.setup(); from django.conf import settings as s; "
         "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG, s.SECURE_HSTS_SECONDS > 0)"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("BYLINE_")},
             "DJANGO_SETTINGS_MODULE": "byline.settings", "SECRET_KEY": key},
    )
    assert probe.stdout.split() == ["True", "True", "False", "True"], probe.stderr
