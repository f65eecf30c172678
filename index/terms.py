"""Which words match a query's: the stems the full-text index keeps, for highlighting and moment scoring.

FTS5 indexes with `porter unicode61 remove_diacritics 2` (index/store/schema.py): words folded to
lower case without accents, then Porter-stemmed. Matching words the same way here means a word that
made a passage match is the word marked in it: "policies" is found by "policy" and highlighted too.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer

# unicode61 splits at anything not a letter or digit, the underscore included.
WORD = re.compile(r"[^\W_]+", re.UNICODE)
# A Snowball stemmer keeps the word it is working on in itself: shared by the server's threads, two
# words stemmed at once corrupt each other (an IndexError, a 500). One stemmer per thread.
_local = threading.local()


def _porter():
    stemmer = getattr(_local, "porter", None)
    if stemmer is None:
        stemmer = _local.porter = snowballstemmer.stemmer("porter")
    return stemmer

def phrase_pattern(words, flags: int = 0) -> re.Pattern:
    """A pattern for the words in order as whole words, anything not a word character between them
    (the exact-name test in index/fusion.py, the spelled-out acronyms in index/acronyms.py)."""
    return re.compile(r"(?<!\w)" + r"\W+".join(map(re.escape, words)) + r"(?!\w)", flags)


# Function words match nearly every passage: in an OR query they only add noise to BM25.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing don down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most my
    myself no nor not now of off on once only or other our ours ourselves out over own same she should so
    some such than that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your yours
    yourself yourselves get got near""".split()
)


@lru_cache(maxsize=65536)  # called for every word of every shown passage: a dict lookup after the first time
def stem(word: str) -> str:
    """The word as the full-text index keys it: lower case, accents dropped, Porter stem."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))
    # FTS5's Porter leaves words under three letters as they are ("as", "us"); Snowball would not.
    return folded if len(folded) < 3 else _porter().stemWord(folded)


def stems(words) -> set[str]:
    """Stems of the words worth matching (one-letter words match everything)."""
    return {stem(w) for w in words if len(w) > 1}


def content_stems(text: str) -> frozenset[str]:
    """Stems of the words of `text` that carry meaning: no function words, none under three letters."""
    return _content_stems(text)


@lru_cache(maxsize=32768)  # every sentence of every shown passage is scored for each query that shows it
def _content_stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in WORD.findall(text.lower()) if len(w) > 2 and w not in STOPWORDS)


__all__ = ["stem", "stems", "content_stems", "STOPWORDS", "WORD"]
