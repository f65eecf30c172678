"""What is said of an episode beyond its text: its people, its chapters, who speaks in each passage, and
the voiceprints of a show's named speakers, kept from one episode to the next."""
from __future__ import annotations

import sqlite3
import time

import numpy as np

from clout.document import Chapter, Person, Voiceprint

MADE, PUBLISHER = "made", "publisher"


def write_episode(db: sqlite3.Connection, doc_id: int, people, chapters, chapter_origin: str,
                  chunk_speakers: list[tuple[int, tuple[str, ...]]]) -> None:
    """Inside put_document's transaction: replace the document's people and chapters, record who
    speaks in each of its new chunks (a name counts as named when it is one of the people)."""
    db.execute("DELETE FROM people WHERE document_id = ?", (doc_id,))
    db.execute("DELETE FROM chapters WHERE document_id = ?", (doc_id,))
    db.executemany(
        "INSERT INTO people (document_id, position, name, role) VALUES (?, ?, ?, ?)",
        [(doc_id, i, p.name, p.role) for i, p in enumerate(people)],
    )
    db.executemany(
        "INSERT INTO chapters (document_id, position, start, title, origin) VALUES (?, ?, ?, ?, ?)",
        [(doc_id, i, c.start, c.title, chapter_origin) for i, c in enumerate(chapters)],
    )
    names = {p.name for p in people}
    db.executemany(
        "INSERT OR IGNORE INTO chunk_speakers (chunk_id, speaker, named) VALUES (?, ?, ?)",
        [(chunk_id, s, int(s in names)) for chunk_id, speakers in chunk_speakers for s in speakers],
    )


class EpisodeTables:
    """The people, chapters, chunk_speakers and voiceprints tables (a mixin of Store: uses self.db, self.transaction)."""

    def people(self, doc_id: int) -> list[Person]:
        rows = self.db.execute("SELECT name, role FROM people WHERE document_id = ? ORDER BY position", (doc_id,))
        return [Person(r[0], r[1]) for r in rows]

    def chapters(self, doc_id: int) -> list[Chapter]:
        rows = self.db.execute("SELECT start, title FROM chapters WHERE document_id = ? ORDER BY start", (doc_id,))
        return [Chapter(r[0], r[1]) for r in rows]

    def chapters_made(self, doc_id: int) -> bool:
        """Whether the document's chapters are Clout's (topic boundaries), not the publisher's."""
        row = self.db.execute("SELECT origin FROM chapters WHERE document_id = ? LIMIT 1", (doc_id,)).fetchone()
        return bool(row) and row[0] == MADE

    def chapter_at(self, doc_id: int, second: float | None) -> str:
        """The title of the chapter playing at that second of the episode; '' when it has no chapters."""
        if second is None:
            return ""
        row = self.db.execute(
            "SELECT title FROM chapters WHERE document_id = ? AND start <= ? ORDER BY start DESC LIMIT 1",
            (doc_id, second + 0.01),
        ).fetchone()
        return row[0] if row else ""

    def chunk_speakers(self, chunk_ids) -> dict[int, list[str]]:
        ids = list(chunk_ids)
        out: dict[int, list[str]] = {}
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            for chunk_id, speaker in self.db.execute(
                f"SELECT chunk_id, speaker FROM chunk_speakers WHERE chunk_id IN ({','.join('?' * len(part))})", part
            ):
                out.setdefault(chunk_id, []).append(speaker)
        return out

    def speakers_per(self, chunk_ids) -> dict[str, int]:
        """{named speaker: how many documents they speak in among these chunks}, most first."""
        ids = list(chunk_ids)
        if not ids:
            return {}
        rows = self.db.execute(
            "SELECT s.speaker, COUNT(DISTINCT c.document_id) FROM chunk_speakers s JOIN chunks c ON c.id = s.chunk_id "
            f"WHERE s.named = 1 AND s.chunk_id IN ({','.join('?' * len(ids))}) "
            "GROUP BY s.speaker ORDER BY COUNT(DISTINCT c.document_id) DESC, s.speaker",
            ids,
        )
        return {name: n for name, n in rows}

    # -- voiceprints -------------------------------------------------------------------------
    def voiceprints(self, show: str) -> list[Voiceprint]:
        """The prints of the people named in a show's episodes so far."""
        rows = self.db.execute("SELECT name, encoder, vector, seconds FROM voiceprints WHERE show = ?", (show,))
        return [Voiceprint(r[0], tuple(np.frombuffer(r[2], dtype="<f4").tolist()), r[3], r[1]) for r in rows]

    def remember_voices(self, show: str, prints: list[Voiceprint], max_seconds: float = 600.0) -> None:
        """Fold an episode's prints into the show's: a mean weighted by speech time, so the print
        settles as a person is heard more, capped so it can still follow a voice that changes."""
        if not prints:
            return
        with self.transaction() as db:
            for p in prints:
                old = db.execute(
                    "SELECT vector, seconds, episodes FROM voiceprints WHERE show = ? AND name = ? AND encoder = ?",
                    (show, p.name, p.encoder),
                ).fetchone()
                vector, seconds, episodes = np.asarray(p.vector, dtype=np.float64), p.seconds, 1
                if old:
                    weight = min(old[1], max_seconds)
                    vector = weight * np.frombuffer(old[0], dtype="<f4") + p.seconds * vector
                    seconds, episodes = old[1] + p.seconds, old[2] + 1
                vector = vector / (np.linalg.norm(vector) or 1.0)
                db.execute(
                    "INSERT OR REPLACE INTO voiceprints VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (show, p.name, p.encoder, vector.astype("<f4").tobytes(), seconds, episodes, time.time()),
                )
