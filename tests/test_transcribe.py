"""Transcription with the real bundled tiny.en model on real speech; decoding and caption formats."""
from __future__ import annotations

import json
import re

import jiwer
import numpy as np
import pytest

from conftest import DATA
from clout.ingest.captions import format_captions, parse_captions
from clout.ingest.decode import DecodeError, decode
from clout.document import Segment
from clout.ingest.errors import IngestError
from clout.ingest.transcribe import sentences_from_words, transcribe
from clout.index.moments import best_start

AUDIO = DATA / "audio"
REFERENCE = json.loads((AUDIO / "transcripts.json").read_text())


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z']+", text.lower()))


@pytest.fixture(scope="module")
def jfk():
    return transcribe(decode(AUDIO / "jfk.flac", 3600))


def test_jfk_matches_the_reference_with_its_timing(jfk):
    text = " ".join(s.text for s in jfk.segments)
    assert jiwer.wer(_words(REFERENCE["jfk.flac"]["reference"]), _words(text)) < 0.1
    assert jfk.language == "en" and abs(jfk.duration - 11.0) < 0.1
    assert jfk.segments[0].start < 1.0
    assert 10.0 < jfk.segments[-1].end <= 11.0


def test_word_timings_place_americans_at_1_8_seconds(jfk):
    americans = next(w for w in jfk.words if "Americans" in w.text)
    assert americans.start <= 1.8 <= americans.end + 0.3
    assert all(w.start <= w.end for w in jfk.words)


@pytest.mark.parametrize("name", ["wcpp_jfk.mp3", "wcpp_jfk.wav"])
def test_other_containers_decode_to_the_same_speech(name):
    audio = decode(AUDIO / name, 3600)
    assert abs(len(audio) / 16000 - 11.0) < 0.1
    text = " ".join(s.text for s in transcribe(audio).segments)
    assert jiwer.wer(_words(REFERENCE["jfk.flac"]["reference"]), _words(text)) < 0.15


def test_silence_is_not_sent_to_the_model():
    result = transcribe(np.zeros(16000 * 600, dtype=np.float32))
    assert result.segments == [] and result.duration == 600


@pytest.mark.parametrize(
    "content, message",
    [(b"", "empty"), (b"This is a text file, not audio at all.\n" * 20, "cannot be decoded"),
     (bytes(range(256)) * 40, "cannot be decoded")],
    ids=["zero-length", "text-as-mp3", "garbage"],
)
def test_undecodable_files_raise_one_clear_reason(tmp_path, content, message):
    path = tmp_path / "episode.mp3"
    path.write_bytes(content)
    with pytest.raises(DecodeError, match=message):
        decode(path, 3600)


def test_audio_over_the_length_limit_is_refused():
    with pytest.raises(DecodeError, match="longer than"):
        decode(AUDIO / "jfk.flac", 5)


def test_segments_end_at_sentences_pauses_or_a_length_limit():
    words = [Segment(0, 0.5, " Hello"), Segment(0.5, 1, " there."), Segment(1.1, 1.5, " After"),
             Segment(4, 4.5, " pause"), Segment(4.5, 5, " ends")]
    assert [s.text for s in sentences_from_words(words)] == ["Hello there.", "After", "pause ends"]
    long = [Segment(i * 0.5, i * 0.5 + 0.4, " word") for i in range(60)]
    assert all(s.end - s.start <= 15 for s in sentences_from_words(long))


VTT = """WEBVTT

00:00:01.000 --> 00:00:03.500
<v Host>Welcome to the show about

00:00:03.500 --> 00:00:05.000
winning internal support.

1:02:03.250 --> 1:02:05.000
Goodbye &amp; thanks.
"""
SRT = "1\r\n00:00:01,000 --> 00:00:04,000\r\nFirst line.\r\n\r\n2\r\n00:00:05,000 --> 00:00:06,500\r\nSecond.\r\n"


def test_publisher_formats_read_into_sentence_segments():
    vtt = parse_captions(VTT.encode(), "vtt", "t.vtt")
    # The voice tag is kept, and an untagged cue after it is the same voice still speaking.
    assert vtt == [Segment(1.0, 5.0, "Welcome to the show about winning internal support.", "Host"),
                   Segment(3723.25, 3725.0, "Goodbye & thanks.", "Host")]
    assert parse_captions(SRT.encode(), "srt", "t.srt") == [Segment(1, 4, "First line."), Segment(5, 6.5, "Second.")]
    body = {"version": "1.0.0", "segments": [{"startTime": 0.5, "endTime": 2, "body": "From JSON."}]}
    assert parse_captions(json.dumps(body).encode(), "json", "t.json") == [Segment(0.5, 2, "From JSON.")]
    with pytest.raises(IngestError, match="no timed text"):
        parse_captions(b"WEBVTT\n\nnothing timed here", "vtt", "t.vtt")


@pytest.mark.parametrize("fmt", ["vtt", "srt", "json"])
def test_exported_transcripts_read_back_the_same(fmt):
    segments = [Segment(0.0, 2.25, "One sentence."), Segment(2.5, 3725.5, "Another --> one.")]
    again = parse_captions(format_captions(segments, fmt, "T").encode(), fmt, "x")
    assert [(s.start, s.end) for s in again] == [(0.0, 2.25), (2.5, 3725.5)]
    assert again[0].text == "One sentence."


def test_best_start_is_where_the_matching_sentence_begins():
    segments = [(10.0, 14.0, "Welcome back to the show."), (14.5, 20.0, "Budgets follow the money,"),
                (20.0, 25.0, "so show executives the money first."), (25.5, 30.0, "Thanks for listening.")]
    assert best_start(segments, "show executives the money") == 14.5  # the sentence began a cue earlier
    assert best_start(segments, "welcome back") == 10.0
    assert best_start([], "anything") is None
