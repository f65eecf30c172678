"""What runs on a Ray worker: load an item (fetch + extract, download + transcribe) and prepare it (chunk + embed).

One `Loader` actor per worker process keeps Whisper, the voice encoder and the embedder loaded for
every item it is given (they are cached per process), and its own HTTP client, so robots.txt is read
once per host per worker. What it needs from the store comes with each item (what is known of the
source, the show's voiceprints, the transcript cached for its audio); what the store must keep
(documents, new transcripts) goes back to the driver, whose one writer stores it.
"""
from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass
class Loaded:
    """An item's document and its indexing work, and the transcripts heard on the way (for the cache)."""

    doc: object
    prepared: object = None
    transcripts: list = field(default_factory=list)  # (audio_hash, model, language, segments)


class Transcripts:
    """The transcript cache as a worker sees it: what the driver sent for this item, plus what it hears."""

    def __init__(self, known: dict):
        self.known = known  # (audio_hash, model) -> rows
        self.new: list = []

    def get_transcript(self, audio_hash: str, model: str):
        return self.known.get((audio_hash, model))

    def put_transcript(self, audio_hash: str, model: str, language: str, segments: list) -> None:
        self.new.append((audio_hash, model, language, list(segments)))
        self.known[(audio_hash, model)] = segments


class Loader:
    """A Ray actor (made remote by ray_ingest): one per worker process, many items each."""

    def __init__(self, settings):
        from clout.index.embed import Embedder
        from clout.ingest.fetch import Fetcher

        # Downloads go to this worker's own disk, deleted once transcribed, never to the driver's data directory.
        self.settings = replace(settings, data_dir=Path(tempfile.mkdtemp(prefix="clout-worker-")))
        self.fetcher = Fetcher(self.settings)
        self.embedder = Embedder()

    def info(self) -> dict:
        import ray

        from importlib.metadata import version

        return {"node": ray.get_runtime_context().get_node_id(), "pid": os.getpid(),
                "clout": version("clout"), "model": self.embedder.name}

    def load(self, item, options, known, voiceprints, transcripts, page=None):
        """Loaded, or ("unchanged" | "failed" | "error", source, detail). `page` is the item's page as
        discovery fetched it, if it did. Exceptions of this codebase are
        not sent back as such, since their constructors take other arguments than they keep."""
        from clout.index.prepare import prepare
        from clout.ingest.errors import IngestError, Unchanged
        from clout.ingest.sources import Context, load

        cache = Transcripts(dict(transcripts))
        ctx = Context(self.settings, options, known=lambda source: known, transcripts=cache,
                      voiceprints=lambda show: voiceprints, fetcher=self.fetcher)
        if page is not None:  # the response the driver's discovery fetched: not fetched again
            ctx.discovered_pages[item.source] = page
        try:
            doc = load(item, ctx)
            current = known is not None and known.get("content_hash") == doc.content_hash
            # The driver will find it unchanged and store nothing: embedding it would be wasted.
            return Loaded(doc, None if current else prepare(doc, self.embedder), cache.new)
        except Unchanged as e:
            return ("unchanged", e.source, e.detail)
        except IngestError as e:
            return ("failed", e.source, e.reason)
        except MemoryError:
            return ("failed", item.source, "ran out of memory reading it")
        except Exception as e:  # a bug: the driver reports it as one line, the worker's log keeps the traceback
            log.exception("loading %s", item.source)
            return ("error", item.source, f"{type(e).__name__}: {e}")


__all__ = ["Loader", "Loaded", "Transcripts"]
