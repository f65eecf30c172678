"""Podcast ingest end to end: feeds served on 127.0.0.1, local audio, publisher transcripts, bad input,
the transcript cache, export, and search deep links into the narrated corpus episodes."""
from __future__ import annotations

import json
import shutil
from dataclasses import asdict

import pytest

from conftest import CORPUS, DATA, clout
from clout.settings import Settings
from clout.ingest.podcast import discover_feed
from clout.ingest.sources import Context, Item, Options

AUDIO = DATA / "audio"
PRIVATE = {"CLOUT_ALLOW_PRIVATE_URLS": "1"}
JFK_WORDS = "ask not what your country can do for you"


def feed(items: str, language: str = "en") -> str:
    return f"""<?xml version="1.0"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
     xmlns:podcast="https://podcastindex.org/namespace/1.0">
<channel><title>Loopback Show</title><language>{language}</language>{items}</channel></rss>"""


def item(title: str, enclosure: str, date: str = "Mon, 03 Jun 2024 09:00:00 +0000", extra: str = "") -> str:
    return f"""<item><title>{title}</title><link>https://example.org/{title}</link><pubDate>{date}</pubDate>
<description>&lt;p&gt;About {title}&lt;/p&gt;</description><itunes:duration>0:11</itunes:duration>
<enclosure url="{enclosure}" length="76447" type="audio/mpeg"/>{extra}</item>"""


def documents(data_dir) -> dict:
    from clout.index.kb import KnowledgeBase

    kb = KnowledgeBase(data_dir, readonly=True)
    return {doc.source: asdict(doc) for doc in kb.store.documents()}


def test_a_feed_on_loopback_is_ingested_end_to_end(httpserver, tmp_path, data_dir):
    httpserver.expect_request("/jfk.mp3").respond_with_data((AUDIO / "wcpp_jfk.mp3").read_bytes(), content_type="audio/mpeg")
    httpserver.expect_request("/gone.mp3").respond_with_data("not here", status=404)
    local_feed = tmp_path / "show.xml"
    local_feed.write_text(feed(
        item("Inaugural", httpserver.url_for("/jfk.mp3"))
        + item("Missing", httpserver.url_for("/gone.mp3"), date="Tue, 04 Jun 2024 09:00:00 +0000")
    ))
    result = clout("ingest", str(local_feed), data_dir=data_dir, env=PRIVATE)
    assert result.exit_code == 1
    assert f"failed: {httpserver.url_for('/gone.mp3')}: the server answered 404" in result.stderr
    docs = documents(data_dir)
    episode = docs[httpserver.url_for("/jfk.mp3")]
    assert episode["kind"] == "episode" and episode["title"] == "Inaugural" and episode["site"] == "Loopback Show"
    assert episode["date"] == "2024-06-03" and episode["url"] == "https://example.org/Inaugural"
    assert episode["audio_url"] == httpserver.url_for("/jfk.mp3") and abs(episode["duration"] - 11) < 0.2
    assert JFK_WORDS in episode["text"].lower().replace(",", "")
    assert episode["description"] == "About Inaugural"
    assert not list((data_dir / "audio").glob("*.mp3")), "downloads are removed once transcribed"

    # Re-ingest: nothing is downloaded again for the stored episode. (--limit 1 used to pick only the
    # newer, missing episode, so the stored one was never looked at and "failed" let the test pass.)
    requests = len(httpserver.log)
    again = clout("ingest", str(local_feed), "--limit", "2", "--since", "2024-06-01", data_dir=data_dir, env=PRIVATE)
    assert again.exit_code == 1  # the missing episode still fails, and only it
    assert f"unchanged: {httpserver.url_for('/jfk.mp3')} (episode already transcribed)" in again.stdout
    assert again.stderr.count("failed: ") == 1 and httpserver.url_for("/gone.mp3") in again.stderr
    assert not any(r.path == "/jfk.mp3" for r, _ in httpserver.log[requests:])
    assert documents(data_dir)[httpserver.url_for("/jfk.mp3")]["text"] == episode["text"]


