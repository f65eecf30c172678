"""`clout publish DEST`: an immutable, checksummed snapshot of the knowledge base for replicas to serve."""
from __future__ import annotations

from pathlib import Path

import click

from . import cli, pass_state


@cli.command()
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--keep", type=click.IntRange(min=1), default=3, show_default=True,
              help="Snapshots kept in DEST; older ones are deleted.")
@pass_state
def publish(state, dest, keep):
    """Publish the knowledge base as a new snapshot in DEST, for `clout serve --snapshot DEST` (safe while ingest runs)."""
    from clout.index.snapshot import publish as run_publish

    manifest = run_publish(state.settings.data_dir, dest, keep=keep)
    click.echo(f"published {manifest['name']}: {manifest['documents']} documents, {manifest['chunks']} chunks, to {dest}")
