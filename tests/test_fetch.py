"""The safe HTTP client against a real server on 127.0.0.1: limits, retries, redirects, robots, SSRF."""
from __future__ import annotations

import gzip
import time
import zlib

import pytest
from werkzeug import Response

from clout.settings import Settings
from clout.ingest import fetch
from clout.ingest.fetch import Fetcher, FetchError, check_address

MB = 1024 * 1024
PAGE = b"<html><body><p>hello</p></body></html>"


@pytest.fixture
def server(httpserver):
    httpserver.no_handler_status_code = 404  # so /robots.txt is simply absent unless a test serves one
    return httpserver


def fetcher(**overrides) -> Fetcher:
    settings = dict(allow_private_urls=True, per_host_delay=0.0, retry_backoff=0.01, http_timeout=5.0)
    return Fetcher(Settings(**(settings | overrides)))


def test_a_page_comes_back_with_its_validators(server):
    server.expect_request("/a").respond_with_data(PAGE, content_type="text/html; charset=utf-8", headers={"ETag": '"v1"'})
    response = fetcher().get(server.url_for("/a"), accept=("text/html",))
    assert response.body == PAGE and response.status == 200
    assert response.etag == '"v1"' and response.charset == "utf-8"
    assert "CloutBot" in server.log[-1][0].headers["User-Agent"]


def test_private_addresses_are_refused_by_default(server):
    server.expect_request("/a").respond_with_data(PAGE, content_type="text/html")
    with pytest.raises(FetchError, match="private address .*CLOUT_ALLOW_PRIVATE_URLS=1"):
        Fetcher(Settings(per_host_delay=0)).get(server.url_for("/a"))
    for url in ("http://10.1.2.3/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://224.0.0.1/"):
        with pytest.raises(FetchError, match="private address"):
            check_address(url, allow_private=False)
    with pytest.raises(FetchError, match="only http"):
        check_address("file:///etc/passwd", allow_private=True)
    assert not server.log  # refused before any connection


def test_a_redirect_to_a_private_address_is_refused(server, monkeypatch):
    # No public server is reachable from a test, so the test server's own address is treated as public
    # (only for its port); every other address goes through the real check.
    real = fetch._resolve
    monkeypatch.setattr(fetch, "_resolve", lambda url, allow: "127.0.0.1" if f":{server.port}/" in url else real(url, False))
    server.expect_request("/go").respond_with_data("", status=302, headers={"Location": "http://10.0.0.7/admin"})
    server.expect_request("/local").respond_with_data("", status=301, headers={"Location": "http://localhost:9/x"})
    plain = fetcher(allow_private_urls=False, respect_robots=False)
    with pytest.raises(FetchError, match=r"10\.0\.0\.7 resolves to a private address"):
        plain.get(server.url_for("/go"))
    with pytest.raises(FetchError, match="localhost resolves to a private address"):
        plain.get(server.url_for("/local"))


def test_redirects_are_followed_up_to_a_limit(server):
    server.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    server.expect_request("/new").respond_with_data(PAGE, content_type="text/html")
    assert fetcher().get(server.url_for("/old")).url == server.url_for("/new")
    for i in range(8):
        server.expect_request(f"/loop{i}").respond_with_data("", status=302, headers={"Location": f"/loop{i + 1}"})
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetcher().get(server.url_for("/loop0"))


def test_http_errors_name_the_status_and_server_errors_are_retried_with_a_bound(server):
    server.expect_request("/missing").respond_with_data("no", status=404)
    with pytest.raises(FetchError, match="answered 404"):
        fetcher().get(server.url_for("/missing"))
    server.expect_request("/broken").respond_with_data("oops", status=500)
    with pytest.raises(FetchError, match="answered 500") as error:
        fetcher(http_retries=2).get(server.url_for("/broken"))
    assert error.value.status == 500
    assert sum(r.path == "/broken" for r, _ in server.log) == 3  # one try and two retries, then it gives up


def test_a_transient_error_is_retried_until_it_succeeds(server):
    server.expect_ordered_request("/flaky").respond_with_data("busy", status=503)
    server.expect_ordered_request("/flaky").respond_with_data(PAGE, content_type="text/html")
    assert fetcher(respect_robots=False).get(server.url_for("/flaky")).body == PAGE


def test_a_slow_server_times_out(server):
    def slow(request):
        time.sleep(1.5)
        return Response(PAGE, content_type="text/html")

    server.expect_request("/slow").respond_with_handler(slow)
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        fetcher(http_timeout=0.3, http_retries=0).get(server.url_for("/slow"))
    assert time.monotonic() - started < 1.4


def test_bodies_over_the_limit_are_refused_plain_or_compressed(server):
    server.expect_request("/big").respond_with_data(b"x" * (30 * MB), content_type="text/html")
    with pytest.raises(FetchError, match="over the 5 MB limit"):
        fetcher().get(server.url_for("/big"))
    bomb = gzip.compress(b"\0" * (30 * MB))
    assert len(bomb) < MB // 10
    server.expect_request("/bomb").respond_with_data(bomb, content_type="text/html", headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="larger than 5 MB"):
        fetcher().get(server.url_for("/bomb"))
    server.expect_request("/small.gz").respond_with_data(gzip.compress(PAGE), content_type="text/html", headers={"Content-Encoding": "gzip"})
    assert fetcher().get(server.url_for("/small.gz")).body == PAGE


