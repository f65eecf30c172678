"""Who said it: names from feeds and transcripts, voices found in real audio, voiceprints across a show's
episodes, chapters (the publisher's and Clout's own), on every surface and in every export.

The conversations are real audio spoken by two synthesisers (tests/conversations.py); the
two-channel clip is the real recording from ../shared/data/audio/.
"""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import conversations
from conftest import DATA, clout
from clout.document import Person, Segment, Voiceprint
from clout.ingest.captions import format_captions, parse_captions
from clout.ingest.chapters import format_chapters, parse_chapters
from clout.ingest.diarize import Diarization, Voice
from clout.ingest.errors import IngestError
from clout.ingest.feeds import parse_feed
from clout.ingest.speakers import heard_name, name_voices

PODCAST_NS = 'xmlns:podcast="https://podcastindex.org/namespace/1.0"'


def feed(items: str, channel: str = "") -> str:
    return f"""<?xml version="1.0"?>
<rss version="2.0" {PODCAST_NS}><channel><title>Inside Support</title><language>en</language>{channel}{items}</channel></rss>"""


def item(guid: str, title: str, enclosure: str, date: str, extra: str = "") -> str:
    return (f"<item><title>{title}</title><guid>{guid}</guid><pubDate>{date}</pubDate>"
            f'<enclosure url="{enclosure}" type="audio/wav"/>{extra}</item>')


def person(name: str, role: str) -> str:
    return f'<podcast:person role="{role}" group="cast">{name}</podcast:person>'


def documents(data_dir) -> dict:
    from clout.index.kb import KnowledgeBase

    kb = KnowledgeBase(data_dir, readonly=True)
    return {doc.source: doc for doc in kb.store.documents()}


def api(data_dir):
    from clout.index.kb import KnowledgeBase
    from clout.settings import Settings
    from clout.web import create_app

    return create_app(Settings(data_dir=data_dir), KnowledgeBase(data_dir, readonly=True)).test_client()


# -- names from sources ---------------------------------------------------------------------------


def test_every_podcast_person_and_transcript_of_an_item_is_read(tmp_path):
    xml = feed(
        item("ep1", "One", "one.wav", "Mon, 03 Jun 2024 09:00:00 +0000",
             person("Dana Okafor", "host") + person("Sam Rivera", "guest")
             + '<podcast:transcript url="one.vtt" type="text/vtt"/>'
             + '<podcast:transcript url="one.json" type="application/json"/>'
             + '<podcast:transcript url="one.html" type="text/html"/>'
             + '<podcast:chapters url="one.chapters.json" type="application/json+chapters"/>')
        + item("ep2", "Two", "two.wav", "Mon, 10 Jun 2024 09:00:00 +0000"),
        channel=person("Channel Host", "host") + person("Pat Producer", "producer"),
    )
    parsed = parse_feed(xml.encode(), "feed.xml")
    one, two = parsed.entries
    assert one.people == (Person("Dana Okafor", "host"), Person("Sam Rivera", "guest"))
    assert two.people == (Person("Channel Host", "host"), Person("Pat Producer", "producer"))  # the channel's
    assert [t.url for t in one.transcripts] == ["one.vtt", "one.json", "one.html"]  # feedparser keeps only the last
    assert one.chapters_url == "one.chapters.json"

    from clout.ingest.podcast import discover_feed
    from clout.ingest.sources import Context, Options
    from clout.settings import Settings

    (tmp_path / "feed.xml").write_text(xml)
    items = list(discover_feed(xml.encode(), str(tmp_path / "feed.xml"), Context(Settings(data_dir=tmp_path), Options())))
    first = next(i for i in items if i.hint["guid"] == "ep1")
    # Timed formats only, JSON first; the HTML transcript is left to Clout's own timed one.
    assert [ref.rsplit("/", 1)[-1] for ref, _ in first.hint["transcripts"]] == ["one.json", "one.vtt"]
    assert first.hint["people"] == (("Dana Okafor", "host"), ("Sam Rivera", "guest"))


