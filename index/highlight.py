"""What a result shows: the passage trimmed around its answering sentence, and safe markup marking the query's words.

Passage text is scraped and untrusted. `highlight` escapes every character of it and adds only
`<mark>` and `</mark>` of its own, so nothing from a source can become markup in a page.
"""
from __future__ import annotations

import html

from clout.sentences import spans

from .terms import WORD, stem, stems

SNIPPET_CHARS = 320


def best_sentence(text: str, terms) -> tuple[int, int] | None:
    """Span of the sentence sharing most query words (by stem), then most in the very form typed,
    earliest on a tie; None if none shares any."""
    wanted, typed = stems(terms), {t.lower() for t in terms}
    best, best_score = None, (0, 0)
    for a, b in spans(text):
        words = {w.lower() for w in WORD.findall(text[a:b])}
        score = (len(wanted & {stem(w) for w in words}), len(typed & words))
        if score > best_score:
            best, best_score = (a, b), score
    return best if best_score[0] else None


def snippet(text: str, terms, limit: int = SNIPPET_CHARS, around: str | None = None) -> str:
    """The passage trimmed to about `limit` characters around a sentence: `around` when given (search
    passes the sentence that answers, index/moments.py), else the one sharing most query words."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    found = text.find(" ".join(around.split())) if around else -1
    if found >= 0:
        start = found
    else:
        span = best_sentence(text, terms)
        start = span[0] if span else 0
    # Start a little before the sentence when it would otherwise end the snippet early, at a word:
    # the next one, so that the passage's end (and the sentence) still fits.
    start = max(0, min(start, len(text) - limit))
    if start and text[start - 1] != " ":
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 40 else start
    piece = text[start : start + limit]
    if start + limit < len(text):
        cut = piece.rfind(" ")
        piece = (piece[:cut] if cut > limit // 2 else piece) + " …"
    return ("… " if start > 0 else "") + piece.strip()


def marked(text: str, terms) -> list[tuple[int, int]]:
    """Spans of the words in `text` that match the query terms (by stem): what to highlight."""
    wanted = stems(terms)
    return [m.span() for m in WORD.finditer(text) if stem(m.group()) in wanted]


def highlight(text: str, terms) -> str:
    """HTML-escaped `text` with <mark>…</mark> around the words matching the query terms (by stem)."""
    out, last = [], 0
    for start, end in marked(text, terms):
        out.append(html.escape(text[last:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        last = end
    out.append(html.escape(text[last:]))
    return "".join(out)
