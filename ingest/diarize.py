"""Who speaks when: voice embeddings of the speech, clustered into voices, each word given its voice.

Speech is where Whisper heard words. Windows of 1.6 s every 0.8 s inside each stretch of speech
are embedded (ingest/voices.py) and clustered by scikit-learn's agglomerative clustering (cosine
distance, average linkage, a distance threshold: the number of voices is not known in advance).
Each word then takes a voice by a Viterbi pass over the words: a word scores each voice by how much
its windows resemble it, and changing voice costs a penalty that is smaller across a pause, so turns
change where people actually pause and a stray window does not make a one-word turn.

A recording whose two channels carry different voices (an interview recorded on two microphones)
is diarized by channel instead: see `independent_channels`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clout.document import Segment
from . import voices

WINDOW = 1.6
STEP = 0.8
MIN_WINDOW = 0.3
REGION_GAP = 0.3  # words closer than this are one stretch of speech
# Clusters closer than this cosine distance are one voice (chosen on the tuning conversations;
# scripts/bench_transcribe.py reports the held-out ones).
DISTANCE_THRESHOLD = 0.4
MAX_CLUSTERED = 1500  # windows clustered directly; the rest join the nearest cluster
MIN_VOICE_SHARE = 0.04  # a "voice" with less of the speech than this is merged into its nearest
MIN_VOICE_SECONDS = 2.0
SWITCH_PENALTY = 0.6  # cost of changing voice between two words with no pause between them
PAUSE_SCALE = 0.35  # seconds: the penalty falls off with the pause before the word
# A change of voice is moved into the longest quiet stretch (frames under 10 % of the loud ones)
# within half a second of where Whisper put it, when that stretch lasts at least 0.1 s.
SNAP_FRAME = 0.01
SNAP_REACH = 0.6
SNAP_QUIET = 0.1
SNAP_MIN_PAUSE = 0.1
# Two channels are independent voices when their samples are this uncorrelated and both speak.
CHANNEL_CORRELATION = 0.3


@dataclass(frozen=True)
class Voice:
    label: int  # 0, 1, ... in order of first appearance
    vector: np.ndarray  # unit-length centroid of its windows: the voice's print
    seconds: float  # speech time
    first: float  # second it is first heard


@dataclass(frozen=True)
class Diarization:
    words: list[Segment]  # in time order, the edges at changes of voice moved into the pause
    labels: list[int]  # one voice label per word
    voices: list[Voice]


def speech_regions(words: list[Segment], gap: float = REGION_GAP) -> list[tuple[float, float]]:
    regions: list[list[float]] = []
    for w in sorted(words, key=lambda w: w.start):
        if regions and w.start - regions[-1][1] <= gap:
            regions[-1][1] = max(regions[-1][1], w.end)
        else:
            regions.append([w.start, w.end])
    return [(a, b) for a, b in regions if b > a]


def windows_of(regions: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """1.6 s windows every 0.8 s inside each region, the last one flush with its end; a shorter
    region is one window of its own length."""
    out = []
    for a, b in regions:
        if b - a <= WINDOW:
            if b - a >= MIN_WINDOW:
                out.append((a, b))
            else:
                middle = (a + b) / 2
                out.append((max(0.0, middle - MIN_WINDOW / 2), middle + MIN_WINDOW / 2))
            continue
        starts = list(np.arange(a, b - WINDOW, STEP)) + [b - WINDOW]
        out += [(float(s), float(s) + WINDOW) for s in starts]
    return out


def cluster(vectors: np.ndarray, threshold: float = DISTANCE_THRESHOLD) -> np.ndarray:
    """A voice label per embedding."""
    from sklearn.cluster import AgglomerativeClustering

    n = len(vectors)
    if n < 2:
        return np.zeros(n, dtype=int)
    step = max(1, -(-n // MAX_CLUSTERED))
    sample = vectors[::step]
    labels = AgglomerativeClustering(
        n_clusters=None, distance_threshold=threshold, metric="cosine", linkage="average"
    ).fit_predict(sample)
    centroids = np.stack([voices.centroid(sample[labels == k]) for k in range(labels.max() + 1)])
    return np.argmax(vectors @ centroids.T, axis=1)


def _merge_small(vectors: np.ndarray, labels: np.ndarray, seconds_each: float) -> np.ndarray:
    """Fold clusters with too little speech into the nearest larger one (a cough is not a guest)."""
    labels = labels.copy()
    while True:
        kinds, counts = np.unique(labels, return_counts=True)
        if len(kinds) < 2:
            return labels
        smallest = int(np.argmin(counts))
        share = counts[smallest] / counts.sum()
        if share >= MIN_VOICE_SHARE and counts[smallest] * seconds_each >= MIN_VOICE_SECONDS:
            return labels
        small = kinds[smallest]
        others = [k for k in kinds if k != small]
        centroid = voices.centroid(vectors[labels == small])
        nearest = max(others, key=lambda k: float(voices.centroid(vectors[labels == k]) @ centroid))
        labels[labels == small] = nearest


def _word_scores(words: list[Segment], windows: list[tuple[float, float]], similarity: np.ndarray) -> np.ndarray:
    """(words, voices): each word's overlap-weighted similarity of its windows to each voice."""
    starts = np.array([w[0] for w in windows])
    ends = np.array([w[1] for w in windows])
    scores = np.zeros((len(words), similarity.shape[1]))
    for i, word in enumerate(words):
        a, b = word.start, max(word.end, word.start + 0.05)
        overlap = np.clip(np.minimum(ends, b) - np.maximum(starts, a), 0, None)
        if overlap.sum() <= 0:  # a word outside every window: the nearest one
            overlap = np.zeros(len(windows))
            overlap[int(np.argmin(np.abs((starts + ends) / 2 - (a + b) / 2)))] = 1.0
        scores[i] = overlap @ similarity / overlap.sum()
    return scores


