"""`clout backup` while ingest runs gives a consistent copy; `clout restore` brings it back whole."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from conftest import ROOT, clout
from test_concurrency import write_notes

QUERIES = ["how do I get senior executives to buy in", "zorblax3 escalation plan", "stakeholder mapping"]


def results(data_dir) -> list:
    out = []
    for q in QUERIES:
        result = clout("search", "--json", "-k", "5", q, data_dir=data_dir)
        assert result.exit_code == 0, result.output
        out.append(json.loads(result.stdout)["results"])
    return out


def figures(data_dir) -> dict:
    return json.loads(clout("stats", "--json", data_dir=data_dir).stdout)


def test_backup_during_ingest_then_restore_gives_the_same_answers(corpus_copy, tmp_path):
    notes = tmp_path / "memos"
    write_notes(notes, 40)
    before = figures(corpus_copy)["documents"]
    ingest = subprocess.Popen(
        [sys.executable, "-m", "clout", "--data-dir", str(corpus_copy), "ingest", str(notes)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    ingest.stdout.readline()  # the batch is under way
    snapshot = tmp_path / "backup"
    made = clout("backup", str(snapshot), data_dir=corpus_copy)
    assert made.exit_code == 0, made.output
    out, err = ingest.communicate(timeout=600)
    assert ingest.returncode == 0, err

    copy = figures(snapshot)
    assert copy["consistent"] and before < copy["documents"] <= before + 40  # one committed state mid-batch
    expected = results(snapshot)

    assert figures(corpus_copy)["documents"] == before + 40  # the original went on to finish
    restored = clout("restore", str(snapshot), data_dir=corpus_copy)
    assert restored.exit_code == 0, restored.output
    assert f"restored {copy['documents']} documents" in restored.output
    after = figures(corpus_copy)
    assert after["consistent"] and after["documents"] == copy["documents"] and after["chunks"] == copy["chunks"]
    assert results(corpus_copy) == expected


def test_backup_refuses_a_non_empty_destination_and_restore_a_non_backup(corpus_data, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    result = clout("backup", str(tmp_path / "full"), data_dir=corpus_data)
    assert result.exit_code == 1 and "is not empty" in result.output
    (tmp_path / "empty").mkdir()
    result = clout("restore", str(tmp_path / "empty"), data_dir=tmp_path / "data")
    assert result.exit_code == 1 and "holds no Clout backup" in result.output


def test_an_ingest_refused_during_a_restore_names_the_restorer(corpus_copy, tmp_path):
    snapshot = tmp_path / "backup"
    assert clout("backup", str(snapshot), data_dir=corpus_copy).exit_code == 0
    (corpus_copy / "write.lock").write_text("pid 999999")  # what a writer long gone left behind
    restorer = subprocess.Popen(
        [sys.executable, "-m", "clout", "--data-dir", str(corpus_copy), "restore", str(snapshot)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "CLOUT_TEST_STOP_AT": "restore"},  # it stops itself once it holds the write lock
    )
    try:
        _, status = os.waitpid(restorer.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status), f"the restore ended before it held the lock: {restorer.stderr.read()}"
        refused = clout("ingest", str(ROOT / "corpus"), data_dir=corpus_copy)
    except BaseException:
        restorer.kill()
        raise
    finally:
        os.kill(restorer.pid, signal.SIGCONT)
    out, err = restorer.communicate(timeout=300)
    assert restorer.returncode == 0, err
    assert "restored" in out
    assert refused.exit_code == 1
    assert f"another Clout process (pid {restorer.pid}) is writing to" in refused.output, refused.output
    assert "999999" not in refused.output
