"""What a result shows: the passage trimmed around its best sentence, and safe markup marking the query's words.

Passage text is scraped and untrusted. `highlight` escapes every character of it and adds only
`<mark>` and `</mark>` of its own, so nothing from a source can become markup in a page.
"""
from __future__ import annotations

import html
import re

SNIPPET_CHARS = 320

_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*[\"'”’)]*")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "es", "ed", "ly", "s")


def stem(word: str) -> str:
    """A crude stem, enough to mark `executives` for `executive` and `buying` for `buy`."""
    word = word.lower()
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


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


def highlight(text: str, terms) -> str:
    """HTML-escaped `text` with <mark>…</mark> around the words matching the query terms (by stem)."""
    stems = _stems(terms)
    out, last = [], 0
    for m in _WORD.finditer(text):
        if stem(m.group()) in stems:
            out.append(html.escape(text[last : m.start()]))
            out.append(f"<mark>{html.escape(m.group())}</mark>")
            last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)
