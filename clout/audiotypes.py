"""Audio recognised by its first bytes, never by its name: the types Clout records at ingest and serves.

Ingest records an episode's local audio with the type its bytes show, and /media answers only with
that type (checked again on the bytes it is about to send), so a file that is really SVG, HTML or
anything else is never served from Clout's origin, whatever its name or its feed says it is.
"""
from __future__ import annotations

HEAD_BYTES = 16  # enough for every signature below

# MIME type -> the extension /media gives the file in Content-Disposition.
EXTENSIONS = {
    "audio/mpeg": ".mp3", "audio/aac": ".aac", "audio/mp4": ".m4a", "audio/ogg": ".ogg",
    "audio/wav": ".wav", "audio/flac": ".flac", "audio/webm": ".webm", "audio/aiff": ".aiff",
}


def sniff_audio(head: bytes) -> str:
    """The audio MIME type these first bytes begin, or "" when they begin no audio format Clout knows."""
    if head.startswith(b"ID3"):
        return "audio/mpeg"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        # An MPEG frame sync. Layer bits 00 are ADTS (AAC); 01, 10, 11 are MPEG layers III, II, I.
        return "audio/aac" if head[1] & 0x06 == 0 else "audio/mpeg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        return "audio/mp4"
    if head.startswith(b"\x1aE\xdf\xa3"):  # Matroska / WebM
        return "audio/webm"
    if head.startswith(b"FORM") and head[8:12] in (b"AIFF", b"AIFC"):
        return "audio/aiff"
    return ""
