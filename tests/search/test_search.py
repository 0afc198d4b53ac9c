"""Search in both languages, on both engines, without revealing locked text."""

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, override_settings
from django.urls import reverse

from byline.articles.services import ArticleData, upsert_article
from byline.search.models import SearchDocument
from byline.search.selectors import search_articles, snippet
from byline.search.terms import MAX_QUERY_TERMS, query_terms
from tests.conftest import LOCKED_ONLY_WORD, LOCKED_SENTINEL, make_article, make_topic, make_user

pytestmark = pytest.mark.django_db
ANONYMOUS = AnonymousUser()


def found(reader, query: str, **kwargs) -> list[str]:
    return [hit.article.slug for hit in search_articles(reader=reader, query=query, **kwargs).hits]


def paid_with_locked(author, slug: str, locked: str, preview: str = "Lanterns over the quiet canal.", **extra):
    body = f"{preview}\n\nMore free words here.\n\n<!-- paywall -->\n\n{locked}\n"
    return make_article(author=author, slug=slug, title=extra.pop("title", "Night boats"), body_markdown=body, **extra)


def test_query_syntax_is_read_as_plain_words():
    assert query_terms('"unbalanced NEAR(a b) title:map -old * ^x OR') == [
        "unbalanc", "near", "a", "b", "titl", "map", "old", "x", "or"]  # English stems of each word


def test_a_query_is_bounded_in_terms():
    assert len(query_terms(" ".join(f"w{i}" for i in range(100)))) == MAX_QUERY_TERMS


@pytest.mark.parametrize("query", ['"', '"harbour', "NEAR(harbour town)", "harbour*", "-harbour", "title:harbour",
                                   "harbour AND OR NOT", "()", "{}[]", "\x00", "'; DROP TABLE x; --", "🙂" * 50])
def test_engine_syntax_in_a_query_never_errors(client, paid_article, query):
    assert isinstance(search_articles(reader=ANONYMOUS, query=query).count, int)
    refused = "\x00" in query  # core.middleware.BadInputMiddleware answers 400 before search sees it
    assert client.get(reverse("search:search"), {"q": query}).status_code == (400 if refused else 200)
    assert client.get("/api/v1/search", {"q": query}).status_code in ((400,) if refused else (200, 422))


def test_title_topic_author_and_preview_are_searchable_by_anyone(author):
    article = paid_with_locked(author, "night-boats", "Secret words.")
    for query in ("night boats", "history", author.display_name, "lanterns canal", "历史", "作者"):
        assert found(ANONYMOUS, query) == [article.slug], query


def test_chinese_is_searched_by_jieba_words(author):
    topic = make_topic("canals")
    article = make_article(author=author, topic=topic, lang="zh-hans", slug="grand-canal", title="大运河的故事",
                           body_markdown="北京大学的学生沿着运河走了三天。\n\n<!-- paywall -->\n\n"
                                         "他们在杭州找到了旧船坞。")
    assert found(ANONYMOUS, "运河") == [article.slug]
    assert found(ANONYMOUS, "北京") == [article.slug]
    assert found(ANONYMOUS, "学生 北京大学") == [article.slug]
    assert found(ANONYMOUS, "船坞") == []
    assert found(author.user, "船坞") == [article.slug]


def test_a_locked_word_is_found_only_by_an_entitled_reader(author):
    article = make_article(author=author)
    assert found(ANONYMOUS, LOCKED_ONLY_WORD) == []
    assert found(make_user(), LOCKED_ONLY_WORD) == []
    results = search_articles(reader=author.user, query=LOCKED_ONLY_WORD)
    assert [hit.article.slug for hit in results.hits] == [article.slug]
    assert results.hits[0].full_text and f"<mark>{LOCKED_ONLY_WORD}</mark>" in results.hits[0].snippet


def test_staff_search_the_full_text_of_every_article(author):
    article = make_article(author=author)
    staff = make_user(is_staff=True, is_superuser=True)
    assert found(staff, LOCKED_ONLY_WORD) == [article.slug]


def test_two_articles_differing_only_in_their_locked_part_look_the_same_to_a_reader_without_access(author):
    with_word = paid_with_locked(author, "with-word", f"The lanterns {LOCKED_ONLY_WORD} canal canal.")
    without = paid_with_locked(author, "without-word", "The plain grey ropes tied.")
    for reader in (ANONYMOUS, make_user()):
        for query in ("lanterns", "canal", "lanterns canal", LOCKED_ONLY_WORD, "ropes"):
            results = search_articles(reader=reader, query=query)
            hits = {hit.article.slug: hit for hit in results.hits}
            if query in (LOCKED_ONLY_WORD, "ropes"):
                assert results.count == 0 and not hits
                continue
            assert results.count == 2
            assert hits[with_word.slug].score == hits[without.slug].score
            assert str(hits[with_word.slug].snippet) == str(hits[without.slug].snippet)
            assert LOCKED_SENTINEL not in str(hits[with_word.slug].snippet)


def _answers(reader, queries):
    return [[(h.article.slug, h.score, str(h.snippet)) for h in search_articles(reader=reader, query=q).hits]
            + [search_articles(reader=reader, query=q).count] for q in queries]


