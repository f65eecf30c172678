"""`clout ingest` and `clout extract` with URLs, against real pages served on 127.0.0.1."""
from __future__ import annotations

import json

import pytest
from werkzeug import Response

from conftest import DATA, clout

ARTICLES = DATA / "articles"
ENV = {"CLOUT_ALLOW_PRIVATE_URLS": "1", "CLOUT_PER_HOST_DELAY_MS": "0", "CLOUT_HTTP_TIMEOUT": "2"}
GOLD = json.loads((ARTICLES / "evaldata.json").read_text())
PICKS = [u for u in GOLD if any(k in u for k in ("lemire.me", "flowfx.de", "tofugu.com"))]
NO_ARTICLE = b"<html><head><title>Tags</title></head><body><nav><a href='/'>Home</a></nav></body></html>"


@pytest.fixture
def site(httpserver):
    httpserver.no_handler_status_code = 404
    paths = []
    for i, url in enumerate(PICKS):
        html = (ARTICLES / "html" / GOLD[url]["file"]).read_bytes()
        path = f"/post/{i}"
        paths.append(path)

        def serve(request, html=html):
            if request.headers.get("If-None-Match") == '"v1"':
                return Response(status=304)
            return Response(html, content_type="text/html; charset=utf-8", headers={"ETag": '"v1"'})

        httpserver.expect_request(path).respond_with_handler(serve)
    base = httpserver.url_for("")
    urls = "".join(f"<url><loc>{base}post/{i}</loc><lastmod>2020-0{i + 1}-01</lastmod></url>" for i in range(len(PICKS)))
    httpserver.expect_request("/sitemap.xml").respond_with_data(
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
        content_type="application/xml")
    httpserver.expect_request("/robots.txt").respond_with_data(f"User-agent: *\nDisallow: /admin\nSitemap: {base}sitemap.xml\n",
                                                               content_type="text/plain")
    items = "".join(f"<item><title>Post {i}</title><link>{base}post/{i}</link><pubDate>Mon, 0{i + 1} Jun 2020 10:00:00 GMT</pubDate></item>"
                    for i in range(len(PICKS)))
    httpserver.expect_request("/feed.xml").respond_with_data(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title><link>{base}</link>{items}</channel></rss>',
        content_type="application/rss+xml")
    links = "".join(f'<li><a href="{p}">post</a></li>' for p in paths)
    httpserver.expect_request("/").respond_with_data(f"<html><body><ul>{links}<a href='http://example.org/x'>out</a></ul></body></html>",
                                                     content_type="text/html")
    httpserver.expect_request("/empty").respond_with_data(NO_ARTICLE, content_type="text/html")
    httpserver.expect_request("/broken").respond_with_data("oops", status=500)
    httpserver.expect_request("/file.zip").respond_with_data(b"PK\x03\x04", content_type="application/zip")
    httpserver.expect_request("/admin/page").respond_with_data(NO_ARTICLE, content_type="text/html")
    return httpserver


def test_a_sitemap_is_ingested_and_a_rerun_is_unchanged(site, data_dir):
    result = clout("ingest", site.url_for("/sitemap.xml"), data_dir=data_dir, env=ENV)
    assert result.exit_code == 0, result.output
    assert sum(line.startswith("added: ") for line in result.output.splitlines()) == len(PICKS)
    again = clout("ingest", site.url_for("/sitemap.xml"), data_dir=data_dir, env=ENV)
    assert again.output.count("unchanged: ") == len(PICKS) and "not modified" in again.output
    hits = json.loads(clout("search", "--json", "simdjson JSON parsing speed", data_dir=data_dir).stdout)["results"]
    assert hits[0]["title"] == "JSON parsing: simdjson vs. JSON for Modern C++" and hits[0]["author"] == "Daniel Lemire"


def test_robots_txt_feed_and_limits_in_a_dry_run(site, data_dir):
    result = clout("ingest", "--dry-run", site.url_for("/robots.txt"), data_dir=data_dir, env=ENV)
    assert result.output.count("would ingest: ") == len(PICKS)
    feed = clout("ingest", "--dry-run", "--limit", "2", site.url_for("/feed.xml"), data_dir=data_dir, env=ENV)
    planned = [line for line in feed.output.splitlines() if line.startswith("would ingest")]
    assert planned == [f"would ingest: {site.url_for('/post/2')} (page)", f"would ingest: {site.url_for('/post/1')} (page)"]
    since = clout("ingest", "--dry-run", "--since", "2020-02-15", site.url_for("/sitemap.xml"), data_dir=data_dir, env=ENV)
    assert since.output.count("would ingest: ") == 1 and "post/2" in since.output


