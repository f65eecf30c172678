"""Clout's three modes beside plain baselines, in one run, on the labelled set (both halves) and a BEIR folder.

Baselines, each over the same stored documents:
  bm25s          the bm25s library over each document's title and text (its default Lucene BM25, English stopwords)
  dense          the same MiniLM, through sentence-transformers directly, over plain 120-word chunks; a document
                 scores its best chunk
  rrf            reciprocal rank fusion (k=60) of those two
With --diagnose, the variants that isolate why Clout's semantic mode differs from `dense`:
  stored+torch   Clout's own stored chunk vectors, exact cosine, queries encoded by torch
  stored+onnx    the same, queries encoded by Clout's ONNX encoder
  chunks-notitle Clout's chunks embedded without the title/heading line
  dense+title    120-word chunks with the title line in front
  dense-sum      120-word chunks, a document scoring the sum of its top three chunks
  windows40      Clout's passages as windows of at most 40 words with the title line (index/windows.py), every
                 window searched exactly, a document scoring its best window (semantic mode's second stage, unbounded)
With --rescore (also part of --diagnose), Clout's semantic and hybrid modes under each second stage that
rescores FAISS's candidates, from vectors the store already holds:
  windows        the stored window vectors (index/windows.py): today's
  sentences      the best of the passage's stored sentence vectors (index/sentences.py), no title line
  sentences+2    the same and each adjacent pair's normalised mean
  mean40         windows of at most 40 words (window_texts' runs) as the normalised mean of their sentences' vectors
  mean40+p       each such window's vector plus the passage's own (which holds the title line), normalised
  none           the passage vectors alone (no second stage)
Measured 2026-12-02 (nDCG@10 semantic / hybrid; labelled tune, held-out, then tests/data/beir):
  windows 0.851/0.912, 0.899/0.944, 0.982/0.982    sentences 0.859/0.893, 0.906/0.935, 0.931/0.944
  mean40  0.843/0.889, 0.863/0.940, 0.982/0.982    mean40+p  0.874/0.906, 0.895/0.949, 0.982/0.982
So the stored windows were kept: sentences costs hybrid 0.019 on tune and semantic 0.051 on BEIR, mean40
semantic 0.036 held out; mean40+p costs hybrid 0.006 on tune, and rescoring 100 candidates from sentence
vectors took ~19 ms a query (split, hash, look up) against ~1 ms for the stored windows.

    python scripts/eval_baselines.py --data-dir DIR [--queries tests/eval/labelled.json] [--beir tests/data/beir] [--diagnose] [--rescore]

DIR must hold the labelled corpus (tests/eval_corpus.py builds it). Embeddings are cached under DIR/baselines/.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CHUNK_WORDS = 120
RRF_K = 60


def plain_chunks(docs, words=CHUNK_WORDS, title=False):
    out = []
    for doc in docs:
        tokens = doc.text.split()
        for i in range(0, max(1, len(tokens)), words):
            text = " ".join(tokens[i : i + words])
            out.append((doc.id, f"{doc.title}\n{text}" if title and doc.title else text))
    return out


def embed_cached(kb, cache: Path, name: str, texts: list[str]) -> np.ndarray:
    path = cache / f"{name}.npy"
    if path.exists():
        vectors = np.load(path)
        if len(vectors) == len(texts):
            return vectors
    vectors = kb.embedder.encode(texts, batch_size=64)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


class Dense:
    """Exact cosine over chunk vectors; a document's score is its best chunk (or the sum of its top `top`)."""

    def __init__(self, doc_ids, vectors, top=1):
        self.doc_ids, self.vectors, self.top = np.asarray(doc_ids), vectors, top

    def rank(self, qvec, k=100):
        sims = self.vectors @ qvec
        order = np.argsort(-sims)
        per: dict[int, list[float]] = {}
        for i in order[: 50 * k]:
            per.setdefault(int(self.doc_ids[i]), []).append(float(sims[i]))
        scored = {d: sum(s[: self.top]) for d, s in per.items()}
        return sorted(scored, key=lambda d: -scored[d])[:k]


class Bm25:
    def __init__(self, docs):
        import bm25s

        self.ids = [d.id for d in docs]
        self.retriever = bm25s.BM25()
        self.retriever.index(bm25s.tokenize([f"{d.title}\n{d.text}" for d in docs], stopwords="en", show_progress=False),
                             show_progress=False)

    def rank(self, query, k=100):
        import bm25s

        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
        if not tokens.vocab:
            return []
        k = min(k, len(self.ids))
        results, scores = self.retriever.retrieve(tokens, k=k, show_progress=False)
        return [self.ids[int(i)] for i, s in zip(results[0], scores[0]) if s > 0]


def rrf(*rankings, k=RRF_K):
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, d in enumerate(ranking, start=1):
            scores[d] = scores.get(d, 0.0) + 1.0 / (k + rank)
    return sorted(scores, key=lambda d: -scores[d])


