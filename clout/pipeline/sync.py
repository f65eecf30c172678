"""`clout sync`: visit each followed source once, ingest only what is new or changed, remember how it went.

What is new or changed is decided where it is cheapest: a page answers a conditional request with
304, an episode already stored is not downloaded again, and a document whose text did not change
is not re-embedded (content hash). A source that fails keeps its last good content.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable

from clout.errors import CloutError
from clout.index.lock import holding
from clout.index.sources import Source, SourceError, Sources

SYNC_LOCK = "sync.lock"


class SyncBusy(CloutError):
    """Another sync holds this data directory; the message names its pid."""


@dataclass
class SourceReport:
    source: Source
    counts: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    error: str = ""  # the source itself could not be read (its feed or sitemap failed)
    audio_seconds: float = 0.0
    pruned: int = 0

    @property
    def failed(self) -> bool:
        return bool(self.error or self.failures)

    def summary(self) -> str:
        if self.error:
            return f"{self.source.name}: failed: {self.error}"
        parts = [f"{n} {status}" for status, n in sorted(self.counts.items())] or ["nothing listed"]
        if self.pruned:
            parts.append(f"{self.pruned} pruned")
        return f"{self.source.name}: " + ", ".join(parts)


def sync_lock(data_dir):
    """One sync at a time per data directory, with the holder named in the message."""
    def refused(holder: str) -> SyncBusy:
        return SyncBusy(f"another `clout sync` ({holder or 'unknown pid'}) is running on {data_dir}")

    return holding(data_dir / SYNC_LOCK, refused)


def source_options(source: Source, base):
    """The ingest options a source's kind implies: it must turn out to be that kind (anything for
    "auto"), and a site is crawled from its start page."""
    options = replace(base, limit=source.limit or base.limit, expect="" if source.kind == "auto" else source.kind)
    if source.kind == "site" and options.max_depth == 0:
        options = replace(options, max_depth=1, same_site=True)
    return options


def sync_source(kb, sources: Sources, source: Source, ctx, prune: bool, on_outcome: Callable, cluster=None) -> SourceReport:
    """Ingest what one source lists now; returns what happened. Never raises for bad input.
    With a `ray_ingest.Cluster`, the items are loaded and prepared on it."""
    from clout.ingest.batch import ADDED, FAILED, UPDATED, run

    from .sink import into

    report = SourceReport(source)
    seen: list[str] = []
    ctx = replace(ctx, options=source_options(source, ctx.options))

    def count_audio(doc, added) -> None:
        if added.status in (ADDED, UPDATED) and doc.kind == "episode" and doc.duration and doc.extra.get("transcript") == "whisper":
            report.audio_seconds += doc.duration

    sink = into(kb, on_stored=count_audio)

    outcomes = cluster.run([source.url], ctx, kb, sink) if cluster else run([source.url], ctx, sink)
    for outcome in outcomes:
        on_outcome(source, outcome)
        if outcome.status == FAILED and outcome.source == source.url and not seen:
            # The source itself (its feed, sitemap or start page) failed: keep everything it brought.
            report.error = outcome.detail
            continue
        report.counts[outcome.status] += 1
        if outcome.status == FAILED:
            report.failures.append(f"{outcome.source}: {outcome.detail}")
        seen.append(outcome.source)

    dropped: list[str] = []
    if prune and not report.error:
        gone = set(sources.items(source.name)) - set(seen)
        for item in sorted(gone):
            report.pruned += kb.remove(item)
            dropped.append(item)
    if report.error:
        error = report.error
    elif report.failures:
        error = f"{len(report.failures)} of {len(seen)} items failed; first: {report.failures[0]}"
    else:
        error = ""
    sources.record(source.name, [] if report.error else seen, error, dropped)
    return report


def sync(kb, names: list[str], ctx, prune: bool = False, on_outcome: Callable = lambda s, o: None,
         cluster=None) -> list[SourceReport]:
    """Sync the named sources (all when none are named), holding the sync and write locks.
    SourceError, before anything is fetched, when a name is not a followed source."""
    sources = Sources(kb.store)
    chosen = [sources.get(n) for n in names] if names else sources.all()
    missing = [n for n, s in zip(names, chosen) if s is None]
    if missing:
        raise SourceError(f"no source named {', '.join(repr(m) for m in missing)}; `clout sources list` shows them")
    reports = []
    with sync_lock(kb.data_dir), kb.writing():
        for source in chosen:
            reports.append(sync_source(kb, sources, source, ctx, prune, on_outcome, cluster))
    return reports


def totals(reports: list[SourceReport], seconds: float) -> str:
    counts = Counter()
    for r in reports:
        counts.update(r.counts)
    failed_sources = sum(1 for r in reports if r.error)
    return (
        f"{counts['added']} new, {counts['updated']} updated, {counts['unchanged']} unchanged, "
        f"{counts['failed'] + failed_sources} failed, "
        f"{sum(r.audio_seconds for r in reports) / 60:.1f} audio minutes transcribed, in {seconds:.1f} s"
    )


__all__ = ["sync", "sync_source", "totals", "SyncBusy", "SourceReport"]
