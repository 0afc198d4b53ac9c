"""Fixtures for recommendations: a private index folder, a small two-language catalogue, corpora."""

from __future__ import annotations

from pathlib import Path

import pytest

from byline.articles.models import Visibility
from byline.recommend import catalogue
from tests.conftest import make_article, make_author, make_topic

REPO = Path(__file__).resolve().parents[2]


def shared_corpus(name: str) -> Path | None:
    """../shared/data/<name>/articles.jsonl beside the repository (or beside a worktree's parent)."""
    for root in (REPO.parent, REPO.parent.parent):
        path = root / "shared" / "data" / name / "articles.jsonl"
        if path.exists():
            return path
    return None


@pytest.fixture(autouse=True)
def _private_index_folder(settings, tmp_path):
    settings.RECOMMEND_INDEX_DIR = tmp_path / "recommend-index"
    catalogue.forget_loaded_index()
    yield
    catalogue.forget_loaded_index()


STORIES = {
    ("en", "gardening"): [
        ("Growing tomatoes on a balcony", "Tomatoes need sun, deep pots and steady watering. Pinch the side shoots "
         "and feed the tomato plants with compost every week."),
        ("Winter care for roses", "Prune roses in late winter, mulch the rose beds with compost and water the "
         "plants before a frost."),
        ("Starting a vegetable garden", "Choose a sunny bed, dig in compost, and sow beans, lettuce and tomatoes "
         "once the garden soil warms."),
        ("Composting kitchen scraps", "A compost heap turns vegetable peelings into rich soil for garden beds "
         "and potted plants."),
    ],
    ("en", "astronomy"): [
        ("Watching the meteor shower", "The meteor shower peaks after midnight; find a dark sky away from city "
         "lights and watch the stars."),
        ("Choosing a first telescope", "A small telescope on a steady mount shows the craters of the moon, the "
         "rings of Saturn and bright star clusters."),
        ("Photographing the night sky", "Use a tripod and a long exposure to capture stars, the moon and the "
         "galaxy over a dark landscape at night."),
        ("Why planets wander across the sky", "Planets orbit the sun, so against the fixed stars they drift "
         "across the night sky from week to week."),
    ],
    ("en", "cooking"): [
        ("A simple bread recipe", "Mix flour, water, yeast and salt, knead the dough, let it rise and bake the "
         "bread in a hot oven."),
        ("Cooking rice perfectly", "Rinse the rice, add water, simmer with the lid on and rest the rice before "
         "serving it with the curry."),
        ("Making fresh pasta dough", "Knead flour and eggs into a smooth dough, rest it, then roll the pasta "
         "thin and cook it in salted water."),
        ("Baking a chocolate cake", "Cream butter and sugar, fold in flour and cocoa, and bake the cake in a "
         "medium oven until it rises."),
    ],
    ("zh-hans", "football"): [
        ("国家队备战世界杯预选赛", "主教练公布国家队名单，球员在训练基地进行封闭训练，备战世界杯预选赛的关键比赛。"),
        ("联赛冠军争夺进入白热化", "联赛还剩三轮比赛，两支球队积分相同，冠军争夺进入白热化，球迷期待最后的决战。"),
        ("年轻前锋梅开二度", "年轻前锋在比赛中梅开二度，帮助球队在主场战胜对手，主教练赛后称赞球员的表现。"),
    ],
    ("zh-hans", "markets"): [
        ("股市收盘上涨银行板块领涨", "今日股市收盘上涨，银行板块领涨，投资者关注央行货币政策以及上市公司业绩。"),
        ("投资者关注央行利率决定", "市场预期央行下调利率，股市投资者情绪回暖，券商板块和银行股票成交活跃。"),
        ("上市公司发布季度业绩报告", "多家上市公司发布季度业绩报告，利润增长带动股票上涨，投资者看好银行板块。"),
    ],
}


def make_story(title: str, text: str, *, lang: str = "en", topic=None, author=None, **overrides):
    """A free article whose whole text is the preview the engine reads."""
    values = {"title": title, "lang": lang, "body_markdown": text + "\n",
              "visibility": Visibility.FREE, "price_minor": 0}
    values.update(overrides)
    return make_article(author=author, topic=topic or make_topic("stories"), **values)


@pytest.fixture
def stories(db) -> dict[str, list]:
    """The catalogue: {group name: [articles]}; one shared topic, so only the text tells them apart."""
    author = make_author("storyteller")
    topic = make_topic("stories")
    return {
        group: [make_story(title, text, lang=lang, topic=topic, author=author) for title, text in items]
        for (lang, group), items in STORIES.items()
    }
