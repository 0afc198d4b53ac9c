"""Keep the derived related lists in step with publishing (cache-like maintenance, no business rules).

An article that stops being live leaves every list at once, in the same transaction as the
save; a live article is (re)placed after the save commits, by a Celery task (inline where tasks run
eagerly), so a publish never waits on a half-written article, never fails because of the recommender
(or its queue: `robust`), and the web worker that saved it never loads the engine.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from byline.articles.models import Article
from byline.recommend import selectors, services, tasks


@receiver(post_save, sender=Article, dispatch_uid="recommend.keep_related_lists_in_step")
def keep_related_lists_in_step(sender, instance: Article, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    selectors.lists_changed()
    if instance.is_live:
        transaction.on_commit(partial(tasks.refresh_after_save_task.delay, article_id=instance.pk), robust=True)
    else:
        services.remove_from_lists(article=instance)
