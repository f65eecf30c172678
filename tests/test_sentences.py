"""One sentence splitter: abbreviations, decimals, initials, quotes and unpunctuated transcripts."""
from __future__ import annotations

import pytest

from clout.document import Segment
from clout.index.chunk import chunk_segments, sentences
from clout.index.highlight import best_sentence
from clout.index.moments import best_start
from clout.ingest.captions import merge_fragments
from clout.ingest.transcribe import sentences_from_words
from clout.sentences import ends_sentence, spans, split


@pytest.mark.parametrize("text, expected", [
    ("Mr. Smith met Mrs. Jones and Dr. Who. They talked.",
     ["Mr. Smith met Mrs. Jones and Dr. Who.", "They talked."]),
    ("The U.S. economy grew. Prices fell.", ["The U.S. economy grew.", "Prices fell."]),
    ("The U.S. Senate voted on it. It passed.", ["The U.S. Senate voted on it.", "It passed."]),
    ("Most of it is made in the U.S. The rest is imported.",
     ["Most of it is made in the U.S.", "The rest is imported."]),
    ("Bring proof, e.g. Numbers, i.e. Facts. Then ask.", ["Bring proof, e.g. Numbers, i.e. Facts.", "Then ask."]),
    ("Pens, paper, etc. are supplied. Bring a laptop.", ["Pens, paper, etc. are supplied.", "Bring a laptop."]),
    ("Sales vs. Marketing is old. St. Louis agrees.", ["Sales vs. Marketing is old.", "St. Louis agrees."]),
    ("Growth was 3.5 percent in 2.0 years. Then 4.", ["Growth was 3.5 percent in 2.0 years.", "Then 4."]),
    ("J. R. R. Tolkien wrote it. We read it.", ["J. R. R. Tolkien wrote it.", "We read it."]),
    ("We chose plan B. The team agreed.", ["We chose plan B.", "The team agreed."]),
    ('She said "No." Then she left. (He stayed.) Fine.',
     ['She said "No."', "Then she left.", "(He stayed.)", "Fine."]),
    ("Really?! Yes. Is it “done?” Maybe.", ["Really?!", "Yes.", "Is it “done?”", "Maybe."]),
    ("Wait... what? I thought… But no.", ["Wait... what?", "I thought…", "But no."]),
    ("so we said okay and then we just kept going for years", ["so we said okay and then we just kept going for years"]),
    ("A heading\nThe body. More body.", ["A heading", "The body.", "More body."]),
])
def test_split(text, expected):
    assert split(text) == expected


def test_spans_are_offsets_into_the_text_verbatim():
    text = "  Mr. Brown paid $3.50.   The U.S. office closed.\n\nDone!  "
    got = spans(text)
    assert [text[a:b] for a, b in got] == ["Mr. Brown paid $3.50.", "The U.S. office closed.", "Done!"]
    assert all(text[a] != " " and text[b - 1] != " " for a, b in got)
    assert spans("") == [] and spans("   \n ") == []


def test_ends_sentence_with_and_without_the_next_words():
    assert ends_sentence("Thanks.") and ends_sentence("Why?") and ends_sentence('he said "go."')
    assert not ends_sentence(" Mr.") and not ends_sentence("Dr.", " Jones") and not ends_sentence("J.", "R.")
    assert not ends_sentence("the U.S.", "economy") and ends_sentence("the U.S.", "The")
    assert ends_sentence("the U.S.")  # nothing known after it: the end of what was said
    assert not ends_sentence("wait...", "what") and not ends_sentence("no punctuation")


def test_every_caller_keeps_mr_and_us_inside_the_sentence():
    words = [Segment(i * 0.3, i * 0.3 + 0.25, w) for i, w in enumerate(
        " Mr. Smith went to the U.S. office. He left.".replace(" ", " |").split("|")[1:])]
    assert [s.text for s in sentences_from_words(words)] == ["Mr. Smith went to the U.S. office.", "He left."]
    cues = [Segment(1, 2, "We asked Mr."), Segment(2, 3, "Lee about it."), Segment(3, 4, "He said yes.")]
    assert [s.text for s in merge_fragments(cues)] == ["We asked Mr. Lee about it.", "He said yes."]
    assert best_start([(0, 2, "Welcome."), (2, 4, "We asked Mr."), (4, 6, "Lee about budgets.")], "budgets") == 2
    article = "Dr. Ng ran the U.S. pilot. It worked."
    assert [article[s.start : s.end] for s in sentences(article)] == ["Dr. Ng ran the U.S. pilot.", "It worked."]
    text, chunks = chunk_segments([Segment(0, 50, "It began with Mr."), Segment(50, 55, "Lee.")])
    assert len(chunks) == 1 and chunks[0].text == "It began with Mr. Lee."
    assert best_sentence("Intro here. Mr. Lee sets budgets. Bye.", ["lee"]) == (12, 33)
