"""Writes for the audience: follow and unfollow, subscribe by e-mail (double opt-in), preferences,
unsubscribe, and the newsletter's outbox (queue once per article, send each row at most once)."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import smtplib
import uuid
from collections.abc import Iterable
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from byline.articles.models import Article, Author, Topic
from byline.audience import selectors, tokens
from byline.audience.mail_events import METADATA_KEY
from byline.audience.models import (
    Click,
    Consent,
    Delivery,
    DeliveryState,
    Frequency,
    ListKind,
    MailFormat,
    Newsletter,
    Notification,
    NotificationKind,
    Subscriber,
    Subscription,
)
from byline.audience.newsletter import CopyBook, list_headers, site_url
from byline.core import forgetting
from byline.mail.compose import build_message, inline_css

log = logging.getLogger(__name__)

BATCH_SIZE = 200
CLAIM_SECONDS = 600  # a claimed row comes back to the queue this long after its worker went silent
MAX_ATTEMPTS = 5


def _normalised_email(email: str) -> str:
    local, _at, domain = email.strip().rpartition("@")
    return f"{local}@{domain.lower()}" if local else email.strip()


def _target(kind: str, author: Author | None, topic: Topic | None) -> dict[str, Any]:
    if kind == ListKind.AUTHOR:
        assert author is not None
        return {"kind": kind, "author": author, "topic": None}
    if kind == ListKind.TOPIC:
        assert topic is not None
        return {"kind": kind, "author": None, "topic": topic}
    return {"kind": ListKind.SITE, "author": None, "topic": None}


def _forget_follows(user_id: Any) -> None:
    # A page that read the old rows before the commit must not cache them after it: core.forgetting.
    forgetting.forget(selectors.state_key(user_id))


def subscriber_of_user(user: Any, *, language: str | None = None) -> Subscriber:
    """The reader's own subscriber row, made on first need. Their account's address is used, unless another
    subscriber already holds it (then this row has no address, and only the bell tells them)."""
    existing = Subscriber.objects.filter(user_id=user.pk).first()
    if existing is not None:
        return existing
    email = _normalised_email(user.email) if user.email else None
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    with transaction.atomic():
        if email:
            holder = Subscriber.objects.select_for_update().filter(email__iexact=email).first()
            if holder is not None and holder.user_id is None:
                holder.user = user  # the address subscribed before it had an account: one row for both
                holder.save(update_fields=["user"])
                return holder
            if holder is not None:
                email = None
        try:
            with transaction.atomic():
                return Subscriber.objects.create(user=user, email=email, language=language)
        except IntegrityError:  # a second tab made it meanwhile
            return Subscriber.objects.get(user_id=user.pk)


def follow(*, user: Any, kind: str, author: Author | None = None, topic: Topic | None = None,
           request_language: str | None = None) -> Subscription:
    """The signed-in reader follows a list. Agreement is the click itself; e-mail waits until their
    address is confirmed (a confirmation goes out the first time)."""
    subscriber = subscriber_of_user(user, language=request_language)
    target = _target(kind, author, topic)
    with transaction.atomic():
        subscription, created = Subscription.objects.get_or_create(
            subscriber=subscriber, **target,
            defaults={"consent": Consent.FOLLOW, "confirmed_at": timezone.now()})
        if subscription.confirmed_at is None:
            subscription.confirmed_at = timezone.now()
            subscription.save(update_fields=["confirmed_at"])
        _forget_follows(user.pk)
    if created and subscriber.email and subscriber.confirmed_at is None:
        send_confirmation(subscriber=subscriber, what=list_name(subscription))
    return subscription


def unfollow(*, user: Any, kind: str, author: Author | None = None, topic: Topic | None = None) -> None:
    with transaction.atomic():
        Subscription.objects.filter(subscriber__user_id=user.pk, **_target(kind, author, topic)).delete()
        _forget_follows(user.pk)


def list_name(subscription: Subscription) -> str:
    if subscription.kind == ListKind.AUTHOR:
        return subscription.author.name
    if subscription.kind == ListKind.TOPIC:
        return subscription.topic.name
    return settings.SITE_NAME


def subscribe_by_email(*, email: str, kind: str, author: Author | None = None, topic: Topic | None = None,
                       language: str) -> None:
    """A free subscription without an account. Nothing but one confirmation message is sent until the
    address confirms; the caller says the same thing whether the address was new, pending or known, so the
    form tells nobody who subscribes."""
    email = _normalised_email(email)
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(email__iexact=email).first()
        if subscriber is None:
            try:
                with transaction.atomic():
                    subscriber = Subscriber.objects.create(email=email, language=language)
            except IntegrityError:
                subscriber = Subscriber.objects.get(email__iexact=email)
        subscription, _created = Subscription.objects.get_or_create(
            subscriber=subscriber, **_target(kind, author, topic), defaults={"consent": Consent.DOUBLE_OPT_IN})
    if subscription.confirmed_at is None or subscriber.confirmed_at is None or subscriber.suppressed_at is not None:
        send_confirmation(subscriber=subscriber, what=list_name(subscription))


CONFIRMATIONS_PER_ADDRESS_PER_DAY = 3


def language_of_user(user: Any) -> str | None:
    """The language a reader chose for e-mail (their subscriber row), for `mail.transactional.language_for`."""
    return Subscriber.objects.filter(user_id=user.pk).values_list("language", flat=True).first()


def language_of_address(email: str) -> str | None:
    """The language chosen for e-mail at `email` (`mail.transactional.language_for_address`): that very address's
    subscriber row (equal but for ASCII case: `accounts.selectors.same_address`), else the choice of the account
    that verified the address (`owner_of_verified_address`, the owner the bell tells of a gift: never an account
    that only typed the address, nor a look-alike such as "ſam@" for "sam@")."""
    from byline.accounts.selectors import owner_of_verified_address, same_address

    email = _normalised_email(email)
    for row_email, language in Subscriber.objects.filter(email__iexact=email).values_list("email", "language")[:3]:
        if same_address(row_email, email):
            return language
    owner = owner_of_verified_address(email)
    return language_of_user(owner) if owner is not None else None


def send_confirmation(*, subscriber: Subscriber, what: str) -> None:
    """The double opt-in message: one signed link that confirms the address and every list it asked for.
    At most three a day to one address, whoever asks: the form cannot be used to flood someone's inbox
    (the page says the same either way)."""
    import hashlib

    from byline.core.ratelimit import count_request

    bucket = hashlib.sha256(subscriber.email.lower().encode()).hexdigest()[:32]
    if count_request("audience-confirm", bucket, limit=CONFIRMATIONS_PER_ADDRESS_PER_DAY, window=86400):
        log.info("audience: confirmation to subscriber %s held back (daily limit)", subscriber.pk)
        return
    from byline.mail import transactional

    token = tokens.make(subscriber.pk, tokens.CONFIRM_SALT)
    with translation.override(subscriber.language):
        confirm_url = site_url(reverse("audience:confirm", args=[token]))
    transactional.send(template="audience/email/confirm", to=subscriber.email, language=subscriber.language,
                       subject=lambda: _("Confirm your subscription to %(site)s") % {"site": settings.SITE_NAME},
                       context={"confirm_url": confirm_url, "what": what})


def confirm(*, subscriber_id: int) -> Subscriber | None:
    """The address answered its confirmation: it may now receive what it subscribed to."""
    now = timezone.now()
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(pk=subscriber_id).first()
        if subscriber is None:
            return None
        if subscriber.confirmed_at is None:
            subscriber.confirmed_at = now
        subscriber.stopped_at = None
        # The owner answered a message at this address: it works again, whatever bounced before.
        subscriber.suppressed_at, subscriber.suppressed_reason = None, ""
        subscriber.save(update_fields=["confirmed_at", "stopped_at", "suppressed_at", "suppressed_reason"])
        subscriber.subscriptions.filter(confirmed_at__isnull=True).update(confirmed_at=now)
        if subscriber.user_id:
            _forget_follows(subscriber.user_id)
    return subscriber


def unsubscribe(*, subscriber_id: int) -> Subscriber | None:
    """One click: no more newsletters to this address (the preference page can start them again)."""
    updated = Subscriber.objects.filter(pk=subscriber_id, stopped_at__isnull=True).update(stopped_at=timezone.now())
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if updated:
        log.info("audience: subscriber %s unsubscribed", subscriber_id)
    return subscriber


def save_preferences(*, subscriber: Subscriber, frequency: str, language: str, mail_format: str,
                     keep_lists: Iterable[str], receive: bool) -> Subscriber:
    keep = set(keep_lists)
    with transaction.atomic():
        subscriber.frequency = frequency
        subscriber.language = language
        subscriber.mail_format = mail_format if mail_format in MailFormat.values else MailFormat.HTML
        subscriber.stopped_at = None if receive else (subscriber.stopped_at or timezone.now())
        subscriber.save(update_fields=["frequency", "language", "mail_format", "stopped_at"])
        for subscription in subscriber.subscriptions.all():
            if subscription.list_key not in keep:
                subscription.delete()
        if subscriber.user_id:
            _forget_follows(subscriber.user_id)
    return subscriber


def suppress(*, email: str, reason: str = "bounced") -> int:
    """A hard bounce, a complaint, the service's own unsubscribe or a rejection (from the e-mail service's
    webhook): no more newsletters to the address until its owner confirms it again (`confirm`)."""
    return Subscriber.objects.filter(email__iexact=_normalised_email(email), suppressed_at__isnull=True).update(
        suppressed_at=timezone.now(), suppressed_reason=reason[:16])


def record_mail_event(*, event_type: str, recipient: str, delivery_id: int | None = None,
                      when: dt.datetime | None = None) -> None:
    """One tracking event from the e-mail service (`mail_events`): the outcome on the message's outbox row,
    and the address suppressed after a bounce, complaint, the service's unsubscribe or a rejection. The
    row is found by the id the message carried as metadata, and only if it went to that very address, so
    an event about one address can never mark another's row."""
    from byline.audience.mail_events import OUTCOMES, SUPPRESSING

    when = when or timezone.now()
    if delivery_id is not None and event_type in OUTCOMES and recipient:
        Delivery.objects.filter(pk=delivery_id, subscriber__email__iexact=_normalised_email(recipient)).exclude(
            outcome__in=("bounced", "rejected", "complained")).update(outcome=OUTCOMES[event_type], outcome_at=when)
    if event_type in SUPPRESSING and recipient:
        if suppress(email=recipient, reason=SUPPRESSING[event_type]):
            log.info("audience: an address was suppressed (%s)", event_type)


