"""Narrated audio editions of seed articles: hibari-tts speech, Opus audio, a feed and sentence timings.

Writes into corpus/episodes/: one .opus file per article, feed.xml (RSS whose enclosures are paths
relative to the feed) and timings.json (the second each sentence starts, as synthesised), which the
tests use to check that search deep-links within 2 s of where a sentence is spoken.

    python scripts/narrate.py            # regenerate everything (deterministic: seeded synthesis)
"""
from __future__ import annotations

import json
import re
import sys
import tomllib
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

from clout.ingest.clean import clean_text  # noqa: E402

ARTICLES = ROOT / "corpus" / "articles"
OUT = ROOT / "corpus" / "episodes"
SHOW = "Clout Narrated Editions"
SHOW_DESCRIPTION = (
    "Narrated audio editions of articles in Clout's default knowledge base, read by a synthetic voice "
    "(hibari-tts). Not interviews: the words are the articles' own."
)
CHOSEN = ["03-senior-management-buy-in.txt", "05-steal-a-page-from-customer-service.txt"]
PUBLISHED = ["2024-06-03", "2024-06-10"]
SENTENCE_GAP = 0.35  # seconds of silence after each sentence
PARAGRAPH_GAP = 0.8
BITRATE = 24_000  # Opus at 24 kbit/s: clear speech, ~180 KB a minute
SEED = 7
NARRATOR = "Hibari (synthetic voice)"  # the podcast:person who speaks every episode


def _manifest() -> dict[str, dict]:
    data = tomllib.loads((ARTICLES / "manifest.toml").read_text(encoding="utf-8"))
    return {d["file"]: d for d in data["document"]}


def _paragraphs(text: str) -> list[str]:
    # Closing lines addressed to web readers are not part of the article.
    stop = ("This article is published by", "Share this", "Read more")
    out = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        if line.startswith(stop):
            break
        # "1. Realise ..." would be read as a sentence "1." of its own.
        out.append(re.sub(r"^(\d+)\.\s+", r"\1: ", line))
    return out


def narrate(tts, meta: dict, text: str) -> tuple[np.ndarray, list[dict]]:
    """The audio and, per sentence, its start and end in seconds."""
    rate = tts.sample_rate
    intro = f"This is the narrated audio edition of {meta['title']}"
    intro += f", by {meta['author']}." if meta.get("author") else "."
    paragraphs = [intro] + _paragraphs(text)
    parts: list[np.ndarray] = []
    timings: list[dict] = []
    clock = 0.0
    for p, paragraph in enumerate(paragraphs):
        sentences = tts.split_sentences(paragraph)
        for s, sentence in enumerate(sentences):
            audio = tts(sentence, seed=SEED + len(timings))
            timings.append({"start": round(clock, 3), "end": round(clock + len(audio) / rate, 3), "text": sentence})
            gap = PARAGRAPH_GAP if s == len(sentences) - 1 else SENTENCE_GAP
            parts += [audio, np.zeros(int(gap * rate), np.float32)]
            clock += len(audio) / rate + gap
    return np.concatenate(parts), timings


def write_opus(audio: np.ndarray, rate: int, path: Path, title: str) -> None:
    import av

    with av.open(str(path), "w", format="ogg") as out:
        out.metadata["title"] = title
        out.metadata["artist"] = SHOW
        stream = out.add_stream("libopus", rate=rate)
        stream.bit_rate = BITRATE
        stream.layout = "mono"
        pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(pcm[None, :], format="s16", layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def feed_xml(episodes: list[dict]) -> str:
    items = []
    for e in episodes:
        date = format_datetime(datetime.fromisoformat(e["date"]).replace(hour=9, tzinfo=timezone.utc))
        minutes, seconds = divmod(round(e["duration"]), 60)
        items.append(f"""    <item>
      <title>{escape(e['title'])}</title>
      <guid isPermaLink="false">clout-narrated-{escape(e['slug'])}</guid>
      <pubDate>{date}</pubDate>
      <description>{escape(e['description'])}</description>
      <itunes:author>{escape(e['author'])}</itunes:author>
      <itunes:duration>{minutes}:{seconds:02d}</itunes:duration>
      <enclosure url="{escape(e['file'])}" length="{e['bytes']}" type="audio/ogg"/>
    </item>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:podcast="https://podcastindex.org/namespace/1.0">
  <channel>
    <title>{SHOW}</title>
    <description>{escape(SHOW_DESCRIPTION)}</description>
    <language>en</language>
    <itunes:author>Clout</itunes:author>
    <podcast:person role="narrator">{NARRATOR}</podcast:person>
{chr(10).join(items)}
  </channel>
</rss>
"""


def main() -> None:
    from hibari import Hibari

    tts = Hibari()
    manifest = _manifest()
    OUT.mkdir(parents=True, exist_ok=True)
    episodes, all_timings = [], {}
    for name, date in zip(CHOSEN, PUBLISHED):
        meta = manifest[name]
        text, _ = clean_text((ARTICLES / name).read_text(encoding="utf-8"))
        audio, timings = narrate(tts, meta, text)
        slug = Path(name).stem
        path = OUT / f"{slug}.opus"
        title = f"{meta['title']} (narrated audio edition)"
        write_opus(audio, tts.sample_rate, path, title)
        duration = len(audio) / tts.sample_rate
        episodes.append({
            "slug": slug, "file": path.name, "title": title, "date": date, "duration": duration,
            "author": meta.get("author", ""), "bytes": path.stat().st_size,
            "description": f"Narrated audio edition of the article “{meta['title']}”"
                           + (f" by {meta['author']}" if meta.get("author") else "")
                           + (f" ({meta['site']})" if meta.get("site") else "")
                           + ", read by a synthetic voice (hibari-tts).",
        })
        all_timings[path.name] = timings
        print(f"{path.relative_to(ROOT)}: {duration:.0f} s, {path.stat().st_size / 1024:.0f} KB, {len(timings)} sentences")
    (OUT / "feed.xml").write_text(feed_xml(episodes), encoding="utf-8")
    (OUT / "timings.json").write_text(json.dumps(all_timings, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