def viterbi(scores: np.ndarray, pauses: np.ndarray, penalty: float = SWITCH_PENALTY) -> list[int]:
    """The voice sequence with the best total score, changing voice costing less across a pause."""
    n, k = scores.shape
    if k == 1:
        return [0] * n
    best = scores[0].copy()
    back = np.zeros((n, k), dtype=int)
    for i in range(1, n):
        cost = penalty * np.exp(-max(0.0, pauses[i]) / PAUSE_SCALE)
        stay = best
        switch = best.max() - cost
        came = np.where(stay >= switch, np.arange(k), int(best.argmax()))
        best = np.maximum(stay, switch) + scores[i]
        back[i] = came
    path = [int(best.argmax())]
    for i in range(n - 1, 0, -1):
        path.append(int(back[i][path[-1]]))
    return path[::-1]


def diarize(samples: np.ndarray, words: list[Segment]) -> Diarization:
    """Voices of a mono recording at 16 kHz, and a voice for each of its words (in time order)."""
    words = sorted(words, key=lambda w: w.start)
    if not words:
        return Diarization([], [], [])
    windows = windows_of(speech_regions(words))
    vectors = voices.embed_windows(samples, windows)
    labels = _merge_small(vectors, cluster(vectors), STEP)
    kinds = list(np.unique(labels))
    centroids = np.stack([voices.centroid(vectors[labels == k]) for k in kinds])
    scores = _word_scores(words, windows, vectors @ centroids.T)
    pauses = np.array([0.0] + [b.start - a.end for a, b in zip(words, words[1:])])
    path = viterbi(scores, pauses)
    return _numbered(snap_changes(samples, words, path), path, [centroids[j] for j in range(len(kinds))])


def _numbered(words: list[Segment], path: list[int], centroids: list[np.ndarray]) -> Diarization:
    """Labels renumbered 0, 1, ... by first appearance; voices that lost every word dropped."""
    order = list(dict.fromkeys(path))
    labels = [order.index(p) for p in path]
    found = []
    for new, old in enumerate(order):
        spoken = [w for w, label in zip(words, labels) if label == new]
        seconds = sum(w.end - w.start for w in spoken)
        found.append(Voice(new, centroids[old], round(seconds, 2), spoken[0].start))
    return Diarization(words, labels, found)