def test_a_remote_feed_resolves_enclosures_and_uses_the_publisher_transcript(httpserver, tmp_path):
    vtt = "WEBVTT\n\n00:00:00.500 --> 00:00:04.000\nPublishers know best what was said.\n"
    httpserver.expect_request("/episode.vtt").respond_with_data(vtt, content_type="text/vtt")
    httpserver.expect_request("/feed.xml").respond_with_data(feed(item(
        "Captioned", "audio/captioned.mp3",
        extra='<podcast:transcript url="/episode.vtt" type="text/vtt"/>',
    )), content_type="application/rss+xml")
    url = httpserver.url_for("/feed.xml")
    settings = Settings(data_dir=tmp_path / "data", allow_private_urls=True)
    ctx = Context(settings, Options())
    from clout.ingest.fetch import Fetcher
    from clout.ingest.podcast import load

    items = list(discover_feed(Fetcher(settings).get(url).body, url, ctx))
    assert [i.source for i in items] == [httpserver.url_for("/audio/captioned.mp3")]
    doc = load(items[0], ctx)
    assert doc.text == "Publishers know best what was said." and doc.segments[0].start == 0.5
    assert doc.extra["transcript"] == "publisher"
    assert not any(r.path.endswith(".mp3") for r, _ in httpserver.log), "the audio was never downloaded"


def test_feeds_that_real_parsers_choke_on_still_give_episodes(tmp_path):
    ctx = Context(Settings(data_dir=tmp_path), Options(limit=3))
    for name in ("partytime__no-agenda.xml", "uyd.xml", "partytime__pc20rss.xml"):
        items = list(discover_feed((DATA / "feeds" / name).read_bytes(), f"https://feeds.example/{name}", ctx))
        assert len(items) == 3 and all(isinstance(i, Item) and i.kind == "episode" for i in items), name
        dates = [i.hint["date"] for i in items]
        assert dates == sorted(dates, reverse=True)
    pc20 = list(discover_feed((DATA / "feeds" / "partytime__pc20rss.xml").read_bytes(), "https://x.example/f", Context(Settings(), Options())))
    assert any(i.hint["transcripts"] for i in pc20)


@pytest.mark.slow
def test_bad_audio_gets_one_line_each_and_stored_documents_survive(tmp_path, data_dir):
    folder = tmp_path / "audio"
    folder.mkdir()
    shutil.copy(AUDIO / "wcpp_jfk.mp3", folder / "good.mp3")
    assert clout("ingest", str(folder / "good.mp3"), data_dir=data_dir).exit_code == 0
    (folder / "empty.mp3").write_bytes(b"")
    (folder / "notes.mp3").write_text("Meeting notes, not audio.\n" * 50)
    (folder / "corrupt.mp3").write_bytes((AUDIO / "wcpp_jfk.mp3").read_bytes()[:400] + bytes(3000))
    import av
    import numpy as np

    with av.open(str(folder / "silence.flac"), "w", format="flac") as out:  # an hour of silence
        stream = out.add_stream("flac", rate=8000)
        stream.layout = "mono"
        for _ in range(60):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 8000 * 60), np.int16), format="s16", layout="mono")
            frame.sample_rate = 8000
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    (folder / "german.xml").write_text(feed(item("Folge 1", "good.mp3"), language="de"))
    result = clout("ingest", str(folder), data_dir=data_dir)
    assert result.exit_code == 1
    failed = {line.split(": ")[1]: line for line in result.stderr.splitlines() if line.startswith("failed: ")}
    assert "empty" in failed[str(folder / "empty.mp3")]
    assert "cannot be decoded" in failed[str(folder / "notes.mp3")]
    assert str(folder / "corrupt.mp3") in failed
    assert "no speech" in failed[str(folder / "silence.flac")]
    assert "only understands English" in failed[str(folder / "good.mp3")]  # offered by the German feed
    assert all(line.count("\n") == 0 for line in failed.values())
    assert JFK_WORDS in documents(data_dir)[str(folder / "good.mp3")]["text"].lower().replace(",", "")


