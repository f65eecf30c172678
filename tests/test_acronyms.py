"""Acronyms spelled out from the collection's own text (index/acronyms.py): "NPS" finds "Net Promoter Score"."""
from __future__ import annotations

from pathlib import Path

import pytest

BEIR = Path(__file__).resolve().parent / "data" / "beir"


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    """The BEIR sample stored for real: d07 is "Net Promoter Score" and never writes "NPS"."""
    from clout.index import beir
    from clout.index.kb import KnowledgeBase

    kb = KnowledgeBase(tmp_path_factory.mktemp("acronyms"))
    beir.ingest(kb, beir.read(BEIR))
    return kb


def _sources(hits):
    return [h.source for h in hits]


@pytest.mark.parametrize("mode", ["lexical", "hybrid"])
def test_an_acronym_finds_the_document_that_spells_it_out(kb, mode):
    from clout.index.search import search

    hits = search(kb, "NPS", k=5, mode=mode)
    assert hits and hits[0].source == "beir/d07"
    assert "<mark>Net</mark> <mark>Promoter</mark> <mark>Score</mark>" in hits[0].highlight


def test_without_the_expansion_lexical_finds_nothing(kb):
    from clout.index.query import parse
    from clout.index.search import lexical, _spelled

    assert lexical(kb, parse("NPS")) == []  # the word itself is nowhere: the phrase is what finds d07
    assert _spelled(kb, parse("NPS")).expansions == (("nps", ("net", "promoter", "score")),)
    assert lexical(kb, parse("nps")) == [] and _spelled(kb, parse("nps")).expansions == ()  # typed in capitals only


@pytest.mark.parametrize("query", ["THE budget season", "CXQ", "what is NPSX", "QQ compost"])
def test_words_with_no_expansion_change_nothing(kb, query):
    from clout.index.query import parse
    from clout.index.search import _spelled, search

    assert _spelled(kb, parse(query)) == parse(query)
    assert _sources(search(kb, query, k=10)) == _sources(search(kb, query.lower(), k=10))


def test_names_come_from_running_text_and_definitions_not_title_case_headings():
    from clout.index import acronyms

    counts: dict = {}
    acronyms._count("We track the return on investment (ROI) of each campaign.", counts, in_text=True)
    acronyms._count("Teams set Objectives and Key Results every quarter.", counts, in_text=True)
    assert counts[("roi", ("return", "on", "investment"))] == [acronyms.MIN_SEEN, acronyms.MIN_SEEN]
    assert counts[("okr", ("objectives", "and", "key", "results"))] == [1, 1]
    assert ("okr", ("teams", "set")) not in counts
    assert acronyms._heading("Steal A Page From Customer Service")
    assert not acronyms._heading("Net Promoter Score asks customers how likely they are")


def test_a_passage_spelling_the_name_out_holds_the_acronym():
    from clout.index import acronyms, fusion

    expanded = (("nps", ("net", "promoter", "score")),)
    text = acronyms.marked("Net Promoter Score asks customers.", expanded)
    assert fusion.exact(("nps",), text) and fusion.confident_share(0.5, ("nps",), text) == 0.5
    assert acronyms.marked("Net Promoter Score", ()) == "Net Promoter Score"
    assert acronyms.typed("what is NPS, THE OKR and a cat") == ["nps", "okr"]
