"""Names for the voices found in an episode, and its transcript cut into one-voice segments.

Names only ever come from sources: the feed's `podcast:person` entries, or the voiceprints of
people named in the show's earlier episodes. The transcript only says which voice is which person,
trusted in this order:

1. a voice that introduces itself ("I'm Dana Okafor", "my name is ...");
2. a voice that sounds like a named speaker of the show's earlier episodes (its stored voiceprint);
3. a voice introduced by another ("my guest today is Sam Rivera", "joining me is ..."): the next
   other voice to speak;
4. the hosts, in the feed's order, are the unnamed voices that speak first;
5. when one person and one voice are left, they go together.

Whisper spells unfamiliar names by ear ("Donna Okefer"), so a name in the transcript matches a
person's by similarity of spelling. Voices nothing names are "Speaker 1", "Speaker 2" ... in the
order they are first heard.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np

from clout.document import Person, Segment, Voiceprint
from .diarize import Diarization
from . import voices

# Podcasting 2.0 taxonomy roles of people whose voice is heard; no role means host.
VOICE_ROLES = frozenset({
    "", "host", "co-host", "cohost", "guest", "guest host", "narrator", "announcer", "voice actor",
    "reporter", "interviewer", "panelist", "presenter", "moderator",
})
HOST_ROLES = frozenset({"", "host", "co-host", "cohost", "presenter", "narrator", "moderator"})
# A voice is this person when it sounds at least this like their print, and clearly more than like any other.
VOICE_MATCH = 0.86
VOICE_MARGIN = 0.03
MIN_PRINT_SECONDS = 3.0  # shorter speech makes a print too unreliable to remember
NAME_LIKENESS = 0.62  # spelling similarity for a heard name to be a person's
FALLBACK = "Speaker {}"
# Recorded with each episode whose voices Clout found: a stored episode with another is heard again.
VERSION = f"{voices.NAME}/1"

_SELF = re.compile(r"\b(?:i'm|i am|my name is|this is|and i'm|it's)\s+", re.I)
_OTHER = re.compile(
    r"\b(?:joining me(?: today| now)? (?:is|are)|my guests? (?:today |this week |now )?(?:is|are)|"
    r"our guests? (?:today |this week )?(?:is|are)|with me (?:today |now )?(?:is|are)|i'm joined by|"
    r"please welcome|welcome(?: to the show)?,)\s+",
    re.I,
)


@dataclass(frozen=True)
class Turn:
    voice: int
    start: float
    text: str


def turns_of(diarization: Diarization) -> list[Turn]:
    """Consecutive words of one voice joined into turns."""
    out: list[Turn] = []
    for word, label in zip(diarization.words, diarization.labels):
        if out and out[-1].voice == label:
            out[-1] = Turn(label, out[-1].start, out[-1].text + word.text)
        else:
            out.append(Turn(label, word.start, word.text))
    return [Turn(t.voice, t.start, " ".join(t.text.split())) for t in out]


def _letters(text: str) -> str:
    return re.sub(r"[^a-z ]", "", text.lower()).strip()


def heard_name(text: str, people: list[Person]) -> Person | None:
    """The person whose name the words at the start of `text` are, spelled by ear; None if nobody's."""
    words = _letters(text).split()[:3]
    best, score = None, 0.0
    for person in people:
        full = _letters(person.name)
        first = full.split()[0] if full else ""
        for n in range(1, len(words) + 1):
            said = " ".join(words[:n])
            for name in (full, first):
                if name and len(said) >= 3:
                    likeness = difflib.SequenceMatcher(None, said, name).ratio()
                    if likeness > score:
                        best, score = person, likeness
    return best if score >= NAME_LIKENESS else None


def _introductions(turns: list[Turn], people: list[Person]) -> tuple[dict[int, str], dict[int, str]]:
    """(voice -> name it gives itself, voice -> name another voice gives it)."""
    own: dict[int, str] = {}
    given: dict[int, str] = {}
    for i, turn in enumerate(turns):
        for match in _SELF.finditer(turn.text):
            person = heard_name(turn.text[match.end():], people)
            if person and turn.voice not in own:
                own[turn.voice] = person.name
        for match in _OTHER.finditer(turn.text):
            person = heard_name(turn.text[match.end():], people)
            nxt = next((t.voice for t in turns[i + 1 :] if t.voice != turn.voice), None)
            if person and nxt is not None and nxt not in given:
                given[nxt] = person.name
    return own, given


