"""Episode audio: /media/<id> streams a document's own local audio file (with Range), or redirects to its remote URL.

Only a file recorded at ingest, with the audio type its bytes showed then, is ever served, and only
if its bytes still show that type now; it goes out with that type (never one guessed from its name),
`Content-Disposition` and, as every response does (web/security.py), `nosniff` and a CSP in which
nothing runs. So no file of this machine, and no SVG or HTML posing as an enclosure, can be read or
run on Clout's origin through /media.
"""
from __future__ import annotations

import os
import stat

from flask import Blueprint, abort, current_app, redirect, request, send_file

from clout.audiotypes import EXTENSIONS, HEAD_BYTES, sniff_audio

from .params import DOC_ID

bp = Blueprint("media", __name__)


def audio_location(doc) -> str:
    """Where a stored episode's audio is: an http(s) URL or the local path recorded at ingest; '' when it has none."""
    if doc is None or doc.kind != "episode":
        return ""
    local = doc.extra.get("audio_path") or ""
    if local:
        return local
    url = doc.audio_url or ""
    return url if url.startswith(("http://", "https://")) else ""


def _open_recorded(path: str, kind: str):
    """The recorded file opened for reading if it still is what ingest recorded: a regular file at
    exactly that (resolved) path whose bytes show `kind`. None otherwise."""
    if kind not in EXTENSIONS:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    file = os.fdopen(fd, "rb")
    if (not stat.S_ISREG(os.fstat(fd).st_mode) or os.path.realpath(path) != path
            or sniff_audio(file.read(HEAD_BYTES)) != kind):
        file.close()
        return None
    file.seek(0)
    return file


@bp.get(f"/media/<{DOC_ID}:doc_id>")
def audio(doc_id: int):
    # Only the path recorded for this document is ever opened; nothing from the request names a file.
    doc = current_app.extensions["clout_kb"].store.document(doc_id, segments=False)
    location = audio_location(doc)
    if location.startswith(("http://", "https://")):
        return redirect(location, code=302)
    kind = doc.extra.get("audio_type", "") if doc is not None else ""
    file = _open_recorded(location, kind) if location else None
    if file is None:
        abort(404, description=f"there is no audio for document {doc_id}")
    info = os.fstat(file.fileno())
    response = send_file(file, mimetype=kind, download_name=f"episode-{doc_id}{EXTENSIONS[kind]}",
                         max_age=3600, last_modified=info.st_mtime, etag=f"{info.st_mtime_ns:x}-{info.st_size:x}")
    response.content_length = info.st_size
    # Range requests get 206, which browsers need to seek.
    return response.make_conditional(request.environ, accept_ranges=True, complete_length=info.st_size)
