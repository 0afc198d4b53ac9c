"""Comments under articles: who may write, who may read, moderation, and the page's speed."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from byline.access.decision import decide
from byline.comments import services
from byline.comments.models import Block, Comment, CommentStatus, Policy, Report
from byline.purchases.services import unlock_with_wallet
from tests.conftest import LOCKED_SENTINEL, make_article, make_user
from tests.ledger.conftest import fund

pytestmark = pytest.mark.django_db


def buyer_of(article, key="buy"):
    reader = make_user()
    fund(reader, 5_000)
    unlock_with_wallet(reader=reader, article=article, idempotency_key=key)
    return reader


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def write(reader, article, body, parent=None):
    return services.post_comment(reader=reader, article=article, access=decide(reader, article), body=body,
                                 address="192.0.2.1", parent_id=parent.pk if parent else None)


def test_a_reader_comments_and_the_comment_shows_under_the_article_at_once(free_article):
    reader = make_user("ann")
    client = signed_in(reader)
    url = free_article.get_absolute_url()
    assert "No comments yet" in client.get(url).content.decode()  # the shell is cached now
    response = client.post(reverse("comments:post", args=[free_article.slug]),
                           {"body": "Lovely **piece**\r\n\r\n<script>alert(1)</script> [x](https://example.org)"})
    assert response.status_code == 303
    comment = Comment.objects.get()
    assert "<strong>piece</strong>" in comment.body_html and "<script>" not in comment.body_html
    assert 'rel="nofollow ugc noopener noreferrer"' in comment.body_html
    page = client.get(url).content.decode()
    assert "<strong>piece</strong>" in page and f'id="comment-{comment.pk}"' in page
    anonymous = Client().get(url).content.decode()
    assert "<strong>piece</strong>" in anonymous and "Log in to comment" in anonymous


def test_a_reply_to_a_reply_joins_the_first_comments_thread(free_article):
    first = write(make_user(), free_article, "Top")
    reply = write(make_user(), free_article, "Reply", parent=first)
    again = write(make_user(), free_article, "Reply to reply", parent=reply)
    assert reply.parent_id == first.pk and again.parent_id == first.pk


def test_readers_without_access_see_only_the_comments_the_author_featured(paid_article, author):
    buyer = buyer_of(paid_article)
    quoting = write(buyer, paid_article, f"> {LOCKED_SENTINEL}\n\nSo true.")
    featured = write(buyer, paid_article, "A kind word the author chose.")
    services.moderate(moderator=author.user, comment_id=featured.pk, action="feature")
    for client in (Client(), signed_in(make_user())):
        page = client.get(paid_article.get_absolute_url()).content.decode()
        assert LOCKED_SENTINEL not in page and "A kind word the author chose." in page
        assert f'id="comment-{quoting.pk}"' not in page
        assert client.get(reverse("comments:report", args=[quoting.pk])).status_code in (302, 404)
    page = signed_in(buyer).get(paid_article.get_absolute_url()).content.decode()
    assert page.count(LOCKED_SENTINEL) == 2  # the article and the quote


def test_readers_without_access_are_told_when_nothing_is_featured_yet(paid_article):
    write(buyer_of(paid_article), paid_article, "Only buyers read this one.")
    page = Client().get(paid_article.get_absolute_url()).content.decode()
    assert "The author has not featured any yet." in page and "Here are the ones the author featured." not in page
    assert "Only buyers read this one." not in page


def test_who_may_comment_follows_the_article_then_the_authors_default(paid_article, free_article, author):
    reader = make_user()
    with pytest.raises(services.CommentRefused) as refused:
        write(reader, paid_article, "Can I?")
    assert refused.value.code == "readers"
    services.set_article_policy(article=paid_article, policy=Policy.SIGNED_IN)
    assert write(reader, paid_article, "Yes I can").pk
    services.set_default_policy(author=author, policy=Policy.OFF)
    with pytest.raises(services.CommentRefused):
        write(reader, free_article, "Closed")
    assert "turned comments off" in signed_in(reader).get(free_article.get_absolute_url()).content.decode()


def test_the_author_hides_features_pins_and_blocks(free_article, author):
    reader = make_user()
    comment = write(reader, free_article, "Rude words")
    moderator = signed_in(author.user)
    url = reverse("comments:moderate", args=[comment.pk])
    assert moderator.post(url, {"action": "pin"}).status_code == 303
    assert moderator.post(url, {"action": "hide"}).status_code == 303
    comment.refresh_from_db()
    assert comment.status == CommentStatus.HIDDEN
    assert "Rude words" not in Client().get(free_article.get_absolute_url()).content.decode()
    assert "Hidden from readers" in moderator.get(free_article.get_absolute_url()).content.decode()
    assert signed_in(make_user()).post(url, {"action": "show"}).status_code == 403
    moderator.post(url, {"action": "show"})
    moderator.post(url, {"action": "block"})
    assert Block.objects.filter(reader=reader).exists()
    with pytest.raises(services.CommentRefused) as refused:
        write(reader, free_article, "Again")
    assert refused.value.code == "blocked"


def test_a_reader_reports_a_comment_once(free_article):
    comment = write(make_user(), free_article, "Spam")
    client = signed_in(make_user())
    for _ in range(2):
        assert client.post(reverse("comments:report", args=[comment.pk]), {"reason": "spam"}).status_code == 303
    assert Report.objects.count() == 1


def test_only_the_writer_sees_change_and_delete_and_only_in_the_first_minutes(free_article, settings):
    writer, other = make_user(), make_user()
    comment = write(writer, free_article, "Mine")
    edit_url = reverse("comments:edit", args=[comment.pk])
    own_page = signed_in(writer).get(free_article.get_absolute_url()).content.decode()
    assert edit_url in own_page and "comment-own" not in own_page
    assert edit_url not in signed_in(other).get(free_article.get_absolute_url()).content.decode()
    assert signed_in(other).post(edit_url, {"body": "Theirs"}).status_code == 404
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=settings.COMMENT_EDIT_SECONDS + 1))
    with pytest.raises(services.CommentRefused):
        services.edit_comment(reader=writer, comment_id=comment.pk, body="Too late")
    services.delete_own_comment(reader=writer, comment_id=comment.pk)
    assert "Mine" not in Client().get(free_article.get_absolute_url()).content.decode()


def test_a_bot_that_fills_the_hidden_field_gets_thanks_and_writes_nothing(free_article):
    client = signed_in(make_user())
    response = client.post(reverse("comments:post", args=[free_article.slug]),
                           {"body": "Buy pills", "website": "http://spam.example"})
    assert response.status_code == 303 and not Comment.objects.exists()


def test_an_empty_or_nul_comment_is_a_form_error_not_a_500(free_article):
    client = signed_in(make_user())
    assert client.post(reverse("comments:post", args=[free_article.slug]), {"body": "  "}).status_code == 400
    assert client.post(reverse("comments:post", args=[free_article.slug]), {"body": "a\x00b"}).status_code == 400


@pytest.mark.parametrize("body", ["\u200b\u0007\r\n", "\u200e\u202e\u2066 \u2069", "\ufeff\u3164\t", "\u0301"])
def test_a_comment_of_only_invisible_characters_is_a_form_error(free_article, body):
    client = signed_in(make_user())
    response = client.post(reverse("comments:post", args=[free_article.slug]), {"body": body})
    assert response.status_code == 400 and "only invisible characters" in response.content.decode()
    with pytest.raises(services.CommentRefused):
        write(make_user(), free_article, body)
    assert not Comment.objects.exists()
    assert write(make_user(), free_article, "\u200bok\u200b").body_markdown == "\u200bok\u200b"


def test_comments_are_rate_limited_per_reader(free_article, settings):
    settings.COMMENT_RATE_PER_READER = 2
    client = signed_in(make_user())
    url = reverse("comments:post", args=[free_article.slug])
    assert [client.post(url, {"body": f"n{n}"}).status_code for n in range(3)] == [303, 303, 429]


def test_a_buyers_page_with_200_comments_keeps_its_query_budget(paid_article, author, settings):
    """Cold: the comments add one query (the list); from the cached shell they add none."""
    for number in range(5):
        make_article(author=author, topic=paid_article.topic, title=f"Neighbour {number}")
    buyer = buyer_of(paid_article, "budget")
    writers = [make_user() for _ in range(10)]
    firsts = [Comment.objects.create(article=paid_article, reader=writers[n % 10], body_markdown=f"c{n}",
                                     body_html=f"<p>c{n}</p>") for n in range(100)]
    Comment.objects.bulk_create([Comment(article=paid_article, reader=writers[n % 10], parent=firsts[n],
                                         body_markdown=f"r{n}", body_html=f"<p>r{n}</p>") for n in range(100)])
    write(buyer, paid_article, "My own")  # moves the parts generation on
    from byline.purchases.models import Purchase
    Purchase.objects.filter(reader=buyer).update(
        created_at=timezone.now() - dt.timedelta(seconds=settings.UNDO_WINDOW_SECONDS + 60))
    client = signed_in(buyer)
    url = paid_article.get_absolute_url()
    with CaptureQueriesContext(connection) as cold:
        page = client.get(url).content.decode()
    assert page.count('class="comment') >= 201 and "<p>r99</p>" in page
    # 9 without comments (user, stamp, related, cards, entitlements, reading event, locked text, undo terms,
    # gift allowance), and the comment list.
    assert len(cold) <= 10, [q["sql"][:120] for q in cold]
    with CaptureQueriesContext(connection) as warm:
        page = client.get(url).content.decode()
    assert "<p>r99</p>" in page and "My own" in page and reverse("comments:edit", args=[
        Comment.objects.get(body_markdown="My own").pk]) in page
    [query] = [q["sql"] for q in warm]
    assert "purchases_purchase" in query


def test_an_author_who_approves_first_comments_sees_them_first_and_readers_after_approval(free_article, author):
    services.set_default_policy(author=author, policy=Policy.READERS, approve_first=True)
    reader = make_user()
    first = write(reader, free_article, "My first words here")
    assert first.status == CommentStatus.PENDING
    assert "My first words here" not in Client().get(free_article.get_absolute_url()).content.decode()
    moderator = signed_in(author.user)
    assert "Waiting for your approval" in moderator.get(free_article.get_absolute_url()).content.decode()
    moderator.post(reverse("comments:moderate", args=[first.pk]), {"action": "show"})
    assert "My first words here" in Client().get(free_article.get_absolute_url()).content.decode()
    assert write(reader, free_article, "Trusted now").status == CommentStatus.VISIBLE


def test_listeners_hear_of_each_new_comment_after_it_is_committed(free_article, monkeypatch,
                                                                  django_capture_on_commit_callbacks):
    heard = []
    monkeypatch.setattr(services, "ON_NEW_COMMENT", [heard.append])
    with django_capture_on_commit_callbacks(execute=True):
        comment = write(make_user(), free_article, "Hello")
    assert heard == [comment]


def test_a_policy_changed_in_the_admin_shows_on_the_cached_page_at_once(free_article):
    reader = make_user()
    client = signed_in(reader)
    url = free_article.get_absolute_url()
    assert 'class="comment-form"' in client.get(url).content.decode()  # cached now
    staff = signed_in(make_user(is_staff=True, is_superuser=True))
    response = staff.post(reverse("admin:comments_articlecommentpolicy_add"),
                          {"article": free_article.pk, "policy": Policy.OFF})
    assert response.status_code == 302
    assert "turned comments off" in client.get(url).content.decode()


def test_cards_count_only_the_comments_every_reader_may_read(paid_article, free_article, author):
    """A free article's card counts its visible comments; a paid one's only the featured ones (精选), so the
    card is the same for every reader and the anonymous page cache may keep it."""
    buyer = buyer_of(paid_article)
    featured = write(buyer, paid_article, "Worth it")
    write(buyer, paid_article, f"Quoting {LOCKED_SENTINEL}")
    services.moderate(moderator=author.user, comment_id=featured.pk, action="feature")
    for body in ("One", "Two"):
        write(make_user(), free_article, body)
    hidden = write(make_user(), free_article, "Three")
    services.moderate(moderator=author.user, comment_id=hidden.pk, action="hide")

    from byline.articles import selectors as articles
    counts = {a.pk: a.comments_on_card for a in articles.articles_by_author(author=author)}
    assert counts == {paid_article.pk: 1, free_article.pk: 2}
    page = Client().get(author.get_absolute_url(), follow=True).content.decode()
    assert "1 comment<" in page and "2 comments<" in page


def test_a_reader_who_may_read_a_comment_likes_it_once_without_javascript(paid_article, author):
    buyer = buyer_of(paid_article)
    comment = write(buyer, paid_article, "Worth it")
    liker = buyer_of(paid_article, "liker")
    client = signed_in(liker)
    page = client.get(paid_article.get_absolute_url()).content.decode()
    assert reverse("comments:like", args=[comment.pk]) in page  # the button, as a form
    for _ in range(2):  # idempotent: a second press changes nothing
        response = client.post(reverse("comments:like", args=[comment.pk]))
        assert response.status_code == 303
    comment.refresh_from_db()
    assert comment.like_count == 1
    page = client.get(paid_article.get_absolute_url()).content.decode()
    assert "1 like<" in page and "You like this" in page
    other = signed_in(buyer).get(paid_article.get_absolute_url()).content.decode()  # the same shell, theirs
    assert "1 like<" in other and "You like this" not in other
    assert "You like this" not in other and reverse("comments:like", args=[comment.pk]) not in other  # theirs


def test_a_reader_who_may_not_read_a_comment_cannot_like_it(paid_article):
    comment = write(buyer_of(paid_article), paid_article, f"Quoting {LOCKED_SENTINEL}")
    outsider = signed_in(make_user())
    assert outsider.post(reverse("comments:like", args=[comment.pk])).status_code == 404
    assert Client().post(reverse("comments:like", args=[comment.pk])).status_code == 302  # to log in
    comment.refresh_from_db()
    assert comment.like_count == 0


def test_likes_cost_one_query_per_reader_and_generation(paid_article, author, settings):
    """Where somebody likes a comment, the reader's own likes are one query on the first view of the page's
    parts generation, and none from the cached shell after."""
    buyer = buyer_of(paid_article, "budget")
    writers = [make_user() for _ in range(10)]
    firsts = [Comment.objects.create(article=paid_article, reader=writers[n % 10], body_markdown=f"c{n}",
                                     body_html=f"<p>c{n}</p>") for n in range(100)]
    services.like_comment(reader=writers[1], comment=firsts[0])
    services.like_comment(reader=buyer, comment=firsts[1])
    with pytest.raises(services.CommentRefused):
        services.like_comment(reader=writers[0], comment=firsts[0])  # one's own
    write(buyer, paid_article, "My own")  # moves the parts generation on
    from byline.purchases.models import Purchase
    Purchase.objects.filter(reader=buyer).update(
        created_at=timezone.now() - dt.timedelta(seconds=settings.UNDO_WINDOW_SECONDS + 60))
    client = signed_in(buyer)
    url = paid_article.get_absolute_url()
    with CaptureQueriesContext(connection) as cold:
        page = client.get(url).content.decode()
    assert page.count("You like this") == 1 and page.count(">1 like<") == 2
    assert len(cold) <= 11, [q["sql"][:120] for q in cold]  # the budget above, and the reader's likes
    with CaptureQueriesContext(connection) as warm:
        page = client.get(url).content.decode()
    assert page.count("You like this") == 1
    [query] = [q["sql"] for q in warm]
    assert "purchases_purchase" in query


def test_a_reader_takes_a_like_back_once_without_javascript(paid_article):
    comment = write(buyer_of(paid_article), paid_article, "Worth it")
    liker = buyer_of(paid_article, "unliker")
    client = signed_in(liker)
    client.post(reverse("comments:like", args=[comment.pk]))
    page = client.get(paid_article.get_absolute_url()).content.decode()
    assert "You like this" in page and reverse("comments:unlike", args=[comment.pk]) in page
    for _ in range(2):  # a second press (another tab, Back and again) changes nothing
        assert client.post(reverse("comments:unlike", args=[comment.pk])).status_code == 303
    comment.refresh_from_db()
    assert comment.like_count == 0 and not comment.likes.exists()
    page = client.get(paid_article.get_absolute_url()).content.decode()  # the cached shell moved on
    assert "You like this" not in page and " like<" not in page
    assert reverse("comments:like", args=[comment.pk]) in page
    assert Client().post(reverse("comments:unlike", args=[comment.pk])).status_code == 302  # to log in


def _two_hundred_comments(article, *, featured_every=0):
    writers = [make_user() for _ in range(10)]
    firsts = Comment.objects.bulk_create([
        Comment(article=article, reader=writers[n % 10], body_markdown=f"c{n}", body_html=f"<p>c{n}</p>",
                featured=bool(featured_every) and n % featured_every == 0) for n in range(100)])
    Comment.objects.bulk_create([Comment(article=article, reader=writers[n % 10], parent=firsts[n],
                                         body_markdown=f"r{n}", body_html=f"<p>r{n}</p>") for n in range(100)])
    from byline.articles import page_cache

    page_cache.parts_changed(article.slug)  # bulk_create sends no signal: as a comment write would


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    return page, [q["sql"] for q in queries]


@pytest.mark.parametrize("kind", ["free", "paid"])
def test_an_anonymous_page_with_200_comments_keeps_its_query_budget(kind, free_article, paid_article, author):
    """Anonymous readers: a free article shows all 200 comments, a paid one only the featured ones; either way
    the comments add one query to the page's cold render, and the page cache serves it after with none."""
    article = free_article if kind == "free" else paid_article
    bare = make_article(author=author, title=f"Bare {kind}", slug=f"bare-{kind}",
                        visibility=article.visibility, price_minor=article.price_minor)
    _page, without = _queries(Client(), bare.get_absolute_url())
    _two_hundred_comments(article, featured_every=10)
    url = article.get_absolute_url()
    page, cold = _queries(Client(), url)
    if kind == "free":
        assert page.count('class="comment') >= 200 and "<p>r99</p>" in page
    else:
        assert "<p>c90</p>" in page and "<p>c91</p>" not in page and "<p>r0</p>" not in page
    assert len(cold) <= len(without) + 1, cold
    page_again, warm = _queries(Client(), url)
    assert warm == [] and page_again == page


def test_a_reader_without_access_on_a_page_with_200_comments_keeps_the_signed_in_budget(paid_article, author):
    """Signed in, without access: the featured comments only, one query more than the page without comments,
    and none more from the shared shell."""
    reader = make_user()
    client = signed_in(reader)
    client.get(make_article(author=author, title="Warm", slug="warm").get_absolute_url())  # caches the user row
    bare = make_article(author=author, title="Bare paid", slug="bare-paid")
    _page, without = _queries(client, bare.get_absolute_url())
    _two_hundred_comments(paid_article, featured_every=10)
    url = paid_article.get_absolute_url()
    page, cold = _queries(client, url)
    assert "<p>c90</p>" in page and "<p>c91</p>" not in page
    assert len(cold) <= len(without) + 1
    _page, warm = _queries(client, url)
    assert len(warm) <= len(without), warm
