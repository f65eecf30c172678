"""Transcription speed: Clout's pipeline against plain faster-whisper defaults, in the same run.

Prints audio seconds, wall seconds and real-time factor (audio seconds per wall second) for the
corpus episodes and JFK, and how far Clout's segment starts are from the narrated sentences' known
starts (the deep links need 2 s). Decoding is timed apart and excluded, so both sides get the
same samples.

    python scripts/bench_transcribe.py [--model tiny.en] [--device auto] [--compute-type default]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CLOUT_SHARED_DIR", ROOT.parent / "shared"))

from clout.ingest.decode import decode  # noqa: E402
from clout.ingest.transcribe import device_settings, load_model, resolve_model, transcribe  # noqa: E402


def plain_default(model, audio) -> int:
    segments, _ = model.transcribe(audio)  # faster-whisper's defaults: beam 5, sequential, no VAD
    return len(list(segments))


def link_error(segments, timings) -> float:
    """Median distance from each narrated sentence's start to the nearest segment start."""
    starts = sorted(s.start for s in segments)
    errors = sorted(min(abs(t["start"] - s) for s in starts) for t in timings if len(t["text"].split()) >= 6)
    return errors[len(errors) // 2] if errors else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=os.environ.get("CLOUT_WHISPER_MODEL", "tiny.en"))
    parser.add_argument("--device", default="auto")
    parser.add_argument("--compute-type", default="default")
    args = parser.parse_args()
    from faster_whisper import WhisperModel

    device, compute = device_settings(args.device, args.compute_type)
    plain = WhisperModel(resolve_model(args.model), device=device, compute_type=compute)
    load_model(args.model, args.device, args.compute_type)  # load outside the timings
    timings = json.loads((ROOT / "corpus/episodes/timings.json").read_text())
    files = sorted((ROOT / "corpus/episodes").glob("*.opus")) + [SHARED / "data/audio/jfk.flac"]
    print(f"model {args.model} on {device} ({compute}), {os.cpu_count()} CPUs")
    print(f"{'file':44} {'audio s':>8} {'plain s':>8} {'plain x':>8} {'clout s':>8} {'clout x':>8} {'speedup':>8} {'link err':>8}")
    totals = [0.0, 0.0, 0.0]
    for path in files:
        if not path.exists():
            print(f"{path.name:44} missing")
            continue
        audio = decode(path, 6 * 3600)
        seconds = len(audio) / 16000
        started = time.perf_counter()
        plain_default(plain, audio)
        plain_wall = time.perf_counter() - started
        started = time.perf_counter()
        result = transcribe(audio, args.model, device=args.device, compute_type=args.compute_type)
        clout_wall = time.perf_counter() - started
        error = link_error(result.segments, timings[path.name]) if path.name in timings else float("nan")
        totals = [totals[0] + seconds, totals[1] + plain_wall, totals[2] + clout_wall]
        print(f"{path.name:44} {seconds:8.1f} {plain_wall:8.1f} {seconds / plain_wall:7.1f}x {clout_wall:8.1f} "
              f"{seconds / clout_wall:7.1f}x {plain_wall / clout_wall:7.2f}x {error:7.2f}s")
    audio_s, plain_s, clout_s = totals
    print(f"{'all':44} {audio_s:8.1f} {plain_s:8.1f} {audio_s / plain_s:7.1f}x {clout_s:8.1f} "
          f"{audio_s / clout_s:7.1f}x {plain_s / clout_s:7.2f}x")


if __name__ == "__main__":
    main()
