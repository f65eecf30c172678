"""What the answer card costs /api/search: p50/p95 with and without it, in the same run, warm and cold.

    python scripts/bench_answer.py --data-dir data [--vectors 100000] [--repeat 3] [--queries tests/eval/queries.json]

Each query is asked with answer=0 and answer=1 one after the other (so a busy machine slows both alike),
through the real Flask app in-process (the JSON is made and sent; no socket, which costs both the same).
--vectors N pads an in-memory copy of the vector index with N random unit vectors, as bench_search does.
"Cold" clears the query-vector cache, the sentence-vector cache and the card's own caches before each
query: the first time anyone asks it. Warm is the same query asked again.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_search import percentile  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--queries", default=str(ROOT / "tests" / "eval" / "queries.json"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--vectors", type=int, default=0, help="pad the vector index with N random vectors")
    parser.add_argument("--cold-queries", type=int, default=10, help="how many queries to time cold (each encodes sentences)")
    args = parser.parse_args(argv)

    import numpy as np

    from clout.index import answer as card, embed
    from clout.index.kb import KnowledgeBase
    from clout.index.threads import one_thread_per_query
    from clout.settings import Settings
    from clout.web import create_app

    one_thread_per_query()
    kb = KnowledgeBase(args.data_dir, readonly=True)
    if args.vectors:
        rng = np.random.default_rng(0)
        pad = rng.standard_normal((args.vectors, kb.embedder.dim)).astype(np.float32)
        pad /= np.linalg.norm(pad, axis=1, keepdims=True)
        kb.vectors.add(np.arange(10**9, 10**9 + args.vectors, dtype=np.int64), pad)
    client = create_app(Settings(data_dir=Path(args.data_dir), analytics=False), kb, {"TESTING": True}).test_client()
    queries = [q["q"] for q in json.loads(Path(args.queries).read_text())]

    def ask(q: str, with_card: bool) -> tuple[float, bool]:
        start = time.perf_counter()
        body = client.get("/api/search", query_string={"q": q, "k": 10, "answer": int(with_card)}).get_json()
        return (time.perf_counter() - start) * 1000, body.get("answer") is not None

    def cold() -> None:
        embed._cached_query.cache_clear()
        kb.embedder.forget_sentences()
        card._sentences.cache_clear()
        card._segments.cache_clear()
        card._document_vectors.cache_clear()

    print(f"{len(queries)} queries x {args.repeat}; {kb.vectors.count} vectors", flush=True)
    for q in queries:  # warm-up: the model, the ONNX encoder, every cache
        ask(q, True)
    rows = {}
    without, with_, shown = [], [], 0
    for _ in range(args.repeat):
        for q in queries:
            without.append(ask(q, False)[0])
            ms, card_shown = ask(q, True)
            with_.append(ms)
            shown += card_shown
    rows["warm"] = (without, with_)
    cold_without, cold_with = [], []
    for q in queries[: args.cold_queries]:
        cold()
        cold_without.append(ask(q, False)[0])
        cold()
        cold_with.append(ask(q, True)[0])
    rows["cold"] = (cold_without, cold_with)
    figures = {}
    for name, (a, b) in rows.items():
        p50a, p50b = percentile(a, 50), percentile(b, 50)
        added = [y - x for x, y in zip(a, b)]
        figures[name] = {"n": len(a), "p50_without_ms": p50a, "p50_with_ms": p50b, "p95_without_ms": percentile(a, 95),
                         "p95_with_ms": percentile(b, 95), "added_p50_ms": percentile(added, 50)}
        print(f"{name:<5} n={len(a):<4} /api/search p50 {p50a:7.2f} ms without the card, {p50b:7.2f} ms with "
              f"(added p50 {percentile(added, 50):6.2f} ms); p95 {percentile(a, 95):7.2f} / {percentile(b, 95):7.2f} ms",
              flush=True)
    print(f"cards shown: {shown} of {len(with_)} warm searches")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
