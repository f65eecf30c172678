"""Timed transcript formats: WebVTT, SRT and Podcasting 2.0 JSON read into Segments, and written back out.

Publisher transcripts arrive in these formats (`<podcast:transcript>`, a .vtt beside an audio file);
`clout transcript` writes them. Reading is lenient (real files have BOMs, stray numbering, styling
tags); a file with no timed text at all is an error naming the source. Speakers are kept: WebVTT
voice tags (`<v Dana Okafor>`), the JSON transcript's "speaker", and in SRT (which has no speaker
field) a "Name:" that opens cues more than once, as Clout writes them.
"""
from __future__ import annotations

import html
import json
import re

from clout.document import Segment
from clout.sentences import ends_sentence
from .errors import IngestError

FORMATS = ("vtt", "srt", "txt", "json")  # and "chapters": ingest/chapters.py

_TIMING = re.compile(
    r"(?P<start>(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\s*-->\s*(?P<end>(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)"
)
_TAG = re.compile(r"<[^>]+>")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]+)>")
_PREFIX = re.compile(r"^([A-Z][\w'.-]*(?: [A-Z][\w'.-]*){0,3}):\s+(?=\S)")
MAX_SPEAKER = 100


def caption_format(content_type: str = "", name: str = "") -> str:
    """"vtt", "srt" or "json" from a MIME type or a file name; "" when neither says."""
    kind = content_type.lower()
    for fmt, marks in (("vtt", ("vtt",)), ("srt", ("srt", "subrip")), ("json", ("json",))):
        if any(m in kind for m in marks):
            return fmt
    suffix = name.lower().rsplit("?", 1)[0].rsplit(".", 1)[-1]
    return suffix if suffix in ("vtt", "srt", "json") else ""


def seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    value = 0.0
    for part in parts:
        value = value * 60 + float(part)
    return value


def _speaker(name: str) -> str:
    return " ".join(html.unescape(name).split())[:MAX_SPEAKER]


def _cues(text: str) -> list[Segment]:
    """VTT and SRT share their shape: blocks separated by blank lines, one timing line each."""
    out: list[Segment] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")):
        lines = block.strip().split("\n")
        for i, line in enumerate(lines):
            timing = _TIMING.search(line)
            if timing:
                body = "\n".join(lines[i + 1 :])
                voice = _VOICE.search(body)
                words = " ".join(html.unescape(_TAG.sub("", t)).strip() for t in lines[i + 1 :])
                words = " ".join(words.split())
                if words:
                    speaker = _speaker(voice.group(1)) if voice else ""
                    out.append(Segment(seconds(timing["start"]), seconds(timing["end"]), words, speaker))
                break
    return _prefixed_speakers(_voices_carry_on(out))


def _voices_carry_on(segments: list[Segment]) -> list[Segment]:
    """In a file with voice tags, a cue without one is the last voice still speaking: captions tag
    the cue where a turn starts and break the turn's lines into untagged cues after it."""
    out, current = [], ""
    for seg in segments:
        current = seg.speaker or current
        out.append(seg if seg.speaker or not current else Segment(seg.start, seg.end, seg.text, current))
    return out


def _prefixed_speakers(segments: list[Segment]) -> list[Segment]:
    """Cues that open with "Name: " take that name as their speaker when two or more cues open so (one
    could be "Note: ..."), and a cue with no name continues the last speaker's turn."""
    if any(s.speaker for s in segments):
        return segments
    names = [m.group(1) if (m := _PREFIX.match(s.text)) else "" for s in segments]
    recurring = {n for n in names if n} if sum(1 for n in names if n) > 1 else set()
    if not recurring:
        return segments
    out, current = [], ""
    for seg, name in zip(segments, names):
        if name in recurring:
            current = name
            seg = Segment(seg.start, seg.end, seg.text[len(name) + 1 :].strip(), name)
        out.append(Segment(seg.start, seg.end, seg.text, current))
    return out


