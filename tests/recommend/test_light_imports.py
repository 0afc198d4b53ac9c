"""The web side of recommendations loads none of the engine's numeric libraries.

Article pages read precomputed lists; only a rebuild or a publish needs NumPy, SciPy and
scikit-learn, so a web worker that never publishes never pays for importing them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHECK = """
import sys, django
django.setup()
import byline.urls
import byline.recommend.catalogue, byline.recommend.selectors, byline.recommend.services, byline.recommend.views
import byline.recommend.engine
loaded = [m for m in ("numpy", "scipy", "sklearn", "byline.recommend.engine.index", "byline.recommend.tokens")
          if m in sys.modules]
print(",".join(loaded))
"""


def test_serving_pages_imports_no_numeric_library_from_recommend():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "byline.settings", "BYLINE_DEMO": "1"}
    out = subprocess.run([sys.executable, "-c", CHECK], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == ""
