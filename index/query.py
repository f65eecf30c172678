"""What a typed query means: its words, its quoted phrases, and the FTS5 expression that finds them.

Users type anything: one word, a pasted paragraph, a phrase in quotes, or FTS5 syntax by accident
(`"`, `*`, `-`, `:`, `NEAR`, `AND`). Only word characters ever reach FTS5, each word inside its own
double quotes, so no input can be a syntax error or an FTS5 operator.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .terms import STOPWORDS

_WORD = re.compile(r"\w+", re.UNICODE)
_PHRASE = re.compile(r'"([^"]*)"')
# Pasted paragraphs have hundreds of words; BM25 over the first few dozen distinct ones is plenty.
MAX_TERMS = 64

@dataclass(frozen=True)
class Query:
    text: str  # as typed, trimmed
    words: tuple[str, ...]  # distinct lower-case content words, in order
    phrases: tuple[tuple[str, ...], ...]  # quoted phrases that must appear, as word sequences
    # (acronym, phrase words) the collection spells a typed acronym out as (index/acronyms.py): also searched for
    expansions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Passages must hold every word, not any (search.selective, when each word alone is too common)
    every: bool = False

    @property
    def terms(self) -> tuple[str, ...]:
        """Every word worth highlighting: the content words and the words of the phrases."""
        seen = dict.fromkeys(self.words)
        for phrase in (*self.phrases, *(words for _, words in self.expansions)):
            seen.update(dict.fromkeys(phrase))
        return tuple(seen)

    def match_expression(self) -> str:
        """FTS5 expression: any of the words (every one of them when `every`), ranked by BM25; empty
        when nothing is searchable. A typed acronym also matches as the phrase it is spelled out as."""
        words = list(self.words) or [w for phrase in self.phrases for w in phrase]
        spelled = {acronym: " ".join(phrase) for acronym, phrase in self.expansions if acronym in self.words}
        if self.every:
            return " AND ".join(f'("{w}" OR "{spelled[w]}")' if w in spelled else f'"{w}"' for w in words[:MAX_TERMS])
        return " OR ".join(f'"{w}"' for w in words[:MAX_TERMS] + list(spelled.values()))

    def phrase_expression(self) -> str:
        """FTS5 expression every result must satisfy (all quoted phrases); empty when there are none."""
        return " AND ".join('"' + " ".join(p) + '"' for p in self.phrases)


def parse(text: str) -> Query:
    """Split a typed query into content words and quoted phrases; an unbalanced quote is just a character."""
    text = " ".join((text or "").split())
    phrases: list[tuple[str, ...]] = []
    rest = text
    if text.count('"') >= 2:
        for match in _PHRASE.finditer(text):
            words = tuple(w.lower() for w in _WORD.findall(match.group(1)))
            if words and words not in phrases:
                phrases.append(words)
        rest = _PHRASE.sub(" ", text)
    tokens = [w.lower() for w in _WORD.findall(rest)]
    words = [w for w in dict.fromkeys(tokens) if w not in STOPWORDS]
    if not words and not phrases:
        # A query of only function words ("how to", "what is it") still searches, for those words.
        words = list(dict.fromkeys(tokens))
    return Query(text=text, words=tuple(words[:MAX_TERMS]), phrases=tuple(phrases))
