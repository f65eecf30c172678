"""Episode audio: /media/<id> streams a document's own local audio file (with Range), or redirects to its remote URL."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, send_file

bp = Blueprint("media", __name__)


def audio_location(doc) -> str:
    """Where a stored episode's audio is: an http(s) URL or a local path; '' when it has none."""
    if doc is None or doc.kind != "episode":
        return ""
    local = doc.extra.get("audio_path") or ""
    if local:
        return local
    url = doc.audio_url or ""
    return url[len("file://"):] if url.startswith("file://") else url


@bp.get("/media/<int:doc_id>")
def audio(doc_id: int):
    # Only the path recorded for this document is ever opened; nothing from the request names a file.
    location = audio_location(current_app.extensions["clout_kb"].store.document(doc_id, segments=False))
    if location.startswith(("http://", "https://")):
        return redirect(location, code=302)
    path = Path(location) if location else None
    if path is None or not path.is_file():
        abort(404, description=f"there is no audio for document {doc_id}")
    # conditional=True answers Range requests with 206, which browsers need to seek.
    return send_file(path, conditional=True, max_age=3600)
