"""@mentions seen from outside (found by the outside probe): a reader the article's author blocked is not
pulled back into the author's comments by a mention, and a changed comment tells nobody new."""

import pytest

from byline.audience.models import Notification, NotificationKind
from byline.comments import services
from tests.comments.test_comments import buyer_of, write
from tests.comments.test_notifications import committed  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def mentions_of(user) -> int:
    return Notification.objects.filter(user=user, kind=NotificationKind.MENTION).count()


def test_a_reader_the_author_blocked_is_not_told_of_a_mention_on_the_authors_article(paid_article, author,
                                                                                        committed):  # noqa: F811
    blocked, welcome = buyer_of(paid_article, "blocked"), buyer_of(paid_article, "welcome")
    services.block_reader(author_user=author.user, reader_id=blocked.pk)
    committed(write, buyer_of(paid_article, "talker"), paid_article,
              f"What do @{blocked.username} and @{welcome.username} think?")
    assert mentions_of(blocked) == 0 and mentions_of(welcome) == 1


def test_changing_a_comment_to_name_someone_tells_nobody(paid_article, committed):  # noqa: F811
    named, talker = buyer_of(paid_article, "named"), buyer_of(paid_article, "talker")
    comment = committed(write, talker, paid_article, "A first thought")
    committed(services.edit_comment, reader=talker, comment_id=comment.pk, body=f"Hello @{named.username}")
    assert mentions_of(named) == 0


def test_an_at_sign_inside_a_link_mentions_nobody(paid_article, committed):  # noqa: F811
    alice = buyer_of(paid_article, "alice")
    committed(write, buyer_of(paid_article, "linker"), paid_article,
              f"Read https://medium.example/@{alice.username}/a-post and [this](https://x.example/@{alice.username})")
    assert mentions_of(alice) == 0
    committed(write, buyer_of(paid_article, "asker"), paid_article, f"(@{alice.username}) what do you think?")
    assert mentions_of(alice) == 1


def test_a_name_quoted_as_code_mentions_nobody(paid_article, committed):  # noqa: F811
    quoted, called = buyer_of(paid_article, "quoted"), buyer_of(paid_article, "called")
    committed(write, buyer_of(paid_article, "coder"), paid_article,
              f"Type `@{quoted.username}` to name them, as @{called.username} did.")
    assert mentions_of(quoted) == 0 and mentions_of(called) == 1


def test_a_reader_the_author_blocked_is_not_told_of_a_reply_to_an_earlier_comment(paid_article, author,
                                                                                  committed):  # noqa: F811
    """Blocked after commenting: a reply to that old comment does not call them back (nor by e-mail: the mail
    copy follows the notification row), while a reply to a reader in good standing does."""
    blocked, welcome = buyer_of(paid_article, "blocked"), buyer_of(paid_article, "welcome")
    old = committed(write, blocked, paid_article, "An early thought")
    kind = committed(write, welcome, paid_article, "A kind thought")
    services.block_reader(author_user=author.user, reader_id=blocked.pk)
    talker = buyer_of(paid_article, "talker")
    committed(write, talker, paid_article, "I disagree", parent=old)
    committed(write, talker, paid_article, "I agree", parent=kind)
    replies = Notification.objects.filter(kind=NotificationKind.REPLY)
    assert not replies.filter(user=blocked).exists() and replies.filter(user=welcome).count() == 1
