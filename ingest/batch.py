"""A batch of sources through discover → load → sink, one Outcome per item; failures never stop it."""
from __future__ import annotations

import logging
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from clout.document import Document
from .errors import IngestError, StopBatch, Unchanged
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
Loads = Callable[[list[Item], Context], Iterator[tuple[Item, object]]]


def run(
    sources: Iterable[str],
    ctx: Context,
    sink: Sink,
    dry_run: bool = False,
    loads: Loads | None = None,
) -> Iterator[Outcome]:
    """Ingest every source, yielding one Outcome per item as it is done.

    `loads` runs load() elsewhere (a Ray cluster: clout.pipeline.ray_ingest): given a source's items in
    the order they are loaded here, it yields (item, what the sink takes, or the exception) in that
    order, so the store gets the same documents in the same order either way.
    """
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
        ctx.progress("discovered", {"source": source, "items": len(items)})
        if loads is not None and not dry_run:
            yield from (Outcome(e.source, FAILED, e.reason) for e in items if isinstance(e, IngestError))
            loadable = [i for i in items if isinstance(i, Item)]
            ordered = [i for i in loadable if i.kind != "page"] + [i for i in loadable if i.kind == "page"]
            for item, result in loads(ordered, ctx):
                yield _settled(item, result, sink)
            continue
        pages = [i for i in items if isinstance(i, Item) and i.kind == "page" and not dry_run]
        for item in items:
            if isinstance(item, IngestError):
                yield Outcome(item.source, FAILED, item.reason)
            elif dry_run:
                yield Outcome(item.source, PLANNED, item.kind)
            elif item.kind != "page":
                yield _one(item, ctx, sink)
        yield from _pages(pages, ctx, sink)


def _pages(items: list[Item], ctx: Context, sink: Sink) -> Iterator[Outcome]:
    """Web pages are loaded by a small pool (the wait is the network); the sink stays on this thread."""
    workers = max(1, min(ctx.settings.download_workers, len(items)))
    if workers == 1:
        yield from (_one(item, ctx, sink) for item in items)
        return
    pool = ThreadPoolExecutor(workers, thread_name_prefix="clout-fetch")
    pending: deque = deque()
    todo = iter(items)
    try:
        for item in todo:
            pending.append((item, pool.submit(_load, item, ctx)))
            if len(pending) >= 2 * workers:
                yield _stored(*pending.popleft(), sink)
        while pending:
            yield _stored(*pending.popleft(), sink)
    finally:
        # On Ctrl-C (or a consumer that stops early): drop queued loads and end the running ones fast.
        if pending:
            ctx.fetcher.stopping.set()
        pool.shutdown(wait=True, cancel_futures=True)
        ctx.fetcher.stopping.clear()  # the fetcher outlives this pool: a sync's next source uses it


def _load(item: Item, ctx: Context):
    try:
        return load(item, ctx)
    except Exception as e:  # handed to the main thread, which reports it like _one() does
        return e


def _stored(item: Item, future, sink: Sink) -> Outcome:
    return _settled(item, future.result(), sink)


def _settled(item: Item, result, sink: Sink) -> Outcome:
    if isinstance(result, Exception):
        return _outcome_of_error(item, result)
    try:
        return sink(result)
    except Exception as e:
        return _outcome_of_error(item, e)


def _outcome_of_error(item: Item, error: Exception) -> Outcome:
    if isinstance(error, StopBatch):
        raise error
    if isinstance(error, Unchanged):
        return Outcome(error.source, UNCHANGED, error.detail)
    if isinstance(error, IngestError):
        return Outcome(error.source, FAILED, error.reason)
    if isinstance(error, MemoryError):
        return Outcome(item.source, FAILED, "ran out of memory reading it")
    log.error("ingesting %s", item.source, exc_info=error)
    return Outcome(item.source, FAILED, f"unexpected error: {type(error).__name__}: {error}")


def _one(item: Item, ctx: Context, sink: Sink) -> Outcome:
    try:
        return sink(load(item, ctx))
    except Exception as e:  # every failure becomes one line; the batch goes on
        return _outcome_of_error(item, e)
