"""Search at scale: build stores of N chunks, serve each with waitress, measure /api/search over HTTP.

    python scripts/bench_scale.py --chunks 10000,100000,1000000 [--work DIR] [--out FILE.json]

Texts are real-looking (sentences of the seed corpus, the shared article pages and, by default, the
198 pages of ../shared/data/kb, recombined), so full-text search does real work. The kb pages matter
at 1M: from 1,596 sentences alone (`--pool seeds`, what this script used before) every sentence was
repeated in ~2,800 passages, so every word of every query matched thousands of passages and BM25
scored 3k-38k rows for the rarest word of a query, where real text has words few passages hold; with
the kb's ~9.7k sentences more, a sentence is in ~400. Vectors are synthetic but shaped like real
ones: each sentence is embedded once with the real model, and a chunk's vector is the normalised sum of its sentences'
vectors plus a little noise, so a query about a sentence finds the chunks that contain it. Stores are
written in bulk through the store's bulk loader and index/vectors.py (not the embedder),
served by `clout serve` in a subprocess, and queried with distinct queries (no cache hits) from 1
and from 8 concurrent clients. Every 5th document is an episode with timed sentence segments, so hits
choose a moment to play as real episode hits do, and the sentence vectors ingest stores are stored too. It prints one line per size and, with --out, writes the figures.
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CLOUT_SHARED_DIR", ROOT.parent / "shared"))

from clout.index.embed import Embedder  # noqa: E402
from clout.sentences import split  # noqa: E402
from clout.index.kb import DB_FILE, KnowledgeBase  # noqa: E402
from clout.index.sentences import STORED_DTYPE, key as sentence_key, passage_sentences  # noqa: E402
from clout.index.store import Store  # noqa: E402
from clout.index.vectors import VectorIndex  # noqa: E402

CHUNKS_PER_DOC = 10
# Every 5th document is an episode: its passages are timed, its sentences are segments, and a hit on
# one chooses the moment to play (index/moments.py), the costlier kind of hit.
EPISODE_EVERY = 5
SPEECH_CHARS_PER_S = 15.0
SENTENCES_PER_CHUNK = (3, 6)
BATCH = 20_000


# -- text -------------------------------------------------------------------------------------
_MARKDOWN = [(re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"), (re.compile(r"<[^>]+>|[`*_#>|]+"), " ")]


def _plain(markdown: str) -> str:
    """A kb page's body as plain text: links as their words, markup dropped (front matter too)."""
    body = markdown.split("\n---\n", 1)[-1]
    for pattern, replacement in _MARKDOWN:
        body = pattern.sub(replacement, body)
    return body


def sentences(pool: str = "kb") -> list[str]:
    """Every sentence of the seed corpus, the default corpus and the shared article pages, and with
    pool "kb" those of the shared kb pages too (see the module's notes)."""
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted((ROOT / "corpus").rglob("*.txt"))]
    if pool == "kb":
        texts += [_plain(p.read_text(encoding="utf-8", errors="replace")) for p in sorted((SHARED / "data" / "kb" / "docs").glob("*.md"))]
    texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted((SHARED / "seeds").glob("*.txt"))]
    from clout.ingest.extract import extract_html
    from clout.ingest.errors import IngestError

    for page in sorted((SHARED / "data" / "articles" / "html").glob("*.html")):
        try:
            texts.append(extract_html(page.read_bytes(), str(page)).text)
        except IngestError:
            pass
    found = []
    for text in texts:
        for s in split(" ".join(text.split())):
            if 40 <= len(s) <= 400:
                found.append(s)
    return list(dict.fromkeys(found))


def queries_from(pool: list[str], n: int, rng: random.Random) -> list[str]:
    """Distinct questions in the users' words: a span of 4-9 words of a real sentence."""
    out: set[str] = set()
    while len(out) < n:
        words = re.findall(r"[A-Za-z']+", rng.choice(pool))
        if len(words) < 5:
            continue
        start = rng.randrange(0, max(1, len(words) - 4))
        out.add(" ".join(words[start : start + rng.randint(4, 9)]).lower())
    return sorted(out)


