"""A full disk or a read-only data directory: a clear error, nothing stored is lost, and a reader
goes on serving the old index. Real mounts (a tiny tmpfs, a read-only bind mount) where this user may
mount; otherwise the save is made to fail with the same OSError, and the test says it is simulated."""
from __future__ import annotations

import errno
import json
import shutil
import subprocess

import pytest

from conftest import clout
from clout.index.kb import KnowledgeBase
from clout.index.search import search

QUERY = "how do I get senior executives to buy in"


def mount(*args) -> bool:
    return shutil.which("mount") is not None and subprocess.run(["mount", *args], capture_output=True).returncode == 0


def note(tmp_path, size: int = 40):
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "late.txt").write_text("Budget season\n\n" + "Budget season is when sponsors listen hardest. " * size)
    return folder


def answers(kb) -> list:
    return [(h.source, h.chunk_id) for h in search(kb, QUERY, k=5)]


@pytest.mark.slow
def test_disk_full_is_a_clear_error_and_the_old_index_is_still_served(corpus_data, tmp_path, monkeypatch):
    data_dir = tmp_path / "small"
    data_dir.mkdir()
    mounted = mount("-t", "tmpfs", "-o", "size=6m", "tmpfs", str(data_dir))
    reader = None
    try:
        for item in corpus_data.iterdir():
            if item.name != "write.lock":
                shutil.copy(item, data_dir / item.name)
        reader = KnowledgeBase(data_dir, readonly=True)
        before = answers(reader)
        if mounted:
            filler = data_dir / "filler"
            with open(filler, "wb") as f:  # leave a few kilobytes: enough to open, not to store
                try:
                    while True:
                        f.write(b"\0" * 65536)
                        f.flush()
                except OSError:
                    pass
            filler.write_bytes(filler.read_bytes()[: -64 * 1024])
        else:  # simulated: the index save meets ENOSPC, as it would on a full disk
            from clout.index import vectors

            def full(*args, **kwargs):
                raise OSError(errno.ENOSPC, "No space left on device")

            monkeypatch.setattr(vectors, "_write_atomic", full)
        result = clout("ingest", str(note(tmp_path, 400)), data_dir=data_dir)
        assert result.exit_code == 1
        assert "No space left on device" in result.output or "disk is full" in result.output, result.output
        assert "Traceback" not in result.output
        assert answers(reader) == before  # the server's view is unchanged and whole
        if mounted:
            (data_dir / "filler").unlink()
        monkeypatch.undo()
        figures = json.loads(clout("stats", "--json", data_dir=data_dir).stdout)
        assert figures["consistent"]
    finally:
        if reader is not None:
            reader.store.close()
        if mounted:
            subprocess.run(["umount", "-l", str(data_dir)], capture_output=True)


def test_read_only_data_directory_is_a_clear_error(corpus_copy, tmp_path, monkeypatch):
    reader = KnowledgeBase(corpus_copy, readonly=True)
    before = answers(reader)
    mounted = mount("--bind", str(corpus_copy), str(corpus_copy)) and mount(
        "-o", "remount,bind,ro", str(corpus_copy)
    )
    try:
        if not mounted:  # simulated: every write of the index is refused, as on a read-only mount
            from clout.index import vectors

            def refused(*args, **kwargs):
                raise OSError(errno.EROFS, "Read-only file system")

            monkeypatch.setattr(vectors, "_write_atomic", refused)
        result = clout("ingest", str(note(tmp_path)), data_dir=corpus_copy)
        assert result.exit_code == 1, result.output
        assert "Read-only file system" in result.output or "readonly database" in result.output, result.output
        assert "Traceback" not in result.output
        assert answers(reader) == before
    finally:
        reader.store.close()  # an open file keeps the mount busy
        if mounted:
            subprocess.run(["umount", "-l", str(corpus_copy)], capture_output=True)
