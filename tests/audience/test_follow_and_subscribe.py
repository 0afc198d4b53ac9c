"""Following while signed in, subscribing by e-mail with double opt-in, preferences, the bell, the author's list."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from byline.audience import services
from byline.audience.models import Delivery, Frequency, ListKind, Notification, Subscriber, Subscription
from byline.audience.selectors import NOTIFIED_KEY
from tests.audience.helpers import confirmed_subscriber, fresh_article, publish_and_send
from tests.conftest import make_article, make_author, make_topic, make_user

pytestmark = pytest.mark.django_db

CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/\S+/audience/confirm/\S+/)")


def test_a_signed_in_reader_follows_an_author_from_the_article_page_and_the_button_says_so(client):
    author = make_author()
    article = make_article(author=author)
    reader = make_user()
    client.force_login(reader)
    page = client.get(article.get_absolute_url()).content.decode()
    assert f"Follow {author.name}" in page and 'aria-pressed="false"' in page
    response = client.post(f"/en/audience/follow/author/{author.slug}/", {"next": article.get_absolute_url()})
    assert response.status_code == 302 and response["Location"] == article.get_absolute_url()
    page = client.get(article.get_absolute_url()).content.decode()
    assert f"Following {author.name} (stop)" in page and 'aria-pressed="true"' in page
    client.post(f"/en/audience/follow/author/{author.slug}/", {"action": "unfollow"})
    assert not Subscription.objects.filter(subscriber__user=reader).exists()
    assert f"Following {author.name}" not in client.get(article.get_absolute_url()).content.decode()


def test_two_readers_sharing_the_page_shell_each_see_their_own_follow_state(client):
    author = make_author()
    article = make_article(author=author)
    follower, other = make_user(), make_user()
    services.follow(user=follower, kind=ListKind.AUTHOR, author=author)
    client.force_login(follower)
    assert "(stop)" in client.get(article.get_absolute_url()).content.decode()
    client.force_login(other)
    assert "(stop)" not in client.get(article.get_absolute_url()).content.decode()


def test_the_follow_button_and_bell_cost_no_query_once_the_reader_is_signed_in(client):
    author = make_author()
    article = make_article(author=author)
    reader = make_user()
    client.force_login(reader)  # log-in reads the reader's follows and notifications once
    with CaptureQueriesContext(connection) as queries:
        client.get(article.get_absolute_url())
    assert not [q for q in queries if "audience_" in q["sql"]]


def test_a_reader_follows_a_topic_from_its_page_and_the_publication_from_the_home_page(client):
    topic = make_topic("tea")
    reader = make_user()
    assert "/en/audience/subscribe/topic/tea/" in client.get(topic.get_absolute_url()).content.decode()
    assert "/en/audience/subscribe/site/" in client.get("/en/").content.decode()
    client.force_login(reader)
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "Follow Tea" in page and 'action="/en/audience/follow/topic/tea/"' in page
    client.post("/en/audience/follow/topic/tea/", {"next": topic.get_absolute_url()})
    client.post("/en/audience/follow/site/", {"next": "/en/"})
    assert "Following Tea (stop)" in client.get(topic.get_absolute_url()).content.decode()
    assert 'action="/en/audience/follow/site/"' in client.get("/en/").content.decode()
    assert {s.kind for s in Subscription.objects.filter(subscriber__user=reader)} == {"topic", "site"}
    services.queue_newsletter(article_id=fresh_article(make_author(), topic=topic).pk)
    assert Notification.objects.filter(user=reader).count() == 1  # one bell for both lists


def test_anonymous_readers_get_a_link_to_subscribe_that_the_public_cache_may_keep(client):
    author = make_author()
    article = make_article(author=author)
    page = client.get(article.get_absolute_url()).content.decode()
    assert f"/en/audience/subscribe/author/{author.slug}/" in page
    assert client.get(author.get_absolute_url()).content.decode().count("/audience/subscribe/author/") == 1


def test_following_from_an_article_while_signed_out_comes_back_to_the_article(client):
    from urllib.parse import unquote

    author = make_author()
    article = make_article(author=author)
    url = article.get_absolute_url()
    subscribe = re.search(r'href="(/en/audience/subscribe/author/[^"]+)"', client.get(url).content.decode()).group(1)
    assert unquote(subscribe.replace("&amp;", "&")).endswith(f"?next={url}")
    page = client.get(subscribe.replace("&amp;", "&")).content.decode()
    login = re.search(r'href="(/en/accounts/login/\?next=[^"]+)">Log in to follow', page).group(1)
    assert unquote(unquote(login)).endswith(f"/subscribe/author/{author.slug}/?next={url}")
    # A follow form posted after the session ended goes the same way round.
    ended = client.post(f"/en/audience/follow/author/{author.slug}/", {"next": url})["Location"]
    assert unquote(unquote(ended)).endswith(f"/subscribe/author/{author.slug}/?next={url}")
    client.force_login(make_user())  # (signing in itself is the accounts app's; it returns to `next`)
    page = client.get(unquote(login.split("next=", 1)[1]).replace("&amp;", "&")).content.decode()
    assert f'name="next" value="{url}"' in page
    response = client.post(f"/en/audience/follow/author/{author.slug}/", {"next": url})
    assert response["Location"] == url


def test_double_opt_in_sends_only_the_confirmation_until_the_address_confirms(client):
    author = make_author()
    response = client.post(f"/en/audience/subscribe/author/{author.slug}/", {"email": "Ada@Example.ORG"})
    assert response.status_code == 302 and response["Location"].endswith("/audience/subscribe/sent/")
    [confirmation] = mail.outbox
    assert confirmation.to == ["Ada@example.org"]
    mail.outbox.clear()
    publish_and_send(fresh_article(author))
    assert mail.outbox == [] and not Delivery.objects.exists()

    path = CONFIRM_LINK.search(confirmation.body).group(1)
    assert client.get(path).status_code == 200  # a link scanner's GET confirms nothing
    assert Subscriber.objects.get().confirmed_at is None
    assert b"Subscription confirmed" in client.post(path).content
    publish_and_send(fresh_article(author))
    assert [m.to for m in mail.outbox] == [["Ada@example.org"]]


def test_subscribing_an_address_twice_answers_the_same_and_keeps_one_row(client):
    author = make_author()
    first = client.post(f"/en/audience/subscribe/author/{author.slug}/", {"email": "b@example.org"})
    second = client.post(f"/en/audience/subscribe/author/{author.slug}/", {"email": "b@example.org"})
    assert first["Location"] == second["Location"]
    assert Subscriber.objects.count() == 1 and Subscription.objects.count() == 1


def test_a_bad_address_is_a_form_error_not_a_500(client):
    author = make_author()
    response = client.post(f"/en/audience/subscribe/author/{author.slug}/", {"email": "not an address"})
    assert response.status_code == 400 and b"field-error" in response.content


def test_the_preference_page_changes_frequency_language_format_and_lists(client):
    author, other = make_author(), make_author()
    subscriber = confirmed_subscriber("p@example.org", author=author)
    Subscription.objects.create(subscriber=subscriber, kind=ListKind.AUTHOR, author=other, consent="opt-in",
                                confirmed_at=timezone.now())
    from byline.audience import tokens

    url = f"/en/audience/preferences/{tokens.make(subscriber.pk, tokens.PREFERENCES_SALT)}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"receive": "on", "frequency": "weekly", "language": "zh-hans",
                                 "mail_format": "text", "lists": [f"author:{other.pk}"]})
    assert response.status_code == 302
    subscriber.refresh_from_db()
    assert (subscriber.frequency, subscriber.language, subscriber.mail_format) == (Frequency.WEEKLY, "zh-hans", "text")
    assert [s.author_id for s in subscriber.subscriptions.all()] == [other.pk]
    assert client.get("/en/audience/preferences/1:forged/").status_code == 404


def test_publishing_rings_the_bell_of_signed_in_followers_and_reading_clears_it(client):
    author = make_author()
    reader = make_user()
    services.follow(user=reader, kind=ListKind.AUTHOR, author=author)
    client.force_login(reader)
    assert "Notifications (" not in client.get("/en/").content.decode()
    article = fresh_article(author)
    services.queue_newsletter(article_id=article.pk)
    assert "Notifications (1 unread)" in client.get("/en/").content.decode()
    page = client.get("/en/audience/notifications/").content.decode()
    assert article.title in page
    client.post("/en/audience/notifications/")
    assert Notification.objects.get().read_at is not None
    assert "Notifications (" not in client.get("/en/").content.decode()


CACHE_WRITES = ("set", "set_many", "add", "delete", "delete_many", "incr", "touch")


def test_publishing_to_many_followers_writes_the_cache_a_fixed_number_of_times(
        client, monkeypatch, django_capture_on_commit_callbacks):
    """One entry for all followers, not one each: the file cache scans its folder on every write."""
    from django.contrib.auth import get_user_model
    from django.core.cache import caches

    author = make_author()
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"follower{n}", email=f"f{n}@example.org") for n in range(40)])
    reader = users[0]
    client.force_login(reader)  # caches this follower's state before the publish
    now = timezone.now()
    subscribers = Subscriber.objects.bulk_create([Subscriber(user=u, confirmed_at=now) for u in users])
    Subscription.objects.bulk_create([Subscription(subscriber=s, kind=ListKind.AUTHOR, author=author,
                                                   consent="follow", confirmed_at=now) for s in subscribers])
    article = fresh_article(author)
    backend = caches["default"]
    written: list[str] = []  # one per entry written: set_many and delete_many count each of their keys

    def counting(name, real):
        def write(first, *args, **kwargs):
            written.extend(first if name.endswith("_many") else [first])
            return real(first, *args, **kwargs)
        return write

    for name in CACHE_WRITES:
        monkeypatch.setattr(backend, name, counting(name, getattr(backend, name)))
    with django_capture_on_commit_callbacks(execute=True):
        services.queue_newsletter(article_id=article.pk)
    assert Notification.objects.filter(article=article).count() == 40
    assert written == [NOTIFIED_KEY, NOTIFIED_KEY]  # now, and when the notifications commit
    monkeypatch.undo()
    assert "Notifications (1 unread)" in client.get("/en/").content.decode()


def test_an_author_sees_their_subscribers_and_exports_them_as_csv(client):
    author = make_author()
    confirmed_subscriber("=cmd@example.org", author=author)
    confirmed_subscriber("plain@example.org", author=author)
    client.force_login(author.user)
    page = client.get("/en/audience/subscribers/")
    assert page.status_code == 200 and b"plain@example.org" in page.content
    response = client.get("/en/audience/subscribers.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "email" and len(rows) == 3
    assert "'=cmd@example.org" in [row[0] for row in rows]  # never a formula in a spreadsheet


def test_staff_see_export_and_import_the_whole_publications_list_and_nobody_else_does(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    confirmed_subscriber("everything@example.org", kind=ListKind.SITE)
    confirmed_subscriber("one-writer@example.org", author=make_author())
    client.force_login(make_user())
    assert client.get("/en/audience/subscribers/?list=site").status_code == 403
    assert client.get("/en/audience/subscribers.csv?list=site").status_code == 403
    client.force_login(make_user(is_staff=True))  # staff without an author profile: the publication's list
    page = client.get("/en/audience/subscribers/").content.decode()
    assert "The publication's subscribers" in page and "everything@example.org" in page
    assert "one-writer@example.org" not in page
    rows = list(csv.reader(io.StringIO(client.get("/en/audience/subscribers.csv?list=site").content.decode())))
    assert [row[0] for row in rows[1:]] == ["everything@example.org"]
    upload = SimpleUploadedFile("list.csv", b"new-reader@example.org\n", content_type="text/csv")
    response = client.post("/en/audience/subscribers/", {"list": "site", "file": upload, "consent": "on"})
    assert response.status_code == 302 and response["Location"].endswith("?list=site")
    [imported] = Subscription.objects.filter(subscriber__email="new-reader@example.org")
    assert (imported.kind, imported.author_id, imported.consent) == (ListKind.SITE, None, "import")
    assert "Confirm your subscription to Byline" in mail.outbox[-1].subject


def test_a_reader_without_an_author_profile_is_told_why_the_list_is_not_theirs(client):
    client.force_login(make_user())
    assert client.get("/en/audience/subscribers/").status_code == 403


def test_a_scheduled_article_sends_when_the_sweep_finds_it_live(client):
    from byline.audience import tasks

    author = make_author()
    confirmed_subscriber("later@example.org", author=author)
    article = make_article(author=author, published_at=timezone.now() + timezone.timedelta(hours=1))
    tasks.sweep_newsletters()
    assert mail.outbox == []
    type(article).objects.filter(pk=article.pk).update(published_at=timezone.now() - timezone.timedelta(minutes=1))
    tasks.sweep_newsletters()
    assert [m.to for m in mail.outbox] == [["later@example.org"]]


def test_saving_an_article_live_queues_its_newsletter_after_the_commit(django_capture_on_commit_callbacks):
    author = make_author()
    confirmed_subscriber("now@example.org", author=author)
    with django_capture_on_commit_callbacks(execute=True):
        fresh_article(author)
    assert [m.to for m in mail.outbox] == [["now@example.org"]]


def test_a_weekly_reader_gets_one_digest_of_teasers_and_no_newsletter_per_article():
    author = make_author()
    subscriber = confirmed_subscriber("weekly@example.org", author=author)
    Subscriber.objects.filter(pk=subscriber.pk).update(frequency=Frequency.WEEKLY)
    first, second = fresh_article(author), fresh_article(author)
    publish_and_send(first)
    publish_and_send(second)
    assert mail.outbox == []
    assert services.send_digests(now=timezone.now() + timezone.timedelta(minutes=1)) == 1
    [digest] = mail.outbox
    assert first.title in digest.body and second.title in digest.body
    assert "Zebra-quartz" not in digest.body + digest.alternatives[0][0]  # teasers only, never the locked part
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert services.send_digests(now=timezone.now() + timezone.timedelta(days=2)) == 0  # not a week yet
    assert services.send_digests(now=timezone.now() + timezone.timedelta(days=8)) == 0  # nothing new: no mail
    assert len(mail.outbox) == 1


def test_an_author_previews_both_copies_and_sends_a_test_but_nobody_else_may(client):
    from tests.audience.helpers import buy
    from tests.conftest import LOCKED_SENTINEL

    author = make_author()
    article = make_article(author=author)
    url = f"/en/audience/newsletter/{article.slug}/preview/"
    client.force_login(author.user)
    assert LOCKED_SENTINEL in client.get(url + "?copy=full").content.decode()
    preview = client.get(url + "?copy=preview").content.decode()
    assert LOCKED_SENTINEL not in preview and "The rest is paid" in preview
    client.post(f"/en/audience/newsletter/{article.slug}/test/")
    full, partial = mail.outbox
    assert LOCKED_SENTINEL in full.body and LOCKED_SENTINEL not in partial.body + partial.alternatives[0][0]
    assert all(m.to == [author.user.email] for m in mail.outbox)
    buyer = make_user()
    buy(buyer, article)
    client.force_login(buyer)  # may read it, but it is not theirs to preview
    assert client.get(url + "?copy=full").status_code == 403
    assert client.post(f"/en/audience/newsletter/{article.slug}/test/").status_code == 403


def test_an_author_imports_readers_with_consent_and_new_addresses_must_still_confirm(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    author = make_author()
    known = confirmed_subscriber("known@example.org", author=make_author())
    client.force_login(author.user)
    upload = SimpleUploadedFile("readers.csv", b"email\r\nnew@example.org\r\nknown@example.org\r\nnot-an-address\r\n")
    refused = client.post("/en/audience/subscribers/", {"file": upload})
    assert refused.status_code == 400  # consent not ticked: a form error
    upload.seek(0)
    response = client.post("/en/audience/subscribers/", {"file": upload, "consent": "on"})
    assert response.status_code == 302
    assert Subscription.objects.filter(author=author, consent="import").count() == 2
    assert [m.to for m in mail.outbox] == [["new@example.org"]]  # the confirmation, nothing else
    publish_and_send(fresh_article(author))
    assert [m.to for m in mail.outbox][1:] == [[known.email]]


def test_the_form_cannot_flood_an_inbox_or_be_hammered_from_one_address(client):
    author = make_author()
    for _ in range(5):
        client.post(f"/en/audience/subscribe/author/{author.slug}/", {"email": "target@example.org"})
    assert len(mail.outbox) == 3  # at most three confirmations a day to one address
    from byline.audience import views

    for _ in range(views.SUBSCRIBES_PER_HOUR - 5):
        client.post(f"/en/audience/subscribe/author/{author.slug}/", {"email": "x@example.org"})
    assert client.post(f"/en/audience/subscribe/author/{author.slug}/", {"email": "y@example.org"}).status_code == 429
