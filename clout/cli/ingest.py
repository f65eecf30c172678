"""`clout ingest`: sources in, one line per item out, a summary, exit 1 if anything failed."""
from __future__ import annotations

import time
from collections import Counter

import click

from . import cli, is_tty, pass_state
from .progress import progress_for
from clout.pipeline.sink import into


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--limit", type=click.IntRange(min=1), help="At most N items from each feed or sitemap (newest first).")
@click.option("--since", "since", metavar="DATE", default="", help="Skip feed items and pages older than DATE (YYYY-MM-DD).")
@click.option("--same-site/--any-site", default=True, show_default=True, help="When crawling, stay on the start page's site.")
@click.option("--max-depth", type=click.IntRange(min=0), default=0, show_default=True, help="Follow links from a start page this many levels deep.")
@click.option("--dry-run", is_flag=True, help="List what would be ingested; store nothing.")
@click.option("--model", "whisper_model", envvar="CLOUT_WHISPER_MODEL", default="", help="Whisper model name or directory for audio.")
@click.option("--words", "word_timestamps", is_flag=True, help="Keep word-level timestamps when transcribing.")
@click.option("--ray", "ray_address", envvar="CLOUT_RAY_ADDRESS", metavar="ADDRESS", default="",
              help="Load, transcribe and embed on the Ray cluster at ADDRESS (HOST:PORT or ray://HOST:PORT).")
@pass_state
def ingest(state, sources, limit, since, same_site, max_depth, dry_run, whisper_model, word_timestamps, ray_address):
    """Add files, directories, URLs, sitemaps and feeds to the knowledge base.

    Prints one line per item: added, updated, unchanged, duplicate-of, or failed with the reason.
    """
    from clout.ingest.batch import FAILED, run
    from clout.ingest.dates import iso_date
    from clout.ingest.sources import Context, Options

    if since and not iso_date(since):
        raise click.BadParameter(f"{since!r} is not a date", param_hint="--since")
    options = Options(
        limit=limit, since=iso_date(since), same_site=same_site, max_depth=max_depth,
        whisper_model=whisper_model or state.settings.whisper_model, word_timestamps=word_timestamps,
    )
    kb = state.kb()

    sink = into(kb)
    progress = progress_for(is_tty())
    ctx = Context(state.settings, options, known=kb.known, transcripts=kb.store, voiceprints=kb.voiceprints,
                  progress=progress.handle)
    counts: Counter = Counter()
    started = time.monotonic()
    cluster = None
    if ray_address and not dry_run:  # Ray is imported only here: a local ingest never pays for it
        from clout.pipeline.ray_ingest import Cluster

        cluster = Cluster(ray_address, state.settings)
    try:
        with kb.writing(), progress:
            outcomes = cluster.run(sources, ctx, kb, sink) if cluster else run(sources, ctx, sink, dry_run=dry_run)
            for outcome in outcomes:
                counts[outcome.status] += 1
                progress.done(outcome.line(), failed=outcome.status == FAILED)
            if not dry_run and (filled := kb.fill_windows()):
                click.echo(f"embedded the windows of {filled} passages stored before Clout kept them", err=True)
            if not dry_run and (filled := kb.fill_sentences()):
                click.echo(f"stored the sentence vectors of {filled} documents ingested before Clout kept them", err=True)
    except KeyboardInterrupt:
        click.echo("interrupted: what was done is saved; run the same command again to continue", err=True)
        raise SystemExit(130)
    finally:
        where = f" {cluster.where()}" if cluster else ""
        if cluster:
            cluster.close()
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing to ingest"
    click.echo(f"{summary} in {time.monotonic() - started:.1f} s{where}")
    if counts[FAILED]:
        raise SystemExit(1)