def pool_embeddings(embedder, pool: list[str], work: Path) -> np.ndarray:
    """The pool's sentence vectors, kept in the work folder between runs (the same sentences, the same model)."""
    digest = hashlib.sha256("\n".join([embedder.name, *pool]).encode()).hexdigest()[:16]
    cached = work / f"pool-{digest}.npy"
    if cached.exists():
        return np.load(cached)
    vectors = embedder.encode(pool, batch_size=64)
    np.save(cached, vectors)
    return vectors


# -- building ---------------------------------------------------------------------------------
def sentence_rows(doc_id: int, text: str, segments, pool, sentence_index, pool_vectors, fallback) -> list[tuple]:
    """The sentence_vectors rows ingest would store for one passage (index/sentences.py): its sentences
    (the pool's own vectors; the passage's where the splitter joined two), and for an episode each
    segment with the next (the normalised sum of the two: synthetic, as the chunk vectors are)."""
    rows = {}
    for sentence in passage_sentences(text):
        i = sentence_index.get(sentence)
        rows[sentence_key(sentence)] = pool_vectors[i] if i is not None else fallback
    if segments is not None:
        for a, b in zip(segments, segments[1:]):
            pair = pool_vectors[a] + pool_vectors[b]
            rows[sentence_key(f"{pool[a]} {pool[b]}")] = pair / np.linalg.norm(pair)
    return [(k, doc_id, v.astype(STORED_DTYPE).tobytes()) for k, v in rows.items()]


def build_store(directory: Path, n_chunks: int, pool: list[str], pool_vectors: np.ndarray, embedder, seed: int) -> dict:
    """A knowledge base of n_chunks chunks in `directory`, written in bulk; returns timings and sizes."""
    if directory.exists():
        shutil.rmtree(directory)
    rng = np.random.default_rng(seed)
    kb = KnowledgeBase(directory, embedder=embedder)  # creates the schema and records the model
    store = kb.store
    started = time.perf_counter()
    doc_id = chunk_id = sentences_stored = 0
    now = time.time()
    sentence_index = {text: i for i, text in enumerate(pool)}
    while chunk_id < n_chunks:
        size = min(BATCH, n_chunks - chunk_id)
        counts = rng.integers(SENTENCES_PER_CHUNK[0], SENTENCES_PER_CHUNK[1] + 1, size)
        picks = [rng.integers(0, len(pool), c) for c in counts]
        texts = [" ".join(pool[i] for i in p) for p in picks]
        vectors = np.stack([pool_vectors[p].sum(axis=0) for p in picks])
        vectors += 0.02 * rng.standard_normal(vectors.shape).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        docs, chunks, segments, stored = [], [], [], []
        for start in range(0, size, CHUNKS_PER_DOC):
            doc_id += 1
            part = texts[start : start + CHUNKS_PER_DOC]
            episode = doc_id % EPISODE_EVERY == 0
            title = pool[int(rng.integers(0, len(pool)))][:80]
            body = "\n\n".join(part)
            docs.append((
                doc_id, f"bench://doc/{doc_id}", "episode" if episode else "article", title, "", "", "bench.example",
                f"https://bench.example/{doc_id}", "en", "", f"https://bench.example/{doc_id}.mp3" if episode else "",
                None, hashlib.sha256(body.encode()).hexdigest(), body, "{}", now, now,
            ))
            offset, second = 0, 0.0
            for position, text in enumerate(part):
                chunk_id += 1
                vector = vectors[start + position]
                begins = second
                if episode:  # each sentence of the passage is a timed segment, spoken at an even pace
                    for i in picks[start + position]:
                        length = len(pool[i]) / SPEECH_CHARS_PER_S
                        segments.append((doc_id, len(segments), second, second + length, pool[i], "Speaker 1"))
                        second += length
                chunks.append((chunk_id, doc_id, position, text, title, offset, offset + len(text),
                               vector.astype("<f4").tobytes(), begins if episode else None, second if episode else None))
                stored += sentence_rows(doc_id, text, picks[start + position] if episode else None, pool, sentence_index,
                                        pool_vectors, vector)
                offset += len(text) + 2
        store.bulk_load(docs, chunks, segments, stored)
        sentences_stored += len(stored)
    store.checkpoint()
    store_seconds = time.perf_counter() - started
    started = time.perf_counter()
    index = VectorIndex.build(embedder.dim, store.vectors, n_chunks)
    index.save(directory, store.generation, embedder.name)
    index_seconds = time.perf_counter() - started
    kb.close()
    return {
        "sentence_vectors": sentences_stored,
        "store_build_s": round(store_seconds, 1),
        "index_build_s": round(index_seconds, 1),
        "structure": index.kind,
        "disk_mb": round(sum(p.stat().st_size for p in directory.iterdir() if p.is_file()) / 2**20, 1),
        "index_mb": round((directory / "vectors.faiss").stat().st_size / 2**20, 1),
    }