# --- Newsletters -----------------------------------------------------------------------------------------


def queue_newsletter(*, article_id: int, now: dt.datetime | None = None) -> Newsletter | None:
    """Make the article's newsletter once, when it is live: an outbox row per recipient and a notification
    per signed-in follower. Calling it again (a retried task, the periodic sweep, a second save) finds the
    newsletter made and adds nothing."""
    now = now or timezone.now()
    article = Article.objects.select_related("author").defer("locked_html", "body_markdown").filter(
        pk=article_id).first()
    if article is None or not article.is_live:
        return None
    if article.published_at < now - dt.timedelta(seconds=settings.NEWSLETTER_LOOKBACK_SECONDS):
        return None  # published long before (an old article saved again, a demo load): not news
    with transaction.atomic():
        newsletter, created = Newsletter.objects.get_or_create(article=article)
        if not created:
            return newsletter
        _fill_outbox(newsletter, article)
        notify_followers(article=article)
    return newsletter


class EmailOnlyRefused(Exception):
    """Why an article cannot go out as an e-mail-only post (a message for the author)."""


def send_email_only(*, article: Article, user: Any) -> Newsletter:
    """The author sends a draft to their list by e-mail only, as Ghost offers: it stays off the site. Only a
    free article (all of it free part): a post nobody can buy must not come with a paywall. Once per article,
    like any newsletter, so a double submit or a later publish on the site sends nothing twice."""
    if article.author.user_id != user.pk:
        raise EmailOnlyRefused(_("Only the article's author can send it."))
    if article.is_live or article.status != "draft":
        raise EmailOnlyRefused(_("Only a draft can be sent by e-mail only; a published article has its newsletter."))
    if not article.is_free or article.has_divider:
        raise EmailOnlyRefused(_("An e-mail-only post goes to everyone on your list in full, so it must be free "
                                 "and have no paywall line."))
    with transaction.atomic():
        newsletter, created = Newsletter.objects.get_or_create(article=article, defaults={"email_only": True})
        if not created:
            raise EmailOnlyRefused(_("This article was already sent."))
        _fill_outbox(newsletter, article)
    from byline.audience import tasks

    transaction.on_commit(lambda: tasks.start_sending(newsletter.pk))
    return newsletter


