"""Chunking: documents into passages that follow paragraph and sentence boundaries.

Articles: sentences packed into passages of roughly TARGET_WORDS words, never splitting a
sentence, preferring to break at paragraph ends, with one sentence of overlap. Episodes: consecutive
transcript segments packed into roughly 30-60 seconds of speech, keeping their timings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from clout import sentences as splitter
from clout.document import Chunk, Document, EPISODE, Segment

TARGET_WORDS = 150
MAX_WORDS = 220
MIN_WORDS = 60
OVERLAP_WORDS = 35
EPISODE_TARGET_SECONDS = 45.0
EPISODE_MAX_SECONDS = 60.0

_HEADING_MAX_WORDS = 12


@dataclass(frozen=True)
class Sentence:
    start: int  # character offsets in the document text
    end: int
    words: int
    paragraph_end: bool
    heading: bool


def _words(text: str) -> int:
    return len(text.split())


def sentences(text: str) -> list[Sentence]:
    """Sentence spans of `text`, each knowing whether it ends a paragraph or is a heading."""
    out: list[Sentence] = []
    for para in re.finditer(r"[^\n]+", text):
        body = para.group()
        if not body.strip():
            continue
        stripped = body.strip()
        heading = _words(stripped) <= _HEADING_MAX_WORDS and not stripped.endswith((".", ",", ";", ":"))
        pieces = splitter.spans(body)
        for i, (a, b) in enumerate(pieces):
            start, end = para.start() + a, para.start() + b
            out.append(Sentence(start, end, _words(text[start:end]), i == len(pieces) - 1, heading))
    return out


def chunk_text(text: str, title: str = "") -> list[Chunk]:
    """Passages of an article; each carries its title and latest heading as context."""
    sents = sentences(text)
    chunks: list[Chunk] = []
    heading = ""
    i = 0
    while i < len(sents):
        j, words = i, 0
        # Grow to the target, then keep going to the next paragraph end unless that gets too long.
        while j < len(sents):
            if words >= TARGET_WORDS and (sents[j - 1].paragraph_end or words + sents[j].words > MAX_WORDS):
                break
            if words >= MIN_WORDS and words + sents[j].words > MAX_WORDS:
                break
            words += sents[j].words
            j += 1
        group = sents[i:j]
        # A trailing heading belongs with the text that follows it.
        while len(group) > 1 and group[-1].heading and j < len(sents):
            group, j = group[:-1], j - 1
        context = " — ".join(p for p in (title, heading) if p and p not in text[group[0].start : group[-1].end])
        chunks.append(Chunk(len(chunks), text[group[0].start : group[-1].end], group[0].start, group[-1].end, context=context))
        for s in group:
            if s.heading:
                heading = text[s.start : s.end]
        if j >= len(sents):
            break
        # Overlap: start the next passage with the last sentence(s) of this one, if short enough.
        back, overlap = j, 0
        while back - 1 > i and overlap + sents[back - 1].words <= OVERLAP_WORDS and not sents[back - 1].paragraph_end:
            back -= 1
            overlap += sents[back].words
        i = back if back > i else j
    return chunks


def chunk_segments(segments: list[Segment], title: str = "") -> tuple[str, list[Chunk]]:
    """Transcript text joined from segments, and passages of ~45 s that keep segment timings."""
    text_parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for seg in segments:
        piece = seg.text.strip()
        if text_parts:
            pos += 1  # the joining space
        spans.append((pos, pos + len(piece)))
        text_parts.append(piece)
        pos += len(piece)
    text = " ".join(text_parts)
    chunks: list[Chunk] = []
    i = 0
    while i < len(segments):
        j = i
        while j < len(segments):
            length = segments[j].end - segments[i].start
            if j > i and length > EPISODE_MAX_SECONDS:
                break
            j += 1
            ends_sentence = splitter.ends_sentence(segments[j - 1].text, segments[j].text if j < len(segments) else None)
            if length >= EPISODE_TARGET_SECONDS and ends_sentence:
                break
        chunks.append(
            Chunk(
                len(chunks),
                text[spans[i][0] : spans[j - 1][1]],
                spans[i][0],
                spans[j - 1][1],
                start=segments[i].start,
                end=segments[j - 1].end,
                context=title,
                speakers=tuple(dict.fromkeys(s.speaker for s in segments[i:j] if s.speaker)),
            )
        )
        i = j
    return text, chunks


def chunk_document(doc: Document) -> list[Chunk]:
    if doc.kind == EPISODE and doc.segments:
        return chunk_segments(doc.segments, doc.title)[1]
    return chunk_text(doc.text, doc.title)
