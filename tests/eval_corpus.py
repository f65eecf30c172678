"""The larger labelled corpus (tests/eval/labelled.json): the search test corpus, the 198 openly licensed
kb pages from ../shared/data/kb (read in place), and two episodes only the labelled set asks about."""
from __future__ import annotations

from pathlib import Path

from conftest import DATA, clout
from search_corpus import HERE, build as build_search_corpus, episode

KB_DOCS = DATA / "kb" / "docs"
EVAL_EPISODES = HERE / "eval" / "episodes"
LABELLED = HERE / "eval" / "labelled.json"


def build(data_dir: Path) -> Path:
    from clout.index.kb import KnowledgeBase

    build_search_corpus(data_dir)
    result = clout("ingest", str(KB_DOCS), data_dir=data_dir)
    assert result.exit_code == 0, result.output
    kb = KnowledgeBase(data_dir)
    with kb.writing():
        for path in sorted(EVAL_EPISODES.glob("*.json")):
            added = kb.add(episode(path))
            assert added.status in ("added", "unchanged"), (path, added)
    kb.close()
    return data_dir