def recall_at_10(directory: Path, embedder, queries: list[str]) -> float:
    """recall@10 of the saved index against an exact scan of the store's vectors."""
    index, _ = VectorIndex.load(directory, embedder.dim)
    if index.kind == "exact":
        return 1.0
    q = embedder.encode(queries)
    best_scores = np.full((len(q), 10), -np.inf, dtype=np.float32)
    best_ids = np.zeros((len(q), 10), dtype=np.int64)
    store = Store(directory / DB_FILE, readonly=True)
    for ids, vecs in store.vectors():
        scores = q @ vecs.T
        all_scores = np.concatenate([best_scores, scores], axis=1)
        all_ids = np.concatenate([best_ids, np.broadcast_to(ids, scores.shape)], axis=1)
        top = np.argsort(-all_scores, axis=1)[:, :10]
        best_scores = np.take_along_axis(all_scores, top, axis=1)
        best_ids = np.take_along_axis(all_ids, top, axis=1)
    store.close()
    found = [len(set(index.search(q[i], 10)[1].tolist()) & set(best_ids[i].tolist())) / 10 for i in range(len(q))]
    return round(float(np.mean(found)), 3)


# -- serving and measuring --------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class Server:
    """`clout serve` over a data directory, in its own process, on a loopback port."""

    def __init__(self, directory: Path, threads: int = 4):
        self.port = free_port()
        # The server's log goes to a file, not a pipe: nobody drains a pipe during a run, and once
        # waitress's queue-depth warnings filled it the server blocked mid-write (every client then
        # timed out after 60 s in a 50-client load test).
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "clout", "--data-dir", str(directory), "serve", "--port", str(self.port),
             "--threads", str(threads)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.log, text=True,
            env={**os.environ, "CLOUT_RATE_LIMIT": "0"},
        )
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"the server exited: {self.log.read()[-2000:]}")
            try:
                status, _ = get(self.port, "/api/health")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not answer within 10 minutes")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def get(port: int, path: str, conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if own:
            conn.close()


