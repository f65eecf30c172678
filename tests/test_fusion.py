"""Fusion of lexical and semantic candidates by normalised score, per document (index/fusion.py)."""
from __future__ import annotations

from clout.index import fusion


def test_a_clear_lexical_win_is_not_buried_by_near_meaning():
    # Chunk 1 (doc 10) is lexical's clear best; chunks 2 and 3 (docs 20, 30) are semantic's near ties.
    lexical = [(1, 12.0), (2, 3.0)]
    semantic = [(2, 0.62), (3, 0.61), (1, 0.55)]
    ranked = fusion.fuse(lexical, semantic, {1: 10, 2: 20, 3: 30}, lexical_share=0.7)
    assert [c for c, _ in ranked] == [1, 2, 3]


def test_a_document_takes_each_retrievers_best_passage_and_keeps_its_passages_together():
    lexical = [(1, 10.0), (4, 9.0)]
    semantic = [(2, 0.7), (4, 0.69), (3, 0.68)]
    doc = {1: 10, 2: 10, 3: 30, 4: 40}
    ranked = [c for c, _ in fusion.fuse(lexical, semantic, doc, lexical_share=0.5)]
    assert ranked.index(1) < ranked.index(4) and ranked[:2] in ([1, 2], [2, 1])  # doc 10 holds both bests


def test_lexical_weight_follows_how_much_of_the_query_its_best_passage_holds():
    words = ("cheap", "paper", "mockups", "design")
    assert fusion.confident_share(0.7, words, "Cheap paper mockups help design.") == 0.7
    assert fusion.confident_share(0.7, words, "A design review.") < 0.2
    assert fusion.confident_share(0.7, words, None) == 0.0


def test_exact_names_match_in_order_only():
    assert fusion.exact(("bloom", "energy"), "Reginald Chatman, at Bloom Energy, explains")
    assert not fusion.exact(("bloom", "energy"), "energy to bloom")
    assert not fusion.exact(tuple("abcde"), "a b c d e")  # long queries are not names


def test_the_exact_matcher_agrees_with_joining_the_passage_words():
    """exact_matcher tests substrings before its pattern; it must answer as the plain way does."""
    import re

    texts = ["Reginald Chatman, at Bloom Energy, explains", "BLOOM—ENERGY!", "bloomenergy", "Bloom's energy",
             "rebloom energy", "bloom energyx", "energy bloom", "Bloom\nEnergy", "bloom_energy", "bloom  energy",
             "Bloom Énergy", "customer-experience leaders", "a customer's experience", "experience customer", ""]
    for words in [("bloom", "energy"), ("customer", "experience"), ("bloom",), ("energy",), ("s", "energy")]:
        matches = fusion.exact_matcher(words)
        for text in texts:
            tokens = " ".join(re.findall(r"\w+", text.lower()))
            plain = f" {' '.join(words)} " in f" {tokens} "
            assert matches(text) == plain, (words, text)


def test_a_passage_matching_common_words_by_accident_counts_less_than_one_holding_the_query():
    words = ("making", "hydrogen", "from", "water")
    text = {1: "Electrolysers split water into hydrogen. Making it from renewable power emits no carbon.",
            2: "Most houseplants die from overwatering. Water only when the soil is dry, make sure it drains."}
    scores = dict(fusion.covered([(1, 8.0), (2, 4.0)], words, text))
    assert scores[1] == 8.0  # every word held (by stem: "making" is "make")
    assert scores[2] == 4.0 * (3 / 4) ** fusion.PASSAGE_COVERAGE_POWER  # no "hydrogen"
    assert fusion.covered([(1, 8.0)], (), text) == [(1, 8.0)]


def test_the_passage_shown_is_the_one_holding_the_query_even_when_lexical_is_trusted_little():
    # Doc 10 is chosen; its passage 1 holds the query's words (lexical's best), passage 2 is a little
    # nearer in meaning. With lexical trusted little for choosing documents (share 0.2) the passage
    # shown is still the one holding the words (fusion.PASSAGE_LEXICAL_SHARE).
    lexical = [(1, 10.0), (2, 6.0)]
    semantic = [(2, 0.70), (1, 0.60), (3, 0.65)]
    ranked = [c for c, _ in fusion.fuse(lexical, semantic, {1: 10, 2: 10, 3: 30}, lexical_share=0.2)]
    assert ranked[:2] == [1, 2] and ranked[2] == 3
