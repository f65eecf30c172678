"""Local files stay local (issue 11): what a shared folder or a downloaded feed holds cannot make Clout
read, index, serve or fetch anything outside what was ingested, nor run script on Clout's origin.

Real files and real symlinks in tmp_path, the real CLI and store, real loopback servers, Flask's test
client; the SVG case in a real Chromium is in tests/test_security_browser.py.
"""
from __future__ import annotations

import ctypes
import gzip
import hashlib
import http.client
import json
import os
import shutil
import threading
import wave
from pathlib import Path

import pytest

from conftest import DATA, clout, make_app

JFK_WAV = DATA / "audio" / "wcpp_jfk.wav"
SECRET = "zanzibarian quokka ledger"  # words found only in files outside the ingested folders
VTT = ("WEBVTT\n\n00:00:00.000 --> 00:00:05.000\nExecutive sponsors open doors that managers cannot open.\n\n"
       "00:00:05.000 --> 00:00:10.000\nBring one number the board already tracks to every meeting.\n")
SVG = ('<svg xmlns="http://www.w3.org/2000/svg"><script>'
       "fetch('/api/search?q=sponsor').then(r => r.text()).then(t => { document.title = 'LEAKED ' + t.length; })"
       "</script></svg>")


def rss(*items: str) -> str:
    return ('<?xml version="1.0"?><rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0">'
            "<channel><title>Shared show</title><language>en</language>" + "".join(items) + "</channel></rss>")


def item(title: str, enclosure: str, *transcripts: tuple[str, str], mime: str = "audio/mpeg") -> str:
    links = "".join(f'<podcast:transcript url="{url}" type="{kind}"/>' for url, kind in transcripts)
    return (f"<item><title>{title}</title><guid>{title}</guid>"
            f'<enclosure url="{enclosure}" length="1000" type="{mime}"/>{links}</item>')


def silence(path: Path, seconds: float, rate: int = 16000) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(int(seconds * rate) * 2))
    return path


def clip(path: Path, seconds: float) -> Path:
    """The first seconds of the JFK recording: real speech, other bytes than the whole file."""
    with wave.open(str(JFK_WAV), "rb") as source, wave.open(str(path), "wb") as out:
        out.setparams(source.getparams())
        out.writeframes(source.readframes(int(source.getframerate() * seconds)))
    return path


def stored(data_dir: Path) -> dict:
    from clout.index.kb import KnowledgeBase

    kb = KnowledgeBase(data_dir, readonly=True)
    try:
        return {doc.source: doc for doc in kb.store.documents()}
    finally:
        kb.close()


def failures(result) -> dict[str, str]:
    """The reasons of the `failed: SOURCE: reason` lines of an ingest, by source (joined by " | ")."""
    out: dict[str, str] = {}
    for line in result.stderr.splitlines():
        if line.startswith("failed: "):
            source, _, reason = line[len("failed: "):].partition(": ")
            out[source] = f"{out[source]} | {reason}" if source in out else reason
    return out


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """Files elsewhere on the machine: what a hostile folder or feed would point at."""
    folder = tmp_path / "private"
    folder.mkdir()
    (folder / "secret.txt").write_text(f"Payroll notes. {SECRET}. Do not share these salary figures with anyone.\n")
    clip(folder / "secret.wav", 6.0)
    (folder / "secret.json").write_text(json.dumps({"segments": [{"startTime": 0, "endTime": 5, "body": SECRET}]}))
    return folder


def media_bodies(data_dir: Path) -> list[bytes]:
    """What /media answers for every stored document."""
    client = make_app(data_dir).test_client()
    bodies = []
    for doc in stored(data_dir).values():
        response = client.get(f"/media/{doc.id}")
        bodies.append(response.data if response.status_code == 200 else b"")
    return bodies


# -- 1. /media and the index read only what was ingested ----------------------------------------------

