"""Quality at scale: nDCG@10 per mode on the labelled set, unpadded and padded with 100k off-topic passages.

    python scripts/bench_quality_scale.py [--cache /work/cache-quality] [--distractors 100000]
        [--source passages|man|docs] [--random-vectors]

The labelled corpus (tests/eval_corpus.py: the search corpus, the shared kb pages, the eval episodes)
is built once into CACHE/unpadded. The padded store is a copy of it with the distractors bulk-loaded
beside it, real English prose, none of it made by shuffling the labelled text (`--source`):

- passages: this machine's manual pages (/usr/share/man/man[1-8], English only), paragraphs cut at
  sentence ends into passages of 15-40 words, each its own document titled with its page's name;
- man: the same pages whole, chunked as Clout chunks an article (passages of Clout's own length);
- docs: those and the English pages of Debian's documentation packages (DOC_PACKAGES: the Linux
  kernel's, Python's, PostgreSQL's, Django's, Perl's, ... manuals), whole, chunked alike, in a fixed
  shuffled order, the first n passages. The packages are fetched with `apt-get download` (nothing is
  installed) and unpacked into CACHE/debian-docs, each with its licence in
  files/usr/share/doc/PKG/copyright; their text (paragraphs, list items and headings; no code, tables
  or navigation) is read once into CACHE/debian-docs/pages.json.gz.

Their vectors are embedded by Clout's own code path (chunking, `prepare.embedding_text`) through a
cache keyed by the exact text embedded (CACHE/vectors/*.npz), so a rebuild after a change to what is
embedded re-embeds only what changed. `--random-vectors` gives them random unit vectors instead (a
stand-in where embedding 100k passages does not fit): then hybrid's semantic side does not see them,
and only the lexical side's losses are measured. Build times are printed.

Both stores are then scored side by side (index/evaluate.py; tuning and held-out halves apart), and
the padded one again with the large-collection shortcut (`search.selective`) off.
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


def manual_pages():
    """(title, raw roff) of each manual page on this machine, in a fixed order (links and unreadable ones skipped)."""
    for path in sorted(glob.glob(MAN)):
        if os.path.islink(path):
            continue
        try:
            raw = (gzip.open(path) if path.endswith(".gz") else open(path, "rb")).read().decode("utf-8", "replace")
        except OSError:
            continue
        page, _, section = Path(path).name.removesuffix(".gz").rpartition(".")
        yield f"{page}({section})", raw


def pages() -> list[tuple[str, str]]:
    """Whole manual pages (their prose paragraphs, one per line) as (title, text) documents."""
    out, seen = [], set()
    for title, raw in manual_pages():
        paragraphs = [p for p in man_paragraphs(raw) if p not in seen]
        seen.update(paragraphs)
        if paragraphs:
            out.append((title, "\n".join(paragraphs)))
    return out


def distractors(n: int, seed: int = 12) -> list[tuple[str, str]]:
    """n (title, text) passages of manual-page prose, drawn evenly from the pages, in a fixed order."""
    pool: list[tuple[str, str]] = []
    seen: set[str] = set()
    for title, raw in manual_pages():
        for paragraph in man_paragraphs(raw):
            for text in passages(paragraph):
                if text not in seen:  # the same paragraph is in many pages (licences, "see also")
                    seen.add(text)
                    pool.append((title, text))
    if len(pool) < n:
        raise SystemExit(f"only {len(pool)} distractor passages on this machine, {n} asked for")
    random.Random(seed).shuffle(pool)
    return pool[:n]


# -- distractor text: Debian's documentation packages ---------------------------------------------
# Openly licensed English prose, each package's licence in its /usr/share/doc/PKG/copyright (unpacked
# beside the pages): {package: (licence, glob of its English pages inside the package)}.
DOC_PACKAGES = {
    "linux-doc-6.1": ("GPL-2", "usr/share/doc/linux-doc-6.1/html/**/*.html"),
    "python3.11-doc": ("PSF-2.0", "usr/share/doc/python3.11/html/**/*.html"),
    "postgresql-doc-15": ("PostgreSQL", "usr/share/doc/postgresql-doc-15/html/*.html"),
    "python-django-doc": ("BSD-3-Clause", "usr/share/doc/python-django-doc/html/**/*.html"),
    "perl-doc": ("GPL-1+ or Artistic", "usr/share/perl/*/pod/*.pod"),
    "git-doc": ("GPL-2", "usr/share/doc/git-doc/*.html"),
    "sqlite3-doc": ("public domain", "usr/share/doc/sqlite3/**/*.html"),
    "apache2-doc": ("Apache-2.0", "usr/share/doc/apache2-doc/manual/en/**/*.html"),
    "r-doc-html": ("GPL-2", "usr/share/doc/r-doc-html/manual/*.html"),
    "debian-handbook": ("GPL-2+ or CC-BY-SA-3.0", "usr/share/doc/debian-handbook/html/en-US/*.html"),
    "debian-reference-en": ("GPL-2+", "usr/share/debian-reference/*.en.html"),
    "debian-policy": ("GPL-2+", "usr/share/doc/debian-policy/policy.html/*.html"),
    "libreoffice-help-en-us": ("MPL-2.0", "usr/share/libreoffice/help/en-US/text/**/*.html"),
    "nodejs-doc": ("Expat", "usr/share/doc/nodejs/api/*.html"),
    "octave-doc": ("GPL-3+", "usr/share/doc/octave/octave.html/*.html"),
    "grass-doc": ("GPL-2+", "usr/share/doc/grass-doc/html/*.html"),
    "sphinx-doc": ("BSD-2-clause", "usr/share/doc/sphinx-doc/html/**/*.html"),
    "developers-reference": ("GPL-2", "usr/share/developers-reference/*.html"),
    "python-setuptools-doc": ("Expat", "usr/share/doc/python-setuptools-doc/html/**/*.html"),
    "debian-faq": ("SPI's copy-and-modify permission notice", "usr/share/doc/debian/FAQ/*.en.html"),
}
_HEADING_WORDS = 12  # a line this short may repeat (a heading); a longer one is kept once
MIN_PAGE_WORDS = 50
_NOT_PAGES = re.compile(r"/translations/|/_modules/|(^|/)(all|genindex[^/]*|py-modindex|search|index-\w+|bookindex|sitemap|doc_\w+_crossref|keyword_index)\.html$")
_NOT_TEXT = ("pre", "script", "style", "nav", "header", "footer", "table")
_BLOCKS = ("p", "li", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote")
_CHROME = re.compile(r"nav|header|footer|sidebar|related|menu|breadcrumb|toc|headerlink|highlight")


def unpacked(cache: Path) -> Path:
    """The documentation packages unpacked under CACHE/debian-docs (downloaded by apt the first time;
    nothing is installed)."""
    import subprocess

    root = cache / "debian-docs"
    debs = root / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    for package in DOC_PACKAGES:
        done = root / f"{package}.unpacked"
        if done.exists():
            continue
        try:
            if not list(debs.glob(f"{package}_*.deb")):
                subprocess.run(["apt-get", "download", package], cwd=debs, check=True, capture_output=True)
            deb = next(debs.glob(f"{package}_*.deb"))
            subprocess.run(["dpkg-deb", "-x", str(deb), str(root / "files")], check=True)
        except (OSError, subprocess.CalledProcessError, StopIteration) as error:
            raise SystemExit(f"could not fetch {package} ({error}): run `cd {debs} && apt-get download "
                             f"{' '.join(DOC_PACKAGES)}` on a Debian 12 machine, then this again") from None
        done.touch()
    return root / "files"


def html_text(path: Path) -> tuple[str, str]:
    """(title, prose) of one documentation page: its paragraphs, list items and headings one per line,
    without code, tables or the page's navigation."""
    import lxml.html

    tree = lxml.html.parse(str(path)).getroot()
    title = " ".join((tree.findtext(".//title") or path.stem).split()).replace("¶", "")
    main = next(iter(tree.xpath("//*[@role='main'] | //div[@class='body'] | //div[@id='page-content']")), None)
    main = main if main is not None else tree.find("body")
    if main is None:
        return title, ""
    for element in list(main.iter(*_NOT_TEXT)) + [e for e in main.iterdescendants() if _CHROME.search(str(e.get("class", "")) + str(e.get("id", "")))]:
        if element.getparent() is not None:
            element.drop_tree()
    lines = []
    for block in main.iter(*_BLOCKS):
        if any(child.tag in _BLOCKS for child in block.iterdescendants()):
            continue  # its inner blocks are read themselves
        line = " ".join(block.text_content().replace("¶", "").split())
        if line:
            lines.append(line)
    return title, "\n".join(lines)


