"""Related lists as the site keeps them: rebuilt from text and reading, updated on publish and unpublish."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from byline.articles.models import Status
from byline.recommend import catalogue, services
from byline.recommend.models import ReadingKind, RelatedArticle
from byline.recommend.selectors import related_for_page
from byline.recommend.services import rebuild_related, record_reading
from tests.conftest import make_user
from tests.recommend.conftest import make_story

pytestmark = pytest.mark.django_db


def stored_list(article) -> list[int]:
    return list(RelatedArticle.objects.filter(article=article).order_by("rank").values_list("related_id", flat=True))


def all_stories(stories) -> list:
    return [article for group in stories.values() for article in group]


def test_rebuild_relates_each_article_to_its_own_subject_first(stories):
    rebuild_related()
    for group, articles in stories.items():
        ids = {a.pk for a in articles}
        for article in articles:
            assert stored_list(article)[0] in ids, (group, article.title)


def test_co_read_articles_rise_in_each_others_lists(stories):
    bread, telescope = stories["cooking"][0], stories["astronomy"][1]
    rebuild_related()
    assert telescope.pk not in stored_list(bread)[:2]
    for number in range(12):
        reader = make_user(f"coreader{number}")
        record_reading(reader=reader, article=bread, kind=ReadingKind.FINISHED)
        record_reading(reader=reader, article=telescope, kind=ReadingKind.PURCHASE)
    rebuild_related()
    assert stored_list(bread)[0] == telescope.pk
    assert stored_list(telescope)[0] == bread.pk


def test_drafts_and_the_article_itself_never_appear(stories):
    draft = make_story("Growing tomatoes in pots on a balcony", "Tomatoes need sun, deep pots, compost and "
                       "steady watering on a sunny balcony.", status=Status.DRAFT, published_at=None)
    rebuild_related()
    for article in all_stories(stories):
        ids = stored_list(article)
        assert article.pk not in ids and draft.pk not in ids
    assert stored_list(draft) == []


def test_chinese_and_english_articles_are_related_within_their_language(stories):
    rebuild_related()
    lang = {a.pk: a.lang for a in all_stories(stories)}
    for article in all_stories(stories):
        ids = stored_list(article)
        assert ids and all(lang[i] == article.lang for i in ids), article.title


def test_an_unpublished_article_disappears_from_every_list_at_once(stories):
    rebuild_related()
    tomatoes, roses = stories["gardening"][0], stories["gardening"][1]
    assert roses.pk in [card.article.pk for card in related_for_page(article=tomatoes, reader=AnonymousUser())]
    roses.status = Status.DRAFT
    roses.save()
    assert not RelatedArticle.objects.filter(related=roses).exists()
    assert roses.pk not in [card.article.pk for card in related_for_page(article=tomatoes, reader=AnonymousUser())]


def test_the_page_hides_an_unpublished_article_even_before_its_rows_are_cleaned(stories):
    rebuild_related()
    tomatoes, roses = stories["gardening"][0], stories["gardening"][1]
    type(roses).objects.filter(pk=roses.pk).update(status=Status.DRAFT)  # no signal: rows still there
    assert RelatedArticle.objects.filter(related=roses).exists()
    assert roses.pk not in [card.article.pk for card in related_for_page(article=tomatoes, reader=AnonymousUser())]


def test_publishing_places_a_new_article_in_its_neighbours_lists(stories, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
    rebuild_related()
    monkeypatch.setattr(services, "SMALL_CATALOGUE", 0)  # take the incremental path, as a large site would
    with django_capture_on_commit_callbacks(execute=True):
        beans = make_story("Sowing beans and lettuce in spring", "Sow beans and lettuce in a sunny garden bed "
                           "with compost; water the plants and the soil well.")
    gardening = {a.pk for a in stories["gardening"]}
    assert set(stored_list(beans)[:3]) <= gardening
    entered = [a for a in stories["gardening"] if beans.pk in stored_list(a)]
    assert entered, "the new article entered no gardening list"
    assert all(len(stored_list(a)) <= services.LIST_LENGTH for a in stories["gardening"])


def test_publishing_on_a_small_site_rebuilds_everything(stories, django_capture_on_commit_callbacks):
    assert catalogue.load_index() is None
    with django_capture_on_commit_callbacks(execute=True):
        rice = make_story("Rice and curry for a crowd", "Rinse the rice, simmer it with water and serve it with "
                          "a curry of lentils.")
    assert catalogue.load_index() is not None
    assert set(stored_list(rice)[:2]) <= {a.pk for a in stories["cooking"]}


def test_a_repeated_view_on_the_same_day_is_recorded_once(stories, reader):
    article = stories["cooking"][0]
    for _ in range(3):
        record_reading(reader=reader, article=article)
    record_reading(reader=reader, article=article, kind=ReadingKind.FINISHED)
    kinds = sorted(catalogue.ReadingEvent.objects.filter(reader=reader).values_list("kind", flat=True))
    assert kinds == ["finished", "view"]


def test_rebuild_command_reports_what_it_did(stories, capsys):
    call_command("rebuild_related")
    captured = capsys.readouterr()
    assert "Rebuilt related lists for 18 articles" in captured.out
    assert "Ranking related articles" in captured.err
