"""`clout sources …` and `clout sync`: the blogs, sitemaps and feeds Clout follows, kept up to date."""
from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

from . import cli, emit_json, pass_state


def _registry(state):
    from clout.index.sources import Sources

    return Sources(state.kb().store)


def _when(timestamp: float | None) -> str:
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M") if timestamp else "never"


@cli.group()
def sources():
    """The sources `clout sync` follows."""


@sources.command("add")
@click.argument("url")
@click.option("--kind", type=click.Choice(["auto", "feed", "sitemap", "site", "podcast"]), default="auto", show_default=True)
@click.option("--name", default="", help="A short name (default: from the URL).")
@click.option("--limit", type=click.IntRange(min=1), help="At most N newest items per sync.")
@pass_state
def sources_add(state, url, kind, name, limit):
    """Follow URL (a feed, sitemap, site or podcast; a local path works too)."""
    source = _registry(state).add(url, kind=kind, name=name, limit=limit)
    click.echo(f"following {source.url} as {source.name!r} ({source.kind}); run `clout sync {source.name}` to fetch it")


@sources.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def sources_list(state, as_json):
    """Each source: name, kind, last sync, items, last error."""
    rows = _registry(state).all()
    if as_json:
        emit_json([r.__dict__ for r in rows])
        return
    if not rows:
        click.echo("No sources yet: `clout sources add URL`.")
        return
    for r in rows:
        status = click.style(f"error: {r.last_error}", fg="red") if r.last_error else "ok"
        click.echo(f"{r.name}  [{r.kind}]  {r.url}")
        click.echo(f"    last sync {_when(r.last_sync)} · {r.items} items · {status}")


@sources.command("remove")
@click.argument("name")
@click.option("--keep-documents/--drop-documents", default=None, help="Keep or remove what the source brought (asked if not given).")
@pass_state
def sources_remove(state, name, keep_documents):
    """Stop following NAME; keep or drop its documents."""
    registry = _registry(state)
    if registry.get(name) is None:
        raise click.ClickException(f"no source named {name!r}; `clout sources list` shows them")
    items = registry.items(name)
    if keep_documents is None:
        keep_documents = not click.confirm(f"Also remove the {len(items)} documents {name!r} brought?", default=False)
    registry.remove(name)
    removed = 0
    if not keep_documents:
        kb = state.kb()
        with kb.writing():
            removed = sum(kb.remove(item) for item in items)
    click.echo(f"removed source {name!r}" + (f" and {removed} documents" if removed else f"; kept its {len(items)} documents"))


@sources.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_state
def sources_export(state, file):
    """Write the sources to FILE (TOML) for version control."""
    from clout.index.sources import to_toml

    rows = _registry(state).all()
    file.write_text(to_toml(rows), encoding="utf-8")
    click.echo(f"wrote {len(rows)} sources to {file}")


@sources.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@pass_state
def sources_import(state, file):
    """Follow every source in FILE (TOML); ones already followed are left as they are."""
    from clout.index.sources import from_toml

    registry = _registry(state)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise click.ClickException(f"{file}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    wanted = from_toml(text, str(file))
    known = {s.url for s in registry.all()}
    added = 0
    for s in wanted:
        if s.url in known:
            click.echo(f"already followed: {s.url}")
            continue
        registry.add(s.url, kind=s.kind, name=s.name, limit=s.limit)
        added += 1
        click.echo(f"following {s.url} as {s.name!r}")
    click.echo(f"{added} sources added")


@cli.command()
@click.argument("names", nargs=-1)
@click.option("--prune", is_flag=True, help="Remove documents a source no longer lists.")
@click.option("--quiet", "-q", is_flag=True, help="Only the per-source summaries and the total.")
@click.option("--ray", "ray_address", envvar="CLOUT_RAY_ADDRESS", metavar="ADDRESS", default="",
              help="Load, transcribe and embed on the Ray cluster at ADDRESS (HOST:PORT or ray://HOST:PORT).")
@pass_state
def sync(state, names, prune, quiet, ray_address):
    """Fetch what is new or changed from each followed source (or the NAMES given)."""
    from clout.ingest.batch import FAILED
    from clout.ingest.sources import Context, Options
    from clout.pipeline.sync import sync as run_sync, totals

    kb = state.kb()
    ctx = Context(state.settings, Options(whisper_model=state.settings.whisper_model), known=kb.known, transcripts=kb.store, voiceprints=kb.voiceprints)

    def show(source, outcome):
        if not quiet or outcome.status == FAILED:
            click.echo(f"[{source.name}] {outcome.line()}", err=outcome.status == FAILED)

    started = time.monotonic()
    cluster = None
    if ray_address:  # Ray is imported only here
        from clout.pipeline.ray_ingest import Cluster

        cluster = Cluster(ray_address, state.settings)
    try:
        reports = run_sync(kb, list(names), ctx, prune=prune, on_outcome=show, cluster=cluster)
    except KeyboardInterrupt:
        click.echo("interrupted: what was done is saved; run `clout sync` again to continue", err=True)
        raise SystemExit(130)
    finally:
        where = f" {cluster.where()}" if cluster else ""
        if cluster:
            cluster.close()
    if not reports:
        click.echo("No sources to sync: `clout sources add URL` or `clout sources import FILE`.")
        return
    for report in reports:
        click.echo(report.summary())
    click.echo(totals(reports, time.monotonic() - started) + where)
    if any(r.failed for r in reports):
        raise SystemExit(1)
