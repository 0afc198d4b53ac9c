"""The studio's rules, below the views: slugs, revisions and the stale-tab check, the header link."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from byline.articles.models import Article, Author, PublicationState
from byline.core import local_cache
from byline.studio import selectors, services, slugs
from byline.studio.drafts import Draft
from byline.studio.models import RevisionKind
from tests.conftest import make_article, make_author, make_topic, make_user

pytestmark = pytest.mark.django_db


def draft(topic, **overrides) -> Draft:
    values = {"title": "Salt roads", "body_markdown": "Free.\n\n<!-- paywall -->\n\nPaid.", "topic": topic,
              "lang": "en", "visibility": "paid", "price_minor": 300, "currency": "USD"}
    values.update(overrides)
    return Draft(**values)


def test_a_chinese_title_gives_a_pinyin_slug():
    assert slugs.base_slug("大运河的历史") == "da-yun-he-de-li-shi"
    assert slugs.base_slug("重访 Grand Canal") == "zhong-fang-grand-canal"


def test_a_title_without_letters_gives_a_short_id_and_never_an_empty_slug():
    slug = slugs.unique_slug("🙂🙂", taken=lambda candidate: False)
    assert slug.startswith("a-") and len(slug) == 10


def test_a_taken_slug_gets_a_number():
    taken = {"salt-roads", "salt-roads-2"}
    assert slugs.unique_slug("Salt roads", taken=taken.__contains__) == "salt-roads-3"
    assert slugs.follows_title("salt-roads-3", "Salt roads") and not slugs.follows_title("other", "Salt roads")


def test_a_drafts_slug_follows_its_title_until_it_is_published():
    author, topic = make_author(), make_topic()
    saved = services.save_draft(author=author, article=None, draft=draft(topic, title="Salt"), base_revision_id=None)
    assert saved.article.slug == "salt"
    saved = services.save_draft(author=author, article=saved.article, draft=draft(topic, title="Salt roads"),
                                base_revision_id=saved.revision.pk)
    assert saved.article.slug == "salt-roads"
    services.publish_article(author=author, article=saved.article)
    saved = services.save_draft(author=author, article=saved.article, draft=draft(topic, title="Salt roads east"),
                                base_revision_id=saved.revision.pk)
    assert saved.article.slug == "salt-roads"  # published: its address is out there


def test_a_save_from_a_stale_tab_is_kept_as_a_conflict_and_never_applied():
    author, topic = make_author(), make_topic()
    first = services.save_draft(author=author, article=None, draft=draft(topic), base_revision_id=None)
    tab_one = services.save_draft(author=author, article=first.article, draft=draft(topic, body_markdown="One"),
                                  base_revision_id=first.revision.pk, kind=RevisionKind.AUTOSAVE)
    tab_two = services.save_draft(author=author, article=first.article, draft=draft(topic, body_markdown="Two"),
                                  base_revision_id=first.revision.pk, kind=RevisionKind.AUTOSAVE)
    assert tab_one.applied and not tab_two.applied and tab_two.conflict
    assert tab_two.revision.kind == RevisionKind.CONFLICT and tab_two.revision.body_markdown == "Two"
    assert Article.objects.get(pk=first.article.pk).body_markdown == "One"
    assert selectors.head_of(first.article).pk == tab_one.revision.pk  # tab one goes on saving
    again = services.save_draft(author=author, article=first.article, draft=draft(topic, body_markdown="One more"),
                                base_revision_id=tab_one.revision.pk, kind=RevisionKind.AUTOSAVE)
    assert again.applied


def test_an_invalid_new_article_stores_nothing():
    saved = services.save_draft(author=make_author(), article=None, draft=draft(make_topic(), price_minor=0),
                                base_revision_id=None)
    assert saved.article is None and "price_minor" in saved.errors and not Article.objects.exists()


def test_another_authors_article_is_refused():
    article = make_article()
    with pytest.raises(services.NotYours):
        services.save_draft(author=make_author(), article=article, draft=draft(make_topic()), base_revision_id=None)


def test_unpublishing_makes_a_draft_that_readers_cannot_open():
    article = make_article()
    services.unpublish_article(author=article.author, article=article)
    article.refresh_from_db()
    assert article.publication_state == PublicationState.DRAFT
    assert Client().get(article.get_absolute_url()).status_code == 404


def test_line_diff_marks_added_and_removed_lines():
    diff = selectors.line_diff("a\nb\nc", "a\nB\nc")
    assert [(line.kind, line.text) for line in diff if line.kind != "same"][-2:] == [("removed", "b"), ("added", "B")]


def test_the_header_shows_write_to_authors_only_also_from_a_shared_shell():
    article = make_article()
    author = make_author("headerwriter")
    reader = make_user("headerreader")
    pages = {}
    for user in (reader, author.user, reader):
        client = Client()
        client.force_login(user)
        with translation.override("en"):
            pages.setdefault(user.username, []).append(client.get(article.get_absolute_url()).content.decode())
    assert len([key for key in local_cache.versioned._entries if key.startswith("page:shell:")]) == 1
    write = f'href="{reverse("studio:index")}"'
    assert write in pages["headerwriter"][0]
    assert all(write not in page for page in pages["headerreader"])


def test_becoming_an_author_shows_the_link_at_once():
    user = make_user("newwriter")
    client = Client()
    client.force_login(user)
    assert "/en/write/" not in client.get("/en/").content.decode()
    Author.objects.create(user=user, slug="newwriter", display_name="New Writer")
    assert "/en/write/" in client.get("/en/").content.decode()


def test_the_admin_is_branded_byline(client):
    client.force_login(make_user("staffer", is_staff=True, is_superuser=True))
    page = client.get("/en/admin/").content.decode()
    assert "Django administration" not in page and "<title>" in page and "Byline" in page


def test_an_article_keeps_only_its_newest_autosaves(monkeypatch):
    monkeypatch.setattr(services, "AUTOSAVES_KEPT", 3)
    author, topic = make_author(), make_topic()
    saved = services.save_draft(author=author, article=None, draft=draft(topic), base_revision_id=None)
    for number in range(5):
        saved = services.save_draft(author=author, article=saved.article, draft=draft(topic, title=f"T{number}"),
                                    base_revision_id=saved.revision.pk, kind=RevisionKind.AUTOSAVE)
    kinds = list(saved.article.revisions.values_list("kind", "title"))
    assert kinds == [("autosave", "T4"), ("autosave", "T3"), ("autosave", "T2"), ("save", "Salt roads")]


def test_the_slug_the_editor_shows_is_not_a_change_but_a_different_one_is():
    author, topic = make_author(), make_topic()
    saved = services.save_draft(author=author, article=None, draft=draft(topic, title="Salt"), base_revision_id=None)
    saved = services.save_draft(author=author, article=saved.article,
                                draft=draft(topic, title="Salt roads", slug="salt"), base_revision_id=saved.revision.pk)
    assert saved.article.slug == "salt-roads"
    saved = services.save_draft(author=author, article=saved.article,
                                draft=draft(topic, title="Salt roads", slug="my-roads"),
                                base_revision_id=saved.revision.pk)
    assert saved.article.slug == "my-roads"
