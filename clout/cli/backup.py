"""`clout backup DEST` and `clout restore SRC`: a consistent copy of the knowledge base, and back."""
from __future__ import annotations

from pathlib import Path

import click

from . import cli, pass_state


@cli.command()
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@pass_state
def backup(state, dest):
    """Copy the knowledge base to DEST (safe while ingest or serve run)."""
    from clout.index.backup import backup as run_backup

    figures = run_backup(state.settings.data_dir, dest)
    click.echo(f"backed up {figures['documents']} documents, {figures['chunks']} chunks to {dest}")


@cli.command()
@click.argument("src", type=click.Path(file_okay=False, exists=True, path_type=Path))
@pass_state
def restore(state, src):
    """Replace the knowledge base with the backup in SRC."""
    from clout.index.backup import restore as run_restore

    figures = run_restore(src, state.settings.data_dir)
    click.echo(f"restored {figures['documents']} documents, {figures['chunks']} chunks into {state.settings.data_dir}")