def test_a_crawl_follows_links_on_the_same_site(site, data_dir):
    result = clout("ingest", "--dry-run", "--max-depth", "1", site.url_for("/"), data_dir=data_dir, env=ENV)
    assert result.output.count("would ingest: ") == 1 + len(PICKS)
    assert "example.org" not in result.output


def test_bad_urls_each_get_one_line_and_the_batch_goes_on(site, data_dir):
    result = clout("ingest", site.url_for("/empty"), site.url_for("/broken"), site.url_for("/gone"),
                   site.url_for("/file.zip"), site.url_for("/admin/page"), site.url_for("/post/0"),
                   data_dir=data_dir, env=ENV | {"CLOUT_HTTP_RETRIES": "0"})
    out = result.output
    assert result.exit_code == 1
    assert f"failed: {site.url_for('/empty')}: no article text found on the page" in out
    assert f"failed: {site.url_for('/broken')}: the server answered 500" in out
    assert f"failed: {site.url_for('/gone')}: the server answered 404" in out
    assert f"failed: {site.url_for('/file.zip')}: unsupported content type application/zip" in out
    assert f"failed: {site.url_for('/admin/page')}: the site's robots.txt disallows" in out
    assert f"added: {site.url_for('/post/0')}" in out


def test_private_urls_are_refused_without_the_setting(site, data_dir):
    result = clout("ingest", site.url_for("/post/0"), data_dir=data_dir, env={"CLOUT_ALLOW_PRIVATE_URLS": "0"})
    assert result.exit_code == 1 and "resolves to a private address" in result.output


def test_extract_prints_what_ingest_would_store(site, data_dir):
    url = site.url_for("/post/0")
    result = clout("extract", "--json", url, str(ARTICLES / "html" / GOLD[PICKS[1]]["file"]), data_dir=data_dir, env=ENV)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["source"] for r in records][0] == url and len(records) == 2
    gold = GOLD[PICKS[0]]
    assert (records[0]["title"], records[0]["author"], records[0]["date"]) == (gold["title"], gold["author"], gold["date"])
    assert all(s in records[0]["text"] for s in gold["with"][:3])
    assert not data_dir.exists() or not any(data_dir.iterdir())


SHOW = ('<?xml version="1.0"?><rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel>'
        "<title>Buy-In Radio</title><language>en</language><item><title>Ask your sponsor</title><guid>ep-1</guid>"
        '<pubDate>Mon, 03 Jun 2024 09:00:00 +0000</pubDate><enclosure url="ep1.mp3" length="1000" type="audio/mpeg"/>'
        '<podcast:transcript url="ep1.vtt" type="text/vtt"/></item></channel></rss>')
SHOW_VTT = ("WEBVTT\n\n00:00:00.500 --> 00:00:06.000\nAsk your sponsor what the board worries about this quarter.\n\n"
            "00:00:06.000 --> 00:00:12.000\nThen tie your project to that worry in one sentence.\n")


def test_a_page_and_a_podcast_feed_in_one_batch_read_robots_txt_once(site, data_dir):
    """The web stage (page, feed) and the podcast stage (its publisher transcript) share the batch's one
    fetcher, so the host's robots.txt is fetched once, not once per stage."""
    site.expect_request("/show/feed.xml").respond_with_data(SHOW, content_type="application/rss+xml")
    site.expect_request("/show/ep1.vtt").respond_with_data(SHOW_VTT, content_type="text/vtt")
    result = clout("ingest", site.url_for("/post/0"), site.url_for("/show/feed.xml"), data_dir=data_dir, env=ENV)
    assert result.exit_code == 0, result.output
    assert f"added: {site.url_for('/post/0')}" in result.output
    assert f"added: {site.url_for('/show/ep1.mp3')}" in result.output
    requested = [request.path for request, _ in site.log]
    assert "/show/ep1.vtt" in requested and "/show/ep1.mp3" not in requested  # the transcript, not the audio
    assert requested.count("/robots.txt") == 1, requested
