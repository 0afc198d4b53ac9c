"""Product-level behaviour of the related-articles engine (plain pytest)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from byline.recommend.engine import Doc, build_index, related_for_all, related_for_new
from byline.recommend.evaluation import CorpusError, load_corpus
from byline.recommend.tokens import tokenize

DAY = 86400.0
T0 = 1_700_000_000.0

# A small catalogue written for these tests: three English topics, two Chinese.
EN = {
    "gardening": [
        ("Growing tomatoes on a balcony",
         "Tomatoes need sun, deep pots and steady watering. Pinch the side "
         "shoots and feed the plants with compost every week."),
        ("Winter care for roses",
         "Prune roses in late winter, mulch the beds with compost "
         "and water the plants before a frost."),
        ("Starting a vegetable garden",
         "Choose a sunny bed, dig in compost, and sow beans, "
         "lettuce and tomatoes once the soil warms."),
        ("Composting kitchen scraps",
         "A compost heap turns vegetable peelings into rich "
         "soil for garden beds and potted plants."),
    ],
    "astronomy": [
        ("Watching the meteor shower",
         "The meteor shower peaks after midnight; find a dark sky away "
         "from city lights and let your eyes adapt."),
        ("Choosing a first telescope",
         "A small telescope with a steady mount shows the moon's craters, "
         "the rings of Saturn and bright star clusters."),
        ("Photographing the night sky",
         "Use a tripod and a long exposure to capture stars, the "
         "moon and the galaxy over a dark landscape."),
        ("Why planets wander across the sky",
         "Planets orbit the sun, so against the fixed stars they "
         "drift across the night sky from week to week."),
    ],
    "cooking": [
        ("A simple bread recipe",
         "Mix flour, water, yeast and salt, knead the dough, let it "
         "rise and bake the bread in a hot oven."),
        ("Cooking rice perfectly",
         "Rinse the rice, add water, simmer with the lid on and "
         "rest it before serving with the curry."),
        ("Making fresh pasta dough",
         "Knead flour and eggs into a smooth dough, rest it, then roll "
         "the pasta thin and cook it in salted water."),
        ("Baking a chocolate cake",
         "Cream butter and sugar, fold in flour and cocoa, and bake "
         "the cake in a medium oven until it rises."),
    ],
}
ZH = {
    "足球": [
        ("国家队备战世界杯预选赛", "主教练公布国家队名单，球员在训练基地进行封闭训练，备战世界杯预选赛的关键比赛。"),
        ("联赛冠军争夺进入白热化", "联赛还剩三轮比赛，两支球队积分相同，冠军争夺进入白热化，球迷期待最后的决战。"),
        ("年轻前锋梅开二度", "年轻前锋在比赛中梅开二度，帮助球队在主场战胜对手，主教练赛后称赞球员的表现。"),
    ],
    "股市": [
        ("股市收盘上涨银行板块领涨", "今日股市收盘上涨，银行板块领涨，投资者关注央行货币政策以及上市公司业绩。"),
        ("投资者关注央行利率决定", "市场预期央行下调利率，股市投资者情绪回暖，券商板块和银行股票成交活跃。"),
        ("上市公司发布季度业绩报告", "多家上市公司发布季度业绩报告，利润增长带动股票上涨，投资者看好银行板块。"),
    ],
}


def catalogue() -> tuple[list[Doc], dict[int, str]]:
    docs, topic_of = [], {}
    i = 1
    for lang, groups in (("en", EN), ("zh-hans", ZH)):
        for topic, items in groups.items():
            for title, text in items:
                docs.append(Doc(i, lang, title, "", text, T0 - i * DAY))
                topic_of[i] = topic
                i += 1
    return docs, topic_of


@pytest.fixture(scope="module")
def cat():
    docs, topic_of = catalogue()
    return docs, topic_of, build_index(docs)


def test_tokenizer_handles_english_chinese_and_mixed_text():
    assert tokenize("The markets' rally: companies' shares rose") == ["market", "rally", "company", "share", "rose"]
    zh = tokenize("投资者关注央行利率决定")
    assert "投资者" in zh and "央行" in zh and all(len(w) > 1 for w in zh)
    mixed = tokenize("苹果发布 iPhone 新机型")
    assert "iphone" in mixed and any("\u4e00" <= ch <= "\u9fff" for w in mixed for ch in w)


def test_each_doc_is_related_to_its_own_topic_first(cat):
    docs, topic_of, index = cat
    lists = related_for_all(index, k=2)
    for d in docs:
        assert lists[d.id], d.title
        top_id, _ = lists[d.id][0]
        assert topic_of[top_id] == topic_of[d.id], (d.title, top_id)


def test_chinese_and_english_stay_within_their_language(cat):
    docs, _, index = cat
    lang = {d.id: d.lang for d in docs}
    lists = related_for_all(index, k=6)
    for d in docs:
        assert all(lang[o] == d.lang for o, _ in lists[d.id])


def test_doc_never_recommends_itself_and_excluded_ids_never_appear(cat):
    docs, _, index = cat
    unpublished = {2, 6, 14}
    lists = related_for_all(index, k=6, exclude=unpublished)
    for d in docs:
        ids = [o for o, _ in lists[d.id]]
        assert d.id not in ids
        assert not unpublished & set(ids)
        assert len(ids) == len(set(ids)) <= 6
        scores = [s for _, s in lists[d.id]]
        assert all(s == s for s in scores)  # finite


def test_co_read_articles_rise_in_each_others_lists(cat):
    docs, _, index = cat
    bread, telescope = 9, 6  # unrelated by text
    before = dict(related_for_all(index, k=6)[bread])
    events = [(f"reader{r}", doc_id, 1.0) for r in range(30) for doc_id in (bread, telescope)]
    # popular-everywhere doc read by everyone must not dominate
    events += [(f"reader{r}", 1, 1.0) for r in range(200)]
    after = related_for_all(index, k=6, events=events)
    assert telescope not in before
    assert after[bread][0][0] == telescope
    assert after[telescope][0][0] == bread


def test_near_copies_are_kept_out_of_the_same_list():
    docs, _ = catalogue()
    base = docs[4]  # meteor shower
    dups = [Doc(100 + j, "en", base.title, "", base.text + f" Update {j}.", T0) for j in range(3)]
    index = build_index(docs + dups)
    lists = related_for_all(index, k=3)
    ids = [o for o, _ in lists[base.id]]
    assert sum(1 for o in ids if o >= 100) == 1, ids  # one copy, then other astronomy
    assert len(ids) == 3


def test_publish_time_update_agrees_with_full_rebuild():
    docs, topic_of = catalogue()
    new = Doc(
        500, "en", "Sowing beans and lettuce in spring",
        "", "Sow beans and lettuce in a sunny bed with compost; water the plants and the soil well.", T0,
    )
    index = build_index(docs)
    related_for_all(index, k=3)
    mine, changed = related_for_new(index, new, k=3)
    rebuilt = related_for_all(build_index(docs + [new]), k=3)
    assert {o for o, _ in mine} == {o for o, _ in rebuilt[500]}
    assert all(topic_of[o] == "gardening" for o, _ in mine)
    # it enters every gardening list; a rebuild (which refits the text model, so idf moves) keeps those lists
    # gardening and places it in most of them (with four gardening docs and k=3, one may rank it fourth)
    entered = [o for o, items in changed.items() if 500 in [x for x, _ in items]]
    assert {1, 2, 3, 4} <= set(entered)
    assert all(topic_of.get(x, "gardening") == "gardening" for o in (1, 2, 3, 4) for x, _ in rebuilt[o])
    assert sum(500 in [x for x, _ in rebuilt[o]] for o in (1, 2, 3, 4)) >= 3


WORDS = {
    "garden": "tomato rose compost soil seed bed lettuce bean prune mulch frost pot water sun weed".split(),
    "space": "star planet moon telescope orbit galaxy comet meteor night sky crater saturn rocket".split(),
    "kitchen": "bread flour oven dough bake rice pasta sugar butter cake knead yeast salt curry".split(),
    "money": "bank share market price rate loan fund bond stock profit tax budget trade cash".split(),
}
COMMON = "today people week first time place year small large good new way part".split()


def synthetic(n: int, seed: int = 0) -> list[Doc]:
    """Docs drawn from four topic vocabularies plus common words (enough docs for LSA to switch on)."""
    import random

    rng = random.Random(seed)
    topics = sorted(WORDS)
    docs = []
    for i in range(n):
        words = WORDS[topics[i % len(topics)]]
        text = " ".join(rng.choice(words) if rng.random() < 0.7 else rng.choice(COMMON) for _ in range(40))
        docs.append(Doc(i + 1, "en", " ".join(rng.sample(words, 3)), "", text, T0 - i * DAY, float(i % 7)))
    return docs


def test_adding_docs_one_at_a_time_gives_the_lists_a_rebuild_gives():
    docs = synthetic(90)
    base, later = docs[:70], docs[70:]
    index = build_index(base)
    assert index.E is not None  # LSA on: the dense part is kept in step too
    events = [(f"reader{r}", base[(r * 7 + j) % len(base)].id, 1.0) for r in range(40) for j in range(3)]
    kept = related_for_all(index, k=5, now=T0, events=events)
    for doc in later:
        mine, changed = related_for_new(index, doc, k=5, now=T0)
        kept[doc.id] = mine
        kept.update(changed)
    rebuilt = related_for_all(build_index(docs, text=index.text), k=5, now=T0, events=events)
    # the same lists, rank by rank; scores agree to float rounding (the documented ties aside)
    assert {d: [o for o, _ in items] for d, items in kept.items()} == {d: [o for o, _ in items]
                                                                      for d, items in rebuilt.items()}
    for d, items in kept.items():
        assert [s for _, s in items] == pytest.approx([s for _, s in rebuilt[d]], abs=1e-5)


def test_an_edited_doc_gets_a_list_for_its_new_text():
    docs, topic_of = catalogue()
    index = build_index(docs)
    related_for_all(index, k=3)
    bread = docs[8]
    assert topic_of[bread.id] == "cooking"
    edited = Doc(bread.id, "en", "Pruning roses in winter", "", "Prune roses, mulch the beds with compost and "
                 "water the garden plants before a frost.", bread.published_at)
    mine, _ = related_for_new(index, edited, k=3)
    assert mine and all(topic_of[o] == "gardening" for o, _ in mine)
    assert len(index) == len(docs)


# --- corpus loading errors ---------------------------------------------------


def _write(tmp_path: Path, lines: list[str]) -> Path:
    p = tmp_path / "corpus.jsonl"
    p.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    return p


def _rec(i, cat="a", lang="en"):
    return json.dumps({"id": i, "title": "t", "body": "some body text", "category": cat, "lang": lang})


@pytest.mark.parametrize(
    "lines, message",
    [
        ([], "corpus is empty"),
        ([_rec(1), "{not json", _rec(3, "b")], ":2: malformed JSON"),
        ([_rec(1), json.dumps({"id": 2, "title": "t", "lang": "en", "category": "b"})], ":2: missing field(s) body"),
        ([_rec(1), _rec(2, "b", lang="fr")], ":2: unknown language 'fr'"),
        ([_rec(1), _rec(2)], "only 1 category ('a')"),
    ],
    ids=["empty", "malformed", "missing-field", "unknown-language", "one-category"],
)
def test_load_corpus_errors_name_the_file_and_problem(tmp_path, lines, message):
    path = _write(tmp_path, lines)
    with pytest.raises(CorpusError) as err:
        load_corpus(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_load_corpus_normalises_languages(tmp_path):
    path = _write(tmp_path, [_rec(1, "a", "zh"), _rec(2, "b", "zh-CN"), _rec(3, "b", "EN")])
    assert [r.lang for r in load_corpus(path)] == ["zh-hans", "zh-hans", "en"]


def test_sentence_embeddings_are_blended_with_the_text_and_needed_at_publish():
    """A stand-in back end that calls bread and telescopes the same thing: the blend must listen."""
    docs, _ = catalogue()
    bread, telescope = 9, 6

    def embed(batch):
        rows = np.zeros((len(batch), 20), np.float32)
        for i, d in enumerate(batch):
            rows[i, 0 if d.id in (bread, telescope) else d.id % 19 + 1] = 1.0
        return rows

    plain = related_for_all(build_index(docs), k=6)
    blended = related_for_all(build_index(docs, embed=embed), k=6)
    assert telescope not in [o for o, _ in plain[bread]]
    assert telescope in [o for o, _ in blended[bread]]
    index = build_index(docs, embed=embed)
    new = Doc(700, "en", "Rye bread", "", "Bake rye bread with flour, water and yeast in a hot oven.", T0)
    with pytest.raises(ValueError, match="embed"):
        related_for_new(index, new)
    mine, _ = related_for_new(index, new, embed=embed)
    assert mine


def test_tokenizer_cuts_several_chinese_runs_as_it_cuts_each_alone():
    # all CJK runs of a text go to the segmenter in one call; each must come out as if cut on its own
    runs = ["投资者关注央行利率决定", "苹果公司发布新机型", "北京大学图书馆"]
    together = tokenize("，".join(runs) + " Markets rallied; 市场反应强烈")
    alone = [w for run in [*runs, "市场反应强烈"] for w in tokenize(run)]
    assert sorted(together) == sorted(alone + ["market", "rallied"])


def test_the_ranker_adds_the_most_co_read_docs_not_the_first_by_row():
    import scipy.sparse as sp

    from byline.recommend.engine.ranking import _coread_rows

    coread = sp.csr_matrix(np.array([[0, 0.1, 0.9, 0.5, 0.5], [0.3, 0, 0, 0, 0]] + [[0] * 5] * 3, np.float32))
    rows = _coread_rows(coread, np.array([0, 1, 4]), 3)
    assert rows.tolist() == [[2, 3, 4], [0, -1, -1], [-1, -1, -1]]  # best first; a tie to the lower row


def test_publishes_grow_the_index_in_place_and_a_saved_index_carries_no_spare_room():
    import pickle

    docs = synthetic(64)
    index = build_index(docs[:60])
    related_for_all(index, k=5, now=T0)
    related_for_new(index, docs[60], k=5, now=T0)
    X, E, rows = index.X, index.E, index.graph.rows
    before = (X.toarray(), E.copy())
    related_for_new(index, docs[61], k=5, now=T0)
    # the second publish wrote behind the first one's arrays instead of copying them...
    assert index.X.data.base is X.data.base and index.E.base is E.base and index.graph.rows.base is rows.base
    # ...and the vectors the first one handed out did not change (graph lines are updated in place by design)
    assert np.array_equal(X.toarray(), before[0]) and np.array_equal(E, before[1])
    assert index.X.shape[0] == len(index.E) == len(index.graph.rows) == len(index.ids) == 62
    saved = pickle.dumps(index)
    loaded = pickle.loads(saved)
    assert "_room" not in loaded.__dict__ and "_room" not in loaded.graph.__dict__
    assert len(saved) < len(pickle.dumps(build_index(docs[:62], text=index.text))) * 1.05
    assert related_for_new(loaded, docs[62], k=5, now=T0) == related_for_new(index, docs[62], k=5, now=T0)


def test_the_rankers_vectorised_parts_agree_with_plain_loops(monkeypatch):
    """The ranker's similarities, co-reading look-ups and near-copy table against row-by-row versions,
    with empty candidates, empty rows, rows that joined after the rebuild and groups cut mid-batch."""
    import scipy.sparse as sp

    from byline.recommend.engine import ranking
    from byline.recommend.engine.index import _inputs

    index = build_index(synthetic(120))
    X = index.X.tolil()
    X[7, :] = 0  # a doc with no indexable words
    index.X = X.tocsr()
    inputs = _inputs(index, index.params, T0, [])
    rng = np.random.default_rng(3)
    own = rng.choice(len(index), 40, replace=False)
    cand = rng.integers(0, len(index), (40, 9))
    cand[::5, 3:] = -1
    cand[1, 0] = 7
    monkeypatch.setattr(ranking, "_TABLE_CELLS", 3 * index.X.shape[1])  # groups of 3 lines
    got = ranking._term_dots(index.X, own, ranking.Candidates(inputs, cand))
    dense = index.X.toarray().astype(np.float64)
    want = np.where(cand >= 0, np.einsum("bv,bwv->bw", dense[own], dense[np.maximum(cand, 0)]), 0)
    assert np.allclose(got, want, atol=1e-6)

    coread = sp.random(100, 100, density=0.2, format="csr", random_state=4, dtype=np.float32)  # rows >= 100: new
    own = np.array([0, 5, 99, 100, 119])
    cand = rng.integers(-1, 120, (5, 12))
    values = ranking._coread_values(coread, own, cand)
    full = coread.toarray()
    assert values.tolist() == [[full[r, c] if r < 100 and 0 <= c < 100 else 0 for c in row]
                               for r, row in zip(own, cand, strict=True)]
    top = ranking._coread_rows(coread, own, 4)
    for r, line in zip(own, top.tolist(), strict=True):
        order = sorted(np.flatnonzero(full[r]), key=lambda c: (-full[r, c], c))[:4] if r < 100 else []
        assert line == order + [-1] * (4 - len(order))

    rows = np.array([[1, 2, -1], [3, -1, -1], [0, -1, -1], [-1, -1, -1]])
    sims = np.array([[0.95, 0.5, -np.inf], [0.2, -np.inf, -np.inf], [0.91, -np.inf, -np.inf], [-np.inf] * 3])
    pool = np.array([[0, 1, 2], [2, 3, -1], [1, 3, 0]])
    copies = ranking._copies(rows, sims, pool, 0.9)
    # 0 and 1 are copies (0.95), 2 and 0 too (0.91); 1 and 3 are not (0.2), and 3 lists no one
    assert copies[0].tolist() == [[False, True, True], [True, False, False], [True, False, False]]
    assert not copies[1].any()  # the line holds 2 and 3: 2's copy 0 is not in it
    assert copies[2].tolist() == [[False, False, True], [False, False, False], [True, False, False]]
