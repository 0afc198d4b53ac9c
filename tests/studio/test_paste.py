"""Pasted HTML from three real-looking sources becomes the Markdown a writer expects, with nothing unsafe left."""

from pathlib import Path

import pytest
from django.urls import reverse

from byline.studio.paste import markdown_from_html
from tests.conftest import make_author

FIXTURES = Path(__file__).parent / "paste"


def pasted(name: str) -> str:
    return markdown_from_html((FIXTURES / name).read_text(encoding="utf-8"))


def test_word_keeps_headings_emphasis_links_and_its_typed_out_lists():
    assert pasted("word.html") == (
        "# Salt roads of Sichuan\n\n"
        "The wells at **Zigong** were drilled *by hand*, a thousand metres down.\n\n"
        "- Brine\n- Bamboo pipes\n\n"
        "See [the museum](https://example.org/zigong).\n"
    )


def test_google_docs_bold_and_italic_written_as_styles_and_no_bold_around_everything():
    assert pasted("google_docs.html") == (
        "## The brine year\n\n"
        "Each well had a **derrick** of *cedar*, see [the photographs](https://example.org/derricks).\n\n"
        "1. Drill\n2. Boil\n"
    )


def test_the_wechat_editor_keeps_its_late_loaded_image_and_loses_scripts_and_javascript_links():
    markdown = pasted("wechat.html")
    assert markdown == (
        "**盐井的故事**\n\n"
        "自贡的盐井已经有**两千年**的历史。\n\n"
        "![盐井](https://mmbiz.qpic.cn/mmbiz_jpg/abc123/640?wx_fmt=jpeg)\n\n"
        "> 卤水要煮上一整天。\n\n"
        "点这里\n"
    )
    for unsafe in ("javascript:", "alert", "onclick", "<script", "<section"):
        assert unsafe not in markdown


def test_raw_html_in_a_paste_never_survives_as_markup():
    markdown = markdown_from_html('<p>Hi<iframe src="https://evil.example"></iframe><img src=x onerror=alert(1)>'
                                  '<style>p{}</style>&lt;script&gt;</p>')
    assert "iframe" not in markdown and "onerror" not in markdown and "p{}" not in markdown


@pytest.mark.django_db
def test_the_paste_endpoint_answers_markdown_to_authors(client):
    client.force_login(make_author("paster").user)
    answer = client.post(reverse("studio:paste"), {"html": "<p><b>Bold</b> move</p>"}).json()
    assert answer == {"markdown": "**Bold** move\n"}
