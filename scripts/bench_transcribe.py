"""Transcription speed: Clout's pipeline against plain faster-whisper defaults, in the same run; and who spoke.

Prints audio seconds, wall seconds and real-time factor (audio seconds per wall second) for the
corpus episodes and JFK, and how far Clout's segment starts are from the narrated sentences' known
starts (the deep links need 2 s). Decoding is timed apart and excluded, so both sides get the
same samples.

Speakers: the two-voice conversations of tests/conversations.py (hibari-tts and espeak-ng voices,
known turn times; the first half tuned the diarizer's settings, the second half is held out) and the
real two-channel clip. For each: the time-weighted share of the speech carrying the right label
(with the feed's names, and as voices alone), and the seconds transcription and diarization take.

    python scripts/bench_transcribe.py [--model tiny.en] [--device auto] [--compute-type default] [--speakers-only]
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


def speakers(args) -> None:
    """Diarization and naming accuracy, and its cost beside transcription's, on known conversations."""
    import tempfile

    import numpy as np

    sys.path.insert(0, str(ROOT / "tests"))
    import conversations
    from clout.document import Person
    from clout.ingest import speakers as naming, voices
    from clout.ingest.diarize import by_channel, diarize, independent_channels
    from clout.ingest.transcribe import sentences_from_words

    voices.embed_windows(np.zeros(32000, np.float32), [(0.0, 1.6)])  # load the encoder outside the timings
    print(f"\nspeakers: voice encoder {voices.NAME}, {os.cpu_count()} CPUs")
    print(f"{'conversation':14} {'half':9} {'audio s':>8} {'whisper s':>9} {'voices s':>8} {'adds':>6} {'voices':>6} "
          f"{'by voice':>8} {'by name':>8}")
    results = {"tuning": [], "held out": []}
    cost = [0.0, 0.0, 0.0]
    with tempfile.TemporaryDirectory() as tmp:
        for name, script in conversations.CONVERSATIONS.items():
            half = "tuning" if name in conversations.TUNING else "held out"
            path = Path(tmp) / f"{name}.wav"
            turns = conversations.build(script, path)
            audio = decode(path, 3600)
            started = time.perf_counter()
            words = transcribe(audio, args.model, device=args.device, compute_type=args.compute_type).words
            heard_s = time.perf_counter() - started
            started = time.perf_counter()
            heard = diarize(audio, words)
            people = [Person(n, r) for n, r in conversations.people_of(script)]
            voiced = naming.attribute(heard, people, [], sentences_from_words)
            voices_s = time.perf_counter() - started
            by_voice = conversations.score(turns, voiced.segments)
            by_name = conversations.score(turns, voiced.segments, named=True)
            results[half].append((len(audio) / 16000, by_voice, by_name))
            cost = [cost[0] + len(audio) / 16000, cost[1] + heard_s, cost[2] + voices_s]
            print(f"{name:14} {half:9} {len(audio) / 16000:8.1f} {heard_s:9.1f} {voices_s:8.1f} {voices_s / heard_s:5.0%} "
                  f"{len(heard.voices):6d} {by_voice:8.3f} {by_name:8.3f}")
    for half, rows in results.items():
        total = sum(r[0] for r in rows)
        print(f"{half + ' (time-weighted)':24} {'':32} by voice {sum(r[0] * r[1] for r in rows) / total:.3f}, "
              f"by name {sum(r[0] * r[2] for r in rows) / total:.3f}")
    print(f"diarization adds {cost[2]:.1f} s to {cost[1]:.1f} s of transcription ({cost[2] / cost[1]:.0%}) "
          f"for {cost[0]:.0f} s of audio")
    clip = SHARED / "data/audio/fw_stereo_diarization.wav"
    if clip.exists():
        channels = decode(clip, 60, channels=True)
        per_channel = [transcribe(c, args.model, device=args.device, compute_type=args.compute_type).words for c in channels]
        heard = by_channel(channels, per_channel)
        voiced = naming.attribute(heard, [], [], sentences_from_words)
        texts = {}
        for seg in voiced.segments:
            texts[seg.speaker] = texts.get(seg.speaker, "") + seg.text
        left = next((n for n, t in texts.items() if "wizard" in t.lower()), "")
        labelled = [type(seg)(seg.start, seg.end, seg.text, "left" if seg.speaker == left else "right") for seg in voiced.segments]
        accuracy = conversations.score(conversations.channel_turns(channels), labelled, named=True)
        print(f"{clip.name}: independent channels {independent_channels(channels)}, {len(heard.voices)} voices, "
              f"{accuracy:.3f} of the speech on the right voice")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=os.environ.get("CLOUT_WHISPER_MODEL", "tiny.en"))
    parser.add_argument("--device", default="auto")
    parser.add_argument("--compute-type", default="default")
    parser.add_argument("--speakers-only", action="store_true", help="Only the speaker figures.")
    args = parser.parse_args()
    load_model(args.model, args.device, args.compute_type)
    if args.speakers_only:
        speakers(args)
        return
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
    speakers(args)


if __name__ == "__main__":
    main()
