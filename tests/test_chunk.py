"""Chunking follows sentences and paragraphs, keeps offsets and timings; dedup tells versions apart."""
from __future__ import annotations

import itertools

from conftest import SEEDS
from clout.index.chunk import MAX_WORDS, chunk_segments, chunk_text
from clout.ingest.clean import clean_text
from clout.index.dedup import containment, fingerprint, is_near_duplicate
from clout.document import Segment


def seed_texts():
    return [clean_text(p.read_text())[0] for p in sorted(SEEDS.glob("*.txt"))]


def test_chunks_keep_offsets_and_sentence_boundaries():
    for text in seed_texts():
        chunks = chunk_text(text, "Title")
        assert chunks
        for c in chunks:
            assert text[c.char_start : c.char_end] == c.text
            assert len(c.text.split()) <= MAX_WORDS + 40
            assert c.text[0].isupper() or c.text[0] in "“‘\"'(0123456789—"
        covered = set()
        for c in chunks:
            covered.update(range(c.char_start, c.char_end))
        assert len(covered) >= 0.98 * len(text.strip())


def test_most_chunks_are_between_60_and_220_words():
    sizes = [len(c.text.split()) for t in seed_texts() for c in chunk_text(t)]
    assert sum(60 <= s <= 220 for s in sizes) >= 0.8 * len(sizes), sizes


def test_episode_chunks_keep_segment_timings():
    segments = [Segment(i * 5.0, i * 5.0 + 4.5, f"Sentence number {i} is spoken here.") for i in range(40)]
    text, chunks = chunk_segments(segments, "Show")
    assert text.startswith("Sentence number 0")
    for c in chunks:
        assert text[c.char_start : c.char_end] == c.text
        assert 30 <= c.end - c.start <= 60 or c is chunks[-1]
    assert chunks[0].start == 0.0 and chunks[-1].end == segments[-1].end


def test_two_versions_of_one_article_are_near_duplicates_and_others_are_not():
    texts = seed_texts()
    prints = [fingerprint(t) for t in texts]
    assert is_near_duplicate(prints[0], prints[1])
    assert containment(prints[0], prints[1]) > 0.7
    for i, j in itertools.combinations(range(len(texts)), 2):
        if {i, j} != {0, 1}:
            assert not is_near_duplicate(prints[i], prints[j]), (i, j)


def test_cleaning_keeps_the_body_and_finds_the_date():
    text, found = clean_text((SEEDS / "004_1b3366bba3d7188a.txt").read_text())
    assert found["date"] == "Sep 22, 2017"
    assert "Determine your stakeholder groups." in text
    assert "You May Also Like" not in text and "Share This" not in text
