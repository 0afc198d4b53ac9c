"""manage.py rebuild_related: recompute every article's related list, with a progress bar."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from byline.recommend.services import rebuild_related

STAGES = {"load": "Loading articles", "index": "Fitting the text index", "lists": "Ranking related articles",
          "store": "Saving lists"}
BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Rebuild the related-articles lists of every published article."

    def handle(self, *args, **options) -> None:
        verbosity = options["verbosity"]
        draw = sys.stderr.isatty()

        def progress(stage: str, done: int, total: int) -> None:
            if verbosity == 0:
                return
            label = STAGES.get(stage, stage)
            share = done / total if total else 1.0
            filled = int(BAR_WIDTH * share)
            line = f"{label:<26} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done:>7}/{total:<7}"
            if draw:
                self.stderr.write("\r" + line, ending="\n" if done >= total else "")
            elif done >= total:
                self.stderr.write(line)
            self.stderr.flush()

        report = rebuild_related(progress=progress)
        self.stdout.write(
            f"Rebuilt related lists for {report.articles} articles ({report.pairs} pairs) in {report.seconds:.1f} s."
        )
