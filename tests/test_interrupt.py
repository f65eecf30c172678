"""Ctrl-C during a long web ingest stops cleanly, keeps what was stored, and a re-run continues."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from werkzeug import Response

from conftest import DATA, ROOT, clout

ARTICLES = DATA / "articles"
GOLD = json.loads((ARTICLES / "evaldata.json").read_text())
PAGES = [GOLD[u]["file"] for u in sorted(GOLD)][:12]
pytestmark = pytest.mark.slow  # a real subprocess ingests a dozen slow pages, twice


def test_ctrl_c_stops_cleanly_and_a_rerun_continues(httpserver, data_dir):
    def slow_page(request):
        time.sleep(0.4)  # slow enough that Ctrl-C lands mid-batch
        name = PAGES[int(request.path.rsplit("/", 1)[-1])]
        return Response((ARTICLES / "html" / name).read_bytes(), content_type="text/html; charset=utf-8")

    for i in range(len(PAGES)):
        httpserver.expect_request(f"/post/{i}").respond_with_handler(slow_page)
    urls = "".join(f"<url><loc>{httpserver.url_for(f'/post/{i}')}</loc></url>" for i in range(len(PAGES)))
    httpserver.expect_request("/sitemap.xml").respond_with_data(
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
        content_type="application/xml",
    )
    env = {**os.environ, "CLOUT_ALLOW_PRIVATE_URLS": "1", "CLOUT_PER_HOST_DELAY_MS": "0", "CLOUT_DOWNLOAD_WORKERS": "2"}
    sitemap = httpserver.url_for("/sitemap.xml")
    proc = subprocess.Popen(
        [sys.executable, "-m", "clout", "--data-dir", str(data_dir), "ingest", sitemap],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    first = proc.stdout.readline()  # wait for the first stored page, then press Ctrl-C
    assert first.startswith(("added: ", "failed: ")), first
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted: what was done is saved" in err and "Traceback" not in err
    done_before = [line for line in [first, *out.splitlines()] if line.startswith("added: ")]
    assert 1 <= len(done_before) < len(PAGES)

    stats = json.loads(clout("stats", "--json", data_dir=data_dir).stdout)
    assert stats["consistent"] and stats["documents"] == len(done_before)

    again = clout("ingest", sitemap, data_dir=data_dir, env={k: env[k] for k in ("CLOUT_ALLOW_PRIVATE_URLS", "CLOUT_PER_HOST_DELAY_MS")})
    lines = again.output.splitlines()
    added = [l for l in lines if l.startswith("added: ")]
    unchanged = [l for l in lines if l.startswith("unchanged: ")]
    failed = [l for l in lines if l.startswith("failed: ")]
    assert len(unchanged) == len(done_before)  # stored pages are not stored twice
    assert len(added) + len(unchanged) + len(failed) == len(PAGES)
    final = json.loads(clout("stats", "--json", data_dir=data_dir).stdout)
    assert final["consistent"] and final["documents"] + final["duplicates"] == len(added) + len(done_before)
