"""The Markdown pipeline: safe HTML, the preview/locked split, words in both languages."""

from byline.articles.text import count_words, generated_split, reading_minutes, render_body


def test_divider_splits_preview_from_locked_part():
    body = render_body("Free part.\n\n<!-- paywall -->\n\nSecret part.", priced=True)
    assert "Free part." in body.preview_html and "Secret" not in body.preview_html
    assert "Secret part." in body.locked_html and body.has_divider


def test_free_article_is_all_preview_and_drops_the_divider():
    body = render_body("One.\n\n<!-- paywall -->\n\nTwo.", priced=False)
    assert "One." in body.preview_html and "Two." in body.preview_html
    assert body.locked_html == "" and "paywall" not in body.preview_html


def test_priced_article_without_divider_previews_its_first_paragraphs_only():
    paragraphs = [f"Paragraph {n} " + "word " * 40 for n in range(8)]
    body = render_body("\n\n".join(paragraphs), priced=True)
    assert "Paragraph 0" in body.preview_html
    assert "Paragraph 7" in body.locked_html and "Paragraph 7" not in body.preview_html
    assert 0 < body.preview_words < body.locked_words


def test_single_paragraph_priced_article_still_keeps_something_locked():
    preview, locked = generated_split("First sentence here. Second one. Third one. Fourth one.")
    assert preview.startswith("First sentence") and locked.strip()
    assert "Fourth" not in preview


def test_two_paragraph_priced_article_locks_the_second():
    preview, locked = generated_split("Only the first.\n\nThe second.")
    assert "first" in preview and "second" in locked and "second" not in preview


def test_script_tags_and_javascript_links_are_removed():
    source = (
        "Hello <script>alert(1)</script> world.\n\n[click](javascript:alert(2)) "
        "[ok](https://example.org) <img src=x onerror=alert(3)>\n\n<!-- paywall -->\n\n"
        "<iframe src=https://evil.example></iframe> [data](data:text/html;base64,AAAA)"
    )
    body = render_body(source, priced=True)
    html = body.preview_html + body.locked_html
    assert "<script" not in html and "<iframe" not in html and "<img" not in html
    assert 'href="javascript:' not in html and 'href="data:' not in html
    assert "<img src=x onerror" not in html and "&lt;img src=x onerror" in html
    assert 'href="https://example.org"' in html


def test_chinese_words_are_counted_by_character_not_by_space():
    assert count_words("大运河连接了南北。") == 8
    assert count_words("Byline 支持中文") == 5
    assert count_words("three plain words") == 3


def test_reading_time_uses_the_language_rate():
    assert reading_minutes(460, "en") == 2
    assert reading_minutes(800, "zh-hans") == 2
    assert reading_minutes(0, "en") == 0
