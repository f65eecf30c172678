"""The CLI contract on the seed corpus: ingest → search round trip, re-ingest, remove, stats, JSON shape."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from conftest import CORPUS, clout

RESULT_KEYS = {"doc_id", "title", "kind", "source", "url", "text", "snippet", "start", "end", "score"}


def search_json(data_dir, query, k=5):
    result = clout("search", "--json", "-k", str(k), query, data_dir=data_dir)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_executive_buy_in_finds_colin_shaw_first(corpus_data):
    payload = search_json(corpus_data, "how do I get senior executives to buy in")
    assert payload["query"] == "how do I get senior executives to buy in"
    first = payload["results"][0]
    assert first["author"] == "Colin Shaw"
    # The article or its narrated audio edition (corpus/episodes), which says the same words.
    assert first["source"].endswith(("03-senior-management-buy-in.txt", "03-senior-management-buy-in.opus"))
    assert RESULT_KEYS <= set(first)
    article = next(r for r in payload["results"] if r["kind"] == "article")
    assert article["source"].endswith("03-senior-management-buy-in.txt")
    assert article["start"] is None and article["end"] is None


def test_stakeholder_question_finds_the_stakeholder_article(corpus_data):
    payload = search_json(corpus_data, "map my internal stakeholders and treat colleagues as customers")
    assert payload["results"][0]["source"].endswith(("05-steal-a-page-from-customer-service.txt", "05-steal-a-page-from-customer-service.opus"))


def test_human_output_names_title_and_source(corpus_data):
    result = clout("search", "guerrilla marketing in the executive offices", data_dir=corpus_data)
    assert result.exit_code == 0
    assert "Senior Management Buy-In" in result.stdout
    assert "03-senior-management-buy-in.txt" in result.stdout


def test_reingest_changes_nothing(corpus_copy):
    before = json.loads(clout("stats", "--json", data_dir=corpus_copy).stdout)
    result = clout("ingest", str(CORPUS), data_dir=corpus_copy)
    assert result.exit_code == 0
    lines = [l for l in result.stdout.splitlines() if ":" in l and not l.startswith("note")]
    assert lines and all(l.startswith("unchanged:") for l in lines[:-1]), result.stdout
    after = json.loads(clout("stats", "--json", data_dir=corpus_copy).stdout)
    for key in ("documents", "duplicates", "chunks", "vectors"):
        assert after[key] == before[key]


def test_changed_file_replaces_its_chunks(tmp_path, data_dir):
    article = tmp_path / "note.txt"
    article.write_text("Quarterly pricing committee\n\n" + "The pricing committee meets every quarter to review discounts. " * 12)
    assert clout("ingest", str(article), data_dir=data_dir).stdout.startswith("added:")
    article.write_text("Volunteer gardening club\n\n" + "Volunteers plant tomatoes and water the seedlings at dawn. " * 12)
    result = clout("ingest", str(article), data_dir=data_dir)
    assert result.stdout.startswith("updated:"), result.stdout
    hits = search_json(data_dir, "pricing committee discounts")["results"]
    assert all("pricing" not in h["text"] for h in hits)
    assert "tomatoes" in search_json(data_dir, "tomatoes seedlings")["results"][0]["text"]
    stats = json.loads(clout("stats", "--json", data_dir=data_dir).stdout)
    assert stats["documents"] == 1 and stats["consistent"]


def test_republished_article_is_recorded_as_duplicate_and_never_shown_twice(corpus_data):
    stats = json.loads(clout("stats", "--json", data_dir=corpus_data).stdout)
    assert stats["duplicates"] >= 1
    # A sentence from the shared body: only one of the two versions may answer.
    results = search_json(corpus_data, "persuade staff across the country who didn't report to me", k=10)["results"]
    versions = [r["source"] for r in results if "01-how-to-win" in r["source"] or "02-help-when" in r["source"]]
    assert versions == [next(s for s in versions)], versions
    assert len(versions) == 1


def test_remove_original_promotes_its_duplicate(corpus_copy):
    original = str(CORPUS / "articles" / "01-how-to-win-internal-support.txt")
    result = clout("remove", original, data_dir=corpus_copy)
    assert result.exit_code == 0 and "removed:" in result.stdout
    results = search_json(corpus_copy, "Parliamentary Intern Pierre Trudeau", k=3)["results"]
    assert results[0]["source"].endswith("02-help-when-you-have-no-clout.txt")
    assert clout("remove", original, data_dir=corpus_copy).exit_code == 1


def test_page_debris_never_reaches_the_index(corpus_data):
    from clout.index.kb import KnowledgeBase

    kb = KnowledgeBase(corpus_data, readonly=True)
    texts = " ".join(c.text for c in kb.store.chunks(kb.store.chunk_ids().tolist()).values()).lower()
    for debris in ("share on linkedin", "you may also like", "please enter your comment", "leave a reply",
                   "neo-authoritarian", "lecture halls without lectures", "1 min read", "share this"):
        assert debris not in texts, debris
    kb.store.close()


def test_stats_reports_model_and_consistency(corpus_data):
    result = clout("stats", data_dir=corpus_data)
    assert result.exit_code == 0
    assert "all-MiniLM-L6-v2" in result.stdout and "consistent:  yes" in result.stdout


def test_search_before_any_ingest_is_a_clear_error(data_dir):
    result = clout("search", "anything", data_dir=data_dir)
    assert result.exit_code == 1
    assert "clout ingest" in result.output


def _not_a_model(tmp_path):
    directory = tmp_path / "not-a-model"
    directory.mkdir()
    (directory / "README.txt").write_text("no weights here\n")
    return directory


def test_an_embedding_model_that_is_not_one_is_one_line_not_a_traceback(tmp_path, corpus_data):
    not_a_model = _not_a_model(tmp_path)
    env = {"CLOUT_EMBEDDING_MODEL": str(not_a_model)}
    article = tmp_path / "note.txt"
    article.write_text("Quarterly pricing committee\n\n" + "The pricing committee meets every quarter. " * 12)
    # Ingest stops at the first document (every next one would fail the same way); search fails at its query.
    for result in (clout("ingest", str(article), data_dir=tmp_path / "data", env=env),
                   clout("search", "executive buy-in", data_dir=corpus_data, env=env)):
        assert result.exit_code == 1
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("Error: ") and str(not_a_model) in lines[0], result.output
        assert "CLOUT_EMBEDDING_MODEL" in lines[0] and "Traceback" not in result.output


@pytest.mark.slow
def test_an_embedding_model_that_is_not_one_prints_one_line_from_the_real_command(tmp_path, python):
    """The same, through a real process: nothing but the one line reaches stderr (no logged traceback)."""
    not_a_model = _not_a_model(tmp_path)
    article = tmp_path / "note.txt"
    article.write_text("Quarterly pricing committee\n\n" + "The pricing committee meets every quarter. " * 12)
    env = {**os.environ, "CLOUT_EMBEDDING_MODEL": str(not_a_model)}
    done = subprocess.run([python, "-m", "clout", "--data-dir", str(tmp_path / "data"), "ingest", str(article)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and done.stderr.startswith("Error: cannot load the embedding model")
    assert "Traceback" not in done.stdout + done.stderr
