"""Voice embeddings: 256 numbers that say who is speaking, from Resemblyzer's pretrained speaker encoder.

The encoder (GE2E, a three-layer LSTM over 40-band mel frames, Apache-2.0) ships its weights inside
the `resemblyzer` wheel (`resemblyzer/pretrained.pt`). Clout loads those weights into the same network
itself rather than importing the package: `import resemblyzer` imports `webrtcvad`, whose module
imports `pkg_resources`, which the setuptools that torch needs no longer has. The features and the
network are Resemblyzer's own (librosa mel spectrogram, 25 ms windows every 10 ms, 1.6 s partials).
"""
from __future__ import annotations

import importlib.util
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
NAME = "resemblyzer-0.1.4"  # recorded with every voiceprint: prints of another encoder never compare
FRAME_SECONDS = 0.01
WINDOW_FRAMES = 160  # 1.6 s, the length the encoder was trained on
MEL_BANDS = 40
DIMENSION = 256
# Resemblyzer normalises speech to this loudness before embedding; each window is brought to it.
TARGET_DBFS = -30.0


class VoiceError(Exception):
    """The voice encoder cannot be had; str() is one sentence."""


def weights_path() -> Path:
    spec = importlib.util.find_spec("resemblyzer")  # finds the package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        raise VoiceError("the voice encoder's weights are not installed: pip install resemblyzer")
    path = Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"
    if not path.is_file():
        raise VoiceError(f"the resemblyzer package has no pretrained.pt at {path}")
    return path


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _network():
    import torch
    from torch import nn

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(MEL_BANDS, DIMENSION, 3, batch_first=True)
            self.linear = nn.Linear(DIMENSION, DIMENSION)

        def forward(self, mels):
            _, (hidden, _) = self.lstm(mels)
            raw = torch.relu(self.linear(hidden[-1]))
            return raw / torch.norm(raw, dim=1, keepdim=True).clamp_min(1e-9)

    encoder = Encoder()
    state = torch.load(weights_path(), map_location="cpu", weights_only=False)["model_state"]
    encoder.load_state_dict({k: v for k, v in state.items() if k.startswith(("lstm.", "linear."))})
    encoder.eval()
    return encoder


N_FFT, HOP = 400, 160  # 25 ms windows every 10 ms


@lru_cache(maxsize=1)
def _mel_basis() -> np.ndarray:
    import librosa

    return librosa.filters.mel(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=MEL_BANDS).astype(np.float32)


def mel_frames(samples: np.ndarray) -> np.ndarray:
    """(frames, 40) mel power spectrogram of 16 kHz samples, one frame every 10 ms: what
    librosa.feature.melspectrogram gives Resemblyzer (periodic Hann window, centred frames padded
    with zeros), computed here so a window of a few seconds costs no more than its FFTs."""
    y = np.pad(np.asarray(samples, dtype=np.float32), N_FFT // 2)
    if len(y) < N_FFT:
        y = np.pad(y, (0, N_FFT - len(y)))
    frames = np.lib.stride_tricks.sliding_window_view(y, N_FFT)[::HOP]
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    return (power @ _mel_basis().T).astype(np.float32)


def _frame_count(samples: int) -> int:
    return max(1, min(WINDOW_FRAMES, samples // int(FRAME_SECONDS * SAMPLE_RATE)))


def _loudness_scale(samples: np.ndarray) -> float:
    """The power factor that brings these samples to the encoder's loudness (louder only, as Resemblyzer)."""
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if samples.size else 0.0
    if rms <= 1e-6:
        return 1.0
    change_db = TARGET_DBFS - 20 * np.log10(rms)
    return float(10 ** (max(0.0, change_db) / 10))  # mel frames are power: amplitude squared


def embed_windows(samples: np.ndarray, windows: list[tuple[float, float]], batch: int = 64) -> np.ndarray:
    """One unit-length voice embedding per (start, end) window of the samples, in seconds.

    Windows of 1.6 s run in batches; shorter ones (a word or two) run on their own, at whatever
    length they have (the LSTM's last state, like Resemblyzer's own short utterances).
    """
    import torch

    if not windows:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    out = np.zeros((len(windows), DIMENSION), dtype=np.float32)
    clips = []
    for start, end in windows:
        a = max(0, int(start * SAMPLE_RATE))
        clips.append((a, max(a + 1, min(len(samples), int(end * SAMPLE_RATE)))))
    by_length: dict[int, list[int]] = {}
    for i, (a, b) in enumerate(clips):
        by_length.setdefault(_frame_count(b - a), []).append(i)

    # Each window's frames are made when its batch runs: the spectrogram of a whole long episode
    # at once would take gigabytes.
    def frames(i: int) -> np.ndarray:
        clip = samples[clips[i][0] : clips[i][1]]
        return mel_frames(clip)[: _frame_count(len(clip))] * _loudness_scale(clip)

    network = _network()
    with _lock, torch.inference_mode(), _one_thread(torch):
        for members in by_length.values():
            for j in range(0, len(members), batch):
                part = members[j : j + batch]
                out[part] = network(torch.from_numpy(np.stack([frames(i) for i in part]))).numpy()
    return out


class _one_thread:
    """An LSTM steps through its frames one small product at a time: a second thread only adds
    hand-over. Measured on 58 windows on a busy 2-core machine: 0.5 s on one thread, 3-4 s on two."""

    def __init__(self, torch):
        self.torch = torch

    def __enter__(self):
        self.threads = self.torch.get_num_threads()
        self.torch.set_num_threads(1)

    def __exit__(self, *exc):
        self.torch.set_num_threads(self.threads)
        return False


def centroid(vectors: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """The unit-length mean of some voice embeddings: one voice's print."""
    mean = np.average(np.asarray(vectors, dtype=np.float64), axis=0, weights=weights)
    norm = np.linalg.norm(mean)
    return (mean / norm if norm > 0 else mean).astype(np.float32)


__all__ = ["NAME", "DIMENSION", "VoiceError", "embed_windows", "centroid", "mel_frames", "weights_path"]
