"""Local files stay local: paths kept inside the folder being ingested, reads bounded while reading,
audio recognised by its bytes, and private copies so that what is hashed is what is decoded.

A shared folder or a downloaded feed is untrusted: a symlink, an absolute path or a `../` in it could
otherwise make Clout read, index and serve any file this user can read. Every open here resolves the
path, refuses one that leads out of its tree, refuses anything but a regular file (a FIFO would
block, a device never ends), and then checks that the file it opened is the one it checked.
"""
from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

from clout.audiotypes import HEAD_BYTES, sniff_audio
from .errors import IngestError

OUTSIDE = "outside the folder being ingested (a symlink or a path leading out of it), so it is not read"


def real(path: Path | str) -> Path:
    return Path(os.path.realpath(path))


def inside(path: Path | str, root: Path | str) -> bool:
    """Whether `path`, with every symlink and `..` resolved, lies in `root` (itself resolved)."""
    target, base = real(path), real(root)
    return target == base or base in target.parents


def shown(path: Path | str, root: Path | str) -> str:
    """What clients are shown for a local file: its path from the ingested folder, starting with that
    folder's name (`notes/q3/plan.md`); the absolute path stays on the server."""
    target, base = real(path), real(root)
    if base == target:
        return target.name
    try:
        parts = target.relative_to(base).parts
    except ValueError:
        return target.name
    return "/".join((base.name, *parts)) if base.name else "/".join(parts)


def open_file(path: Path | str, source: str, root: Path | str | None = None) -> BinaryIO:
    """The regular file at `path`, opened for reading; with `root`, only if it lies inside it."""
    try:
        if root is not None and not inside(path, root):
            raise IngestError(source, "it is " + OUTSIDE)
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        fd = os.open(real(path), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise IngestError(source, "no such file") from None
    except OSError as e:
        raise IngestError(source, f"cannot read it ({e.strerror})") from None
    file = os.fdopen(fd, "rb")
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IngestError(source, "it is not a regular file")
        # The path was checked, then opened: make sure nothing was swapped in between.
        opened = Path(f"/proc/self/fd/{fd}")
        if root is not None and opened.exists() and not inside(os.readlink(opened), root):
            raise IngestError(source, "it is " + OUTSIDE)
    except BaseException:
        file.close()
        raise
    return file


def read_bounded(path: Path | str, limit: tuple[int, str], source: str, root: Path | str | None = None) -> bytes:
    """The file's bytes, refused once more than `limit` (bytes, the setting that says so) have been read."""
    max_bytes, setting = limit
    with open_file(path, source, root) as file:
        try:
            data = file.read(max_bytes + 1)
        except OSError as e:
            raise IngestError(source, f"cannot read it ({e.strerror})") from None
    if len(data) > max_bytes:
        raise IngestError(source, f"it is over the {max_bytes / 2**20:g} MB limit ({setting})")
    return data


def audio_type(path: Path | str, source: str, root: Path | str | None = None) -> str:
    """The audio MIME type the file's first bytes show, "" when they are not audio."""
    with open_file(path, source, root) as file:
        return sniff_audio(file.read(HEAD_BYTES))


def private_copy(path: Path | str, directory: Path, limit: tuple[int, str], source: str,
                 root: Path | str | None = None) -> tuple[Path, str, str]:
    """A copy of a local audio file in Clout's own `directory`, made in one read: (the copy, the
    SHA-256 of its bytes, their sniffed audio type). Decoding the copy means the transcript cached
    under that hash is the transcript of exactly those bytes, whatever happens to the original."""
    max_bytes, setting = limit
    directory.mkdir(parents=True, exist_ok=True)
    digest, done = hashlib.sha256(), 0
    fd, name = tempfile.mkstemp(prefix="local-", suffix=".audio", dir=directory)
    copy = Path(name)
    try:
        with os.fdopen(fd, "wb") as out, open_file(path, source, root) as original:
            head = original.read(HEAD_BYTES)
            kind = sniff_audio(head)
            block = head
            while block:
                done += len(block)
                if done > max_bytes:
                    raise IngestError(source, f"it is over the {max_bytes / 2**20:g} MB limit ({setting})")
                digest.update(block)
                out.write(block)
                block = original.read(1 << 20)
    except OSError as e:
        copy.unlink(missing_ok=True)
        raise IngestError(source, f"cannot read it ({e.strerror})") from None
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    return copy, digest.hexdigest(), kind