def _fill_outbox(newsletter: Newsletter, article: Article) -> None:
    """One outbox row per recipient, written 5,000 at a time."""
    count = 0
    ids = selectors.recipients_of(article).values_list("id", flat=True).order_by("id")
    chunk: list[Delivery] = []
    for subscriber_id in ids.iterator(chunk_size=5000):
        chunk.append(Delivery(newsletter=newsletter, article=article, subscriber_id=subscriber_id))
        if len(chunk) >= 5000:
            Delivery.objects.bulk_create(chunk, ignore_conflicts=True)
            count += len(chunk)
            chunk = []
    if chunk:
        Delivery.objects.bulk_create(chunk, ignore_conflicts=True)
        count += len(chunk)
    newsletter.recipients = count
    newsletter.save(update_fields=["recipients"])


def notify_followers(*, article: Article) -> int:
    """A notification for each signed-in follower of what `article` belongs to. The cache is told with one
    entry whatever their number (`selectors.NOTIFIED_KEY`), now and again when the notifications commit, so a
    page that read the old count before the commit reads it again after. Returns how many were told."""
    told = 0
    chunk: list[Notification] = []
    for user_id in selectors.follower_user_ids(article).iterator(chunk_size=NOTIFY_CHUNK):
        chunk.append(Notification(user_id=user_id, kind=NotificationKind.NEW_ARTICLE, article=article))
        if len(chunk) >= NOTIFY_CHUNK:
            Notification.objects.bulk_create(chunk, ignore_conflicts=True)
            told, chunk = told + len(chunk), []
    if chunk:
        Notification.objects.bulk_create(chunk, ignore_conflicts=True)
        told += len(chunk)
    if told:
        selectors.notifications_went_out()
        transaction.on_commit(selectors.notifications_went_out, robust=True)
    return told


NOTIFY_CHUNK = 2000


def mark_read(*, user: Any, notification_ids: Iterable[int] | None = None) -> int:
    rows = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
    if notification_ids is not None:
        rows = rows.filter(pk__in=list(notification_ids))
    updated = rows.update(read_at=timezone.now())
    forgetting.forget(selectors.state_key(user.pk))
    return updated


