"""BEIR-format evaluation folders: corpus.jsonl, queries.jsonl and qrels/test.tsv read, stored, and scored.

The format is the one public retrieval benchmarks ship in (and any user can write for their own data):

    corpus.jsonl     {"_id": "d1", "title": "...", "text": "..."} per line
    queries.jsonl    {"_id": "q1", "text": "..."} per line
    qrels/test.tsv   query-id <TAB> corpus-id <TAB> score, after a header line

Each corpus entry becomes an article whose source is "beir/<_id>"; a query is scored only when its
qrels name a stored document (a recorded near-duplicate counts for its original).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from clout.document import Document

from .evaluate import EvalError, ndcg, recall, reciprocal_rank, table as side_by_side
from .search import MODES, search

SOURCE_PREFIX = "beir/"
DEPTH = 100  # recall@100 needs the first hundred documents


@dataclass
class Beir:
    corpus: list[dict]
    queries: dict[str, str]
    qrels: dict[str, dict[str, float]]


@dataclass
class BeirScores:
    mode: str
    ndcg: float = 0.0
    mrr: float = 0.0
    recall10: float = 0.0
    recall100: float = 0.0
    queries: int = 0
    per_query: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"mode": self.mode, "ndcg@10": round(self.ndcg, 4), "mrr@10": round(self.mrr, 4),
                "recall@10": round(self.recall10, 4), "recall@100": round(self.recall100, 4), "queries": self.queries}


def is_beir(folder: Path | str) -> bool:
    folder = Path(folder)
    return folder.is_dir() and (folder / "corpus.jsonl").exists()


def _jsonl(path: Path, needed: tuple[str, ...]) -> list[dict]:
    if not path.exists():
        raise EvalError(f"{path} is missing (a BEIR folder holds corpus.jsonl, queries.jsonl and qrels/test.tsv)")
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise EvalError(f"{path} line {n} is not JSON ({e.msg})") from None
            if not isinstance(row, dict) or any(not isinstance(row.get(k, ""), str) for k in needed) or "_id" not in row:
                raise EvalError(f"{path} line {n} needs {', '.join(needed)} as strings")
            row["_id"] = str(row["_id"])
            rows.append(row)
    return rows


def read(folder: Path | str, split: str = "test") -> Beir:
    """The corpus, queries and qrels of a BEIR folder; EvalError naming the file and line when malformed."""
    folder = Path(folder)
    corpus = _jsonl(folder / "corpus.jsonl", ("_id", "text"))
    queries = {q["_id"]: q.get("text", "") for q in _jsonl(folder / "queries.jsonl", ("_id", "text"))}
    path = folder / "qrels" / f"{split}.tsv"
    if not path.exists():
        raise EvalError(f"{path} is missing (a BEIR folder holds corpus.jsonl, queries.jsonl and qrels/{split}.tsv)")
    qrels: dict[str, dict[str, float]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        cells = line.split("\t")
        if not line.strip() or (n == 1 and cells[0].strip().lower() in ("query-id", "query_id", "qid")):
            continue
        try:
            qid, did, grade = cells[0].strip(), cells[1].strip(), float(cells[2])
        except (IndexError, ValueError):
            raise EvalError(f"{path} line {n} must be query-id<TAB>corpus-id<TAB>score") from None
        qrels.setdefault(qid, {})[did] = grade
    return Beir(corpus, queries, qrels)


def documents(beir: Beir) -> list[Document]:
    return [Document(source=SOURCE_PREFIX + row["_id"], text=row.get("text", ""), title=row.get("title", "") or "")
            for row in beir.corpus if (row.get("text") or "").strip()]


def ingest(kb, beir: Beir) -> int:
    """Store the corpus (unchanged entries cost nothing, so a kept scratch directory is reused); how many stored."""
    docs = documents(beir)
    with kb.writing():
        for doc in docs:
            kb.add(doc)
    return len(docs)


def evaluate(kb, beir: Beir, modes=MODES, only=None) -> list[BeirScores]:
    """nDCG@10, MRR@10, recall@10 and recall@100 per mode; `only(query_id)` picks a subset of the queries."""
    ids: dict[str, int] = {}
    for doc_id, source, original in kb.store.document_sources():
        if source.startswith(SOURCE_PREFIX):
            ids[source[len(SOURCE_PREFIX):]] = original or doc_id
    labelled = []
    for qid, judged in beir.qrels.items():
        text = beir.queries.get(qid, "")
        grades: dict[int, float] = {}
        for did, grade in judged.items():
            if did in ids and grade > 0:
                grades[ids[did]] = max(grades.get(ids[did], 0), grade)
        if text.strip() and grades and (only is None or only(qid)):
            labelled.append((qid, text, grades))
    results = []
    for mode in modes:
        scores = BeirScores(mode, queries=len(labelled))
        for qid, text, grades in labelled:
            ranked = [h.doc_id for h in search(kb, text, k=DEPTH, mode=mode)]
            row = {"id": qid, "q": text, "ndcg": ndcg(ranked, grades), "rr": reciprocal_rank(ranked, grades),
                   "recall@10": recall(ranked, grades, 10), "recall@100": recall(ranked, grades, 100)}
            scores.ndcg += row["ndcg"]
            scores.mrr += row["rr"]
            scores.recall10 += row["recall@10"]
            scores.recall100 += row["recall@100"]
            scores.per_query.append(row)
        n = max(1, len(labelled))
        scores.ndcg, scores.mrr, scores.recall10, scores.recall100 = (
            scores.ndcg / n, scores.mrr / n, scores.recall10 / n, scores.recall100 / n)
        results.append(scores)
    return results


def table(results: list[BeirScores]) -> str:
    return side_by_side(results, ("ndcg@10", "mrr@10", "recall@10", "recall@100"))
