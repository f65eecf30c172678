"""Crash safety: `clout ingest` killed with SIGKILL at 20 moments leaves a consistent store, and
running the same ingest again ends with exactly the expected documents, none twice, none missing.

Eight kills are placed by CLOUT_TEST_CRASH_AT (index/faults.py): after embedding, inside the SQLite
transaction just before COMMIT, and just before the vector index is saved. Twelve more land at random
moments of a running batch (which includes inside commits and saves the hooks cannot reach).
"""
from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import ROOT, SEEDS, clout
from clout.index.kb import DB_FILE, KnowledgeBase

pytestmark = pytest.mark.slow

# (stage, n): die the n-th time the stage is reached. Commit 1 is the store's own at open.
HOOKED = [("embedded", 1), ("embedded", 3), ("embedded", 6), ("commit", 2), ("commit", 4), ("commit", 7),
          ("save", 1), ("save", 1)]
NOTES = 16
RANDOM_KILLS = 12


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """16 distinct small articles, each two paragraphs of the seed corpus no other note shares."""
    paragraphs = [p.strip() for f in sorted(SEEDS.glob("*.txt")) for p in f.read_text().split("\n\n") if len(p.strip()) > 120]
    rng = random.Random(3)
    folder = tmp_path_factory.mktemp("crash-docs")
    rng.shuffle(paragraphs)
    assert len(paragraphs) >= 2 * NOTES
    for i in range(NOTES):
        picked = paragraphs[2 * i : 2 * i + 2]
        (folder / f"note-{i:02d}.txt").write_text(f"Field note {i}\n\n" + f"\n\nNote {i} goes on. ".join(picked))
    return folder


@pytest.fixture(scope="module")
def expected(documents, tmp_path_factory):
    reference = tmp_path_factory.mktemp("crash-ref") / "data"
    assert clout("ingest", str(documents), data_dir=reference).exit_code == 0
    return snapshot(reference)


def snapshot(data_dir) -> dict:
    """What a store holds, in a form two stores can be compared by."""
    db = sqlite3.connect(data_dir / DB_FILE)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        sources = [r[0] for r in db.execute("SELECT source FROM documents ORDER BY source")]
        chunks = sorted(db.execute("SELECT d.source, c.position, c.text FROM chunks c JOIN documents d ON d.id = c.document_id"))
        fts = db.execute("SELECT COUNT(*) FROM chunks_fts").fetchone()[0]
        empty = db.execute("SELECT COUNT(*) FROM documents d WHERE NOT EXISTS "
                           "(SELECT 1 FROM chunks c WHERE c.document_id = d.id)").fetchone()[0]
    finally:
        db.close()
    assert fts == len(chunks), "the full-text index is out of step with the chunks"
    assert empty == 0, "a document was stored without its chunks"
    assert len(sources) == len(set(sources))
    return {"sources": sources, "chunks": chunks}


def ingest(documents, data_dir, crash_at: str = "") -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("CLOUT_TEST_CRASH_AT", None)
    if crash_at:
        env["CLOUT_TEST_CRASH_AT"] = crash_at
    return subprocess.Popen(
        [sys.executable, "-m", "clout", "--data-dir", str(data_dir), "ingest", str(documents)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def assert_consistent(data_dir) -> dict:
    result = clout("stats", "--json", data_dir=data_dir)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["consistent"] and figures["vectors"] == figures["chunks"], figures
    return snapshot(data_dir)


def forget_some(data_dir, rng: random.Random) -> None:
    """Remove half the notes, so the next run has real work to be killed in."""
    kb = KnowledgeBase(data_dir)
    with kb.writing():
        stored = [doc.source for doc in kb.store.documents()]
        for source in rng.sample(stored, max(0, len(stored) - NOTES // 2)):
            kb.remove(source)
    kb.close()


def test_sigkill_at_twenty_moments_never_loses_or_doubles_a_document(documents, expected, tmp_path):
    data_dir = tmp_path / "data"
    rng = random.Random(11)
    kills = 0
    for stage in HOOKED:
        proc = ingest(documents, data_dir, crash_at=f"{stage[0]}:{stage[1]}")
        output, _ = proc.communicate(timeout=300)
        assert proc.returncode == -signal.SIGKILL, f"{stage} was not reached:\n{output}"
        kills += 1
        assert_consistent(data_dir)
        forget_some(data_dir, rng)
    while kills < len(HOOKED) + RANDOM_KILLS:
        proc = ingest(documents, data_dir)
        line = proc.stdout.readline()  # the first item is done: the model is loaded, work is under way
        time.sleep(rng.uniform(0.0, 0.6))
        proc.send_signal(signal.SIGKILL)
        output = line + proc.communicate(timeout=60)[0]
        if proc.returncode == -signal.SIGKILL:
            kills += 1
        assert_consistent(data_dir)
        state = snapshot(data_dir)["sources"]
        if len(state) == len(expected["sources"]):  # it got everything in before the kill: make more work
            forget_some(data_dir, rng)
    proc = ingest(documents, data_dir)
    output, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, output
    assert assert_consistent(data_dir) == expected
    hits = json.loads(clout("search", "--json", "Field note 7", data_dir=data_dir).stdout)["results"]
    assert len({h["source"] for h in hits}) == len(hits)