def test_podcast_person_in_a_real_podcasting_2_feed():
    parsed = parse_feed((DATA / "feeds" / "partytime__pc20rss.xml").read_bytes(), "pc20rss.xml")
    first = parsed.entries[0]
    assert ("Adam Curry", "host") in [(p.name, p.role) for p in first.people]
    assert ("Brian of London", "guest") in [(p.name, p.role) for p in first.people]
    assert first.chapters_url.startswith("http") and first.transcripts
    malformed = parse_feed((DATA / "feeds" / "partytime__no-agenda.xml").read_bytes(), "no-agenda.xml")
    assert any(e.people for e in malformed.entries)  # recovered despite the undefined entity


def test_voice_tags_json_speakers_and_srt_names_survive_a_round_trip():
    vtt = (b"WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Dana Okafor>Welcome to the show,\n\n"
           b"00:00:03.000 --> 00:00:05.000\n<v Dana Okafor>my guest is Sam.\n\n"
           b"00:00:05.000 --> 00:00:07.000\n<v.loud Sam Rivera>Thanks &amp; hello <b>there</b>.\n")
    segments = parse_captions(vtt, "vtt", "x.vtt")
    # Fragments of one speaker's sentence join; two speakers never do.
    assert segments == [Segment(1.0, 5.0, "Welcome to the show, my guest is Sam.", "Dana Okafor"),
                        Segment(5.0, 7.0, "Thanks & hello there.", "Sam Rivera")]
    written = format_captions(segments, "vtt")
    assert "<v Dana Okafor>Welcome" in written and "Thanks &amp; hello" in written
    for fmt in ("vtt", "srt", "json"):
        assert parse_captions(format_captions(segments, fmt).encode(), fmt, "x") == segments, fmt
    assert "Sam Rivera: Thanks & hello there." in format_captions(segments, "srt")
    once = parse_captions(b"1\n00:00:01,000 --> 00:00:02,000\nNote: this is not a speaker.\n", "srt", "x.srt")
    assert once[0].speaker == "" and once[0].text.startswith("Note:")


def test_a_heard_name_matches_a_person_as_whisper_spells_it():
    people = [Person("Dana Okafor", "host"), Person("Priya Nair", "guest")]
    assert heard_name("Donna Okefer, and this week", people).name == "Dana Okafor"
    assert heard_name("Priya Nair, a director", people).name == "Priya Nair"
    assert heard_name("glad to be here", people) is None


def _diarization(turns: list[tuple[int, str]]) -> Diarization:
    words, labels, t = [], [], 0.0
    for voice, text in turns:
        for w in text.split():
            words.append(Segment(t, t + 0.3, " " + w))
            labels.append(voice)
            t += 0.4
        t += 1.0
    first = {v: next(w.start for w, label in zip(words, labels) if label == v) for v in set(labels)}
    vectors = {0: np.eye(4, dtype=np.float32)[0], 1: np.eye(4, dtype=np.float32)[1], 2: np.eye(4, dtype=np.float32)[2]}
    voices = [Voice(v, vectors[v], 10.0, first[v]) for v in sorted(first)]
    return Diarization(words, labels, voices)


def test_voices_are_named_by_introductions_roles_and_voiceprints():
    people = [Person("Dana Okafor", "host"), Person("Sam Rivera", "guest")]
    # The guest speaks first and introduces herself; the host is named by her role.
    heard = _diarization([(0, "Hi, I'm Sam Rivera and I am early today."), (1, "Welcome, everyone.")])
    assert name_voices(heard, people) == {0: "Sam Rivera", 1: "Dana Okafor"}
    # Introduced by the host: the next voice is the guest, even with a listed producer.
    heard = _diarization([(0, "My guest today is Sam Rivera from a bank."), (1, "Thanks."), (0, "So.")])
    assert name_voices(heard, people + [Person("Pat Producer", "producer")]) == {0: "Dana Okafor", 1: "Sam Rivera"}
    # Nobody listed: numbers in order of first appearance, whatever the transcript says.
    heard = _diarization([(1, "I'm Sam Rivera."), (0, "Hello.")])
    assert name_voices(heard, []) == {1: "Speaker 1", 0: "Speaker 2"}
    # A stored print names a voice the feed does not list; one that sounds like nobody stays a number.
    from clout.ingest import voices

    prints = [Voiceprint("Dana Okafor", tuple(np.eye(4)[0]), 30.0, voices.NAME)]
    heard = _diarization([(0, "Hello again."), (2, "Hi.")])
    assert name_voices(heard, [], prints) == {0: "Dana Okafor", 2: "Speaker 1"}


