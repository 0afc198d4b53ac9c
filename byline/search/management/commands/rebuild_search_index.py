from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from byline.articles.models import Article
from byline.search.services import index_articles


class Command(BaseCommand):
    help = "Rebuild the search index of every article (after an upgrade, or a bulk import without signals)."

    def handle(self, *args, **options) -> None:
        count = index_articles(articles=Article.objects.all())
        self.stdout.write(_("Indexed %(count)d articles.") % {"count": count})
