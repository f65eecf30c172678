"""Measuring search: labelled queries scored by nDCG@10, MRR@10, recall@5, answer-in-top-passage and -snippet, per mode.

A labelled query is {"q": ..., "relevant": {source: grade}, "answer": phrase or [phrases]} (answer optional).
A source label matches a stored document whose source equals it or ends with "/" + it, and may use
shell wildcards ("episodes/03-*"), so labels hold however the corpus was ingested (relative or
absolute paths). A label naming a recorded duplicate counts for its original; a label matching
nothing stored is dropped, and a query left with no relevant document is skipped (both reported).
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from clout.errors import CloutError

from .search import MODES, search

K_NDCG = 10
K_RECALL = 5


class EvalError(CloutError, ValueError):
    """The labelled queries file cannot be used as given."""


@dataclass
class Scores:
    mode: str
    ndcg: float = 0.0
    mrr: float = 0.0
    recall: float = 0.0
    answer: float = 0.0  # share of queries with an answer phrase whose top passage contains it
    snippet: float = 0.0  # ... whose top hit's snippet (what a user reads first) contains it
    queries: int = 0
    per_query: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"mode": self.mode, "ndcg@10": round(self.ndcg, 4), "mrr@10": round(self.mrr, 4),
                "recall@5": round(self.recall, 4), "answer@1": round(self.answer, 4), "snippet@1": round(self.snippet, 4),
                "queries": self.queries}


# -- metrics (pure) -------------------------------------------------------------------------------
def ndcg(ranked: list[int], grades: dict[int, float], k: int = K_NDCG) -> float:
    def dcg(gains):
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))

    ideal = dcg(sorted(grades.values(), reverse=True)[:k])
    return dcg([grades.get(d, 0) for d in ranked[:k]]) / ideal if ideal else 0.0


def reciprocal_rank(ranked: list[int], grades: dict[int, float], k: int = K_NDCG) -> float:
    return next((1.0 / (i + 1) for i, d in enumerate(ranked[:k]) if grades.get(d, 0) > 0), 0.0)


def recall(ranked: list[int], grades: dict[int, float], k: int = K_RECALL) -> float:
    relevant = {d for d, g in grades.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def _plain(text: str) -> str:
    text = text.lower().translate(str.maketrans("‘’“”–—", "''\"\"--"))
    return " ".join(text.split())


def contains_answer(text: str, answers: list[str]) -> bool:
    plain = _plain(text)
    return any(_plain(a) in plain for a in answers)


def half(key: str) -> str:
    """"tune" or "held-out", fixed by a hash of the query's id (or text): ranking is tuned on one half only."""
    return "tune" if hashlib.sha1(key.encode("utf-8")).digest()[0] % 2 == 0 else "held-out"


def query_key(item: dict) -> str:
    return str(item.get("id") or item["q"])


# -- labels ---------------------------------------------------------------------------------------
def load_queries(path: Path | str) -> list[dict]:
    try:
        data = json.loads(Path(path).read_text())
    except OSError as e:
        raise EvalError(f"cannot read {path} ({e.strerror})") from None
    except json.JSONDecodeError as e:
        raise EvalError(f"{path} is not JSON ({e.msg} at line {e.lineno})") from None
    if not isinstance(data, list) or not all(isinstance(q, dict) and q.get("q") and isinstance(q.get("relevant"), dict) for q in data):
        raise EvalError(f'{path} must hold a list of {{"q": ..., "relevant": {{source: grade}}}}')
    return data


def _matches(label: str, source: str) -> bool:
    return fnmatchcase(source, label) or fnmatchcase(source, "*/" + label.lstrip("/"))


def resolve(kb, relevant: dict[str, float]) -> dict[int, float]:
    """Labelled sources as {document id: grade}, duplicates credited to their originals."""
    rows = kb.store.document_sources()
    grades: dict[int, float] = {}
    for label, grade in relevant.items():
        for doc_id, source, original in rows:
            if _matches(label, source):
                target = original or doc_id
                grades[target] = max(grades.get(target, 0), float(grade))
    return grades


def _answers(item: dict) -> list[str]:
    answer = item.get("answer") or []
    return [answer] if isinstance(answer, str) else list(answer)


# -- running --------------------------------------------------------------------------------------
def evaluate(kb, queries: list[dict], modes=MODES, weights=None) -> tuple[list[Scores], list[str]]:
    """Scores per mode (in the order given), and notes on labels that matched nothing."""
    notes, labelled = [], []
    for item in queries:
        grades = resolve(kb, item["relevant"])
        missing = [s for s in item["relevant"] if not resolve(kb, {s: 1})]
        if missing:
            notes.append(f"{item['q']!r}: no stored document matches {', '.join(missing)}")
        if grades:
            labelled.append((item, grades))
        else:
            notes.append(f"{item['q']!r}: skipped, none of its relevant documents is stored")
    results = []
    for mode in modes:
        scores = Scores(mode, queries=len(labelled))
        answered = 0
        for item, grades in labelled:
            hits = search(kb, item["q"], k=K_NDCG, mode=mode, weights=weights)
            ranked = [h.doc_id for h in hits]
            row = {"q": item["q"], "ndcg": ndcg(ranked, grades), "rr": reciprocal_rank(ranked, grades),
                   "recall": recall(ranked, grades), "top": hits[0].source if hits else None}
            answers = _answers(item)
            if answers:
                answered += 1
                row["answer"] = bool(hits) and contains_answer(hits[0].text, answers)
                row["snippet"] = bool(hits) and contains_answer(hits[0].snippet, answers)
                scores.answer += row["answer"]
                scores.snippet += row["snippet"]
            scores.ndcg += row["ndcg"]
            scores.mrr += row["rr"]
            scores.recall += row["recall"]
            scores.per_query.append(row)
        n = max(1, len(labelled))
        scores.ndcg, scores.mrr, scores.recall = scores.ndcg / n, scores.mrr / n, scores.recall / n
        scores.answer = scores.answer / answered if answered else 0.0
        scores.snippet = scores.snippet / answered if answered else 0.0
        results.append(scores)
    return results, notes


def table(results: list, names: tuple[str, ...] = ("ndcg@10", "mrr@10", "recall@5", "answer@1", "snippet@1")) -> str:
    """The figures side by side, one column per mode (anything with .mode, .queries and .to_json())."""
    width = max(10, 1 + max(map(len, names)))
    lines = [f"{'':<{width}}" + "".join(f"{s.mode:>10}" for s in results)]
    for name in names:
        lines.append(f"{name:<{width}}" + "".join(f"{s.to_json()[name]:>10.3f}" for s in results))
    lines.append(f"{'queries':<{width}}" + "".join(f"{s.queries:>10}" for s in results))
    return "\n".join(lines)
