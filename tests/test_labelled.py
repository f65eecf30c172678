"""The larger labelled set (tests/eval/labelled.json): varied, well-formed, and every label names a kb page."""
from __future__ import annotations

import json
from collections import Counter

from eval_corpus import EVAL_EPISODES, KB_DOCS, LABELLED


def test_labelled_set_is_large_and_varied():
    queries = json.loads(LABELLED.read_text())
    assert len(queries) >= 150
    assert len({q["id"] for q in queries}) == len(queries)
    types = Counter(q["type"] for q in queries)
    for kind in ("seed", "paraphrase", "name", "long", "typo", "episode"):
        assert types[kind] >= 5, types
    assert all(len(q["q"].split()) >= 25 for q in queries if q["type"] == "long")
    assert sum(bool(q.get("answer")) for q in queries) >= 150  # the answer-in-top-passage measure


def test_every_label_names_something_in_the_corpus():
    from fnmatch import fnmatchcase

    pages = [p.name for p in KB_DOCS.glob("*.md")]
    episodes = [p.stem for p in EVAL_EPISODES.glob("*.json")]
    for q in json.loads(LABELLED.read_text()):
        for label in q["relevant"]:
            if label.startswith("docs/"):
                assert sum(fnmatchcase(p, label[5:]) for p in pages) == 1, (q["id"], label)
            elif label.startswith("episodes/1"):
                assert any(fnmatchcase(e, label[9:]) for e in episodes), (q["id"], label)


def test_both_halves_are_used():
    from clout.index.evaluate import half, query_key

    halves = Counter(half(query_key(q)) for q in json.loads(LABELLED.read_text()))
    assert min(halves.values()) >= 75, halves
