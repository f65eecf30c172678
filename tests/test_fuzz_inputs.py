"""Mangled HTML, feeds and audio through the real `clout ingest`: each ingests or fails with one clear line.

The inputs are made deterministically (one seed) from the real samples in the shared data: truncated,
bytes flipped, random bytes, huge attributes, deeply nested markup, entity bombs, wrong extensions.
They go into a data directory that already holds the corpus, from local files and from a real HTTP
server on 127.0.0.1; what was stored before must come through unchanged.
"""
from __future__ import annotations

import gzip
import json
import random
import re
from dataclasses import asdict
from pathlib import Path

import pytest

from conftest import DATA, clout

SEED = 20240607
QUERY = "how do I get senior executives to buy in"
STATUSES = ("added: ", "updated: ", "unchanged: ", "duplicate-of ", "failed: ")
PRIVATE = {"CLOUT_ALLOW_PRIVATE_URLS": "1"}
MB = 1024 * 1024


# -- making mangled inputs -------------------------------------------------------------------


def flipped(data: bytes, rng: random.Random, share: float = 0.02) -> bytes:
    out = bytearray(data)
    for i in rng.sample(range(len(out)), max(1, int(len(out) * share))):
        out[i] = rng.randrange(256)
    return bytes(out)


def truncated(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) // 20, len(data) // 2)]


def deeply_nested(tag: str, depth: int, inner: str) -> str:
    return f"<{tag}>" * depth + inner + f"</{tag}>" * depth


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]>"
)


def html_inputs(rng: random.Random) -> dict[str, bytes]:
    pages = sorted((DATA / "articles" / "html").glob("*.html"))
    first, second, third = (p.read_bytes() for p in rng.sample(pages, 3))
    words = b" ".join(re.findall(rb"[A-Za-z]{4,}", second)[:400]).decode()
    return {
        "truncated.html": truncated(first, rng),
        "flipped.html": flipped(second, rng),
        "random.html": rng.randbytes(30_000),
        "huge-attribute.html": third.replace(b"<body", b'<body data-x="' + b"A" * (8 * MB) + b'"', 1),
        "deep.html": deeply_nested("div", 100_000, f"<p>{words}</p>").encode(),
        "unclosed.html": first.replace(b">", b""),
        "bad-utf8.html": second[:4000] + b"\xff\xfe\xc3\x28\xa0\xa1" * 500 + second[4000:],
        "entity-bomb.xhtml": (BILLION_LAUGHS + f"<html><body><p>&lol9; {words}</p></body></html>").encode(),
        "page-named.mp3": first,
        "page-named.xml": second,
    }


def feed_inputs(rng: random.Random, folder: Path) -> dict[str, bytes]:
    # Enclosures point at loopback so nothing leaves this machine; without CLOUT_ALLOW_PRIVATE_URLS they are refused.
    raw = (DATA / "feeds" / "uyd.xml").read_bytes()
    numbers = iter(range(10**6))
    feed = re.sub(rb'url="https?://[^"]+"', lambda m: b'url="http://127.0.0.1:9/FEED/%d.mp3"' % next(numbers), raw)
    (folder / "text-named.mp3").write_text("This is not audio at all, only words. " * 50)
    local = re.sub(rb'url="http://127.0.0.1:9/FEED/0.mp3"', b'url="text-named.mp3"', feed)
    items = feed.index(b"<item")
    feeds = {
        "feed-truncated.xml": truncated(feed, rng),
        "feed-flipped.xml": flipped(feed, rng, 0.005),
        "feed-random.xml": b"<rss>" + rng.randbytes(20_000),
        "feed-deep.xml": feed[:items] + deeply_nested("x", 100_000, "deep").encode() + feed[items:],
        "feed-huge-attribute.xml": feed[:items] + b'<item a="' + b"B" * (4 * MB) + b'"><title>t</title></item>' + feed[items:],
        "feed-entity-bomb.xml": BILLION_LAUGHS.encode() + b"<rss><channel><title>&lol9;</title></channel></rss>",
        "feed-local-enclosure.xml": local,
        "feed-named.wav": feed,
    }
    # Each feed's episodes name the feed, so its lines can be told apart from the others'.
    return {name: data.replace(b"/FEED/", f"/{name}/".encode()) for name, data in feeds.items()}


