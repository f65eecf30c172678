"""Bad local input: one clear line each, the rest of the batch goes on, nothing stored is touched."""
from __future__ import annotations

import json
import os

import pytest

from conftest import CORPUS, clout

GOOD = "Winning allies\n\n" + "Ask your colleagues which metrics they already care about and help them move those. " * 6


@pytest.fixture
def batch(tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 64)
    (folder / "windows.txt").write_bytes(
        ("Caf\u00e9 conversations with the CFO\n\n" + "Our r\u00e9sum\u00e9 of the budget \u2013 and why it matters. " * 10).encode("cp1252")
    )
    with open(folder / "huge.txt", "wb") as f:
        f.truncate(50 * 1024 * 1024)
    os.symlink(folder / "nowhere.txt", folder / "dangling.txt")
    return folder


def test_each_bad_file_gets_one_line_and_the_batch_goes_on(batch, data_dir):
    result = clout("ingest", str(batch), data_dir=data_dir)
    assert result.exit_code == 1
    out = result.output
    assert f"added: {batch / 'good.txt'}" in out
    assert f"failed: {batch / 'empty.txt'}: the file is empty" in out
    assert f"failed: {batch / 'binary.txt'}: the file holds binary data, not text" in out
    assert f"failed: {batch / 'huge.txt'}: the file is 50.0 MB, over the 20 MB limit" in out
    assert f"failed: {batch / 'dangling.txt'}: no such file" in out
    assert f"added: {batch / 'windows.txt'}" in out and "read as cp1252" in out
    assert sum(line.startswith("failed:") for line in out.splitlines()) == 4
    hits = json.loads(clout("search", "--json", "CFO résumé budget", data_dir=data_dir).stdout)["results"]
    assert "résumé" in hits[0]["text"]


def test_missing_source_and_unsupported_type(tmp_path, data_dir):
    (tmp_path / "slides.pptx").write_bytes(b"PK\x03\x04")
    result = clout("ingest", str(tmp_path / "absent.txt"), str(tmp_path / "slides.pptx"), data_dir=data_dir)
    assert result.exit_code == 1
    assert "absent.txt: no such file or directory" in result.output
    assert "slides.pptx: unsupported file type .pptx" in result.output


def test_failures_leave_stored_documents_untouched(corpus_copy, batch):
    before = json.loads(clout("stats", "--json", data_dir=corpus_copy).stdout)
    query = "how do I get senior executives to buy in"
    first_before = json.loads(clout("search", "--json", query, data_dir=corpus_copy).stdout)["results"][0]
    (batch / "good.txt").unlink()
    (batch / "windows.txt").unlink()
    assert clout("ingest", str(batch), data_dir=corpus_copy).exit_code == 1
    after = json.loads(clout("stats", "--json", data_dir=corpus_copy).stdout)
    assert {k: after[k] for k in ("documents", "chunks", "vectors")} == {k: before[k] for k in ("documents", "chunks", "vectors")}
    first_after = json.loads(clout("search", "--json", query, data_dir=corpus_copy).stdout)["results"][0]
    assert first_after["doc_id"] == first_before["doc_id"] and first_after["text"] == first_before["text"]


def test_markdown_and_html_files(tmp_path, data_dir):
    (tmp_path / "guide.md").write_text(
        "---\nauthor: Ada Lovelace\ndate: 2021-03-04\n---\n# Mapping stakeholders\n\n"
        + "Draw a circle for each **stakeholder group** and [ask them](https://example.org) what they need. " * 8
    )
    html_body = "<p>" + "Executives fund what moves revenue, so tie each customer fix to a number they track. " * 8 + "</p>"
    (tmp_path / "page.html").write_text(
        f"<html><head><title>Pitching the CFO</title></head><body><nav>Home | About</nav><article>{html_body}</article>"
        "<footer>Copyright footer text</footer></body></html>"
    )
    result = clout("ingest", str(tmp_path), data_dir=data_dir)
    assert result.exit_code == 0, result.output
    hits = json.loads(clout("search", "--json", "stakeholder circle", data_dir=data_dir).stdout)["results"]
    md = next(h for h in hits if h["source"].endswith("guide.md"))
    assert md["title"] == "Mapping stakeholders" and md["author"] == "Ada Lovelace" and md["date"] == "2021-03-04"
    assert "**" not in md["text"] and "](https" not in md["text"]
    hits = json.loads(clout("search", "--json", "revenue number CFO", data_dir=data_dir).stdout)["results"]
    page = next(h for h in hits if h["source"].endswith("page.html"))
    assert page["title"] == "Pitching the CFO" and "Copyright footer" not in page["text"]
