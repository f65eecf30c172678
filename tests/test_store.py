"""The store and vector index stay in step through crashes, damage and the wrong model."""
from __future__ import annotations

import json
import random
import re
import signal
import subprocess
import textwrap
import time

import pytest

from conftest import ROOT, clout
from clout.index.kb import KnowledgeBase
from clout.index.store import StoreError
import struct

from clout.index.vectors import INDEX_FILE, TRAILER_MAGIC, VectorIndex


def stats(data_dir):
    return json.loads(clout("stats", "--json", data_dir=data_dir).stdout)


def test_model_mismatch_is_refused(corpus_copy):
    kb = KnowledgeBase(corpus_copy)
    with kb.store.transaction() as db:
        db.execute("UPDATE meta SET value = 'intfloat/e5-large-v2' WHERE key = 'model'")
        db.execute("UPDATE meta SET value = '1024' WHERE key = 'dim'")
    kb.store.close()
    with pytest.raises(StoreError, match="e5-large-v2"):
        KnowledgeBase(corpus_copy)
    result = clout("search", "buy in", data_dir=corpus_copy)
    assert result.exit_code == 1
    assert "built with the embedding model intfloat/e5-large-v2" in result.output


@pytest.mark.parametrize("damage", ["truncate", "garbage", "delete", "stale_sidecar"])
def test_damaged_vector_index_is_detected_and_rebuilt(corpus_copy, damage):
    expected = stats(corpus_copy)
    query = "guerrilla marketing results in the restrooms"
    before = json.loads(clout("search", "--json", query, data_dir=corpus_copy).stdout)["results"][0]
    index_file = corpus_copy / INDEX_FILE
    if damage == "truncate":
        index_file.write_bytes(index_file.read_bytes()[: index_file.stat().st_size // 2])
    elif damage == "garbage":
        index_file.write_bytes(b"\x00not a faiss index" * 100)
    elif damage == "delete":
        index_file.unlink()
    else:
        # A whole, valid file from an older generation of the store: it must be brought up to date.
        blob = index_file.read_bytes()
        tail = len(TRAILER_MAGIC) + 8
        (size,) = struct.unpack("<Q", blob[-tail : -len(TRAILER_MAGIC)])
        body, info = blob[: len(blob) - tail - size], json.loads(blob[len(blob) - tail - size : len(blob) - tail])
        info["generation"] -= 3
        trailer = json.dumps(info).encode()
        index_file.write_bytes(body + trailer + struct.pack("<Q", len(trailer)) + TRAILER_MAGIC)
        kb = KnowledgeBase(corpus_copy)
        with kb.store.transaction() as db:  # and the store has moved on: a chunk the file lacks
            row = db.execute("SELECT * FROM chunks ORDER BY id DESC LIMIT 1").fetchone()
            db.execute("DELETE FROM chunks_fts WHERE rowid = ?", (row["id"],))
            db.execute("DELETE FROM chunks WHERE id = ?", (row["id"],))
        kb.store.close()
        expected["chunks"] -= 1
    result = clout("search", "--json", query, data_dir=corpus_copy)
    assert result.exit_code == 0
    if damage == "stale_sidecar":
        assert "out of step with the store (0 missing, 1 extra): repaired" in result.stderr
    else:
        assert "rebuilt from the store" in result.stderr
    assert json.loads(result.stdout)["results"][0]["chunk_id"] == before["chunk_id"]
    after = stats(corpus_copy)
    assert after["consistent"] and after["vectors"] == expected["chunks"]


@pytest.mark.slow
def test_crash_between_commit_and_index_save_is_repaired(corpus_copy, tmp_path, python):
    note = tmp_path / "late.txt"
    note.write_text("Escalation ladders\n\n" + "Escalation ladders tell a frontline agent exactly whom to call next. " * 10)
    script = textwrap.dedent(f"""
        import os
        from clout.index.kb import KnowledgeBase
        from clout.ingest.files import read_file
        from pathlib import Path
        kb = KnowledgeBase({str(corpus_copy)!r})
        kb.add(read_file(Path({str(note)!r}), 10**7))
        os._exit(0)  # die after the SQLite commit, before the vector index is saved
    """)
    subprocess.run([python, "-c", script], cwd=ROOT, check=True, timeout=300)
    result = clout("search", "--json", "whom does the frontline agent call next", data_dir=corpus_copy)
    assert "out of step" in result.stderr, result.output
    assert json.loads(result.stdout)["results"][0]["source"] == str(note)
    assert stats(corpus_copy)["consistent"]


@pytest.mark.slow
def test_killed_mid_save_leaves_old_or_new_index(corpus_copy, python):
    """SIGKILL a process that saves the index in a loop; every survivor file set must open whole."""
    script = textwrap.dedent(f"""
        import sys
        import numpy as np
        from clout.index.kb import KnowledgeBase
        kb = KnowledgeBase({str(corpus_copy)!r})
        rng = np.random.default_rng(0)
        vecs = rng.standard_normal((20000, 384)).astype("float32")
        kb.vectors.add(np.arange(10**6, 10**6 + 20000), vecs)  # a bigger file makes a longer save
        print("ready", flush=True)
        while True:
            kb.vectors.save(kb.data_dir, kb.store.generation, kb.embedder.name)
    """)
    expected = stats(corpus_copy)["chunks"]
    rng = random.Random(7)
    for attempt in range(10):
        proc = subprocess.Popen([python, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        leftovers = [p.name for p in corpus_copy.glob("*.tmp")]
        index, info = VectorIndex.load(corpus_copy, 384)  # must never raise: old or new, never torn
        assert index.count == info["count"]
        kb = KnowledgeBase(corpus_copy)
        assert kb.check()["consistent"], leftovers
        assert kb.vectors.count == expected  # the synthetic vectors have no rows: dropped at open
        kb.close()


def test_two_writers_are_serialised_with_a_clear_message(corpus_copy):
    holder = KnowledgeBase(corpus_copy)
    with holder.writing():
        result = clout("ingest", str(ROOT / "corpus"), data_dir=corpus_copy)
    assert result.exit_code == 1
    assert "another Clout process" in result.output and "is writing to" in result.output


SQL_CALL = re.compile(r"\.(execute|executemany|executescript|backup)\(|\b(import|from) sqlite3\b|\bsqlite3\.")


def test_no_sql_is_written_outside_the_store():
    """index/store/ is the one owner of persistence: no other module of the product or its scripts talks SQL."""
    store = ROOT / "index" / "store"
    assert list(store.glob("*.py")), "the store package moved: update this test"
    offenders = []
    for folder in ("clout", "ingest", "index", "web", "scripts"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if store in path.parents:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if SQL_CALL.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_an_episode_s_segments_are_read_for_one_passage_as_segments_inside_picks_them(tmp_path):
    """A page of hits reads only the segments its episode passage covers: the same ones, in order,
    that `segments_inside` picks from the episode's whole list."""
    from clout.document import Document, Segment
    from clout.index.sentences import segments_inside

    kb = KnowledgeBase(tmp_path / "data")
    timed = [Segment(i * 4.0, i * 4.0 + 4.5, f"Segment {i} talks about sponsors and budgets.") for i in range(12)]
    with kb.writing():
        kb.add(Document(source="ep.mp3", title="An episode", kind="episode", text=" ".join(s.text for s in timed),
                        segments=timed))
    doc_id = next(iter(kb.store.documents())).id
    every = kb.store.segments(doc_id)
    assert [s.text for s in every] == [s.text for s in timed]
    for start, end in [(0.0, 4.0), (3.9, 9.0), (8.0, 8.0), (10.0, 30.0), (44.0, 100.0), (100.0, 120.0)]:
        assert kb.store.segments(doc_id, start, end) == segments_inside(every, start, end), (start, end)
    kb.close()
