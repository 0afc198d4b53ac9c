from django.core.management.base import BaseCommand

from byline.audience import services


class Command(BaseCommand):
    help = ("Send what is due: newsletters of articles that went live (scheduled ones included), sends left "
            "unfinished, and the daily and weekly digests (Celery beat runs the same every minute).")

    def handle(self, *args, **options):
        queued = [services.queue_newsletter(article_id=pk) for pk in services.due_articles()]
        worked = sum(services.send_newsletter(newsletter_id=pk) for pk in services.unfinished_newsletters())
        digests = services.send_digests()
        self.stdout.write(f"{len([n for n in queued if n])} newsletters queued, {worked} outbox rows worked, "
                          f"{digests} digests sent.")