def snap_changes(samples: np.ndarray, words: list[Segment], labels: list[int]) -> list[Segment]:
    """Words with the edges at each change of voice moved into the silence between the two turns.

    Whisper's word times can be half a second off; people hand over the word in a pause, so the
    longest quiet stretch near the change is where one turn ends and the next begins.
    """
    rate = voices.SAMPLE_RATE
    hop = int(SNAP_FRAME * rate)
    out = list(words)
    for i in range(1, len(words)):
        if labels[i] == labels[i - 1]:
            continue
        before, after = out[i - 1], out[i]
        lo = max(before.start + 0.05, min(before.end, after.start) - SNAP_REACH)
        hi = min(after.end - 0.05, max(before.end, after.start) + SNAP_REACH)
        if hi - lo < 2 * SNAP_FRAME:
            continue
        clip = samples[int(lo * rate) : int(hi * rate)]
        frames = len(clip) // hop
        if frames < 2:
            continue
        energy = np.sqrt(np.mean(np.square(clip[: frames * hop].reshape(frames, hop), dtype=np.float64), axis=1))
        quiet = energy < SNAP_QUIET * max(float(np.percentile(energy, 90)), 1e-6)
        run = _longest_run(quiet)
        if run is None or (run[1] - run[0]) * SNAP_FRAME < SNAP_MIN_PAUSE:
            continue
        end, start = lo + run[0] * SNAP_FRAME, lo + run[1] * SNAP_FRAME
        if before.start < end and start < after.end:
            out[i - 1] = Segment(before.start, round(end, 2), before.text)
            out[i] = Segment(round(start, 2), after.end, after.text)
    return out


def _longest_run(flags: np.ndarray) -> tuple[int, int] | None:
    best, start = None, None
    for i, flag in enumerate(list(flags) + [False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if best is None or i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    return best


def independent_channels(channels: np.ndarray) -> bool:
    """Whether a two-channel recording holds a different voice on each channel (not a stereo mix):
    the channels are nearly uncorrelated and each has sound of its own."""
    if channels.ndim != 2 or channels.shape[0] != 2 or channels.shape[1] < voices.SAMPLE_RATE:
        return False
    step = max(1, channels.shape[1] // 2_000_000)  # a sample of long recordings is enough
    left, right = channels[0, ::step].astype(np.float64), channels[1, ::step].astype(np.float64)
    if min(left.std(), right.std()) < 1e-4:
        return False
    return abs(float(np.corrcoef(left, right)[0, 1])) < CHANNEL_CORRELATION


def by_channel(channels: np.ndarray, per_channel: list[list[Segment]]) -> Diarization:
    """Words of each channel's transcript merged in time order, each voiced by its channel.

    A word is dropped when its own channel is much quieter than the other there: that is the other
    speaker bleeding into this microphone, already transcribed on their own channel.
    """
    rate = voices.SAMPLE_RATE
    tagged = []
    for c, words in enumerate(per_channel):
        for w in words:
            a, b = int(w.start * rate), max(int(w.start * rate) + 1, int(w.end * rate))
            own = float(np.sqrt(np.mean(np.square(channels[c, a:b], dtype=np.float64)))) if b > a else 0.0
            other = float(np.sqrt(np.mean(np.square(channels[1 - c, a:b], dtype=np.float64)))) if b > a else 0.0
            if own >= 0.25 * other:
                tagged.append((w, c))
    tagged.sort(key=lambda t: (t[0].start, t[1]))
    words = [w for w, _ in tagged]
    path = [c for _, c in tagged]
    centroids = []
    for c in range(2):
        spoken = [w for w, ch in tagged if ch == c]
        windows = windows_of(speech_regions(spoken)) if spoken else []
        vectors = voices.embed_windows(channels[c], windows)
        centroids.append(voices.centroid(vectors) if len(vectors) else np.zeros(voices.DIMENSION, np.float32))
    return _numbered(words, path, centroids)
