from django.core.management.base import BaseCommand

from byline.articles.demo import load_demo
from byline.articles.models import Article


class Command(BaseCommand):
    help = "Create the demo site: authors, topics, articles and demo accounts (safe to run again)."

    def handle(self, *args, **options):
        accounts = load_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo content ready: {Article.objects.count()} articles."))
        self.stdout.write("Demo accounts (role, username, password):")
        for account in accounts:
            self.stdout.write(f"  {account.role:<7} {account.username:<12} {account.password}")
