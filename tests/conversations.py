"""Two-voice conversations with known turn times, spoken by real synthesisers.

Voices: the `hibari-tts` voice bundled in its wheel, and Debian's `espeak-ng` voices (installed by
`make test`). Each conversation is a WAV file at 16 kHz and the reference turns: who speaks, from
which second to which (the utterance's audible extent), and what they say. Tests and
scripts/bench_transcribe.py score diarization against these turns.

Synthesis is deterministic (hibari is seeded; espeak-ng has no randomness), so a conversation is
the same audio on every machine.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

RATE = 16000
GAP = 0.45  # seconds of silence between turns
SEED = 11


@dataclass(frozen=True)
class Turn:
    start: float
    end: float
    speaker: str
    text: str


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


@lru_cache(maxsize=1)
def _hibari():
    from hibari import Hibari

    return Hibari()


def _resample(audio: np.ndarray, rate: int) -> np.ndarray:
    import librosa

    return librosa.resample(np.asarray(audio, dtype=np.float32), orig_sr=rate, target_sr=RATE).astype(np.float32)


def say(voice: str, text: str, seed: int = SEED) -> np.ndarray:
    """16 kHz samples of `text` in `voice`: "hibari", or "espeak:VOICE" (en-us, en-gb-x-rp+f2 ...)."""
    if voice == "hibari":
        tts = _hibari()
        return _resample(tts(text, seed=seed), tts.sample_rate)
    if voice.startswith("espeak:"):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "say.wav"
            subprocess.run(["espeak-ng", "-v", voice.split(":", 1)[1], "-s", "160", "-w", str(out), text],
                           check=True, capture_output=True)
            with wave.open(str(out)) as w:
                pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768
                return _resample(pcm, w.getframerate())
    raise ValueError(f"unknown voice {voice!r}")


def _audible(audio: np.ndarray) -> tuple[int, int]:
    """First and last sample above 2 % of the peak: where the utterance is heard."""
    loud = np.flatnonzero(np.abs(audio) > 0.02 * float(np.abs(audio).max() or 1))
    return (int(loud[0]), int(loud[-1]) + 1) if loud.size else (0, len(audio))


def build(script: list[tuple[str, str, str]], path: Path, gap: float = GAP) -> list[Turn]:
    """Speak `script` — (voice, speaker name, text) per turn — into a WAV at `path`; the reference turns."""
    parts, turns, clock = [np.zeros(int(0.5 * RATE), np.float32)], [], 0.5
    for i, (voice, speaker, text) in enumerate(script):
        audio = say(voice, text, SEED + i)
        a, b = _audible(audio)
        audio = audio[a:b] / max(1e-6, float(np.abs(audio[a:b]).max())) * 0.7
        turns.append(Turn(round(clock, 3), round(clock + len(audio) / RATE, 3), speaker, text))
        parts += [audio, np.zeros(int(gap * RATE), np.float32)]
        clock += len(audio) / RATE + gap
    write_wav(np.concatenate(parts), path)
    return turns


def write_wav(audio: np.ndarray, path: Path, channels: int = 1) -> None:
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())


HOST, GUEST = "hibari", "espeak:en-us"

# Interviews on the knowledge base's theme. The host introduces herself and the guest, who answers.
# The first three are the tuning half, the last three the held-out half (scripts/bench_transcribe.py).
CONVERSATIONS: dict[str, list[tuple[str, str, str]]] = {
    "finance": [
        (HOST, "Dana Okafor", "Welcome to Inside Support. I'm Dana Okafor, and this week we talk about budgets."),
        (HOST, "Dana Okafor", "My guest today is Sam Rivera, who runs customer experience at a regional bank."),
        (GUEST, "Sam Rivera", "Thanks for having me, Dana. It is good to be here."),
        (HOST, "Dana Okafor", "How did you get the finance team on your side?"),
        (GUEST, "Sam Rivera", "I stopped talking about satisfaction scores and started talking about cost. "
                              "Every repeat call costs money, so I showed them the repeat calls."),
        (HOST, "Dana Okafor", "And they listened?"),
        (GUEST, "Sam Rivera", "They listened once the numbers were theirs. I asked their analyst to check my figures "
                              "before the meeting, so nobody could argue with the spreadsheet."),
        (HOST, "Dana Okafor", "That is a lovely trick. What would you tell someone starting out?"),
        (GUEST, "Sam Rivera", "Find the one person in finance who worries about churn, and make their worry your project."),
        (HOST, "Dana Okafor", "Sam Rivera, thank you. That is all for this week."),
    ],
    "peers": [
        ("espeak:en-gb-x-rp", "Lee Chen", "Hello and welcome. I am Lee Chen, and today we are talking about peers."),
        ("hibari", "Ana Souza", "Hi Lee. I'm Ana Souza. I lead support operations at a software company."),
        ("espeak:en-gb-x-rp", "Lee Chen", "Ana, how do you influence colleagues who do not report to you?"),
        ("hibari", "Ana Souza", "I start by asking what keeps them up at night. Product managers worry about adoption, "
                                "so I bring them the tickets that explain why people stop using a feature."),
        ("espeak:en-gb-x-rp", "Lee Chen", "So you trade information for attention."),
        ("hibari", "Ana Souza", "Exactly. And I never surprise anyone in a big meeting. I walk them through the findings "
                                "one to one first, and by the meeting they are presenting it with me."),
        ("espeak:en-gb-x-rp", "Lee Chen", "What if they still say no?"),
        ("hibari", "Ana Souza", "Then I ask for a small pilot. A pilot is easy to agree to, and the results do the persuading."),
    ],
    "mapping": [
        ("hibari", "Dana Okafor", "This is Inside Support, and I'm Dana Okafor."),
        ("espeak:en-us+m3", "Omar Haddad", "And I'm Omar Haddad. Today we want to map stakeholders before a big change."),
        ("hibari", "Dana Okafor", "Omar, where do you begin?"),
        ("espeak:en-us+m3", "Omar Haddad", "With a list of everyone the change touches. Then I mark who has power, "
                                           "and who has interest, on a simple grid."),
        ("hibari", "Dana Okafor", "And the people with power but no interest?"),
        ("espeak:en-us+m3", "Omar Haddad", "Those are the dangerous ones. They can stop you without ever reading your proposal, "
                                           "so I keep them informed in one short email a month."),
        ("hibari", "Dana Okafor", "Short is the key word there."),
        ("espeak:en-us+m3", "Omar Haddad", "Always. Three lines, one number, one ask."),
    ],
    "executives": [
        (HOST, "Dana Okafor", "Welcome back to Inside Support. I'm Dana Okafor."),
        (HOST, "Dana Okafor", "Joining me is Priya Nair, a customer success director who has pitched to a lot of boards."),
        ("espeak:en-us+klatt", "Priya Nair", "Thank you, Dana. I have pitched to more boards than I would like to admit."),
        (HOST, "Dana Okafor", "What do executives actually want to hear?"),
        ("espeak:en-us+klatt", "Priya Nair", "They want to know what happens to revenue if they say yes, and what happens if they "
                                            "say no. Everything else is detail."),
        (HOST, "Dana Okafor", "So lead with the decision."),
        ("espeak:en-us+klatt", "Priya Nair", "Lead with the decision, then the evidence, then the ask. And bring a customer's own "
                                            "words. One real quote beats ten charts."),
        (HOST, "Dana Okafor", "Priya Nair, thank you for joining us."),
    ],
    "authority": [
        ("espeak:en-us", "Sam Rivera", "Hi everyone, I'm Sam Rivera, and this is a short episode about authority."),
        ("hibari", "Ana Souza", "And I'm Ana Souza. Sam, what do you do when you have no authority at all?"),
        ("espeak:en-us", "Sam Rivera", "You borrow it. Find a sponsor who has the authority, and make it easy for them to "
                                       "lend it to you."),
        ("hibari", "Ana Souza", "How do you make it easy?"),
        ("espeak:en-us", "Sam Rivera", "Write the email they would send. Draft the slide they would show. "
                                       "A sponsor who only has to say yes will say yes more often."),
        ("hibari", "Ana Souza", "That sounds like a lot of work for you."),
        ("espeak:en-us", "Sam Rivera", "It is, but it is work you control, which beats waiting."),
    ],
    "quickfire": [
        ("hibari", "Dana Okafor", "Quick questions, quick answers. I'm Dana Okafor, and Sam Rivera is back."),
        ("espeak:en-us", "Sam Rivera", "Hi Dana. Fire away."),
        ("hibari", "Dana Okafor", "Email or meeting?"),
        ("espeak:en-us", "Sam Rivera", "Meeting, if the answer matters."),
        ("hibari", "Dana Okafor", "Slides or a story?"),
        ("espeak:en-us", "Sam Rivera", "A story, with one slide for the number."),
        ("hibari", "Dana Okafor", "Who do you call first when a project is in trouble?"),
        ("espeak:en-us", "Sam Rivera", "The person who will be blamed if it fails. They want it fixed more than anyone."),
        ("hibari", "Dana Okafor", "Best advice you ever got?"),
        ("espeak:en-us", "Sam Rivera", "Never let your boss hear bad news from someone else."),
        ("hibari", "Dana Okafor", "Thanks, Sam."),
    ],
}
TUNING = ("finance", "peers", "mapping")
HELD_OUT = ("executives", "authority", "quickfire")


def people_of(script: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """(name, role) in order of first appearance: the first voice is the host, the others guests."""
    names = list(dict.fromkeys(name for _, name, _ in script))
    return [(name, "host" if i == 0 else "guest") for i, name in enumerate(names)]


def channel_turns(channels: np.ndarray, names=("left", "right"), gap: float = 0.5) -> list[Turn]:
    """Reference turns of a recording with a voice on each channel: where each channel is audible
    (10 ms frames above 2 % of its peak, pauses under `gap` bridged)."""
    turns = []
    for samples, name in zip(channels, names):
        frames = len(samples) // 160
        energy = np.abs(samples[: frames * 160]).reshape(frames, 160).max(axis=1)
        loud = np.flatnonzero(energy > 0.02 * float(energy.max() or 1))
        start = prev = None
        for f in list(loud) + [None]:
            if f is not None and prev is not None and (f - prev) * 0.01 <= gap:
                prev = f
                continue
            if start is not None:
                turns.append(Turn(round(start * 0.01, 2), round((prev + 1) * 0.01, 2), name, ""))
            start = prev = f
    return turns


def score(turns: list[Turn], segments, named: bool = False) -> float:
    """Time-weighted share of the reference speech carrying the right label.

    `segments` have start, end and speaker. Unless `named`, labels are matched to the reference
    speakers one to one in the way that scores best (so "Speaker 1" can be right); `named` wants
    each label to be the reference speaker's name. Speech no segment covers counts as wrong; a pause
    between two segments of the same speaker carries their label (a turn's sentences are segments of
    their own, and the reference turns include the pauses between sentences).
    """
    spans: list[Turn] = []
    for s in sorted(segments, key=lambda s: s.start):
        if spans and spans[-1].speaker == s.speaker and s.start - spans[-1].end < 2.0:
            spans[-1] = Turn(spans[-1].start, max(spans[-1].end, s.end), s.speaker, "")
        else:
            spans.append(Turn(s.start, s.end, s.speaker, ""))
    segments = spans
    labels = sorted({s.speaker for s in segments})
    speakers = sorted({t.speaker for t in turns})
    overlap = np.zeros((len(speakers), len(labels)))
    for t in turns:
        for s in segments:
            shared = min(t.end, s.end) - max(t.start, s.start)
            if shared > 0:
                overlap[speakers.index(t.speaker), labels.index(s.speaker)] += shared
    total = sum(t.end - t.start for t in turns)
    if not named:
        from scipy.optimize import linear_sum_assignment

        rows, cols = linear_sum_assignment(-overlap)
        right = overlap[rows, cols].sum()
    else:
        right = sum(overlap[i, labels.index(name)] for i, name in enumerate(speakers) if name in labels)
    return float(min(right, total) / total) if total else 0.0
