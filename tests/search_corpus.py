"""The search test corpus: the seed articles, off-topic and near-topic distractors, and two episodes.

The episodes are spoken retellings of seed articles 03 and 05 (our own prose, timed from word counts),
added with kb.add like any transcribed episode; they do not depend on the podcast stage. They are
worded differently from the articles on purpose: a verbatim narration would be recorded as a
near-duplicate of its article and never indexed.
"""
from __future__ import annotations

import json
from pathlib import Path

from conftest import CORPUS, clout

HERE = Path(__file__).resolve().parent
DISTRACTORS = HERE / "data" / "distractors"
EPISODES = HERE / "data" / "episodes"
QUERIES = HERE / "eval" / "queries.json"
WORDS_PER_SECOND = 2.6


def episode(path: Path):
    from clout.document import EPISODE, Document, Segment

    spec = json.loads(path.read_text())
    segments, t = [], 3.0  # a short intro jingle before the first words
    for line in spec["lines"]:
        length = round(len(line.split()) / WORDS_PER_SECOND, 2)
        segments.append(Segment(round(t, 2), round(t + length, 2), line))
        t += length + 0.4
    return Document(
        source=f"tests/data/episodes/{path.stem}", text=" ".join(spec["lines"]), kind=EPISODE, title=spec["title"],
        author=spec["author"], date=spec["date"], site=spec["site"], duration=round(t, 2), segments=segments,
        audio_url=f"https://example.invalid/{path.stem}.mp3",
    )


def build(data_dir: Path) -> Path:
    """Ingest the whole test corpus into data_dir (through the real CLI and KnowledgeBase)."""
    from clout.index.kb import KnowledgeBase

    result = clout("ingest", str(CORPUS / "articles"), str(DISTRACTORS), data_dir=data_dir)
    assert result.exit_code == 0, result.output
    kb = KnowledgeBase(data_dir)
    with kb.writing():
        for path in sorted(EPISODES.glob("*.json")):
            added = kb.add(episode(path))
            assert added.status in ("added", "unchanged"), (path, added)
    kb.close()
    return data_dir
