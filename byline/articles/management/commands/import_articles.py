from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from byline.articles.importer import ImportFailed, import_articles


class Command(BaseCommand):
    help = "Publish Markdown files with YAML front matter; re-importing a slug updates that article."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="Markdown files or folders of them")

    def handle(self, *args, paths: list[Path], **options):
        try:
            results = import_articles(paths)
        except ImportFailed as failure:
            raise CommandError(
                f"Nothing was imported. {len(failure.problems)} problem(s):\n" + str(failure)
            ) from None
        created = sum(1 for _, was_created in results if was_created)
        self.stdout.write(self.style.SUCCESS(
            f"Imported {len(results)} article(s): {created} new, {len(results) - created} updated."
        ))
