"""Score Clout's article extraction against plain `trafilatura.extract(html)` on the shared gold pages.

For each page of ../shared/data/articles/evaldata.json, a `with` snippet found in the extracted text
is a true positive (else a false negative) and a `without` snippet found is a false positive (else a
true negative). Prints precision, recall, F1 and accuracy for both, and the pages where Clout loses.

    python scripts/eval_extraction.py [--data DIR] [--verbose]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_DATA = Path(os.environ.get("CLOUT_SHARED_DIR", ROOT.parent / "shared")) / "data" / "articles"


@dataclass
class Score:
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    failed: int = 0  # pages with no text at all
    seconds: float = 0.0

    def add(self, text: str, page: dict) -> None:
        text = " ".join(text.split())
        for snippet in page.get("with", []):
            if " ".join(snippet.split()) in text:
                self.tp += 1
            else:
                self.fn += 1
        for snippet in page.get("without", []):
            if " ".join(snippet.split()) in text:
                self.fp += 1
            else:
                self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / max(1, self.tp + self.fp)

    @property
    def recall(self) -> float:
        return self.tp / max(1, self.tp + self.fn)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / max(1, self.tp + self.tn + self.fp + self.fn)

    def line(self, name: str) -> str:
        return (f"{name:<12} precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}  "
                f"accuracy {self.accuracy:.3f}  (tp {self.tp} fn {self.fn} fp {self.fp} tn {self.tn}; "
                f"{self.failed} pages without text; {self.seconds:.1f} s)")


def pages(data: Path) -> list[tuple[str, dict, str]]:
    gold = json.loads((data / "evaldata.json").read_text(encoding="utf-8"))
    return [(url, page, (data / "html" / page["file"]).read_text(encoding="utf-8", errors="replace"))
            for url, page in gold.items()]


def clout_text(html: str, url: str) -> str:
    from clout.ingest.errors import IngestError
    from clout.ingest.extract import extract_html

    try:
        return extract_html(html, url, url=url).text
    except IngestError:
        return ""


def trafilatura_text(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html) or ""


METADATA = ("title", "author", "date")


def metadata_scores(data: Path = DEFAULT_DATA, verbose: bool = False) -> dict[str, dict[str, tuple[int, int]]]:
    """Exact matches of title, author and date where the gold file gives them: Clout vs trafilatura."""
    import trafilatura

    from clout.ingest.dates import iso_date
    from clout.ingest.errors import IngestError
    from clout.ingest.extract import extract_html

    found = {name: {field: [0, 0] for field in METADATA} for name in ("clout", "trafilatura")}
    for url, page, html in pages(data):
        try:
            doc = extract_html(html, url, url=url)
            mine = {"title": doc.title, "author": doc.author, "date": doc.date}
        except IngestError:
            mine = {}
        plain = trafilatura.bare_extraction(html, url=url, with_metadata=True)
        theirs = {f: (getattr(plain, f, "") or "") for f in METADATA} if plain else {}
        theirs["date"] = iso_date(theirs.get("date"))
        for field in METADATA:
            if not page.get(field):
                continue
            for name, got in (("clout", mine), ("trafilatura", theirs)):
                found[name][field][1] += 1
                found[name][field][0] += got.get(field, "") == page[field]
            if verbose and mine.get(field, "") != page[field]:
                print(f"{field}: {url}: expected {page[field]!r}, got {mine.get(field, '')!r}")
    return {name: {f: tuple(v) for f, v in fields.items()} for name, fields in found.items()}


def evaluate(data: Path = DEFAULT_DATA, verbose: bool = False) -> dict[str, Score]:
    scores = {"clout": Score(), "trafilatura": Score()}
    extractors = {"clout": clout_text, "trafilatura": trafilatura_text}
    for url, page, html in pages(data):
        per_page = {}
        for name, extract in extractors.items():
            started = time.perf_counter()
            text = extract(html, url)
            scores[name].seconds += time.perf_counter() - started
            scores[name].failed += not text
            single = Score()
            single.add(text, page)
            scores[name].add(text, page)
            per_page[name] = single
        if verbose and (per_page["clout"].tp, -per_page["clout"].fp) < (per_page["trafilatura"].tp, -per_page["trafilatura"].fp):
            print(f"worse than trafilatura: {url} clout tp/fp {per_page['clout'].tp}/{per_page['clout'].fp}, "
                  f"trafilatura {per_page['trafilatura'].tp}/{per_page['trafilatura'].fp}")
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with evaldata.json and html/")
    parser.add_argument("--verbose", action="store_true", help="list pages where Clout does worse")
    args = parser.parse_args()
    scores = evaluate(args.data, args.verbose)
    print(f"{len(pages(args.data))} pages from {args.data}")
    for name, score in scores.items():
        print(score.line(name))
    for name, fields in metadata_scores(args.data, args.verbose).items():
        print(f"{name:<12} metadata " + "  ".join(f"{f} {ok}/{n}" for f, (ok, n) in fields.items()))


if __name__ == "__main__":
    main()