def test_a_sidecar_transcript_is_used_instead_of_transcribing(tmp_path, data_dir):
    audio = tmp_path / "talk.mp3"
    audio.write_text("not audio: proof the file is never decoded")
    (tmp_path / "talk.srt").write_text("1\n00:00:02,000 --> 00:00:05,000\nSpoken words from the publisher.\n")
    result = clout("ingest", str(audio), data_dir=data_dir)
    assert result.exit_code == 0, result.output
    doc = documents(data_dir)[str(audio)]
    assert doc["text"] == "Spoken words from the publisher." and doc["extra"]["transcript"] == "publisher"
    # Its bytes are not audio, so its path is not recorded as the episode's audio, never served (issue 11).
    assert "audio_path" not in doc["extra"] and doc["audio_url"] == ""


def test_the_same_audio_is_transcribed_once(tmp_path, data_dir, monkeypatch):
    first, second = tmp_path / "a.mp3", tmp_path / "copy-of-a.mp3"
    shutil.copy(AUDIO / "wcpp_jfk.mp3", first)
    shutil.copy(AUDIO / "wcpp_jfk.mp3", second)
    assert clout("ingest", str(first), data_dir=data_dir).exit_code == 0

    from clout.ingest import transcribe as whisper

    def refuse(*args, **kwargs):
        raise AssertionError("transcribed twice")

    monkeypatch.setattr(whisper, "transcribe", refuse)
    result = clout("ingest", str(second), data_dir=data_dir)
    assert result.exit_code == 0, result.output  # cached by content hash ...
    assert "unchanged" in clout("ingest", str(first), data_dir=data_dir).output  # ... and by source


def test_transcript_export(corpus_data):
    docs = documents(corpus_data)
    source = next(s for s in docs if s.endswith("05-steal-a-page-from-customer-service.opus"))
    vtt = clout("transcript", source, "--format", "vtt", data_dir=corpus_data)
    assert vtt.exit_code == 0 and vtt.output.startswith("WEBVTT") and " --> " in vtt.output
    srt = clout("transcript", str(docs[source]["id"]), "--format", "srt", data_dir=corpus_data)
    assert srt.output.startswith("1\n00:00:")
    txt = clout("transcript", source, "--format", "txt", data_dir=corpus_data).output
    assert " ".join(txt.split()) == " ".join(docs[source]["text"].split())
    assert clout("transcript", "nope", data_dir=corpus_data).exit_code == 1


def test_corpus_episodes_are_labelled_and_not_ingested_twice(corpus_data):
    episodes = {s: d for s, d in documents(corpus_data).items() if d["kind"] == "episode"}
    assert len(episodes) == 2
    for doc in episodes.values():
        assert "narrated audio edition" in doc["title"] and doc["site"] == "Clout Narrated Editions"
        assert doc["duplicate_of"] is None


TIMINGS = json.loads((CORPUS / "episodes" / "timings.json").read_text())
PROBES = [
    ("03-senior-management-buy-in.opus", "hung results on all of the walls"),
    ("03-senior-management-buy-in.opus", "estimate that in my 15 years of doing this work"),
    ("05-steal-a-page-from-customer-service.opus", "stakeholder groups into a simple Excel"),
]


@pytest.mark.parametrize("name, words", PROBES)
def test_search_plays_a_narrated_sentence_within_2_seconds(corpus_data, name, words):
    sentence = next(s for s in TIMINGS[name] if words in s["text"])
    result = clout("search", "--json", "-k", "10", sentence["text"], data_dir=corpus_data)
    hits = [h for h in json.loads(result.output)["results"] if h["kind"] == "episode" and h["source"].endswith(name)]
    assert hits, f"{name} not found for {sentence['text']!r}"
    assert abs(hits[0]["start"] - sentence["start"]) <= 2.0, (hits[0]["start"], sentence)
    assert hits[0]["end"] >= sentence["end"] - 2.0
