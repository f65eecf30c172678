"""Markdown and HTML fragments as plain text: the words a reader of the rendered page reads.

Markdown is rendered by markdown-it (CommonMark, with tables and strikethrough), so emphasis,
setext headings, reference links and tables mean what they mean on the published page. The HTML
that results, and any raw HTML the author wrote inside the Markdown, is read as text the way the
HTML extractor reads a page: tags dropped, their text kept, form controls, scripts and images
left out, blocks on lines of their own and table cells joined by " | ".
"""
from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree, html as lxml_html

# Elements that hold nothing a reader reads as text (a checkbox's label is kept: it is a <label>).
_DROPPED = frozenset(
    "script style noscript template head title meta link input button select option textarea "
    "img picture svg canvas video audio source track iframe object embed map area".split()
)
# Elements that end a paragraph: blank lines around them.
_PARAGRAPHS = frozenset(
    "p div section article main header footer aside nav h1 h2 h3 h4 h5 h6 ul ol dl blockquote pre "
    "table figure figcaption details summary address form fieldset hr".split()
)
# Elements that end a line but not a paragraph.
_LINES = frozenset("li dt dd tr br caption legend".split())
_CELLS = frozenset(("td", "th"))
_LINE, _PARAGRAPH = "\x00", "\x01"  # break markers, resolved once the text is gathered
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@lru_cache(maxsize=1)
def _renderer():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def _first_title(tokens) -> str:
    """The text of the first level-1 heading (`# Title` or a setext `Title` over `===`), or ""."""
    for i, token in enumerate(tokens[:-1]):
        if token.type == "heading_open" and token.tag == "h1":
            words = [" " if t.type == "softbreak" else t.content for t in tokens[i + 1].children or ()
                     if t.type in ("text", "code_inline", "softbreak")]
            return " ".join("".join(words).split())
    return ""


def markdown_to_text(markdown: str) -> tuple[str, str]:
    """(plain text, title from the first level-1 heading) of a Markdown document without front matter."""
    md = _renderer()
    tokens = md.parse(markdown)
    return html_to_text(md.renderer.render(tokens, md.options, {})), _first_title(tokens)


def html_to_text(fragment: str) -> str:
    """The text of an HTML fragment: paragraphs apart by a blank line, list items and rows one a line."""
    fragment = _CONTROLS.sub("", fragment)  # lxml refuses them; a reader never sees them
    if not fragment.strip():
        return ""
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    pieces: list[str] = []
    _gather(root, pieces, in_pre=False)
    text = "".join(pieces)
    text = re.sub(f"[ \t]*[{_LINE}{_PARAGRAPH}][{_LINE}{_PARAGRAPH} \t]*", _breaks, text)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _breaks(match: re.Match) -> str:
    return "\n\n" if _PARAGRAPH in match.group() else "\n"


def _gather(element, pieces: list[str], in_pre: bool) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _DROPPED or element.tag in (etree.Comment, etree.ProcessingInstruction):
        pieces.append(_words(element.tail, in_pre))  # what follows the element is still text
        return
    outside, in_pre = in_pre, in_pre or tag == "pre"
    end = _PARAGRAPH if tag in _PARAGRAPHS else _LINE if tag in _LINES else ""
    start = " | " if tag in _CELLS and element.getprevious() is not None else end
    pieces.append(start + _words(element.text, in_pre))
    for child in element:
        _gather(child, pieces, in_pre)
    pieces.append(end + _words(element.tail, outside))


def _words(text: str | None, in_pre: bool) -> str:
    """Text as the browser shows it: runs of white space as one space, except inside <pre>."""
    if not text:
        return ""
    if in_pre:
        return text.replace("\r\n", "\n").replace("\n", _LINE)
    return re.sub(r"\s+", " ", text)