def _claim(newsletter_id: int, *, limit: int, now: dt.datetime) -> tuple[str, list[int]]:
    """Take up to `limit` waiting rows for this worker. `skip_locked` lets workers running side by side
    take different rows (PostgreSQL); the lease lets rows of a worker that died come back later."""
    claim = uuid.uuid4().hex
    with transaction.atomic():
        ids = list(Delivery.objects.select_for_update(skip_locked=True)
                   .filter(newsletter_id=newsletter_id, state=DeliveryState.PENDING)
                   .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
                   .order_by("id").values_list("id", flat=True)[:limit])
        if ids:
            Delivery.objects.filter(pk__in=ids).update(
                claim=claim, claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS), attempts=F("attempts") + 1)
    return claim, ids


def send_newsletter_batch(*, newsletter_id: int, limit: int = BATCH_SIZE, now: dt.datetime | None = None,
                          connection: Any = None) -> int:
    """Send one batch of the newsletter's waiting rows; returns how many were claimed (0: nothing left).

    Each row is marked sent right after the mail server accepted its message, never before: a worker killed
    between the two can repeat that one message, and nothing else. Rows not reached because of an error are
    handed back at once, so a retry takes them."""
    now = now or timezone.now()
    claim, ids = _claim(newsletter_id, limit=limit, now=now)
    if not ids:
        _finish_if_done(newsletter_id)
        return 0
    newsletter = Newsletter.objects.get(pk=newsletter_id)
    # The row as it is now, locked part included: `decide` below is asked about exactly this row.
    article = Article.objects.select_related("author", "topic").get(pk=newsletter.article_id)
    # The reader's currency travels with the user row (as on a signed-in page): no cache or query per reader.
    rows = list(Delivery.objects.filter(pk__in=ids, claim=claim)
                .select_related("subscriber", "subscriber__user", "subscriber__user__reader_currency")
                .order_by("id"))
    # A live article, or an e-mail-only post that is still free (made paid since: nothing more is sent).
    if not (article.is_live or (newsletter.email_only and article.is_free)):
        Delivery.objects.filter(pk__in=ids, claim=claim).update(state=DeliveryState.SKIPPED, error="not live")
        Newsletter.objects.filter(pk=newsletter_id).update(cancelled_at=now)
        return len(ids)
    book = CopyBook(article, newsletter_id=newsletter_id, email_only=newsletter.email_only)
    connection = connection or get_connection()
    done: set[int] = set()
    # Rows whose address no longer takes newsletters are settled together, before any message goes out.
    stopped = [row.pk for row in rows
               if not row.subscriber.receives_mail or row.subscriber.frequency != Frequency.EACH]
    if stopped:
        Delivery.objects.filter(pk__in=stopped, claim=claim, state=DeliveryState.PENDING).update(
            state=DeliveryState.SKIPPED, error="preferences changed", claimed_until=None)
        done.update(stopped)
    rows = [row for row in rows if row.pk not in done]
    book.decide_batch([row.subscriber for row in rows])  # one entitlement query for the batch
    # The marks go from a thread of their own on PostgreSQL outside a transaction (a worker), so the wait for
    # one overlaps the next message's first exchanges; inside a transaction (tests) they go in line.
    mark = _ThreadedMarker(claim) if _can_mark_aside() else _Marker(claim)
    relaxed = _relaxed_commits()
    try:
        connection.open()
        for row in rows:
            try:
                copy_name = _send_one(book, row.subscriber, connection, delivery_id=row.pk, before_data=mark.wait)
            except smtplib.SMTPRecipientsRefused as refused:
                _settle(row, claim, DeliveryState.FAILED, error=str(refused)[:300])
                done.add(row.pk)
                continue
            # Marked the moment the server accepted it, before the next message: a worker killed can
            # repeat at most the one message in flight (tests/audience/test_worker_killed.py).
            mark.submit(row.pk, copy_name)
            done.add(row.pk)
        mark.wait()
    finally:
        mark.close()
        connection.close()
        if relaxed:
            _strict_commits()
        unsent = [pk for pk in ids if pk not in done]
        if unsent:
            # Handed back for the retry; a row that keeps failing stops after MAX_ATTEMPTS.
            Delivery.objects.filter(pk__in=unsent, claim=claim, state=DeliveryState.PENDING).update(
                claim="", claimed_until=None)
            Delivery.objects.filter(pk__in=unsent, state=DeliveryState.PENDING, attempts__gte=MAX_ATTEMPTS).update(
                state=DeliveryState.FAILED, error="too many attempts")
    return len(ids)


def _relaxed_commits() -> bool:
    """On PostgreSQL, the "sent" marks of a batch commit without waiting for the disk (synchronous_commit off):
    a mark is one round trip instead of a flush. A worker killed loses nothing (the server has every committed
    mark); only a crash of the database server itself may lose its last fraction of a second of marks, whose
    messages would then be sent again. Outside a transaction only, so nothing else is relaxed by accident."""
    if db_connection.vendor != "postgresql" or db_connection.in_atomic_block:
        return False
    with db_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    return True


def _strict_commits() -> None:
    with db_connection.cursor() as cursor:
        cursor.execute("RESET synchronous_commit")


