"""Published snapshots and a replica following them, without Ray: whole ones served, damaged or partial ones never."""
from __future__ import annotations

import json
import logging
import sqlite3

import pytest

from conftest import clout
from test_concurrency import write_notes


@pytest.fixture
def notes(tmp_path):
    folder = tmp_path / "notes"
    write_notes(folder, 4)
    return folder


@pytest.fixture
def kb_dir(notes, tmp_path):
    data = tmp_path / "data"
    result = clout("ingest", str(notes / "memo-000.txt"), str(notes / "memo-001.txt"), data_dir=data)
    assert result.exit_code == 0, result.output
    return data


def publish(data, dest):
    result = clout("publish", str(dest), data_dir=data)
    assert result.exit_code == 0, result.output
    return result.output.split()[1].rstrip(":")


def test_a_published_snapshot_is_sealed_self_contained_and_verifies(kb_dir, tmp_path):
    from clout.index.snapshot import COMPLETE, MANIFEST, names, verify

    dest = tmp_path / "snapshots"
    name = publish(kb_dir, dest)
    assert names(dest) == [name] and [p.name for p in dest.iterdir()] == [name]  # no partial left behind
    snap = dest / name
    assert sorted(p.name for p in snap.iterdir()) == sorted([COMPLETE, MANIFEST, "clout.db", "vectors.faiss", "vectors.json"])
    manifest = verify(snap)
    assert manifest["documents"] == 2 and manifest["chunks"] > 0 and set(manifest["files"]) == {"clout.db", "vectors.faiss", "vectors.json"}
    db = sqlite3.connect(f"file:{snap / 'clout.db'}?mode=ro", uri=True)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # readable without -wal/-shm beside it
    db.close()
    # Searching the snapshot gives what searching the data directory gives.
    assert (json.loads(clout("search", "--json", "zorblax1", data_dir=snap).stdout)["results"][0]["source"]
            == json.loads(clout("search", "--json", "zorblax1", data_dir=kb_dir).stdout)["results"][0]["source"])


def test_the_follower_swaps_to_a_newer_snapshot_and_a_pinned_request_keeps_the_old(kb_dir, notes, tmp_path):
    from clout.index.follow import Follower
    from clout.index.search import search

    dest = tmp_path / "snapshots"
    first = publish(kb_dir, dest)
    follower = Follower(dest)
    assert follower.poll() and follower.name == first
    assert not follower.poll()  # nothing newer
    held = follower.current  # what a request that started now holds

    assert clout("ingest", str(notes / "memo-002.txt"), data_dir=kb_dir).exit_code == 0
    second = publish(kb_dir, dest)
    assert second > first and follower.poll() and follower.name == second
    assert search(follower.current[1], "zorblax2 escalation plan", k=1)[0].source.endswith("memo-002.txt")
    # The old one still answers whole for whoever holds it, and knows nothing of the new memo.
    assert all(not h.source.endswith("memo-002.txt") for h in search(held[1], "zorblax2 escalation plan", k=5))


@pytest.mark.parametrize("damage", ["flip a byte of the store", "no COMPLETE marker", "a file missing", "manifest edited"])
def test_a_damaged_or_partial_snapshot_is_never_served_and_the_reason_is_logged(kb_dir, notes, tmp_path, damage, caplog):
    from clout.index.follow import Follower
    from clout.index.snapshot import COMPLETE, MANIFEST

    dest = tmp_path / "snapshots"
    good = publish(kb_dir, dest)
    follower = Follower(dest)
    follower.poll()
    assert clout("ingest", str(notes / "memo-003.txt"), data_dir=kb_dir).exit_code == 0
    bad = dest / publish(kb_dir, dest)
    if damage == "flip a byte of the store":
        data = bytearray((bad / "clout.db").read_bytes())
        data[len(data) // 2] ^= 0xFF
        (bad / "clout.db").write_bytes(bytes(data))
    elif damage == "no COMPLETE marker":
        (bad / COMPLETE).unlink()
    elif damage == "a file missing":
        (bad / "vectors.faiss").unlink()
    else:
        manifest = json.loads((bad / MANIFEST).read_text())
        manifest["documents"] = 99
        (bad / MANIFEST).write_text(json.dumps(manifest))

    with caplog.at_level(logging.WARNING, logger="clout.index.follow"):
        assert not follower.poll()
    assert follower.name == good
    reason = follower.refused[bad.name]
    assert bad.name in reason and any(w in reason for w in ("checksum", "incomplete", "missing", "does not match"))
    assert f"not serving snapshot {bad.name}" in caplog.text and f"still serving {good}" in caplog.text


def test_a_snapshot_still_arriving_is_served_once_it_is_whole(kb_dir, notes, tmp_path):
    """A synced bucket delivers files in any order: refused while incomplete, taken when its marker arrives."""
    from clout.index.follow import Follower
    from clout.index.snapshot import COMPLETE

    dest = tmp_path / "snapshots"
    first = publish(kb_dir, dest)
    follower = Follower(dest)
    follower.poll()
    assert clout("ingest", str(notes / "memo-002.txt"), data_dir=kb_dir).exit_code == 0
    arriving = dest / publish(kb_dir, dest)
    marker = (arriving / COMPLETE).read_bytes()
    (arriving / COMPLETE).unlink()
    assert not follower.poll() and follower.name == first and not follower.poll()  # refused once, not re-read
    (arriving / COMPLETE).write_bytes(marker)
    assert follower.poll() and follower.name == arriving.name and arriving.name not in follower.refused


def test_publish_keeps_the_newest_few(kb_dir, tmp_path):
    from clout.index.snapshot import names

    dest = tmp_path / "snapshots"
    made = [publish(kb_dir, dest) for _ in range(4)]
    assert names(dest) == made[-3:]
    assert clout("publish", "--keep", "1", str(dest), data_dir=kb_dir).exit_code == 0
    assert len(names(dest)) == 1


def test_the_web_app_over_a_follower_names_the_snapshot_that_answered(kb_dir, notes, tmp_path):
    from clout.index.follow import Follower
    from clout.settings import Settings
    from clout.web import create_app

    dest = tmp_path / "snapshots"
    first = publish(kb_dir, dest)
    follower = Follower(dest)
    follower.poll()
    client = create_app(Settings(data_dir=kb_dir), follower=follower, test_config={"TESTING": True}).test_client()
    response = client.get("/api/search?q=zorblax2")
    assert response.status_code == 200 and response.headers["X-Clout-Snapshot"] == first
    assert not any(r["source"].endswith("memo-002.txt") for r in response.get_json()["results"])

    assert clout("ingest", str(notes / "memo-002.txt"), data_dir=kb_dir).exit_code == 0
    second = publish(kb_dir, dest)
    follower.poll()
    response = client.get("/api/search?q=zorblax2 escalation plan")
    assert response.headers["X-Clout-Snapshot"] == second
    assert response.get_json()["results"][0]["source"].endswith("memo-002.txt")


def test_serve_refuses_a_directory_without_a_servable_snapshot(tmp_path):
    result = clout("serve", "--snapshot", str(tmp_path / "none"), "--port", "1")
    assert result.exit_code == 1 and "no snapshot in" in result.output and "clout publish" in result.output