def test_a_local_feed_reads_enclosures_and_transcripts_only_inside_its_folder(tmp_path, outside, data_dir):
    show = tmp_path / "show"
    show.mkdir()
    (show / "ep.vtt").write_text(VTT)
    shutil.copy(JFK_WAV, show / "inside.wav")
    (show / "feed.xml").write_text(rss(
        item("Absolute", str(outside / "secret.wav"), ("ep.vtt", "text/vtt")),
        item("Upward", "../private/secret.wav", ("ep.vtt", "text/vtt")),
        # The JSON transcript would be preferred, but it lies outside: the VTT beside the feed is used.
        item("Inside", "inside.wav", ("../private/secret.json", "application/json"), ("ep.vtt", "text/vtt")),
    ))
    result = clout("ingest", str(show / "feed.xml"), data_dir=data_dir)
    failed = failures(result)
    assert "outside the folder being ingested" in failed[str(outside / "secret.wav")]
    assert "outside the folder being ingested" in failed["../private/secret.wav"]
    docs = stored(data_dir)
    assert [d.title for d in docs.values()] == ["Inside"] and "Executive sponsors" in docs[str(show / "inside.wav")].text
    assert not any(SECRET in d.text for d in docs.values())
    secret = (outside / "secret.wav").read_bytes()
    assert secret not in media_bodies(data_dir) and JFK_WAV.read_bytes() in media_bodies(data_dir)


def test_symlinks_out_of_an_ingested_folder_are_named_and_not_followed(tmp_path, outside, data_dir):
    shared = tmp_path / "shared"
    (shared / "team").mkdir(parents=True)
    (shared / "notes.txt").symlink_to(outside / "secret.txt")
    (shared / "leak.mp3").symlink_to(outside / "secret.wav")
    (shared / "leak.vtt").write_text(VTT)  # a transcript beside it: the audio itself would never be decoded
    (shared / "elsewhere").symlink_to(outside, target_is_directory=True)
    (shared / "team" / "guide.txt").write_text("Map the stakeholders before the steering committee meets, then meet each one.\n")
    (shared / "guide-link.txt").symlink_to(shared / "team" / "guide.txt")  # a symlink that stays inside is fine
    result = clout("ingest", str(shared), data_dir=data_dir)
    failed = failures(result)
    for name in ("notes.txt", "leak.mp3", "elsewhere"):
        assert "outside the folder being ingested" in failed[str(shared / name)], result.output
    assert str(shared / "guide-link.txt") not in failed and str(shared / "team" / "guide.txt") not in failed
    docs = stored(data_dir)
    assert str(shared / "team" / "guide.txt") in docs and str(shared / "leak.mp3") not in docs
    assert not any(SECRET in d.text for d in docs.values())
    assert json.loads(clout("search", "--json", "--mode", "lexical", SECRET, data_dir=data_dir).stdout)["results"] == []
    assert (outside / "secret.wav").read_bytes() not in media_bodies(data_dir)


# -- 2. /media answers only with audio, recognised by its bytes --------------------------------------

