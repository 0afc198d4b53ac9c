"""Build the extra labelled corpora for `manage.py evaluate_related` from public repositories' snapshots.

The corpora are research data: they live outside the repository (default /work/corpora) and never ship.
Each source is a git directory of a public repository at a named commit (see SOURCES); get them with the
tool library's `fetch` (github:<owner>/<repo>) or `git clone`, then:

    .venv/bin/python scripts/corpora/build.py --mirrors /work/.mirror --out /work/corpora

Each corpus folder gets articles.jsonl (id, title, body, category, lang), SOURCE.txt (where, which commit, how it
was extracted and sampled) and LICENSE-SOURCE.txt (the terms the source states), like ../shared/data.
Samples are balanced per category and drawn with a fixed seed, so a rebuild gives the same corpus.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import subprocess
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

SEED = 20261203
csv.field_size_limit(sys.maxsize)


def git_show(repo: Path, path: str) -> bytes:
    return subprocess.run(["git", f"--git-dir={repo}", "show", f"HEAD:{path}"], check=True,
                          capture_output=True).stdout


def git_files(repo: Path, prefix: str) -> list[str]:
    out = subprocess.run(["git", f"--git-dir={repo}", "ls-tree", "-r", "--name-only", "HEAD", prefix],
                         check=True, capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line]


def git_commit(repo: Path) -> str:
    return subprocess.run(["git", f"--git-dir={repo}", "rev-parse", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()


def balanced(rows: list[dict], per_category: int, min_per_category: int = 10) -> list[dict]:
    """At most `per_category` rows of each category, drawn with the fixed seed; tiny categories dropped.

    A body seen before (a cross-post, a repeated review) is dropped with every later copy: a copy under another
    category would be judged irrelevant to itself, one under the same category would be a free hit."""
    by_category: dict[str, list[dict]] = defaultdict(list)
    seen: dict[str, int] = defaultdict(int)
    for row in rows:
        seen[" ".join(row["body"].split())] += 1
    for row in rows:
        if seen[" ".join(row["body"].split())] == 1:
            by_category[row["category"]].append(row)
    rng = random.Random(SEED)
    picked = []
    for category in sorted(by_category):
        group = by_category[category]
        if len(group) < min_per_category:
            continue
        rng.shuffle(group)
        picked += group[:per_category]
    rng.shuffle(picked)
    return picked


def short_title(text: str, limit: int) -> str:
    """A title from the text's first sentence or clause, for sources that have none."""
    first = re.split(r"(?<=[。！？!?.;；])\s*|\n", text.strip(), maxsplit=1)[0]
    return first[:limit].strip()


# -- English: 20 Newsgroups (forum posts) --------------------------------------------------------------------
QUOTE = re.compile(r"^\s*(>|\|>|:)")
ATTRIBUTION = re.compile(r"(writes|wrote|said):\s*$", re.I)


def newsgroups(repo: Path) -> list[dict]:
    rows = []
    for path in git_files(repo, "20news-bydate/"):
        parts = path.split("/")
        if len(parts) != 4 or parts[0] != "20news-bydate" or "MACOSX" in path:
            continue
        raw = git_show(repo, path).decode("latin-1")
        head, _, body = raw.partition("\n\n")
        subject = ""
        for line in head.splitlines():
            if line.lower().startswith("subject:"):
                subject = re.sub(r"^(re:\s*)+", "", line[8:].strip(), flags=re.I)
        # Quoted text and attributions belong to other posts: keep only what this post's author wrote.
        lines = [line for line in body.splitlines() if not QUOTE.match(line) and not ATTRIBUTION.search(line)]
        text = "\n".join(lines).strip()
        if len(text) < 200 or not subject:
            continue
        rows.append({"id": f"20ng-{parts[2]}-{parts[3]}", "title": subject, "body": text, "category": parts[2],
                     "lang": "en"})
    return balanced(rows, per_category=150)


# -- English: WebKB (university web pages), already lower-cased and stemmed by its source -------------------
def _from_words(row_id: str, text: str, category: str) -> dict | None:
    """A row for a source without titles, already lower-cased and tokenised: the first eight words make the
    title, the rest the body; under 40 words, None."""
    words = text.split()
    if len(words) < 40:
        return None
    return {"id": row_id, "title": " ".join(words[:8]), "body": " ".join(words[8:]), "category": category,
            "lang": "en"}


def webkb(repo: Path) -> list[dict]:
    texts = git_show(repo, "data/corpus/WebKB.txt").decode("utf-8", "replace").splitlines()
    meta = git_show(repo, "data/WebKB.txt").decode().splitlines()
    names = {"cours": "course", "facult": "faculty", "projec": "project", "studen": "student"}
    rows = []
    for line, text in zip(meta, texts, strict=True):
        index, _, label = line.split("\t")
        rows.append(_from_words(f"webkb-{index}", text, names.get(label, label)))
    return balanced([row for row in rows if row], per_category=500)


# -- English: Reuters-21578, R8 split (newswire, lower-cased by its source) ----------------------------------
def reuters_r8(repo: Path) -> list[dict]:
    rows = []
    for split in ("train", "test"):
        for number, line in enumerate(git_show(repo, f"data/R8/{split}.txt").decode().splitlines()):
            label, _, text = line.partition("\t")
            rows.append(_from_words(f"r8-{split}-{number}", text, label))
    return balanced([row for row in rows if row], per_category=400)


