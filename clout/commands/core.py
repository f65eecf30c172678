"""`clout search`, `clout stats`, `clout remove`: reading and pruning the knowledge base."""
from __future__ import annotations

import click

from ..cli import cli, emit_json, pass_state


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


@cli.command()
@click.argument("query")
@click.option("-k", "k", type=click.IntRange(1, 100), default=5, show_default=True, help="How many results.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@pass_state
def search(state, query, k, as_json):
    """Find the passages that answer QUERY."""
    from index.search import results_json, search as run_search

    hits = run_search(state.kb(readonly=True), query, k=k)
    if as_json:
        emit_json(results_json(query, hits))
        return
    if not hits:
        click.echo("No results.")
        return
    for rank, hit in enumerate(hits, 1):
        byline = " · ".join(p for p in (hit.site, hit.author, hit.date) if p)
        when = f"  ▶ {_clock(hit.start)}" if hit.kind == "episode" and hit.start is not None else ""
        click.echo(click.style(f"{rank}. {hit.title or hit.source}", bold=True) + when)
        if byline:
            click.echo(f"   {byline}")
        click.echo(f"   {hit.snippet}")
        click.echo(click.style(f"   {hit.url or hit.source}", dim=True))
        click.echo()


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@pass_state
def stats(state, as_json):
    """What the knowledge base holds, and whether its parts agree."""
    figures = state.kb(readonly=True).stats()
    if as_json:
        emit_json(figures)
        return
    kinds = ", ".join(f"{n} {kind}s" for kind, n in sorted(figures["by_kind"].items())) or "none"
    click.echo(f"documents:   {figures['documents']} ({kinds}); {figures['duplicates']} recorded duplicates")
    click.echo(f"chunks:      {figures['chunks']}")
    click.echo(f"vectors:     {figures['vectors']} ({figures['index_bytes'] / 2**20:.1f} MB index, "
               f"{figures['store_bytes'] / 2**20:.1f} MB store)")
    click.echo(f"consistent:  {'yes' if figures['consistent'] else 'NO'}")
    click.echo(f"model:       {figures['model']} ({figures['dim']} dimensions)")
    click.echo(f"transcripts: {figures['transcripts']} cached")
    click.echo(f"data dir:    {figures['data_dir']}")


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@pass_state
def remove(state, sources):
    """Remove documents by the path or URL they were ingested from."""
    from index.kb import BusyError
    from index.store import StoreError

    kb = state.kb()
    missing = 0
    try:
        with kb.writing():
            for source in sources:
                if kb.remove(source):
                    click.echo(f"removed: {source}")
                else:
                    missing += 1
                    click.echo(f"not found: {source}", err=True)
    except (BusyError, StoreError) as e:
        raise click.ClickException(str(e)) from None
    if missing:
        raise SystemExit(1)
