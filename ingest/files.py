"""Local files: plain text, Markdown and saved HTML pages, read safely into Documents."""
from __future__ import annotations

import re
from pathlib import Path

from .clean import clean_text
from .dates import iso_date
from clout.document import Document
from .errors import IngestError
from .extract import extract_html
from .local import read_bounded
from .markup import markdown_to_text

TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES


def read_bytes(path: Path, max_bytes: int, root: Path | None = None) -> bytes:
    """The file's bytes, or IngestError for a missing, unreadable, empty or oversized file (or, with
    `root`, one that lies outside it). The limit holds while reading, whatever the size said."""
    source = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise IngestError(source, "no such file") from None
    except OSError as e:
        raise IngestError(source, f"cannot read it ({e.strerror})") from None
    if size > max_bytes:
        raise IngestError(
            source, f"the file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:.0f} MB limit (CLOUT_MAX_FILE_MB)"
        )
    data = read_bounded(path, (max_bytes, "CLOUT_MAX_FILE_MB"), source, root)
    if not data:
        raise IngestError(source, "the file is empty")
    return data


def decode_text(data: bytes, source: str) -> tuple[str, str]:
    """Text and the encoding it was read with; IngestError when the bytes are not text at all."""
    head = data[:8192]
    controls = sum(b < 9 or 13 < b < 32 for b in head)
    if b"\0" in head or controls > len(head) * 0.05:
        raise IngestError(source, "the file holds binary data, not text")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Older Windows editors save text as cp1252; latin-1 reads anything that is left.
    for encoding in ("cp1252", "latin-1"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise IngestError(source, "the text is in an unknown encoding")  # pragma: no cover


def _title_from_first_line(text: str) -> str:
    first = text.strip().split("\n", 1)[0].strip()
    return first if 0 < len(first.split()) <= 20 and not first.endswith((".", ",")) else ""


def _markdown_to_text(text: str) -> tuple[str, dict]:
    meta: dict = {}
    text = text.replace("\r\n", "\n")
    front = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    if front:
        for line in front.group(1).splitlines():
            key, _, value = line.partition(":")
            if key.strip() in {"title", "author", "date", "site", "url"} and value.strip():
                meta[key.strip()] = value.strip().strip("\"'")
        text = text[front.end() :]
    text, heading = markdown_to_text(text)
    if heading and "title" not in meta:
        meta["title"] = heading
    return text, meta


def read_file(path: Path, max_bytes: int, hints: dict | None = None, root: Path | None = None) -> Document:
    """A Document from a local file; `hints` (from a manifest) override what the file says. With
    `root` (the folder being ingested), a file that resolves outside it is refused."""
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise IngestError(source, f"unsupported file type {suffix or '(none)'}")
    data = read_bytes(path, max_bytes, root)
    text, encoding = decode_text(data, source)
    if suffix in HTML_SUFFIXES:
        doc = extract_html(text, source, url=(hints or {}).get("url", ""))
    else:
        meta: dict = {}
        if suffix in MARKDOWN_SUFFIXES:
            text, meta = _markdown_to_text(text)
        text, found = clean_text(text)
        if len(text.split()) < 3:
            raise IngestError(source, "the file holds no readable text")
        doc = Document(
            source=source,
            text=text,
            title=meta.get("title") or _title_from_first_line(text) or path.stem.replace("_", " "),
            author=meta.get("author", ""),
            date=iso_date(meta.get("date") or found.get("date")),
            site=meta.get("site", ""),
            url=meta.get("url", ""),
        )
    if encoding != "utf-8":
        doc.extra["encoding"] = encoding
    for key, value in (hints or {}).items():
        if hasattr(doc, key) and key not in {"source", "text", "segments", "extra"}:
            setattr(doc, key, iso_date(value) if key == "date" else value)
    return doc