def score(rankings: dict[str, list[int]], grades: dict[int, float]) -> dict[str, float]:
    from clout.index.evaluate import ndcg, recall, reciprocal_rank

    return {name: (ndcg(r, grades), reciprocal_rank(r, grades), recall(r, grades, 10)) for name, r in rankings.items()}


def baselines(kb, cache: Path, diagnose: bool):
    """name -> function(query text) -> ranked document ids."""
    docs = [d for d in kb.store.documents() if d.duplicate_of is None]
    bm25 = Bm25(docs)
    chunks = plain_chunks(docs)
    dense = Dense([d for d, _ in chunks], embed_cached(kb, cache, "plain120", [t for _, t in chunks]))
    torch_query = lambda q: kb.embedder.encode([q])[0]  # noqa: E731
    out = {"bm25s": lambda q: bm25.rank(q), "dense": lambda q: dense.rank(torch_query(q)),
           "rrf": lambda q: rrf(bm25.rank(q), dense.rank(torch_query(q)))}
    if diagnose:
        ids, vecs = [], []
        for part_ids, part in kb.store.vectors():
            ids.append(part_ids)
            vecs.append(part)
        ids, vecs = np.concatenate(ids), np.vstack(vecs)
        rows = kb.store.chunks(ids.tolist())
        stored = Dense([rows[int(i)].document_id for i in ids], vecs)
        out["stored+torch"] = lambda q: stored.rank(torch_query(q))
        out["stored+onnx"] = lambda q: stored.rank(kb.embedder.encode_query(q))
        notitle = embed_cached(kb, cache, "clout-notitle", [rows[int(i)].text for i in ids])
        bare = Dense([rows[int(i)].document_id for i in ids], notitle)
        out["chunks-notitle"] = lambda q: bare.rank(torch_query(q))
        titled = plain_chunks(docs, title=True)
        with_title = Dense([d for d, _ in titled], embed_cached(kb, cache, "plain120-title", [t for _, t in titled]))
        out["dense+title"] = lambda q: with_title.rank(torch_query(q))
        summed = Dense(dense.doc_ids, dense.vectors, top=3)
        out["dense-sum"] = lambda q: summed.rank(torch_query(q))
        from clout.index.windows import window_texts

        units = [(rows[int(i)].document_id, t) for i in ids for t in window_texts(rows[int(i)].text, rows[int(i)].context)]
        windowed = Dense([d for d, _ in units], embed_cached(kb, cache, "windows40", [t for _, t in units]))
        out["windows40"] = lambda q: windowed.rank(torch_query(q))
    return out


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def sentence_rescorer(how: str):
    """A second stage like windows.rescored, from the stored sentence vectors: `how` is "sentences",
    "sentences+2", "mean40" or "mean40+p" (see the module's docstring). A passage keeps its own score when higher,
    and a passage of one window (by window_texts' runs) is not rescored under "mean40", as under windows."""
    from clout.index.sentences import key, normalised
    from clout.index.windows import WINDOW_WORDS
    from clout.sentences import spans

    def rescored(store, query_vector, scored):
        if not scored:
            return scored
        rows = store.chunks([c for c, _ in scored])
        pieces = {c: [(normalised(r.text[a:b]), len(r.text[a:b].split())) for a, b in spans(r.text)] for c, r in rows.items()}
        found = store.sentence_vectors({key(t) for ps in pieces.values() for t, _ in ps if t})
        passages = {int(i): v for ids, vs in store.vectors(list(rows)) for i, v in zip(ids, vs)} if how == "mean40+p" else {}
        out = []
        for chunk_id, score in scored:
            units = []
            ps = [(found.get(key(t)), n) for t, n in pieces.get(chunk_id, []) if t]
            if how.startswith("mean40"):
                runs, run, words = [], [], 0
                for v, n in ps:
                    if run and words + n > WINDOW_WORDS:
                        runs.append(run)
                        run, words = [], 0
                    run.append(v)
                    words += n
                runs.append(run)
                if len(runs) > 1:
                    units = [np.mean([v for v in r if v is not None], axis=0) for r in runs if any(v is not None for v in r)]
                if units and chunk_id in passages:
                    units = list(_unit(np.array(units)) + passages[chunk_id])
            else:
                vs = [v for v, _ in ps if v is not None]
                units = list(vs)
                if how == "sentences+2":
                    units += [a + b for a, b in zip(vs, vs[1:])]
            if units:
                score = max(score, float((_unit(np.array(units)) @ query_vector).max()))
            out.append((chunk_id, score))
        return sorted(out, key=lambda item: (-item[1], item[0]))

    return rescored


