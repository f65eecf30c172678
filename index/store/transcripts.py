"""The transcripts table: Whisper's output kept per audio hash and model, so the same audio is never transcribed twice."""
from __future__ import annotations

import json
import time


class TranscriptTable:
    """A mixin of Store (uses self.db, self.transaction); ingest reaches it through its Context."""

    def get_transcript(self, audio_hash: str, model: str) -> list[tuple[float, float, str]] | None:
        row = self.db.execute(
            "SELECT segments FROM transcripts WHERE audio_hash = ? AND model = ?", (audio_hash, model)
        ).fetchone()
        return [tuple(s) for s in json.loads(row[0])] if row else None

    def put_transcript(self, audio_hash: str, model: str, language: str, segments: list) -> None:
        payload = json.dumps([[s[0], s[1], s[2]] if isinstance(s, (list, tuple)) else [s.start, s.end, s.text] for s in segments])
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO transcripts VALUES (?, ?, ?, ?, ?)", (audio_hash, model, language, payload, time.time())
            )

    def transcript_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM transcripts").fetchone()[0]
