"""Acronyms a collection spells out: "NPS" typed finds the passages that only ever write "Net Promoter Score".

A query word typed in capitals, 2-6 letters, that is a content word ("THE" is not) is looked up in a
dictionary built from the collection's own text, as the spelling dictionary is (index/spelling.py:
once per store generation, from the same sample of passages): the runs of capitalised words in
titles, headings and text whose initials spell it ("Net Promoter Score"; inner function words may be
skipped or counted, "Objectives and Key Results" is OKR, "Return On Investment" ROI), and the words
before a parenthesised acronym ("net promoter score (NPS)"). A run must be seen twice (all titles and
headings together count once) or be defined in parentheses, and at least once in running text,
so a Title Case Heading ("Steal A Page From ...", not SAP) is not taken for a name. Search then also
looks for the phrase (index/query.py `expansions`), and a passage holding the phrase counts as
holding the acronym (`marked`). A query with no such word is
left exactly as it was.
"""
from __future__ import annotations

import re
import threading
from functools import lru_cache

from .spelling import SAMPLE_PASSAGES
from .terms import STOPWORDS, phrase_pattern

MIN_LETTERS, MAX_LETTERS = 2, 6
MIN_SEEN = 2  # times a capitalised run must occur to count as a name (a "(NPS)" definition counts as this)
_TYPED = re.compile(r"\b[A-Z]{2,6}\b")
_TOKEN = re.compile(r"[^\W\d_][\w'’-]*|\(([A-Z]{2,6})\)|[^\w\s]", re.UNICODE)
_WORDS = re.compile(r"\w+", re.UNICODE)
_lock = threading.Lock()


def typed(text: str) -> list[str]:
    """The words of the query typed as acronyms (all capitals, 2-6 letters), lower-cased, in order."""
    return list(dict.fromkeys(w.lower() for w in _TYPED.findall(text) if w.lower() not in STOPWORDS))


def _initials(words: list[str]) -> set[str]:
    """The acronyms a run of words can spell: each inner function word counted or skipped."""
    out = {""}
    for i, word in enumerate(words):
        letter = word[0].lower()
        if word.lower() in STOPWORDS and 0 < i < len(words) - 1:
            out = out | {s + letter for s in out}
        else:
            out = {s + letter for s in out}
    return {s for s in out if MIN_LETTERS <= len(s) <= MAX_LETTERS}


def _runs(tokens: list[str]):
    """Maximal runs of capitalised words (inner function words allowed, leading ones dropped)."""
    run: list[str] = []
    for token in tokens + ["."]:
        if token[:1].isupper() or (run and token.lower() in STOPWORDS and token[:1].isalpha()):
            run.append(token)
            continue
        while run and run[-1].lower() in STOPWORDS:
            run.pop()
        while run and run[0].lower() in STOPWORDS:
            run.pop(0)
        if len(run) >= MIN_LETTERS:
            yield run
        run = []


def _count(text: str, counts: dict[tuple[str, tuple[str, ...]], list[int]], in_text: bool) -> None:
    """Add the text's (acronym, phrase) candidates to counts: [times seen, times seen in running text]."""
    tokens, defined = [], []
    for match in _TOKEN.finditer(text):
        if match.group(1):  # "(NPS)": the words just before it, up to two more than it has letters
            defined.append((match.group(1).lower(), tokens[-len(match.group(1)) - 2:]))
            tokens.append(".")
        else:
            tokens.append(match.group())
    for run in _runs(tokens):
        for start in range(len(run)):
            for end in range(start + MIN_LETTERS, min(len(run), start + 2 * MAX_LETTERS) + 1):
                words = run[start:end]
                if words[0].lower() in STOPWORDS or words[-1].lower() in STOPWORDS:
                    continue
                phrase = tuple(w.lower() for w in words)
                for acronym in _initials(words):
                    _add(counts, (acronym, phrase), 1, in_text)
    for acronym, before in defined:
        for start in range(len(before)):
            words = before[start:]
            if words and words[0].isalpha() and all(w[:1].isalpha() for w in words) and acronym in _initials(words):
                phrase = tuple(w.lower() for w in words)
                _add(counts, (acronym, phrase), MIN_SEEN, in_text)
                break


def _heading(line: str) -> bool:
    """Whether a line has no lower-case content word (a title, a heading, "Steal A Page From Customer Service")."""
    return not any(w[0].islower() and w not in STOPWORDS for w in _WORDS.findall(line) if w[0].isalpha())


def _add(counts, key, n: int, in_text: bool) -> None:
    seen = counts.setdefault(key, [0, 0])
    seen[0] += n
    seen[1] += n if in_text else 0


@lru_cache(maxsize=4)
def _dictionary(store, generation: int) -> dict[str, tuple[str, ...]]:
    """{acronym: the phrase spelling it most often} over the sample of the collection's passages."""
    counts: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    headed: dict[tuple[str, tuple[str, ...]], list[int]] = {}  # titles and headings: each name once in all
    titles = set()
    for title, text in store.passage_texts(SAMPLE_PASSAGES):
        if title not in titles:
            titles.add(title)
            _count(title, headed, in_text=False)
        for line in text.splitlines():  # a line of Title Case words in the text is a heading too
            if _heading(line):
                _count(line, headed, in_text=False)
            else:
                _count(line, counts, in_text=True)
    for key in headed:
        _add(counts, key, 1, in_text=False)
    best: dict[str, tuple[int, tuple[str, ...]]] = {}
    for (acronym, phrase), (n, in_text) in counts.items():
        if n >= MIN_SEEN and in_text and (n, phrase) > best.get(acronym, (0, ())):
            best[acronym] = (n, phrase)
    return {acronym: phrase for acronym, (_, phrase) in best.items()}


def expansions(kb, text: str, words: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(acronym, phrase words) for each acronym typed in `text` that the collection spells out."""
    wanted = [w for w in typed(text) if w in words]
    if not wanted:
        return ()
    with _lock:
        found = _dictionary(kb.store, kb.store.generation)
    return tuple((w, found[w]) for w in wanted if w in found and w not in found[w])


def marked(text: str, expanded) -> str:
    """`text` with each expanded phrase followed by its acronym ("Net Promoter Score nps asks"), so a
    passage spelling the name out holds the query's word; `text` itself when nothing is expanded."""
    lowered = None
    for acronym, longest, pattern in _patterns(expanded):
        lowered = lowered if lowered is not None else text.lower()
        if longest in lowered:  # a substring test first: the pattern costs ~30 us a passage, this ~1
            text = pattern.sub(lambda m: f"{m.group()} {acronym}", text)
    return text


@lru_cache(maxsize=64)
def _patterns(expanded) -> tuple[tuple[str, str, re.Pattern], ...]:
    """Each phrase as (acronym, its longest word, a pattern over the text as written: its words in
    order, anything not a word between)."""
    return tuple((acronym, max(phrase, key=len), phrase_pattern(phrase, re.IGNORECASE)) for acronym, phrase in expanded)


__all__ = ["expansions", "marked", "typed"]