def run_clients(port: int, queries: list[str], clients: int) -> dict:
    """Each client sends its share of the queries back to back on one keep-alive connection."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client(mine: list[str]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for q in mine:
            started = time.perf_counter()
            try:
                status, body = get(port, "/api/search?" + urllib.parse.urlencode({"q": q, "k": 10}), conn)
                ok = status == 200 and b'"results"' in body
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                errors[0] += not ok
        conn.close()

    threads = [threading.Thread(target=client, args=(queries[i::clients],)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    ms = sorted(x * 1000 for x in latencies)
    pct = lambda p: round(ms[min(len(ms) - 1, int(p / 100 * len(ms)))], 1)  # noqa: E731
    return {"n": len(ms), "errors": errors[0], "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
            "mean_ms": round(statistics.fmean(ms), 1), "qps": round(len(ms) / wall, 1)}


def bench_size(n: int, work: Path, pool, pool_vectors, embedder, query_pool, rebuild: bool, per_client: int) -> dict:
    directory = work / f"chunks-{n}"
    figures: dict = {"chunks": n, "load_average": round(os.getloadavg()[0], 2)}
    if rebuild or not (directory / DB_FILE).exists():
        figures.update(build_store(directory, n, pool, pool_vectors, embedder, seed=n))
    else:
        figures["disk_mb"] = round(sum(p.stat().st_size for p in directory.iterdir() if p.is_file()) / 2**20, 1)
    figures["recall_at_10"] = recall_at_10(directory, embedder, query_pool[:100])
    started = time.perf_counter()
    server = Server(directory)
    figures["server_start_s"] = round(time.perf_counter() - started, 1)
    try:
        # Warm-up: model, caches, first pages, and the spelling dictionary (built once per store
        # generation, on the first word the collection does not hold: a typo).
        run_clients(server.port, query_pool[:20] + ["stakeholdr mapping"], 1)
        figures["one_client"] = run_clients(server.port, query_pool[100 : 100 + per_client], 1)
        figures["eight_clients"] = run_clients(server.port, query_pool[400 : 400 + 8 * per_client], 8)
        figures["server_rss_mb"] = rss_mb(server.proc.pid)
    finally:
        server.stop()
    return figures


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", default="10000,100000", help="Comma-separated store sizes, in chunks.")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "clout-bench-scale",
                        help="Where the stores are built (kept for reuse with --reuse).")
    parser.add_argument("--reuse", action="store_true", help="Serve stores already built in --work.")
    parser.add_argument("--out", type=Path, help="Also write the figures as JSON here.")
    parser.add_argument("--queries", type=int, default=100, help="Queries per client (distinct, so never cached).")
    parser.add_argument("--pool", choices=["kb", "seeds"], default="kb",
                        help="Sentences the texts are made of: with the kb pages (default), or the seeds and articles alone (as before).")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.chunks.split(",") if s.strip()]
    args.work.mkdir(parents=True, exist_ok=True)
    embedder = Embedder()
    pool = sentences(args.pool)
    started = time.perf_counter()
    pool_vectors = pool_embeddings(embedder, pool, args.work)
    print(f"{len(pool)} real sentences embedded in {time.perf_counter() - started:.0f} s; cores: {os.cpu_count()}", flush=True)
    query_pool = queries_from(pool, 1200, random.Random(1))
    results = []
    for n in sizes:
        figures = bench_size(n, args.work, pool, pool_vectors, embedder, query_pool, rebuild=not args.reuse,
                             per_client=min(args.queries, 100))
        results.append(figures)
        one, eight = figures["one_client"], figures["eight_clients"]
        print(
            f"{n:>9,} chunks  {figures.get('structure', '?'):>14}  recall@10 {figures['recall_at_10']:.3f}  "
            f"1 client p50/p95/p99 {one['p50_ms']}/{one['p95_ms']}/{one['p99_ms']} ms {one['qps']} q/s  "
            f"8 clients p50/p95/p99 {eight['p50_ms']}/{eight['p95_ms']}/{eight['p99_ms']} ms {eight['qps']} q/s  "
            f"errors {one['errors'] + eight['errors']}  RSS {figures['server_rss_mb']} MB  "
            f"build {figures.get('store_build_s', '-')} s store + {figures.get('index_build_s', '-')} s index  "
            f"{figures.get('sentence_vectors', '?')} sentence vectors  "
            f"disk {figures['disk_mb']} MB  (load average {figures['load_average']})",
            flush=True,
        )
        if args.out:
            args.out.write_text(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main()