def test_media_serves_only_audio_recognised_by_its_bytes_with_safe_headers(tmp_path, data_dir):
    show = tmp_path / "show"
    show.mkdir()
    (show / "ep.vtt").write_text(VTT)
    (show / "evil.svg").write_text(SVG)
    (show / "page.mp3").write_text("<!doctype html><script>alert(document.domain)</script>")  # HTML named .mp3
    shutil.copy(JFK_WAV, show / "real.wav")
    (show / "feed.xml").write_text(rss(
        item("Svg", "evil.svg", ("ep.vtt", "text/vtt")),
        item("Html", "page.mp3", ("ep.vtt", "text/vtt")),
        item("Real", "real.wav", ("ep.vtt", "text/vtt"), mime="audio/wav"),
    ))
    assert clout("ingest", str(show / "feed.xml"), data_dir=data_dir).exit_code == 0
    ids = {d.title: d.id for d in stored(data_dir).values()}
    client = make_app(data_dir).test_client()
    for title in ("Svg", "Html"):
        refused = client.get(f"/media/{ids[title]}")
        assert refused.status_code == 404 and b"LEAKED" not in refused.data and b"alert(" not in refused.data
    real = client.get(f"/media/{ids['Real']}")
    assert real.status_code == 200 and real.mimetype == "audio/wav" and real.data == JFK_WAV.read_bytes()
    assert real.headers["Content-Disposition"] == f"inline; filename=episode-{ids['Real']}.wav"
    assert real.headers["X-Content-Type-Options"] == "nosniff" and "sandbox" in real.headers["Content-Security-Policy"]
    # Every response carries nosniff and a CSP, not only pages: JSON, errors, redirects, audio.
    for response in (client.get("/api/health"), client.get("/api/documents/0"), client.get("/media/0"), real):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src" in response.headers["Content-Security-Policy"]
    # Bytes swapped in after ingest are checked again: no longer audio, no longer served.
    (show / "real.wav").write_text(SVG)
    assert client.get(f"/media/{ids['Real']}").status_code == 404


# -- 3. FFmpeg reads files, never URLs -----------------------------------------------------------------

def test_a_path_that_reads_as_a_url_is_decoded_from_disk_and_nothing_is_fetched(tmp_path, monkeypatch, httpserver):
    from clout.ingest.decode import decode

    served = silence(tmp_path / "served.wav", 3.0)
    httpserver.expect_request("/x.mp3").respond_with_data(served.read_bytes(), content_type="audio/mpeg")
    folder = tmp_path / f"http:127.0.0.1:{httpserver.port}"  # a real folder whose name FFmpeg reads as a URL
    folder.mkdir()
    shutil.copy(JFK_WAV, folder / "x.mp3")
    monkeypatch.chdir(tmp_path)
    samples = decode(Path(f"http:127.0.0.1:{httpserver.port}/x.mp3"), 60)
    assert httpserver.log == []  # the loopback server saw no request
    assert abs(len(samples) / 16000 - 11.0) < 0.1  # the JFK file on disk, not the 3 s served


# -- 4. the transcript cached for a hash is the transcript of those bytes --------------------------------

IN_CLOSE_NOWRITE = 0x10


