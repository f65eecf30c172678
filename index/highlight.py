"""What a result shows: the passage trimmed around its best sentence, and safe markup marking the query's words.

Passage text is scraped and untrusted. `highlight` escapes every character of it and adds only
`<mark>` and `</mark>` of its own, so nothing from a source can become markup in a page.
"""
from __future__ import annotations

import html
import re
from functools import lru_cache

SNIPPET_CHARS = 320

_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*[\"'”’)]*")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "es", "ed", "ly", "s")


@lru_cache(maxsize=65536)  # called for every word of every shown passage: a dict lookup after the first time
def stem(word: str) -> str:
    """A crude stem, enough to mark `executives` for `executive` and `buying` for `buy`."""
    word = word.lower()
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    # "executive" and "executives" (stripped of "es") meet at "executiv".
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def _stems(terms) -> set[str]:
    return {stem(t) for t in terms if len(t) > 1}


def best_sentence(text: str, terms) -> tuple[int, int] | None:
    """Span of the sentence sharing most query words (by stem), earliest on a tie; None if none shares any."""
    stems = _stems(terms)
    best, best_score = None, 0
    for m in _SENTENCE.finditer(text):
        score = len(stems & {stem(w) for w in _WORD.findall(m.group())})
        if score > best_score:
            best, best_score = (m.start(), m.end()), score
    return best


def snippet(text: str, terms, limit: int = SNIPPET_CHARS) -> str:
    """The passage trimmed to about `limit` characters around the sentence that best matches the query."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    span = best_sentence(text, terms)
    start = span[0] if span else 0
    # Start a little before the sentence when it would otherwise end the snippet early.
    start = max(0, min(start, len(text) - limit))
    if start:
        space = text.rfind(" ", 0, start + 1)
        start = space + 1 if space > start - 40 else start
    piece = text[start : start + limit]
    if start + limit < len(text):
        cut = piece.rfind(" ")
        piece = (piece[:cut] if cut > limit // 2 else piece) + " …"
    return ("… " if start > 0 else "") + piece.strip()


def marked(text: str, terms) -> list[tuple[int, int]]:
    """Spans of the words in `text` that match the query terms (by stem): what to highlight."""
    stems = _stems(terms)
    return [m.span() for m in _WORD.finditer(text) if stem(m.group()) in stems]


def highlight(text: str, terms) -> str:
    """HTML-escaped `text` with <mark>…</mark> around the words matching the query terms (by stem)."""
    out, last = [], 0
    for start, end in marked(text, terms):
        out.append(html.escape(text[last:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        last = end
    out.append(html.escape(text[last:]))
    return "".join(out)