# -- chapters --------------------------------------------------------------------------------------


def test_json_chapters_are_read_leniently_and_written_back():
    data = json.dumps({"version": "1.2.0", "chapters": [
        {"startTime": 95.5, "title": "Getting finance on side", "img": "x.jpg"},
        {"startTime": 0, "title": "Introduction"},
        {"startTime": 40, "title": "Hidden", "toc": False},
        {"startTime": "soon", "title": "Bad time"},
        {"startTime": 120},
    ]}).encode()
    chapters = parse_chapters(data, "c.json")
    assert [(c.start, c.title) for c in chapters] == [(0, "Introduction"), (95.5, "Getting finance on side")]
    assert parse_chapters(format_chapters(chapters).encode(), "x") == chapters
    with pytest.raises(IngestError, match="no chapters"):
        parse_chapters(b'{"chapters": []}', "c.json")
    with pytest.raises(IngestError, match="cannot be read"):
        parse_chapters(b"{nope", "c.json")


def test_made_chapters_start_where_the_topic_changes_and_quote_the_episode():
    """Real embeddings of three topics, five passages each: two boundaries, titled by their own sentences."""
    from clout.document import Chunk
    from clout.index.chapters import make_chapters
    from clout.index.embed import Embedder

    topics = [
        "Finance wants to see the cost of repeat calls before it funds a support project.",
        "Map your stakeholders on a grid of power and interest before a big change.",
        "Bake sourdough bread with a starter, flour, water and a long slow rise.",
    ]
    segments, chunks = [], []
    for t, topic in enumerate(topics):
        for i in range(5):
            start = (t * 5 + i) * 45.0
            text = f"{topic} Point {i} on this." if i else topic
            segments.append(Segment(start, start + 40, text))
            chunks.append(Chunk(len(chunks), text, 0, len(text), start, start + 40))
    embedder = Embedder()
    chapters = make_chapters(segments, chunks, embedder.encode([c.text for c in chunks]), embedder.encode)
    assert [c.start for c in chapters] == [0.0, 225.0, 450.0]
    # Never invented text: each title is a sentence of its chapter, at most shortened at a word.
    for chapter, topic in zip(chapters, topics):
        own = [s.text for s in segments if s.text.startswith(topic)]
        assert any(text.startswith(chapter.title.rstrip("…")) for text in own) and len(chapter.title) <= 80, chapter


# -- a store from before speakers -------------------------------------------------------------------


