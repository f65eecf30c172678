"""Remote audio is fetched only from http(s) URLs: a feed cannot point Clout at local files, other schemes or playlists."""
from __future__ import annotations

import json

from conftest import clout

PRIVATE = {"CLOUT_ALLOW_PRIVATE_URLS": "1"}
VTT = "WEBVTT\n\n00:00:00.500 --> 00:00:04.000\nAsk your sponsor what the board worries about.\n"


def item(title: str, enclosure: str, mime: str = "audio/mpeg", extra: str = "") -> str:
    return (f"<item><title>{title}</title><guid>{title}</guid><pubDate>Mon, 03 Jun 2024 09:00:00 +0000</pubDate>"
            f'<enclosure url="{enclosure}" length="1000" type="{mime}"/>{extra}</item>')


def feed(*items: str) -> str:
    return ('<?xml version="1.0"?><rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0">'
            f"<channel><title>Hostile Show</title><language>en</language>{''.join(items)}</channel></rss>")


HOSTILE = [
    item("Passwd", "file:///etc/passwd"),
    item("Relative", "../../../../etc/passwd"),
    item("Ftp", "ftp://127.0.0.1/episode.mp3"),
    item("Stream", "stream.m3u", "audio/x-mpegurl"),
    item("Radio", "radio.pls", "audio/x-scpls"),
    item("Hidden playlist", "live.mp3", "audio/mpegurl"),
    # A playable episode with the publisher's transcript, so the batch's going on costs no transcription.
    item("Good", "good.mp3", extra='<podcast:transcript url="good.vtt" type="text/vtt"/>'),
]


def test_a_remote_feed_cannot_reach_local_files_other_schemes_or_playlists(httpserver, data_dir):
    httpserver.no_handler_status_code = 404
    httpserver.expect_request("/show/feed.xml").respond_with_data(feed(*HOSTILE), content_type="application/rss+xml")
    httpserver.expect_request("/show/good.vtt").respond_with_data(VTT, content_type="text/vtt")
    for name in ("stream.m3u", "radio.pls", "live.mp3"):
        httpserver.expect_request(f"/show/{name}").respond_with_data("#EXTM3U\nfile:///etc/passwd\n", content_type="audio/x-mpegurl")

    result = clout("ingest", httpserver.url_for("/show/feed.xml"), data_dir=data_dir, env=PRIVATE)
    assert result.exit_code == 1
    out = result.output
    assert "failed: file:///etc/passwd: the enclosure of “Passwd” is not an http(s) URL" in out
    assert "failed: ftp://127.0.0.1/episode.mp3: the enclosure of “Ftp” is not an http(s) URL" in out
    # A relative link in a remote feed is a URL on the feed's server, never a path on this machine.
    assert f"failed: {httpserver.url_for('/etc/passwd')}: the server answered 404" in out
    for title, name in (("Stream", "stream.m3u"), ("Radio", "radio.pls"), ("Hidden playlist", "live.mp3")):
        assert f"failed: {httpserver.url_for('/show/' + name)}: the enclosure of “{title}” is a playlist or stream, not an audio file" in out
    assert f"added: {httpserver.url_for('/show/good.mp3')}" in out
    assert sum(line.startswith("failed: ") for line in out.splitlines()) == 6
    requested = {request.path for request, _ in httpserver.log}
    assert not requested & {"/show/stream.m3u", "/show/radio.pls", "/show/live.mp3"}, "playlists are never fetched"

    stats = json.loads(clout("stats", "--json", data_dir=data_dir).stdout)
    assert stats["documents"] == 1
    hits = json.loads(clout("search", "--json", "root bin bash", data_dir=data_dir).stdout)["results"]
    assert all("root:" not in hit["text"] for hit in hits)


def test_a_local_feed_cannot_name_another_scheme(tmp_path, data_dir):
    (tmp_path / "show.xml").write_text(feed(item("Passwd", "file:///etc/passwd"), item("Ftp", "ftp://127.0.0.1/a.mp3")))
    result = clout("ingest", str(tmp_path / "show.xml"), data_dir=data_dir)
    assert result.exit_code == 1
    assert "failed: file:///etc/passwd: the enclosure of “Passwd” is not an http(s) URL" in result.output
    assert "failed: ftp://127.0.0.1/a.mp3: the enclosure of “Ftp” is not an http(s) URL" in result.output


def test_urls_of_other_schemes_get_one_clear_line_each(data_dir):
    result = clout("ingest", "file:///etc/passwd", "ftp://127.0.0.1/show.mp3", "FILE:///etc/hosts", data_dir=data_dir)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[:3] == [
        "failed: file:///etc/passwd: file: URLs are not ingested; only http(s) URLs, or a local file given as a path",
        "failed: ftp://127.0.0.1/show.mp3: ftp: URLs are not ingested; only http(s) URLs, or a local file given as a path",
        "failed: FILE:///etc/hosts: file: URLs are not ingested; only http(s) URLs, or a local file given as a path",
    ]
    assert len(lines) == 4 and lines[3].startswith("3 failed in ")
