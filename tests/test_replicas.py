"""Two read-only replicas (`clout serve --snapshot`) following publishes while a client queries both: no failed
and no mixed-version query, and both move to the newest snapshot."""
from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, clout
from test_concurrency import write_notes

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str):
    with urllib.request.urlopen(url, timeout=120) as r:
        return r.status, r.headers.get("X-Clout-Snapshot"), json.loads(r.read())


def wait_until_listening(port: int, timeout: float = 60) -> None:
    """The line is printed just before waitress binds its socket."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def sources_in(snapshot) -> set[str]:
    """The snapshot's sources as /api/search shows them: a file named on the command line by its name,
    since the server's paths stay on the server (issue 11)."""
    db = sqlite3.connect(f"file:{snapshot / 'clout.db'}?mode=ro", uri=True)
    try:
        return {Path(row[0]).name for row in db.execute("SELECT source FROM documents")}
    finally:
        db.close()


def test_two_replicas_follow_publishes_while_queries_run(tmp_path):
    notes = tmp_path / "notes"
    write_notes(notes, 6)
    data, snapshots = tmp_path / "data", tmp_path / "snapshots"
    assert clout("ingest", *(str(notes / f"memo-00{i}.txt") for i in range(2)), data_dir=data).exit_code == 0
    assert clout("publish", str(snapshots), data_dir=data).exit_code == 0

    ports = [free_port(), free_port()]
    replicas = [subprocess.Popen([sys.executable, "-m", "clout", "serve", "--snapshot", str(snapshots), "--poll", "0.3",
                                  "--port", str(p), "--threads", "2"], cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for p in ports]
    try:
        for replica, port in zip(replicas, ports):
            assert "Clout is serving snapshot" in replica.stdout.readline()
            wait_until_listening(port)
        failures, answers, stop = [], [], threading.Event()

        def query(port: int, n: int):
            while not stop.is_set():
                q = f"zorblax{n % 6}"  # only memo n has the word: first when its snapshot holds it
                try:
                    status, snapshot, body = get(f"http://127.0.0.1:{port}/api/search?q={urllib.request.quote(q)}&k=3")
                    answers.append((snapshot, n % 6, [r["source"] for r in body["results"]]))
                except (urllib.error.URLError, OSError, ValueError) as e:
                    failures.append(f"{port} {q}: {e}")
                n += 1

        clients = [threading.Thread(target=query, args=(p, i)) for i, p in enumerate(ports * 2)]
        for c in clients:
            c.start()
        for i in range(2, 6, 2):  # two more publishes, each adding two memos, while the queries run
            assert clout("ingest", str(notes / f"memo-00{i}.txt"), str(notes / f"memo-00{i + 1}.txt"), data_dir=data).exit_code == 0
            assert clout("publish", str(snapshots), data_dir=data).exit_code == 0
            time.sleep(2)
        newest = sorted(p.name for p in snapshots.iterdir())[-1]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            final = {get(f"http://127.0.0.1:{p}/api/search?q=plan")[1] for p in ports}
            if final == {newest}:
                break
            time.sleep(0.5)
        stop.set()
        for c in clients:
            c.join()
    finally:
        for replica in replicas:
            replica.terminate()
            replica.wait(30)

    assert failures == []
    assert final == {newest}  # both replicas moved to the newest snapshot
    served = {name for name, _, _ in answers}
    assert len(served) >= 2, served  # queries ran across a swap
    contents = {name: sources_in(snapshots / name) for name in served if (snapshots / name).exists()}
    for name, n, hits in answers:
        if name not in contents:
            continue  # pruned since (keep 3): nothing to compare against
        memo = f"memo-00{n}.txt"
        assert set(hits) <= contents[name], (name, hits)  # every hit from the snapshot that answered
        if memo in contents[name]:
            assert hits[0] == memo, (name, n, hits)  # and the whole answer from it
    assert len(answers) > 20