def swap_after_first_read(path: Path, replacement: Path) -> threading.Thread:
    """Replace `path` by `replacement` the moment a reader of it closes it (inotify): the window
    between hashing the audio and decoding it, made certain instead of lucky."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    fd = libc.inotify_init()
    assert fd >= 0 and libc.inotify_add_watch(fd, str(path).encode(), IN_CLOSE_NOWRITE) >= 0

    def wait():
        os.read(fd, 4096)
        os.replace(replacement, path)
        os.close(fd)

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    return thread


@pytest.mark.slow
def test_audio_swapped_after_hashing_cannot_poison_the_transcript_cache(tmp_path, data_dir):
    from clout.index.kb import KnowledgeBase

    episode = tmp_path / "show" / "episode.wav"
    episode.parent.mkdir()
    shutil.copy(JFK_WAV, episode)
    other = clip(tmp_path / "other.wav", 4.0)  # the same voice: "And so my fellow Americans"
    versions = {hashlib.sha256(p.read_bytes()).hexdigest(): p.name for p in (episode, other)}
    swapper = swap_after_first_read(episode, other)
    clout("ingest", str(episode), data_dir=data_dir)
    swapper.join(5)
    kb = KnowledgeBase(data_dir, readonly=True)
    audio_hash = kb.store.document_by_source(str(episode)).extra["audio_hash"]
    cached = " ".join(row[2] for row in kb.store.get_transcript(audio_hash, "tiny.en"))
    kb.close()
    # Whichever bytes were hashed, the transcript kept under that hash is theirs.
    assert versions[audio_hash] == ("episode.wav" if "country" in cached.lower() else "other.wav"), cached


# -- 5. clients never see the server's paths -------------------------------------------------------------

def test_the_api_and_pages_show_local_files_relative_to_what_was_ingested(tmp_path, data_dir):
    notes = tmp_path / "team-notes"
    (notes / "q3").mkdir(parents=True)
    (notes / "q3" / "plan.md").write_text("# Sponsor plan\n\nFind an executive sponsor whose goals the renewal programme advances.\n")
    (notes / "talk.vtt").write_text(VTT)
    shutil.copy(JFK_WAV, notes / "talk.wav")
    assert clout("ingest", str(notes), data_dir=data_dir).exit_code == 0
    client = make_app(data_dir).test_client()
    hits = client.get("/api/search?q=executive sponsor&k=10").json["results"]
    by_title = {h["title"]: h for h in hits}
    assert by_title["Sponsor plan"]["source"] == "team-notes/q3/plan.md"
    episode = next(h for h in hits if h["kind"] == "episode")
    assert episode["source"] == "team-notes/talk.wav"
    assert episode["audio_url"] == f"http://localhost/media/{episode['doc_id']}"
    document = client.get(f"/api/documents/{episode['doc_id']}")
    page = client.get(f"/documents/{episode['doc_id']}")
    assert document.json["source"] == "team-notes/talk.wav"
    for body in (json.dumps(hits), document.get_data(as_text=True), page.get_data(as_text=True)):
        assert str(tmp_path) not in body and str(tmp_path.resolve()) not in body


# -- 6. one size policy, enforced while reading ---------------------------------------------------------

def test_a_local_transcript_over_the_size_limit_is_passed_over_for_whisper(tmp_path, data_dir):
    silence(tmp_path / "talk.wav", 2.0)
    (tmp_path / "talk.vtt").write_text(VTT + "".join(
        f"\n{i // 60:02d}:{i % 60:02d}.000 --> {i // 60:02d}:{i % 60:02d}.500\n{'filler words ' * 20}\n" for i in range(4000)))
    assert (tmp_path / "talk.vtt").stat().st_size > 2**20
    result = clout("ingest", str(tmp_path / "talk.wav"), data_dir=data_dir, env={"CLOUT_MAX_PAGE_MB": "1"})
    # The 2 s of silence were decoded instead: the oversized transcript was not read.
    assert "no speech was found" in failures(result)[str(tmp_path / "talk.wav")]


def test_local_audio_over_the_size_limit_is_refused_before_decoding(tmp_path, data_dir):
    big = silence(tmp_path / "long.wav", 40.0)  # 1.3 MB
    result = clout("ingest", str(big), data_dir=data_dir, env={"CLOUT_MAX_AUDIO_MB": "1"})
    assert "over the 1 MB limit (CLOUT_MAX_AUDIO_MB)" in failures(result)[str(big)]


def test_a_deeply_nested_json_transcript_falls_back_to_whisper(tmp_path, data_dir):
    silence(tmp_path / "talk.wav", 2.0)
    (tmp_path / "deep.json").write_text("[" * 200_000 + "]" * 200_000)
    (tmp_path / "feed.xml").write_text(rss(item("Deep", "talk.wav", ("deep.json", "application/json"), mime="audio/wav")))
    result = clout("ingest", str(tmp_path / "feed.xml"), data_dir=data_dir)
    assert "no speech was found" in failures(result)[str(tmp_path / "talk.wav")], result.output


def test_audio_declaring_itself_too_long_is_refused_before_it_is_decoded(tmp_path):
    import av
    import numpy as np

    from clout.ingest.decode import DecodeError, decode

    long = tmp_path / "ten-minutes.flac"
    with av.open(str(long), "w", format="flac") as out:
        stream = out.add_stream("flac", rate=8000)
        stream.layout = "mono"
        for _ in range(10):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 8000 * 60), np.int16), format="s16", layout="mono")
            frame.sample_rate = 8000
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    with pytest.raises(DecodeError) as refused:
        decode(long, 60)
    # Its header said how long it is: nothing was decoded to find out.
    assert str(refused.value) == "it is 10 minutes long, longer than the 1-minute limit (CLOUT_MAX_AUDIO_HOURS)"


def test_a_gzipped_sitemap_is_held_to_the_page_limit_once_decompressed(httpserver, data_dir):
    urls = "".join(f"<url><loc>{httpserver.url_for(f'/post/{i}')}</loc></url>" for i in range(30_000))
    body = gzip.compress(f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode())
    assert len(body) < 2**20 < len(gzip.decompress(body))
    httpserver.expect_request("/sitemap.xml.gz").respond_with_data(body, content_type="application/gzip")
    env = {"CLOUT_ALLOW_PRIVATE_URLS": "1", "CLOUT_IGNORE_ROBOTS": "1", "CLOUT_MAX_PAGE_MB": "1", "CLOUT_PER_HOST_DELAY_MS": "0"}
    result = clout("ingest", "--dry-run", httpserver.url_for("/sitemap.xml.gz"), data_dir=data_dir, env=env)
    assert "CLOUT_MAX_PAGE_MB" in failures(result)[httpserver.url_for("/sitemap.xml.gz")]
    assert "would ingest" not in result.output


# -- 7. ids beyond any rowid are missing documents -----------------------------------------------------

def test_huge_ids_are_404s_not_500s(client, corpus_data):
    huge = "99999999999999999999999"
    for path in (f"/api/documents/{huge}", f"/media/{huge}", f"/documents/{huge}", f"/api/documents/{2**63}"):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/api/documents/{huge}").json["ok"] is False
    result = clout("transcript", huge, data_dir=corpus_data)
    assert result.exit_code == 1 and "no such document" in result.output


# -- 8. DNS rebinding: other Host names are refused -------------------------------------------------

def test_only_allowed_host_names_are_answered(corpus_data):
    client = make_app(corpus_data).test_client()
    for host in ("localhost", "localhost:5000", "127.0.0.1:5000", "[::1]:5000", "192.168.1.20:5000", "clout.localhost"):
        assert client.get("/api/health", headers={"Host": host}).status_code == 200, host
    refused = client.get("/api/health", headers={"Host": "rebind.attacker.example:5000"})
    assert refused.status_code == 400 and "CLOUT_ALLOWED_HOSTS" in refused.json["error"]
    assert client.get("/", headers={"Host": "rebind.attacker.example"}).status_code == 400
    named = make_app(corpus_data, allowed_hosts=("clout.example", ".intranet.example")).test_client()
    assert named.get("/api/health", headers={"Host": "clout.example"}).status_code == 200
    assert named.get("/api/health", headers={"Host": "search.intranet.example"}).status_code == 200
    assert named.get("/api/health", headers={"Host": "clout.example.attacker.example"}).status_code == 400


def test_allowed_hosts_come_from_the_environment_and_hold_on_a_real_server(corpus_data, monkeypatch):
    from waitress.server import create_server

    from clout.index.kb import KnowledgeBase
    from clout.settings import Settings
    from clout.web import create_app

    monkeypatch.setenv("CLOUT_ALLOWED_HOSTS", "clout.example")
    settings = Settings.from_env(data_dir=corpus_data)
    assert settings.allowed_hosts == ("clout.example",)
    app = create_app(settings, KnowledgeBase(corpus_data, readonly=True), {"TESTING": True})
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    threading.Thread(target=server.run, daemon=True).start()
    try:
        def status(host: str) -> int:
            connection = http.client.HTTPConnection("127.0.0.1", server.effective_port, timeout=30)
            connection.request("GET", "/api/health", headers={"Host": host})
            return connection.getresponse().status

        assert status(f"rebind.attacker.example:{server.effective_port}") == 400
        assert status(f"clout.example:{server.effective_port}") == 200
        assert status(f"127.0.0.1:{server.effective_port}") == 200
    finally:
        server.close()

