"""A server keeps answering while another process ingests: no failed query, new documents show up
without a restart, and two ingests at once are serialised with a clear message."""
from __future__ import annotations

import json
import random
import re
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import pytest
from waitress.server import create_server

from conftest import ROOT, SEEDS, make_app

pytestmark = pytest.mark.slow

NEW_DOCS = 100


def write_notes(folder, n: int) -> None:
    """n small documents, each naming a code word no other text has, none a near-duplicate of another."""
    folder.mkdir()
    words = sorted({w for f in SEEDS.glob("*.txt") for w in re.findall(r"[a-z]{4,}", f.read_text().lower())})
    for i in range(n):
        rng = random.Random(i)
        body = ". ".join(" ".join(rng.choices(words, k=12)).capitalize() for _ in range(8))
        (folder / f"memo-{i:03d}.txt").write_text(
            f"Memo {i}: the zorblax{i} escalation plan\n\nThe zorblax{i} plan asks the sponsor for one decision. {body}."
        )


def get_json(url: str) -> tuple[int, dict]:
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.status, json.loads(r.read())


@pytest.fixture
def server(corpus_copy):
    app = make_app(corpus_copy)
    srv = create_server(app, host="127.0.0.1", port=0, threads=6)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.effective_port}", corpus_copy
    srv.close()


def test_queries_never_fail_while_another_process_ingests(server, tmp_path):
    base, data_dir = server
    notes = tmp_path / "memos"
    write_notes(notes, NEW_DOCS)
    queries = ["how do I get senior executives to buy in", "stakeholder map", "zorblax7 escalation plan",
               "customer service influence", "zorblax42", "winning internal support without authority"]
    failures: list[str] = []
    answered = [0]
    stop = threading.Event()

    def client(offset: int) -> None:
        i = offset
        while not stop.is_set():
            q = queries[i % len(queries)]
            i += 1
            try:
                status, body = get_json(f"{base}/api/search?" + urllib.parse.urlencode({"q": q, "k": 5}))
                if status != 200 or "results" not in body:
                    failures.append(f"{q}: {status} {body}")
                answered[0] += 1
            except Exception as e:  # any failure of any kind counts
                failures.append(f"{q}: {type(e).__name__}: {e}")

    clients = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for t in clients:
        t.start()
    try:
        ingest = subprocess.run(
            [sys.executable, "-m", "clout", "--data-dir", str(data_dir), "ingest", str(notes)],
            cwd=ROOT, capture_output=True, text=True, timeout=600,
        )
    finally:
        time.sleep(1.0)
        stop.set()
        for t in clients:
            t.join(timeout=60)
    assert ingest.returncode == 0, ingest.stderr
    assert f"{NEW_DOCS} added" in ingest.stdout
    assert not failures, failures[:5]
    assert answered[0] > 20
    # The same server, never restarted, finds what the other process added.
    for i in (0, 57, NEW_DOCS - 1):
        _, body = get_json(f"{base}/api/search?" + urllib.parse.urlencode({"q": f"zorblax{i}", "k": 5}))
        assert any(r["source"].endswith(f"memo-{i:03d}.txt") for r in body["results"]), body["results"]
    _, health = get_json(f"{base}/api/health")
    assert health["documents"] >= NEW_DOCS + 4


def test_concurrent_ingest_is_refused_while_one_runs(corpus_copy, tmp_path):
    notes = tmp_path / "memos"
    write_notes(notes, 60)
    first = subprocess.Popen(
        [sys.executable, "-m", "clout", "--data-dir", str(corpus_copy), "ingest", str(notes)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    first.stdout.readline()  # it holds the lock and is adding documents
    second = subprocess.run(
        [sys.executable, "-m", "clout", "--data-dir", str(corpus_copy), "ingest", str(ROOT / "corpus")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert "60 added" in out
    assert second.returncode == 1
    assert "another Clout process (pid" in second.stderr and "wait for it to finish" in second.stderr
