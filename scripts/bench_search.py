"""Search latency: p50/p95/p99 for query embedding, lexical, vector and fused search on a knowledge base.

    python scripts/bench_search.py --data-dir data [--queries tests/eval/queries.json] [--repeat 5]
                                   [--vectors 100000] [--backend onnx|torch]
    python scripts/bench_search.py --chunks 10000,100000,1000000 [bench_scale options]

With --chunks, it builds stores of those sizes and measures /api/search over HTTP through waitress
(one and eight clients, QPS, RSS, build time, disk size): that is scripts/bench_scale.py.

Each stage is a named function of one query (STAGES); measure() times any callable over the queries,
so another driver (say, the HTTP API at several chunk sizes) can reuse measure() and report().
--vectors N adds N random unit vectors to an in-memory copy of the index, to time vector search at scale.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def measure(fn, queries: list[str], repeat: int = 5, before=None) -> list[float]:
    """Milliseconds of fn(query) for each query, `repeat` times over (one warm-up pass first)."""
    for q in queries:
        fn(q)
    times = []
    for _ in range(repeat):
        for q in queries:
            if before:
                before()
            start = time.perf_counter()
            fn(q)
            times.append((time.perf_counter() - start) * 1000)
    return times


def report(name: str, times: list[float]) -> dict:
    row = {"stage": name, "n": len(times), "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95),
           "p99_ms": percentile(times, 99), "mean_ms": statistics.fmean(times)}
    print(f"{name:<28} n={row['n']:<5} p50 {row['p50_ms']:7.2f} ms   p95 {row['p95_ms']:7.2f} ms   "
          f"p99 {row['p99_ms']:7.2f} ms", flush=True)
    return row


def stages(kb) -> dict:
    """The stages of one search, each a function of the query text."""
    from clout.index import embed
    from clout.index.query import parse
    from clout.index.search import CANDIDATES, lexical, search

    def vector(q):
        kb.vectors.search(kb.embedder.encode_query(q), CANDIDATES)

    def cold():  # nothing cached: neither the query's vector nor any episode sentence's
        embed._cached_query.cache_clear()
        kb.embedder.forget_sentences()

    return {
        "query embedding (uncached)": (lambda q: kb.embedder._encode_query_now(q), None),
        "query embedding (LRU hit)": (kb.embedder.encode_query, None),
        "lexical (FTS5 BM25)": (lambda q: lexical(kb, parse(q)), None),
        "vector (FAISS, 1 thread)": (vector, None),
        "fused search (warm caches)": (lambda q: search(kb, q, k=10), None),
        "fused search (cold)": (lambda q: search(kb, q, k=10), cold),
    }


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if any(a == "--chunks" or a.startswith("--chunks=") for a in argv):
        import bench_scale

        bench_scale.main(argv)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--queries", default=str(ROOT / "tests" / "eval" / "queries.json"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--vectors", type=int, default=0, help="pad the vector index with N random vectors")
    parser.add_argument("--backend", choices=["onnx", "torch"], default="onnx", help="query encoder")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = parser.parse_args(argv)

    import numpy as np

    from clout.index.embed import Embedder
    from clout.index.kb import KnowledgeBase
    from clout.index.threads import one_thread_per_query

    one_thread_per_query()  # the thread count the query path searches with
    kb = KnowledgeBase(args.data_dir, embedder=Embedder(query_backend=args.backend), readonly=True)
    if args.vectors:
        rng = np.random.default_rng(0)
        pad = rng.standard_normal((args.vectors, kb.embedder.dim)).astype(np.float32)
        pad /= np.linalg.norm(pad, axis=1, keepdims=True)
        kb.vectors.add(np.arange(10**9, 10**9 + args.vectors, dtype=np.int64), pad)
    queries = [q["q"] for q in json.loads(Path(args.queries).read_text())]
    print(f"{len(queries)} queries x {args.repeat}; {kb.vectors.count} vectors; backend {args.backend}"
          + (f" ({kb.embedder.query_notice})" if kb.embedder.query_notice else ""))
    rows = [report(name, measure(fn, queries, args.repeat, before)) for name, (fn, before) in stages(kb).items()]
    if args.json:
        print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
