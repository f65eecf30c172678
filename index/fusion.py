"""Fusing lexical and semantic candidates: normalised scores combined per document, exact names boosted.

Reciprocal rank fusion throws the scores away: a document lexical search ranks first by a wide
margin (a bare name, "Bloom Energy") counts no more than one it ranks first by a hair, and a passage
only one retriever found is pushed below the ones both found weakly. Measured on the tuning half of
tests/eval/labelled.json it lost to lexical search alone on the held-out half. Here each retriever's
scores are divided by its best (BM25 as SQLite gives it, cosine as FAISS gives it), a document takes
each retriever's best passage, and the two are mixed by a weight that leans on lexical search only as far as its best passage holds the query's
words (a paraphrase that shares one word of four with its best lexical passage is left to meaning). A short query found word for word
(in order) in a passage gets a bonus, so an exact name is not outranked by passages near in meaning.
Each lexical passage's score is first weighed by the share of the query's words it holds (`covered`).
"""
from __future__ import annotations

import re

# Lexical share of the mixed score, and the exact-match bonus: chosen on the tuning half (README "Search").
# 0.5 since semantic search rescores by passage windows (index/windows.py): on the tuning half 0.4-0.7
# all score nDCG@10 0.89-0.91, and above 0.55 a grade-0 passage sharing two common words ("make",
# "water") outranks a grade-1 one on the BEIR sample (tests/data/beir, "making hydrogen from water").
LEXICAL_SHARE = 0.5
EXACT_BONUS = 0.2
COVERAGE_POWER = 2  # how steeply lexical's weight falls as its best passage misses query words
EXACT_MAX_WORDS = 4
PASSAGE_COVERAGE_POWER = 2  # how steeply a lexical passage's score falls with the query words it lacks (see covered)
# Lexical share when choosing which of a document's passages to show (see fuse): chosen on the tuning
# half's snippet@1 (0.5-1.0 all beat the query's share there; 0.7 and 0.8 best), README "Search".
PASSAGE_LEXICAL_SHARE = 0.7

_WORD = re.compile(r"\w+", re.UNICODE)


def normalised(scored: list[tuple[int, float]]) -> dict[int, float]:
    """Each score over the best one (0..1); nothing below zero."""
    if not scored:
        return {}
    top = max(s for _, s in scored)
    if top <= 0:
        return {c: 0.0 for c, _ in scored}
    return {c: max(0.0, s / top) for c, s in scored}


def share(weights) -> float:
    """Lexical share from (lexical, semantic) weights; None keeps the tuned one."""
    if not weights:
        return LEXICAL_SHARE
    lexical, semantic = (float(w) for w in weights)
    total = lexical + semantic
    return LEXICAL_SHARE if total <= 0 else lexical / total


def confident_share(lexical_share: float, words: tuple[str, ...], best_lexical_text: str | None) -> float:
    """The lexical share for this query: scaled by the share of its words in lexical's best passage."""
    if best_lexical_text is None:
        return 0.0
    if not words:
        return lexical_share
    present = set(_WORD.findall(best_lexical_text.lower()))
    confidence = (sum(w in present for w in words) / len(words)) ** COVERAGE_POWER
    weighted = lexical_share * confidence
    return weighted / (weighted + (1 - lexical_share)) if weighted + (1 - lexical_share) > 0 else 0.0


def covered(lexical: list[tuple[int, float]], words: tuple[str, ...], text_of: dict[int, str]) -> list[tuple[int, float]]:
    """Each lexical score times the square of the share of the query's words (by stem) its passage holds.

    BM25 ranks a passage holding two common query words ("make", "water") above one holding the one
    rare word the question is about; weighed by how much of the query it holds, a passage that matched
    by accident counts less against one that semantic search finds near in meaning (README "Search").
    """
    from .terms import WORD, stem

    wanted = {stem(w) for w in words}
    if not wanted:
        return lexical
    out = []
    for c, score in lexical:
        # Each distinct word stemmed once (stem is cached): the same set as stemming every word.
        held = set(map(stem, set(WORD.findall(text_of.get(c, "").lower()))))
        out.append((c, score * (len(wanted & held) / len(wanted)) ** PASSAGE_COVERAGE_POWER))
    return out


def exact(words: tuple[str, ...], text: str) -> bool:
    """Whether the query's words appear in the text consecutively, in order."""
    return exact_matcher(words)(text)


def exact_matcher(words: tuple[str, ...]):
    """`exact` for one query, made once and asked of many passages: text -> bool.

    The words as whole tokens separated by anything not a word character, searched in the lower-cased
    text: the same answer as joining the text's tokens with spaces and looking for the joined words,
    without splitting every passage into words."""
    if not words or len(words) > EXACT_MAX_WORDS:
        return lambda text: False
    if not all(_WORD.fullmatch(w) and w == w.lower() for w in words):  # not as parse() makes words: the plain way
        wanted = f" {' '.join(words)} "
        return lambda text: wanted in f" {' '.join(_WORD.findall(text.lower()))} "
    from .terms import phrase_pattern

    pattern = phrase_pattern(words, re.UNICODE)

    def matches(text: str) -> bool:
        lowered = text.lower()
        # Each word as a substring first: most passages lack one, and the test costs ~2 us a passage
        # where the pattern costs ~11 (it begins with a look-behind, so re cannot scan for a literal).
        return all(w in lowered for w in words) and pattern.search(lowered) is not None

    return matches


def fuse(lexical: list[tuple[int, float]], semantic: list[tuple[int, float]], document_of: dict[int, int],
         lexical_share: float = LEXICAL_SHARE, exact_chunks: set[int] = frozenset()) -> list[tuple[int, float]]:
    """(chunk id, score), documents best first and each document's passages together, its best first.

    A document scores lexical_share x its best lexical passage + the rest x its best semantic passage
    (each normalised), plus EXACT_BONUS when one of its passages is in exact_chunks. Its passages are
    ordered by the mix taken passage by passage with PASSAGE_LEXICAL_SHARE, not the query's share:
    that share shrinks when lexical's best passage misses query words, which says how far to trust
    lexical's choice of documents; within a document already chosen, the passage holding the query's
    words is the likelier one to hold the answer (a passage only near in meaning was shown before,
    and the answer sat in the one beside it: tuning half, README "Search").
    """
    lex, sem = normalised(lexical), normalised(semantic)
    chunk_score: dict[int, float] = {}
    for c in {*lex, *sem}:
        if c in document_of:
            chunk_score[c] = PASSAGE_LEXICAL_SHARE * lex.get(c, 0.0) + (1 - PASSAGE_LEXICAL_SHARE) * sem.get(c, 0.0)
            if c in exact_chunks:
                chunk_score[c] += EXACT_BONUS
    best_lex: dict[int, float] = {}
    best_sem: dict[int, float] = {}
    bonus: dict[int, float] = {}
    for c in chunk_score:
        d = document_of[c]
        best_lex[d] = max(best_lex.get(d, 0.0), lex.get(c, 0.0))
        best_sem[d] = max(best_sem.get(d, 0.0), sem.get(c, 0.0))
        if c in exact_chunks:
            bonus[d] = EXACT_BONUS
    doc_score = {d: lexical_share * best_lex[d] + (1 - lexical_share) * best_sem[d] + bonus.get(d, 0.0) for d in best_lex}
    order = sorted(chunk_score, key=lambda c: (-doc_score[document_of[c]], document_of[c], -chunk_score[c], c))
    out, shown = [], set()
    for c in order:
        d = document_of[c]
        out.append((c, doc_score[d] if d not in shown else chunk_score[c]))
        shown.add(d)
    return out