def pod_text(path: Path) -> tuple[str, str]:
    """(title, prose) of one Perl pod page, by pod2text: its paragraphs one per line, verbatim code left out."""
    import subprocess

    rendered = subprocess.run(["pod2text", "--utf8", str(path)], capture_output=True).stdout.decode("utf-8", "replace")
    lines = []
    for paragraph in re.split(r"\n\s*\n", rendered):
        if paragraph.startswith("        ") or not paragraph.strip():  # code examples are indented further
            continue
        lines.append(" ".join(paragraph.split()))
    return path.stem, "\n".join(lines)


def doc_pages(cache: Path) -> list[tuple[str, str]]:
    """The documentation packages' pages as (title, text) documents, in a fixed order; read once and
    kept in CACHE/debian-docs/pages.json.gz."""
    saved = cache / "debian-docs" / "pages.json.gz"
    if saved.exists():
        return [tuple(page) for page in json.loads(gzip.decompress(saved.read_bytes()))]
    root = unpacked(cache)
    out, seen = [], set()
    for package, (_, pattern) in DOC_PACKAGES.items():
        for path in sorted(root.glob(pattern)):
            if path.is_symlink() or _NOT_PAGES.search(str(path)):
                continue
            title, text = (pod_text if path.suffix == ".pod" else html_text)(path)
            lines = [line for line in text.splitlines() if line not in seen]
            seen.update(line for line in lines if len(line.split()) > _HEADING_WORDS)  # licences, "see also"
            if sum(len(line.split()) for line in lines) >= MIN_PAGE_WORDS:
                out.append((title, "\n".join(lines)))
    saved.write_bytes(gzip.compress(json.dumps(out).encode()))
    return out


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

    def reading(self, stored) -> "CachedEmbedder":
        """As `Embedder.reading` (a knowledge base asks it for this): the inner model reads the store's sentence vectors."""
        self.inner = self.inner.reading(stored)
        return self

    def __getattr__(self, name: str):  # the rest of Embedder's interface (query vectors, sentences) as it is
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

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


