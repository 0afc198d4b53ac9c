"""Per-process copies (core/local_cache.py) hold nothing personal and nothing a write must invalidate at once.

Every worker process keeps its own copies, and only the shared cache can be told to forget; so a copy is
safe only if its key names everything its value depends on, or if a stale copy can cost nothing but a
repeated harmless write. Each use below was reviewed for that; a new use fails this test until it is
reviewed and written down here, with the reason it is safe.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKERS = ("local_cache.versioned", "LocalCache(")
REVIEWED = {
    ("byline/pages/page_shell.py", "local_cache.versioned"):
        "article page shells, keyed by article version, language, reading preferences, access answer, staff or "
        "not and the related cards: the same for every reader with that key; personal parts are filled per request",
    ("byline/recommend/selectors.py", "local_cache.versioned"): "related lists, keyed by their generation",
    ("byline/sharing/selectors.py", "local_cache.versioned"): "QR code drawings, keyed by the text they encode",
    ("byline/sharing/services.py", "local_cache.versioned"):
        "that a sharer's referral codes are stored: true once, never undone (a removed row is stored again)",
    ("byline/comments/selectors.py", "local_cache.versioned"):
        "who wrote each live comment and when, keyed by the article's parts generation, which every comment "
        "write replaces; whether the reader is that writer is decided per request",
    ("byline/purchases/selectors.py", "LocalCache("):
        "a purchase's unchanging terms (id, time, price); whether it still stands comes from this request's "
        "access decision",
    ("byline/subscriptions/selectors.py", "LocalCache("):
        "a writer's offered subscription prices, for the paywall's note only (a minute stale at most, the same for "
        "every reader); the cap's access decision and every charge read the prices from the database",
    ("byline/recommend/services.py", "LocalCache("):
        "which reading events this process wrote today: a stale entry only repeats an insert that does nothing",
}


def test_every_per_process_cache_was_reviewed():
    found = set()
    for path in sorted((ROOT / "byline").rglob("*.py")):
        if path.name == "local_cache.py":
            continue
        text = path.read_text()
        found |= {(str(path.relative_to(ROOT)), marker) for marker in MARKERS if marker in text}
    assert found == set(REVIEWED)
