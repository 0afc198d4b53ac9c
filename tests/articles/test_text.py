"""The Markdown pipeline: safe HTML, the preview/locked split, words in both languages."""

import pytest

from byline.articles.text import (
    count_words,
    excerpt,
    find_dividers,
    generated_split,
    html_to_text,
    reading_minutes,
    render_body,
    split_at_divider,
)


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


# The divider: found whatever line endings, spaces or look-alike dashes the author's tools produced.

SECRET = "Secret part."


@pytest.mark.parametrize("source", [
    "Free part.\r\n\r\n<!-- paywall -->\r\n\r\nSecret part.",  # a browser's textarea
    "Free part.\r\r<!-- paywall -->\r\rSecret part.",  # a lone CR
    "Free part.\u2028\u2028<!-- paywall -->\u2029Secret part.",  # Unicode line and paragraph separators
    "\ufeffFree part.\n\n<!-- paywall -->\n\nSecret part.",  # a byte order mark
    "Free part.\n\n\u00a0<!--\u00a0paywall\u00a0-->\u200b\n\nSecret part.",  # no-break and zero-width spaces
    "Free part.\n\n\t<!--paywall-->  \n\nSecret part.",
    "Free part.\n\n<!-- PayWall -->\n\nSecret part.",
    "Free part.\n\n<!--- paywall --->\n\nSecret part.",
    "Free part.\n\n<!– paywall –>\n\nSecret part.",  # a word processor's en dashes
    "Free part.\n\n<!— paywall —>\n\nSecret part.",
    "Free part.\n\n＜！－－ｐａｙｗａｌｌ－－＞\n\nSecret part.",  # full-width forms from an input method
    "Free part.\n<!-- paywall -->\nSecret part.",  # no blank lines around it
])
def test_the_divider_splits_whatever_the_authors_tools_did_to_it(source):
    body = render_body(source, priced=True)
    assert body.has_divider and "Free part." in body.preview_html
    assert SECRET not in body.preview_html and SECRET in body.locked_html
    assert "paywall" not in (body.preview_html + body.locked_html).lower()


@pytest.mark.parametrize("source", [
    "Free part. <!-- paywall --> Secret part.",
    "Free part.\n\n> <!-- paywall -->\n\nSecret part.",
    "Free part.\n\n<!-- paywall --> see below\n\nSecret part.",
])
def test_a_marker_that_shares_its_line_is_not_a_divider_and_is_reported(source):
    assert split_at_divider(source) is None
    assert find_dividers(source).stray or source.splitlines()[2].startswith(">")


def test_a_divider_inside_a_code_block_is_text_and_the_real_one_below_splits():
    source = ("How to:\n\n```markdown\n<!-- paywall -->\n```\n\n    Free text.\n    <!-- paywall -->\n\nStill free.\n\n"
              "<!-- paywall -->\n\nSecret part.")
    body = render_body(source, priced=True)
    assert "Still free." in body.preview_html and body.preview_html.count("&lt;!-- paywall --&gt;") == 2
    assert body.locked_html.strip() == "<p>Secret part.</p>"


def test_inline_code_showing_the_marker_is_not_a_stray_marker():
    assert find_dividers("Type `<!-- paywall -->` on its own line.").stray == []


def test_the_first_divider_splits_and_later_ones_are_dropped():
    body = render_body("Free.\n\n<!-- paywall -->\n\nSecret one.\n\n<!-- paywall -->\n\nSecret two.", priced=True)
    assert body.preview_html == "<p>Free.</p>\n"
    assert "Secret one." in body.locked_html and "Secret two." in body.locked_html
    assert "paywall" not in body.locked_html


def test_a_divider_on_the_first_line_locks_everything():
    body = render_body("<!-- paywall -->\nAll of it is paid.", priced=True)
    assert body.preview_html == "" and "All of it is paid." in body.locked_html
    assert find_dividers("<!-- paywall -->\nAll of it is paid.").nothing_above


def test_a_divider_on_the_last_line_is_known_to_lock_nothing():
    found = find_dividers("All of it is free.\n\n<!-- paywall -->\n\n<!-- paywall -->\n")
    assert found.nothing_below and not found.nothing_above


def test_a_free_article_drops_every_divider_but_keeps_code():
    body = render_body("One.\r\n\r\n<!-- paywall -->\r\n\r\n```\r\n<!-- paywall -->\r\n```", priced=False)
    assert "One." in body.preview_html and body.preview_html.count("paywall") == 1 and "<pre>" in body.preview_html


def test_a_nul_reaching_render_body_is_read_as_commonmark_does_and_the_split_holds():
    body = render_body("Free\x00.\r\n<!-- paywall -->\r\nSecret part.", priced=True)
    assert "\ufffd" in body.preview_html and SECRET in body.locked_html


def test_a_generated_preview_counts_lines_as_markdown_does():
    """Python's splitlines() also breaks at form feeds and U+2028; markdown-it does not. Text is
    normalised first, and the generated split counts lines on LF only, so the cut is where it seems."""
    source = "First paragraph, free.\u2028Still the first.\n\n" + "\n\n".join(f"Paragraph {n}." for n in range(8))
    body = render_body(source, priced=True)
    assert "Paragraph 7." in body.locked_html and "Paragraph 7." not in body.preview_html


# Plain text from HTML: punctuation stays tight next to inline formatting.

@pytest.mark.parametrize("fragment, text", [
    ("<p>We drank <em>chá</em>, in Russian <strong>чай</strong>.</p>", "We drank chá, in Russian чай."),
    ('<p>See <a href="https://example.org">the map</a>; then <code>run</code>!</p>', "See the map; then run!"),
    ("<p>One.</p><p>Two.</p><ul><li>a</li><li>b</li></ul>", "One. Two. a b"),
    ("<p>line<br>break</p>", "line break"),
    ("<p>我们喝<em>茶</em>，在俄语里叫<strong>чай</strong>。</p><p>第二段。</p>", "我们喝茶，在俄语里叫чай。第二段。"),
    ("<p>大运河\n连接南北。</p>", "大运河连接南北。"),
])
def test_plain_text_keeps_punctuation_tight_next_to_formatting(fragment, text):
    assert html_to_text(fragment) == text


def test_word_counts_hold_with_inline_formatting():
    english = render_body("We drank *chá*, in Russian **чай**, twice.", priced=False)
    chinese = render_body("我们喝*茶*，很好。", priced=False)
    assert english.preview_words == 7  # We drank chá in Russian чай twice
    assert chinese.preview_words == 6  # 我们喝茶很好
    assert excerpt(english.preview_text) == "We drank chá, in Russian чай, twice."
