"""`clout eval` on the labelled queries: the metrics themselves, and hybrid held at the floors measured."""
from __future__ import annotations

import json

import pytest

from conftest import clout
from search_corpus import QUERIES

# Measured on the search test corpus (tests/search_corpus.py), weights (1.0, 0.7), 150-word chunks:
#            hybrid  lexical  semantic
# ndcg@10     0.951    0.946     0.906
# mrr@10      0.974    0.974     0.956
# recall@5    0.974    0.947     0.921
# answer@1    0.857    0.886     0.686
FLOORS = {"ndcg@10": 0.93, "mrr@10": 0.95, "recall@5": 0.95, "answer@1": 0.80}


def test_labelled_set_is_large_and_varied():
    queries = json.loads(QUERIES.read_text())
    assert len(queries) >= 30
    assert sum(any("episodes/" in s for s in q["relevant"]) for q in queries) >= 10
    assert any(len(q["q"].split()) == 1 for q in queries)  # a single word
    assert any(len(q["q"].split()) > 30 for q in queries)  # a pasted paragraph
    assert any(q["q"].startswith('"') for q in queries)  # a quoted phrase
    assert any(any("distractors/" in s for s in q["relevant"]) for q in queries)


@pytest.fixture(scope="module")
def figures(search_data):
    result = clout("eval", "--json", str(QUERIES), data_dir=search_data)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["notes"] == []  # every label names a stored document
    return {m["mode"]: m for m in payload["modes"]}


def test_hybrid_holds_its_measured_floors(figures):
    for name, floor in FLOORS.items():
        assert figures["hybrid"][name] >= floor, (name, figures)
    assert figures["hybrid"]["queries"] >= 30


def test_hybrid_beats_either_alone(figures):
    hybrid, lexical, semantic = figures["hybrid"], figures["lexical"], figures["semantic"]
    assert hybrid["ndcg@10"] > max(lexical["ndcg@10"], semantic["ndcg@10"]), figures
    assert hybrid["recall@5"] > max(lexical["recall@5"], semantic["recall@5"]), figures


def test_table_prints_the_modes_side_by_side(search_data):
    result = clout("eval", str(QUERIES), data_dir=search_data)
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["hybrid", "lexical", "semantic"]
    assert [line.split()[0] for line in lines[1:5]] == ["ndcg@10", "mrr@10", "recall@5", "answer@1"]


def test_metrics():
    from clout.index.evaluate import contains_answer, ndcg, recall, reciprocal_rank

    grades = {1: 2, 2: 1}
    assert ndcg([1, 2, 3], grades) == pytest.approx(1.0)
    assert 0 < ndcg([3, 2, 1], grades) < ndcg([2, 1, 3], grades) < 1
    assert ndcg([3, 4], grades) == 0
    assert reciprocal_rank([3, 2, 1], grades) == 0.5 and reciprocal_rank([3], grades) == 0
    assert recall([2, 9, 9, 9, 9, 1], grades) == 0.5
    assert contains_answer("Don’t be a ‘yes’   person", ["don't be a 'yes' person"])


def test_labels_match_paths_and_wildcards_and_credit_originals(search_data):
    from clout.index.evaluate import resolve
    from clout.index.kb import KnowledgeBase

    kb = KnowledgeBase(search_data, readonly=True)
    original = next(d.duplicate_of for d in kb.store.documents() if d.duplicate_of is not None)
    assert resolve(kb, {"articles/02-help-when-you-have-no-clout.txt": 2}) == {original: 2.0}
    assert len(resolve(kb, {"episodes/*": 1})) == 2
    assert resolve(kb, {"nowhere.txt": 2}) == {}


def test_bad_file_is_one_clear_sentence(search_data, tmp_path):
    bad = tmp_path / "labels.json"
    bad.write_text('{"q": "not a list"}')
    result = clout("eval", str(bad), data_dir=search_data)
    assert result.exit_code != 0 and "must hold a list" in result.output
    bad.write_text("[{")
    assert "is not JSON" in clout("eval", str(bad), data_dir=search_data).output
