"""An episode's audio heard: decoded once, its words transcribed (or taken from the cache), its voices found.

A recording with a different voice on each channel is transcribed channel by channel and each
channel is a voice; anything else is mixed down to mono and diarized (ingest/diarize.py).
Whisper's words are cached by the audio's content hash and the model, so re-ingesting the same
audio costs a decode and the voice analysis, never a second transcription.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clout.document import Segment
from . import transcribe as whisper
from .decode import DecodeError, decode
from .diarize import Diarization, by_channel, diarize, independent_channels
from .errors import IngestError

CHANNEL = "channel {}"  # how cached words of a two-voice recording say which channel they came from


@dataclass(frozen=True)
class Heard:
    diarization: Diarization
    language: str
    duration: float | None  # seconds of audio, when it was decoded


def listen(path: Path, audio_hash: str, model: str, source: str, ctx) -> Heard:
    try:
        channels = decode(path, ctx.settings.max_audio_seconds, channels=True)
    except DecodeError as e:
        raise IngestError(source, str(e)) from None
    duration = channels.shape[1] / whisper.SAMPLE_RATE
    split = channels.shape[0] == 2 and independent_channels(channels)
    cached = _cached_words(ctx.transcripts, audio_hash, model, split)
    if cached is not None:
        words, language = cached, ""
    else:
        words, language = _transcribe(channels if split else [channels.mean(axis=0)], model, source, ctx, duration)
        if ctx.transcripts is not None:
            ctx.transcripts.put_transcript(audio_hash, model + "#words", language, [w for ws in words for w in ws])
            plain = [s for ws in words for s in whisper.sentences_from_words(ws)]
            ctx.transcripts.put_transcript(audio_hash, model, language, sorted(plain, key=lambda s: s.start))
    if not any(words):
        raise IngestError(source, f"no speech was found in its {duration / 60:.1f} minutes of audio")
    if split:
        heard = by_channel(channels, words)
    else:
        heard = diarize(channels.mean(axis=0) if channels.shape[0] > 1 else channels[0], words[0])
    return Heard(heard, language, duration)


def _cached_words(cache, audio_hash: str, model: str, split: bool) -> list[list[Segment]] | None:
    """The cached words, one list per channel transcribed; None when this audio was never transcribed.
    A transcript cached before words were kept gives its sentences, which serve as coarse words."""
    if cache is None:
        return None
    rows = cache.get_transcript(audio_hash, model + "#words") or cache.get_transcript(audio_hash, model)
    if not rows:
        return None
    words = [Segment(*row) for row in rows]
    if not split:
        return [words]
    per_channel = [[w for w in words if w.speaker == CHANNEL.format(c + 1)] for c in range(2)]
    return per_channel if any(per_channel) else None


def _transcribe(tracks, model: str, source: str, ctx, duration: float) -> tuple[list[list[Segment]], str]:
    """Words of each track (one, or each channel), tagged with their channel when there are two."""
    out, language = [], ""
    for c, samples in enumerate(tracks):
        def report(done: float, total: float, c=c) -> None:
            ctx.progress("transcribe", {"source": source, "done": (c * total + done) / len(tracks), "total": total})

        try:
            result = whisper.transcribe(
                np.ascontiguousarray(samples, dtype=np.float32), model, device=ctx.settings.whisper_device,
                compute_type=ctx.settings.whisper_compute_type, progress=report,
            )
        except whisper.TranscribeError as e:
            raise IngestError(source, str(e)) from None
        language = language or result.language
        tag = CHANNEL.format(c + 1) if len(tracks) > 1 else ""
        out.append([Segment(w.start, w.end, w.text, tag) for w in result.words])
    return out, language


__all__ = ["Heard", "listen"]
