"""A batch of sources through discover → load → sink, one Outcome per item; failures never stop it."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from .document import Document
from .errors import IngestError, Unchanged
from .sources import Context, Item, discover, load

log = logging.getLogger(__name__)

# What a sink may answer for a stored document.
ADDED, UPDATED, UNCHANGED, DUPLICATE, FAILED, PLANNED = (
    "added", "updated", "unchanged", "duplicate", "failed", "would ingest",
)


@dataclass(frozen=True)
class Outcome:
    source: str
    status: str
    detail: str = ""
    doc_id: int | None = None
    chunks: int = 0

    def line(self) -> str:
        if self.status == FAILED:
            return f"failed: {self.source}: {self.detail}"
        if self.status == DUPLICATE:
            return f"duplicate-of {self.detail}: {self.source}"
        extra = f" ({self.detail})" if self.detail else ""
        return f"{self.status}: {self.source}{extra}"


Sink = Callable[[Document], Outcome]


def run(
    sources: Iterable[str],
    ctx: Context,
    sink: Sink,
    dry_run: bool = False,
) -> Iterator[Outcome]:
    """Ingest every source, yielding one Outcome per item as it is done."""
    for source in sources:
        try:
            items = list(discover(source, ctx))
        except IngestError as e:
            yield Outcome(e.source, FAILED, e.reason)
            continue
        except Exception as e:  # a bug or an unforeseen input must not end the batch
            log.exception("discovering %s", source)
            yield Outcome(source, FAILED, f"unexpected error: {e}")
            continue
        for item in items:
            if isinstance(item, IngestError):
                yield Outcome(item.source, FAILED, item.reason)
                continue
            if dry_run:
                yield Outcome(item.source, PLANNED, item.kind)
                continue
            yield _one(item, ctx, sink)


def _one(item: Item, ctx: Context, sink: Sink) -> Outcome:
    try:
        return sink(load(item, ctx))
    except Unchanged as e:
        return Outcome(e.source, UNCHANGED, e.detail)
    except IngestError as e:
        return Outcome(e.source, FAILED, e.reason)
    except MemoryError:
        return Outcome(item.source, FAILED, "ran out of memory reading it")
    except Exception as e:
        log.exception("ingesting %s", item.source)
        return Outcome(item.source, FAILED, f"unexpected error: {type(e).__name__}: {e}")
