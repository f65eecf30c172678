"""Followed sources: add/list/remove/export/import, and `clout sync` ingesting only what changed."""
from __future__ import annotations

import json

import pytest

from conftest import clout

BODY = " ".join(["Stakeholders back the projects that move the numbers they already report every month."] * 8)


def write(folder, name, title, body=BODY):
    (folder / name).write_text(f"{title}\n\n{body}\n", encoding="utf-8")


def search(data_dir, query):
    return json.loads(clout("search", "--json", "-k", "10", query, data_dir=data_dir).stdout)["results"]


@pytest.fixture
def blog(tmp_path):
    folder = tmp_path / "blog"
    folder.mkdir()
    write(folder, "a.txt", "Budget season", "Finance approves customer projects that cut the cost of serving. " * 10)
    write(folder, "b.txt", "Sales allies", "Sales leaders care about renewal rates and churn before anything else. " * 10)
    return folder


def test_second_sync_takes_only_what_changed_and_keeps_a_failing_item(blog, data_dir):
    assert "as 'blog'" in clout("sources", "add", str(blog), data_dir=data_dir).output
    first = clout("sync", data_dir=data_dir)
    assert first.exit_code == 0, first.output
    assert "2 new, 0 updated" in first.output

    write(blog, "c.txt", "Operations", "Operations managers want fewer repeat calls and shorter queues. " * 10)
    write(blog, "a.txt", "Budget season", "Finance approves customer projects that reduce refunds and write-offs. " * 10)
    (blog / "b.txt").write_bytes(b"\x00\x01\x02 corrupted " * 100)  # the page "starts returning an error"
    second = clout("sync", data_dir=data_dir)
    assert second.exit_code == 1
    assert "1 new, 1 updated, 0 unchanged, 1 failed" in second.output
    assert f"[blog] added: {blog / 'c.txt'}" in second.output
    assert f"[blog] updated: {blog / 'a.txt'}" in second.output
    assert "the file holds binary data" in second.output

    # The failing item keeps its last good text, and the source reports the error until it recovers.
    assert any(r["source"] == str(blog / "b.txt") and "renewal rates" in r["text"] for r in search(data_dir, "renewal churn"))
    assert any("refunds" in r["text"] for r in search(data_dir, "refunds write-offs"))
    listed = json.loads(clout("sources", "list", "--json", data_dir=data_dir).stdout)[0]
    assert listed["items"] == 3 and "b.txt" in listed["last_error"]
    write(blog, "b.txt", "Sales allies", "Sales leaders care about renewal rates and churn before anything else. " * 10)
    third = clout("sync", data_dir=data_dir)
    assert third.exit_code == 0 and "0 new, 0 updated, 3 unchanged, 0 failed" in third.output
    assert json.loads(clout("sources", "list", "--json", data_dir=data_dir).stdout)[0]["last_error"] == ""


def test_removed_items_are_kept_unless_pruned(blog, data_dir):
    clout("sources", "add", str(blog), "--name", "team-blog", data_dir=data_dir)
    clout("sync", data_dir=data_dir)
    (blog / "b.txt").unlink()
    assert clout("sync", data_dir=data_dir).exit_code == 0
    assert any(r["source"].endswith("b.txt") for r in search(data_dir, "renewal churn"))
    pruned = clout("sync", "--prune", "team-blog", data_dir=data_dir)
    assert "1 pruned" in pruned.output
    assert not any(r["source"].endswith("b.txt") for r in search(data_dir, "renewal churn"))


def test_a_source_that_fails_entirely_keeps_its_documents(blog, data_dir, tmp_path):
    clout("sources", "add", str(blog), data_dir=data_dir)
    clout("sync", data_dir=data_dir)
    moved = tmp_path / "elsewhere"
    blog.rename(moved)
    result = clout("sync", "--prune", data_dir=data_dir)
    assert result.exit_code == 1 and "blog: failed: no such file or directory" in result.output
    assert len(search(data_dir, "finance sales")) == 2
    assert "no such file" in json.loads(clout("sources", "list", "--json", data_dir=data_dir).stdout)[0]["last_error"]


def test_export_import_round_trip(data_dir, tmp_path):
    clout("sources", "add", "https://blog.example.org/feed/", "--kind", "feed", "--limit", "20", data_dir=data_dir)
    clout("sources", "add", "https://podcast.example.org/rss.xml", "--kind", "podcast", "--name", "cx \"talk\" show", data_dir=data_dir)
    exported = tmp_path / "sources.toml"
    assert clout("sources", "export", str(exported), data_dir=data_dir).exit_code == 0
    other = tmp_path / "other"
    result = clout("sources", "import", str(exported), data_dir=other)
    assert result.exit_code == 0 and "2 sources added" in result.output
    strip = lambda rows: [{k: r[k] for k in ("name", "url", "kind", "limit")} for r in rows]
    mine = json.loads(clout("sources", "list", "--json", data_dir=data_dir).stdout)
    theirs = json.loads(clout("sources", "list", "--json", data_dir=other).stdout)
    assert strip(mine) == strip(theirs)
    assert "already followed" in clout("sources", "import", str(exported), data_dir=other).output


def test_bad_source_file_and_names_are_clear_errors(data_dir, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[source]]\nurl = "https://x.example/feed"\nkind = "newsletter"\n')
    result = clout("sources", "import", str(bad), data_dir=data_dir)
    assert result.exit_code == 1 and "source #1 has kind 'newsletter'" in result.output
    assert "no source named 'nope'" in clout("sync", "nope", data_dir=data_dir).output
    clout("sources", "add", "https://x.example/feed", data_dir=data_dir)
    assert "already followed" in clout("sources", "add", "https://x.example/feed", data_dir=data_dir).output


def test_remove_keeps_or_drops_documents(blog, data_dir):
    clout("sources", "add", str(blog), data_dir=data_dir)
    clout("sync", data_dir=data_dir)
    result = clout("sources", "remove", "blog", "--drop-documents", data_dir=data_dir)
    assert "and 2 documents" in result.output
    assert search(data_dir, "finance sales") == []
    assert json.loads(clout("sources", "list", "--json", data_dir=data_dir).stdout) == []


def test_one_sync_at_a_time(blog, data_dir):
    from clout.sync import sync_lock

    clout("sources", "add", str(blog), data_dir=data_dir)
    with sync_lock(data_dir):
        result = clout("sync", data_dir=data_dir)
    assert result.exit_code == 1 and "another `clout sync`" in result.output
