"""Ingest speed: articles a second (fetch from 127.0.0.1 + extract), chunks embedded a second through
KnowledgeBase.add against the raw model on the same texts, what the stored sentence vectors add (model
time and disk), and the transcription real-time factor if ingest.transcribe exists.

    python scripts/bench_ingest.py [--rounds 3] [--out FILE.json]
"""
from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CLOUT_SHARED_DIR", ROOT.parent / "shared"))
PAGES = SHARED / "data" / "articles" / "html"
AUDIO = SHARED / "data" / "audio" / "jfk.flac"


def serve_pages() -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(PAGES))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def articles_per_second(rounds: int) -> dict:
    from clout.settings import Settings
    from clout.ingest.errors import IngestError
    from clout.ingest.extract import extract_html
    from clout.ingest.fetch import Fetcher

    server, base = serve_pages()
    fetcher = Fetcher(Settings(allow_private_urls=True, per_host_delay=0.0, respect_robots=False))
    pages = sorted(p.name for p in PAGES.glob("*.html"))
    done = failed = 0
    started = time.perf_counter()
    for _ in range(rounds):
        for name in pages:
            url = f"{base}/{name}"
            try:
                response = fetcher.get(url)
                extract_html(response.body, url, url=url)
                done += 1
            except IngestError:
                failed += 1
    seconds = time.perf_counter() - started
    server.shutdown()
    return {"pages": done + failed, "extracted": done, "no_article": failed,
            "articles_per_s": round((done + failed) / seconds, 1)}


def embedding_rate(rounds: int) -> dict:
    """The same documents through KnowledgeBase.add and straight through the model."""
    from clout.index.embed import Embedder
    from clout.index.kb import KnowledgeBase
    from clout.index.prepare import embedding_text as _embedding_text
    from clout.index.chunk import chunk_document
    from clout.ingest.errors import IngestError
    from clout.ingest.extract import extract_html

    docs = []
    for page in sorted(PAGES.glob("*.html")):
        try:
            docs.append(extract_html(page.read_bytes(), str(page)))
        except IngestError:
            pass
    texts = [_embedding_text(c) for d in docs for c in chunk_document(d)]
    embedder = Embedder()
    embedder.encode(texts[:8])  # load the model outside the clock
    raw = pipeline = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        embedder.encode(texts)
        raw += time.perf_counter() - started
        work = Path(tempfile.mkdtemp(prefix="clout-bench-ingest-"))
        kb = KnowledgeBase(work / "data", embedder=embedder)
        started = time.perf_counter()
        with kb.writing():
            for doc in docs:
                kb.add(doc)
        pipeline += time.perf_counter() - started
        kb.close()
        shutil.rmtree(work)
    raw_rate, pipe_rate = len(texts) * rounds / raw, len(texts) * rounds / pipeline
    return {"documents": len(docs), "chunks": len(texts), "model_chunks_per_s": round(raw_rate, 1),
            "pipeline_chunks_per_s": round(pipe_rate, 1), "pipeline_share": round(pipe_rate / raw_rate, 3),
            **sentence_cost(docs, embedder, raw / rounds)}


def sentence_cost(docs, embedder, chunk_seconds: float) -> dict:
    """What storing sentence vectors adds to an ingest (index/sentences.py): model time beside the
    chunks' own, and the bytes they take in the store."""
    from clout.index.chunk import chunk_document
    from clout.index.kb import KnowledgeBase
    from clout.index.sentences import embedded, to_embed

    texts = [t for d in docs for t in to_embed(d, chunk_document(d))]
    started = time.perf_counter()
    embedded(texts, embedder)
    seconds = time.perf_counter() - started
    work = Path(tempfile.mkdtemp(prefix="clout-bench-ingest-"))
    kb = KnowledgeBase(work / "data", embedder=embedder)
    with kb.writing():
        for doc in docs:
            kb.add(doc)
    kb.store.checkpoint()
    stored, total = kb.store.sentence_bytes(), sum(p.stat().st_size for p in (work / "data").iterdir() if p.is_file())
    kb.close()
    shutil.rmtree(work)
    return {"sentences": len(texts), "sentence_s": round(seconds, 1), "chunk_s": round(chunk_seconds, 1),
            "sentence_time_share": round(seconds / chunk_seconds, 2), "sentence_mb": round(stored / 2**20, 2),
            "data_dir_mb": round(total / 2**20, 2)}


def transcription_rtf() -> dict:
    """Seconds tiny.en takes over the shared JFK clip, decoded as ingest decodes it (not timed)."""
    from clout.ingest.decode import SAMPLE_RATE, decode
    from clout.ingest.transcribe import transcribe

    if not AUDIO.exists():
        return {"skipped": f"no test audio at {AUDIO.name}"}
    audio = decode(AUDIO, max_seconds=3600)
    audio_s = len(audio) / SAMPLE_RATE
    started = time.perf_counter()
    result = transcribe(audio)
    seconds = time.perf_counter() - started
    return {"audio_s": round(audio_s, 2), "seconds": round(seconds, 2), "real_time_factor": round(seconds / audio_s, 3),
            "segments": len(getattr(result, "segments", result) or [])}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    figures = {"cores": os.cpu_count(), "load_average": os.getloadavg()[0],
               "fetch_extract": articles_per_second(args.rounds), "embedding": embedding_rate(args.rounds),
               "transcription": transcription_rtf()}
    print(json.dumps(figures, indent=1))
    e = figures["embedding"]
    print(f"pipeline keeps {e['pipeline_share']:.0%} of the model's rate "
          f"({e['pipeline_chunks_per_s']} vs {e['model_chunks_per_s']} chunks/s; its sentence vectors included)")
    print(f"sentence vectors: {e['sentences']} texts embedded in {e['sentence_s']} s beside {e['chunk_s']} s for the "
          f"chunks (x{e['sentence_time_share']}); {e['sentence_mb']} MB of the data directory's {e['data_dir_mb']} MB")
    if args.out:
        args.out.write_text(json.dumps(figures, indent=1))
    return figures


if __name__ == "__main__":
    main()