# -- Chinese: CSL, abstracts of Chinese scientific papers labelled with their discipline --------------------
def csl_abstracts(repo: Path) -> list[dict]:
    rows = []
    for split in ("dev", "test"):
        for number, line in enumerate(git_show(repo, f"benchmark/cls_dcp/{split}.tsv").decode().splitlines()):
            fields = line.split("\t")
            if len(fields) != 3:
                continue
            text, label = fields[1].strip(), fields[2].strip()
            if len(text) < 60:
                continue
            rows.append({"id": f"csl-{split}-{number}", "title": short_title(text, 40), "body": text,
                         "category": label, "lang": "zh"})
    return balanced(rows, per_category=100, min_per_category=15)


# -- Chinese: online shopping reviews in ten product categories ---------------------------------------------
def shopping_reviews(repo: Path) -> list[dict]:
    packed = git_show(repo, "datasets/online_shopping_10_cats/online_shopping_10_cats.zip")
    archive = zipfile.ZipFile(io.BytesIO(packed))
    text = archive.read("online_shopping_10_cats.csv").decode("utf-8-sig")
    rows = []
    for number, record in enumerate(csv.DictReader(io.StringIO(text))):
        review = (record.get("review") or "").replace("\ufeff", "").strip()
        if len(review) < 60:
            continue
        rows.append({"id": f"shop-{number}", "title": short_title(review, 24), "body": review,
                     "category": record["cat"], "lang": "zh"})
    return balanced(rows, per_category=300)


SOURCES = {
    "newsgroups-20-en": {
        "repo": "YunomiXavia/20news-bydate", "build": newsgroups,
        "about": "20 Newsgroups, 'bydate' version (Usenet posts, 1990s), via a public GitHub copy. Title = Subject "
                 "header without 'Re:'; body = the post after its headers, with quoted lines and attribution lines "
                 "removed; category = newsgroup. Posts under 200 characters dropped; 150 per group.",
        "license": "20 Newsgroups (collected by Ken Lang): distributed for research use without a stated licence; "
                   "see http://qwone.com/~jason/20Newsgroups/. Research and evaluation only; never shipped.",
    },
    "webkb-pages-en": {
        "repo": "yao8839836/text_gcn", "build": webkb,
        "about": "WebKB university web pages (CMU, 1997), in the cleaned form of the text_gcn repository "
                 "(data/corpus/WebKB.txt: lower-cased, stemmed, stop words removed; labels from data/WebKB.txt). "
                 "Title = first eight words, body = the rest. Pages under 40 words dropped; at most 500 per class. "
                 "Caveat: the text is already stemmed, so it tests the engine on unusual input.",
        "license": "WebKB: CMU World Wide Knowledge Base project, free for research use "
                   "(http://www.cs.cmu.edu/afs/cs/project/theo-20/www/data/). Research and evaluation only.",
    },
    "reuters-r8-en": {
        "repo": "yao8839836/text_gcn", "build": reuters_r8,
        "about": "Reuters-21578, R8 subset (newswire, 1987), from text_gcn's data/R8/{train,test}.txt (lower-cased, "
                 "punctuation and digits removed by its source). Title = first eight words. At most 400 per class.",
        "license": "Reuters-21578: 'The copyright for the text of newswire articles and Reuters annotations in the "
                   "Reuters-21578 collection resides with Reuters Ltd.' Free distribution for research purposes only.",
    },
    "csl-abstracts-zh": {
        "repo": "ydli-ai/CSL", "build": csl_abstracts,
        "about": "CSL (Chinese Scientific Literature), benchmark/cls_dcp dev and test: paper abstracts labelled with "
                 "their discipline. Title = the abstract's first clause (the split carries no title). Disciplines "
                 "with under 15 abstracts dropped; at most 100 per discipline.",
        "license": "CSL: Apache License 2.0 (repository readme). Research and evaluation only here.",
    },
    "shopping-reviews-zh": {
        "repo": "SophonPlus/ChineseNlpCorpus", "build": shopping_reviews,
        "about": "online_shopping_10_cats: product reviews from Chinese shopping sites in ten categories (books, "
                 "tablets, phones, fruit, shampoo, water heaters, Mengniu, clothes, computers, hotels). Title = the "
                 "review's first clause; the sentiment label is ignored. Reviews under 60 characters dropped; 300 "
                 "per category.",
        "license": "SophonPlus ChineseNlpCorpus: collected from public sources for research; no licence stated in "
                   "the repository. Research and evaluation only; never shipped.",
    },
}


def mirror_path(mirrors: Path, repo: str) -> Path:
    base = mirrors / repo.replace("/", "+") / "repo"
    return base / ".git" if (base / ".git").is_dir() else base


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"),
                        help="folder of git directories named owner+repo/repo (the tool library's fetch)")
    parser.add_argument("--out", type=Path, default=Path("/work/corpora"))
    parser.add_argument("--only", action="append", default=[], help="build only this corpus (repeatable)")
    args = parser.parse_args()
    for name, source in SOURCES.items():
        if args.only and name not in args.only:
            continue
        repo = mirror_path(args.mirrors, source["repo"])
        if not repo.exists():
            print(f"{name}: skipped, no snapshot of {source['repo']} at {repo}", file=sys.stderr)
            continue
        rows = source["build"](repo)
        folder = args.out / name
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "articles.jsonl", "w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        categories = len({row["category"] for row in rows})
        (folder / "SOURCE.txt").write_text(
            f"Source repository: https://github.com/{source['repo']}\nCommit: {git_commit(repo)}\n"
            f"{source['about']}\nArticles: {len(rows)}; categories: {categories}; sample seed {SEED}.\n"
            "Built by scripts/corpora/build.py.\n", encoding="utf-8")
        (folder / "LICENSE-SOURCE.txt").write_text(source["license"] + "\n", encoding="utf-8")
        print(f"{name}: {len(rows)} articles, {categories} categories -> {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