def _by_voiceprint(found: list, known: list[Voiceprint]) -> dict[int, str]:
    prints = [k for k in known if k.encoder == voices.NAME]
    if not prints:
        return {}
    matrix = np.array([k.vector for k in prints], dtype=np.float32)
    pairs = []
    for voice in found:
        sims = matrix @ voice.vector
        order = np.argsort(-sims)
        runner_up = float(sims[order[1]]) if len(order) > 1 else -1.0
        if sims[order[0]] >= VOICE_MATCH and sims[order[0]] - runner_up >= VOICE_MARGIN:
            pairs.append((float(sims[order[0]]), voice.label, prints[int(order[0])].name))
    out: dict[int, str] = {}
    for _, label, name in sorted(pairs, reverse=True):
        if label not in out and name not in out.values():
            out[label] = name
    return out


def name_voices(diarization: Diarization, people: list[Person], known: list[Voiceprint] = ()) -> dict[int, str]:
    """A name for every voice: a person's where the evidence says who, else "Speaker N"."""
    found = sorted(diarization.voices, key=lambda v: v.first)
    candidates = [p for p in people if p.role.lower() in VOICE_ROLES]
    turns = turns_of(diarization)
    own, given = _introductions(turns, candidates)
    names: dict[int, str] = {}

    def assign(evidence: dict[int, str]) -> None:
        for label, name in evidence.items():
            if label not in names and name not in names.values():
                names[label] = name

    assign(own)
    assign(_by_voiceprint(found, list(known)))
    assign(given)
    unnamed = [v.label for v in found if v.label not in names]
    hosts = [p.name for p in candidates if p.role.lower() in HOST_ROLES and p.name not in names.values()]
    assign(dict(zip(unnamed, hosts)))
    unnamed = [v.label for v in found if v.label not in names]
    left = [p.name for p in candidates if p.name not in names.values()]
    if len(unnamed) == 1 and len(left) == 1:
        names[unnamed[0]] = left[0]
    count = 0
    for voice in found:
        if voice.label not in names:
            count += 1
            names[voice.label] = FALLBACK.format(count)
    return names


def voiceprints(diarization: Diarization, names: dict[int, str], people: list[Person],
                known: list[Voiceprint] = ()) -> list[Voiceprint]:
    """Prints of the voices that have a person's name (not "Speaker N"), heard long enough to trust."""
    real = {p.name for p in people} | {k.name for k in known}
    return [
        Voiceprint(names[v.label], tuple(float(x) for x in v.vector), v.seconds, voices.NAME)
        for v in diarization.voices
        if names.get(v.label) in real and v.seconds >= MIN_PRINT_SECONDS
    ]


def segments_by_voice(diarization: Diarization, names: dict[int, str], split) -> list[Segment]:
    """The transcript as sentence-sized segments, each of one voice: `split` (words -> segments) runs
    on each turn on its own, so no segment spans a change of voice."""
    out: list[Segment] = []
    run: list[Segment] = []
    label = None
    for word, voice in list(zip(diarization.words, diarization.labels)) + [(None, None)]:
        if run and voice != label:
            out += [Segment(s.start, s.end, s.text, names.get(label, "")) for s in split(run)]
            run = []
        if word is not None:
            run.append(word)
            label = voice
    return out


def named_people(people: list[Person], names: dict[int, str], known: list[Voiceprint] = ()) -> list[Person]:
    """The episode's people: the feed's, and speakers recognised by voice whom this item's feed entry
    does not list (with no role)."""
    listed = {p.name for p in people}
    heard = [n for n in dict.fromkeys(names.values()) if n not in listed and n in {k.name for k in known}]
    return list(people) + [Person(n) for n in heard]




@dataclass(frozen=True)
class Attributed:
    segments: list[Segment]
    people: list[Person]
    voiceprints: list[Voiceprint]


def attribute(diarization: Diarization, people: list[Person], known: list[Voiceprint], split) -> Attributed:
    """Everything the voices of an episode give its Document: one-voice segments carrying names,
    the episode's people, and prints of its named voices."""
    names = name_voices(diarization, people, known)
    return Attributed(
        segments_by_voice(diarization, names, split),
        named_people(people, names, known),
        voiceprints(diarization, names, people, known),
    )


def publisher_people(people: list[Person], segments: list[Segment]) -> list[Person]:
    """The feed's people, and the speakers a publisher's transcript names that the feed does not."""
    listed = {p.name for p in people}
    return list(people) + [Person(n) for n in dict.fromkeys(s.speaker for s in segments) if n and n not in listed]


__all__ = ["attribute", "publisher_people", "name_voices", "voiceprints", "segments_by_voice", "heard_name", "VOICE_ROLES"]