def _json_segments(text: str, source: str) -> list[Segment]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise IngestError(source, f"the JSON transcript cannot be read ({e.msg} at line {e.lineno})") from None
    except RecursionError:  # json nests by recursion: a file of [[[[… would otherwise end the batch
        raise IngestError(source, "the JSON transcript is nested too deeply to read") from None
    items = data.get("segments", []) if isinstance(data, dict) else data
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        start = item.get("startTime", item.get("start"))
        end = item.get("endTime", item.get("end", start))
        words = " ".join(str(item.get("body", item.get("text", ""))).split())
        speaker = item.get("speaker")
        speaker = _speaker(speaker) if isinstance(speaker, str) else ""
        if words and isinstance(start, (int, float)) and isinstance(end, (int, float)):
            out.append(Segment(float(start), float(end), words, speaker))
    return out


def merge_fragments(segments: list[Segment], max_seconds: float = 15.0) -> list[Segment]:
    """Join cues that split a sentence (captions break lines every few words) into sentence-sized
    segments, so search can deep-link to where a sentence starts."""
    out: list[Segment] = []
    for seg in segments:
        if (out and out[-1].speaker == seg.speaker and not ends_sentence(out[-1].text, seg.text)
                and seg.end - out[-1].start <= max_seconds):
            out[-1] = Segment(out[-1].start, seg.end, f"{out[-1].text} {seg.text}", seg.speaker)
        else:
            out.append(seg)
    return out


def parse_captions(data: bytes, fmt: str, source: str) -> list[Segment]:
    """Segments of a transcript file, in time order; IngestError when it holds no timed text."""
    text = data.decode("utf-8", errors="replace")
    if fmt == "json" or (not fmt and text.lstrip().startswith(("{", "["))):
        segments = _json_segments(text, source)
    else:
        segments = _cues(text)
    if not segments:
        raise IngestError(source, "the transcript holds no timed text")
    segments.sort(key=lambda s: s.start)
    return merge_fragments(segments)


def _stamp(value: float, separator: str) -> str:
    millis = round(max(0.0, value) * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _cue_text(text: str) -> str:
    # WebVTT cue text is markup: & and < are escaped, and "-->" would end the timing line's meaning.
    return html.escape(text.replace("-->", "->"), quote=False)


def _voice(name: str) -> str:
    return f"<v {' '.join(html.escape(name.replace('>', ''), quote=False).split())}>" if name.strip() else ""


def format_captions(segments: list[Segment], fmt: str, title: str = "") -> str:
    """The transcript as WebVTT (with voice tags), SRT (names opening cues), plain text (one segment a
    line) or JSON (the Podcasting 2.0 shape, with "speaker")."""
    if fmt == "vtt":
        head = "WEBVTT" + (f" - {' '.join(title.split())}" if title else "") + "\n\n"
        return head + "\n".join(
            f"{_stamp(s.start, '.')} --> {_stamp(s.end, '.')}\n{_voice(s.speaker)}{_cue_text(s.text)}\n" for s in segments
        )
    if fmt == "srt":
        return "\n".join(
            f"{i}\n{_stamp(s.start, ',')} --> {_stamp(s.end, ',')}\n"
            f"{(' '.join(s.speaker.split()) + ': ') if s.speaker.strip() else ''}{s.text.replace('-->', '->')}\n"
            for i, s in enumerate(segments, 1)
        )
    if fmt == "txt":
        return "".join(f"{s.text}\n" for s in segments)
    if fmt == "json":
        body = {"version": "1.0.0", "segments": [
            {"startTime": round(s.start, 3), "endTime": round(s.end, 3), **({"speaker": s.speaker} if s.speaker else {}),
             "body": s.text} for s in segments
        ]}
        return json.dumps(body, ensure_ascii=False, indent=1) + "\n"
    raise ValueError(f"unknown transcript format {fmt!r}; use one of {', '.join(FORMATS)}")
