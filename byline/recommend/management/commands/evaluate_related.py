"""manage.py evaluate_related: the engine against plain baselines on labelled corpora, leave one corpus out."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

CORPUS_FILE = "articles.jsonl"


def shared_data_dir() -> Path:
    """``../shared/data`` beside the checkout (a worktree's parent's too)."""
    base = Path(settings.BASE_DIR)
    for root in (base.parent, base.parent.parent):
        folder = root / "shared" / "data"
        if folder.is_dir():
            return folder
    return base.parent / "shared" / "data"


def corpus_folders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if (p / CORPUS_FILE).is_file()) if folder.is_dir() else []


class Command(BaseCommand):
    help = (
        "Evaluate related-article recommendations on labelled corpora (folders holding articles.jsonl with id, "
        "title, body, category, lang per line). The category is hidden from every method and used only to judge: "
        "same category counts as relevant. With two or more corpora the engine's settings are chosen leave one "
        "corpus out. Default: every corpus under ../shared/data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--corpus", action="append", default=[],
                            help="a corpus folder (or its .jsonl file); repeat for more. Alone: only these")
        parser.add_argument("--corpora", action="append", default=[],
                            help="a folder whose subfolders are corpora (added to ../shared/data's); repeatable")
        parser.add_argument("--k", type=int, default=5, help="list length scored (default 5)")
        parser.add_argument("--seeds", type=int, default=3, help="random samples per corpus (default 3)")
        parser.add_argument("--share", type=float, default=0.8, help="share of a corpus in each sample (default 0.8)")
        parser.add_argument("--limit", type=int, default=None, help="read only the first N articles of each corpus")
        parser.add_argument("--presets", default=None,
                            help="comma-separated engine presets to choose among (default: all of evaluation.PRESETS)")
        parser.add_argument("--embeddings", default=None,
                            help="a sentence-embedding back end to score too (default: settings.RECOMMEND_EMBEDDINGS)")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **options) -> None:
        from byline.recommend.evaluation import PRESETS, CorpusError, evaluate_corpora, format_loco, load_corpus

        k = options["k"]
        if k < 1 or k > 50:
            raise CommandError("--k must be between 1 and 50.")
        if options["seeds"] < 1 or options["seeds"] > 20:
            raise CommandError("--seeds must be between 1 and 20.")
        if not 0.1 <= options["share"] <= 1:
            raise CommandError("--share must be between 0.1 and 1.")
        paths = [Path(p) for p in options["corpus"]]
        if not paths:
            paths = corpus_folders(shared_data_dir())
            for folder in options["corpora"]:
                if not Path(folder).is_dir():
                    raise CommandError(f"{folder}: not a folder")
                paths += corpus_folders(Path(folder))
        if not paths:
            raise CommandError(f"no corpora found (looked in {shared_data_dir()}); pass --corpus DIR")
        presets = PRESETS
        if options["presets"]:
            names = [n.strip() for n in options["presets"].split(",") if n.strip()]
            unknown = [n for n in names if n not in PRESETS]
            if unknown:
                raise CommandError(f"unknown preset(s) {', '.join(unknown)}; known: {', '.join(PRESETS)}")
            presets = {n: PRESETS[n] for n in names}
        corpora = {}
        for path in paths:
            file = path / CORPUS_FILE if path.is_dir() else path
            try:
                records = load_corpus(file, limit=options["limit"])
            except CorpusError as error:
                raise CommandError(str(error)) from None
            if len(records) * options["share"] <= k:
                raise CommandError(f"{file}: {len(records)} articles is too few to score lists of {k}.")
            corpora[(path if path.is_dir() else path.parent).name] = records

        def progress(message: str) -> None:
            if options["verbosity"] > 1:
                self.stderr.write(message)

        embeddings = options["embeddings"] if options["embeddings"] is not None else settings.RECOMMEND_EMBEDDINGS
        result = evaluate_corpora(corpora, k=k, seeds=range(options["seeds"]), share=options["share"],
                                  presets=presets, embeddings=embeddings,
                                  embedding_langs=settings.RECOMMEND_EMBEDDING_LANGS, progress=progress)
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
        else:
            self.stdout.write(format_loco(result))