# -- stores ----------------------------------------------------------------------------------------
def unpadded(cache: Path) -> Path:
    """The labelled corpus, built once (again when what is embedded has changed)."""
    from clout.index.store import Store
    from clout.index.windows import WINDOWS_METHOD

    directory = cache / "unpadded"
    if (directory / "clout.db").exists():
        store = Store(directory / "clout.db", readonly=True)
        current = store.get_meta("windows") == WINDOWS_METHOD
        store.close()
        if current:
            return directory
        shutil.rmtree(directory)
    sys.path.insert(0, str(ROOT / "tests"))
    import eval_corpus

    started = time.perf_counter()
    eval_corpus.build(directory)
    print(f"unpadded store built in {time.perf_counter() - started:.0f} s")
    return directory


def pool(source: str, cache: Path, n: int) -> list[tuple[str, str]]:
    """The distractors as (title, text): n short passages ("passages") or whole pages, chunked later."""
    if source == "passages":
        return distractors(n)
    if source == "man":
        return pages()
    out = doc_pages(cache) + pages()
    random.Random(12).shuffle(out)  # every package alike among the first n passages
    return out


def padded(cache: Path, base: Path, n: int, cached_only: bool, random_vectors: bool, source: str = "passages") -> tuple[Path, int]:
    """A copy of `base` with n distractor passages bulk-loaded beside it; (directory, passages added)."""
    from clout.index.chunk import chunk_text
    from clout.index.embed import Embedder
    from clout.index.kb import KnowledgeBase
    from clout.index.prepare import embedding_text
    from clout.index.vectors import VectorIndex
    from clout.index.windows import window_texts

    whole_pages = source != "passages"
    texts = pool(source, cache, n)
    embedder = CachedEmbedder(Embedder(), cache / "vectors")
    if cached_only and not random_vectors:
        def known(title, text):
            return all(CachedEmbedder.key(embedding_text(c)) in embedder.known for c in chunk_text(text, title))

        texts = texts[: next((i for i, (title, text) in enumerate(texts) if not known(title, text)), len(texts))]
    tag = f"{f'{source}-{n}' if whole_pages else len(texts)}{'-random' if random_vectors else ''}"
    directory = cache / f"padded-{tag}"
    stamp = directory / "built-from"
    if stamp.exists() and stamp.read_text() == str((base / "clout.db").stat().st_mtime):
        return directory, int((directory / "passages-added").read_text())
    if directory.exists():
        shutil.rmtree(directory)
    started = time.perf_counter()
    shutil.copytree(base, directory, ignore=shutil.ignore_patterns("write.lock"))
    kb = KnowledgeBase(directory, embedder=embedder)
    store = kb.store
    doc_id = max(d for d, _, _ in store.document_sources())
    chunk_id = int(store.chunk_ids().max())
    rng = np.random.default_rng(12)
    site = "documentation" if source == "docs" else "manual pages"
    now = time.time()
    added = 0
    for start in range(0, len(texts), 2000):
        part = texts[start : start + 2000]
        chunks = [chunk_text(text, title) for title, text in part]
        if whole_pages:  # at most n passages in all
            chunks = [c[: max(0, n - added - sum(map(len, chunks[:i])))] for i, c in enumerate(chunks)]
        else:
            assert all(len(c) == 1 and len(window_texts(c[0].text, c[0].context)) == 1 for c in chunks)  # one window each
        flat = [c for cs in chunks for c in cs]
        if not flat:
            break
        if random_vectors:  # far from every query: the store is the size asked for, lexical search the one measured
            vectors = rng.standard_normal((len(flat), embedder.dim)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        else:
            vectors = embedder.encode([embedding_text(c) for c in flat])
        docs, rows, at = [], [], 0
        for (title, text), cs in zip(part, chunks):
            if not cs:
                continue
            doc_id += 1
            docs.append((doc_id, f"{source}://{title}/{doc_id}", "article", title, "", "", site, "", "en", "", "",
                         None, hashlib.sha256(text.encode()).hexdigest(), text, "{}", now, now))
            for chunk in cs:
                chunk_id += 1
                rows.append((chunk_id, doc_id, chunk.position, chunk.text, chunk.context, chunk.char_start, chunk.char_end,
                             vectors[at].astype("<f4").tobytes(), None, None))
                at += 1
        store.bulk_load(docs, rows)
        added += len(flat)
    store.checkpoint()
    index = VectorIndex.build(embedder.dim, store.vectors, store.chunk_count())
    index.save(directory, store.generation, embedder.name)
    kb.close()
    stamp.write_text(str((base / "clout.db").stat().st_mtime))
    (directory / "passages-added").write_text(str(added))
    print(f"padded store ({added} distractor passages, {index.kind}) built in {time.perf_counter() - started:.0f} s "
          f"({embedder.embedded} passages embedded now)")
    return directory, added


# -- scoring ---------------------------------------------------------------------------------------
def scores(directory: Path, queries: list[dict], modes) -> dict[str, dict[str, float]]:
    """{mode: {half: nDCG@10}} and the mean lexical latency (ms), on one store."""
    from clout.index.evaluate import evaluate, half, query_key
    from clout.index.kb import KnowledgeBase

    kb = KnowledgeBase(directory, readonly=True)
    out: dict[str, dict[str, float]] = {}
    for part in ("tune", "held-out"):
        mine = [q for q in queries if half(query_key(q)) == part]
        for result in evaluate(kb, mine, modes)[0]:
            out.setdefault(result.mode, {})[part] = result.ndcg
    out["_vectors"] = kb.vectors.count
    kb.close()
    return out


def plain_bm25(directory: Path, queries: list[dict]) -> dict[str, float]:
    """{half: nDCG@10} of a plain BM25 library (bm25s, scripts/eval_baselines.py) over the store's
    documents: what the same padding costs BM25 with no shortcut and no fusion."""
    from eval_baselines import Bm25

    from clout.index.evaluate import half, ndcg, query_key, resolve
    from clout.index.kb import KnowledgeBase

    kb = KnowledgeBase(directory, readonly=True)
    bm25 = Bm25([d for d in kb.store.documents() if d.duplicate_of is None])
    figures: dict[str, list[float]] = {"tune": [], "held-out": []}
    for item in queries:
        grades = resolve(kb, item["relevant"])
        if grades:  # as evaluate() counts them: a query none of whose documents is stored is skipped
            figures[half(query_key(item))].append(ndcg(bm25.rank(item["q"], 10), grades))
    kb.close()
    return {part: sum(v) / max(1, len(v)) for part, v in figures.items()}


def main(argv=None) -> int:
    sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=Path("/work/cache-quality"))
    parser.add_argument("--distractors", type=int, default=100_000)
    parser.add_argument("--cached-only", action="store_true", help="only the distractors whose vectors are cached")
    parser.add_argument("--random-vectors", action="store_true",
                        help="distractors get random unit vectors (no embedding, a stand-in): hybrid measures only its lexical side's loss")
    parser.add_argument("--source", choices=("passages", "man", "docs"), default="passages",
                        help="passages: man-page paragraphs cut into 15-40-word passages; man: whole man pages chunked as "
                             "Clout chunks articles (passages of its length); docs: the same with DOC_PACKAGES' pages too")
    parser.add_argument("--queries", type=Path, default=ROOT / "tests" / "eval" / "labelled.json")
    args = parser.parse_args(argv)
    from clout.index import search

    queries = json.loads(args.queries.read_text())
    # Random distractor vectors are far from every query, so semantic search over them measures nothing
    # about scale; hybrid then measures what the lexical side's losses cost the fused ranking.
    modes = ("hybrid", "lexical") if args.random_vectors else ("hybrid", "lexical", "semantic")
    base = unpadded(args.cache)
    big, n = padded(args.cache, base, args.distractors, args.cached_only, args.random_vectors, args.source)
    rows = {"unpadded": scores(base, queries, modes), f"padded +{n}": scores(big, queries, modes)}
    for name, directory in (("unpadded", base), (f"padded +{n}", big)):
        rows[name]["bm25s"] = plain_bm25(directory, queries)
    modes = (*modes, "bm25s")
    saved = search.LARGE_COLLECTION
    search.LARGE_COLLECTION = 10**12  # every query word kept: what the shortcut costs
    try:
        rows[f"padded +{n}, no shortcut"] = scores(big, queries, ("hybrid", "lexical"))
    finally:
        search.LARGE_COLLECTION = saved
    print(f"\nnDCG@10, tune / held-out ({args.queries.name})")
    print(f"{'':<30}" + "".join(f"{m:>18}" for m in modes) + f"{'vectors':>10}")
    for name, figures in rows.items():
        cells = [f"{figures[m]['tune']:.3f} / {figures[m]['held-out']:.3f}" if m in figures else "-" for m in modes]
        print(f"{name:<30}" + "".join(f"{c:>18}" for c in cells) + f"{figures['_vectors']:>10}")
    if args.random_vectors:
        print("distractors have random unit vectors (--random-vectors, a stand-in): hybrid's semantic side is "
              "unaffected by them, so hybrid here measures only what the lexical side loses; semantic is not shown")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["embed"]:  # python scripts/bench_quality_scale.py embed CACHE N: the vectors only
        embed_distractors(Path(sys.argv[2]), int(sys.argv[3]))
        raise SystemExit(0)
    raise SystemExit(main())
