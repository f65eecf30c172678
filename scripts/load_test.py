"""Load on /api/search: N concurrent clients for S seconds (closed loop), or a fixed request rate
(open loop, so slow answers cannot hide behind fewer requests). Loopback servers only.

    python scripts/load_test.py --url http://127.0.0.1:5000 --clients 50 --seconds 60
    python scripts/load_test.py --url http://127.0.0.1:5000 --rate 20 --seconds 60
    python scripts/load_test.py --data-dir data --clients 50 --seconds 60   # starts `clout serve` itself
"""
from __future__ import annotations

import argparse
import http.client
import json
import queue
import random
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUERIES = [
    "how do I get senior executives to buy in", "stakeholder map", "winning internal support",
    "persuading colleagues without authority", "customer experience business case", "executive sponsor",
    "frontline staff influence", "quick wins to build credibility", "ROI of customer service",
    "how to talk to the CFO about CX",
]


def percentile(ms: list[float], p: float) -> float:
    return round(ms[min(len(ms) - 1, int(p / 100 * len(ms)))], 1) if ms else 0.0


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}

    def record(self, status: str, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds * 1000)
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def report(self, wall: float) -> dict:
        ms = sorted(self.latencies)
        errors = sum(n for s, n in self.statuses.items() if s != "200")
        return {"requests": len(ms), "errors": errors, "statuses": self.statuses, "qps": round(len(ms) / wall, 1),
                "p50_ms": percentile(ms, 50), "p99_ms": percentile(ms, 99), "p99.9_ms": percentile(ms, 99.9),
                "max_ms": round(ms[-1], 1) if ms else 0.0}


def one_request(host: str, port: int, conn, rng: random.Random, tally: Tally, lag: float = 0.0):
    """One query on a kept-alive connection; `lag` (seconds it started late) counts in its latency."""
    path = "/api/search?" + urllib.parse.urlencode({"q": f"{rng.choice(QUERIES)} {rng.randrange(10**6)}", "k": 5})
    started = time.perf_counter()
    try:
        conn = conn or http.client.HTTPConnection(host, port, timeout=60)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        tally.record(str(response.status), time.perf_counter() - started + lag)
        return conn
    except (OSError, http.client.HTTPException) as e:
        tally.record(type(e).__name__, time.perf_counter() - started + lag)
        if conn:
            conn.close()
        return None


def closed_loop(host: str, port: int, clients: int, seconds: float) -> dict:
    tally, deadline = Tally(), time.monotonic() + seconds

    def client(n: int) -> None:
        rng, conn = random.Random(n), None
        while time.monotonic() < deadline:
            conn = one_request(host, port, conn, rng, tally)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"mode": f"{clients} clients", **tally.report(time.perf_counter() - started)}


def open_loop(host: str, port: int, rate: float, seconds: float, workers: int = 64) -> dict:
    """Requests start on a fixed schedule; latency counts from the scheduled time, not the send."""
    tally, jobs = Tally(), queue.Queue()

    def worker(n: int) -> None:
        rng, conn = random.Random(n), None
        while (due := jobs.get()) is not None:
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            # A request that starts late because every worker was busy is charged for the wait,
            # as a user would feel it.
            conn = one_request(host, port, conn, rng, tally, lag=max(0.0, time.perf_counter() - due))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    started = time.perf_counter()
    for i in range(int(rate * seconds)):
        jobs.put(started + i / rate)
    for _ in threads:
        jobs.put(None)
    for t in threads:
        t.join()
    return {"mode": f"{rate}/s fixed rate", **tally.report(time.perf_counter() - started)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="A running Clout server on loopback.")
    parser.add_argument("--data-dir", type=Path, help="Start `clout serve` over this data directory instead.")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=float, help="Fixed requests a second (open loop) instead of clients.")
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args(argv)
    server = None
    if args.data_dir:
        sys.path.insert(0, str(ROOT))
        from bench_scale import Server  # noqa: E402  (scripts/ is on the path when run as a script)

        server = Server(args.data_dir)
        host, port = "127.0.0.1", server.port
    else:
        parts = urllib.parse.urlsplit(args.url or "http://127.0.0.1:5000")
        host, port = parts.hostname, parts.port or 80
        if host not in ("127.0.0.1", "localhost", "::1"):
            parser.error("load tests are for loopback servers only")
    try:
        warm = Tally()  # the model loads on the first query: keep that out of the figures
        for n in range(3):
            one_request(host, port, None, random.Random(n), warm)
        result = (open_loop(host, port, args.rate, args.seconds) if args.rate
                  else closed_loop(host, port, args.clients, args.seconds))
    finally:
        if server:
            server.stop()
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