def audio_inputs(rng: random.Random) -> dict[str, bytes]:
    mp3 = (DATA / "audio" / "wcpp_jfk.mp3").read_bytes()
    wav = (DATA / "audio" / "wcpp_jfk.wav").read_bytes()
    flac = (DATA / "audio" / "jfk.flac").read_bytes()
    huge_header = wav[:40] + (2**32 - 1).to_bytes(4, "little") + wav[44:2000]
    return {
        "audio-truncated.wav": wav[:3000],
        "audio-truncated.flac": truncated(flac, rng),
        "audio-flipped.mp3": flipped(mp3, rng, 0.01),
        "audio-random.mp3": rng.randbytes(50_000),
        "audio-header-lies.wav": huge_header,
        "audio-empty.ogg": b"",
        "audio-text.opus": b"OggS but not really " * 100,
    }


@pytest.fixture(scope="module")
def mangled(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("mangled")
    rng = random.Random(SEED)
    inputs = html_inputs(rng) | feed_inputs(rng, folder) | audio_inputs(rng)
    for name, data in inputs.items():
        (folder / name).write_bytes(data)
    return folder


# -- what must hold --------------------------------------------------------------------------


def snapshot(data_dir: Path) -> dict:
    """Every stored document with its chunks, as the store holds them."""
    from clout.index.kb import KnowledgeBase

    kb = KnowledgeBase(data_dir, readonly=True)
    try:
        return {
            doc.source: (asdict(doc), [(c.id, c.position, c.text) for c in kb.store.document_chunks(doc.id)])
            for doc in kb.store.documents()
        }
    finally:
        kb.close()


def top_hit(data_dir: Path) -> tuple:
    hit = json.loads(clout("search", "--json", QUERY, data_dir=data_dir).stdout)["results"][0]
    return hit["doc_id"], hit["text"]


def outcome_lines(output: str) -> list[str]:
    assert "Traceback" not in output and "unexpected error" not in output, output
    lines = [line for line in output.splitlines() if line.strip()]
    summary = lines.pop()
    assert re.fullmatch(r"(\d+ [a-z -]+(, )?)+ in [\d.]+ s", summary), summary
    for line in lines:
        assert line.startswith(STATUSES), f"not an outcome line: {line!r}"
        if line.startswith("failed: "):
            assert re.fullmatch(r"failed: \S.*: \S.+", line), line
    return lines


def assert_untouched(before: dict, after: dict, lines: list[str]) -> None:
    for source, (row, chunks) in before.items():
        assert source in after, f"{source} was lost"
        assert after[source][1] == chunks, f"the chunks of {source} changed"
        assert {k: v for k, v in after[source][0].items() if k != "updated_at"} == {k: v for k, v in row.items() if k != "updated_at"}
    added = sum(line.startswith(("added: ", "duplicate-of ")) for line in lines)
    assert len(after) == len(before) + added


@pytest.mark.slow
def test_mangled_local_files_each_ingest_or_fail_with_one_clear_line(mangled, corpus_copy):
    before, hit_before = snapshot(corpus_copy), top_hit(corpus_copy)
    stats_before = json.loads(clout("stats", "--json", data_dir=corpus_copy).stdout)

    result = clout("ingest", "--limit", "2", *sorted(str(p) for p in mangled.iterdir()), data_dir=corpus_copy)
    assert result.exit_code == 1, result.output
    lines = outcome_lines(result.output)

    for path in mangled.iterdir():
        if path.name == "text-named.mp3":
            continue  # only the feed that lists it offers it
        named = (str(path), f"/{path.name}/")  # a feed's episodes carry its name in their URLs
        assert any(n in line for line in lines for n in named), f"no line names {path.name}:\n{result.output}"
    failed = {line.split(": ", 2)[1]: line.split(": ", 2)[2] for line in lines if line.startswith("failed: ")}
    expect = {
        "random.html": "binary data",
        "page-named.mp3": "audio",
        "page-named.xml": "not",  # not an RSS or Atom feed
        "feed-random.xml": "",
        "audio-random.mp3": "cannot be decoded as audio",
        "audio-empty.ogg": "empty",
        "audio-text.opus": "cannot be decoded as audio",
        "text-named.mp3": "cannot be decoded as audio",
    }
    for name, reason in expect.items():
        assert str(mangled / name) in failed and reason in failed[str(mangled / name)], f"{name}:\n{result.output}"
    assert all("private address" in failed[s] for s in failed if "127.0.0.1:9/" in s), "loopback enclosures are refused"

    after = snapshot(corpus_copy)
    assert_untouched(before, after, lines)
    stats_after = json.loads(clout("stats", "--json", data_dir=corpus_copy).stdout)
    assert stats_after["consistent"] and stats_after["vectors"] == stats_after["chunks"] >= stats_before["chunks"]
    assert top_hit(corpus_copy) == hit_before


def serve_mangled(httpserver, mangled: Path) -> dict[str, str]:
    """The mangled pages and feeds, and gzip bombs, as a web server would send them."""
    html, rss = "text/html; charset=utf-8", "application/rss+xml"
    served = {
        "/truncated.html": ("truncated.html", html), "/flipped.html": ("flipped.html", html),
        "/random.html": ("random.html", html), "/deep.html": ("deep.html", html),
        "/entity-bomb.html": ("entity-bomb.xhtml", "application/xhtml+xml"),
        "/feed-truncated.xml": ("feed-truncated.xml", rss), "/feed-random.xml": ("feed-random.xml", rss),
        "/feed-deep.xml": ("feed-deep.xml", rss), "/feed-entity-bomb.xml": ("feed-entity-bomb.xml", rss),
        "/feed-as-html": ("feed-flipped.xml", html), "/audio-as-html": ("audio-flipped.mp3", html),
    }
    for route, (name, content_type) in served.items():
        # Enclosures point at this server, which answers 404 for them at once.
        body = (mangled / name).read_bytes().replace(b"http://127.0.0.1:9/", httpserver.url_for("/").encode())
        httpserver.expect_request(route).respond_with_data(body, content_type=content_type)
    bomb = gzip.compress(b"<p>" + b" " * (40 * MB))
    for route, content_type in (("/bomb.html", html), ("/bomb.xml", rss)):
        httpserver.expect_request(route).respond_with_data(bomb, content_type=content_type, headers={"Content-Encoding": "gzip"})
    urls = {httpserver.url_for(route): name for route, (name, _) in served.items()}
    return urls | {httpserver.url_for(route): route for route in ("/bomb.html", "/bomb.xml")}


@pytest.mark.slow
def test_mangled_pages_and_feeds_from_a_server_each_get_one_clear_line(httpserver, mangled, corpus_copy):
    httpserver.no_handler_status_code = 404
    urls = serve_mangled(httpserver, mangled)
    before, hit_before = snapshot(corpus_copy), top_hit(corpus_copy)

    result = clout("ingest", "--limit", "2", *urls, data_dir=corpus_copy, env=PRIVATE)
    assert result.exit_code == 1, result.output
    lines = outcome_lines(result.output)
    for url, name in urls.items():
        named = (url, f"/{name}/")  # a feed's episodes carry its name in their URLs
        assert any(n in line for line in lines for n in named), f"no line names {url}:\n{result.output}"
    for route in ("/bomb.html", "/bomb.xml"):
        assert f"failed: {httpserver.url_for(route)}: " in result.output and "larger than 5 MB" in result.output

    assert_untouched(before, snapshot(corpus_copy), lines)
    assert top_hit(corpus_copy) == hit_before
