"""Demo content: the three authors, the topics, the articles written for Byline, and demo accounts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from byline.articles.importer import import_articles
from byline.articles.models import Author, Topic

DEMO_DIR = Path(__file__).resolve().parent / "demo"
AUTHOR_GROUP = "Authors"
AUTHOR_PERMISSIONS = ("add_article", "change_article", "view_article", "view_topic", "view_author")


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    password: str


READER = DemoAccount("reader", "reader", "reader-demo-pass")
STAFF = DemoAccount("staff", "staff", "staff-demo-pass")
AUTHOR_PASSWORD = "author-demo-pass"


def authors_group() -> Group:
    group, _ = Group.objects.get_or_create(name=AUTHOR_GROUP)
    group.permissions.set(Permission.objects.filter(
        content_type__app_label="articles", codename__in=AUTHOR_PERMISSIONS))
    return group


def _user(username: str, password: str, **flags):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@byline.local"})
    for name, value in flags.items():
        setattr(user, name, value)
    if created:
        user.set_password(password)
    user.save()
    return user


@transaction.atomic
def load_demo_articles() -> list[DemoAccount]:
    """Create (or refresh) the demo's topics, authors, articles and accounts. Safe to run twice. The whole demo
    site, every app's part, is loaded by the `load_demo` command (pages/management/commands/load_demo.py)."""
    group = authors_group()
    for topic in yaml.safe_load((DEMO_DIR / "topics.yaml").read_text(encoding="utf-8")):
        Topic.objects.update_or_create(
            slug=topic["slug"], defaults={"name_en": topic["name"], "name_zh": topic.get("name_zh", "")})
    accounts = [READER]
    _user(READER.username, READER.password)
    for entry in yaml.safe_load((DEMO_DIR / "authors.yaml").read_text(encoding="utf-8")):
        user = _user(entry["username"], AUTHOR_PASSWORD, is_staff=True)
        user.groups.add(group)
        Author.objects.update_or_create(user=user, defaults={
            "slug": entry["username"],
            "display_name": entry["display_name"],
            "display_name_zh": entry.get("display_name_zh", ""),
            "bio": entry.get("bio", ""),
            "bio_zh": entry.get("bio_zh", ""),
        })
        accounts.append(DemoAccount("author", entry["username"], AUTHOR_PASSWORD))
    _user(STAFF.username, STAFF.password, is_staff=True, is_superuser=True)
    accounts.append(STAFF)
    import_articles([DEMO_DIR / "articles"])
    return accounts
