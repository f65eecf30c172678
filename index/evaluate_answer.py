"""Measuring the answer card on labelled queries: how often it is shown, how often it is right, and pairs found.

A labelled query (index/evaluate.py) may carry `answer` phrases and a `moment`:
{"source": "episodes/03-*", "start": seconds, "article": "articles/03-*.txt"}, the second where that
episode makes the query's point, and the article making the same point, when one does. A quote is
correct when it holds an answer phrase, or is that episode's quote spoken within MOMENT_SLACK seconds
before the moment up to its end.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .answer import answer
from .evaluate import _answers, _matches, contains_answer, half, query_key
from .search import search

K_CARD = 10  # the search page's results: the card sits above them
MOMENT_SLACK = 10.0


@dataclass
class CardScores:
    mode: str  # the half ("tune", "held-out", "all"): `table` prints one column per CardScores
    queries: int = 0
    shown: int = 0
    with_phrases: int = 0  # cards for queries that have answer phrases
    first_right: int = 0  # ... whose first quote holds one
    wrong: int = 0  # cards with no correct quote at all
    pairs_labelled: int = 0
    pairs_found: int = 0
    moments_labelled: int = 0
    moments_found: int = 0
    per_query: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        def share(a, b):
            return round(a / b, 4) if b else 0.0

        return {"half": self.mode, "queries": self.queries, "coverage": share(self.shown, self.queries),
                "precision": share(self.first_right, self.with_phrases), "no_correct_quote": share(self.wrong, self.shown),
                "pairs_found": share(self.pairs_found, self.pairs_labelled), "pairs_labelled": self.pairs_labelled,
                "moments_found": share(self.moments_found, self.moments_labelled), "moments_labelled": self.moments_labelled}


def _moment_quote(quote: dict, moment: dict | None) -> bool:
    return bool(moment) and quote["kind"] == "episode" and _matches(moment["source"], quote["source"]) \
        and quote["start"] - MOMENT_SLACK <= moment["start"] <= quote["end"]


def judge(card: dict | None, item: dict) -> dict:
    """One query's card against its labels."""
    phrases, moment = _answers(item), item.get("moment")
    quotes = card["quotes"] if card else []
    right = [bool(phrases) and contains_answer(q["text"], phrases) or _moment_quote(q, moment) for q in quotes]
    paired = bool(moment and moment.get("article")) and any(_moment_quote(q, moment) for q in quotes) and any(
        q["kind"] == "article" and _matches(moment["article"], q["source"]) for q in quotes)
    return {"q": item["q"], "shown": bool(card), "first_right": bool(quotes) and bool(phrases) and contains_answer(quotes[0]["text"], phrases),
            "right": any(right), "moment": any(_moment_quote(q, moment) for q in quotes), "paired": paired,
            "quotes": [q["text"][:80] for q in quotes]}


def evaluate_cards(kb, queries: list[dict], k: int = K_CARD) -> list[CardScores]:
    """Card figures for the tuning half, the held-out half and all queries given (halves left empty are dropped)."""
    scores = {name: CardScores(name) for name in ("tune", "held-out", "all")}
    for item in queries:
        row = judge(answer(kb, item["q"], search(kb, item["q"], k=k)), item)
        moment = item.get("moment")
        for s in (scores[half(query_key(item))], scores["all"]):
            s.queries += 1
            s.shown += row["shown"]
            s.with_phrases += row["shown"] and bool(_answers(item))
            s.first_right += row["first_right"]
            s.wrong += row["shown"] and not row["right"]
            s.moments_labelled += bool(moment)
            s.moments_found += row["moment"]
            s.pairs_labelled += bool(moment and moment.get("article"))
            s.pairs_found += row["paired"]
            s.per_query.append(row)
    return [s for s in scores.values() if s.queries]


def card_table(results: list[CardScores]) -> str:
    names = ("coverage", "precision", "no_correct_quote", "moments_found", "pairs_found")
    lines = [f"{'answer card':<18}" + "".join(f"{s.mode:>10}" for s in results)]
    for name in names:
        lines.append(f"{name:<18}" + "".join(f"{s.to_json()[name]:>10.3f}" for s in results))
    lines.append(f"{'pairs labelled':<18}" + "".join(f"{s.pairs_labelled:>10}" for s in results))
    lines.append(f"{'queries':<18}" + "".join(f"{s.queries:>10}" for s in results))
    return "\n".join(lines)


__all__ = ["evaluate_cards", "card_table", "judge", "CardScores", "K_CARD"]
