"""Rate limiting answers 429 with Retry-After; slow clients do not starve the others."""
from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request

import pytest
from waitress.server import create_server

from conftest import make_app
from clout.cli.serve import SLOW_CLIENT_LIMITS
from clout.web.ratelimit import TokenBuckets


def test_token_bucket_refills_at_its_rate():
    now = [0.0]
    buckets = TokenBuckets(per_minute=60, burst=2, clock=lambda: now[0])
    assert buckets.take("a") == 0 and buckets.take("a") == 0
    assert buckets.take("a") == pytest.approx(1.0)  # empty: one token a second
    assert buckets.take("b") == 0  # another client has its own bucket
    now[0] += 1.0
    assert buckets.take("a") == 0


def test_a_remote_client_over_its_limit_gets_429_with_retry_after(corpus_data):
    app = make_app(corpus_data, rate_limit_per_minute=12)
    remote = app.test_client()
    remote.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    statuses = [remote.get("/api/search?q=buy+in").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # a burst of 12/6 = 2, then empty
    response = remote.get("/api/search?q=buy+in")
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 429 and "12 a minute" in body["error"]
    assert int(response.headers["Retry-After"]) >= 1
    local = app.test_client()  # loopback is exempt by default
    assert all(local.get("/api/search?q=buy+in").status_code == 200 for _ in range(5))
    strict = make_app(corpus_data, rate_limit_per_minute=12, rate_limit_loopback=True)
    assert [strict.test_client().get("/api/search?q=x").status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.slow
def test_slow_clients_do_not_starve_others(app):
    limits = {**SLOW_CLIENT_LIMITS, "channel_timeout": 2, "cleanup_interval": 1}
    srv = create_server(app, host="127.0.0.1", port=0, threads=2, **limits)
    threading.Thread(target=srv.run, daemon=True).start()
    port = srv.effective_port
    slow = []
    try:
        for _ in range(60):  # slowloris: open, send half a request line, never finish
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /api/search?q=buy HTTP/1.1\r\nHost: x\r\n")
            slow.append(s)
        started = time.perf_counter()
        for _ in range(5):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=buy+in", timeout=10) as r:
                assert r.status == 200 and json.loads(r.read())["results"]
        assert time.perf_counter() - started < 10
        time.sleep(4)  # past channel_timeout: the silent connections are closed by the server
        closed = 0
        for s in slow:
            s.settimeout(1)
            try:
                closed += s.recv(1) == b""
            except OSError:
                closed += 1
        assert closed == len(slow)
    finally:
        for s in slow:
            s.close()
        srv.close()
