"""Podcasting 2.0 tags feedparser drops: every <podcast:person>, <podcast:transcript> and <podcast:chapters>.

feedparser keeps one of each tag per element (the last) and loses a person's name, so the feed's
bytes are read a second time with lxml, in recovery mode (real feeds are malformed) and with
entities and network access off. Items are matched to feedparser's entries by guid, else by
enclosure URL.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from clout.document import Person

NAMESPACES = (
    "https://podcastindex.org/namespace/1.0",
    "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md",
)
MAX_PEOPLE = 50  # per channel or item: a feed listing more is not listing who speaks


@dataclass(frozen=True)
class Link:
    url: str
    type: str
    language: str = ""


@dataclass
class Tags:
    people: list[Person] = field(default_factory=list)
    transcripts: list[Link] = field(default_factory=list)
    chapters: list[Link] = field(default_factory=list)


@dataclass
class FeedTags:
    channel: Tags = field(default_factory=Tags)
    by_guid: dict[str, Tags] = field(default_factory=dict)
    by_enclosure: dict[str, Tags] = field(default_factory=dict)

    def of(self, guid: str, enclosure: str) -> Tags:
        return self.by_guid.get(guid) or self.by_enclosure.get(enclosure) or Tags()


def _local(tag) -> tuple[str, str]:
    if not isinstance(tag, str) or not tag.startswith("{"):
        return "", tag if isinstance(tag, str) else ""
    namespace, _, name = tag[1:].partition("}")
    return namespace, name


def _tags(element) -> Tags:
    found = Tags()
    for child in element:
        namespace, name = _local(child.tag)
        if namespace not in NAMESPACES:
            continue
        if name == "person" and len(found.people) < MAX_PEOPLE:
            person = " ".join((child.text or "").split())
            if person:
                found.people.append(Person(person[:200], " ".join((child.get("role") or "host").lower().split())))
        elif name in ("transcript", "chapters") and child.get("url"):
            link = Link(child.get("url").strip(), (child.get("type") or "").strip(), (child.get("language") or "").strip())
            (found.transcripts if name == "transcript" else found.chapters).append(link)
    return found


def read_tags(data: bytes) -> FeedTags:
    """The Podcasting 2.0 tags of a feed's channel and items; empty when lxml can make nothing of it."""
    from lxml import etree

    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        return FeedTags()
    out = FeedTags()
    if root is None:
        return out
    channel = next((e for e in root.iter() if _local(e.tag)[1] == "channel"), None)
    if channel is not None:
        out.channel = _tags(channel)
    for item in root.iter():
        if _local(item.tag)[1] not in ("item", "entry"):
            continue
        tags = _tags(item)
        for child in item:
            name = _local(child.tag)[1]
            if name in ("guid", "id") and (child.text or "").strip():
                out.by_guid.setdefault(child.text.strip(), tags)
            elif name == "enclosure" and child.get("url"):
                out.by_enclosure.setdefault(child.get("url").strip(), tags)
    return out


# Timed formats first: a transcript with timings gives deep links and can say who spoke when.
PREFERENCE = ("json", "vtt", "srt")


def timed_first(links: list[tuple[str, str]], kind_of) -> list[tuple[str, str]]:
    """(url, type) transcripts ordered by format preference (`kind_of(type, url)` names the format);
    untimed ones (plain text, HTML) are left out: Clout's own timed transcript is preferred to them."""
    ranked = [(PREFERENCE.index(kind_of(t, u)), i, (u, t)) for i, (u, t) in enumerate(links) if kind_of(t, u) in PREFERENCE]
    return [link for _, _, link in sorted(ranked)]


__all__ = ["read_tags", "FeedTags", "Tags", "Link", "timed_first"]
