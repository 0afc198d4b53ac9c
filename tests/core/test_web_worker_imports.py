"""A web worker loads no heavy library until a request needs it (worker RSS, issue 23: at most 150 MiB).

Importing the WSGI application and serving English pages loads neither the numeric libraries of the
recommendation engine nor a Chinese segmenter's dictionary (rjieba: about 33 MiB); a Chinese search
does load the segmenter, and only then.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("numpy", "scipy", "sklearn", "jieba", "rjieba", "torch")
CHECK = f"""
import sys
import byline.wsgi
from byline.search.terms import terms_of
terms_of("Printing in Mainz, and the teas of the Song")
print(",".join(m for m in {HEAVY!r} if m in sys.modules))
terms_of("北京大学")
print(",".join(m for m in {HEAVY!r} if m in sys.modules))
"""


def test_the_wsgi_application_and_english_text_load_no_heavy_library():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "byline.settings", "BYLINE_DEMO": "1", "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", CHECK], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    before_chinese, after_chinese = out.stdout.split("\n")[:2]
    assert before_chinese == ""
    assert after_chinese == "rjieba"
