"""`clout eval FOLDER` on a BEIR-format folder: read, stored in a scratch directory, scored per mode."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import clout

BEIR = Path(__file__).resolve().parent / "data" / "beir"


def test_reads_a_beir_folder():
    from clout.index import beir

    data = beir.read(BEIR)
    assert len(data.corpus) == 30 and len(data.queries) == 30
    assert data.qrels["q12"] == {"d12": 2.0, "d13": 1.0}


def test_a_malformed_line_is_named(tmp_path):
    from clout.index import beir
    from clout.index.evaluate import EvalError

    (tmp_path / "qrels").mkdir()
    (tmp_path / "corpus.jsonl").write_text('{"_id": "a", "text": "x"}\n{oops\n')
    (tmp_path / "queries.jsonl").write_text('{"_id": "q", "text": "x"}\n')
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq\ta\t1\n")
    with pytest.raises(EvalError, match=r"corpus.jsonl line 2 is not JSON"):
        beir.read(tmp_path)
    (tmp_path / "corpus.jsonl").write_text('{"_id": "a", "text": "x"}\n')
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq a 1\n")
    with pytest.raises(EvalError, match=r"test.tsv line 2 must be"):
        beir.read(tmp_path)
    result = clout("eval", str(tmp_path), data_dir=tmp_path / "unused")
    assert result.exit_code == 1 and "test.tsv line 2" in result.output


@pytest.mark.slow
def test_eval_folder_prints_the_modes_side_by_side(tmp_path):
    scratch = tmp_path / "scratch"
    result = clout("eval", "--json", "--scratch", str(scratch), str(BEIR), data_dir=tmp_path / "unused")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["documents"] == 30
    modes = {m["mode"]: m for m in payload["modes"]}
    assert set(modes) == {"hybrid", "lexical", "semantic"}
    for m in modes.values():
        assert m["queries"] == 30
        assert 0 < m["ndcg@10"] <= 1 and m["recall@10"] <= m["recall@100"] <= 1
    assert modes["hybrid"]["recall@10"] >= 0.9
    assert not (tmp_path / "unused").exists()  # the user's knowledge base is not touched
    # The scratch directory is kept and reused: the second run stores nothing new and scores the same.
    again = clout("eval", "--scratch", str(scratch), str(BEIR), data_dir=tmp_path / "unused")
    assert again.exit_code == 0, again.output
    lines = again.stdout.splitlines()
    assert lines[0].split() == ["hybrid", "lexical", "semantic"]
    assert [line.split()[0] for line in lines[1:5]] == ["ndcg@10", "mrr@10", "recall@10", "recall@100"]
    assert float(lines[1].split()[1]) == pytest.approx(modes["hybrid"]["ndcg@10"], abs=1e-3)


def test_halves_are_fixed_and_both_used():
    from clout.index.evaluate import half

    halves = [half(f"q{i}") for i in range(200)]
    assert halves == [half(f"q{i}") for i in range(200)]
    assert 70 < halves.count("tune") < 130
