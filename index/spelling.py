"""Typos forgiven: a query word the collection never uses is replaced by the nearest word it does use.

The dictionary is the collection's own vocabulary (symspellpy, edit distance ≤ 2), built once per
store generation from a sample of its passages; a word is changed only when no passage holds it
(asked of the full-text index, so a rare word outside the sample is never "corrected"), it is not an
English word (the 82k-word list that ships inside symspellpy: "mapping" is not made "making" in a
collection that never says mapping; a variant spelling by a doubled letter, "guerilla" for the
collection's "guerrilla", still is), it has at least MIN_LENGTH letters, and a known word is within
reach. Correctly spelled queries are unchanged.
"""
from __future__ import annotations

import re
import threading
from functools import lru_cache

_WORD = re.compile(r"\w+", re.UNICODE)
_LETTERS = re.compile(r"[^\W\d_]+$", re.UNICODE)
SAMPLE_PASSAGES = 20_000
MIN_LENGTH = 4
MAX_DISTANCE = 2
_lock = threading.Lock()


@lru_cache(maxsize=4)
def _dictionary(store, generation: int):
    from symspellpy import SymSpell

    counts: dict[str, int] = {}
    for title, text in store.passage_texts(SAMPLE_PASSAGES):
        for word in _WORD.findall(f"{title} {text}".lower()):
            if len(word) >= MIN_LENGTH - 1 and _LETTERS.match(word):
                counts[word] = counts.get(word, 0) + 1
    speller = SymSpell(max_dictionary_edit_distance=MAX_DISTANCE, prefix_length=7)
    for word, n in counts.items():
        speller.create_dictionary_entry(word, n)
    return speller


@lru_cache(maxsize=1)
def _english() -> frozenset[str]:
    from importlib.resources import files

    text = files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt").read_text(encoding="utf-8")
    return frozenset(line.split(" ", 1)[0] for line in text.splitlines() if line)


def _known(store, word: str) -> bool:
    from .search import _passages_with

    return _passages_with(store, store.generation, word, 1) > 0  # one passage is enough to know it


def suggestion(kb, word: str) -> str | None:
    """The collection's word nearest to `word`, or None when `word` is fine or nothing is near."""
    word = word.lower()
    if len(word) < MIN_LENGTH or not _LETTERS.match(word) or _known(kb.store, word):
        return None
    from symspellpy import Verbosity

    with _lock:
        speller = _dictionary(kb.store, kb.store.generation)
    found = speller.lookup(word, Verbosity.CLOSEST, max_edit_distance=MAX_DISTANCE)
    if not found or found[0].term == word:
        return None
    better = found[0].term
    if word in _english() and _single(better) != _single(word):
        return None  # a real word the collection does not use is what the user meant
    return better


def _single(word: str) -> str:
    return re.sub(r"(.)\1+", r"\1", word)


def corrected(kb, text: str) -> str | None:
    """The query with its unknown words replaced (as typed otherwise), or None when nothing changed."""
    changed = False

    def fix(match: re.Match) -> str:
        nonlocal changed
        better = suggestion(kb, match.group())
        if better is None:
            return match.group()
        changed = True
        return better.capitalize() if match.group()[:1].isupper() else better

    out = _WORD.sub(fix, text)
    return out if changed else None
