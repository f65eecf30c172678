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
        rows = [list(s) if isinstance(s, (list, tuple)) else [s.start, s.end, s.text, s.speaker] for s in segments]
        # A speaker (the channel a word was heard on) is kept when there is one; old rows have three fields.
        payload = json.dumps([r[:4] if len(r) > 3 and r[3] else r[:3] for r in rows])
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO transcripts VALUES (?, ?, ?, ?, ?)", (audio_hash, model, language, payload, time.time())
            )

    def transcript_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM transcripts").fetchone()[0]