def rescorers():
    from clout.index import windows

    return {"windows": windows.rescored, "sentences": sentence_rescorer("sentences"),
            "sentences+2": sentence_rescorer("sentences+2"), "mean40": sentence_rescorer("mean40"),
            "mean40+p": sentence_rescorer("mean40+p"),
            "none": lambda store, vector, scored: scored}


def rescored_rankings(kb, query: str) -> dict[str, list[int]]:
    """Clout's semantic and hybrid rankings under each second stage (rescorers())."""
    from unittest import mock

    from clout.index import search as searching

    out = {}
    for name, rescore in rescorers().items():
        with mock.patch.object(searching.windows, "rescored", rescore):
            for mode in ("semantic", "hybrid"):
                out[f"{mode[:3]}/{name}"] = [h.doc_id for h in searching.search(kb, query, k=100, mode=mode)]
    return out


def run_labelled(kb, queries, systems, rescore=False):
    from clout.index.evaluate import half, query_key, resolve
    from clout.index.search import MODES, search

    totals: dict[str, dict[str, list]] = {}
    for item in queries:
        grades = resolve(kb, item["relevant"])
        if not grades:
            continue
        rankings = {m: [h.doc_id for h in search(kb, item["q"], k=100, mode=m)] for m in MODES}
        rankings.update({name: f(item["q"]) for name, f in systems.items()})
        if rescore:
            rankings.update(rescored_rankings(kb, item["q"]))
        for name, figures in score(rankings, grades).items():
            for part in ("all", half(query_key(item))):
                totals.setdefault(part, {}).setdefault(name, []).append(figures)
    return totals


def run_beir(folder: Path, diagnose: bool, rescore=False, baselines_too=True):
    from clout.index import beir
    from clout.index.kb import KnowledgeBase

    data = beir.read(folder)
    scratch = Path(tempfile.mkdtemp(prefix="clout-beir-"))
    try:
        kb = KnowledgeBase(scratch)
        beir.ingest(kb, data)
        ids = {s[len(beir.SOURCE_PREFIX):]: (o or d) for d, s, o in kb.store.document_sources()}
        queries = [{"q": data.queries[q], "grades": {ids[d]: g for d, g in j.items() if d in ids and g > 0}}
                   for q, j in data.qrels.items() if q in data.queries]
        systems = baselines(kb, scratch / "baselines", diagnose) if baselines_too else {}
        from clout.index.search import MODES, search

        totals: dict[str, list] = {}
        for item in queries:
            rankings = {m: [h.doc_id for h in search(kb, item["q"], k=100, mode=m)] for m in MODES}
            rankings.update({name: f(item["q"]) for name, f in systems.items()})
            if rescore:
                rankings.update(rescored_rankings(kb, item["q"]))
            for name, figures in score(rankings, item["grades"]).items():
                totals.setdefault(name, []).append(figures)
        kb.close()
        return {"all": totals}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def print_table(title, totals):
    print(f"\n{title}")
    parts = [p for p in ("all", "tune", "held-out") if p in totals]
    print(f"{'':<15}" + "".join(f"{p + ' nDCG/MRR/R@10':>24}" for p in parts) + f"{'queries':>9}")
    for name in totals["all"]:
        cells = []
        for p in parts:
            rows = np.array(totals[p][name])
            cells.append("{:.3f} / {:.3f} / {:.3f}".format(*rows.mean(axis=0)))
        print(f"{name:<15}" + "".join(f"{c:>24}" for c in cells) + f"{len(totals['all'][name]):>9}")


def main(argv=None) -> int:
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--queries", type=Path, default=ROOT / "tests" / "eval" / "labelled.json")
    parser.add_argument("--beir", type=Path, default=ROOT / "tests" / "data" / "beir")
    parser.add_argument("--diagnose", action="store_true")
    parser.add_argument("--rescore", action="store_true",
                        help="Clout's modes under each second stage only (no baselines); also part of --diagnose")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    from clout.index.kb import KnowledgeBase

    started = time.time()
    kb = KnowledgeBase(args.data_dir, readonly=True)
    rescore, baselines_too = args.rescore or args.diagnose, not args.rescore or args.diagnose
    systems = baselines(kb, args.data_dir / "baselines", args.diagnose) if baselines_too else {}
    labelled = run_labelled(kb, json.loads(args.queries.read_text()), systems, rescore)
    print_table(f"{args.queries.name} ({args.data_dir})", labelled)
    beir_totals = run_beir(args.beir, args.diagnose, rescore, baselines_too) if args.beir else None
    if beir_totals:
        print_table(f"BEIR {args.beir}", beir_totals)
    print(f"\n({time.time() - started:.0f} s)")
    if args.json:
        def means(t):
            return {p: {n: np.array(v).mean(axis=0).round(4).tolist() for n, v in d.items()} for p, d in t.items()}
        args.json.write_text(json.dumps({"labelled": means(labelled), "beir": means(beir_totals) if beir_totals else None}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
