"""manage.py evaluate_related: scores on a labelled corpus, and clear errors for corpora it cannot use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.recommend.conftest import shared_corpus


def write_corpus(folder: Path, lines: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "articles.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return folder


def record(number: int, category: str = "a", lang: str = "en") -> str:
    return json.dumps({"id": number, "title": f"Title {number}", "body": "Some body text about things.",
                       "category": category, "lang": lang})


@pytest.mark.parametrize(
    "lines, message",
    [
        ([], "corpus is empty"),
        ([record(1), "{not json", record(3, "b")], ":2: malformed JSON"),
        ([record(1), record(2, "b", lang="fr")], ":2: unknown language 'fr'"),
        ([record(1), record(2)], "only 1 category ('a')"),
    ],
    ids=["empty", "malformed", "unknown-language", "one-category"],
)
def test_a_corpus_it_cannot_use_gets_a_clear_error(tmp_path, lines, message):
    folder = write_corpus(tmp_path / "corpus", lines)
    with pytest.raises(CommandError) as error:
        call_command("evaluate_related", corpus=str(folder))
    assert message in str(error.value) and "articles.jsonl" in str(error.value)


def test_a_missing_corpus_folder_gets_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="cannot open corpus"):
        call_command("evaluate_related", corpus=str(tmp_path / "nowhere"))


def test_too_few_articles_for_the_list_length_get_a_clear_error(tmp_path):
    folder = write_corpus(tmp_path / "corpus", [record(1), record(2, "b"), record(3, "b")])
    with pytest.raises(CommandError, match="too few to score lists of 5"):
        call_command("evaluate_related", corpus=str(folder))


@pytest.mark.parametrize("name", ["bbc-news-en", "thucnews-cnews-zh"])
def test_on_a_shared_corpus_sample_byline_beats_every_baseline(tmp_path, capsys, name):
    path = shared_corpus(name)
    if path is None:
        pytest.skip("../shared/data is not beside this checkout")
    lines = path.read_text(encoding="utf-8").splitlines()
    sample = write_corpus(tmp_path / name, lines[:: max(1, len(lines) // 300)])  # files are grouped by category
    call_command("evaluate_related", corpus=str(sample), k=5, json=True)
    rows = {row["method"]: row for row in json.loads(capsys.readouterr().out)["rows"]}
    assert {"random", "tfidf", "tfidf_sublinear", "byline"} <= set(rows)
    best_baseline = max(row["precision"] for method, row in rows.items() if method != "byline")
    assert rows["byline"]["precision"] > best_baseline
    assert all(0 <= row["ndcg"] <= 1 and 0 < row["coverage"] <= 1 for row in rows.values())
