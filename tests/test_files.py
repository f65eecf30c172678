"""Local files into Documents: Markdown rendered as its readers see it, front matter, titles, raw HTML."""
from __future__ import annotations

import re

import pytest

from conftest import DATA
from clout.ingest.files import read_file

KB = DATA / "kb" / "docs"
MAX = 20 * 2**20
# An HTML tag as a reader would never see it: the markup itself, not text about markup.
TAG = re.compile(r"</?(div|span|input|label|table|tr|td|th|br|p|img|a|strong|em|iframe|ul|li|h[1-6]|style|script)\b[^>]*>", re.I)

GUIDE = """\
---
author: Ada Lovelace
date: 2021-03-04
---
Stakeholder maps
================

Put the *sponsor* first, \\*not\\* the loudest voice, and name each snake_case_field as it is.
Multiply `2*3*4` in code as written.

| Who | Wants |
|-----|-------|
| CFO | fewer refunds |
| COO | shorter queues |

Read [the interview guide][guide] before the first meeting.

[guide]: https://example.org/guide "Interview guide"

Influence
---------

<div style="margin-left: 20px">
  <input id="pitch" type="checkbox">
  <label for="pitch">Put together a pitch for leadership.</label><br>
  <script>alert("hi")</script>
</div>

Text with <span class="note">inline markup</span> stays one sentence.
"""


def test_markdown_is_rendered_before_its_text_is_taken(tmp_path):
    path = tmp_path / "guide.md"
    path.write_text(GUIDE)
    doc = read_file(path, MAX)
    assert doc.title == "Stakeholder maps"  # a setext heading is a heading
    assert doc.author == "Ada Lovelace" and doc.date == "2021-03-04"
    text = doc.text
    assert "Put the sponsor first, *not* the loudest voice, and name each snake_case_field as it is." in text
    assert "Multiply 2*3*4 in code as written." in text
    assert "CFO | fewer refunds\nCOO | shorter queues" in text and "|---" not in text
    assert "Read the interview guide before the first meeting." in text and "[guide]" not in text and "example.org" not in text
    assert "====" not in text and "----" not in text and "\nInfluence\n" in text
    assert "Put together a pitch for leadership." in text
    assert "Text with inline markup stays one sentence." in text
    assert "<" not in text and "alert" not in text and "checkbox" not in text


def test_the_first_level_one_heading_names_a_file_without_front_matter(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("```\n# not a heading: code\n```\n\n## Subheading\n\n# The *real* title\n\nWords enough to keep here.\n")
    assert read_file(path, MAX).title == "The real title"
    titled = tmp_path / "titled.md"
    titled.write_text('---\ntitle: "Senior executives part 2: Work outside"\n---\n# Another heading\n\nWords enough to keep.\n')
    assert read_file(titled, MAX).title == "Senior executives part 2: Work outside"  # front matter wins


def test_real_handbook_pages_show_their_words_not_their_html():
    """Raw HTML inside the shared kb pages (checklists, tables, iframes, style blocks) never reaches the text."""
    docs = sorted(KB.glob("*.md"))
    if not docs:
        pytest.skip(f"the shared kb pages are not at {KB}")
    checklist = read_file(KB / "digitalgov__guides-hcd-discovery-operations-getting-buy-in.md", MAX)
    assert "Put together a pitch (persuasive argument) for why your project should be allowed to proceed." in checklist.text
    assert "<input" not in checklist.text and "margin-left" not in checklist.text
    with_tags = {p.name: TAG.findall(read_file(p, MAX).text) for p in docs}
    with_tags = {name: tags for name, tags in with_tags.items() if tags}
    # One page indents stray `</p>` lines four spaces, which CommonMark (so GitHub and Hugo too) shows
    # as code: that text is what its readers see. Before rendering, 40 pages held 1,432 tags.
    assert set(with_tags) <= {"digitalgov__2013-11-12-5-tips-for-communicating-technical-information-ipad-pilot.md"}, with_tags