def _send_one(book: CopyBook, subscriber: Subscriber, connection: Any, *, delivery_id: int,
              before_data: Any = lambda: None) -> str:
    """Send the subscriber's copy over `connection`; returns which copy ("full" or "preview"). Through Django's
    SMTP backend the prepared bytes go straight to its open SMTP session (the same bytes Django would make);
    any other backend (anymail, the demo's files, tests' memory) gets an EmailMessage.

    `before_data` runs before the message itself is handed over (the previous message's mark must be
    written by then): until the server answers the end of DATA nothing is delivered, so a worker killed
    before it repeats nothing, and one killed after it repeats at most this one message."""
    if isinstance(connection, SmtpBackend) and connection.connection is not None:
        copy_name, data, _links = book.bytes_for(subscriber, delivery_id)
        if data is not None:
            _smtp_send(connection.connection, subscriber.email, data, before_data)
            return copy_name
    before_data()
    copy_name, copy, links = book.for_subscriber(subscriber, delivery_id)
    message = build_message(subject=copy.subject, text=copy.text, html=copy.html, to=subscriber.email,
                            headers=list_headers(links), connection=connection)
    # An e-mail service (anymail) returns this with each event about the message: see mail_events.
    message.metadata = {METADATA_KEY: str(delivery_id)}
    message.tags = ["newsletter"]
    message.send()
    return copy_name


def _smtp_send(smtp: smtplib.SMTP, to: str, data: bytes, before_data: Any) -> None:
    """`smtplib.SMTP.sendmail` for one recipient, in its three exchanges, with `before_data` before DATA. The
    sender's MAIL FROM is worked out once per process (`_mail_from`): smtplib parses the address again for every
    message, which cost a tenth of a send's CPU time."""
    sender = ENVELOPE_FROM()
    smtp.ehlo_or_helo_if_needed()
    code, answer = smtp.docmd("mail", _mail_from(sender))
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(code, answer, sender)
    code, answer = smtp.rcpt(to)
    if code not in (250, 251):
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused({to: (code, answer)})
    before_data()
    code, answer = smtp.data(data)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPDataError(code, answer)


def ENVELOPE_FROM() -> str:  # noqa: N802 (reads like the constant it stands for)
    return _envelope_from(settings.DEFAULT_FROM_EMAIL)


@functools.lru_cache(maxsize=4)
def _envelope_from(from_email: str) -> str:
    return parseaddr(from_email)[1]


@functools.lru_cache(maxsize=4)
def _mail_from(sender: str) -> str:
    """The argument of MAIL as `smtplib.SMTP.mail` writes it (no options: no SMTPUTF8 or SIZE is asked for)."""
    return f"FROM:{smtplib.quoteaddr(sender)}"


class _Marker:
    """The "sent" mark of one row: one short UPDATE, its SQL made once per batch rather than by the ORM per
    row (building the query cost more than running it). The same conditions as `_settle`: only a row this
    batch claimed and that is still waiting."""

    def __init__(self, claim: str):
        table = Delivery._meta.db_table
        self.claim = claim
        self.sql = (f'UPDATE "{table}" SET "state" = %s, "sent_at" = %s, "copy" = %s, "error" = \'\', '
                    f'"claimed_until" = NULL WHERE "id" = %s AND "claim" = %s AND "state" = %s')
        self.cursor = db_connection.cursor()

    def sent(self, row_id: int, copy_name: str) -> None:
        now = db_connection.ops.adapt_datetimefield_value(timezone.now())
        self.cursor.execute(self.sql, [DeliveryState.SENT, now, copy_name, row_id, self.claim, DeliveryState.PENDING])

    def submit(self, row_id: int, copy_name: str) -> None:
        self.sent(row_id, copy_name)

    def wait(self) -> None:
        """Return once every submitted mark is written (in line: at once)."""

    def close(self) -> None:
        self.cursor.close()


def _can_mark_aside() -> bool:
    return db_connection.vendor == "postgresql" and not db_connection.in_atomic_block


class _ThreadedMarker(_Marker):
    """The same marks, written by a thread with its own database connection: the send loop submits a mark
    and goes on with the next message's MAIL and RCPT while the UPDATE travels, and `wait`s for it before
    DATA. A mark that fails stops the batch at the next `wait`, with its error."""

    def __init__(self, claim: str):
        import queue
        import threading

        table = Delivery._meta.db_table
        self.claim = claim
        self.sql = (f'UPDATE "{table}" SET "state" = %s, "sent_at" = %s, "copy" = %s, "error" = \'\', '
                    f'"claimed_until" = NULL WHERE "id" = %s AND "claim" = %s AND "state" = %s')
        self.queue: queue.Queue = queue.Queue()
        self.pending = 0
        self.error: BaseException | None = None
        self.settled = threading.Condition()
        self.thread = threading.Thread(target=self._work, name="newsletter-marks", daemon=True)
        self.thread.start()

    def _work(self) -> None:
        from django.db import connections

        try:
            self.cursor = connections["default"].cursor()
            self.cursor.execute("SET synchronous_commit TO off")  # see _relaxed_commits
            while (item := self.queue.get()) is not None:
                try:
                    if self.error is None:
                        self.sent(*item)
                except BaseException as error:  # handed to the send loop at its next wait
                    self.error = error
                with self.settled:
                    self.pending -= 1
                    self.settled.notify_all()
        finally:
            connections.close_all()  # this thread's own connection

    def submit(self, row_id: int, copy_name: str) -> None:
        with self.settled:
            self.pending += 1
        self.queue.put((row_id, copy_name))

    def wait(self) -> None:
        with self.settled:
            self.settled.wait_for(lambda: self.pending == 0 or self.error is not None)
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join(timeout=60)


