"""Quality at scale: nDCG@10 per mode on the labelled set, unpadded and padded with 100k off-topic passages.

    python scripts/bench_quality_scale.py [--cache /work/cache-quality] [--distractors 100000] [--rebuild]

The labelled corpus (tests/eval_corpus.py: the search corpus, the shared kb pages, the eval episodes)
is built once into CACHE/unpadded. The padded store is a copy of it with the distractors bulk-loaded
beside it: real English prose from this machine's manual pages (/usr/share/man/man[1-8], English
only), paragraphs cut at sentence ends into passages of 20-40 words, each its own document titled
with its page's name (so it is embedded with a title, as any article passage is). Nothing in them is
about the kb's subjects, and none is made by shuffling the labelled text. Their vectors are embedded
by Clout's own code path (chunking, `prepare.embedding_text`, the window texts of index/windows.py)
through a cache keyed by the exact text embedded (CACHE/vectors-*.npy), so a rebuild after a change
to what is embedded re-embeds only what changed. Build times are printed.

Both stores are then scored side by side (index/evaluate.py; tuning and held-out halves apart).
"""
from __future__ import annotations

import argparse
import glob
import gzip
import hashlib
import json
import os
import random
import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MAN = "/usr/share/man/man[1-8]/*"
PASSAGE_WORDS = (15, 40)
SHARD = 2000

# -- distractor text ------------------------------------------------------------------------------
_SKIP = re.compile(r"\\f[BIRPC1-4]|\\f\(..|\\f\[[^\]]*\]|\\\(..|\\\[[^\]]*\]|\\\*\(..|\\\*.|\\s[+-]?\d|\\[&|^%c]|\\e")
_BREAKS = {"SH", "SS", "PP", "LP", "P", "TP", "IP", "sp", "HP", "Sh", "Ss", "Pp", "RS", "RE", "nf", "fi", "EX", "EE", "It", "Bl", "El"}
_FONTS = {"B", "I", "BI", "IB", "BR", "RB", "IR", "RI", "SM", "SB", "Nm", "Ar", "Fl", "Cm", "Em", "Pa", "Xr", "Dq", "Sq", "Ql"}


def man_paragraphs(source: str) -> list[str]:
    """The prose paragraphs of one troff manual page (macros dropped, font changes kept as plain text)."""
    out, para = [], []

    def flush():
        if para:
            out.append(" ".join(para))
            para.clear()

    for line in source.splitlines():
        if line.startswith((".", "'")):
            m = re.match(r"[.']\s*(\w+)\s*(.*)", line)
            if not m or m.group(1) in _BREAKS:
                flush()
                continue
            if m.group(1) not in _FONTS:
                continue
            line = m.group(2).replace('"', "")
        line = _SKIP.sub("", line).replace("\\-", "-").replace("\\ ", " ").replace("\\", "")
        if line.strip():
            para.append(line.strip())
        else:
            flush()
    flush()
    # Prose only: a paragraph of words, not a synopsis or a table of options.
    return [p for p in out if len(p.split()) >= PASSAGE_WORDS[0] and sum(c.isalpha() or c == " " for c in p) > 0.8 * len(p)]


def passages(paragraph: str) -> list[str]:
    """A paragraph cut at sentence ends into pieces of at most PASSAGE_WORDS[1] words (short ones dropped)."""
    from clout.sentences import split

    out, current = [], []
    for sentence in split(paragraph):
        if current and len(" ".join(current + [sentence]).split()) > PASSAGE_WORDS[1]:
            out.append(" ".join(current))
            current = []
        current.append(sentence)
    if current:
        out.append(" ".join(current))
    return [p for p in out if PASSAGE_WORDS[0] <= len(p.split()) <= PASSAGE_WORDS[1]]


def distractors(n: int, seed: int = 12) -> list[tuple[str, str]]:
    """n (title, text) passages of manual-page prose, drawn evenly from the pages, in a fixed order."""
    pool: list[tuple[str, str]] = []
    seen: set[str] = set()
    for path in sorted(glob.glob(MAN)):
        if os.path.islink(path):
            continue
        try:
            raw = (gzip.open(path) if path.endswith(".gz") else open(path, "rb")).read().decode("utf-8", "replace")
        except OSError:
            continue
        name = Path(path).name.removesuffix(".gz")
        page, _, section = name.rpartition(".")
        title = f"{page}({section})"
        for paragraph in man_paragraphs(raw):
            for text in passages(paragraph):
                if text not in seen:  # the same paragraph is in many pages (licences, "see also")
                    seen.add(text)
                    pool.append((title, text))
    if len(pool) < n:
        raise SystemExit(f"only {len(pool)} distractor passages on this machine, {n} asked for")
    random.Random(seed).shuffle(pool)
    return pool[:n]


# -- vectors, cached by the text embedded ----------------------------------------------------------
class CachedEmbedder:
    """Clout's embedder with a disk cache keyed by each text's sha1: same vectors, embedded once."""

    def __init__(self, embedder, cache: Path):
        self.inner, self.cache = embedder, cache
        self.name, self.dim = embedder.name, embedder.dim
        self.known: dict[str, np.ndarray] = {}
        cache.mkdir(parents=True, exist_ok=True)
        for shard in sorted(cache.glob("vectors-*.npz")):
            data = np.load(shard)
            self.known.update(zip(data["keys"].tolist(), data["vectors"]))
        self.embedded = 0

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in self.known))
        for start in range(0, len(missing), SHARD):
            part = missing[start : start + SHARD]
            vectors = self.inner.encode(part, batch_size=batch_size)
            part_keys = [self.key(t) for t in part]
            name = hashlib.sha1("".join(part_keys).encode()).hexdigest()[:16]
            np.savez(self.cache / f"vectors-{name}.npz", keys=np.array(part_keys), vectors=vectors)
            self.known.update(zip(part_keys, vectors))
            self.embedded += len(part)
            print(f"  embedded {self.embedded} new texts", file=sys.stderr, flush=True)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([self.known[k] for k in keys]).astype(np.float32)


def embed_distractors(cache: Path, n: int) -> None:
    """Embed what the distractors' passages are embedded as (resumable: the cache keeps every shard)."""
    from clout.index.chunk import chunk_text
    from clout.index.embed import Embedder
    from clout.index.prepare import embedding_text

    embedder = CachedEmbedder(Embedder(), cache / "vectors")
    texts = []
    for title, text in distractors(n):
        texts += [embedding_text(c) for c in chunk_text(text, title)]
    started = time.perf_counter()
    embedder.encode(texts)
    print(f"distractor vectors: {len(texts)} texts, {embedder.embedded} embedded now in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__" and sys.argv[1:2] == ["embed"]:
    embed_distractors(Path(sys.argv[2]), int(sys.argv[3]))
    raise SystemExit(0)
