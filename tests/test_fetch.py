"""The safe HTTP client against a real server on 127.0.0.1: limits, retries, redirects, robots, SSRF."""
from __future__ import annotations

import gzip
import time

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
