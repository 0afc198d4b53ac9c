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
    topic = {"a": "garden tomato compost soil", "b": "planet star telescope orbit"}.get(category, "things")
    return json.dumps({"id": number, "title": f"Title {number}", "body": f"Some body text about {topic}.",
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
        call_command("evaluate_related", corpus=[str(folder)])
    assert message in str(error.value) and "articles.jsonl" in str(error.value)


def test_a_missing_corpus_folder_gets_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="cannot open corpus"):
        call_command("evaluate_related", corpus=[str(tmp_path / "nowhere")])


def test_too_few_articles_for_the_list_length_get_a_clear_error(tmp_path):
    folder = write_corpus(tmp_path / "corpus", [record(1), record(2, "b"), record(3, "b")])
    with pytest.raises(CommandError, match="too few to score lists of 5"):
        call_command("evaluate_related", corpus=[str(folder)])


def test_leave_one_corpus_out_chooses_settings_without_the_corpus_it_scores(tmp_path, capsys):
    """On samples of the two shared corpora: every baseline is reported with its spread, and the
    engine's settings for each corpus are chosen on the other one."""
    folders = []
    for name in ("bbc-news-en", "thucnews-cnews-zh"):
        path = shared_corpus(name)
        if path is None:
            pytest.skip("../shared/data is not beside this checkout")
        lines = path.read_text(encoding="utf-8").splitlines()
        folders.append(write_corpus(tmp_path / name, lines[:: max(1, len(lines) // 200)]))  # grouped by category
    call_command("evaluate_related", corpus=[str(f) for f in folders], k=5, seeds=2, presets="defaults,bm25",
                 json=True)
    result = json.loads(capsys.readouterr().out)
    assert set(result["corpora"]) == {"bbc-news-en", "thucnews-cnews-zh"}
    for entry in result["corpora"].values():
        assert {"random", "tfidf", "tfidf_sublinear", "bm25"} <= set(entry["baselines"])
        assert all(len(scores) == 2 for scores in entry["baselines"].values())  # one per seed
        assert entry["chosen"] in {"defaults", "bm25"}
    # the choice for one corpus is the preset that did best on the other
    bbc, thuc = result["corpora"]["bbc-news-en"], result["corpora"]["thucnews-cnews-zh"]

    def mean(values):
        return sum(values) / len(values)

    best_on_thuc = max(("defaults", "bm25"), key=lambda p: (mean(thuc["presets"][p]), p == "defaults"))
    assert bbc["chosen"] == best_on_thuc


@pytest.mark.parametrize("name", ["bbc-news-en", "thucnews-cnews-zh"])
def test_on_a_shared_corpus_sample_byline_beats_every_baseline(tmp_path, capsys, name):
    path = shared_corpus(name)
    if path is None:
        pytest.skip("../shared/data is not beside this checkout")
    lines = path.read_text(encoding="utf-8").splitlines()
    sample = write_corpus(tmp_path / name, lines[:: max(1, len(lines) // 300)])  # files are grouped by category
    call_command("evaluate_related", corpus=[str(sample)], k=5, seeds=1, share=1.0, presets="defaults", json=True)
    entry = json.loads(capsys.readouterr().out)["corpora"][name]
    best_baseline = max(scores[0] for scores in entry["baselines"].values())
    assert entry["byline"][0] > best_baseline


def test_the_table_names_every_method_and_the_choice(tmp_path, capsys):
    folders = [write_corpus(tmp_path / f"corpus-{n}", [record(i, "ab"[i % 2]) for i in range(1, 41)])
               for n in (1, 2)]
    call_command("evaluate_related", corpus=[str(f) for f in folders], seeds=1, presets="defaults")
    out = capsys.readouterr().out
    for word in ("random", "tfidf", "tfidf_sublinear", "bm25", "byline", "margin", "corpus-1", "corpus-2"):
        assert word in out