def test_rewriting_a_locked_part_moves_no_result_rank_or_count_for_a_reader_without_access(author):
    """Another reader may read some articles: what they cannot read must not shift what they can."""
    paid = paid_with_locked(author, "locked-one", f"canal canal canal lanterns {LOCKED_ONLY_WORD}")
    free = make_article(author=author, slug="free-canal", visibility="free", price_minor=0,
                        body_markdown="The canal at night, lanterns on the canal.")
    queries = ["canal", "lanterns", LOCKED_ONLY_WORD, "canal lanterns", "night"]
    readers = [ANONYMOUS, make_user()]
    before = [_answers(reader, queries) for reader in readers]
    upsert_article(ArticleData(
        title=paid.title, slug=paid.slug, lang=paid.lang, topic=paid.topic, author=paid.author,
        body_markdown=paid.body_markdown.replace(f"canal canal canal lanterns {LOCKED_ONLY_WORD}", "ropes"),
        price_minor=paid.price_minor, currency=paid.currency, visibility=paid.visibility, status=paid.status,
        published_at=paid.published_at))
    assert [_answers(reader, queries) for reader in readers] == before
    assert free.slug in found(ANONYMOUS, "night")


def test_drafts_and_scheduled_articles_are_not_found(author):
    make_article(author=author, status="draft", published_at=None, title="Hidden draft")
    assert found(ANONYMOUS, "hidden draft") == []
    assert found(author.user, "hidden draft") == []


def test_the_index_follows_edits_deletions_and_topic_renames(author):
    article = paid_with_locked(author, "follows", "x", title="Amber lanterns")
    assert found(ANONYMOUS, "amber") == [article.slug]
    article.topic.name_en = "Waterways"
    article.topic.save()
    assert found(ANONYMOUS, "waterways") == [article.slug]
    article.delete()
    assert found(ANONYMOUS, "amber") == [] and not SearchDocument.objects.exists()


def test_snippets_are_escaped_before_highlighting():
    assert str(snippet("a <b>word</b> & more", ["word"])) == "a &lt;b&gt;<mark>word</mark>&lt;/b&gt; &amp; more"


def test_snippets_highlight_whole_words_only():
    assert str(snippet("cat catalogue", ["cat"])) == "<mark>cat</mark> catalogue"


def test_results_are_paged_with_an_exact_count(author):
    for number in range(5):
        make_article(author=author, slug=f"page-{number}", visibility="free", price_minor=0)
    first = search_articles(reader=ANONYMOUS, query="harbour", limit=2)
    third = search_articles(reader=ANONYMOUS, query="harbour", limit=2, offset=4)
    assert first.count == 5 and len(first.hits) == 2 and first.has_next
    assert len(third.hits) == 1 and not third.has_next


def test_search_page_shows_count_and_highlighted_snippets(client, paid_article):
    page = client.get(reverse("search:search"), {"q": "harbour"}).content.decode()
    assert "1 result for" in page and "<mark>harbour</mark>" in page
    assert LOCKED_SENTINEL not in page


def test_search_page_links_the_next_page(client, author):
    for number in range(21):
        make_article(author=author, slug=f"many-{number}", visibility="free", price_minor=0)
    page = client.get(reverse("search:search"), {"q": "harbour"}).content.decode()
    assert "21 results for" in page and 'rel="next"' in page
    assert 'rel="prev"' in client.get(reverse("search:search"), {"q": "harbour", "page": "2"}).content.decode()


def test_search_page_for_a_signed_in_reader_is_private(author, paid_article):
    client = Client()
    client.force_login(author.user)
    response = client.get(reverse("search:search"), {"q": LOCKED_ONLY_WORD})
    assert "private" in response["Cache-Control"]
    assert f"<mark>{LOCKED_ONLY_WORD}</mark>" in response.content.decode()


def test_search_page_is_in_both_languages(client, db):
    assert client.get("/zh-hans/search/", {"q": "运河"}).status_code == 200


def test_rebuild_command_indexes_every_article(author):
    from django.core.management import call_command

    article = make_article(author=author)
    SearchDocument.objects.all().delete()
    call_command("rebuild_search_index", stdout=io.StringIO())
    assert found(ANONYMOUS, "harbour") == [article.slug]


# Stemming: the same English stems at index and query time, on both engines.

@pytest.mark.parametrize("query, body", [
    ("teas", "We drank tea by the canal."), ("tea", "Green teas of the south."), ("print", "The printing of maps."),
    ("printing", "They print maps."), ("harbours", "The harbour at dawn."), ("ＴＥＡ", "We drank tea."),
])
def test_english_search_finds_inflected_forms(author, query, body):
    article = make_article(author=author, slug="stems", visibility="free", price_minor=0, body_markdown=body)
    results = search_articles(reader=ANONYMOUS, query=query)
    assert [hit.article.slug for hit in results.hits] == [article.slug]
    assert "<mark>" in str(results.hits[0].snippet)


