"""Related articles on the page, "Recommended for you" at home, and the reading events pages record."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from byline.articles.models import Visibility
from byline.recommend.models import ReadingEvent, ReadingKind
from byline.recommend.services import rebuild_related, record_reading
from tests.conftest import make_article, make_user
from tests.recommend.conftest import make_story

pytestmark = pytest.mark.django_db


def test_article_page_shows_its_precomputed_related_articles_as_cards(client, stories):
    rebuild_related()
    tomatoes = stories["gardening"][0]
    content = client.get(tomatoes.get_absolute_url()).content.decode()
    related = content[content.index("Related recommendations"):]
    for neighbour in stories["gardening"][1:]:
        assert neighbour.title in related
    assert stories["football"][0].title not in related
    assert related.count('class="card"') >= 4
    assert "min read" in related and "Free" in related


def test_a_reader_sees_unlocked_on_paid_articles_they_may_read_and_the_price_on_others(client, stories):
    author = stories["gardening"][0].author
    topic = stories["gardening"][0].topic
    theirs = make_story("Tomatoes and compost for a sunny balcony", "Tomatoes need compost, sun and deep pots "
                        "on a balcony garden.", author=author, topic=topic, visibility=Visibility.PAID,
                        price_minor=250)
    rebuild_related()
    url = stories["gardening"][0].get_absolute_url()
    client.force_login(make_user())
    stranger_view = client.get(url).content.decode()
    assert theirs.title in stranger_view and "$2.50" in stranger_view and "Unlocked" not in stranger_view
    client.force_login(author.user)
    author_view = client.get(url).content.decode()
    assert theirs.title in author_view and "Unlocked" in author_view


def test_article_page_for_a_signed_in_reader_stays_within_six_queries_with_related_lists(client, stories):
    rebuild_related()
    client.force_login(make_user())
    with CaptureQueriesContext(connection) as queries:
        response = client.get(stories["astronomy"][0].get_absolute_url())
    assert response.status_code == 200
    assert len(queries) <= 6, [q["sql"] for q in queries]


def test_a_short_list_is_topped_up_from_the_same_topic(client, paid_article, author):
    neighbours = [make_article(author=author, topic=paid_article.topic, title=f"Neighbour {n}") for n in range(4)]
    content = client.get(paid_article.get_absolute_url()).content.decode()
    assert all(n.title in content for n in neighbours)


def test_an_entitled_signed_in_view_is_recorded_once_a_day(client, stories, reader):
    article = stories["cooking"][1]
    client.force_login(reader)
    client.get(article.get_absolute_url())
    client.get(article.get_absolute_url())
    assert list(ReadingEvent.objects.filter(reader=reader).values_list("article_id", "kind")) == [
        (article.pk, "view")]


def test_a_locked_view_is_not_recorded_as_reading(client, paid_article, reader):
    client.force_login(reader)
    client.get(paid_article.get_absolute_url())
    assert not ReadingEvent.objects.filter(reader=reader).exists()


def test_the_page_carries_the_end_of_article_beacon_only_for_signed_in_readers(client, stories, reader):
    url = stories["cooking"][1].get_absolute_url()
    assert "reading-beacon" not in client.get(url).content.decode()
    client.force_login(reader)
    content = client.get(url).content.decode()
    assert "reading-beacon" in content and "recommend/reading.js" in content


def test_the_beacon_records_that_a_reader_finished_an_article(client, stories, reader):
    article = stories["cooking"][1]
    client.force_login(reader)
    response = client.post(reverse("recommend:finished", args=[article.pk]))
    assert response.status_code == 204
    assert ReadingEvent.objects.filter(reader=reader, article=article, kind=ReadingKind.FINISHED).count() == 1


def test_the_beacon_refuses_anonymous_readers_locked_articles_and_unknown_ids_with_problem_json(
        client, paid_article, reader):
    anonymous = client.post(reverse("recommend:finished", args=[paid_article.pk]))
    assert anonymous.status_code == 401 and anonymous["Content-Type"] == "application/problem+json"
    client.force_login(reader)
    assert client.post(reverse("recommend:finished", args=[paid_article.pk])).status_code == 403
    assert client.post(reverse("recommend:finished", args=[999999])).status_code == 404
    assert client.get(reverse("recommend:finished", args=[paid_article.pk])).status_code == 405
    assert not ReadingEvent.objects.exists()


def test_home_recommends_what_is_related_to_a_readers_history_but_not_yet_read(client, stories, reader):
    rebuild_related()
    read = stories["astronomy"][:2]
    for article in read:
        record_reading(reader=reader, article=article)
    client.force_login(reader)
    content = client.get("/en/").content.decode()
    section = content[content.index("Recommended for you"):]
    section = section[: section.index("</section>")]
    assert any(a.title in section for a in stories["astronomy"][2:])
    assert all(a.title not in section for a in read)
    assert all(a.title not in section for a in stories["cooking"])


def test_home_has_no_personal_section_without_history(client, stories, reader):
    rebuild_related()
    assert "Recommended for you" not in client.get("/en/").content.decode()
    client.force_login(reader)
    assert "Recommended for you" not in client.get("/en/").content.decode()
