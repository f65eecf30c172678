"""What keys and analytics cost a search: /api/search through the Flask app, open vs private with a key,
analytics off vs on, and the cost of handing one record to the recorder.

    python scripts/bench_access.py --data-dir data [--repeat 5]

Works on a copy of the data directory (keys and analytics.db are written there, not in yours).
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from bench_search import measure, percentile  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data")
    parser.add_argument("--queries", type=Path, default=ROOT / "tests" / "eval" / "queries.json")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from clout.index.keys import Keys
    from clout.index.kb import KnowledgeBase
    from clout.index.recorder import Recorder
    from clout.index.store import Store
    from clout.index.store.analytics import AnalyticsDB
    from clout.settings import Settings
    from clout.web import create_app

    queries = [q["q"] for q in json.loads(args.queries.read_text())][:20]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(args.data_dir, data, ignore=shutil.ignore_patterns("write.lock", "analytics.db*"))
        _, token = Keys(Store(data / "clout.db")).create("bench", "search")
        kb = KnowledgeBase(data, readonly=True)
        cases = {
            "open, analytics off": (Settings(data_dir=data, analytics=False), {}),
            "open, analytics on": (Settings(data_dir=data), {}),
            "private with a key, analytics on": (Settings(data_dir=data, require_key=True), {"Authorization": f"Bearer {token}"}),
        }
        print(f"{len(queries)} queries x {args.repeat}, /api/search through the Flask test client (ms)")
        for name, (settings, headers) in cases.items():
            client = create_app(settings, kb, {"TESTING": True}).test_client()
            times = measure(lambda q: client.get("/api/search", query_string={"q": q}, headers=headers), queries, args.repeat)
            print(f"  {name:34s} p50 {percentile(times, 50):7.2f}  p95 {percentile(times, 95):7.2f}  mean {statistics.mean(times):7.2f}")
        recorder = Recorder(AnalyticsDB(Path(tmp) / "put.db"))
        record = {"query": "q", "mode": "hybrid", "results": 5, "latency_ms": 1.0, "surface": "api"}
        start = time.perf_counter()
        for i in range(10_000):
            recorder.search({**record, "query": f"q{i}"})
        print(f"  recorder.search(): {(time.perf_counter() - start) / 10_000 * 1e6:.1f} µs a record (10,000 queued, {recorder.dropped} dropped)")


if __name__ == "__main__":
    main()