def test_the_snippet_marks_the_inflected_word_the_query_stood_for(author):
    make_article(author=author, slug="teas", visibility="free", price_minor=0, body_markdown="Green teas, brewed.")
    assert "Green <mark>teas</mark>, brewed." in str(search_articles(reader=ANONYMOUS, query="tea").hits[0].snippet)


def test_a_latin_word_inside_chinese_is_its_own_term(author):
    article = make_article(author=author, lang="zh-hans", slug="mixed", visibility="free", price_minor=0,
                           body_markdown="我们用Byline发布文章。")
    assert found(ANONYMOUS, "byline") == [article.slug] and found(ANONYMOUS, "发布") == [article.slug]


# An entitled reader searches what they may read; nobody else does.

def test_a_buyer_finds_the_locked_words_of_what_they_bought_and_only_that(author):
    from byline.purchases import services as purchases
    from tests.ledger.conftest import fund

    bought = make_article(author=author, slug="bought")
    other = make_article(author=author, slug="not-bought")
    reader = make_user()
    fund(reader, 1000)
    purchases.unlock_with_wallet(reader=reader, article=bought, idempotency_key="search-buy")
    results = search_articles(reader=reader, query=LOCKED_ONLY_WORD.upper())
    assert [hit.article.slug for hit in results.hits] == [bought.slug] and results.count == 1
    assert results.hits[0].full_text and "<mark>" in str(results.hits[0].snippet)
    assert other.slug in found(reader, "harbour") and other.slug not in found(reader, LOCKED_ONLY_WORD)


def test_a_member_searches_every_priced_article_in_full(author):
    import uuid

    from byline.purchases import memberships
    from byline.purchases.models import MembershipPlan
    from tests.ledger.conftest import fund

    articles = [make_article(author=author, slug=f"member-{n}") for n in range(2)]
    reader = make_user()
    fund(reader, 800)
    plan = MembershipPlan.objects.create(name="Monthly", interval="month", price_minor=800, currency="USD")
    memberships.join_with_wallet(reader=reader, plan=plan, idempotency_key=uuid.uuid4().hex)
    assert sorted(found(reader, LOCKED_ONLY_WORD)) == sorted(a.slug for a in articles)


def test_the_full_text_scope_agrees_with_the_access_decision(author):
    from byline.access.decision import decide
    from byline.purchases import services as purchases
    from byline.search.selectors import EVERY_ARTICLE, full_text_scope
    from tests.ledger.conftest import fund

    own = make_article(author=author, slug="own")
    bought, undone, locked = (make_article(slug=slug) for slug in ("bought-one", "undone-one", "locked-one"))
    reader = make_user()
    fund(reader, 1000)
    purchases.unlock_with_wallet(reader=reader, article=bought, idempotency_key="scope-1")
    undo = purchases.unlock_with_wallet(reader=reader, article=undone, idempotency_key="scope-2")
    purchases.undo_purchase(reader=reader, purchase_id=undo.pk)
    everyone = [own, bought, undone, locked]
    for person in (reader, author.user, make_user(), ANONYMOUS):
        expected = {a.pk for a in everyone if decide(person, a).allowed}
        assert full_text_scope(person) == expected, person
    assert full_text_scope(make_user(is_staff=True, is_superuser=True)) is EVERY_ARTICLE


def _search_sql(reader, query: str) -> list[str]:
    """The statements a search runs, with its term and the current time blanked out."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        search_articles(reader=reader, query=query)
    (term,) = query_terms(query)
    return [re.sub(r"\d{4}-\d\d-\d\d[ T][\d:.+]+", "<now>", q["sql"]).replace(term, "<q>")
            for q in queries.captured_queries]


def test_a_reader_without_access_does_the_same_work_for_a_locked_word_as_for_no_word(author):
    """The timing channel closed at its root: the same statements, none touching the full index."""
    make_article(author=author)
    for reader in (ANONYMOUS, make_user()):
        locked, nowhere = _search_sql(reader, LOCKED_ONLY_WORD), _search_sql(reader, "quillwortish")
        assert locked == nowhere
        assert not any("full_fts" in sql or "full_vector" in sql or "full_terms" in sql for sql in locked)


@override_settings(SEARCH_RATE_LIMIT_PER_IP=2)
@pytest.mark.parametrize("language, words", [("en", "Please try again in"), ("zh-hans", "秒后再试")])
def test_too_many_searches_get_a_friendly_429_page_in_both_languages(client, db, language, words):
    for _ in range(2):
        assert client.get(f"/{language}/search/", {"q": "harbour"}).status_code == 200
    response = client.get(f"/{language}/search/", {"q": "harbour"})
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert words in response.content.decode() and "no-store" in response["Cache-Control"]


@override_settings(SEARCH_RATE_LIMIT_PER_IP=100, SEARCH_RATE_LIMIT_PER_READER=1)
def test_a_signed_in_reader_has_a_limit_of_their_own(db):
    client = Client()
    client.force_login(make_user())
    assert client.get("/en/search/", {"q": "harbour"}).status_code == 200
    assert client.get("/en/search/", {"q": "harbour"}).status_code == 429
