"""Storing a loaded Document: the one sink that `clout ingest` and `clout sync` hand documents to."""
from __future__ import annotations

from typing import Callable

from clout.ingest.batch import ADDED, UPDATED, Outcome
from clout.ingest.errors import StopBatch


def into(kb, on_stored: Callable = lambda doc, added: None) -> Callable:
    """A sink that adds each document to `kb` and describes what happened in one Outcome."""
    from clout.index.embed import EmbedderError
    from clout.index.store import StoreError

    def sink(doc, prepared=None) -> Outcome:
        try:
            added = kb.add(doc, prepared)
        except (StoreError, EmbedderError) as e:
            # A full disk, a read-only directory, a model that will not load: every next item would fail too.
            raise StopBatch(str(e)) from None
        on_stored(doc, added)
        notes = [f"{added.chunks} chunks" if added.status in (ADDED, UPDATED) else ""]
        if doc.extra.get("encoding"):
            notes.append(f"read as {doc.extra['encoding']}")
        if doc.extra.get("extraction"):
            notes.append(doc.extra["extraction"])
        detail = added.duplicate_of or ", ".join(n for n in notes if n)
        return Outcome(doc.source, added.status, detail, added.doc_id, added.chunks)

    return sink