def test_a_store_written_before_speakers_is_upgraded_in_place(tmp_path):
    import sqlite3

    from clout.index.store import Store
    from clout.index.store.schema import SCHEMA_VERSION

    path = tmp_path / "clout.db"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', '1'), ('generation', '3');
        CREATE TABLE segments (document_id INTEGER NOT NULL, position INTEGER NOT NULL, start REAL NOT NULL,
                               end REAL NOT NULL, text TEXT NOT NULL, PRIMARY KEY (document_id, position));
        INSERT INTO segments VALUES (1, 0, 0.5, 2.0, 'Kept as it was.');
    """)
    old.commit()
    old.close()
    Store(path, readonly=True).close()  # a server opening it first upgrades it
    store = Store(path)
    assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
    assert store.segments(1) == [Segment(0.5, 2.0, "Kept as it was.", "")]
    assert store.voiceprints("any show") == []


# -- real audio: two voices, two channels -------------------------------------------------------------


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    """The conversations as WAV files with their reference turns (espeak-ng is installed by `make test`)."""
    assert conversations.espeak_available(), "espeak-ng is not installed: `make test` installs it (make voices)"
    folder = tmp_path_factory.mktemp("conversations")
    return {name: (folder / f"{name}.wav", conversations.build(conversations.CONVERSATIONS[name], folder / f"{name}.wav"))
            for name in ("finance", "executives")}


def _one_voice_each(segments, turns, slack: float = 0.35) -> bool:
    """No segment spans two reference speakers (beyond a word's worth of timing slack)."""
    for s in segments:
        heard = {t.speaker for t in turns if min(s.end, t.end) - max(s.start, t.start) > slack}
        if len(heard) > 1:
            return False
    return True


@pytest.mark.slow
def test_a_two_voice_episode_is_diarized_named_searched_and_exported(spoken, tmp_path, data_dir):
    show = tmp_path / "show"
    show.mkdir()
    shutil.copy(spoken["finance"][0], show / "finance.wav")
    shutil.copy(spoken["executives"][0], show / "executives.wav")
    (show / "feed.xml").write_text(feed(item(
        "ep1", "Getting finance on side", "finance.wav", "Mon, 03 Jun 2024 09:00:00 +0000",
        person("Dana Okafor", "host") + person("Sam Rivera", "guest"),
    )))
    result = clout("ingest", str(show / "feed.xml"), data_dir=data_dir)
    assert result.exit_code == 0, result.output
    doc = documents(data_dir)[str(show / "finance.wav")]
    turns = spoken["finance"][1]
    accuracy = conversations.score(turns, doc.segments, named=True)
    print(f"finance: {accuracy:.3f} of the speech carries the right name")
    assert accuracy >= 0.95
    assert _one_voice_each(doc.segments, turns)
    assert [(p.name, p.role) for p in doc.people] == [("Dana Okafor", "host"), ("Sam Rivera", "guest")]

    hits = json.loads(clout("search", "--json", "-k", "3", "how did you get the finance team on your side",
                            data_dir=data_dir).output)["results"]
    assert hits[0]["speaker"] == "Dana Okafor" and hits[0]["chapter"]
    answer = json.loads(clout("search", "--json", "finance team", "--speaker", "sam rivera", data_dir=data_dir).output)
    sam = answer["results"][0]
    assert sam["speaker"] == "Sam Rivera"
    assert any(t.speaker == "Sam Rivera" and t.start - 1 <= sam["start"] <= t.end for t in turns)
    nobody = json.loads(clout("search", "--json", "finance", "--speaker", "Priya Nair", data_dir=data_dir).output)
    assert nobody["results"] == []

    client = api(data_dir)
    body = client.get(f"/api/documents/{doc.id}").get_json()
    assert body["people"] == [{"name": "Dana Okafor", "role": "host"}, {"name": "Sam Rivera", "role": "guest"}]
    assert {s["speaker"] for s in body["segments"]} == {"Dana Okafor", "Sam Rivera"}
    assert body["chapters"] and body["chapters"][0]["start"] < 1.0
    found = client.get("/api/search?q=repeat+calls&speaker=Sam+Rivera").get_json()["results"]
    assert found and found[0]["speaker"] == "Sam Rivera"
    page = client.get("/?q=repeat+calls").text
    assert "Sam Rivera, 0:" in page and "▶" in page
    assert 'class="facet" href="/?q=repeat+calls&amp;speaker=Sam+Rivera"' in page
    transcript = client.get(f"/documents/{doc.id}").text
    assert '<strong class="speaker">Sam Rivera</strong>' in transcript and 'class="chapters"' in transcript

    vtt = clout("transcript", str(doc.id), "--format", "vtt", data_dir=data_dir).output
    assert "<v Dana Okafor>" in vtt and "<v Sam Rivera>" in vtt
    srt = clout("transcript", str(doc.id), "--format", "srt", data_dir=data_dir).output
    assert "\nSam Rivera: " in srt
    chapters = json.loads(clout("transcript", str(doc.id), "--format", "chapters", data_dir=data_dir).output)
    assert chapters["version"] == "1.2.0" and chapters["chapters"][0]["title"] in doc.text

    # The next episode lists nobody: Dana is known by her voice; the guest nothing names is a number.
    (show / "feed.xml").write_text(feed(item(
        "ep2", "What executives want", "executives.wav", "Mon, 10 Jun 2024 09:00:00 +0000",
    ) + item("ep1", "Getting finance on side", "finance.wav", "Mon, 03 Jun 2024 09:00:00 +0000",
             person("Dana Okafor", "host") + person("Sam Rivera", "guest"))))
    result = clout("ingest", str(show / "feed.xml"), data_dir=data_dir)
    assert result.exit_code == 0, result.output
    assert "unchanged" in result.output  # the first episode is not heard again
    second = documents(data_dir)[str(show / "executives.wav")]
    names = {s.speaker for s in second.segments}
    assert names == {"Dana Okafor", "Speaker 1"}, names
    turns = [conversations.Turn(t.start, t.end, t.speaker if t.speaker == "Dana Okafor" else "Speaker 1", t.text)
             for t in spoken["executives"][1]]
    assert conversations.score(turns, second.segments, named=True) >= 0.95
    assert [(p.name, p.role) for p in second.people] == [("Dana Okafor", "")]


@pytest.mark.slow
def test_a_recording_with_a_voice_on_each_channel_is_diarized_by_channel(data_dir, tmp_path):
    clip = tmp_path / "stereo.wav"
    shutil.copy(DATA / "audio" / "fw_stereo_diarization.wav", clip)
    result = clout("ingest", str(clip), data_dir=data_dir)
    assert result.exit_code == 0, result.output
    doc = documents(data_dir)[str(clip)]
    reference = json.loads((DATA / "audio" / "transcripts.json").read_text())["fw_stereo_diarization.wav"]["reference"]
    by_speaker: dict[str, str] = {}
    for s in doc.segments:
        by_speaker[s.speaker] = (by_speaker.get(s.speaker, "") + " " + s.text).strip()
    assert len(by_speaker) == 2, by_speaker
    left, right = sorted(by_speaker.values(), key=lambda text: "wizard" not in text.lower())
    assert "wizard" in left.lower() and "curtain" in left.lower()
    assert "horizon" in right.lower() and "wizard" not in right.lower()
    assert reference["right"].split()[1].lower() in right.lower()
    from clout.ingest.decode import decode

    left_voice = next(name for name, text in by_speaker.items() if text == left)
    labelled = [Segment(s.start, s.end, s.text, "left" if s.speaker == left_voice else "right") for s in doc.segments]
    turns = conversations.channel_turns(decode(clip, 60, channels=True))
    accuracy = conversations.score(turns, labelled, named=True)
    print(f"two-channel clip: {accuracy:.3f} of the speech carries the right voice")
    assert accuracy >= 0.9


def test_the_narrated_corpus_episodes_are_one_named_voice_with_chapters(corpus_data):
    """Real audio of one synthetic voice: one voice found, named by the feed's narrator; chapters made."""
    episodes = [d for d in documents(corpus_data).values() if d.kind == "episode"]
    assert len(episodes) == 2
    for doc in episodes:
        assert {s.speaker for s in doc.segments} == {"Hibari (synthetic voice)"}, doc.source
        assert [(p.name, p.role) for p in doc.people] == [("Hibari (synthetic voice)", "narrator")]
        assert doc.chapters and doc.chapters[0].start < 2.0
        assert all(len(c.title) <= 80 and c.title.rstrip("…")[:20] in doc.text for c in doc.chapters), doc.chapters
