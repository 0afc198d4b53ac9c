"""Importing Markdown with front matter: good files publish, bad files name the problem and import nothing."""

import textwrap
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from byline.articles.models import Article
from tests.conftest import make_author

pytestmark = pytest.mark.django_db


def write(folder: Path, name: str, front: str, body: str = "A preview.\n\n<!-- paywall -->\n\nThe rest.") -> Path:
    path = folder / name
    path.write_text("---\n" + textwrap.dedent(front).strip() + "\n---\n" + body, encoding="utf-8")
    return path


GOOD = """
    title: "Salt roads of Sichuan"
    slug: salt-roads
    lang: en
    topic: history
    author: {author}
    price: "3.50"
    currency: USD
    visibility: paid
    published: 2026-10-04T08:30:00Z
"""


@pytest.fixture
def writer():
    return make_author("importer")


def test_import_publishes_and_reimport_updates_the_same_slug(tmp_path, writer):
    path = write(tmp_path, "a.md", GOOD.format(author="importer"))
    call_command("import_articles", str(path))
    article = Article.objects.get(slug="salt-roads")
    assert article.price_minor == 350 and article.is_live and "The rest." in article.locked_html
    write(tmp_path, "a.md", GOOD.format(author="importer").replace("Salt roads of Sichuan", "Salt roads revisited"))
    call_command("import_articles", str(tmp_path))
    article.refresh_from_db()
    assert Article.objects.count() == 1 and article.title == "Salt roads revisited" and article.version == 2


def test_chinese_language_aliases_are_accepted(tmp_path, writer):
    write(tmp_path, "zh.md", GOOD.format(author="importer").replace("lang: en", "lang: zh-CN"), "中文预览。")
    call_command("import_articles", str(tmp_path))
    assert Article.objects.get().lang == "zh-hans"


@pytest.mark.parametrize("change, field", [
    (("lang: en", "lang: klingon"), "lang"),
    (('price: "3.50"', 'price: "-1"'), "price"),
    (('price: "3.50"', 'price: "3.505"'), "price"),
    (("currency: USD", "currency: XYZ"), "currency"),
    (("author: importer", "author: nobody"), "author"),
    (("published: 2026-10-04T08:30:00Z", "published: next tuesday"), "published"),
    (("visibility: paid", "visibility: secret"), "visibility"),
    (('price: "3.50"', 'price: "0"'), "price"),
    (("slug: salt-roads", "slug: Salt Roads!"), "slug"),
])
def test_bad_field_names_file_and_field_and_imports_nothing(tmp_path, writer, change, field):
    write(tmp_path, "good.md", GOOD.format(author="importer").replace("salt-roads", "fine-one"))
    bad = write(tmp_path, "bad.md", GOOD.format(author="importer").replace(*change))
    with pytest.raises(CommandError) as failure:
        call_command("import_articles", str(tmp_path))
    assert f"{bad}: {field}:" in str(failure.value)
    assert Article.objects.count() == 0


def test_malformed_front_matter_is_reported(tmp_path, writer):
    path = tmp_path / "broken.md"
    path.write_text("---\ntitle: [unclosed\n---\nBody", encoding="utf-8")
    with pytest.raises(CommandError, match="broken.md: front matter: is not valid YAML"):
        call_command("import_articles", str(path))
    path.write_text("No front matter at all", encoding="utf-8")
    with pytest.raises(CommandError, match="must start with a line '---'"):
        call_command("import_articles", str(path))


def test_duplicate_slug_within_one_import_is_refused(tmp_path, writer):
    write(tmp_path, "one.md", GOOD.format(author="importer"))
    write(tmp_path, "two.md", GOOD.format(author="importer"))
    with pytest.raises(CommandError, match="two.md: slug: “salt-roads” is also used by"):
        call_command("import_articles", str(tmp_path))
    assert not Article.objects.exists()


def test_scripts_in_imported_bodies_are_stripped(tmp_path, writer):
    body = "Hi <script>alert(1)</script> [x](javascript:alert(1))\n\n<!-- paywall -->\n\nRest."
    write(tmp_path, "x.md", GOOD.format(author="importer"), body)
    call_command("import_articles", str(tmp_path))
    article = Article.objects.get()
    assert "<script" not in article.preview_html and 'href="javascript:' not in article.preview_html


def test_missing_and_unknown_fields_are_all_listed(tmp_path, writer):
    write(tmp_path, "x.md", "title: Only a title\ncolour: blue")
    with pytest.raises(CommandError) as failure:
        call_command("import_articles", str(tmp_path))
    message = str(failure.value)
    for field in ("slug", "lang", "topic", "author", "colour"):
        assert f": {field}:" in message


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_files_with_windows_or_old_mac_line_endings_are_split_at_their_divider(tmp_path, writer, newline):
    text = ("---\n" + textwrap.dedent(GOOD.format(author="importer")).strip() + "\n---\n"
            "A preview.\n\n<!-- paywall -->\n\nThe rest.\n").replace("\n", newline)
    (tmp_path / "windows.md").write_bytes(("\ufeff" + text).encode("utf-8"))
    call_command("import_articles", str(tmp_path))
    article = Article.objects.get()
    assert article.title == "Salt roads of Sichuan" and "\r" not in article.body_markdown
    assert article.has_divider and "The rest." in article.locked_html and "The rest." not in article.preview_html


def test_a_nul_in_a_file_is_named_with_its_line(tmp_path, writer):
    write(tmp_path, "nul.md", GOOD.format(author="importer"), "A preview.\n\nBad\x00byte.")
    with pytest.raises(CommandError, match=r"nul.md: file: has a NUL character \(a zero byte\) at line 14"):
        call_command("import_articles", str(tmp_path))
    assert not Article.objects.exists()


def test_a_paid_file_whose_divider_locks_nothing_is_refused(tmp_path, writer):
    write(tmp_path, "end.md", GOOD.format(author="importer"), "All of it.\n\n<!-- paywall -->\n")
    with pytest.raises(CommandError, match="end.md: body: Nothing follows the paywall line"):
        call_command("import_articles", str(tmp_path))


def test_a_marker_sharing_its_line_is_refused_only_when_there_is_no_real_divider(tmp_path, writer):
    write(tmp_path, "inline.md", GOOD.format(author="importer"), "Free. <!-- paywall --> Paid.\n")
    with pytest.raises(CommandError, match="inline.md: body: Line 1 has the paywall line next to other text"):
        call_command("import_articles", str(tmp_path))
    write(tmp_path, "inline.md", GOOD.format(author="importer"),
          "Free.\n\n<!-- paywall -->\n\nPaid: `<!-- paywall -->` and <!-- paywall --> as text.\n")
    call_command("import_articles", str(tmp_path))
    assert "&lt;!-- paywall --&gt; as text" in Article.objects.get().locked_html