def test_a_wrong_content_type_is_refused(server):
    server.expect_request("/photo").respond_with_data(b"\x89PNG...", content_type="image/png")
    with pytest.raises(FetchError, match="unsupported content type image/png"):
        fetcher().get(server.url_for("/photo"), accept=("text/html",))


def test_conditional_get_gives_not_modified(server):
    def page(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(PAGE, content_type="text/html", headers={"ETag": '"v1"'})

    server.expect_request("/c").respond_with_handler(page)
    assert fetcher().get(server.url_for("/c"), etag='"v1"').not_modified


def test_robots_txt_is_respected_unless_told_otherwise(server):
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    server.expect_request("/private/page").respond_with_data(PAGE, content_type="text/html")
    server.expect_request("/public").respond_with_data(PAGE, content_type="text/html")
    polite = fetcher()
    with pytest.raises(FetchError, match="robots.txt disallows"):
        polite.get(server.url_for("/private/page"))
    assert polite.get(server.url_for("/public")).body == PAGE
    assert sum(r.path == "/robots.txt" for r, _ in server.log) == 1  # cached per site
    assert fetcher(respect_robots=False).get(server.url_for("/private/page")).body == PAGE


def test_requests_to_one_host_are_spaced_out(server):
    server.expect_request("/p").respond_with_data(PAGE, content_type="text/html")
    client = fetcher(per_host_delay=0.3, respect_robots=False)
    started = time.monotonic()
    for _ in range(3):
        client.get(server.url_for("/p"))
    assert time.monotonic() - started >= 0.6


def test_download_streams_to_a_file_with_progress_and_a_limit(server, tmp_path):
    audio = bytes(range(256)) * 4096
    server.expect_request("/a.mp3").respond_with_data(audio, content_type="audio/mpeg")
    seen = []
    dest = fetcher().download(server.url_for("/a.mp3"), tmp_path / "a.mp3", progress=lambda done, total: seen.append((done, total)))
    assert dest.read_bytes() == audio and seen[-1] == (len(audio), len(audio))
    with pytest.raises(FetchError, match="over the"):
        fetcher().download(server.url_for("/a.mp3"), tmp_path / "b.mp3", max_bytes=1000)
    assert not (tmp_path / "b.mp3").exists()


def test_robots_txt_longest_match_wins_and_wildcards_apply(server):
    # RFC 9309: the longest matching rule decides, and `*` / `$` are wildcards. The stdlib parser took
    # the first matching line (so the Allow below was never reached) and read `*` literally.
    server.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /guides/\nAllow: /guides/public/\nDisallow: /*.pdf$\n", content_type="text/plain"
    )
    for path in ("/guides/public/buy-in", "/guides/secret", "/files/deck.pdf", "/files/deck.pdf.html"):
        server.expect_request(path).respond_with_data(PAGE, content_type="text/html")
    polite = fetcher()
    assert polite.get(server.url_for("/guides/public/buy-in")).body == PAGE
    assert polite.get(server.url_for("/files/deck.pdf.html")).body == PAGE
    for path in ("/guides/secret", "/files/deck.pdf"):
        with pytest.raises(FetchError, match="robots.txt disallows"):
            polite.get(server.url_for(path))
    assert not any(r.path in ("/guides/secret", "/files/deck.pdf") for r, _ in server.log)


def test_a_robots_txt_server_error_disallows_the_whole_site(server):
    server.expect_request("/robots.txt").respond_with_data("down", status=500)
    server.expect_request("/page").respond_with_data(PAGE, content_type="text/html")
    with pytest.raises(FetchError, match="robots.txt disallows"):
        fetcher(http_retries=0).get(server.url_for("/page"))
    assert not any(r.path == "/page" for r, _ in server.log)  # RFC 9309: 5xx means "assume complete disallow"


def test_a_missing_robots_txt_allows_everything(server):
    server.expect_request("/robots.txt").respond_with_data("gone", status=410)
    server.expect_request("/page").respond_with_data(PAGE, content_type="text/html")
    assert fetcher().get(server.url_for("/page")).body == PAGE


def _spacing(server, path: str, client: Fetcher, n: int = 3) -> list[float]:
    for _ in range(n):
        client.get(server.url_for(path))
    # The robots.txt request comes first; the pages' arrival times show the spacing the fetcher kept.
    times = [t for t, p in server.arrivals if p == path]
    return [b - a for a, b in zip(times, times[1:])]


@pytest.fixture
def timed(server):
    """The test server, remembering when each request arrived."""
    server.arrivals = []
    original = server.dispatch

    def dispatch(request):
        server.arrivals.append((time.monotonic(), request.path))
        return original(request)

    server.dispatch = dispatch
    yield server
    del server.dispatch  # the server outlives the test


def test_crawl_delay_is_honoured(timed):
    timed.expect_request("/robots.txt").respond_with_data("User-agent: *\nCrawl-delay: 0.4\n", content_type="text/plain")
    timed.expect_request("/p").respond_with_data(PAGE, content_type="text/html")
    gaps = _spacing(timed, "/p", fetcher(per_host_delay=0.0))
    assert len(gaps) == 2 and min(gaps) >= 0.38, gaps


def test_a_huge_crawl_delay_is_capped(timed, monkeypatch):
    # The cap is lowered so the test takes a second; the code path is the real one (min with the cap).
    monkeypatch.setattr(fetch, "MAX_CRAWL_DELAY", 0.3)
    timed.expect_request("/robots.txt").respond_with_data("User-agent: *\nCrawl-delay: 86400\n", content_type="text/plain")
    timed.expect_request("/p").respond_with_data(PAGE, content_type="text/html")
    started = time.monotonic()
    gaps = _spacing(timed, "/p", fetcher(per_host_delay=0.0))
    assert min(gaps) >= 0.28 and time.monotonic() - started < 5, gaps


@pytest.mark.parametrize("wrapping", ["zlib", "raw"])
def test_deflate_bodies_are_read_with_or_without_a_zlib_header(server, wrapping):
    # "deflate" is zlib-wrapped by the standard (RFC 9110), but some servers send the raw stream.
    def deflate(data: bytes) -> bytes:
        packer = zlib.compressobj(wbits=zlib.MAX_WBITS if wrapping == "zlib" else -zlib.MAX_WBITS)
        return packer.compress(data) + packer.flush()

    server.expect_request("/d").respond_with_data(deflate(PAGE), content_type="text/html", headers={"Content-Encoding": "deflate"})
    assert fetcher().get(server.url_for("/d")).body == PAGE
    bomb = deflate(b"\0" * (30 * MB))
    assert len(bomb) < MB // 10
    server.expect_request("/bomb").respond_with_data(bomb, content_type="text/html", headers={"Content-Encoding": "deflate"})
    with pytest.raises(FetchError, match="larger than 5 MB"):
        fetcher().get(server.url_for("/bomb"))


def test_a_corrupt_deflate_body_is_one_clear_error(server):
    server.expect_request("/d").respond_with_data(b"\x78\x9c" + b"not deflate at all" * 10, content_type="text/html",
                                                  headers={"Content-Encoding": "deflate"})
    with pytest.raises(FetchError, match="corrupt compressed body"):
        fetcher().get(server.url_for("/d"))


AUDIO = bytes(range(256)) * 4096  # 1 MB


def ranged(request):
    """A server that honours `Range: bytes=N-` like a real one: 206 with the rest, 416 past the end."""
    wanted = request.headers.get("Range", "")
    if not wanted:
        return Response(AUDIO, content_type="audio/mpeg")
    start = int(wanted.removeprefix("bytes=").rstrip("-"))
    if start >= len(AUDIO):
        return Response(status=416, headers={"Content-Range": f"bytes */{len(AUDIO)}"})
    return Response(AUDIO[start:], status=206, content_type="audio/mpeg",
                    headers={"Content-Range": f"bytes {start}-{len(AUDIO) - 1}/{len(AUDIO)}"})


def test_an_interrupted_download_resumes_from_its_part_file(server, tmp_path):
    server.expect_request("/a.mp3").respond_with_handler(ranged)
    dest = tmp_path / "a.mp3"
    (tmp_path / "a.mp3.part").write_bytes(AUDIO[:300_000])
    seen = []
    fetcher().download(server.url_for("/a.mp3"), dest, progress=lambda done, total: seen.append((done, total)))
    assert dest.read_bytes() == AUDIO and not (tmp_path / "a.mp3.part").exists()
    request = next(r for r, _ in server.log if r.path == "/a.mp3")
    assert request.headers["Range"] == "bytes=300000-"
    assert seen[0][0] > 300_000 and seen[-1] == (len(AUDIO), len(AUDIO))  # counted from where it resumed


def test_a_part_file_that_is_already_complete_is_kept_on_416(server, tmp_path):
    server.expect_request("/a.mp3").respond_with_handler(ranged)
    dest = tmp_path / "a.mp3"
    (tmp_path / "a.mp3.part").write_bytes(AUDIO)
    fetcher().download(server.url_for("/a.mp3"), dest)
    assert dest.read_bytes() == AUDIO and not (tmp_path / "a.mp3.part").exists()
    assert [(r.headers["Range"], response.status_code) for r, response in server.log if r.path == "/a.mp3"] == [
        (f"bytes={len(AUDIO)}-", 416)
    ]


def test_a_server_that_ignores_range_gets_the_whole_file_again(server, tmp_path):
    server.expect_request("/a.mp3").respond_with_data(AUDIO, content_type="audio/mpeg")  # always 200
    dest = tmp_path / "a.mp3"
    (tmp_path / "a.mp3.part").write_bytes(b"stale" * 1000)
    fetcher().download(server.url_for("/a.mp3"), dest)
    assert dest.read_bytes() == AUDIO
