"""Import Markdown files with YAML front matter, so authors can move in from other platforms.

All files are parsed and validated before anything is written; one bad file means nothing
is imported, and every error names its file and field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from byline.articles.models import Article, Author, Currency, Language, Status, Topic, Visibility, slug_validator
from byline.articles.services import ArticleData, rule_errors, to_minor_units, upsert_article
from byline.core.text_input import TextRefused, normalise_text

MAX_FILE_BYTES = 2 * 1024 * 1024
REQUIRED_FIELDS = ("title", "slug", "lang", "topic", "author")
KNOWN_FIELDS = set(REQUIRED_FIELDS) | {"price", "currency", "prices", "visibility", "published"}
LANGUAGE_ALIASES = {"en": Language.ENGLISH, "zh-hans": Language.CHINESE, "zh": Language.CHINESE,
                    "zh-cn": Language.CHINESE, "zh_hans": Language.CHINESE}


@dataclass(frozen=True)
class ImportProblem:
    path: Path
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {self.message}"


class ImportFailed(Exception):
    def __init__(self, problems: list[ImportProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class ParsedFile:
    path: Path
    front: dict
    body: str


def read_front_matter(path: Path) -> ParsedFile:
    def problem(field: str, message: str) -> ImportFailed:
        return ImportFailed([ImportProblem(path, field, message)])

    try:
        raw = path.read_bytes()
    except OSError as error:
        raise problem("file", f"cannot be read ({error.strerror})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise problem("file", f"is larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        # The whole file is normalised before anything reads it: front matter and body alike get LF
        # line endings (files from Windows and old Macs), NFC, and no BOM.
        text = normalise_text(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise problem("file", "is not UTF-8 text") from None
    except TextRefused as refused:
        raise problem("file", f"has a NUL character (a zero byte) at line {refused.line}; remove it") from None
    if not text.startswith("---\n"):
        raise problem("front matter", "the file must start with a line '---'")
    end = text.find("\n---", 4)
    if end == -1:
        raise problem("front matter", "no closing '---' line")
    try:
        front = yaml.safe_load(text[4:end])
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""
        raise problem("front matter", f"is not valid YAML{where}") from None
    if not isinstance(front, dict):
        raise problem("front matter", "must be a mapping of field: value")
    body = text[end + 4:].lstrip("-").lstrip("\n")
    return ParsedFile(path=path, front=front, body=body)


def _published(value) -> tuple[str, dt.datetime | None]:
    if value in (None, False, ""):
        return Status.DRAFT, None
    if value is True:
        return Status.PUBLISHED, timezone.now()
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(9, 0))
    else:
        moment = parse_datetime(str(value))
        if moment is None:
            raise ValueError(f"“{value}” is not a date and time like 2026-10-04T08:30:00Z")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    return (Status.SCHEDULED if moment > timezone.now() else Status.PUBLISHED), moment


def to_article_data(parsed: ParsedFile) -> ArticleData:
    """Turn front matter into ArticleData, collecting every problem rather than stopping at the first."""
    front, path = parsed.front, parsed.path
    problems: list[ImportProblem] = []

    def fail(field: str, message: str) -> None:
        problems.append(ImportProblem(path, field, message))

    for field in REQUIRED_FIELDS:
        if not str(front.get(field) or "").strip():
            fail(field, "is required")
    for field in sorted(set(front) - KNOWN_FIELDS):
        fail(str(field), f"is not a known field (known: {', '.join(sorted(KNOWN_FIELDS))})")
    if problems:
        raise ImportFailed(problems)

    title = str(front["title"]).strip()
    if len(title) > 200:
        fail("title", "is longer than 200 characters")
    slug = str(front["slug"]).strip()
    try:
        slug_validator(slug)
    except ValidationError:
        fail("slug", f"“{slug}” must use lowercase letters, digits and single hyphens")
    lang = LANGUAGE_ALIASES.get(str(front["lang"]).strip().lower())
    if lang is None:
        fail("lang", f"unknown language “{front['lang']}” (use en or zh-hans)")
    topic_slug = str(front["topic"]).strip()
    try:
        slug_validator(topic_slug)
    except ValidationError:
        fail("topic", f"“{topic_slug}” is not a topic slug")
    author_key = str(front["author"]).strip()
    author = Author.objects.filter(slug=author_key).first() or Author.objects.filter(
        user__username=author_key).first()
    if author is None:
        fail("author", f"no author with slug or username “{author_key}”")
    currency = str(front.get("currency") or Currency.USD).strip().upper()
    if currency not in Currency.values:
        fail("currency", f"“{currency}” is not one of {', '.join(Currency.values)}")
    price_minor = 0
    try:
        price_minor = to_minor_units(front.get("price", 0) or 0, currency if currency in Currency.values else "USD")
    except ValidationError as error:
        fail("price", " ".join(error.messages))
    prices: dict[str, int] = {}
    own = front.get("prices") or {}
    if not isinstance(own, dict):
        fail("prices", "must map currencies to prices, e.g. {CNY: \"18.00\"}")
        own = {}
    for code, amount in own.items():
        code = str(code).strip().upper()
        if code not in Currency.values:
            fail("prices", f"“{code}” is not one of {', '.join(Currency.values)}")
            continue
        try:
            prices[code] = to_minor_units(amount, code)
        except ValidationError as error:
            fail("prices", f"{code}: {' '.join(error.messages)}")
    visibility = str(front.get("visibility") or (Visibility.PAID if price_minor else Visibility.FREE)).strip()
    if visibility == "members-only":
        visibility = Visibility.MEMBERS
    if visibility not in Visibility.values:
        fail("visibility", f"“{visibility}” is not one of {', '.join(Visibility.values)}")
    status, published_at = Status.DRAFT, None
    try:
        status, published_at = _published(front.get("published"))
    except ValueError as error:
        fail("published", str(error))
    if not parsed.body.strip():
        fail("body", "is empty")
    for field, messages in rule_errors(lang=lang or "", visibility=visibility, price_minor=price_minor,
                                       status=status, published_at=published_at,
                                       body_markdown=parsed.body).items():
        if field == "lang":
            continue
        for message in messages:
            fail({"price_minor": "price", "body_markdown": "body"}.get(field, field), message)
    if problems:
        raise ImportFailed(problems)
    topic = Topic.objects.filter(slug=topic_slug).first() or Topic(
        slug=topic_slug, name_en=topic_slug.replace("-", " ").capitalize())
    return ArticleData(
        title=title, slug=slug, lang=lang, topic=topic, author=author, body_markdown=parsed.body,
        price_minor=price_minor, currency=currency, prices=prices, visibility=visibility, status=status,
        published_at=published_at,
    )


def collect_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.md") if p.is_file()))
        else:
            files.append(path)
    return files


def import_articles(paths: list[Path]) -> list[tuple[Article, bool]]:
    """Import every file under `paths`, all or nothing. Returns (article, created) per file."""
    files = collect_files(paths)
    if not files:
        raise ImportFailed([ImportProblem(Path(", ".join(map(str, paths)) or "."), "file", "no Markdown files found")])
    problems: list[ImportProblem] = []
    parsed: list[ArticleData] = []
    seen_slugs: dict[str, Path] = {}
    for path in files:
        try:
            data = to_article_data(read_front_matter(path))
        except ImportFailed as failure:
            problems.extend(failure.problems)
            continue
        if data.slug in seen_slugs:
            problems.append(ImportProblem(path, "slug", f"“{data.slug}” is also used by {seen_slugs[data.slug]}"))
            continue
        seen_slugs[data.slug] = path
        parsed.append(data)
    if problems:
        raise ImportFailed(problems)
    results = []
    with transaction.atomic():
        for data, path in zip(parsed, files, strict=True):
            if data.topic.pk is None:
                existing = Topic.objects.filter(slug=data.topic.slug).first()
                if existing is None:
                    data.topic.save()
                else:
                    data.topic = existing
            try:
                results.append(upsert_article(data))
            except ValidationError as error:
                raise ImportFailed([
                    ImportProblem(path, field, "; ".join(msgs)) for field, msgs in error.message_dict.items()
                ]) from None
    return results
