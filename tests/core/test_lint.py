"""The code stays ruff-clean: the same check a reviewer would run."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ruff_finds_nothing():
    folders = [name for name in ("byline", "tests", "bench", "scripts") if (ROOT / name).is_dir()]
    result = subprocess.run([sys.executable, "-m", "ruff", "check", *folders],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
