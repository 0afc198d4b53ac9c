"""manage.py evaluate_related --corpus DIR: score the engine and plain baselines on a labelled corpus."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from byline.recommend.evaluation import CorpusError, evaluate, format_table, load_corpus


class Command(BaseCommand):
    help = (
        "Evaluate related-article recommendations on a labelled corpus (a folder holding articles.jsonl "
        "with id, title, body, category, lang per line). The category is hidden from every method and "
        "used only to judge: same category counts as relevant."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--corpus", required=True, help="folder with articles.jsonl, or the .jsonl file")
        parser.add_argument("--k", type=int, default=5, help="list length scored (default 5)")
        parser.add_argument("--limit", type=int, default=None, help="read only the first N articles")
        parser.add_argument("--json", action="store_true", help="print the rows as JSON")

    def handle(self, *args, **options) -> None:
        path = Path(options["corpus"])
        if path.is_dir():
            path = path / "articles.jsonl"
        k = options["k"]
        if k < 1 or k > 50:
            raise CommandError("--k must be between 1 and 50.")
        try:
            records = load_corpus(path, limit=options["limit"])
        except CorpusError as error:
            raise CommandError(str(error)) from None
        if len(records) <= k:
            raise CommandError(f"{path}: {len(records)} articles is too few to score lists of {k}.")
        rows = evaluate(records, k=k)
        if options["json"]:
            self.stdout.write(json.dumps({"corpus": str(path), "rows": rows}, indent=2))
        else:
            self.stdout.write(format_table(rows, title=f"{path} ({len(records)} articles)"))
