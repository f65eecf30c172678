"""Where a sentence ends: the one splitter that chunking, transcripts, captions, moments and snippets use.

A full stop ends a sentence unless it closes an abbreviation ("Mr.", "e.g.", "U.S."), an initial
("J. R. R. Tolkien") or sits inside a number ("3.5"). "?", "!", "…" and "..." end one, as does any
of them followed by closing quotes or brackets. The next word must not start in lower case: "wait...
what?" is one sentence. A line break always ends one (the chunker treats each line as a paragraph).
Text without punctuation, as some transcripts are, is one sentence per line.
"""
from __future__ import annotations

import re

# Words that are always followed by more of the same sentence: titles before a name, Latin lead-ins.
_NEVER_LAST = frozenset("mr mrs ms mx dr prof vs cf e.g i.e viz approx fig figs vol pp".split())
# Abbreviations that may also close a sentence ("... made in the U.S. The next ..."): a sentence
# ends after them only when the next word is one that usually starts a sentence.
_MAYBE_LAST = frozenset(
    "etc u.s u.k u.n e.u inc ltd co corp bros al a.m p.m st mt sr jr rev fr capt lt sgt gov sen".split()
)
_STARTERS = frozenset(
    """the a an it its this that these those there then we i you he she they but and so or if in on at
    as for after before when while what why how who our my his her their one some many most now yet still
    however also here all no not meanwhile later today""".split()
)
_CLOSERS = "\"'”’)]»"
_OPENERS = "\"'“‘([«"
# A run of terminators with its closing quotes/brackets, then space or the end of the line.
_END = re.compile(rf"[.!?…]+[{re.escape(_CLOSERS)}]*(?=\s|$)")
_TAIL = re.compile(rf"[.!?…]+[{re.escape(_CLOSERS)}]*$")  # the same run, ending a word or cue
_ACRONYM = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")  # "U.S", "e.g", "a.m": letters joined by dots
_LINE = re.compile(r"[^\n]+")


def _first_word(text: str) -> str:
    return text.lstrip().lstrip(_OPENERS).split(" ", 1)[0]


def _is_end(before: str, terminator: str, after: str | None) -> bool:
    """Whether `terminator` after the text `before` ends a sentence, given the text `after` it
    (None when it is unknown, as for the last word heard so far)."""
    nxt = _first_word(after) if after is not None else ""
    if nxt[:1].islower():
        return False
    if terminator.rstrip(_CLOSERS) != ".":
        return True  # "?", "!", "…", "...", "?!"
    token = before.rsplit(None, 1)[-1].lstrip(_OPENERS) if before.strip() else ""
    word = token.lower()
    if not word:
        return True  # a full stop on its own, as a transcriber sometimes gives it
    if word in _NEVER_LAST:
        return False
    starts = nxt.lower().strip(".,;:!?") in _STARTERS and not re.fullmatch(r"\w\.", nxt)
    if len(token) == 1 and token.isupper():  # an initial, unless a plain sentence follows: "plan B. The"
        return starts
    if word in _MAYBE_LAST or _ACRONYM.fullmatch(token):
        return after is None or starts
    return True


def ends_sentence(text: str, following: str | None = None) -> bool:
    """Whether `text` (a word, a caption cue, a segment) ends a sentence, given the text that comes
    next when it is known."""
    text = text.rstrip()
    m = _TAIL.search(text)
    return bool(m) and _is_end(text[: m.start()], m.group(), following)


def spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence of `text`, without the spaces around it, in order."""
    out: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        body, cuts = line.group(), [0]
        for m in _END.finditer(body):
            if m.end() < len(body) and _is_end(body[cuts[-1] : m.start()], m.group(), body[m.end() :]):
                cuts.append(m.end())
        cuts.append(len(body))
        for a, b in zip(cuts, cuts[1:]):
            piece = body[a:b]
            if piece.strip():
                lead = len(piece) - len(piece.lstrip())
                out.append((line.start() + a + lead, line.start() + a + len(piece.rstrip())))
    return out


def split(text: str) -> list[str]:
    """The sentences of `text`, each trimmed of surrounding space."""
    return [text[a:b] for a, b in spans(text)]


__all__ = ["split", "spans", "ends_sentence"]
