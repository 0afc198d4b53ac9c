from django.core.management.base import BaseCommand
from django.db import transaction

from byline.articles.demo import READER, DemoAccount, load_demo_articles
from byline.articles.models import Article
from byline.audience.demo import load_demo_audience
from byline.comments.demo import load_demo_conversation
from byline.dashboard.demo import load_demo_dashboard
from byline.payments.demo import fund_demo_wallet
from byline.payouts.demo import load_demo_payouts
from byline.purchases.demo import load_demo_plans


@transaction.atomic
def load_demo() -> list[DemoAccount]:
    """Create (or refresh) the demo site: every app's part, in one transaction. Safe to run twice.

    Here, on top of the house, because it loads every app's demo; each app's part stays in its own `demo.py`.
    """
    accounts = load_demo_articles()
    load_demo_plans()
    fund_demo_wallet(reader_username=READER.username)
    load_demo_dashboard()
    load_demo_payouts()
    load_demo_conversation()
    load_demo_audience(reader_username=READER.username)
    return accounts


class Command(BaseCommand):
    help = "Create the demo site: authors, topics, articles and demo accounts (safe to run again)."

    def handle(self, *args, **options):
        accounts = load_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo content ready: {Article.objects.count()} articles."))
        self.stdout.write("Demo accounts (role, username, password):")
        for account in accounts:
            self.stdout.write(f"  {account.role:<7} {account.username:<12} {account.password}")
