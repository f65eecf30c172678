"""`clout extract`: what ingest would store for each page of a source, printed, nothing stored."""
from __future__ import annotations

import click

from . import cli, emit_json, pass_state

FIELDS = ("source", "title", "author", "date", "site", "url", "language")


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per page, one per line.")
@pass_state
def extract(state, sources, as_json):
    """Print the title, author, date, site, URL, language and main text Clout finds in each
    file or URL (sitemaps and feeds give one record per page), without storing anything."""
    from clout.ingest.errors import IngestError, Unchanged
    from clout.ingest.sources import Context, Item, discover, load

    ctx = Context(state.settings)  # knows nothing stored, so every page is fetched in full
    failed = 0
    for source in sources:
        for item in discover(source, ctx):
            try:
                if not isinstance(item, Item):
                    raise item
                doc = load(item, ctx)
            except (IngestError, Unchanged) as e:
                failed += 1
                click.echo(f"failed: {e.source}: {getattr(e, 'reason', None) or getattr(e, 'detail', '')}", err=True)
                continue
            record = {name: getattr(doc, name) for name in FIELDS} | {"text": doc.text}
            if doc.extra.get("extraction"):
                record["note"] = doc.extra["extraction"]
            if as_json:
                emit_json(record)
            else:
                for name in FIELDS:
                    click.echo(f"{name}: {record[name]}")
                if "note" in record:
                    click.echo(f"note: {record['note']}")
                click.echo("")
                click.echo(doc.text)
                click.echo("")
    if failed:
        raise SystemExit(1)