def _settle(row: Delivery, claim: str, state: str, *, copy: str = "", error: str = "") -> None:
    Delivery.objects.filter(pk=row.pk, claim=claim, state=DeliveryState.PENDING).update(
        state=state, sent_at=timezone.now() if state == DeliveryState.SENT else None, copy=copy, error=error,
        claimed_until=None)


def _finish_if_done(newsletter_id: int) -> None:
    if not Delivery.objects.filter(newsletter_id=newsletter_id, state=DeliveryState.PENDING).exists():
        Newsletter.objects.filter(pk=newsletter_id, finished_at__isnull=True).update(finished_at=timezone.now())


def record_click(*, delivery_id: int, newsletter_id: int, url: str) -> bool:
    """A recipient followed a link of a newsletter: counted once per (recipient, link), whatever the number of
    times. Only for the row that newsletter sent (a recipient part moved onto another newsletter's link still
    redirects, since both parts are genuine, but counts nothing). Returns whether the pair was counted."""
    import hashlib

    if not Delivery.objects.filter(pk=delivery_id, newsletter_id=newsletter_id).exists():
        return False
    link = hashlib.sha256(url.encode()).hexdigest()[:32]
    Click.objects.bulk_create([Click(delivery_id=delivery_id, link=link, url=url[:2000])], ignore_conflicts=True)
    return True


def send_newsletter(*, newsletter_id: int, limit: int = BATCH_SIZE, now: dt.datetime | None = None) -> int:
    """Every waiting row of the newsletter, batch after batch; returns how many rows were worked."""
    worked = 0
    while batch := send_newsletter_batch(newsletter_id=newsletter_id, limit=limit, now=now):
        worked += batch
    return worked


def due_articles(*, now: dt.datetime | None = None) -> list[int]:
    """Live articles published lately without a newsletter yet: scheduled ones that went live, and any
    whose publish-time hook was lost (a worker down)."""
    now = now or timezone.now()
    since = now - dt.timedelta(seconds=settings.NEWSLETTER_LOOKBACK_SECONDS)
    return list(Article.objects.filter(status__in=("published", "scheduled"), published_at__lte=now,
                                       published_at__gte=since, newsletter__isnull=True)
                .values_list("id", flat=True))


def unfinished_newsletters() -> list[int]:
    return list(Newsletter.objects.filter(finished_at__isnull=True, cancelled_at__isnull=True)
                .values_list("id", flat=True))


# --- Digests ---------------------------------------------------------------------------------------------

DIGEST_PERIODS = {Frequency.DAILY: dt.timedelta(days=1), Frequency.WEEKLY: dt.timedelta(days=7)}
DIGEST_LIMIT = 30  # articles in one digest at most; a longer list links to the site


