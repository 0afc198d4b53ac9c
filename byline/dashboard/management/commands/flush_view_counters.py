from django.core.management.base import BaseCommand

from byline.dashboard.services import flush_view_counters


class Command(BaseCommand):
    help = "Move the article view counts buffered in the cache into the database (safe to run any time)."

    def handle(self, *args, **options):
        rows = flush_view_counters()
        self.stdout.write(f"Flushed view counts of {rows} article-days.")
