"""Notifications of comments: the author hears of each comment and reply, a writer of replies to theirs, and
nobody is shown a word of a comment they may not read."""

import pytest
from django.urls import reverse
from django.utils import translation

from byline.audience import selectors as audience
from byline.audience.models import Notification, NotificationKind
from byline.comments import services
from byline.comments.models import Policy
from byline.purchases.models import Purchase
from byline.purchases.services import undo_purchase
from tests.comments.test_comments import buyer_of, signed_in, write
from tests.conftest import LOCKED_SENTINEL, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a write leaves for after its commit (the notification listener) as a real commit would."""
    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)
    return run


def kinds_of(user):
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def notifications_page(user) -> str:
    with translation.override("en"):
        url = reverse("audience:notifications")
    return signed_in(user).get(url).content.decode()


def test_the_author_hears_of_each_comment_and_reply_and_a_writer_of_replies_to_theirs(paid_article, author,
                                                                                      committed):
    first, second = buyer_of(paid_article, "one"), buyer_of(paid_article, "two")
    comment = committed(write, first, paid_article, "A first thought")
    committed(write, second, paid_article, "I answer you", parent=comment)
    committed(write, first, paid_article, "And I answer myself", parent=comment)
    committed(write, author.user, paid_article, "The author answers", parent=comment)

    assert kinds_of(author.user) == [NotificationKind.COMMENT] * 3  # never of their own
    assert kinds_of(first) == [NotificationKind.REPLY] * 2  # the second reader's and the author's, not their own
    assert kinds_of(second) == []
    assert audience.unread_count(first) == 2  # the bell moved on
    page = notifications_page(first)
    assert "replied to your comment on" in page and paid_article.title in page
    assert "I answer you" in page  # a buyer may read the reply: a short excerpt


def test_a_reader_without_access_is_never_told_of_a_reply_quoting_the_locked_part(paid_article, author, committed):
    services.set_article_policy(article=paid_article, policy=Policy.SIGNED_IN)
    outsider = make_user()
    theirs = committed(write, outsider, paid_article, "Is it worth buying?")
    services.moderate(moderator=author.user, comment_id=theirs.pk, action="feature")
    buyer = buyer_of(paid_article)
    committed(write, buyer, paid_article, f"Yes: {LOCKED_SENTINEL}", parent=theirs)

    assert kinds_of(outsider) == []
    assert LOCKED_SENTINEL not in notifications_page(outsider)
    assert LOCKED_SENTINEL in notifications_page(author.user)  # the author may read it: the check can see it


def test_a_reader_who_lost_access_sees_only_the_name_and_the_title(paid_article, committed):
    reader = buyer_of(paid_article, "mine")
    theirs = committed(write, reader, paid_article, "My thought")
    committed(write, buyer_of(paid_article, "other"), paid_article, f"Quoting: {LOCKED_SENTINEL}", parent=theirs)
    assert LOCKED_SENTINEL in notifications_page(reader)

    undo_purchase(reader=reader, purchase_id=Purchase.objects.get(reader=reader).pk)
    page = notifications_page(reader)
    assert LOCKED_SENTINEL not in page
    assert "replied to your comment on" in page and paid_article.title in page


def test_a_reply_waiting_for_approval_tells_only_the_author(free_article, author, committed):
    services.set_default_policy(author=author, policy=Policy.SIGNED_IN, approve_first=True)
    first = make_user()
    comment = committed(write, first, free_article, "Hello")
    services.moderate(moderator=author.user, comment_id=comment.pk, action="show")
    reply = committed(write, make_user(), free_article, "A newcomer's reply", parent=comment)
    assert kinds_of(first) == []
    assert kinds_of(author.user) == [NotificationKind.COMMENT] * 2
    # Approved: now the writer of the comment it answers hears of it, and the author is not told twice.
    committed(lambda: services.moderate(moderator=author.user, comment_id=reply.pk, action="show"))
    assert kinds_of(first) == [NotificationKind.REPLY]
    assert kinds_of(author.user) == [NotificationKind.COMMENT] * 2


def test_a_reader_whose_address_takes_mail_gets_the_reply_by_e_mail_once(paid_article, committed, mailoutbox):
    from tests.audience.helpers import confirmed_subscriber

    reader = buyer_of(paid_article, "mine")
    confirmed_subscriber("reader@example.com", author=paid_article.author, user=reader, language="zh-hans")
    theirs = committed(write, reader, paid_article, "My thought")
    reply = committed(write, buyer_of(paid_article, "other"), paid_article, "Well said", parent=theirs)

    assert [m.to for m in mailoutbox] == [["reader@example.com"]]  # the author has no confirmed address
    message = mailoutbox[0]
    assert paid_article.title in message.subject and "回复了您" in message.subject
    assert "Well said" in message.body and "Well said" in message.alternatives[0][0]
    note = Notification.objects.get(user=reader, comment=reply)
    assert not services_mail(note.pk)  # at most once
    assert len(mailoutbox) == 1


def _replied_to_with_mail_held(article, committed, reply: str):
    """A buyer who takes mail commented and another buyer replied; the reply's e-mail task is held back (not run)
    so that something can happen before it is sent. Returns (the first buyer, the held notification ids)."""
    from tests.audience.helpers import confirmed_subscriber

    reader = buyer_of(article, "mine")
    confirmed_subscriber("reader@example.com", author=article.author, user=reader)
    theirs = committed(write, reader, article, "My thought")
    held: list[int] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("byline.audience.tasks.mail_comment_notification.delay", held.append)
        committed(write, buyer_of(article, "other"), article, reply, parent=theirs)
    return reader, held


def test_the_e_mail_is_decided_when_it_is_sent(paid_article, mailoutbox, committed):
    """Access lost between the reply and the sending: the e-mail names the writer and the title only."""
    reader, held = _replied_to_with_mail_held(paid_article, committed, f"Quoting: {LOCKED_SENTINEL}")
    undo_purchase(reader=reader, purchase_id=Purchase.objects.get(reader=reader).pk)
    for note_id in held:
        services_mail(note_id)
    assert len(mailoutbox) == 1
    sent = mailoutbox[0]
    assert LOCKED_SENTINEL not in sent.body + sent.subject + sent.alternatives[0][0]
    assert paid_article.title in sent.subject


def test_a_reader_blocked_between_the_reply_and_the_sending_gets_no_e_mail(paid_article, author, committed,
                                                                           mailoutbox):
    """The note was written before the author blocked its reader; its e-mail, sent after, does not call them back."""
    reader, held = _replied_to_with_mail_held(paid_article, committed, "A reply")
    services.block_reader(author_user=author.user, reader_id=reader.pk)
    assert held and not any(services_mail(note_id) for note_id in held)
    assert mailoutbox == []


def test_no_e_mail_to_an_address_that_wants_none(paid_article, committed, mailoutbox):
    from tests.audience.helpers import confirmed_subscriber

    reader = buyer_of(paid_article, "mine")
    subscriber = confirmed_subscriber("reader@example.com", author=paid_article.author, user=reader)
    subscriber.frequency = "never"
    subscriber.save()
    theirs = committed(write, reader, paid_article, "My thought")
    committed(write, buyer_of(paid_article, "other"), paid_article, "Well said", parent=theirs)
    assert kinds_of(reader) == [NotificationKind.REPLY] and mailoutbox == []


def services_mail(note_id):
    from byline.audience import services as audience_services

    return audience_services.mail_comment_notification(notification_id=note_id)


def test_a_mention_tells_readers_who_may_read_it_once_and_nobody_else(paid_article, author, committed):
    named, replied_to = buyer_of(paid_article, "named"), buyer_of(paid_article, "asked")
    outsider, gone = make_user(username="outside"), buyer_of(paid_article, "gone")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    theirs = committed(write, replied_to, paid_article, "A question")
    writer = buyer_of(paid_article, "writer")
    body = (f"@{named.username}, @{named.username} and @{replied_to.username}: see @{outsider.username} "
            f"@{gone.username} @{writer.username} @{author.user.username} @nobody-here, or mail x@{named.username}.")
    committed(write, writer, paid_article, f"{LOCKED_SENTINEL} {body}", parent=theirs)

    assert kinds_of(named) == [NotificationKind.MENTION]  # named twice, told once
    assert kinds_of(replied_to) == [NotificationKind.REPLY]  # the reply says it already
    assert kinds_of(outsider) == [] and kinds_of(gone) == []  # may not read it; not active
    assert kinds_of(writer) == [] and kinds_of(author.user) == [NotificationKind.COMMENT] * 2
    page = notifications_page(named)
    assert "mentioned you in a comment on" in page and LOCKED_SENTINEL in page


def test_a_comment_mentions_at_most_a_few_readers(paid_article, committed):
    readers = [buyer_of(paid_article, f"many{n}") for n in range(7)]
    committed(write, buyer_of(paid_article, "loud"), paid_article, " ".join(f"@{r.username}" for r in readers))
    told = Notification.objects.filter(kind=NotificationKind.MENTION).count()
    assert told == 5


@pytest.mark.parametrize("language, read_it", [("en", "Read it under the article: "),
                                               ("zh-hans", "到文章下查看：")])
def test_a_note_opens_its_comment_and_is_read_and_its_e_mail_links_the_comment(
        paid_article, committed, mailoutbox, language, read_it):
    """The bell's link goes to the comment itself (through a link that marks the note read: opening it is reading
    it), and so does the e-mail's, whose plain text puts a full-width colon after a Chinese label."""
    from tests.audience.helpers import confirmed_subscriber

    first, replier = buyer_of(paid_article, "first"), buyer_of(paid_article, "replier")
    confirmed_subscriber(first.email, author=paid_article.author, user=first, language=language)
    comment = committed(write, first, paid_article, "A question")
    reply = committed(write, replier, paid_article, "An answer", parent=comment)
    note = Notification.objects.get(user=first, kind=NotificationKind.REPLY)
    [message] = [m for m in mailoutbox if first.email in m.to]
    client = signed_in(first)
    with translation.override(language):
        assert f"{paid_article.get_absolute_url()}#comment-{reply.pk}" in message.body and read_it in message.body
        bell = reverse("audience:notifications")
        opened = reverse("audience:open_notification", args=[note.pk])
    assert opened in client.get(bell).content.decode()
    response = client.get(opened)
    assert response.status_code == 302 and response["Location"].endswith(f"#comment-{reply.pk}")
    note.refresh_from_db()
    assert note.read_at is not None
    assert signed_in(replier).get(opened).status_code == 404  # someone else's note