def send_digests(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """One digest to each daily or weekly reader whose period is over: the titles and free teasers of what
    went live on their lists since the last one, with links. A digest holds no locked text for anyone, so
    it needs no access decision; the article page makes it when the reader follows the link. Returns how
    many digests were sent."""
    now = now or timezone.now()
    sent = 0
    for frequency, period in DIGEST_PERIODS.items():
        due = (Subscriber.objects.filter(frequency=frequency, confirmed_at__isnull=False, stopped_at__isnull=True,
                                         suppressed_at__isnull=True, email__isnull=False)
               .filter(Q(last_digest_at__isnull=True) | Q(last_digest_at__lte=now - period))
               .values_list("id", flat=True)[:limit])
        for subscriber_id in list(due):
            sent += _send_digest(subscriber_id=subscriber_id, period=period, now=now)
    return sent


def _send_digest(*, subscriber_id: int, period: dt.timedelta, now: dt.datetime) -> int:
    from byline.audience.newsletter import personal_links

    with transaction.atomic():
        # Held while the one message goes out, so two sweeps cannot both send it.
        subscriber = (Subscriber.objects.select_for_update(skip_locked=True).filter(pk=subscriber_id)
                      .filter(Q(last_digest_at__isnull=True) | Q(last_digest_at__lte=now - period)).first())
        if subscriber is None:
            return 0
        since = subscriber.last_digest_at or now - period
        articles = list(selectors.digest_articles(subscriber=subscriber, since=since, now=now)[:DIGEST_LIMIT])
        subscriber.last_digest_at = now
        subscriber.save(update_fields=["last_digest_at"])
        if not articles:
            return 0
        links = personal_links(subscriber)
        with translation.override(subscriber.language):
            context = {"articles": [(a, site_url(a.get_absolute_url())) for a in articles],
                       "unsubscribe_url": links.unsubscribe_url, "preferences_url": links.preferences_url,
                       "SITE_NAME": settings.SITE_NAME, "site_url": settings.SITE_URL,
                       "LANGUAGE_CODE": subscriber.language, "daily": period.days == 1}
            subject = (_("Your daily digest from %(site)s") if period.days == 1
                       else _("Your weekly digest from %(site)s")) % {"site": settings.SITE_NAME}
            text = render_to_string("audience/email/digest.txt", context)
            html = None
            if subscriber.mail_format == MailFormat.HTML:
                html = inline_css(render_to_string("audience/email/digest.html", context))
        build_message(subject=subject, text=text, html=html, to=subscriber.email, headers=list_headers(links)).send()
        Delivery.objects.bulk_create(
            [Delivery(article=a, subscriber=subscriber, state=DeliveryState.SENT, sent_at=now, copy="digest")
             for a in articles], ignore_conflicts=True)
    return 1


def send_test_newsletter(*, article: Article, to: str, language: str) -> None:
    """The author's test: the full copy and the preview copy of their own article, to their own address.
    The caller has checked, with the page's decision, that the author may read the article in full."""
    from byline.audience.newsletter import FULL, PREVIEW, CopyKey, Markers, Personal, render_copy
    from byline.pricing.selectors import currency_of

    markers = Markers.fresh()
    links = Personal(site_url("/"), site_url("/"))
    for copy_name in (FULL, PREVIEW):
        key = CopyKey(copy_name, language, MailFormat.HTML, "" if copy_name == FULL else currency_of(None, language))
        copy = render_copy(article, key, markers)
        with translation.override(language):
            label = _("[Test, as a buyer]") if copy_name == FULL else _("[Test, as a reader without access]")
        fill = lambda text: text.replace(markers.unsubscribe, links.unsubscribe_url).replace(  # noqa: E731
            markers.preferences, links.preferences_url)
        build_message(subject=f"{label} {copy.subject}", text=fill(copy.text), html=fill(copy.html), to=to).send()


def import_subscribers(*, author: Author | None, rows: Iterable[str], language: str,
                       kind: str = ListKind.AUTHOR) -> dict[str, int]:
    """Addresses an author (or, for the whole publication's list, `kind` SITE, the site's staff) brings, each put
    on that list with the consent recorded as an import. An address
    not yet confirmed gets the double opt-in message like any other, so an import can add readers but never
    mail anyone who did not confirm. Returns counts: added, already on the list, not an address."""
    import csv

    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    counts = {"added": 0, "present": 0, "invalid": 0}
    to_confirm: list[int] = []
    for cells in csv.reader(list(rows)):
        if not cells or not cells[0].strip():
            continue
        email = _normalised_email(cells[0])
        if email.lower() in ("email", "e-mail", "address"):
            continue  # a header line
        try:
            validate_email(email)
        except ValidationError:
            counts["invalid"] += 1
            continue
        with transaction.atomic():
            subscriber = Subscriber.objects.filter(email__iexact=email).first()
            if subscriber is None:
                subscriber = Subscriber.objects.create(email=email, language=language)
            _subscription, created = Subscription.objects.get_or_create(
                subscriber=subscriber, **_target(kind, author, None),
                defaults={"consent": Consent.IMPORT, "confirmed_at": timezone.now()})
        counts["added" if created else "present"] += 1
        if created and subscriber.confirmed_at is None:
            to_confirm.append(subscriber.pk)
    what = author.name if kind == ListKind.AUTHOR else settings.SITE_NAME
    for subscriber in Subscriber.objects.filter(pk__in=to_confirm):
        send_confirmation(subscriber=subscriber, what=what)
    return counts


def notify_of_comment(comment: Any) -> list[int]:
    """`comments.services.ON_NEW_COMMENT`: the article's author hears of every new comment and reply (but
    their own); the writer of a comment hears of a reply to it (but their own) only if they may be called back
    to it (`_may_be_called_back`: active, not blocked by the author, and allowed to read that reply now, which is
    what the access decision answers for the article; a new reply is never featured). A reply waiting for the
    author's approval tells only the author. Returns who was told."""
    from byline.comments.models import Comment, CommentStatus

    comment = (Comment.objects.filter(pk=comment.pk).select_related("article__author", "parent__reader")
               .defer("article__locked_html", "article__body_markdown").first())
    if comment is None:
        return []
    article = comment.article
    told: list[tuple[int, str]] = []
    author_id = article.author.user_id
    if author_id and author_id != comment.reader_id:
        told.append((author_id, NotificationKind.COMMENT))
    parent = comment.parent
    if (parent is not None and comment.status == CommentStatus.VISIBLE
            and parent.status == CommentStatus.VISIBLE
            and parent.reader_id not in (comment.reader_id, author_id)
            and _may_be_called_back([parent.reader], article)):
        told.append((parent.reader_id, NotificationKind.REPLY))
    if comment.status == CommentStatus.VISIBLE:
        already = {uid for uid, _kind in told} | {comment.reader_id, author_id}
        told += [(uid, NotificationKind.MENTION) for uid in _mentioned_readers(comment, article, exclude=already)]
    Notification.objects.bulk_create(
        [Notification(user_id=uid, kind=kind, article=article, comment=comment) for uid, kind in told],
        ignore_conflicts=True)
    forgetting.forget(*(selectors.state_key(uid) for uid, _kind in told))
    from byline.audience import tasks

    for note_id in Notification.objects.filter(comment=comment, mailed_at__isnull=True).values_list("pk", flat=True):
        transaction.on_commit(lambda note_id=note_id: tasks.mail_comment_notification.delay(note_id))
    return [uid for uid, _kind in told]


# "@name" in a comment's Markdown, not inside a word, an e-mail address (a@b.c mentions nobody) or a link's
# path (https://host/@name is somebody elsewhere).
MENTION = re.compile(r"(?<![\w@.+/-])@([\w.+-]{1,150})")
# Code (fenced blocks and `spans`) quotes names rather than calling anyone: it is left out before matching.
CODE = re.compile(r"(`{3,}|~{3,}).*?(?:\1|\Z)|(`+)[^`]*?\2", re.S)
# A comment tells at most this many readers it mentions: enough for a conversation, too few to spam with.
MAX_MENTIONS = 5


def _mentioned_readers(comment: Any, article: Article, *, exclude: set[int]) -> list[int]:
    """The readers a visible comment names as "@username" (exactly: look-alike names cannot be registered)
    whom it may call back (`_may_be_called_back`, as for a reply), but not those in `exclude` (its writer, the
    article's author, the reader replied to)."""
    from django.contrib.auth import get_user_model

    said = CODE.sub(" ", comment.body_markdown)
    names = list(dict.fromkeys(name.rstrip(".") for name in MENTION.findall(said)))[:MAX_MENTIONS]
    if not names:
        return []
    readers = get_user_model().objects.filter(username__in=names).exclude(pk__in=exclude)
    return _may_be_called_back(list(readers), article)


def _may_be_called_back(readers: list[Any], article: Article) -> list[int]:
    """Of these readers, the ids of those a comment on `article` may notify (a reply to them, a mention): active,
    not blocked by the article's author (a block means the author wants no more of them on their pages, and a
    notification would call them back to comments they may no longer join), and allowed to read the comment
    now (the access decision for its article)."""
    from byline.access.decision import decide
    from byline.comments.models import Block

    if not readers:
        return []
    blocked = set(Block.objects.filter(author_id=article.author_id, reader_id__in=[r.pk for r in readers])
                  .values_list("reader_id", flat=True))
    return [reader.pk for reader in readers
            if reader.is_active and reader.pk not in blocked and decide(reader, article).allowed]


def mail_comment_notification(*, notification_id: int) -> bool:
    """The e-mail copy of a comment notification, to the reader's confirmed address if it takes mail (the
    same `receives_mail` as newsletters: confirmed, not stopped or suppressed, not "no e-mail"). Claimed
    before sending, so it goes at most once. What it shows of the comment is decided now, by the same rule
    as the notifications page (`selectors.describe_comment_notes`)."""
    claimed = Notification.objects.filter(pk=notification_id, mailed_at__isnull=True, read_at__isnull=True,
                                          comment__isnull=False).update(mailed_at=timezone.now())
    if not claimed:
        return False
    note = (Notification.objects.select_related("user", "article", "article__author", "comment",
                                                "comment__reader")
            .defer("article__locked_html", "article__body_markdown", "comment__body_markdown")
            .get(pk=notification_id))
    subscriber = Subscriber.objects.filter(user_id=note.user_id).first()
    if subscriber is None or not subscriber.receives_mail or not note.user.is_active:
        return False
    from byline.comments.models import Block

    if note.kind != NotificationKind.COMMENT and Block.objects.filter(
            author_id=note.article.author_id, reader_id=note.user_id).exists():
        return False  # blocked since the note was written: no call back by e-mail either (the author's own notes go)
    selectors.describe_comment_notes(note.user, [note])
    with translation.override(subscriber.language):
        names = {"name": note.writer, "title": note.article.title}
        heading = {
            NotificationKind.REPLY: _("%(name)s replied to your comment on “%(title)s”"),
            NotificationKind.MENTION: _("%(name)s mentioned you in a comment on “%(title)s”"),
        }.get(note.kind, _("%(name)s commented on “%(title)s”")) % names
        context = {"heading": heading, "excerpt": note.excerpt,
                   "article_url": site_url(f"{note.article.get_absolute_url()}#comment-{note.comment_id}"),
                   "notifications_url": site_url(reverse("audience:notifications")),
                   "preferences_url": site_url(reverse("audience:preferences")),
                   "SITE_NAME": settings.SITE_NAME, "site_url": settings.SITE_URL,
                   "LANGUAGE_CODE": subscriber.language}
        text = render_to_string("audience/email/comment.txt", context)
        html = (inline_css(render_to_string("audience/email/comment.html", context))
                if subscriber.mail_format == MailFormat.HTML else None)
    build_message(subject=heading, text=text, html=html, to=subscriber.email).send()
    return True
