"""Audio files into 16 kHz samples (mono, or the two channels of a stereo file), decoded in a child process with CPU, memory and length limits.

Audio from the web is untrusted input to FFmpeg's decoders (bundled with PyAV, so no system ffmpeg).
Decoding in a child process means a pathological file can at worst get that child killed, and the
batch reports one line for it and goes on. The child opens the file itself and hands FFmpeg only
the open file, with no protocol allowed for anything the file names: a path such as
`http:host:port/x.mp3` (a folder named `http:…`) is read from disk, never fetched as a URL, and a
playlist or reference inside a file opens nothing. A file that declares itself longer than the limit
is refused before a sample is written. This file is also the child's program: it is run by path,
so it imports nothing from Clout.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from clout.errors import CloutError

SAMPLE_RATE = 16000
# The child gets this much CPU time per hour of audio allowed, and this much address space.
CPU_SECONDS_PER_HOUR = 120
MEMORY_BYTES = 3 * 2**30
EXIT_TOO_LONG, EXIT_NO_AUDIO, EXIT_UNDECODABLE = 3, 4, 5
# FFmpeg opens what a file refers to (HLS segments, references) through a protocol in this list;
# the input itself is Clout's open file, which needs none. No protocol has this name.
NO_PROTOCOLS = {"protocol_whitelist": "none"}
# A declared duration may be an estimate from the bitrate: refuse up front only when clearly over.
DECLARED_SLACK = 1.1


class DecodeError(CloutError):
    """The file is not audio this decoder can read; str() says why, without naming the file."""


def decode(path: Path, max_seconds: float, channels: bool = False) -> "numpy.ndarray":  # noqa: F821
    """Float32 samples at 16 kHz; DecodeError for anything that is not decodable audio.

    With `channels`, a (channels, samples) array: two rows for a file of two or more channels
    (left and right), one for a mono file. Otherwise one row, mixed down to mono.
    """
    import numpy as np

    if path.stat().st_size == 0:
        raise DecodeError("the file is empty")
    cpu = max(30, int(CPU_SECONDS_PER_HOUR * max_seconds / 3600))

    # The samples file can never need more than the longest audio allowed, in two channels.
    samples_bytes = int(max_seconds * SAMPLE_RATE * 4 * 2) + 2**20

    def limits() -> None:  # runs in the child, before it starts
        import resource

        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
        resource.setrlimit(resource.RLIMIT_FSIZE, (samples_bytes, samples_bytes))

    with tempfile.TemporaryDirectory(prefix="clout-decode-") as tmp:
        out = Path(tmp) / "samples.f32"
        child = subprocess.run(
            [sys.executable, __file__, str(path), str(out), str(max_seconds), "stereo" if channels else "mono"],
            capture_output=True, text=True, preexec_fn=limits, timeout=cpu * 2 + 30,
        )
        if child.returncode == 0:
            samples = np.fromfile(out, dtype=np.float32)
            if not channels:
                return samples
            count = 2 if child.stdout.strip() == "2" else 1
            return samples.reshape(-1, count).T.copy()
    message = (child.stderr.strip().splitlines() or [""])[-1]
    if child.returncode in (EXIT_TOO_LONG, EXIT_NO_AUDIO, EXIT_UNDECODABLE):
        raise DecodeError(message)
    if child.returncode in (-9, -24):  # SIGKILL, SIGXCPU
        raise DecodeError("decoding it took more time or memory than the limits allow")
    if child.returncode == -25:  # SIGXFSZ
        raise DecodeError(f"it is longer than the {max_seconds / 3600:g}-hour limit (CLOUT_MAX_AUDIO_HOURS)")
    if "MemoryError" in child.stderr:
        raise DecodeError("decoding it needed more memory than the limit allows")
    raise DecodeError(f"the decoder failed ({message or f'exit status {child.returncode}'})")


def _child(path: str, out: str, max_seconds: float, layout: str = "mono") -> int:
    import av

    too_long = f"it is longer than the {max_seconds / 3600:g}-hour limit (CLOUT_MAX_AUDIO_HOURS)"
    try:
        with open(path, "rb") as file, av.open(file, mode="r", metadata_errors="ignore",
                                               container_options=NO_PROTOCOLS) as container:
            if not container.streams.audio:
                print("it has no audio stream", file=sys.stderr)
                return EXIT_NO_AUDIO
            stream = container.streams.audio[0]
            declared = _declared_seconds(container, stream)
            if declared > max_seconds * DECLARED_SLACK:  # refused before a sample is written
                print(f"it is {_length(declared)} long, longer than the {_length(max_seconds, '-')} limit "
                      "(CLOUT_MAX_AUDIO_HOURS)", file=sys.stderr)
                return EXIT_TOO_LONG
            written = _samples(container, stream, out, max_seconds, layout)
            if written < 0:
                print(too_long, file=sys.stderr)
                return EXIT_TOO_LONG
    except (av.error.FFmpegError, ValueError, IndexError) as e:
        print(f"it cannot be decoded as audio ({getattr(e, 'strerror', None) or e})", file=sys.stderr)
        return EXIT_UNDECODABLE
    except OSError as e:
        print(f"it cannot be read ({e.strerror or e})", file=sys.stderr)
        return EXIT_UNDECODABLE
    if written == 0:
        print("it holds no audio samples", file=sys.stderr)
        return EXIT_NO_AUDIO
    return 0


def _samples(container, stream, out: str, max_seconds: float, layout: str) -> int:
    """Decode into the samples file; how many samples per channel were written, -1 past the limit."""
    import av
    import numpy as np

    written = 0
    channels = 2 if layout == "stereo" and (stream.codec_context.channels or 1) >= 2 else 1
    print(channels)  # the parent reads how many channels the samples interleave
    resampler = av.audio.resampler.AudioResampler(
        format="flt", layout="stereo" if channels == 2 else "mono", rate=SAMPLE_RATE
    )
    with open(out, "wb") as sink:
        for group in _groups(_frames(container.decode(stream))):
            for resampled in resampler.resample(group):
                samples = resampled.to_ndarray().reshape(-1)  # packed: left, right, left ...
                written += samples.size // channels
                if written > max_seconds * SAMPLE_RATE:
                    return -1
                sink.write(samples.astype(np.float32).tobytes())
    return written


def _length(seconds: float, joint: str = " ") -> str:
    """"10 minutes", or with joint "-" as in "the 6-hour limit"."""
    for size, unit in ((3600, "hour"), (60, "minute"), (1, "second")):
        if seconds >= size or size == 1:
            value = round(seconds / size, 1)
            return f"{value:g}{joint}{unit}" + ("s" if joint == " " and value != 1 else "")
    return ""  # pragma: no cover


def _declared_seconds(container, stream) -> float:
    """How long the file says it is (its header, or FFmpeg's estimate); 0 when it does not say."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return container.duration / 1_000_000 if container.duration else 0.0  # AV_TIME_BASE


def _frames(frames):
    # A damaged frame in the middle of a long episode should cost that frame, not the episode.
    iterator = iter(frames)
    bad = 0
    while True:
        try:
            yield next(iterator)
        except StopIteration:
            return
        except av_errors() as e:
            bad += 1
            if bad > 50:
                raise ValueError(f"too many damaged frames ({e})") from None


def _groups(frames, samples: int = 500_000):
    # Resampling many small frames one by one costs more than decoding them; resample in batches.
    import av

    fifo = av.audio.fifo.AudioFifo()
    for frame in frames:
        frame.pts = None  # frames with gaps in their timestamps would be refused by the FIFO
        fifo.write(frame)
        if fifo.samples >= samples:
            yield fifo.read()
    if fifo.samples:
        yield fifo.read()
    yield None  # flush the resampler


def av_errors():
    import av

    return (av.error.InvalidDataError,)


if __name__ == "__main__":
    os.nice(5)
    sys.exit(_child(sys.argv[1], sys.argv[2], float(sys.argv[3]), *sys.argv[4:5]))
