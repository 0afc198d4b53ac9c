"""Read aloud on the server: audio only of what the reader may read, in the article's own voice."""

import pytest

from byline.access.decision import decide
from byline.articles.models import Visibility
from byline.reader import read_aloud
from tests.conftest import LOCKED_ONLY_WORD, LOCKED_SENTINEL, PREVIEW_SENTENCE, make_article, make_author, make_user

pytestmark = pytest.mark.django_db


def audio_text_for(article, reader=None) -> str:
    return read_aloud.readable_text(article=article, access=decide(reader, article))


def test_audio_for_an_anonymous_reader_is_generated_from_the_preview_only(client, paid_article):
    text = audio_text_for(paid_article)
    assert PREVIEW_SENTENCE in text
    assert paid_article.title in text
    assert LOCKED_ONLY_WORD not in text and "Zebra-quartz" not in text

    response = client.get(f"/en/reading/audio/{paid_article.slug}.wav")
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response.content[:4] == b"RIFF" and len(response.content) > 10_000
    assert "public" in response["Cache-Control"]


def test_no_sentence_audio_exists_beyond_the_preview_for_an_anonymous_reader(client, paid_article):
    parts = client.get(f"/en/reading/text/{paid_article.slug}.json").json()["parts"]
    assert not any(LOCKED_ONLY_WORD in part for part in parts)
    assert client.get(f"/en/reading/audio/{paid_article.slug}/{len(parts) - 1}.wav").status_code == 200
    assert client.get(f"/en/reading/audio/{paid_article.slug}/{len(parts)}.wav").status_code == 404


def test_the_author_hears_the_locked_part_and_that_audio_is_private(client, author, paid_article):
    assert LOCKED_SENTINEL in audio_text_for(paid_article, author.user)
    client.force_login(author.user)
    parts = client.get(f"/en/reading/text/{paid_article.slug}.json")
    assert any(LOCKED_ONLY_WORD in part for part in parts.json()["parts"])
    assert "private" in parts["Cache-Control"]
    last = len(parts.json()["parts"]) - 1
    audio = client.get(f"/en/reading/audio/{paid_article.slug}/{last}.wav?speed=1.25")
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
    assert "private" in audio["Cache-Control"]


def test_a_signed_in_reader_without_a_purchase_hears_only_the_preview(client, paid_article):
    client.force_login(make_user())
    parts = client.get(f"/en/reading/text/{paid_article.slug}.json").json()["parts"]
    assert not any(LOCKED_ONLY_WORD in part for part in parts)


def test_a_free_article_is_read_in_full(client, free_article):
    assert LOCKED_ONLY_WORD in audio_text_for(free_article)


def test_chinese_articles_use_the_pinyin_mandarin_voice(monkeypatch):
    seen = {}

    def fake_run(command, **kwargs):
        seen["command"] = command
        seen["input"] = kwargs["input"].decode()

        class Done:
            returncode, stdout, stderr = 0, b"RIFF....WAVE", b""
        return Done()

    monkeypatch.setattr(read_aloud.subprocess, "run", fake_run)
    read_aloud.synthesize(text="运河连接了南北。", lang="zh-hans", speed=2.0)
    assert seen["command"][seen["command"].index("-v") + 1] == "cmn-latn-pinyin"
    assert seen["command"][seen["command"].index("-s") + 1] == str(int(read_aloud.BASE_WORDS_PER_MINUTE * 2))
    assert seen["input"] == "运河连接了南北。"


def test_chinese_text_is_split_into_sentences_at_chinese_punctuation():
    assert read_aloud.sentences("运河连接了南北。粮食从南方运来！真的吗？") == [
        "运河连接了南北。", "粮食从南方运来！", "真的吗？"]
    assert read_aloud.sentences("It cost $3.00. Then it rose.") == ["It cost $3.00.", "Then it rose."]


def test_speed_requests_snap_to_a_bounded_set():
    assert read_aloud.nearest_speed("1.3") == 1.25
    assert read_aloud.nearest_speed("100") == 2.0
    assert read_aloud.nearest_speed("nan") == 1.0
    assert read_aloud.nearest_speed("fast") == 1.0


def test_whole_article_audio_text_is_bounded():
    long_body = "\n\n".join(f"Paragraph {i} says something long enough to count as a sentence." for i in range(400))
    article = make_article(author=make_author(), body_markdown=long_body, visibility=Visibility.FREE, price_minor=0)
    text = audio_text_for(article)
    assert len(text) <= read_aloud.MAX_WHOLE_CHARS + 100
    assert text.startswith(article.title)


def test_speech_failure_answers_problem_json_not_a_500(client, paid_article, monkeypatch):
    def broken(**kwargs):
        raise read_aloud.SpeechUnavailable("no espeak")

    monkeypatch.setattr(read_aloud, "synthesize", broken)
    response = client.get(f"/en/reading/audio/{paid_article.slug}.wav")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"


def test_a_draft_has_no_audio_for_anyone_but_its_author(client):
    draft = make_article(author=make_author(), status="draft", published_at=None)
    assert client.get(f"/en/reading/audio/{draft.slug}.wav").status_code == 404
