"""The `clout` command: one click group whose commands are thin calls into ingest, index and web.

Domain errors (every CloutError) are raised inside the packages and turned into one line and exit
status 1 here, at the edge, by the group itself; commands do not catch them. Anything else is a bug
and keeps its traceback.
"""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from clout.errors import CloutError
from clout.settings import Settings


class State:
    """What every command shares: settings, and the knowledge base opened once, when first needed."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._kb = None

    def kb(self, readonly: bool = False):
        if self._kb is None:
            from clout.index.kb import KnowledgeBase

            self._kb = KnowledgeBase(self.settings.data_dir, readonly=readonly)
        return self._kb

    def close(self) -> None:
        if self._kb is not None:
            self._kb.close()
            for notice in self._kb.notices:
                click.echo(f"note: {notice}", err=True)


pass_state = click.make_pass_decorator(State)


class CloutGroup(click.Group):
    """The group every command runs inside: a CloutError from any of them becomes click's one-line
    "Error: ..." and exit status 1 (as simonw/llm does)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CloutError as e:
            raise click.ClickException(str(e)) from None


@click.group(cls=CloutGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="CLOUT_DATA_DIR",
    default="data",
    show_default=True,
    help="Where the knowledge base lives.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what happens inside.")
@click.version_option(package_name="clout")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path, verbose: bool) -> None:
    """Clout: search articles and podcast episodes for the passage that answers your question."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    state = State(Settings.from_env(data_dir=data_dir))
    ctx.obj = state
    ctx.call_on_close(state.close)


def _register() -> None:
    # Each command family lives in its own module; importing it adds its commands to the group.
    from . import analytics, ask, backup, core, eval, extract, ingest, keys, publish, serve, sources, transcript  # noqa: F401


def main() -> None:
    _register()
    cli(prog_name="clout")


def emit_json(payload) -> None:
    click.echo(json.dumps(payload, ensure_ascii=False))


def is_tty() -> bool:
    return sys.stdout.isatty()
