"""Ingest on a real two-node Ray cluster: the same store as a local ingest, a node lost mid-batch, Ctrl-C.

The cluster (tests/raycluster.py) runs in a private network namespace with loopback only; the
ingests and the HTTP server the workers download audio from run in it too.
"""
from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys

import numpy as np
import pytest

from conftest import CORPUS, DATA, ROOT
from raycluster import Cluster, Namespace, unshare_refused
from test_concurrency import write_notes

pytestmark = pytest.mark.slow

CLOUT = [sys.executable, "-m", "clout"]
# As many threads per item as a worker with one CPU uses (index/threads.py: worker_env): Whisper's
# words can differ in a detail with its decoder's thread count.
ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "CLOUT_ALLOW_PRIVATE_URLS": "1", "CLOUT_PER_HOST_DELAY_MS": "0"}
HTTP_PORT = 8765


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    refused = unshare_refused()
    if refused:
        pytest.skip(f"Ray cluster tests need a private network namespace: {refused}")
    ns = Namespace()
    served = tmp_path_factory.mktemp("served")
    shutil.copy(DATA / "audio" / "jfk.flac", served / "jfk.flac")
    shutil.copy(DATA / "articles" / "html" / "caktusgroup.com.django.html", served / "django.html")
    http = ns.popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(served), str(HTTP_PORT)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        cluster = Cluster(ns)
    except BaseException:
        http.kill()
        ns.close()
        raise
    yield cluster
    cluster.stop()
    http.terminate()
    http.wait()
    ns.close()


def ingest(cluster, data_dir, *sources, ray: bool = True, address: str = "", **kw):
    address = address or cluster.address
    args = [*CLOUT, "--data-dir", str(data_dir), "ingest", *(["--ray", address] if ray else []), *map(str, sources)]
    return cluster.ns.run(args, env=ENV, cwd=ROOT, **kw)


def dump(data_dir) -> dict:
    """Everything the store holds that ingest decides, by source (ids aside)."""
    db = sqlite3.connect(f"file:{data_dir / 'clout.db'}?mode=ro", uri=True)
    docs = {row[0]: row[1:] for row in db.execute(
        "SELECT d.source, d.kind, d.title, d.text, d.content_hash, o.source FROM documents d "
        "LEFT JOIN documents o ON o.id = d.duplicate_of ORDER BY d.id")}
    chunks = [row for row in db.execute(
        "SELECT d.source, c.position, c.text, c.context, c.start, c.end, c.vector FROM chunks c "
        "JOIN documents d ON d.id = c.document_id ORDER BY d.source, c.position")]
    segments = list(db.execute("SELECT d.source, s.position, s.start, s.end, s.text, s.speaker FROM segments s "
                               "JOIN documents d ON d.id = s.document_id ORDER BY d.source, s.position"))
    db.close()
    return {"docs": docs, "order": list(docs), "chunks": [c[:-1] for c in chunks], "segments": segments,
            "vectors": np.stack([np.frombuffer(c[-1], dtype=np.float32) for c in chunks])}


def results(cluster, data_dir, query: str) -> list:
    done = cluster.ns.run([*CLOUT, "--data-dir", str(data_dir), "search", "--json", "-k", "5", query], cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return [(r["source"], r["text"], r["start"]) for r in json.loads(done.stdout)["results"]]


def test_a_cluster_ingest_stores_what_a_local_ingest_stores(cluster, tmp_path):
    folder = tmp_path / "notes"
    write_notes(folder, 3)
    shutil.copy(folder / "memo-001.txt", folder / "memo-001-copy.txt")  # a duplicate: which is first must agree
    shutil.copy(CORPUS / "articles" / "03-senior-management-buy-in.txt", folder)
    # The workers download and transcribe the audio, and extract the page (which discovery fetched).
    sources = [folder, f"http://127.0.0.1:{HTTP_PORT}/jfk.flac", f"http://127.0.0.1:{HTTP_PORT}/django.html"]

    local = ingest(cluster, tmp_path / "local", *sources, ray=False)
    assert local.returncode == 0, local.stderr
    on_ray = ingest(cluster, tmp_path / "ray", *sources)
    assert on_ray.returncode == 0, on_ray.stderr
    assert "on Ray: 2 nodes, 2 workers" in on_ray.stdout.splitlines()[-1]
    assert sorted(on_ray.stdout.splitlines()[:-1]) == sorted(local.stdout.splitlines()[:-1])  # the same outcome lines

    a, b = dump(tmp_path / "local"), dump(tmp_path / "ray")
    assert a["order"] == b["order"] and a["docs"] == b["docs"]
    assert any(dup for *_, dup in b["docs"].values())  # the copy was recorded as a duplicate of the same original
    assert b["docs"][sources[1]][0] == "episode" and "ask not" in b["docs"][sources[1]][2].lower()
    assert b["docs"][sources[2]][0] == "article" and len(b["docs"][sources[2]][2]) > 500
    assert a["chunks"] == b["chunks"] and a["segments"] == b["segments"]
    assert np.allclose(a["vectors"], b["vectors"], atol=1e-5)
    for query in ("zorblax2 escalation plan", "what your country can do for you", "getting senior management to buy in"):
        assert results(cluster, tmp_path / "ray", query) == results(cluster, tmp_path / "local", query)


def test_ctrl_c_stops_a_cluster_ingest_cleanly_and_a_rerun_continues(cluster, tmp_path):
    folder = tmp_path / "notes"
    write_notes(folder, 30)
    data = tmp_path / "data"
    args = [*CLOUT, "--data-dir", str(data), "ingest", "--ray", cluster.address, str(folder)]
    driver = cluster.ns.popen(args, env=ENV, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = driver.stdout.readline()
    assert first.startswith("added: "), first + driver.stderr.read()
    driver.send_signal(signal.SIGINT)
    out, err = driver.communicate(timeout=120)
    assert driver.returncode == 130 and "interrupted: what was done is saved" in err, err
    stored = len(dump(data)["docs"])
    assert 1 <= stored < 30

    again = ingest(cluster, data, folder, address=cluster.client_address)  # through Ray Client this time
    assert again.returncode == 0, again.stderr
    assert f"{30 - stored} added" in again.stdout.splitlines()[-1] and f"{stored} unchanged" in again.stdout.splitlines()[-1]
    assert len(dump(data)["docs"]) == 30


def test_a_worker_node_killed_mid_ingest_costs_only_retries(cluster, tmp_path):
    """Runs last: the cluster has one node after it."""
    folder = tmp_path / "notes"
    write_notes(folder, 16)
    for i in range(3):  # slow items (a transcription each), sorted first: the kill lands mid-item
        shutil.copy(DATA / "audio" / "jfk.flac", folder / f"a-speech-{i}.flac")
    data = tmp_path / "data"
    args = [*CLOUT, "--data-dir", str(data), "ingest", "--ray", cluster.address, str(folder)]
    driver = cluster.ns.popen(args, env=ENV, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = [driver.stdout.readline()]
    cluster.kill_worker_node()
    out, err = driver.communicate(timeout=600)
    lines += out.splitlines()
    assert driver.returncode == 0, err
    assert "lost, their items sent to others" in lines[-1], lines[-1]
    stored = dump(data)
    assert sorted(stored["docs"]) == sorted(str(p) for p in folder.iterdir())  # every item, once
    assert len(lines) - 1 == 19 and not [line for line in lines if line.startswith("failed")]
    stats = cluster.ns.run([*CLOUT, "--data-dir", str(data), "stats", "--json"], cwd=ROOT)
    assert json.loads(stats.stdout)["consistent"]
